/**
 * Driver for Marvell 88E6352- and 88E6390-family switch chips: identification, and the
 * `SwitchChip` the board uses, composed of one module per concern as Linux's
 * `drivers/net/dsa/mv88e6xxx/` splits them: port registers (port.ts), reserved-multicast
 * trapping (rsvd2cpu.ts), trunk tables and LAGs (trunk.ts), the Global2 PHY unit
 * (global2-phy.ts, global2-phy-batch.ts), the statistics unit (stats.ts), register locks
 * (lock.ts) and the family table (models.ts). The one-round-trip link-state poll is here, as
 * it joins the port and PHY concerns in one batch.
 */
import type { MdioBus, MdioOp } from '../../mdio/bus.ts';
import { DeviceError, UsageError } from '../../../lib/errors.ts';
import type { PortStat } from '../port-stat.ts';
import type { Conduit } from '../../frames.ts';
import type { LinkPoll, PortPollRequest, PortPollResult, PortState, PortStatus, PortStatusProgram, SwitchChip, SwitchLag, SwitchRegisters } from '../chip.ts';
import { DsaFramePort } from './frame-port.ts';
import { MV88E6XXX_MAC_LINK_MODES } from './caps.ts';
import { planG2PhyRun, storeG2PhyRun } from './global2-phy-batch.ts';
import { Global2Phy, Global2PhyBus } from './global2-phy.ts';
import { RegisterLocks } from './lock.ts';
import { MV88E6XXX_MODELS, type Mv88e6xxxInfo, type Mv88e6xxxModel } from './models.ts';
import { Mv88e6xxxPorts, PORT_SWITCH_ID, decodePortStatus, type FrameMode } from './port.ts';
import { trapRsvdToCpu } from './rsvd2cpu.ts';
import { Mv88e6xxxSmi } from './smi.ts';
import { Mv88e6xxxStats } from './stats.ts';
import { Mv88e6xxxTrunks, type TrunkMaskEntry } from './trunk.ts';

// What this module exported before it was split; the concern modules own them now.
export { MV88E6XXX_MODELS, type Mv88e6xxxInfo, type Mv88e6xxxModel } from './models.ts';
export type { FrameMode } from './port.ts';
export { TRUNK_ID_COUNT, TRUNK_MASK_COUNT, TRUNK_MAX_MEMBERS, type TrunkMaskEntry } from './trunk.ts';
export type { PortPollRequest, PortPollResult, PortState, PortStatus };

const PORT_SWITCH_ID_PROD_MASK = 0xfff0; // chip.c mv88e6xxx_detect: id & 0xfff0
/**
 * global2.h MV88E6XXX_G2_INT_SRC: its PHY bits follow the internal PHYs' interrupt outputs
 * (level: they clear when the PHY's own interrupt status is read), so reading it never loses one.
 */
const G2_INT_SRC = 0x00;

function hex(v: number, digits = 4): string {
  return '0x' + v.toString(16).padStart(digits, '0');
}

/** One Marvell 88E6xxx switch chip. Obtain one with `Mv88e6xxx.probe`. */
export class Mv88e6xxx implements SwitchChip {
  readonly family = 'mv88e6xxx';
  /** The CPU port's tag: DSA or EtherType DSA (the board says which; set before setupCpuPort). */
  tagging: 'dsa' | 'edsa' = 'dsa';
  /** Hardware LAG through the trunk tables (see trunk.ts). */
  readonly lag: SwitchLag;
  /** Polls that had to be split because one batch would not fit the bus. */
  splitPolls = 0;
  private readonly locks = new RegisterLocks();
  private readonly ports: Mv88e6xxxPorts;
  private readonly trunks: Mv88e6xxxTrunks;
  private readonly g2phy: Global2Phy;
  private readonly stats: Mv88e6xxxStats;

  private constructor(
    /** Register access (batches, single- or multi-chip). */
    readonly smi: Mv88e6xxxSmi,
    /** Family facts. */
    readonly info: Mv88e6xxxInfo,
    /** Switch ID register as read (product and revision). */
    readonly switchId: number,
  ) {
    this.ports = new Mv88e6xxxPorts(smi, info, this.locks);
    this.trunks = new Mv88e6xxxTrunks(smi, info, this.locks, this.ports);
    this.lag = this.trunks.lag;
    this.g2phy = new Global2Phy(smi, info.global2, this.locks);
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

  /**
   * The CPU (upstream) port as far as this driver knows: the last port put in DSA or EDSA
   * frame mode by setFrameMode, as only the CPU port carries tags on a single chip.
   */
  get cpuPort(): number | undefined {
    return this.ports.taggingPort;
  }

  /** Bit vector of every port (global2.c mv88e6xxx_g2_trunk_clear: BIT(num_ports) - 1). */
  get allPortsMask(): number {
    return this.ports.allMask;
  }

  /** Device address of `port`'s registers; UsageError for a port the chip does not have. */
  portAddr(port: number): number {
    return this.ports.addr(port);
  }

  /** Port Status of one port: MAC-side link, speed, duplex. */
  portStatus(port: number): Promise<PortStatus> {
    return this.ports.status(port);
  }

  /** Port Status of one port as operations (indirect on a multi-chip switch, as the bus runs them). */
  portStatusProgram(port: number): PortStatusProgram {
    const b = this.smi.batch();
    const i = this.ports.queueStatus(b, port);
    return { ops: b.ops, decode: (v) => decodePortStatus(v[i]) };
  }

  /** Port Status of several ports in one round trip, in the order given. */
  portStatusAll(ports: readonly number[]): Promise<PortStatus[]> {
    return this.ports.statusAll(ports);
  }

  /** Port Control 0 [1:0] (port.c mv88e6xxx_port_set_state). */
  setPortState(port: number, state: PortState): Promise<void> {
    return this.ports.setState(port, state);
  }

  getPortState(port: number): Promise<PortState> {
    return this.ports.getState(port);
  }

  /** Port Control 0 [9:8], and the EDSA EtherType for 'edsa' (see port.ts). */
  setFrameMode(port: number, mode: FrameMode): Promise<void> {
    return this.ports.setFrameMode(port, mode);
  }

  getFrameMode(port: number): Promise<FrameMode | 'provider'> {
    return this.ports.getFrameMode(port);
  }

  /** The link modes the MAC of `port` accepts, as phylink masks a PHY's with them (see caps.ts). */
  macLinkModes(port: number): number {
    this.ports.check(port);
    return MV88E6XXX_MAC_LINK_MODES;
  }

  /**
   * Sends reserved multicast 01:80:C2:00:00:0x and :2x (LACP is :02) to `cpuPort` as TO_CPU
   * MGMT_TRAP frames, whatever the ingress port's STP state (see rsvd2cpu.ts).
   * `cpuPort` defaults to the port setFrameMode made the tagging (CPU) port.
   */
  async trapLacp(cpuPort: number | undefined = this.ports.taggingPort): Promise<void> {
    if (cpuPort === undefined) throw new UsageError(`${this.info.name}: trapLacp needs the CPU port: pass it, or set the CPU port's frame mode to dsa or edsa first`);
    this.ports.check(cpuPort);
    await trapRsvdToCpu(this.smi, this.info, this.locks, cpuPort);
  }

  /**
   * The CPU port as Linux's DSA sets it up: its frame mode (DSA or EDSA), reserved multicast
   * trapped to it, and every other port a standalone port that sends to the CPU port only.
   */
  async setupCpuPort(port: number): Promise<void> {
    await this.setFrameMode(port, this.tagging);
    await this.trapLacp(port);
    await this.ports.makeStandalone(port);
  }

  /** DSA/EDSA frames on `conduit`, device 0 (a single chip). */
  framePort(conduit: Conduit): DsaFramePort {
    return new DsaFramePort(conduit, { mode: this.tagging, device: 0 });
  }

  /**
   * Every port's Port Status and the Global2 Interrupt Source, in one round trip: the PHY bits
   * say which internal PHYs raised their interrupt (a link, speed or duplex change, once the
   * PHY driver enabled it) since their interrupt status was last read.
   */
  async pollLinks(ports: readonly number[]): Promise<LinkPoll> {
    const b = this.smi.batch();
    const sts = ports.map((p) => this.ports.queueStatus(b, p));
    const src = b.read(this.info.global2, G2_INT_SRC);
    const r = await this.smi.run(b, true);
    return { macs: sts.map((i) => decodePortStatus(r[i])), phyEvents: r[src] & this.info.g2IntSrcPhy };
  }

  /**
   * One link-state poll of several ports in one bus round trip (in the normal case): every
   * port's Port Status, and each port's PHY operations (usually its driver's `statusOps()`)
   * through Global2, all in one SMI batch (see global2-phy-batch.ts). A PHY access that batch
   * cannot vouch for is completed on the slow path, for that port only; a PHY failure is that
   * port's `phyError`. A failure of the batch itself (SMI wedged) rejects the whole call, and
   * so do a bad port or PHY op (checked before any bus traffic).
   */
  async pollPorts(requests: readonly PortPollRequest[], _ackPhyEvents = 0, urgent = true): Promise<PortPollResult[]> {
    for (const q of requests) this.g2phy.checkOps(q.phyOps);
    return this.locks.run('phy', () => this.pollPortsUnlocked(requests), urgent);
  }

  private async pollPortsUnlocked(requests: readonly PortPollRequest[]): Promise<PortPollResult[]> {
    const b = this.smi.batch();
    const sts = requests.map((q) => this.ports.queueStatus(b, q.port));
    const runs = requests.map((q) => planG2PhyRun(q.phyOps, 0));
    const queued = runs.map((run) => this.g2phy.queue(b, run.accesses));
    const limit = this.smi.bus.maxBatchOps;
    if (limit !== undefined && b.ops.length > limit && requests.length > 1) {
      // Too big for the bus (a bridge with a small program limit): poll in halves, each
      // half still one atomic batch.
      const half = requests.length >> 1;
      this.splitPolls++;
      return [...(await this.pollPortsUnlocked(requests.slice(0, half))), ...(await this.pollPortsUnlocked(requests.slice(half)))];
    }
    let r: number[];
    try {
      r = await this.smi.run(b, this.locks.holderUrgent('phy'));
    } catch (e) {
      // Where the bus does the PHY accesses whole, a busy Global2 unit fails the batch: the
      // ports' status alone (a wedged SMI fails that too), then each port's PHY on its own.
      if (!b.smiOps || requests.every((q) => q.phyOps.length === 0)) throw e;
      return this.pollEachPhy(requests);
    }
    const out: PortPollResult[] = [];
    for (let i = 0; i < requests.length; i++) {
      const ops = requests[i].phyOps;
      let phyValues: number[] | undefined;
      let phyError: unknown;
      try {
        const results = new Array<number>(ops.length);
        storeG2PhyRun(runs[i], await this.g2phy.finish(runs[i].accesses, queued[i](r)), results);
        phyValues = await this.g2phy.exec(ops, results, runs[i].end);
      } catch (e) {
        phyError = e;
      }
      out.push({ mac: decodePortStatus(r[sts[i]]), phyValues, phyError });
    }
    return out;
  }

  /** The slow poll: every port's status in one batch, then each port's PHY operations on their own. */
  private async pollEachPhy(requests: readonly PortPollRequest[]): Promise<PortPollResult[]> {
    const macs = await this.ports.statusAll(requests.map((q) => q.port));
    const out: PortPollResult[] = [];
    for (let i = 0; i < requests.length; i++) {
      const ops = requests[i].phyOps;
      try {
        out.push({ mac: macs[i], phyValues: await this.g2phy.exec(ops, new Array<number>(ops.length), 0), phyError: undefined });
      } catch (e) {
        out.push({ mac: macs[i], phyValues: undefined, phyError: e });
      }
    }
    return out;
  }

  /**
   * An MdioBus whose Clause 22 operations reach the internal PHYs (address = switch port)
   * through Global2 0x18/0x19. Each batch holds the chip's lock, so it stays atomic with
   * respect to every other user of this chip object. Reads, writes and 16-bit rmw go into one
   * SMI batch (one round trip in the normal case); a partial rmw and `wait` loop on this side.
   */
  readonly phyAccess = 'the internal PHYs (address = switch port) through Global2 SMI PHY Command/Data';

  phyBus(): MdioBus {
    return new Global2PhyBus(this.g2phy);
  }

  /** @internal Runs `ops` as the PHY bus does, under the chip lock. */
  runPhyOps(ops: readonly MdioOp[], urgent = false): Promise<number[]> {
    return this.g2phy.runOps(ops, urgent);
  }

  /**
   * The statistics unit as Linux sets it up (chip.c mv88e6xxx_stats_setup): histograms count
   * received frames, every counter cleared. Once, when the switch is brought up.
   */
  setupStats(): Promise<void> {
    return this.locks.run('stats', () => this.stats.setup());
  }

  /** The hardware counters of `port` as Linux's `ethtool -S` lists them (see stats.ts). */
  async readPortStats(port: number): Promise<PortStat[]> {
    const dev = this.ports.addr(port);
    return this.locks.run('stats', () => this.stats.read(port, dev));
  }

  /** Trunk Mapping Table: the members of trunk `trunkId` (hardware numbering, 0-15). */
  setTrunkMembers(trunkId: number, ports: readonly number[]): Promise<void> {
    return this.trunks.setMembers(trunkId, ports);
  }

  /** Trunk Mask Table for these active LAGs, as chip.c mv88e6xxx_lag_sync_masks builds it. */
  setTrunkMasks(lags: readonly (readonly number[])[]): Promise<void> {
    return this.trunks.setMasks(lags);
  }

  /** global2.c mv88e6xxx_g2_trunk_clear. */
  clearTrunks(): Promise<void> {
    return this.trunks.clear();
  }

  /** Port Control 1 trunk bits; `null` takes the port out of any trunk. */
  setPortTrunk(port: number, trunkId: number | null): Promise<void> {
    return this.trunks.setPortTrunk(port, trunkId);
  }

  getPortTrunk(port: number): Promise<number | null> {
    return this.trunks.getPortTrunk(port);
  }

  readTrunkMask(i: number): Promise<TrunkMaskEntry> {
    return this.trunks.readMask(i);
  }

  readTrunkMapping(trunkId: number): Promise<number> {
    return this.trunks.readMapping(trunkId);
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
}
