/**
 * Register-level emulator of a MediaTek MT7530 or MT7531 switch chip: the 32-bit register file
 * behind the MDIO page window, live MAC status (PMSR) following the PHYs, the MT7531's PHY
 * indirect access unit (PHY_IAC, with its busy bit), the latched PHY interrupt status, the MIB
 * counters, link-local frame trapping, the port matrix and STP state, and the frame path
 * between the front ports and a CPU port with the MediaTek special tag.
 *
 * Written from the hardware's side; shares no code with the driver in hal/switch/mt7530, so the
 * driver's tests against it mean something. Register facts come from Linux's
 * drivers/net/dsa/mt7530.[ch], mt7530-mdio.c and net/dsa/tag_mtk.c. Where the public sources
 * say nothing (reset values the driver overwrites, how the chip behaves where Linux never
 * looks), the choice is written down where it is made.
 *
 * Not modelled: the address table (every unicast destination is unknown, so frames flood by
 * the MFC maps), the VLAN table (frames keep whatever 802.1Q tag they carry, and a port's STP
 * state is that of FID 1, the FID Linux's mt7530_setup_vlan0 gives VID 0), forwarding between
 * front ports (only the CPU port is a destination), mirroring, the SGMII/TRGMII pads and PLLs,
 * interrupts on a pin (SYS_INT_STS latches, but nothing is signalled).
 */
import type { Clock } from '../../lib/clock.ts';
import type { MdioTarget, MdioWire } from '../mdio/wire.ts';
import { SimMt7530Mib } from './mt7530-mib.ts';
import type { AttachedPhy, SwitchEmulator } from './switch.ts';

export type SimMt7530Model = 'MT7530' | 'MT7531';

export interface SimMt7530Options {
  model: SimMt7530Model;
  /** MDIO address of the register window (0x1f as strapped on MT7621 boards). */
  smiAddr: number;
  clock: Clock;
  /** PHY behind each user port (index = port; ports 0-4 have internal PHYs). */
  phys: (AttachedPhy | undefined)[];
  /** The port wired to the CPU's MAC (5 or 6). */
  cpuPort: number;
  /** PHY_IAC reads that still show ACS_ST before a command completes (default 1). */
  busyPolls?: number;
  /** PHY_IAC ACS_ST never clears: a wedged chip. */
  stuckPhyBusy?: boolean;
}

const PORTS = 7;
const PHY_PORTS = 5;
const PAGE_REG = 0x1f;
const HIGH_REG = 0x10;

// Identification (mt7530.h). The revision nibbles are this emulator's choice.
const MT7530_CREV = 0x7ffc;
const MT7531_CREV = 0x781c;
const CREV: Readonly<Record<SimMt7530Model, number>> = { MT7530: 0x75300001, MT7531: 0x75310001 };
/** MT7530_HWTRAP: the straps, read-only. Values chosen: 25 MHz crystal (MT7530 [10:9] = 11; MT7531 [7] XTAL_FSEL 25 MHz, [6] PHY_EN). */
const HWTRAP = 0x7800;
const HWTRAP_RESET: Readonly<Record<SimMt7530Model, number>> = { MT7530: 0x00000600, MT7531: 0x000000c0 };

const MFC = 0x10;
const CFC = 0x4;
const BPC = 0x24;
const RGAC1 = 0x28;
const RGAC2 = 0x2c;
const SSP = (p: number): number => 0x2000 + p * 0x100;
const PCR = (p: number): number => 0x2004 + p * 0x100;
const PVC = (p: number): number => 0x2010 + p * 0x100;
const PMCR = (p: number): number => 0x3000 + p * 0x100;
const GMACCR = 0x30e0;
const MIB_BASE = 0x4000;
const MIB_CCR = 0x4fe0;
const SYS_CTRL = 0x7000;
const SYS_CTRL_REG_RST = 1 << 0;
const SYS_INT_STS = 0x700c;
const PHY_IAC = 0x701c;

const PORT_SPEC_TAG = 1 << 5;
const CPU_EN = 0x80;
const FID_BRIDGED = 1;
const STP_FORWARDING = 3;
const STP_DISABLED = 0;

// PMCR / PMSR bits (mt7530.h).
const PMCR_FORCE_MODE = 1 << 15;
const PMCR_TX_EN = 1 << 14;
const PMCR_RX_EN = 1 << 13;
const PMCR_TX_FC_EN = 1 << 5;
const PMCR_RX_FC_EN = 1 << 4;
const PMCR_SPEED_BITS = 0xc;
const PMCR_FORCE_FDX = 1 << 1;
const PMCR_FORCE_LNK = 1 << 0;
const MT7531_FORCE_LNK = 1 << 31;
const MT7531_FORCE_SPD = 1 << 30;
const MT7531_FORCE_DPX = 1 << 29;
const MT7531_FORCE_RX_FC = 1 << 28;
const MT7531_FORCE_TX_FC = 1 << 27;
const PMSR_RX_FC = 1 << 5;
const PMSR_TX_FC = 1 << 4;
const PMSR_SPEED_1000 = 1 << 3;
const PMSR_SPEED_100 = 1 << 2;
const PMSR_DPX = 1 << 1;
const PMSR_LINK = 1 << 0;

// PHY_IAC (mt7530.h MT7531_*).
const ACS_ST = 0x80000000;
const IAC_ST_CL22 = 1;
const IAC_CMD_ADDR = 0;
const IAC_CMD_WRITE = 1;
const IAC_CMD_READ = 2;
const IAC_CMD_READ_CL45 = 3;

// Link-local trap rules: MT753X_*_PORT_FW values.
const FW_FOLLOW_MFC = 0;
const FW_CPU_EXCLUDE = 4;
const FW_DROP = 7;
const BPDU_FR = 1 << 9;
const ETH_P_PAE = 0x888e;

/** GMACCR MAX_RX_PKT_LEN [1:0]: 1522, 1536, 1552, or jumbo (MAX_RX_JUMBO [5:2] KiB). */
const MAX_RX_PKT_LEN = [1522, 1536, 1552];

/** The special tag (tag_mtk.c). */
const TAG_OFFSET = 12;
const TAG_LEN = 4;
const XMIT_DP_MASK = 0x3f;
const XMIT_TPID: readonly (number | undefined)[] = [undefined, 0x8100, 0x88a8];

/**
 * Reset values the driver overwrites. None is in the public sources; they make an unmanaged
 * chip behave as a plain switch: every port may send everywhere, every FID forwards, floods go
 * to every port, link-local frames follow the flood rules, counters count, MACs follow their
 * PHYs with transmit and receive on (0x56300 is what mt7530_setup_port5 writes as "the MAC by
 * default": IFG_XMIT(1), MAC_MODE, TX_EN, RX_EN, BACKOFF_EN, BACKPR_EN), frames up to 1536 bytes.
 */
function resetValue(model: SimMt7530Model, addr: number): number {
  if (addr === MFC) return 0xffffff00;
  if (addr === MIB_CCR) return 0x800000f0;
  if (addr === GMACCR) return 1;
  if (addr >= 0x2000 && addr < 0x2000 + PORTS * 0x100) {
    const off = addr & 0xff;
    if (off === 0x00) return 0x0000ffff; // SSP: every FID forwarding
    if (off === 0x04) return 0x00ff0000; // PCR: matrix all ports, port matrix mode
    if (off === 0x14) return 0x00000001; // PPBV1: VID 1
  }
  if (addr >= 0x3000 && addr < 0x3000 + PORTS * 0x100 && (addr & 0xff) === 0) return 0x00056300;
  if (addr === HWTRAP) return HWTRAP_RESET[model];
  return 0;
}

export interface SimMt7530Counters {
  /** Frames in from each front port's cable (before any drop). */
  rx: number[];
  /** Frames out to each front port's cable. */
  tx: number[];
  toCpu: number;
  fromCpu: number;
  /** Dropped frames by reason. */
  dropped: Record<string, number>;
  /** PHY_IAC commands written while the unit was busy (lost, as on hardware). */
  iacWritesWhileBusy: number;
}

/** Emulated MT7530/MT7531. */
export class SimMt7530 implements SwitchEmulator {
  readonly model: SimMt7530Model;
  readonly smiAddr: number;
  readonly cpuPort: number;
  readonly portCount = PORTS;
  readonly clock: Clock;
  busyPolls: number;
  onEgress: ((port: number, frame: Uint8Array) => void) | undefined;
  onCpuEgress: ((frame: Uint8Array) => void) | undefined;
  readonly counters: SimMt7530Counters;
  readonly mib: SimMt7530Mib;

  private readonly phys: (AttachedPhy | undefined)[];
  private readonly store = new Map<number, number>();
  private readonly carrier: (boolean | null)[] = new Array<boolean | null>(PORTS).fill(null);
  // The page window: the page register, the low half written last (and where), the high half of the last read.
  private page = 0;
  private lowData = 0;
  private lowReg = 0;
  private highLatch = 0;
  // PHY_IAC.
  private iacWord = 0;
  private iacPending = false;
  private iacBusyLeft = 0;
  /** MMD address per PHY and device, set by Clause 45 address commands. */
  private readonly c45Addr = new Map<number, number>();
  stuckPhyBusy: boolean;
  /** SYS_INT_STS: bit n latched when PHY n's link changes, cleared by writing 1. */
  private intSts = 0;
  private attached: { wire: MdioWire; addrs: number[] } | undefined;

  constructor(opts: SimMt7530Options) {
    if (opts.model !== 'MT7530' && opts.model !== 'MT7531') throw new RangeError(`sim mt7530: unknown model '${String(opts.model)}'`);
    if (!Number.isInteger(opts.smiAddr) || opts.smiAddr < 0 || opts.smiAddr > 31) throw new RangeError(`sim mt7530: MDIO address ${opts.smiAddr} out of range 0..31`);
    if (opts.cpuPort !== 5 && opts.cpuPort !== 6) throw new RangeError(`sim mt7530: CPU port ${opts.cpuPort} must be 5 or 6`);
    this.model = opts.model;
    this.smiAddr = opts.smiAddr;
    this.cpuPort = opts.cpuPort;
    this.clock = opts.clock;
    this.phys = opts.phys.slice(0, PHY_PORTS);
    this.busyPolls = Math.max(0, Math.floor(opts.busyPolls ?? 1));
    this.stuckPhyBusy = opts.stuckPhyBusy ?? false;
    this.counters = { rx: new Array<number>(PORTS).fill(0), tx: new Array<number>(PORTS).fill(0), toCpu: 0, fromCpu: 0, dropped: {}, iacWritesWhileBusy: 0 };
    this.mib = new SimMt7530Mib(PORTS, resetValue(this.model, MIB_CCR));
    this.phys.forEach((phy, p) => phy?.onLinkChange(() => (this.intSts |= 1 << p)));
  }

  // ---- MDIO ----------------------------------------------------------------------------------

  /**
   * Connects the chip to an MDIO bus: the register window at its address; on the MT7530 the
   * internal PHYs also answer at their port numbers (mt7530_phy_read_c22 reaches them there),
   * on the MT7531 only through PHY_IAC.
   */
  attachTo(wire: MdioWire): void {
    if (this.attached) throw new Error('sim mt7530: already attached');
    const window: MdioTarget = { read: (reg) => this.windowRead(reg), write: (reg, v) => this.windowWrite(reg, v) };
    wire.attach(this.smiAddr, window);
    const addrs = [this.smiAddr];
    if (this.model === 'MT7530') {
      this.phys.forEach((phy, p) => {
        if (!phy || p === this.smiAddr) return;
        wire.attach(p, phy);
        addrs.push(p);
      });
    }
    this.attached = { wire, addrs };
  }

  detach(): void {
    if (!this.attached) return;
    for (const a of this.attached.addrs) this.attached.wire.detach(a);
    this.attached = undefined;
  }

  /**
   * A read frame at the window's address: register 0x1f is the page; 0-15 the low half of the
   * register (page << 6 | reg << 2), whose high half the chip latches for the read of 0x10 that
   * follows (mt7530_regmap_read reads low, then high), so a 32-bit value is read whole.
   */
  private windowRead(reg: number): number {
    if (reg === PAGE_REG) return this.page;
    if (reg === HIGH_REG) return this.highLatch;
    if (reg < 16) {
      const v = this.readRegister((this.page << 6) | (reg << 2));
      this.highLatch = v >>> 16;
      return v & 0xffff;
    }
    return 0;
  }

  /**
   * A write frame: 0x1f sets the page; 0-15 hold the low half and where it goes; 0x10 takes the
   * high half and writes the whole register (mt7530_regmap_write writes low, then high).
   */
  private windowWrite(reg: number, value: number): void {
    if (reg === PAGE_REG) this.page = value & 0x3ff;
    else if (reg === HIGH_REG) this.writeRegister((this.page << 6) | (this.lowReg << 2), ((value << 16) | this.lowData) >>> 0);
    else if (reg < 16) {
      this.lowData = value & 0xffff;
      this.lowReg = reg;
    }
  }

  /** The 32-bit register at byte address `addr` (a multiple of 4), with its side effects. */
  readRegister(addr: number): number {
    if (addr === (this.model === 'MT7530' ? MT7530_CREV : MT7531_CREV)) return CREV[this.model];
    const port = (addr >> 8) & 0xf;
    if (addr >= 0x3000 && addr < 0x3000 + PORTS * 0x100 && (addr & 0xff) === 0x08) return this.pmsr(port);
    if (addr >= MIB_BASE && addr < MIB_BASE + PORTS * 0x100) return this.mib.read(port, addr & 0xff);
    if (addr === MIB_CCR) return this.mib.ccr;
    if (addr === SYS_INT_STS) return this.intSts;
    if (addr === PHY_IAC && this.model === 'MT7531') return this.iacRead();
    return this.reg(addr);
  }

  /** Writes the 32-bit register at `addr`; read-only registers ignore it. */
  writeRegister(addr: number, value: number): void {
    value >>>= 0;
    if (addr === MT7530_CREV || addr === MT7531_CREV || addr === HWTRAP) return;
    if (addr >= 0x3000 && addr < 0x3000 + PORTS * 0x100 && (addr & 0xff) === 0x08) return;
    if (addr >= MIB_BASE && addr < MIB_BASE + PORTS * 0x100) return;
    if (addr === MIB_CCR) return this.mib.writeCcr(value);
    if (addr === SYS_INT_STS) {
      this.intSts &= ~value; // write 1 to clear, as mt7530_irq_thread_fn acknowledges
      return;
    }
    if (addr === SYS_CTRL) {
      // SYS_CTRL_REG_RST: registers back to their reset values; the bits clear themselves.
      if (value & SYS_CTRL_REG_RST) this.resetRegisters();
      return;
    }
    if (addr === PHY_IAC && this.model === 'MT7531') return this.iacWrite(value);
    this.store.set(addr, value);
  }

  private reg(addr: number): number {
    return this.store.get(addr) ?? resetValue(this.model, addr);
  }

  private resetRegisters(): void {
    this.store.clear();
    this.mib.writeCcr(resetValue(this.model, MIB_CCR));
    this.iacWord = 0;
    this.iacPending = false;
  }

  // ---- PHY_IAC (MT7531) ----------------------------------------------------------------------

  /** A read of PHY_IAC is a poll of ACS_ST: the command completes on the read after `busyPolls` busy ones. */
  private iacRead(): number {
    if (this.stuckPhyBusy) return (this.iacWord | ACS_ST) >>> 0;
    if (this.iacPending) {
      if (this.iacBusyLeft > 0) {
        this.iacBusyLeft--;
        return (this.iacWord | ACS_ST) >>> 0;
      }
      this.iacComplete();
    }
    return this.iacWord;
  }

  /** A command with ACS_ST starts the unit; a write while it runs is lost. */
  private iacWrite(value: number): void {
    if (this.stuckPhyBusy || this.iacPending) {
      this.counters.iacWritesWhileBusy++;
      return;
    }
    this.iacWord = (value & ~ACS_ST) >>> 0;
    if (!(value & ACS_ST)) return;
    this.iacPending = true;
    this.iacBusyLeft = this.busyPolls;
    if (this.iacBusyLeft === 0) this.iacComplete();
  }

  /** mt7530.h MT7531_MDIO_*: [29:25] register or MMD, [24:20] PHY, [19:18] command, [17:16] start, [15:0] data. */
  private iacComplete(): void {
    this.iacPending = false;
    const w = this.iacWord;
    const st = (w >>> 16) & 3;
    const cmd = (w >>> 18) & 3;
    const addr = (w >>> 20) & 0x1f;
    const regOrDev = (w >>> 25) & 0x1f;
    const data = w & 0xffff;
    const phy = addr < PHY_PORTS ? this.phys[addr] : undefined;
    let result = data;
    if (st === IAC_ST_CL22) {
      if (cmd === IAC_CMD_READ) result = phy ? phy.read(regOrDev) & 0xffff : 0xffff;
      else if (cmd === IAC_CMD_WRITE) phy?.write(regOrDev, data);
    } else if (st === 0) {
      const key = addr * 32 + regOrDev;
      if (cmd === IAC_CMD_ADDR) this.c45Addr.set(key, data);
      else if (cmd === IAC_CMD_READ_CL45) result = phy?.read45 ? phy.read45(regOrDev, this.c45Addr.get(key) ?? 0) & 0xffff : 0xffff;
      else if (cmd === IAC_CMD_WRITE) phy?.write45?.(regOrDev, this.c45Addr.get(key) ?? 0, data);
    }
    this.iacWord = ((w & 0xffff0000) | result) >>> 0;
  }

  // ---- MAC status ----------------------------------------------------------------------------

  /**
   * PMSR of `port`: what PMCR forces (MT7530: all of it with PMCR_FORCE_MODE; MT7531: link,
   * speed, duplex and each pause direction with its own MT7531_FORCE_* bit), else what the
   * port's PHY resolved (the MAC follows its internal PHY: an emulator choice, see resetValue);
   * `setCarrier` overrides an unforced link. Speed, duplex and pause show only with link up.
   */
  pmsr(port: number): number {
    const pmcr = this.reg(PMCR(port));
    const phy = port < PHY_PORTS ? this.phys[port] : undefined;
    const all = this.model === 'MT7530' && (pmcr & PMCR_FORCE_MODE) !== 0;
    const forced = (mt7531Bit: number): boolean => all || (this.model === 'MT7531' && (pmcr & mt7531Bit) !== 0);
    let link: boolean;
    if (forced(MT7531_FORCE_LNK)) link = (pmcr & PMCR_FORCE_LNK) !== 0;
    else link = this.carrier[port] ?? phy?.mediaLinkUp ?? false;
    if (!link) return 0;
    let v = PMSR_LINK;
    if (forced(MT7531_FORCE_SPD)) v |= pmcr & PMCR_SPEED_BITS;
    else if (phy) v |= phy.speed === 1000 ? PMSR_SPEED_1000 : phy.speed === 100 ? PMSR_SPEED_100 : 0;
    if (forced(MT7531_FORCE_DPX) ? pmcr & PMCR_FORCE_FDX : phy?.duplex === 'full') v |= PMSR_DPX;
    if (forced(MT7531_FORCE_RX_FC) && pmcr & PMCR_RX_FC_EN) v |= PMSR_RX_FC;
    if (forced(MT7531_FORCE_TX_FC) && pmcr & PMCR_TX_FC_EN) v |= PMSR_TX_FC;
    return v;
  }

  macLinkUp(port: number): boolean {
    return (this.pmsr(port) & PMSR_LINK) !== 0;
  }

  setCarrier(port: number, up: boolean | null): void {
    if (!Number.isInteger(port) || port < 0 || port >= PORTS) throw new RangeError(`sim mt7530: port ${port} out of range 0..${PORTS - 1}`);
    this.carrier[port] = up;
  }

  // ---- Frames --------------------------------------------------------------------------------

  private drop(reason: string): void {
    const d = this.counters.dropped;
    d[reason] = (d[reason] ?? 0) + 1;
  }

  private filtered(port: number, reason: string): void {
    this.mib.filtered(port);
    this.drop(reason);
  }

  private txDropped(port: number, reason: string): void {
    this.mib.txDrop(port);
    this.drop(reason);
  }

  /** STP state of `port` for FID 1 (see the file comment). */
  private stpState(port: number): number {
    return (this.reg(SSP(port)) >> (FID_BRIDGED * 2)) & 3;
  }

  private maxFrame(): number {
    const v = this.reg(GMACCR);
    const len = v & 3;
    return len < 3 ? MAX_RX_PKT_LEN[len] : ((v >> 2) & 0xf) * 1024;
  }

  /**
   * The trap rule for a link-local frame (mt753x_trap_frames' registers): 802.1X PAE by
   * EtherType (BPC [25:16]), then by destination 01:80:c2:00:00:00 (BPC [9:0]), :01 and :02
   * (RGAC1), :03 and :0e (RGAC2). Null for any other frame: it follows the flood maps.
   */
  private trapRule(frame: Uint8Array): { fw: number; fr: boolean } | null {
    const half = (reg: number, high: boolean): { fw: number; fr: boolean } => {
      const v = this.reg(reg) >>> (high ? 16 : 0);
      return { fw: v & 7, fr: (v & BPDU_FR) !== 0 };
    };
    if (((frame[12] << 8) | frame[13]) === ETH_P_PAE) return half(BPC, true);
    if (frame[0] !== 0x01 || frame[1] !== 0x80 || frame[2] !== 0xc2 || frame[3] !== 0 || frame[4] !== 0) return null;
    switch (frame[5]) {
      case 0x00:
        return half(BPC, false);
      case 0x01:
        return half(RGAC1, false);
      case 0x02:
        return half(RGAC1, true);
      case 0x03:
        return half(RGAC2, false);
      case 0x0e:
        return half(RGAC2, true);
      default:
        return null;
    }
  }

  /** The port trapped frames go to: MT7530 MFC CPU_PORT when CPU_EN; MT7531 the lowest bit of CFC CPU_PMAP. */
  private trapPort(): number {
    if (this.model === 'MT7530') {
      const mfc = this.reg(MFC);
      return mfc & CPU_EN ? (mfc >> 4) & 0xf : -1;
    }
    const pmap = this.reg(CFC) & 0xff;
    for (let p = 0; p < PORTS; p++) if (pmap & (1 << p)) return p;
    return -1;
  }

  /** The MFC flood map that applies to `frame`'s destination. */
  private floodMap(frame: Uint8Array): number {
    const mfc = this.reg(MFC);
    const bcast = frame[0] === 0xff && frame[1] === 0xff && frame[2] === 0xff && frame[3] === 0xff && frame[4] === 0xff && frame[5] === 0xff;
    if (bcast) return mfc >>> 24;
    return frame[0] & 1 ? (mfc >>> 16) & 0xff : (mfc >>> 8) & 0xff;
  }

  /**
   * A frame from the cable into front port `port`. It is received when the MAC has link and
   * PMCR_RX_EN, and is not longer than GMACCR allows. A link-local frame with a trap rule goes
   * to the trap port (CPU_ONLY, CPU_INCLUDE), is dropped (DROP, CPU_EXCLUDE: no other
   * destination is modelled), the STP state bypassed with BPDU_FR and the port matrix always
   * (a trap names its destination). Anything else needs the forwarding state, and reaches the
   * CPU port when both the port matrix and the flood map for its destination include it.
   */
  ingress(port: number, frame: Uint8Array): void {
    if (!Number.isInteger(port) || port < 0 || port >= PORTS || port === this.cpuPort) return this.drop('ingress-bad-port');
    this.counters.rx[port]++;
    if (!this.macLinkUp(port)) return this.drop('link-down');
    if (!(this.reg(PMCR(port)) & PMCR_RX_EN)) return this.drop('rx-disabled');
    if (frame.length < 14) {
      this.mib.undersize(port);
      return this.drop('runt');
    }
    if (frame.length + 4 > this.maxFrame()) {
      this.mib.oversize(port);
      return this.drop('oversize');
    }
    this.mib.received(port, frame);
    const state = this.stpState(port);
    const rule = this.trapRule(frame);
    if (rule && rule.fw !== FW_FOLLOW_MFC && rule.fw >= FW_CPU_EXCLUDE) {
      if (rule.fw === FW_DROP) return this.filtered(port, 'link-local-drop');
      if (!rule.fr && state !== STP_FORWARDING) return this.filtered(port, 'stp-blocked');
      if (rule.fw === FW_CPU_EXCLUDE) return this.filtered(port, 'link-local-cpu-exclude');
      // CPU_ONLY and CPU_INCLUDE: the CPU port is the one destination modelled either way.
      if (this.trapPort() !== this.cpuPort) return this.filtered(port, 'trap-dest-not-cpu');
      this.toCpu(port, frame);
      return;
    }
    if (state !== STP_FORWARDING) return this.filtered(port, 'stp-blocked');
    const matrix = (this.reg(PCR(port)) >>> 16) & 0xff;
    if (!(matrix & this.floodMap(frame) & (1 << this.cpuPort))) return this.filtered(port, 'no-destination');
    this.toCpu(port, frame);
  }

  /** Sends `frame` out of the CPU port, with a receive tag when the CPU port's PVC has PORT_SPEC_TAG. */
  private toCpu(srcPort: number, frame: Uint8Array): void {
    const cpu = this.cpuPort;
    if (!this.macLinkUp(cpu)) return this.txDropped(cpu, 'cpu-link-down');
    if (!(this.reg(PMCR(cpu)) & PMCR_TX_EN)) return this.txDropped(cpu, 'cpu-tx-disabled');
    let out: Uint8Array;
    if (this.reg(PVC(cpu)) & PORT_SPEC_TAG) {
      // Inserted after the source MAC; Linux reads only the source port, [2:0] of bytes 0-1.
      // What else the silicon puts in the tag is not public: the rest stays 0.
      out = new Uint8Array(frame.length + TAG_LEN);
      out.set(frame.subarray(0, TAG_OFFSET), 0);
      out[TAG_OFFSET + 1] = srcPort & 7;
      out.set(frame.subarray(TAG_OFFSET), TAG_OFFSET + TAG_LEN);
    } else {
      out = frame.slice();
    }
    this.counters.toCpu++;
    this.mib.transmitted(cpu, out);
    this.onCpuEgress?.(out);
  }

  /**
   * A frame from the CPU's MAC into the CPU port. With PORT_SPEC_TAG it carries a transmit tag:
   * byte 0 says whether a VLAN header was folded into it (1: TPID 0x8100, 2: 0x88a8, whose TCI
   * follows as bytes 2-3; 0: none, the tag is removed), byte 1 [5:0] the destination ports. Each
   * destination the CPU port's matrix allows gets a copy. Without the tag the frame would need
   * the address table, which is not modelled: it is dropped. Never throws.
   */
  cpuIngress(frame: Uint8Array): void {
    const cpu = this.cpuPort;
    this.counters.fromCpu++;
    if (!this.macLinkUp(cpu)) return this.drop('cpu-link-down');
    if (!(this.reg(PMCR(cpu)) & PMCR_RX_EN)) return this.drop('cpu-rx-disabled');
    if (frame.length < 14) {
      this.mib.undersize(cpu);
      return this.drop('cpu-short');
    }
    if (frame.length + 4 > this.maxFrame()) {
      this.mib.oversize(cpu);
      return this.drop('cpu-oversize');
    }
    this.mib.received(cpu, frame);
    if (!(this.reg(PVC(cpu)) & PORT_SPEC_TAG)) return this.filtered(cpu, 'cpu-untagged');
    if (frame.length < TAG_OFFSET + TAG_LEN + 2) return this.filtered(cpu, 'cpu-short');
    const kind = frame[TAG_OFFSET];
    if (kind >= XMIT_TPID.length) return this.filtered(cpu, 'cpu-bad-tag');
    const tpid = XMIT_TPID[kind];
    let out: Uint8Array;
    if (tpid === undefined) {
      out = new Uint8Array(frame.length - TAG_LEN);
      out.set(frame.subarray(0, TAG_OFFSET), 0);
      out.set(frame.subarray(TAG_OFFSET + TAG_LEN), TAG_OFFSET);
    } else {
      out = frame.slice();
      out[TAG_OFFSET] = tpid >> 8;
      out[TAG_OFFSET + 1] = tpid & 0xff;
    }
    const matrix = (this.reg(PCR(cpu)) >>> 16) & 0xff;
    let dest = frame[TAG_OFFSET + 1] & XMIT_DP_MASK & matrix & ~(1 << cpu);
    if (dest === 0) return this.filtered(cpu, 'cpu-no-destination');
    let first = true;
    for (let p = 0; dest !== 0; p++, dest >>= 1) {
      if (!(dest & 1)) continue;
      this.egress(p, first ? out : out.slice());
      first = false;
    }
  }

  private egress(port: number, frame: Uint8Array): void {
    if (!this.macLinkUp(port)) return this.txDropped(port, 'egress-link-down');
    if (!(this.reg(PMCR(port)) & PMCR_TX_EN)) return this.txDropped(port, 'egress-tx-disabled');
    if (this.stpState(port) === STP_DISABLED) return this.txDropped(port, 'egress-port-disabled');
    this.counters.tx[port]++;
    this.mib.transmitted(port, frame);
    this.onEgress?.(port, frame);
  }
}
