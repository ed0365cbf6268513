/**
 * Trunk (LAG) offload: the Trunk Mapping and Trunk Mask tables of Global2
 * (global2.c mv88e6xxx_g2_trunk_*), each member's Trunk Port bits in Port Control 1
 * (port.c mv88e6xxx_port_set_trunk), and how Linux fills them for its LAGs
 * (chip.c mv88e6xxx_lag_sync_masks, mv88e6xxx_lag_set_port_mask).
 */
import { UsageError } from '../../../lib/errors.ts';
import type { SwitchLag } from '../chip.ts';
import type { RegisterLocks } from './lock.ts';
import type { Mv88e6xxxInfo } from './models.ts';
import type { Mv88e6xxxPorts } from './port.ts';
import type { Mv88e6xxxSmi } from './smi.ts';

const PORT_CTL1 = 0x05;
const PORT_CTL1_TRUNK_PORT = 0x4000; // MV88E6XXX_PORT_CTL1_TRUNK_PORT
const PORT_CTL1_TRUNK_ID_MASK = 0x0f00; // MV88E6XXX_PORT_CTL1_TRUNK_ID_MASK

// Global2 (global2.h).
const G2_TRUNK_MASK = 0x07;
const G2_TRUNK_MASK_UPDATE = 0x8000;
const G2_TRUNK_MASK_HASH = 0x0800; // MV88E6XXX_G2_TRUNK_MASK_HASH
const G2_TRUNK_MAPPING = 0x08;
const G2_TRUNK_MAPPING_UPDATE = 0x8000;
const G2_PORT_VECTOR_MASK = 0x07ff; // 10:0 in both trunk tables

/** Trunk IDs in hardware numbering (global2.h: 4-bit trunk ID). */
export const TRUNK_ID_COUNT = 16;
/** Trunk mask table entries: the hash picks one of 8 (global2.h). */
export const TRUNK_MASK_COUNT = 8;
/** chip.c mv88e6xxx_lag_can_offload: at most 8 members, one per hash bucket. */
export const TRUNK_MAX_MEMBERS = 8;

/**
 * chip.c mv88e6xxx_lag_set_port_mask table: row n-1 is a LAG with n active members; column k
 * is the set of hash buckets (mask numbers) that send to the k-th active member.
 */
const LAG_BUCKETS: readonly (readonly number[])[] = [
  [0xff],
  [0x0f, 0xf0],
  [0x07, 0x38, 0xc0],
  [0x03, 0x0c, 0x30, 0xc0],
  [0x03, 0x0c, 0x30, 0x40, 0x80],
  [0x03, 0x0c, 0x10, 0x20, 0x40, 0x80],
  [0x03, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80],
  [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80],
];

/** A trunk mask table entry as read back. */
export interface TrunkMaskEntry {
  /** HashTrunk (bit 11). */
  hash: boolean;
  /** Port vector (bits 10:0). */
  ports: number;
}

/**
 * The trunk state of one chip. The driver keeps what it programmed, because the mask table
 * is shared by every LAG and must exclude members of all of them, active or not.
 */
export class Mv88e6xxxTrunks {
  /** Members per trunk ID as last programmed, so that masks exclude inactive members too. */
  private readonly trunkMembers: number[] = new Array(TRUNK_ID_COUNT).fill(0);
  /** Distributing members per trunk ID, for the masks every LAG shares. */
  private readonly lagDistributing = new Map<number, readonly number[]>();

  /** Trunks as LAGs: ids 1-15 (0 is left unused, as Linux's one-based LAG ids map onto 0-15). */
  readonly lag: SwitchLag = {
    firstId: 1,
    lastId: TRUNK_ID_COUNT - 1,
    maxMembers: TRUNK_MAX_MEMBERS,
    setLag: (id, members, distributing) => this.setLag(id, members, distributing),
  };

  constructor(
    private readonly smi: Mv88e6xxxSmi,
    private readonly info: Mv88e6xxxInfo,
    private readonly locks: RegisterLocks,
    private readonly ports: Mv88e6xxxPorts,
  ) {}

  /**
   * mv88e6xxx port_lag_join / lag_change: the trunk ID on each member (and off ports that
   * left), the mapping of the distributing members, and the hash masks of every LAG. The CPU
   * port is never a member.
   */
  private async setLag(id: number, members: readonly number[], distributing: readonly number[]): Promise<void> {
    this.checkId(id);
    for (let p = 0; p < this.info.portCount; p++) {
      if (p === this.ports.taggingPort) continue;
      const now = await this.getPortTrunk(p);
      if (members.includes(p) && now !== id) await this.setPortTrunk(p, id);
      else if (!members.includes(p) && now === id) await this.setPortTrunk(p, null);
    }
    await this.setMembers(id, distributing);
    if (members.length === 0) this.lagDistributing.delete(id);
    else this.lagDistributing.set(id, [...distributing]);
    await this.setMasks([...this.lagDistributing.values()]);
  }

  private checkId(trunkId: number): void {
    if (!Number.isInteger(trunkId) || trunkId < 0 || trunkId >= TRUNK_ID_COUNT) {
      throw new UsageError(`${this.info.name}: trunk ID ${trunkId} out of range 0..${TRUNK_ID_COUNT - 1}`);
    }
  }

  private portVector(ports: readonly number[], what: string): number {
    let v = 0;
    for (const p of ports) {
      this.ports.check(p);
      if (v & (1 << p)) throw new UsageError(`${this.info.name}: port ${p} listed twice in ${what}`);
      v |= 1 << p;
    }
    if (ports.length > TRUNK_MAX_MEMBERS) {
      throw new UsageError(`${this.info.name}: ${what} has ${ports.length} ports; hardware offload takes at most ${TRUNK_MAX_MEMBERS}`);
    }
    return v;
  }

  /**
   * Trunk Mapping Table: frames for trunk `trunkId` (hardware numbering, 0-15; Linux LAG IDs
   * are one-based) may leave through `ports` (at most 8). An empty list removes the trunk.
   */
  async setMembers(trunkId: number, ports: readonly number[]): Promise<void> {
    this.checkId(trunkId);
    const vector = this.portVector(ports, `trunk ${trunkId}`);
    const b = this.smi.batch();
    b.write(this.info.global2, G2_TRUNK_MAPPING, G2_TRUNK_MAPPING_UPDATE | (trunkId << 11) | vector);
    await this.smi.run(b);
    this.trunkMembers[trunkId] = vector;
  }

  /**
   * Trunk Mask Table, as chip.c mv88e6xxx_lag_sync_masks builds it: every mask starts as all
   * ports minus every trunk member (those given here and those mapped by setMembers, so
   * inactive members carry nothing); then, per LAG, the k-th active member (in port order,
   * as Linux walks them) is added to the masks of its hash buckets. All 8 masks are written
   * with HashTrunk set, in one round trip.
   */
  async setMasks(lags: readonly (readonly number[])[]): Promise<void> {
    let members = 0;
    for (const v of this.trunkMembers) members |= v;
    const actives: number[][] = [];
    let seen = 0;
    for (const lag of lags) {
      const v = this.portVector(lag, 'a LAG');
      if (seen & v) throw new UsageError(`${this.info.name}: a port is active in two LAGs`);
      seen |= v;
      members |= v;
      actives.push([...lag].sort((a, b) => a - b));
    }
    const masks = new Array<number>(TRUNK_MASK_COUNT).fill(this.ports.allMask & ~members);
    for (const active of actives) {
      if (active.length === 0) continue;
      const row = LAG_BUCKETS[active.length - 1];
      active.forEach((port, nth) => {
        for (let i = 0; i < TRUNK_MASK_COUNT; i++) if (row[nth] & (1 << i)) masks[i] |= 1 << port;
      });
    }
    const b = this.smi.batch();
    masks.forEach((m, i) => b.write(this.info.global2, G2_TRUNK_MASK, G2_TRUNK_MASK_UPDATE | (i << 12) | G2_TRUNK_MASK_HASH | m));
    await this.smi.run(b);
  }

  /**
   * global2.c mv88e6xxx_g2_trunk_clear: all 8 masks = all ports with HashTrunk clear, all 16
   * mappings empty. Port Control 1 trunk bits are left alone (see setPortTrunk).
   */
  async clear(): Promise<void> {
    const g2 = this.info.global2;
    const b = this.smi.batch();
    for (let i = 0; i < TRUNK_MASK_COUNT; i++) b.write(g2, G2_TRUNK_MASK, G2_TRUNK_MASK_UPDATE | (i << 12) | this.ports.allMask);
    for (let id = 0; id < TRUNK_ID_COUNT; id++) b.write(g2, G2_TRUNK_MAPPING, G2_TRUNK_MAPPING_UPDATE | (id << 11));
    await this.smi.run(b);
    this.trunkMembers.fill(0);
  }

  /**
   * Port Control 1: Trunk Port and Trunk ID (port.c mv88e6xxx_port_set_trunk). `null`
   * takes the port out of any trunk.
   */
  async setPortTrunk(port: number, trunkId: number | null): Promise<void> {
    const dev = this.ports.addr(port);
    if (trunkId !== null) this.checkId(trunkId);
    const value = trunkId === null ? 0 : PORT_CTL1_TRUNK_PORT | (trunkId << 8);
    await this.locks.run('config', () => this.smi.modify(dev, PORT_CTL1, PORT_CTL1_TRUNK_PORT | PORT_CTL1_TRUNK_ID_MASK, value));
  }

  /** Port Control 1 trunk bits: the trunk ID, or null when the port is not a trunk port. */
  async getPortTrunk(port: number): Promise<number | null> {
    const v = await this.smi.read(this.ports.addr(port), PORT_CTL1);
    return v & PORT_CTL1_TRUNK_PORT ? (v & PORT_CTL1_TRUNK_ID_MASK) >> 8 : null;
  }

  /** Reads trunk mask `i` back: pointer write without Update, then a read, in one batch. */
  async readMask(i: number): Promise<TrunkMaskEntry> {
    if (!Number.isInteger(i) || i < 0 || i >= TRUNK_MASK_COUNT) throw new UsageError(`${this.info.name}: trunk mask ${i} out of range 0..7`);
    const b = this.smi.batch();
    b.write(this.info.global2, G2_TRUNK_MASK, i << 12, true);
    const r = b.read(this.info.global2, G2_TRUNK_MASK);
    const v = (await this.smi.run(b))[r];
    return { hash: (v & G2_TRUNK_MASK_HASH) !== 0, ports: v & G2_PORT_VECTOR_MASK };
  }

  /** Reads the member vector of trunk `trunkId` back (pointer write, then read). */
  async readMapping(trunkId: number): Promise<number> {
    this.checkId(trunkId);
    const b = this.smi.batch();
    b.write(this.info.global2, G2_TRUNK_MAPPING, trunkId << 11, true);
    const r = b.read(this.info.global2, G2_TRUNK_MAPPING);
    return (await this.smi.run(b))[r] & G2_PORT_VECTOR_MASK;
  }
}
