/**
 * Driver for Marvell 88E6352- and 88E6390-family switch chips: identification, port status
 * (the MAC-side "carrier"), STP port state, CPU-port frame mode, the internal PHYs behind
 * Global2, reserved-multicast trapping for LACP, and trunk (LAG) offload tables.
 * Register facts from `drivers/net/dsa/mv88e6xxx/` (chip.c, port.[ch], global1.[ch],
 * global2.[ch]); the constants name the Linux macro they mirror.
 */
import { MdioBusBase, checkOp, type MdioBus, type MdioOp, type RunOptions } from '../../mdio/bus.ts';
import { MdioTimeoutError } from '../../mdio/errors.ts';
import { DeviceError, UsageError } from '../../../lib/errors.ts';
import type { PortStat } from '../port-stat.ts';
import type { Conduit } from '../../frames.ts';
import type { PortPollRequest, PortPollResult, PortState, PortStatus, SwitchChip, SwitchLag, SwitchRegisters } from '../chip.ts';
import { DsaFramePort } from './frame-port.ts';
import { MV88E6XXX_MAC_LINK_MODES } from './caps.ts';
import { Mv88e6xxxSmi, type SmiBatch } from './smi.ts';
import { Mv88e6xxxStats } from './stats.ts';

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
const PORT_BASE_VLAN = 0x06; // MV88E6XXX_PORT_BASE_VLAN: [10:0] the ports this port may send to
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
/**
 * Optimistic batches (see `queueG2PhyRun`): status reads queued after each command before its
 * data is read. The emulator shows BUSY for `busyPolls` reads (default 1) and completes on the
 * next; on hardware the reads alone, each a full SMI access through multi-chip mode, take
 * longer than the command's internal MDIO frame.
 */
const G2_OPTIMISTIC_STATUS_READS = 2;

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

export type { PortPollRequest, PortPollResult, PortState, PortStatus };

/** Port Control 0 [1:0] (port.h MV88E6XXX_PORT_CTL0_STATE_*), in that order. */
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

/** G2 SMI PHY Command for a Clause 22 read (data undefined) or write (global2.c mv88e6xxx_g2_smi_phy_access_c22). */
function g2PhyCmd(phy: number, reg: number, data: number | undefined): number {
  return G2_SMI_PHY_CMD_BUSY | G2_SMI_PHY_CMD_MODE_22 | (data === undefined ? G2_SMI_PHY_CMD_OP_22_READ : G2_SMI_PHY_CMD_OP_22_WRITE) | (phy << 5) | reg;
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


/** One Clause 22 access to an internal PHY through G2 SMI PHY Command/Data; `data` set = a write. */
interface G2PhyAccess {
  phy: number;
  reg: number;
  data: number | undefined;
}

/**
 * Ops `from` to `end` (exclusive) of a PHY batch whose G2 accesses are all known before any of
 * them runs, so they can be queued in one SMI batch: reads, writes, and rmw of all 16 bits (a
 * read, then a write that does not depend on it). `resultOf[k]` is the access whose value op
 * `from + k` returns, or -1 (a write: 0).
 */
interface G2PhyRun {
  from: number;
  end: number;
  accesses: G2PhyAccess[];
  resultOf: number[];
}

/** The longest run of queueable ops starting at `from` (empty when ops[from] is a partial rmw or a wait). */
function planG2PhyRun(ops: readonly MdioOp[], from: number): G2PhyRun {
  const run: G2PhyRun = { from, end: from, accesses: [], resultOf: [] };
  for (; run.end < ops.length; run.end++) {
    const op = ops[run.end];
    if (op.op === 'read') {
      run.resultOf.push(run.accesses.length);
      run.accesses.push({ phy: op.phy, reg: op.reg, data: undefined });
    } else if (op.op === 'write') {
      run.resultOf.push(-1);
      run.accesses.push({ phy: op.phy, reg: op.reg, data: op.value });
    } else if (op.op === 'rmw' && op.mask === 0xffff) {
      run.resultOf.push(run.accesses.length);
      run.accesses.push({ phy: op.phy, reg: op.reg, data: undefined }, { phy: op.phy, reg: op.reg, data: op.value });
    } else {
      break;
    }
  }
  return run;
}

/** Copies a run's access values into the batch results. */
function storeG2PhyRun(run: G2PhyRun, values: readonly number[], results: number[]): void {
  run.resultOf.forEach((a, k) => {
    results[run.from + k] = a < 0 ? 0 : values[a];
  });
}

/** Where an optimistic run's reads sit in its SMI batch (result indexes; -1 for none). */
interface QueuedG2PhyRun {
  idle: number;
  status: number[];
  data: number[];
}

/**
 * The values of the optimistically queued accesses that certainly completed, in order, up to
 * the first that may not have. The status read before the first command showed the unit idle,
 * and it starts nothing by itself, so that command was taken; it finished if the last status
 * read after it shows BUSY clear, and then the next command was taken too. A command written
 * while BUSY is lost, so nothing from the first BUSY on can be trusted, data or not.
 */
function settleG2PhyRun(q: QueuedG2PhyRun, r: readonly number[]): number[] {
  const values: number[] = [];
  if (q.idle < 0 || r[q.idle] & G2_SMI_PHY_CMD_BUSY) return values;
  for (let k = 0; k < q.status.length; k++) {
    if (r[q.status[k]] & G2_SMI_PHY_CMD_BUSY) break;
    values.push(q.data[k] < 0 ? 0 : r[q.data[k]]);
  }
  return values;
}

/**
 * A lock for one group of registers that multi-round-trip sequences use (the Global2 PHY
 * unit, the statistics unit, read-modify-writes of configuration registers): sequences on
 * different groups may interleave, as they touch different registers. A link-monitor waiter
 * (`urgent`) goes ahead of the others still waiting.
 */
class RegisterLock {
  private held = false;
  private readonly waiting: { urgent: boolean; go: () => void }[] = [];
  /** Whether the sequence holding the lock is monitor work (its batches are too). */
  holderUrgent = false;

  async run<T>(fn: () => Promise<T>, urgent: boolean): Promise<T> {
    if (this.held) {
      await new Promise<void>((go) => {
        const w = { urgent, go };
        if (!urgent) this.waiting.push(w);
        else {
          let i = 0;
          while (i < this.waiting.length && this.waiting[i].urgent) i++;
          this.waiting.splice(i, 0, w);
        }
      });
    }
    this.held = true;
    this.holderUrgent = urgent;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // Handed over still held: nothing can slip in between.
      if (next) next.go();
      else this.held = false;
    }
  }
}

/** One Marvell 88E6xxx switch chip. Obtain one with `Mv88e6xxx.probe`. */
export class Mv88e6xxx implements SwitchChip {
  readonly family = 'mv88e6xxx';
  /** The CPU port's tag: DSA or EtherType DSA (the board says which; set before setupCpuPort). */
  tagging: 'dsa' | 'edsa' = 'dsa';
  /** Members per trunk ID as last programmed, so that masks exclude inactive members too. */
  private readonly trunkMembers: number[] = new Array(TRUNK_ID_COUNT).fill(0);
  private readonly locks = { phy: new RegisterLock(), stats: new RegisterLock(), config: new RegisterLock() };
  private taggingPort: number | undefined;
  private readonly stats: Mv88e6xxxStats;

  private constructor(
    /** Register access (batches, single- or multi-chip). */
    readonly smi: Mv88e6xxxSmi,
    /** Family facts. */
    readonly info: Mv88e6xxxInfo,
    /** Switch ID register as read (product and revision). */
    readonly switchId: number,
  ) {
    this.stats = new Mv88e6xxxStats(smi, info);
  }

  /** '6352' or '6390'. */
  get model(): Mv88e6xxxModel {
    return this.info.model;
  }

  get portCount(): number {
    return this.info.portCount;
  }

  /** '88E6352', '88E6390'. */
  get modelName(): string {
    return this.info.name;
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

  /** Runs `fn` with no other multi-round-trip sequence on the same registers in between. */
  private exclusive<T>(group: keyof Mv88e6xxx['locks'], fn: () => Promise<T>, urgent = false): Promise<T> {
    return this.locks[group].run(fn, urgent);
  }

  /** Whether the Global2 PHY sequence running now is the link monitor's (call holding the phy lock). */
  private get phyUrgent(): boolean {
    return this.locks.phy.holderUrgent;
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
    // The MII monitor's read (use_carrier=1).
    return decodePortStatus(await this.smi.read(this.portAddr(port), PORT_STS, true));
  }

  /** Port Status of several ports in one round trip, in the order given. */
  async portStatusAll(ports: readonly number[]): Promise<PortStatus[]> {
    const b = this.smi.batch();
    const idx = ports.map((p) => b.read(this.portAddr(p), PORT_STS));
    const r = await this.smi.run(b, true);
    return idx.map((i) => decodePortStatus(r[i]));
  }

  /**
   * One link-state poll of several ports in one bus round trip (in the normal case): every
   * port's Port Status, and each port's PHY operations (usually its driver's `statusOps()`)
   * through Global2, all in one SMI batch (see `queueG2PhyRun`). A PHY access that batch cannot
   * vouch for is completed on the slow path, for that port only; a PHY failure is that port's
   * `phyError`. A failure of the batch itself (SMI wedged) rejects the whole call, and so do
   * a bad port or PHY op (checked before any bus traffic).
   */
  async pollPorts(requests: readonly PortPollRequest[]): Promise<PortPollResult[]> {
    for (const q of requests) this.checkPhyOps(q.phyOps);
    return this.exclusive('phy', () => this.pollPortsUnlocked(requests), true);
  }

  /** Polls that had to be split because one batch would not fit the bus. */
  splitPolls = 0;

  private async pollPortsUnlocked(requests: readonly PortPollRequest[]): Promise<PortPollResult[]> {
    const devs = requests.map((q) => this.portAddr(q.port));
    const b = this.smi.batch();
    const sts = devs.map((dev) => b.read(dev, PORT_STS));
    const runs = requests.map((q) => planG2PhyRun(q.phyOps, 0));
    const queued = runs.map((run) => this.queueG2PhyRun(b, run.accesses));
    const limit = this.smi.bus.maxBatchOps;
    if (limit !== undefined && b.ops.length > limit && requests.length > 1) {
      // Too big for the bus (a bridge with a small program limit): poll in halves, each
      // half still one atomic batch.
      const half = requests.length >> 1;
      this.splitPolls++;
      return [...(await this.pollPortsUnlocked(requests.slice(0, half))), ...(await this.pollPortsUnlocked(requests.slice(half)))];
    }
    const r = await this.smi.run(b, this.phyUrgent);
    const out: PortPollResult[] = [];
    for (let i = 0; i < requests.length; i++) {
      const ops = requests[i].phyOps;
      let phyValues: number[] | undefined;
      let phyError: unknown;
      try {
        const results = new Array<number>(ops.length);
        storeG2PhyRun(runs[i], await this.finishG2PhyRun(runs[i].accesses, settleG2PhyRun(queued[i], r)), results);
        phyValues = await this.execPhyOps(ops, results, runs[i].end);
      } catch (e) {
        phyError = e;
      }
      out.push({ mac: decodePortStatus(r[sts[i]]), phyValues, phyError });
    }
    return out;
  }

  /**
   * The statistics unit as Linux sets it up (chip.c mv88e6xxx_stats_setup): histograms count
   * received frames, every counter cleared. Once, when the switch is brought up.
   */
  setupStats(): Promise<void> {
    return this.exclusive('stats', () => this.stats.setup());
  }

  /** The hardware counters of `port` as Linux's `ethtool -S` lists them (see stats.ts). */
  async readPortStats(port: number): Promise<PortStat[]> {
    const dev = this.portAddr(port);
    return this.exclusive('stats', () => this.stats.read(port, dev));
  }

  /** The link modes the MAC of `port` accepts, as phylink masks a PHY's with them (see caps.ts). */
  macLinkModes(port: number): number {
    this.checkPort(port);
    return MV88E6XXX_MAC_LINK_MODES;
  }

  /** Port Control 0 [1:0] (port.c mv88e6xxx_port_set_state). */
  async setPortState(port: number, state: PortState): Promise<void> {
    const bits = PORT_STATES.indexOf(state);
    if (bits < 0) throw new UsageError(`${this.info.name}: unknown port state '${state}' (${PORT_STATES.join(', ')})`);
    const dev = this.portAddr(port);
    await this.exclusive('config', () => this.modify(dev, PORT_CTL0, PORT_CTL0_STATE_MASK, bits));
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
    await this.exclusive('config', async () => {
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
    await this.exclusive('config', async () => {
      await this.modify(g1, G1_MONITOR_CTL, G1_6352_MONITOR_CTL_CPU_DEST_MASK, cpuPort << 4);
      const b = this.smi.batch();
      b.write(g2, G2_MGMT_EN_2X, 0xffff);
      b.write(g2, G2_MGMT_EN_0X, 0xffff);
      await this.smi.run(b);
      await this.modify(g2, G2_SWITCH_MGMT, G2_SWITCH_MGMT_RSVD2CPU, G2_SWITCH_MGMT_RSVD2CPU);
    });
  }

  /**
   * The CPU port as Linux's DSA sets it up: its frame mode (DSA or EDSA), reserved multicast
   * trapped to it, and every other port's Port Based VLAN map reduced to the CPU port
   * (standalone ports: the switch sends front-port frames to the CPU only; the CPU port may
   * reach every port).
   */
  async setupCpuPort(port: number): Promise<void> {
    await this.setFrameMode(port, this.tagging);
    await this.trapLacp(port);
    const b = this.smi.batch();
    for (let p = 0; p < this.info.portCount; p++) {
      b.write(this.portAddr(p), PORT_BASE_VLAN, p === port ? this.allPortsMask & ~(1 << port) : 1 << port);
    }
    await this.smi.run(b);
  }

  /** DSA/EDSA frames on `conduit`, device 0 (a single chip). */
  framePort(conduit: Conduit): DsaFramePort {
    return new DsaFramePort(conduit, { mode: this.tagging, device: 0 });
  }

  /** `switch read <device> <register>`: any SMI device address and register of this chip. */
  get registers(): SwitchRegisters {
    const base = `0x${this.info.portBase.toString(16)}`;
    return {
      address: [['device', 31], ['register', 31]],
      valueMax: 0xffff,
      example: `switch read ${base} 0 (port 0 status; ports at device ${base}+port, Global1 0x1b, Global2 0x1c)`,
      read: ([dev, reg]) => this.smi.read(dev, reg),
      write: ([dev, reg], value) => this.smi.write(dev, reg, value),
    };
  }

  /** Trunks as LAGs: ids 1-15 (0 is left unused, as Linux's one-based LAG ids map onto 0-15). */
  readonly lag: SwitchLag = {
    firstId: 1,
    lastId: TRUNK_ID_COUNT - 1,
    maxMembers: TRUNK_MAX_MEMBERS,
    setLag: (id, members, distributing) => this.setLag(id, members, distributing),
  };

  /** Distributing members per trunk ID, for the masks every LAG shares. */
  private readonly lagDistributing = new Map<number, readonly number[]>();

  /**
   * mv88e6xxx port_lag_join / lag_change: the trunk ID on each member (and off ports that
   * left), the mapping of the distributing members, and the hash masks of every LAG.
   */
  private async setLag(id: number, members: readonly number[], distributing: readonly number[]): Promise<void> {
    this.checkTrunkId(id);
    for (let p = 0; p < this.info.portCount; p++) {
      if (p === this.taggingPort) continue;
      const now = await this.getPortTrunk(p);
      if (members.includes(p) && now !== id) await this.setPortTrunk(p, id);
      else if (!members.includes(p) && now === id) await this.setPortTrunk(p, null);
    }
    await this.setTrunkMembers(id, distributing);
    if (members.length === 0) this.lagDistributing.delete(id);
    else this.lagDistributing.set(id, [...distributing]);
    await this.setTrunkMasks([...this.lagDistributing.values()]);
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
    await this.exclusive('config', () => this.modify(dev, PORT_CTL1, PORT_CTL1_TRUNK_PORT | PORT_CTL1_TRUNK_ID_MASK, value));
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
    b.write(this.info.global2, G2_TRUNK_MASK, i << 12, true);
    const r = b.read(this.info.global2, G2_TRUNK_MASK);
    const v = (await this.smi.run(b))[r];
    return { hash: (v & G2_TRUNK_MASK_HASH) !== 0, ports: v & G2_PORT_VECTOR_MASK };
  }

  /** Reads the member vector of trunk `trunkId` back (pointer write, then read). */
  async readTrunkMapping(trunkId: number): Promise<number> {
    this.checkTrunkId(trunkId);
    const b = this.smi.batch();
    b.write(this.info.global2, G2_TRUNK_MAPPING, trunkId << 11, true);
    const r = b.read(this.info.global2, G2_TRUNK_MAPPING);
    return (await this.smi.run(b))[r] & G2_PORT_VECTOR_MASK;
  }

  // ---- Internal PHYs through Global2 SMI PHY Command/Data (global2.c mv88e6xxx_g2_smi_phy_*) ----

  /**
   * An MdioBus whose Clause 22 operations reach the internal PHYs (address = switch port)
   * through Global2 0x18/0x19. Each batch holds the chip's lock, so it stays atomic with
   * respect to every other user of this chip object. Reads, writes and 16-bit rmw go into one
   * SMI batch (one round trip in the normal case, see `queueG2PhyRun`); a partial rmw and
   * `wait` loop on this side.
   */
  phyBus(): MdioBus {
    return new Global2PhyBus(this);
  }

  /** @internal Runs `ops` for Global2PhyBus under the chip lock. */
  runPhyOps(ops: readonly MdioOp[], urgent = false): Promise<number[]> {
    this.checkPhyOps(ops);
    return this.exclusive('phy', () => this.execPhyOps(ops, new Array<number>(ops.length), 0), urgent);
  }

  /** Field checks, and no Clause 45: G2 SMI PHY access is used in Clause 22 mode only. */
  private checkPhyOps(ops: readonly MdioOp[]): void {
    for (const op of ops) {
      checkOp(op);
      if (op.op === 'read45' || op.op === 'write45') {
        throw new DeviceError(`${this.smi.label}: Clause 45 access to internal PHYs through Global2 is not supported`);
      }
    }
  }

  /** Runs ops[from..] of a PHY batch into `results`; call holding the chip lock. */
  private async execPhyOps(ops: readonly MdioOp[], results: number[], from: number): Promise<number[]> {
    let i = from;
    while (i < ops.length) {
      const run = planG2PhyRun(ops, i);
      if (run.end > i) {
        storeG2PhyRun(run, await this.runG2Phy(run.accesses), results);
        i = run.end;
        continue;
      }
      const op = ops[i];
      switch (op.op) {
        case 'rmw': {
          // The new value depends on the old: two round trips.
          const [old] = await this.runG2Phy([{ phy: op.phy, reg: op.reg, data: undefined }]);
          await this.runG2Phy([{ phy: op.phy, reg: op.reg, data: (old & ~op.mask) | (op.value & op.mask) }]);
          results[i] = old;
          break;
        }
        case 'wait': {
          let v = 0;
          let matched = false;
          for (let n = 0; n < op.tries && !matched; n++) {
            [v] = await this.runG2Phy([{ phy: op.phy, reg: op.reg, data: undefined }]);
            matched = (v & op.mask) === op.value;
          }
          if (!matched) throw new MdioTimeoutError(op.phy, op.reg, op.tries, v);
          results[i] = v;
          break;
        }
        default:
          throw new Error(`mv88e6xxx: PHY op ${op.op} cannot be run through Global2`); // checkPhyOps refused it
      }
      i++;
    }
    return results;
  }

  /** Runs G2 PHY accesses: one optimistic SMI batch, then the slow path for what it left undone. */
  private async runG2Phy(accesses: readonly G2PhyAccess[]): Promise<number[]> {
    const b = this.smi.batch();
    const q = this.queueG2PhyRun(b, accesses);
    return this.finishG2PhyRun(accesses, settleG2PhyRun(q, await this.smi.run(b, this.phyUrgent)));
  }

  /**
   * Queues G2 PHY accesses optimistically. Linux waits for BUSY to clear before and after each
   * command, but through multi-chip SMI every G2 read is itself an SMI sequence the bus cannot
   * loop on. So: one status read (the unit must be idle, or our first command is lost), then per
   * access [data,] command, `G2_OPTIMISTIC_STATUS_READS` status reads and, for a read, the data
   * register. `settleG2PhyRun` keeps only values whose command was seen done; single-chip mode
   * uses the same shape, so that a poll never fails as a whole on a busy G2 unit.
   */
  private queueG2PhyRun(b: SmiBatch, accesses: readonly G2PhyAccess[]): QueuedG2PhyRun {
    const q: QueuedG2PhyRun = { idle: -1, status: [], data: [] };
    if (accesses.length === 0) return q;
    const g2 = this.info.global2;
    q.idle = b.read(g2, G2_SMI_PHY_CMD);
    for (const a of accesses) {
      if (a.data !== undefined) b.write(g2, G2_SMI_PHY_DATA, a.data);
      b.write(g2, G2_SMI_PHY_CMD, g2PhyCmd(a.phy, a.reg, a.data), a.data === undefined);
      let status = -1;
      for (let k = 0; k < G2_OPTIMISTIC_STATUS_READS; k++) status = b.read(g2, G2_SMI_PHY_CMD);
      q.status.push(status);
      q.data.push(a.data === undefined ? b.read(g2, G2_SMI_PHY_DATA) : -1);
    }
    return q;
  }

  /**
   * Completes `accesses` given the values of those an optimistic batch saw done (a prefix).
   * The rest are issued again, one by one, after waiting for the unit to go idle. A command
   * that was still running, or one taken after it completed, may have done its work already, so
   * those accesses run twice: harmless for plain reads and writes, but a latched-low BMSR read
   * twice loses a drop shorter than the poll interval. Only a slow or busy unit gets here.
   */
  private async finishG2PhyRun(accesses: readonly G2PhyAccess[], values: number[]): Promise<number[]> {
    if (values.length === accesses.length) return values;
    // Multi-chip: wait out the command in flight first, or reissuing it would be lost again.
    // Single-chip: g2PhyAccess waits on the bus side anyway.
    if (this.smi.multiChip) await this.g2PhyPollIdle(0);
    for (let k = values.length; k < accesses.length; k++) values.push(await this.g2PhyAccess(accesses[k].phy, accesses[k].reg, accesses[k].data));
    return values;
  }

  /** One Clause 22 read (data undefined) or write through G2; resolves with the data read (0 for writes). */
  private async g2PhyAccess(phy: number, reg: number, data: number | undefined): Promise<number> {
    const g2 = this.info.global2;
    const cmd = g2PhyCmd(phy, reg, data);
    if (!this.smi.multiChip) {
      // The bus polls G2 directly: wait, (data), command, wait, data: one round trip.
      const b = this.smi.batch();
      b.wait(g2, G2_SMI_PHY_CMD, G2_SMI_PHY_CMD_BUSY, 0, G2_PHY_BUSY_TRIES, 'Global2 PHY command');
      if (data !== undefined) b.write(g2, G2_SMI_PHY_DATA, data);
      b.write(g2, G2_SMI_PHY_CMD, cmd, data === undefined);
      b.wait(g2, G2_SMI_PHY_CMD, G2_SMI_PHY_CMD_BUSY, 0, G2_PHY_BUSY_TRIES, 'Global2 PHY command');
      const d = data === undefined ? b.read(g2, G2_SMI_PHY_DATA) : -1;
      const r = await this.smi.run(b, this.phyUrgent);
      return d >= 0 ? r[d] : 0;
    }
    // Multi-chip: each G2 poll is an SMI access, which the bus cannot loop on. Queue the
    // command with a status read before it (was the unit idle, or was our command ignored?)
    // and status/data pairs after it; poll further in small batches only when needed.
    for (let attempt = 0; attempt < 2; attempt++) {
      const b = this.smi.batch();
      const before = b.read(g2, G2_SMI_PHY_CMD);
      if (data !== undefined) b.write(g2, G2_SMI_PHY_DATA, data);
      b.write(g2, G2_SMI_PHY_CMD, cmd, data === undefined);
      const polls: [number, number][] = [];
      for (let k = 0; k < G2_POLLS_IN_FIRST_BATCH; k++) polls.push([b.read(g2, G2_SMI_PHY_CMD), b.read(g2, G2_SMI_PHY_DATA)]);
      const r = await this.smi.run(b, this.phyUrgent);
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
      const r = await this.smi.run(b, this.phyUrgent);
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

  run(ops: readonly MdioOp[], opts?: RunOptions): Promise<number[]> {
    return this.chip.runPhyOps(ops, opts?.urgent);
  }
}
