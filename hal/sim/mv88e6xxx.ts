/**
 * Register-level emulator of a Marvell 88E6352- or 88E6390-family switch chip: the SMI
 * command/data state machine of multi-chip mode (or all 32 addresses in single-chip mode),
 * port registers with a live Port Status, Global2 PHY indirect access to the internal PHYs,
 * trunk mask/mapping tables, reserved-multicast trapping, and the frame path between the
 * front ports and a DSA/EDSA-tagging CPU port.
 *
 * It is written from the hardware's side and shares no code with the driver in
 * hal/switch/mv88e6xxx, so that the driver's tests against it mean something. Register facts
 * come from Linux drivers/net/dsa/mv88e6xxx (smi.c, port.h, global1.h, global2.h) and
 * net/dsa/tag_dsa.c; where the emulator has to choose (reset values the driver must
 * overwrite, forwarding it does not model) the choice is written down where it is made.
 *
 * Per-port MIB counters and the statistics unit that reads them are in mv88e6xxx-mib.ts.
 *
 * Interrupts: only the Global2 Interrupt Source register's PHY bits, which follow the internal
 * PHYs' interrupt outputs; no interrupt pin, no Global1 summary, no other sources.
 *
 * Not modelled: address learning (ATU), VLAN table (VTU), front-to-front forwarding,
 * cascaded chips (device numbers other than 0).
 */
import type { Clock } from '../../lib/clock.ts';
import type { MdioTarget, MdioWire } from '../mdio/wire.ts';
import { SimMib } from './mv88e6xxx-mib.ts';

/** What the emulator needs from a PHY behind a switch port (SimPhy provides it). */
export interface AttachedPhy extends MdioTarget {
  /** The cable's link after autonegotiation; the MAC side follows it. */
  readonly mediaLinkUp: boolean;
  readonly speed: 10 | 100 | 1000;
  readonly duplex: 'full' | 'half';
  /**
   * Link change notification. Port Status is computed when read, so the emulator itself
   * does not subscribe; the member is here so one PHY object serves the world and the chip.
   */
  onLinkChange(cb: (up: boolean) => void): void;
  /** The PHY's interrupt output (INTn asserted); absent: a PHY without one. */
  readonly interruptAsserted?: boolean;
}

export type SimMv88e6xxxModel = '6352' | '6390';

export interface SimMv88e6xxxOptions {
  model: SimMv88e6xxxModel;
  /** Strapped SMI address: 0 = single-chip mode, else multi-chip (even). */
  smiAddr: number;
  clock: Clock;
  /** PHY behind each switch port (index = port). */
  phys: (AttachedPhy | undefined)[];
  /** The port wired to the CPU's MAC (RGMII, link up at 1000/full). */
  cpuPort: number;
  /** Reads of a command register that still show BUSY before a command completes (default 1). */
  busyPolls?: number;
  /** SMI BUSY never clears: a wedged chip. */
  stuckBusy?: boolean;
  /** Global2 PHY command BUSY never clears. */
  stuckPhyBusy?: boolean;
}

interface ModelFacts {
  portCount: number;
  portBase: number;
  switchId: number;
  internalPhyPorts: readonly number[];
  /** Internal PHYs also answer at device address = port (6352 family). */
  physInDeviceSpace: boolean;
}

const MODELS: Readonly<Record<SimMv88e6xxxModel, ModelFacts>> = {
  // port.h: MV88E6XXX_PORT_SWITCH_ID_PROD_6352 0x3520, revision 1.
  '6352': { portCount: 7, portBase: 0x10, switchId: 0x3521, internalPhyPorts: [0, 1, 2, 3, 4], physInDeviceSpace: true },
  // port.h: MV88E6XXX_PORT_SWITCH_ID_PROD_6390 0x3900, revision 1.
  '6390': { portCount: 11, portBase: 0x00, switchId: 0x3901, internalPhyPorts: [1, 2, 3, 4, 5, 6, 7, 8], physInDeviceSpace: false },
};

const GLOBAL1 = 0x1b;
const GLOBAL2 = 0x1c;
const BUSY = 0x8000;
const MODE_22 = 0x1000;
const OP_MASK = 0x0c00;
const OP_22_WRITE = 0x0400;
const OP_22_READ = 0x0800;

// Port registers (port.h).
const P_STS = 0x00;
const P_MAC_CTL = 0x01;
const P_SWITCH_ID = 0x03;
const P_CTL0 = 0x04;
const P_CTL1 = 0x05;
const P_VLAN_MAP = 0x06;
const P_DEFAULT_VLAN = 0x07;
const P_ETH_TYPE = 0x0f;
const STS_PHY_DETECT = 0x1000;
const STS_LINK = 0x0800;
const STS_DUPLEX = 0x0400;
const STS_CMODE_RGMII = 0x0007; // port.h MV88E6XXX_PORT_STS_CMODE_RGMII
const MAC_CTL_LINK_UP = 0x0020;
const MAC_CTL_FORCE_LINK = 0x0010;
const MAC_CTL_DUPLEX_FULL = 0x0008;
const MAC_CTL_FORCE_DUPLEX = 0x0004;
const MAC_CTL_SPEED_UNFORCED = 0x0003;
const CTL1_TRUNK_PORT = 0x4000;

// Port states and frame modes (Port Control 0).
const STATE_DISABLED = 0;
const STATE_BLOCKING = 1;
const STATE_FORWARDING = 3;
const FRAME_MODE_DSA = 1;
const FRAME_MODE_ETHERTYPE_DSA = 3;

// Global1 / Global2 (global1.h, global2.h).
const G2_INT_SRC = 0x00;
const G1_MONITOR_CTL = 0x1a;
const G1_CTL2 = 0x1c;
const G1_CTL2_HIST_RX_TX = 0x00c0; // 6390: histogram mode, bits 7:6
const G1_STATS_OP = 0x1d;
const G1_STATS_COUNTER_32 = 0x1e;
const G1_STATS_COUNTER_01 = 0x1f;
const STATS_OP_HIST_RX_TX = 0x0c00; // 6352: histogram mode, bits 11:10
const STATS_OP_BANK1_6390 = 0x0400;
const STATS_FLUSH_ALL = 1;
const STATS_FLUSH_PORT = 2;
const STATS_READ_CAPTURED = 4;
const STATS_CAPTURE_PORT = 5;
// 6352 family: port registers 0x10-0x13 are In Discards (low, high), In Filtered, Out Filtered.
const P_IN_DISCARDS_LO = 0x10;
const P_OUT_FILTERED = 0x13;
const G2_MGMT_EN_2X = 0x02;
const G2_MGMT_EN_0X = 0x03;
const G2_SWITCH_MGMT = 0x05;
const G2_SWITCH_MGMT_RSVD2CPU = 0x0008;
const G2_TRUNK_MASK = 0x07;
const G2_TRUNK_MAPPING = 0x08;
const G2_SMI_PHY_CMD = 0x18;
const G2_SMI_PHY_DATA = 0x19;
const MONITOR_PTR_CPU_DEST = 0x30;

// DSA tag (tag_dsa.c).
const CMD_TO_CPU = 0;
const CMD_FROM_CPU = 1;
const CMD_FORWARD = 3;
const CODE_MGMT_TRAP = 0;

/** Per-port and per-reason frame counts. */
export interface SimMv88e6xxxCounters {
  /** Frames in from each front port's cable (before any drop). */
  rx: number[];
  /** Frames out to each front port's cable. */
  tx: number[];
  /** Frames handed to the CPU (onCpuEgress). */
  toCpu: number;
  /** Frames received from the CPU (cpuIngress, before any drop). */
  fromCpu: number;
  /** Dropped frames by reason (see the drop sites for the reasons). */
  dropped: Record<string, number>;
  /** SMI command/data writes lost because the SMI unit was busy. */
  smiWritesWhileBusy: number;
  /** Global2 PHY command/data writes lost because the PHY unit was busy. */
  phyWritesWhileBusy: number;
  /** Global1 Stats Operation writes lost because the statistics unit was busy. */
  statsWritesWhileBusy: number;
}

/** A command unit with BUSY (SMI in multi-chip mode, Global2 PHY access, Global1 statistics). */
class CommandUnit {
  cmd = 0;
  data = 0;
  pending = false;
  busyLeft = 0;
  stuck = false;

  get busy(): boolean {
    return this.pending || this.stuck;
  }
}

/** Emulated 88E6xxx switch chip. */
export class SimMv88e6xxx {
  /** '6352' (7 ports, port registers at 0x10+port) or '6390' (11 ports, at 0x00+port). */
  readonly model: SimMv88e6xxxModel;
  /** Strapped SMI address; 0 = single-chip mode. */
  readonly smiAddr: number;
  /** The port wired to the CPU's MAC. */
  readonly cpuPort: number;
  readonly portCount: number;
  /** Kept for timing models; the register model itself counts polls, not time. */
  readonly clock: Clock;
  /** Reads of a command register that show BUSY before a command completes. */
  busyPolls: number;
  /** A frame leaves front port `port` to the cable (synchronous; the world adds delays). */
  onEgress: ((port: number, frame: Uint8Array) => void) | undefined;
  /** A frame leaves the CPU port to the CPU's MAC, tagged per the CPU port's frame mode. */
  onCpuEgress: ((frame: Uint8Array) => void) | undefined;
  /** Frame and lost-write counts, for tests and `sim stats`. */
  readonly counters: SimMv88e6xxxCounters;

  private readonly facts: ModelFacts;
  private readonly phys: (AttachedPhy | undefined)[];
  private readonly portRegs: Uint16Array[];
  private readonly carrier: (boolean | null)[];
  private readonly g1 = new Uint16Array(32);
  private readonly g2 = new Uint16Array(32);
  private readonly smi = new CommandUnit();
  private readonly phyUnit = new CommandUnit();
  /** Global1 Stats Operation (0x1D); a completed read leaves its counter in `statsCounter`. */
  private readonly statsUnit = new CommandUnit();
  private statsCounter = 0;
  /** Per-port RMON counters, counted as frames cross the ports. */
  readonly mib: SimMib;
  /** Trunk Mask Table: bit 11 HashTrunk, 10:0 port mask, per mask number. */
  private readonly trunkMasks = new Uint16Array(8);
  /** Trunk Mapping Table: member vector per trunk ID. */
  private readonly trunkMappings = new Uint16Array(16);
  private trunkMaskPtr = 0;
  private trunkMappingPtr = 0;
  /** 6390 G1 0x1A Monitor & MGMT Control: data per pointer, and the pointer last written. */
  private readonly monitor = new Uint8Array(64);
  private monitorPtr = 0;
  private attached: { wire: MdioWire; addrs: number[] } | undefined;

  constructor(opts: SimMv88e6xxxOptions) {
    const facts = MODELS[opts.model];
    if (!facts) throw new RangeError(`sim mv88e6xxx: unknown model '${String(opts.model)}'`);
    if (!Number.isInteger(opts.smiAddr) || opts.smiAddr < 0 || opts.smiAddr > 31 || opts.smiAddr & 1) {
      // smi.c: the strap gives ADDR[4:1]; a multi-chip address is always even.
      throw new RangeError(`sim mv88e6xxx: SMI address ${opts.smiAddr} must be even, 0..30`);
    }
    if (!Number.isInteger(opts.cpuPort) || opts.cpuPort < 0 || opts.cpuPort >= facts.portCount) {
      throw new RangeError(`sim mv88e6xxx: CPU port ${opts.cpuPort} out of range 0..${facts.portCount - 1}`);
    }
    this.model = opts.model;
    this.facts = facts;
    this.smiAddr = opts.smiAddr;
    this.cpuPort = opts.cpuPort;
    this.portCount = facts.portCount;
    this.clock = opts.clock;
    this.phys = opts.phys.slice(0, facts.portCount);
    this.busyPolls = Math.max(0, Math.floor(opts.busyPolls ?? 1));
    this.smi.stuck = opts.stuckBusy ?? false;
    this.phyUnit.stuck = opts.stuckPhyBusy ?? false;
    this.carrier = new Array<boolean | null>(facts.portCount).fill(null);
    this.counters = {
      rx: new Array<number>(facts.portCount).fill(0),
      tx: new Array<number>(facts.portCount).fill(0),
      toCpu: 0,
      fromCpu: 0,
      dropped: {},
      smiWritesWhileBusy: 0,
      phyWritesWhileBusy: 0,
      statsWritesWhileBusy: 0,
    };
    this.mib = new SimMib(facts.portCount);
    // Histogram mode at reset: both directions (6352 in Stats Operation, 6390 in Global
    // Control 2); Linux changes it to receive only (mv88e6xxx_stats_setup).
    this.statsUnit.cmd = opts.model === '6352' ? STATS_OP_HIST_RX_TX : 0;
    if (opts.model === '6390') this.g1[G1_CTL2] = G1_CTL2_HIST_RX_TX;
    const all = (1 << facts.portCount) - 1;
    this.portRegs = [];
    for (let p = 0; p < facts.portCount; p++) {
      const r = new Uint16Array(32);
      r[P_MAC_CTL] = MAC_CTL_SPEED_UNFORCED;
      // Reset: forwarding with floods on, so an unmanaged chip passes traffic; the driver
      // sets what it wants.
      r[P_CTL0] = 0x000c | STATE_FORWARDING;
      r[P_VLAN_MAP] = all & ~(1 << p);
      r[P_DEFAULT_VLAN] = 0x0001;
      r[P_ETH_TYPE] = 0x9100; // port.h MV88E6XXX_PORT_ETH_TYPE_DEFAULT
      this.portRegs.push(r);
    }
    // Trap destination unprogrammed: a port number the chip does not have, so that nothing
    // trapped reaches the CPU until the driver names it (modelling choice; strap-dependent
    // on real parts).
    this.g1[G1_MONITOR_CTL] = 0x00f0; // 6352: CPU dest [7:4] = 0xF
    this.monitor[MONITOR_PTR_CPU_DEST] = 0x1f; // 6390
    // global2.c mv88e6xxx_g2_trunk_clear state: masks all ports, hash off; no mappings.
    this.trunkMasks.fill(all);
  }

  /** SMI BUSY never clears while true; clearing it lets a pending command finish. */
  get stuckBusy(): boolean {
    return this.smi.stuck;
  }
  set stuckBusy(v: boolean) {
    this.smi.stuck = v;
  }

  /** Global2 PHY command BUSY never clears while true. */
  get stuckPhyBusy(): boolean {
    return this.phyUnit.stuck;
  }
  set stuckPhyBusy(v: boolean) {
    this.phyUnit.stuck = v;
  }

  // ---- MDIO ----------------------------------------------------------------------------------

  /**
   * Connects the chip to an MDIO bus: multi-chip mode answers at the SMI address only;
   * single-chip mode claims all 32 addresses, as the real part does.
   */
  attachTo(wire: MdioWire): void {
    if (this.attached) throw new Error('sim mv88e6xxx: already attached');
    const addrs: number[] = [];
    if (this.smiAddr !== 0) {
      wire.attach(this.smiAddr, { read: (reg) => this.smiRead(reg), write: (reg, v) => this.smiWrite(reg, v) });
      addrs.push(this.smiAddr);
    } else {
      for (let a = 0; a < 32; a++) {
        wire.attach(a, { read: (reg) => this.deviceRead(a, reg), write: (reg, v) => this.deviceWrite(a, reg, v) });
        addrs.push(a);
      }
    }
    this.attached = { wire, addrs };
  }

  /** Disconnects from the bus given to attachTo; does nothing when not attached. */
  detach(): void {
    if (!this.attached) return;
    for (const a of this.attached.addrs) this.attached.wire.detach(a);
    this.attached = undefined;
  }

  private smiRead(reg: number): number {
    const u = this.smi;
    if (reg === 0) {
      if (this.pollUnit(u)) return u.cmd | BUSY;
      if (u.pending) this.completeSmi();
      return u.cmd;
    }
    if (reg === 1) return u.data;
    return 0; // only Command and Data exist at the SMI address
  }

  private smiWrite(reg: number, value: number): void {
    const u = this.smi;
    if (reg > 1) return;
    this.unitWrite(u, reg === 1, value, 'smiWritesWhileBusy', () => this.completeSmi());
  }

  /**
   * A write to a command unit's data or command register (SMI, Global2 PHY access). While
   * the unit is still executing the write is lost, as on hardware; a command with BUSY set
   * starts, and completes after `busyPolls` polls.
   */
  private unitWrite(u: CommandUnit, isData: boolean, value: number, lost: 'smiWritesWhileBusy' | 'phyWritesWhileBusy' | 'statsWritesWhileBusy', complete: () => void): void {
    if (u.busy) {
      this.counters[lost]++;
      return;
    }
    if (isData) {
      u.data = value;
      return;
    }
    u.cmd = value & ~BUSY;
    if (!(value & BUSY)) return;
    u.pending = true;
    u.busyLeft = this.busyPolls;
    if (u.busyLeft === 0 && !u.stuck) complete();
  }

  /** One poll of a unit's BUSY: true while it still shows BUSY. */
  private pollUnit(u: CommandUnit): boolean {
    if (u.stuck) return true;
    if (!u.pending) return false;
    if (u.busyLeft > 0) {
      u.busyLeft--;
      return true;
    }
    return false;
  }

  private completeSmi(): void {
    const u = this.smi;
    u.pending = false;
    const cmd = u.cmd;
    if (!(cmd & MODE_22)) return; // Clause 45 indirect frames: not modelled, no effect
    const dev = (cmd >> 5) & 0x1f;
    const reg = cmd & 0x1f;
    const op = cmd & OP_MASK;
    if (op === OP_22_READ) u.data = this.deviceRead(dev, reg);
    else if (op === OP_22_WRITE) this.deviceWrite(dev, reg, u.data);
  }

  /**
   * A register of internal device `dev`, as single-chip mode or an SMI command reaches it.
   * Reading Global2 0x18 counts as a BUSY poll.
   */
  deviceRead(dev: number, reg: number): number {
    const port = dev - this.facts.portBase;
    if (port >= 0 && port < this.portCount) return this.portRead(port, reg);
    if (dev === GLOBAL1) return this.g1Read(reg);
    if (dev === GLOBAL2) return this.g2Read(reg);
    const phy = this.devicePhy(dev);
    return phy ? phy.read(reg) & 0xffff : 0xffff;
  }

  /** Writes a register of internal device `dev`. */
  deviceWrite(dev: number, reg: number, value: number): void {
    value &= 0xffff;
    const port = dev - this.facts.portBase;
    if (port >= 0 && port < this.portCount) this.portWrite(port, reg, value);
    else if (dev === GLOBAL1) this.g1Write(reg, value);
    else if (dev === GLOBAL2) this.g2Write(reg, value);
    else this.devicePhy(dev)?.write(reg, value);
  }

  /** 6352 family: the internal PHYs also sit at device address = port. */
  private devicePhy(dev: number): AttachedPhy | undefined {
    return this.facts.physInDeviceSpace && this.facts.internalPhyPorts.includes(dev) ? this.phys[dev] : undefined;
  }

  // ---- Port registers ----------------------------------------------------------------------

  private portRead(port: number, reg: number): number {
    if (reg === P_STS) return this.portStatus(port);
    if (this.portCounterReg(reg)) return this.mib.portCounter(port, reg);
    if (reg === P_SWITCH_ID) return this.facts.switchId; // readable on every port
    return this.portRegs[port][reg];
  }

  private portWrite(port: number, reg: number, value: number): void {
    if (reg === P_STS || reg === P_SWITCH_ID || this.portCounterReg(reg)) return; // read-only
    this.portRegs[port][reg] = value;
  }

  /**
   * MAC-side link of `port`: forced by MAC Control if forced, else the carrier override,
   * else link up on the CPU port, else the PHY's media link.
   */
  macLinkUp(port: number): boolean {
    const ctl = this.portRegs[port][P_MAC_CTL];
    if (ctl & MAC_CTL_FORCE_LINK) return (ctl & MAC_CTL_LINK_UP) !== 0;
    const c = this.carrier[port];
    if (c !== null) return c;
    if (port === this.cpuPort) return true;
    return this.phys[port]?.mediaLinkUp ?? false;
  }

  private portStatus(port: number): number {
    const ctl = this.portRegs[port][P_MAC_CTL];
    const phy = port === this.cpuPort ? undefined : this.phys[port];
    let v = 0;
    if (this.facts.internalPhyPorts.includes(port) || phy) v |= STS_PHY_DETECT;
    if (this.macLinkUp(port)) v |= STS_LINK;
    const full = ctl & MAC_CTL_FORCE_DUPLEX ? (ctl & MAC_CTL_DUPLEX_FULL) !== 0 : phy ? phy.duplex === 'full' : true;
    if (full) v |= STS_DUPLEX;
    const forcedSpeed = ctl & MAC_CTL_SPEED_UNFORCED;
    const speedBits = forcedSpeed !== MAC_CTL_SPEED_UNFORCED ? forcedSpeed : phy ? (phy.speed === 1000 ? 2 : phy.speed === 100 ? 1 : 0) : 2;
    v |= speedBits << 8;
    if (port === this.cpuPort) v |= STS_CMODE_RGMII;
    return v;
  }

  /** The 6352 family's port counter registers (0x10-0x13); other registers on the 6390. */
  private portCounterReg(reg: number): boolean {
    return this.model === '6352' && reg >= P_IN_DISCARDS_LO && reg <= P_OUT_FILTERED;
  }

  /**
   * The world's `sim carrier`: forces the MAC-side link of `port` (the PHY's registers are
   * unchanged); null follows the PHY again. MAC Control forcing still wins.
   */
  setCarrier(port: number, up: boolean | null): void {
    this.checkPort(port);
    this.carrier[port] = up;
  }

  /** A port register's stored value, without side effects (Port Status is computed). */
  portRegister(port: number, reg: number): number {
    this.checkPort(port);
    return this.portRead(port, reg & 0x1f);
  }

  private checkPort(port: number): void {
    if (!Number.isInteger(port) || port < 0 || port >= this.portCount) throw new RangeError(`sim mv88e6xxx: port ${port} out of range 0..${this.portCount - 1}`);
  }

  // ---- Global1 -----------------------------------------------------------------------------

  private g1Read(reg: number): number {
    if (reg === G1_MONITOR_CTL && this.model === '6390') return (this.monitorPtr << 8) | this.monitor[this.monitorPtr];
    if (reg === G1_STATS_OP) {
      // A read of Stats Operation is a BUSY poll, as Global2 0x18 is.
      const u = this.statsUnit;
      if (this.pollUnit(u)) return u.cmd | BUSY;
      if (u.pending) this.completeStats();
      return u.cmd;
    }
    if (reg === G1_STATS_COUNTER_32) return this.statsCounter >>> 16;
    if (reg === G1_STATS_COUNTER_01) return this.statsCounter & 0xffff;
    return this.g1[reg];
  }

  private g1Write(reg: number, value: number): void {
    if (reg === G1_STATS_OP) {
      this.unitWrite(this.statsUnit, false, value, 'statsWritesWhileBusy', () => this.completeStats());
      return;
    }
    if (reg === G1_STATS_COUNTER_32 || reg === G1_STATS_COUNTER_01) return; // read-only
    if (reg === G1_MONITOR_CTL && this.model === '6390') {
      // global1.h MV88E6390_G1_MONITOR_MGMT_CTL: 15 Update, 13:8 pointer, 7:0 data.
      this.monitorPtr = (value >> 8) & 0x3f;
      if (value & 0x8000) this.monitor[this.monitorPtr] = value & 0xff;
      return;
    }
    this.g1[reg] = value;
  }

  /**
   * A Stats Operation completes (global1.h MV88E6XXX_G1_STATS_OP_*): bits 14:12 the
   * operation, bits 9:5 the port plus one (capture, flush port), bits 4:0 the counter (read).
   * A read takes bank 1 with bit 10 on the 6390; on the 6352 bits 11:10 are the histogram
   * mode of the read, on the 6390 that mode is Global Control 2 bits 7:6.
   */
  private completeStats(): void {
    const u = this.statsUnit;
    u.pending = false;
    const cmd = u.cmd;
    const op = (cmd >> 12) & 7;
    const port = ((cmd >> 5) & 0x1f) - 1;
    const validPort = port >= 0 && port < this.portCount;
    if (op === STATS_FLUSH_ALL) this.mib.flush();
    else if (op === STATS_FLUSH_PORT && validPort) this.mib.flush(port);
    else if (op === STATS_CAPTURE_PORT && validPort) this.mib.capture(port);
    else if (op === STATS_READ_CAPTURED) {
      const six390 = this.model === '6390';
      const bank = six390 && cmd & STATS_OP_BANK1_6390 ? 1 : 0;
      const histMode = six390 ? (this.g1[G1_CTL2] >> 6) & 3 : (cmd >> 10) & 3;
      this.statsCounter = this.mib.readCaptured(bank, cmd & 0x1f, histMode);
    }
  }

  // ---- Global2 -----------------------------------------------------------------------------

  private g2Read(reg: number): number {
    switch (reg) {
      case G2_INT_SRC:
        return this.phyInterrupts();
      case G2_TRUNK_MASK:
        return (this.trunkMaskPtr << 12) | this.trunkMasks[this.trunkMaskPtr];
      case G2_TRUNK_MAPPING:
        return (this.trunkMappingPtr << 11) | this.trunkMappings[this.trunkMappingPtr];
      case G2_SMI_PHY_CMD: {
        const u = this.phyUnit;
        if (this.pollUnit(u)) return u.cmd | BUSY;
        if (u.pending) this.completePhy();
        return u.cmd;
      }
      case G2_SMI_PHY_DATA:
        return this.phyUnit.data;
      default:
        return this.g2[reg];
    }
  }

  /**
   * Global2 Interrupt Source, PHY bits (global2.h MV88E6352_G2_INT_SRC_PHY 0x001f,
   * MV88E6390_G2_INT_SRC_PHY 0x07fe): bit n is the interrupt output of the internal PHY at
   * address n, the port's. Level: it clears when the PHY's own status is read.
   */
  private phyInterrupts(): number {
    let v = 0;
    for (const p of this.facts.internalPhyPorts) if (this.phys[p]?.interruptAsserted) v |= 1 << p;
    return v;
  }

  private g2Write(reg: number, value: number): void {
    const portMask = (1 << this.portCount) - 1;
    switch (reg) {
      case G2_TRUNK_MASK:
        // global2.h: 15 Update, 14:12 mask number, 11 HashTrunk, 10:0 port mask.
        this.trunkMaskPtr = (value >> 12) & 7;
        if (value & 0x8000) this.trunkMasks[this.trunkMaskPtr] = value & (0x0800 | portMask);
        return;
      case G2_TRUNK_MAPPING:
        // global2.h: 15 Update, 14:11 trunk ID, 10:0 member vector.
        this.trunkMappingPtr = (value >> 11) & 0xf;
        if (value & 0x8000) this.trunkMappings[this.trunkMappingPtr] = value & portMask;
        return;
      case G2_SMI_PHY_CMD:
      case G2_SMI_PHY_DATA: {
        this.unitWrite(this.phyUnit, reg === G2_SMI_PHY_DATA, value, 'phyWritesWhileBusy', () => this.completePhy());
        return;
      }
      default:
        this.g2[reg] = value;
    }
  }

  private completePhy(): void {
    const u = this.phyUnit;
    u.pending = false;
    const cmd = u.cmd;
    const op = cmd & OP_MASK;
    // 6390 bits 14:13 select the external MDIO bus: nothing is wired there.
    const external = this.model === '6390' && (cmd & 0x6000) !== 0;
    const addr = (cmd >> 5) & 0x1f;
    const phy = !external && cmd & MODE_22 && this.facts.internalPhyPorts.includes(addr) ? this.phys[addr] : undefined;
    const reg = cmd & 0x1f;
    if (op === OP_22_READ) u.data = phy ? phy.read(reg) & 0xffff : 0xffff;
    else if (op === OP_22_WRITE) phy?.write(reg, u.data);
  }

  /** Trunk mask entry `i` (bit 11 HashTrunk, 10:0 ports), without touching the pointer. */
  trunkMask(i: number): number {
    return this.trunkMasks[i & 7];
  }

  /** Member vector of trunk `id`, without touching the pointer. */
  trunkMapping(id: number): number {
    return this.trunkMappings[id & 0xf];
  }

  // ---- Frames ------------------------------------------------------------------------------

  private drop(reason: string): void {
    const d = this.counters.dropped;
    d[reason] = (d[reason] ?? 0) + 1;
  }

  /** A frame `port` received and dropped by ingress policy: counted in its MIB and by reason. */
  private filteredIn(port: number, reason: string): void {
    this.mib.filteredIn(port);
    this.drop(reason);
  }

  /** A frame that could not leave `port`. */
  private filteredOut(port: number, reason: string): void {
    this.mib.filteredOut(port);
    this.drop(reason);
  }

  private portState(port: number): number {
    return this.portRegs[port][P_CTL0] & 3;
  }

  private frameMode(port: number): number {
    return (this.portRegs[port][P_CTL0] >> 8) & 3;
  }

  /** Low byte of 01:80:C2:00:00:0x / :2x, or -1 for any other destination. */
  private static reservedMulticast(frame: Uint8Array): number {
    if (frame[0] !== 0x01 || frame[1] !== 0x80 || frame[2] !== 0xc2 || frame[3] !== 0 || frame[4] !== 0) return -1;
    const x = frame[5];
    return x < 0x10 || (x >= 0x20 && x < 0x30) ? x : -1;
  }

  private trapEnabled(x: number): boolean {
    const bit = x & 0x0f;
    if (this.model === '6352') {
      // global2.c mv88e6352_g2_mgmt_rsvd2cpu: per-address enables, gated by Rsvd2Cpu.
      if (!(this.g2[G2_SWITCH_MGMT] & G2_SWITCH_MGMT_RSVD2CPU)) return false;
      const en = x < 0x10 ? this.g2[G2_MGMT_EN_0X] : this.g2[G2_MGMT_EN_2X];
      return ((en >> bit) & 1) === 1;
    }
    // global1.h: pointers 0x00/0x01 = 01:80:C2:00:00:00-07 / 08-0F, 0x02/0x03 = :2x.
    const ptr = (x < 0x10 ? 0 : 2) + (bit >> 3);
    return ((this.monitor[ptr] >> (bit & 7)) & 1) === 1;
  }

  private trapDestination(): number {
    return this.model === '6352' ? (this.g1[G1_MONITOR_CTL] >> 4) & 0xf : this.monitor[MONITOR_PTR_CPU_DEST] & 0x1f;
  }

  /**
   * A frame from the cable into front port `port`. Dropped when the MAC link is down or the
   * port disabled. Reserved multicast 01:80:C2:00:00:0x/2x is trapped to the CPU (TO_CPU,
   * MGMT_TRAP) in any enabled state when trapping is on for it, and dropped otherwise
   * (bridges never forward it). Anything else reaches the CPU with a FORWARD tag in the
   * forwarding state only (learning is not modelled, so the learning state just drops);
   * a trunk port's FORWARD tag names its trunk, as tag_dsa.c expects.
   */
  ingress(port: number, frame: Uint8Array): void {
    if (!Number.isInteger(port) || port < 0 || port >= this.portCount || port === this.cpuPort) {
      this.drop('ingress-bad-port');
      return;
    }
    this.counters.rx[port]++;
    if (frame.length < 14) {
      if (this.macLinkUp(port)) this.mib.undersize(port);
      return this.drop('runt');
    }
    if (!this.macLinkUp(port)) return this.drop('link-down');
    this.mib.received(port, frame);
    const state = this.portState(port);
    if (state === STATE_DISABLED) return this.filteredIn(port, 'port-disabled');
    const x = SimMv88e6xxx.reservedMulticast(frame);
    if (x >= 0) {
      if (!this.trapEnabled(x)) return this.filteredIn(port, 'reserved-multicast');
      if (this.trapDestination() !== this.cpuPort) return this.filteredIn(port, 'trap-dest-not-cpu');
      this.mib.management(port);
      this.toCpu(CMD_TO_CPU, port, false, CODE_MGMT_TRAP, port, frame);
      return;
    }
    if (state !== STATE_FORWARDING) return this.filteredIn(port, state === STATE_BLOCKING ? 'blocking' : 'learning');
    if (!(this.portRegs[port][P_VLAN_MAP] & (1 << this.cpuPort))) return this.filteredIn(port, 'vlan-map');
    const ctl1 = this.portRegs[port][P_CTL1];
    if (ctl1 & CTL1_TRUNK_PORT) this.toCpu(CMD_FORWARD, (ctl1 >> 8) & 0xf, true, 0, port, frame);
    else this.toCpu(CMD_FORWARD, port, false, 0, port, frame);
  }

  /**
   * Tags `frame` per the CPU port's frame mode and hands it to the CPU. `port` is what the
   * tag names (the trunk ID when `trunk`), `srcPort` the port the frame came in on.
   */
  private toCpu(cmd: number, port: number, trunk: boolean, code: number, srcPort: number, frame: Uint8Array): void {
    if (!this.macLinkUp(this.cpuPort)) return this.filteredOut(this.cpuPort, 'cpu-link-down');
    const mode = this.frameMode(this.cpuPort);
    if (mode !== FRAME_MODE_DSA && mode !== FRAME_MODE_ETHERTYPE_DSA) {
      // Normal (or provider) mode: the CPU port is an ordinary port; the frame goes untagged.
      this.counters.toCpu++;
      this.mib.transmitted(this.cpuPort, frame);
      this.onCpuEgress?.(frame.slice());
      return;
    }
    const extra = mode === FRAME_MODE_ETHERTYPE_DSA ? 4 : 0;
    const dot1q = frame.length >= 18 && frame[12] === 0x81 && frame[13] === 0x00;
    const restFrom = dot1q ? 16 : 12;
    const out = new Uint8Array(16 + extra + frame.length - restFrom);
    out.set(frame.subarray(0, 12), 0);
    let o = 12;
    if (extra) {
      const et = this.portRegs[this.cpuPort][P_ETH_TYPE];
      out[o++] = et >> 8;
      out[o++] = et & 0xff;
      out[o++] = 0;
      out[o++] = 0;
    }
    let b1 = (port << 3) | (trunk ? 0x04 : 0);
    let b2: number;
    let b3: number;
    if (dot1q) {
      // The frame's own TCI rides in the tag; CFI moves to byte 1 bit 0.
      if (frame[14] & 0x10) b1 |= 0x01;
      b2 = frame[14] & ~0x10;
      b3 = frame[15];
    } else {
      const def = this.portRegs[srcPort][P_DEFAULT_VLAN]; // untagged: the port's default VID and priority
      b2 = ((def >> 13) << 5) | ((def >> 8) & 0x0f);
      b3 = def & 0xff;
    }
    if (cmd === CMD_TO_CPU) {
      b1 = (b1 & ~0x06) | (code & 0x06);
      b2 = (b2 & ~0x10) | ((code & 1) << 4);
    }
    out[o++] = (cmd << 6) | (dot1q ? 0x20 : 0); // device 0
    out[o++] = b1;
    out[o++] = b2;
    out[o++] = b3;
    out.set(frame.subarray(restFrom), o);
    this.counters.toCpu++;
    this.mib.transmitted(this.cpuPort, out);
    this.onCpuEgress?.(out);
  }

  /**
   * A frame from the CPU's MAC into the CPU port, tagged per the CPU port's frame mode.
   * FROM_CPU goes out of the named port if its MAC link is up and it is not disabled (STP
   * state is bypassed). FORWARD with the trunk flag goes to one member of that trunk:
   * mapping[trunk] & mask[hash], where hash = (DA[5] ^ SA[5]) & 7 — the 88E6xxx's
   * documented choice when HashTrunk is clear (the low 3 bits of DA xor SA); with HashTrunk
   * set, real silicon uses its address-table hash, which is not public, so the emulator uses
   * the xor either way. Correct masks select exactly one port; wrong ones may select several
   * (each gets a copy, as on hardware) or none. Malformed frames are dropped and counted;
   * this never throws.
   */
  cpuIngress(frame: Uint8Array): void {
    this.counters.fromCpu++;
    const cpu = this.cpuPort;
    if (!this.macLinkUp(cpu)) return this.drop('cpu-link-down');
    if (frame.length < 14) {
      this.mib.undersize(cpu);
      return this.drop('cpu-short');
    }
    this.mib.received(cpu, frame);
    if (this.portState(cpu) === STATE_DISABLED) return this.filteredIn(cpu, 'cpu-port-disabled');
    const mode = this.frameMode(cpu);
    if (mode !== FRAME_MODE_DSA && mode !== FRAME_MODE_ETHERTYPE_DSA) {
      // Without a tag the frame would need address lookup, which is not modelled.
      return this.filteredIn(cpu, 'cpu-untagged');
    }
    const extra = mode === FRAME_MODE_ETHERTYPE_DSA ? 4 : 0;
    const len = frame.length;
    if (len < 12 + extra + 4 + 2) return this.filteredIn(cpu, 'cpu-short');
    if (extra && ((frame[12] << 8) | frame[13]) !== this.portRegs[cpu][P_ETH_TYPE]) return this.filteredIn(cpu, 'cpu-bad-ethertype');
    const o = 12 + extra;
    const b0 = frame[o];
    const b1 = frame[o + 1];
    const b2 = frame[o + 2];
    const b3 = frame[o + 3];
    const cmd = b0 >> 6;
    if (cmd !== CMD_FROM_CPU && cmd !== CMD_FORWARD) return this.filteredIn(cpu, 'cpu-bad-command');
    if ((b0 & 0x1f) !== 0) return this.filteredIn(cpu, 'cpu-bad-device'); // no cascade: device 0 only
    const target = b1 >> 3;
    // Restore the original frame: re-insert the 802.1Q tag when the tag says it had one.
    const tagged = (b0 & 0x20) !== 0;
    const rest = frame.subarray(o + 4);
    const out = new Uint8Array(12 + (tagged ? 4 : 0) + rest.length);
    out.set(frame.subarray(0, 12), 0);
    if (tagged) {
      out[12] = 0x81;
      out[13] = 0x00;
      out[14] = (b2 & ~0x10) | (b1 & 0x01 ? 0x10 : 0);
      out[15] = b3;
    }
    out.set(rest, tagged ? 16 : 12);
    if (cmd === CMD_FROM_CPU) {
      if (target >= this.portCount || target === cpu) return this.filteredIn(cpu, 'cpu-bad-port');
      this.egress(target, out, true);
      return;
    }
    if (!(b1 & 0x04)) return this.drop('cpu-forward-no-trunk'); // would need the ATU
    if (target > 15) return this.drop('cpu-bad-trunk');
    const hash = (out[5] ^ out[11]) & 7;
    let vector = this.trunkMappings[target] & this.trunkMasks[hash] & ((1 << this.portCount) - 1) & ~(1 << cpu);
    if (vector === 0) return this.drop('trunk-no-egress');
    let first = true;
    for (let p = 0; vector !== 0; p++, vector >>= 1) {
      if (!(vector & 1)) continue;
      this.egress(p, first ? out : out.slice(), false);
      first = false;
    }
  }

  private egress(port: number, frame: Uint8Array, fromCpu: boolean): void {
    if (!this.macLinkUp(port)) return this.filteredOut(port, 'egress-link-down');
    const state = this.portState(port);
    if (state === STATE_DISABLED) return this.filteredOut(port, 'egress-port-disabled');
    if (!fromCpu && state !== STATE_FORWARDING) return this.filteredOut(port, 'egress-not-forwarding');
    this.counters.tx[port]++;
    this.mib.transmitted(port, frame);
    this.onEgress?.(port, frame);
  }
}
