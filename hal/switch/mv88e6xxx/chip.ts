/**
 * Driver for Marvell 88E6352- and 88E6390-family switch chips: identification, port status
 * (the MAC-side "carrier"), STP port state, CPU-port frame mode, the internal PHYs behind
 * Global2, reserved-multicast trapping for LACP, and trunk (LAG) offload tables.
 * Register facts from `drivers/net/dsa/mv88e6xxx/` (chip.c, port.[ch], global1.[ch],
 * global2.[ch]); the constants name the Linux macro they mirror.
 */
import { MdioBusBase, checkOp, type MdioBus, type MdioOp } from '../../mdio/bus.ts';
import { MdioTimeoutError } from '../../mdio/errors.ts';
import { DeviceError, UsageError } from '../../../firmware/core/errors.ts';
import { Mv88e6xxxSmi, type SmiBatch } from './smi.ts';

export type Mv88e6xxxModel = '6352' | '6390';

/** What differs between the supported families (chip.c mv88e6xxx_table). */
export interface Mv88e6xxxInfo {
  model: Mv88e6xxxModel;
  name: string;
  /** Switch ID with the revision masked off (port.h MV88E6XXX_PORT_SWITCH_ID_PROD_*). */
  productId: number;
  portCount: number;
  /** Device address of port 0's registers (chip.c .port_base_addr). */
  portBase: number;
  global1: number;
  global2: number;
  /** Switch ports with an internal PHY; the PHY's Global2 address equals the port number. */
  internalPhyPorts: readonly number[];
}

export const MV88E6XXX_MODELS: Readonly<Record<Mv88e6xxxModel, Mv88e6xxxInfo>> = {
  '6352': { model: '6352', name: '88E6352', productId: 0x3520, portCount: 7, portBase: 0x10, global1: 0x1b, global2: 0x1c, internalPhyPorts: [0, 1, 2, 3, 4] },
  '6390': { model: '6390', name: '88E6390', productId: 0x3900, portCount: 11, portBase: 0x00, global1: 0x1b, global2: 0x1c, internalPhyPorts: [1, 2, 3, 4, 5, 6, 7, 8] },
};

// Port registers (port.h).
const PORT_STS = 0x00;
const PORT_STS_LINK = 0x0800; // MV88E6XXX_PORT_STS_LINK
const PORT_STS_DUPLEX = 0x0400; // MV88E6XXX_PORT_STS_DUPLEX
const PORT_STS_SPEED_MASK = 0x0300; // MV88E6XXX_PORT_STS_SPEED_MASK
const PORT_SWITCH_ID = 0x03; // MV88E6XXX_PORT_SWITCH_ID
const PORT_SWITCH_ID_PROD_MASK = 0xfff0; // chip.c mv88e6xxx_detect: id & 0xfff0
const PORT_CTL0 = 0x04;
const PORT_CTL0_STATE_MASK = 0x0003; // MV88E6XXX_PORT_CTL0_STATE_MASK
const PORT_CTL0_FRAME_MODE_MASK = 0x0300; // MV88E6XXX_PORT_CTL0_FRAME_MODE_MASK
const PORT_CTL1 = 0x05;
const PORT_CTL1_TRUNK_PORT = 0x4000; // MV88E6XXX_PORT_CTL1_TRUNK_PORT
const PORT_CTL1_TRUNK_ID_MASK = 0x0f00; // MV88E6XXX_PORT_CTL1_TRUNK_ID_MASK
const PORT_ETH_TYPE = 0x0f; // MV88E6XXX_PORT_ETH_TYPE: the EtherType EDSA frames carry
const ETH_P_EDSA = 0xdada;

// Global1 (global1.h).
const G1_MONITOR_CTL = 0x1a;
const G1_6352_MONITOR_CTL_CPU_DEST_MASK = 0x00f0; // MV88E6352_G1_MONITOR_CTL_CPU_DEST_MASK
const G1_6390_MONITOR_MGMT_CTL_UPDATE = 0x8000; // MV88E6390_G1_MONITOR_MGMT_CTL_UPDATE
const G1_6390_PTR_0180C200000XLO = 0x0000;
const G1_6390_PTR_0180C200000XHI = 0x0100;
const G1_6390_PTR_0180C200002XLO = 0x0200;
const G1_6390_PTR_0180C200002XHI = 0x0300;
const G1_6390_PTR_CPU_DEST = 0x3000; // MV88E6390_G1_MONITOR_MGMT_CTL_PTR_CPU_DEST
const G1_6390_CPU_DEST_MGMTPRI = 0x00e0; // ..._PTR_CPU_DEST_MGMTPRI

// Global2 (global2.h).
const G2_MGMT_EN_2X = 0x02; // MV88E6XXX_G2_MGMT_EN_2X
const G2_MGMT_EN_0X = 0x03; // MV88E6XXX_G2_MGMT_EN_0X
const G2_SWITCH_MGMT = 0x05;
const G2_SWITCH_MGMT_RSVD2CPU = 0x0008; // MV88E6XXX_G2_SWITCH_MGMT_RSVD2CPU
const G2_TRUNK_MASK = 0x07;
const G2_TRUNK_MASK_UPDATE = 0x8000;
const G2_TRUNK_MASK_HASH = 0x0800; // MV88E6XXX_G2_TRUNK_MASK_HASH
const G2_TRUNK_MAPPING = 0x08;
const G2_TRUNK_MAPPING_UPDATE = 0x8000;
const G2_PORT_VECTOR_MASK = 0x07ff; // 10:0 in both trunk tables
const G2_SMI_PHY_CMD = 0x18;
const G2_SMI_PHY_DATA = 0x19;
const G2_SMI_PHY_CMD_BUSY = 0x8000; // MV88E6XXX_G2_SMI_PHY_CMD_BUSY
const G2_SMI_PHY_CMD_MODE_22 = 0x1000; // MV88E6XXX_G2_SMI_PHY_CMD_MODE_22
const G2_SMI_PHY_CMD_OP_22_WRITE = 0x0400; // ..._OP_22_WRITE_DATA
const G2_SMI_PHY_CMD_OP_22_READ = 0x0800; // ..._OP_22_READ_DATA

/** Polls of G2 SMI PHY BUSY before giving up (bounded like smi.c's 16). */
const G2_PHY_BUSY_TRIES = 16;
/**
 * Multi-chip mode: status/data read pairs queued after the command in its own batch. A
 * command that needs one poll (the usual case) then still costs a single round trip.
 */
const G2_POLLS_IN_FIRST_BATCH = 2;

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

export interface PortStatus {
  /** MAC-side link (the carrier). */
  link: boolean;
  /** Mb/s. */
  speed: number;
  duplex: 'full' | 'half';
}

/** Port Control 0 [1:0] (port.h MV88E6XXX_PORT_CTL0_STATE_*). */
export type PortState = 'disabled' | 'blocking' | 'learning' | 'forwarding';
const PORT_STATES: readonly PortState[] = ['disabled', 'blocking', 'learning', 'forwarding'];

/** Port Control 0 [9:8]: normal, DSA (0x0100), EtherType DSA (0x0300). */
export type FrameMode = 'normal' | 'dsa' | 'edsa';
const FRAME_MODE_BITS: Readonly<Record<FrameMode, number>> = { normal: 0x0000, dsa: 0x0100, edsa: 0x0300 };

/** A trunk mask table entry as read back. */
export interface TrunkMaskEntry {
  /** HashTrunk (bit 11). */
  hash: boolean;
  /** Port vector (bits 10:0). */
  ports: number;
}

/** Port Status [9:8] (port.h MV88E6XXX_PORT_STS_SPEED_*; 11 is 10G on the 6390X). */
const SPEEDS = [10, 100, 1000, 10000];

function hex(v: number, digits = 4): string {
  return '0x' + v.toString(16).padStart(digits, '0');
}

function decodePortStatus(v: number): PortStatus {
  return {
    link: (v & PORT_STS_LINK) !== 0,
    speed: SPEEDS[(v & PORT_STS_SPEED_MASK) >> 8],
    duplex: v & PORT_STS_DUPLEX ? 'full' : 'half',
  };
}

/** One Marvell 88E6xxx switch chip. Obtain one with `Mv88e6xxx.probe`. */
export class Mv88e6xxx {
  /** Members per trunk ID as last programmed, so that masks exclude inactive members too. */
  private readonly trunkMembers: number[] = new Array(TRUNK_ID_COUNT).fill(0);
  private lockTail: Promise<unknown> = Promise.resolve();
  private taggingPort: number | undefined;

  private constructor(
    /** Register access (batches, single- or multi-chip). */
    readonly smi: Mv88e6xxxSmi,
    /** Family facts. */
    readonly info: Mv88e6xxxInfo,
    /** Switch ID register as read (product and revision). */
    readonly switchId: number,
  ) {}

  /** '6352' or '6390'. */
  get model(): Mv88e6xxxModel {
    return this.info.model;
  }

  get portCount(): number {
    return this.info.portCount;
  }

  /** Switch ID [3:0]. */
  get revision(): number {
    return this.switchId & 0x000f;
  }

  /**
   * The CPU (upstream) port as far as this driver knows: the last port put in DSA or EDSA
   * frame mode by setFrameMode, as only the CPU port carries tags on a single chip.
   */
  get cpuPort(): number | undefined {
    return this.taggingPort;
  }

  /** Bit vector of every port (global2.c mv88e6xxx_g2_trunk_clear: BIT(num_ports) - 1). */
  get allPortsMask(): number {
    return (1 << this.info.portCount) - 1;
  }

  /**
   * Identifies the switch at `smiAddr` (0 = single-chip) by its Switch ID (port register
   * 0x03 of port 0, masked 0xfff0 as chip.c mv88e6xxx_detect does). With `family` only that
   * layout is read; without it both port-0 addresses are read in one batch. An ID that is
   * not a supported chip, or 0xFFFF (nothing answers), is a DeviceError.
   */
  static async probe(bus: MdioBus, smiAddr: number, family?: Mv88e6xxxModel): Promise<Mv88e6xxx> {
    const smi = new Mv88e6xxxSmi(bus, smiAddr);
    const candidates = family ? [MV88E6XXX_MODELS[family]] : [MV88E6XXX_MODELS['6352'], MV88E6XXX_MODELS['6390']];
    const b = smi.batch();
    const idx = candidates.map((c) => b.read(c.portBase, PORT_SWITCH_ID));
    const r = await smi.run(b);
    for (let i = 0; i < candidates.length; i++) {
      const id = r[idx[i]];
      if ((id & PORT_SWITCH_ID_PROD_MASK) === candidates[i].productId) return new Mv88e6xxx(smi, candidates[i], id);
    }
    const read = candidates.map((c, i) => `${hex(r[idx[i]])} at device ${hex(c.portBase, 2)}`).join(', ');
    const supported = candidates.map((c) => `${c.name} (${hex(c.productId)} at device ${hex(c.portBase, 2)})`).join(', ');
    const what = candidates.every((_, i) => r[idx[i]] === 0xffff) ? 'no switch answers' : 'unsupported switch';
    throw new DeviceError(`${smi.label}: ${what}: switch ID ${read}; supported: ${supported}`);
  }

  /** Device address of `port`'s registers; UsageError for a port the chip does not have. */
  portAddr(port: number): number {
    this.checkPort(port);
    return this.info.portBase + port;
  }

  private checkPort(port: number): void {
    if (!Number.isInteger(port) || port < 0 || port >= this.info.portCount) {
      throw new UsageError(`${this.info.name}: port ${port} out of range 0..${this.info.portCount - 1}`);
    }
  }

  /** Runs `fn` with no other multi-round-trip sequence of this chip in between. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lockTail.then(fn);
    this.lockTail = run.catch(() => undefined);
    return run;
  }

  /** Read-modify-write of a device register; call inside `exclusive` (two round trips when multi-chip). */
  private async modify(dev: number, reg: number, mask: number, value: number): Promise<number> {
    if (!this.smi.multiChip) {
      // The bus does it in one operation.
      return (await this.smi.bus.run([{ op: 'rmw', phy: dev, reg, mask, value }]))[0];
    }
    const old = await this.smi.read(dev, reg);
    await this.smi.write(dev, reg, (old & ~mask) | (value & mask));
    return old;
  }

  /** Port Status of one port: MAC-side link, speed, duplex. */
  async portStatus(port: number): Promise<PortStatus> {
    return decodePortStatus(await this.smi.read(this.portAddr(port), PORT_STS));
  }

  /** Port Status of several ports in one round trip, in the order given. */
  async portStatusAll(ports: readonly number[]): Promise<PortStatus[]> {
    const b = this.smi.batch();
    const idx = ports.map((p) => b.read(this.portAddr(p), PORT_STS));
    const r = await this.smi.run(b);
    return idx.map((i) => decodePortStatus(r[i]));
  }

  /** Port Control 0 [1:0] (port.c mv88e6xxx_port_set_state). */
  async setPortState(port: number, state: PortState): Promise<void> {
    const bits = PORT_STATES.indexOf(state);
    if (bits < 0) throw new UsageError(`${this.info.name}: unknown port state '${state}' (${PORT_STATES.join(', ')})`);
    const dev = this.portAddr(port);
    await this.exclusive(() => this.modify(dev, PORT_CTL0, PORT_CTL0_STATE_MASK, bits));
  }

  async getPortState(port: number): Promise<PortState> {
    return PORT_STATES[(await this.smi.read(this.portAddr(port), PORT_CTL0)) & PORT_CTL0_STATE_MASK];
  }

  /**
   * Port Control 0 [9:8]. For EDSA also sets the port's EtherType register to 0xDADA, as
   * Linux does (mv88e6351_port_set_ether_type(ETH_P_EDSA)); the chip matches EDSA frames on it.
   */
  async setFrameMode(port: number, mode: FrameMode): Promise<void> {
    const bits = FRAME_MODE_BITS[mode];
    if (bits === undefined) throw new UsageError(`${this.info.name}: unknown frame mode '${mode}' (normal, dsa, edsa)`);
    const dev = this.portAddr(port);
    await this.exclusive(async () => {
      await this.modify(dev, PORT_CTL0, PORT_CTL0_FRAME_MODE_MASK, bits);
      if (mode === 'edsa') await this.smi.write(dev, PORT_ETH_TYPE, ETH_P_EDSA);
    });
    if (mode !== 'normal') this.taggingPort = port;
    else if (this.taggingPort === port) this.taggingPort = undefined;
  }

  async getFrameMode(port: number): Promise<FrameMode | 'provider'> {
    const v = (await this.smi.read(this.portAddr(port), PORT_CTL0)) & PORT_CTL0_FRAME_MODE_MASK;
    return v === 0x0000 ? 'normal' : v === 0x0100 ? 'dsa' : v === 0x0300 ? 'edsa' : 'provider';
  }

  /**
   * Sends reserved multicast 01:80:C2:00:00:0x and :2x (LACP is :02) to `cpuPort` as TO_CPU
   * MGMT_TRAP frames, whatever the ingress port's STP state.
   * 6352: global2.c mv88e6352_g2_mgmt_rsvd2cpu (G2 0x02, 0x03 = 0xFFFF, then Switch
   * Management Rsvd2Cpu) and global1.c mv88e6095_g1_set_cpu_port (G1 0x1A CPU dest).
   * 6390: global1.c mv88e6390_g1_mgmt_rsvd2cpu and mv88e6390_g1_set_cpu_port (G1 0x1A
   * pointer/data writes).
   * `cpuPort` defaults to the port setFrameMode made the tagging (CPU) port.
   */
  async trapLacp(cpuPort: number | undefined = this.taggingPort): Promise<void> {
    if (cpuPort === undefined) throw new UsageError(`${this.info.name}: trapLacp needs the CPU port: pass it, or set the CPU port's frame mode to dsa or edsa first`);
    this.checkPort(cpuPort);
    const { global1: g1, global2: g2 } = this.info;
    if (this.info.model === '6390') {
      const b = this.smi.batch();
      for (const ptr of [G1_6390_PTR_0180C200000XLO, G1_6390_PTR_0180C200000XHI, G1_6390_PTR_0180C200002XLO, G1_6390_PTR_0180C200002XHI]) {
        b.write(g1, G1_MONITOR_CTL, G1_6390_MONITOR_MGMT_CTL_UPDATE | ptr | 0xff);
      }
      b.write(g1, G1_MONITOR_CTL, G1_6390_MONITOR_MGMT_CTL_UPDATE | G1_6390_PTR_CPU_DEST | G1_6390_CPU_DEST_MGMTPRI | cpuPort);
      await this.smi.run(b);
      return;
    }
    await this.exclusive(async () => {
      await this.modify(g1, G1_MONITOR_CTL, G1_6352_MONITOR_CTL_CPU_DEST_MASK, cpuPort << 4);
      const b = this.smi.batch();
      b.write(g2, G2_MGMT_EN_2X, 0xffff);
      b.write(g2, G2_MGMT_EN_0X, 0xffff);
      await this.smi.run(b);
      await this.modify(g2, G2_SWITCH_MGMT, G2_SWITCH_MGMT_RSVD2CPU, G2_SWITCH_MGMT_RSVD2CPU);
    });
  }

  // ---- Trunk (LAG) offload: chip.c mv88e6xxx_lag_sync_*, global2.c mv88e6xxx_g2_trunk_* ----

  private checkTrunkId(trunkId: number): void {
    if (!Number.isInteger(trunkId) || trunkId < 0 || trunkId >= TRUNK_ID_COUNT) {
      throw new UsageError(`${this.info.name}: trunk ID ${trunkId} out of range 0..${TRUNK_ID_COUNT - 1}`);
    }
  }

  private portVector(ports: readonly number[], what: string): number {
    let v = 0;
    for (const p of ports) {
      this.checkPort(p);
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
  async setTrunkMembers(trunkId: number, ports: readonly number[]): Promise<void> {
    this.checkTrunkId(trunkId);
    const vector = this.portVector(ports, `trunk ${trunkId}`);
    const b = this.smi.batch();
    b.write(this.info.global2, G2_TRUNK_MAPPING, G2_TRUNK_MAPPING_UPDATE | (trunkId << 11) | vector);
    await this.smi.run(b);
    this.trunkMembers[trunkId] = vector;
  }

  /**
   * Trunk Mask Table, as chip.c mv88e6xxx_lag_sync_masks builds it: every mask starts as all
   * ports minus every trunk member (those given here and those mapped by setTrunkMembers,
   * so inactive members carry nothing); then, per LAG, the k-th active member (in port
   * order, as Linux walks them) is added to the masks of its hash buckets. All 8 masks are
   * written with HashTrunk set, in one round trip.
   */
  async setTrunkMasks(lags: readonly (readonly number[])[]): Promise<void> {
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
    const masks = new Array<number>(TRUNK_MASK_COUNT).fill(this.allPortsMask & ~members);
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
  async clearTrunks(): Promise<void> {
    const g2 = this.info.global2;
    const b = this.smi.batch();
    for (let i = 0; i < TRUNK_MASK_COUNT; i++) b.write(g2, G2_TRUNK_MASK, G2_TRUNK_MASK_UPDATE | (i << 12) | this.allPortsMask);
    for (let id = 0; id < TRUNK_ID_COUNT; id++) b.write(g2, G2_TRUNK_MAPPING, G2_TRUNK_MAPPING_UPDATE | (id << 11));
    await this.smi.run(b);
    this.trunkMembers.fill(0);
  }

  /**
   * Port Control 1: Trunk Port and Trunk ID (port.c mv88e6xxx_port_set_trunk). `null`
   * takes the port out of any trunk.
   */
  async setPortTrunk(port: number, trunkId: number | null): Promise<void> {
    const dev = this.portAddr(port);
    if (trunkId !== null) this.checkTrunkId(trunkId);
    const value = trunkId === null ? 0 : PORT_CTL1_TRUNK_PORT | (trunkId << 8);
    await this.exclusive(() => this.modify(dev, PORT_CTL1, PORT_CTL1_TRUNK_PORT | PORT_CTL1_TRUNK_ID_MASK, value));
  }

  /** Port Control 1 trunk bits: the trunk ID, or null when the port is not a trunk port. */
  async getPortTrunk(port: number): Promise<number | null> {
    const v = await this.smi.read(this.portAddr(port), PORT_CTL1);
    return v & PORT_CTL1_TRUNK_PORT ? (v & PORT_CTL1_TRUNK_ID_MASK) >> 8 : null;
  }

  /** Reads trunk mask `i` back: pointer write without Update, then a read, in one batch. */
  async readTrunkMask(i: number): Promise<TrunkMaskEntry> {
    if (!Number.isInteger(i) || i < 0 || i >= TRUNK_MASK_COUNT) throw new UsageError(`${this.info.name}: trunk mask ${i} out of range 0..7`);
    const b = this.smi.batch();
    b.write(this.info.global2, G2_TRUNK_MASK, i << 12);
    const r = b.read(this.info.global2, G2_TRUNK_MASK);
    const v = (await this.smi.run(b))[r];
    return { hash: (v & G2_TRUNK_MASK_HASH) !== 0, ports: v & G2_PORT_VECTOR_MASK };
  }

  /** Reads the member vector of trunk `trunkId` back (pointer write, then read). */
  async readTrunkMapping(trunkId: number): Promise<number> {
    this.checkTrunkId(trunkId);
    const b = this.smi.batch();
    b.write(this.info.global2, G2_TRUNK_MAPPING, trunkId << 11);
    const r = b.read(this.info.global2, G2_TRUNK_MAPPING);
    return (await this.smi.run(b))[r] & G2_PORT_VECTOR_MASK;
  }

  // ---- Internal PHYs through Global2 SMI PHY Command/Data (global2.c mv88e6xxx_g2_smi_phy_*) ----

  /**
   * An MdioBus whose Clause 22 operations reach the internal PHYs (address = switch port)
   * through Global2 0x18/0x19. Each batch holds the chip's lock, so it stays atomic with
   * respect to every other user of this chip object. `rmw` and `wait` loop on this side.
   */
  phyBus(): MdioBus {
    return new Global2PhyBus(this);
  }

  /** @internal Runs `ops` for Global2PhyBus under the chip lock. */
  runPhyOps(ops: readonly MdioOp[]): Promise<number[]> {
    for (const op of ops) checkOp(op);
    return this.exclusive(async () => {
      const results: number[] = new Array(ops.length);
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i];
        switch (op.op) {
          case 'read':
            results[i] = await this.g2PhyAccess(op.phy, op.reg, undefined);
            break;
          case 'write':
            await this.g2PhyAccess(op.phy, op.reg, op.value);
            results[i] = 0;
            break;
          case 'rmw': {
            const old = await this.g2PhyAccess(op.phy, op.reg, undefined);
            await this.g2PhyAccess(op.phy, op.reg, (old & ~op.mask) | (op.value & op.mask));
            results[i] = old;
            break;
          }
          case 'wait': {
            let v = 0;
            let matched = false;
            for (let n = 0; n < op.tries && !matched; n++) {
              v = await this.g2PhyAccess(op.phy, op.reg, undefined);
              matched = (v & op.mask) === op.value;
            }
            if (!matched) throw new MdioTimeoutError(op.phy, op.reg, op.tries, v);
            results[i] = v;
            break;
          }
          case 'read45':
          case 'write45':
            throw new DeviceError(`${this.smi.label}: Clause 45 access to internal PHYs through Global2 is not supported`);
        }
      }
      return results;
    });
  }

  /** One Clause 22 read (data undefined) or write through G2; resolves with the data read (0 for writes). */
  private async g2PhyAccess(phy: number, reg: number, data: number | undefined): Promise<number> {
    const g2 = this.info.global2;
    const cmd = G2_SMI_PHY_CMD_BUSY | G2_SMI_PHY_CMD_MODE_22 | (data === undefined ? G2_SMI_PHY_CMD_OP_22_READ : G2_SMI_PHY_CMD_OP_22_WRITE) | (phy << 5) | reg;
    if (!this.smi.multiChip) {
      // The bus polls G2 directly: wait, (data), command, wait, data: one round trip.
      const b = this.smi.batch();
      b.wait(g2, G2_SMI_PHY_CMD, G2_SMI_PHY_CMD_BUSY, 0, G2_PHY_BUSY_TRIES, 'Global2 PHY command');
      if (data !== undefined) b.write(g2, G2_SMI_PHY_DATA, data);
      b.write(g2, G2_SMI_PHY_CMD, cmd);
      b.wait(g2, G2_SMI_PHY_CMD, G2_SMI_PHY_CMD_BUSY, 0, G2_PHY_BUSY_TRIES, 'Global2 PHY command');
      const d = data === undefined ? b.read(g2, G2_SMI_PHY_DATA) : -1;
      const r = await this.smi.run(b);
      return d >= 0 ? r[d] : 0;
    }
    // Multi-chip: each G2 poll is an SMI access, which the bus cannot loop on. Queue the
    // command with a status read before it (was the unit idle, or was our command ignored?)
    // and status/data pairs after it; poll further in small batches only when needed.
    for (let attempt = 0; attempt < 2; attempt++) {
      const b = this.smi.batch();
      const before = b.read(g2, G2_SMI_PHY_CMD);
      if (data !== undefined) b.write(g2, G2_SMI_PHY_DATA, data);
      b.write(g2, G2_SMI_PHY_CMD, cmd);
      const polls: [number, number][] = [];
      for (let k = 0; k < G2_POLLS_IN_FIRST_BATCH; k++) polls.push([b.read(g2, G2_SMI_PHY_CMD), b.read(g2, G2_SMI_PHY_DATA)]);
      const r = await this.smi.run(b);
      if (r[before] & G2_SMI_PHY_CMD_BUSY) {
        // An earlier command still ran, so ours was lost and the polls saw the old one.
        await this.g2PhyPollIdle(0);
        continue;
      }
      for (const [s, d] of polls) if (!(r[s] & G2_SMI_PHY_CMD_BUSY)) return data === undefined ? r[d] : 0;
      const v = await this.g2PhyPollIdle(G2_POLLS_IN_FIRST_BATCH);
      return data === undefined ? v : 0;
    }
    throw new DeviceError(`${this.smi.label}: Global2 PHY command unit stays busy; command not accepted`);
  }

  /** Polls G2 0x18 until idle (one status/data pair per round trip); resolves with the data. */
  private async g2PhyPollIdle(alreadyPolled: number): Promise<number> {
    const g2 = this.info.global2;
    for (let n = alreadyPolled; n < G2_PHY_BUSY_TRIES; n++) {
      const b: SmiBatch = this.smi.batch();
      const s = b.read(g2, G2_SMI_PHY_CMD);
      const d = b.read(g2, G2_SMI_PHY_DATA);
      const r = await this.smi.run(b);
      if (!(r[s] & G2_SMI_PHY_CMD_BUSY)) return r[d];
    }
    throw new DeviceError(`${this.smi.label}: Global2 PHY command stays busy after ${G2_PHY_BUSY_TRIES} polls`);
  }
}

/** The internal PHYs' MDIO bus, reached through the switch's Global2 registers. */
class Global2PhyBus extends MdioBusBase {
  constructor(private readonly chip: Mv88e6xxx) {
    super();
  }

  run(ops: readonly MdioOp[]): Promise<number[]> {
    return this.chip.runPhyOps(ops);
  }
}
