/**
 * Driver for MediaTek MT7530 (standalone, or inside the MT7621 SoC) and MT7531 switch chips:
 * identification, MAC-side port status (PMSR), port matrix and STP state, the CPU port with the
 * MediaTek special tag, link-local frames trapped to the CPU, PHY access (direct MDIO on the
 * MT7530, PHY_IAC on the MT7531) and the MIB counters. Register facts from Linux's
 * drivers/net/dsa/mt7530.[ch] and mt7530-mdio.c; the constants name the macros they mirror.
 *
 * No hardware LAG: mainline Linux programs none on these chips, so `lag` is absent and a bond's
 * frames cross the CPU port.
 *
 * One deliberate difference from Linux: phylink forces each user port's MAC from the PHY state
 * it polls (mt753x_phylink_mac_config sets PMCR_FORCE_MODE, mac_link_up PMCR_FORCE_LNK). This
 * driver leaves user ports' MACs unforced, following their internal PHY as an unmanaged switch
 * does, so that PMSR is a MAC-side carrier of its own (bonding's use_carrier=1 reads it). Only the
 * CPU port is forced, as mt7531_cpu_port_config does (PMCR_CPU_PORT_SETTING).
 */
import { MdioBusBase, type MdioBus, type MdioOp, type RunOptions } from '../../mdio/bus.ts';
import { DeviceError, UsageError } from '../../../lib/errors.ts';
import type { Conduit } from '../../frames.ts';
import type { PortStat } from '../port-stat.ts';
import type { LinkPoll, PortPollRequest, PortPollResult, PortState, PortStatus, PortStatusProgram, SwitchChip, SwitchRegisters } from '../chip.ts';
import { RegisterLock } from '../register-lock.ts';
import { MT7530_MAC_LINK_MODES } from './caps.ts';
import { MtkFramePort } from './frame-port.ts';
import { Mt7531Iac, checkIacOps, planIacRun, queueIacRun, settleIacRun, storeIacRun, type IacRun, type QueuedIacRun } from './iac.ts';
import {
  BC_FFP,
  BC_FFP_MASK,
  BPDU_FR,
  CHIP_NAME_SHIFT,
  CHIP_REV_M,
  CPU_EN,
  CPU_MASK,
  CPU_PORT,
  EG_TAG,
  EG_TAG_MASK,
  FID_BRIDGED,
  FID_PST,
  FID_PST_MASK,
  G0_PORT_VID_MASK,
  HIGH_HALF,
  MT7530_CREV,
  MT7530_ID,
  MT7530_MFC,
  MT7530_NUM_PHYS,
  MT7530_NUM_PORTS,
  MT7530_PCR_P,
  MT7530_PMCR_P,
  MT7530_PMSR_P,
  MT7530_PORT_FALLBACK_MODE,
  MT7530_PPBV1_P,
  MT7530_PSC_P,
  MT7530_PVC_P,
  MT7530_SSP_P,
  MT7530_SYS_INT_PHY,
  MT7530_SYS_INT_STS,
  MT7530_VLAN_EG_CONSISTENT,
  MT7530_VLAN_EG_UNTAGGED,
  MT7531_CFC,
  MT7531_CPU_PMAP_MASK,
  MT7531_CREV,
  MT7531_DBG_CNT,
  MT7531_DIS_CLR,
  MT7531_FORCE_MODE,
  MT7531_ID,
  MT753X_BPC,
  MT753X_BPDU_CPU_ONLY,
  MT753X_RGAC1,
  MT753X_RGAC2,
  PCR_MATRIX,
  PCR_MATRIX_MASK,
  PCR_PORT_VLAN_MASK,
  PMCR_BACKOFF_EN,
  PMCR_BACKPR_EN,
  PMCR_FORCE_FDX,
  PMCR_FORCE_LNK,
  PMCR_FORCE_MODE,
  PMCR_FORCE_SPEED_1000,
  PMCR_IFG_XMIT,
  PMCR_MAC_MODE,
  PMCR_RX_EN,
  PMCR_RX_FC_EN,
  PMCR_TX_EN,
  PMCR_TX_FC_EN,
  PMSR_DPX,
  PMSR_LINK,
  PMSR_SPEED_100,
  PMSR_SPEED_1000,
  PMSR_SPEED_MASK,
  PORT_FW_MASK,
  PORT_SPEC_TAG,
  PVC_EG_TAG,
  PVC_EG_TAG_MASK,
  SA_DIS,
  UNM_FFP,
  UNM_FFP_MASK,
  UNU_FFP,
  UNU_FFP_MASK,
  hex,
} from './regs.ts';
import { readMib, resetMib } from './stats.ts';
import { Mt7530Mdio, checkRegister } from './window.ts';

export type Mt7530Model = 'MT7530' | 'MT7531';

/** What differs between the models (mt7530.c mt753x_table). */
export interface Mt7530Info {
  model: Mt7530Model;
  /** The identification register and the chip name expected in its [31:16]. */
  idReg: number;
  chipId: number;
  /** MT7530: PHYs on the MDIO bus itself (mt7530_phy_read_c22); MT7531: through PHY_IAC. */
  indirectPhy: boolean;
  /** PMCR_FORCE_MODE_ID: bit 15 on the MT7530, bits 31-27 on the MT7531. */
  forceMode: number;
}

export const MT7530_MODELS: Readonly<Record<Mt7530Model, Mt7530Info>> = {
  MT7530: { model: 'MT7530', idReg: MT7530_CREV, chipId: MT7530_ID, indirectPhy: false, forceMode: PMCR_FORCE_MODE },
  MT7531: { model: 'MT7531', idReg: MT7531_CREV, chipId: MT7531_ID, indirectPhy: true, forceMode: MT7531_FORCE_MODE },
};

/** enum mt7530_stp_state in FID_PST order: 0 disabled, 1 blocking/listening, 2 learning, 3 forwarding. */
const STP_STATES: readonly PortState[] = ['disabled', 'blocking', 'learning', 'forwarding'];

/** mt7530.h PMCR_CPU_PORT_SETTING(id): the CPU port's MAC forced to 1000/full with flow control. */
function cpuPortPmcr(info: Mt7530Info): number {
  return (
    (info.forceMode |
      PMCR_IFG_XMIT(1) |
      PMCR_MAC_MODE |
      PMCR_BACKOFF_EN |
      PMCR_BACKPR_EN |
      PMCR_TX_EN |
      PMCR_RX_EN |
      PMCR_TX_FC_EN |
      PMCR_RX_FC_EN |
      PMCR_FORCE_SPEED_1000 |
      PMCR_FORCE_FDX |
      PMCR_FORCE_LNK) >>>
    0
  );
}

/** mt7530_pcs_get_state: link [0], duplex [1], speed [3:2] (the fourth code is no speed Linux knows). */
export function decodePmsr(v: number): PortStatus {
  const sp = v & PMSR_SPEED_MASK;
  return {
    link: (v & PMSR_LINK) !== 0,
    speed: sp === PMSR_SPEED_1000 ? 1000 : sp === PMSR_SPEED_100 ? 100 : sp === 0 ? 10 : 0,
    duplex: v & PMSR_DPX ? 'full' : 'half',
  };
}

/** A register's new value from a read-modify-write (mt7530_rmw). */
const rmw = (old: number, mask: number, set: number): number => ((old & ~mask) | set) >>> 0;

/** mt753x_trap_frames: a half of BPC/RGAC1/RGAC2 set to CPU only, untagged, regardless of STP state. */
const TRAP_HALF = BPDU_FR | EG_TAG(MT7530_VLAN_EG_UNTAGGED) | MT753X_BPDU_CPU_ONLY;
const TRAP_HALF_MASK = BPDU_FR | EG_TAG_MASK | PORT_FW_MASK;
const TRAP_MASK = ((TRAP_HALF_MASK << HIGH_HALF) | TRAP_HALF_MASK) >>> 0;
const TRAP_SET = ((TRAP_HALF << HIGH_HALF) | TRAP_HALF) >>> 0;
/** BPC: Linux sets BPDU_FR for 802.1X PAE ([25]) only; mt7530.h has no such bit for BPDUs. */
const BPC_MASK = (TRAP_MASK & ~BPDU_FR) >>> 0;
const BPC_SET = (TRAP_SET & ~BPDU_FR) >>> 0;

/** One MT7530 or MT7531. Obtain one with `Mt7530.probe`. */
export class Mt7530 implements SwitchChip {
  readonly family = 'mt7530';
  readonly portCount = MT7530_NUM_PORTS;
  private readonly locks = { phy: new RegisterLock(), config: new RegisterLock(), stats: new RegisterLock() };
  private readonly iac: Mt7531Iac;
  private cpu: number | undefined;

  private constructor(
    /** Register access through the page window. */
    readonly regs: Mt7530Mdio,
    readonly info: Mt7530Info,
    /** The identification register as read. */
    readonly crev: number,
  ) {
    this.iac = new Mt7531Iac(regs, () => this.locks.phy.holderUrgent);
  }

  get model(): Mt7530Model {
    return this.info.model;
  }

  get modelName(): string {
    return this.info.model;
  }

  /** CREV [3:0] (mt7530.h CHIP_REV_M). */
  get revision(): number {
    return this.crev & CHIP_REV_M;
  }

  get cpuPort(): number | undefined {
    return this.cpu;
  }

  /**
   * Identifies the switch whose register window answers at `addr` by the chip name in
   * MT7530_CREV (0x7ffc) or MT7531_CREV (0x781c) [31:16], as mt7530_setup / mt7531_setup check
   * it. With `model` only that register is read; without, both, in one round trip. A name that
   * is neither, or all ones (nothing answers), is a DeviceError naming what was read.
   */
  static async probe(bus: MdioBus, addr: number, model?: Mt7530Model): Promise<Mt7530> {
    const regs = new Mt7530Mdio(bus, addr);
    // MT7531 first: its register is the one Linux reads for it, whatever 0x7ffc holds there.
    const candidates = model ? [MT7530_MODELS[model]] : [MT7530_MODELS.MT7531, MT7530_MODELS.MT7530];
    const b = regs.batch();
    const idx = candidates.map((c) => b.read(c.idReg));
    const v = await regs.run(b);
    for (let i = 0; i < candidates.length; i++) {
      if (v[idx[i]] >>> CHIP_NAME_SHIFT === candidates[i].chipId) return new Mt7530(regs, candidates[i], v[idx[i]]);
    }
    const read = candidates.map((c, i) => `${hex(v[idx[i]], 8)} at ${hex(c.idReg)}`).join(', ');
    const supported = candidates.map((c) => `${c.model} (${hex(c.chipId)} in ${hex(c.idReg)}[31:16])`).join(', ');
    const what = candidates.every((_, i) => v[idx[i]] === 0xffffffff) ? 'no switch answers' : 'unsupported switch';
    throw new DeviceError(`${regs.label}: ${what}: read ${read}; supported: ${supported}`);
  }

  private checkPort(port: number): void {
    if (!Number.isInteger(port) || port < 0 || port >= MT7530_NUM_PORTS) {
      throw new UsageError(`${this.info.model}: port ${port} out of range 0..${MT7530_NUM_PORTS - 1}`);
    }
  }

  private exclusive<T>(group: keyof Mt7530['locks'], fn: () => Promise<T>, urgent = false): Promise<T> {
    return this.locks[group].run(fn, urgent);
  }

  /**
   * Read-modify-writes of several registers, as Linux's mt7530_rmw/mt7530_set/mt7530_write do
   * them one by one: every register read in one round trip, every new value written in a
   * second. `changes` run in order; a register changed twice gets both changes. Call holding
   * the config lock.
   */
  private async modify(changes: readonly (readonly [reg: number, mask: number, set: number])[]): Promise<void> {
    const regsRead = [...new Set(changes.filter(([, mask]) => mask !== 0xffffffff).map(([reg]) => reg))];
    const b = this.regs.batch();
    const idx = regsRead.map((r) => b.read(r));
    const v = regsRead.length > 0 ? await this.regs.run(b) : [];
    const value = new Map(regsRead.map((r, i) => [r, v[idx[i]]]));
    const w = this.regs.batch();
    for (const [reg, mask, set] of changes) {
      const next = rmw(value.get(reg) ?? 0, mask, set);
      value.set(reg, next);
      w.write(reg, next);
    }
    await this.regs.run(w);
  }

  /**
   * The CPU port and the other ports as Linux's mt7530_setup / mt7531_setup_common and
   * mt753x_cpu_port_enable leave them: link-local frames trapped to the CPU (mt753x_trap_frames),
   * flooding to the CPU port only, the CPU port named for trapped frames (MT7530: MFC CPU_EN and
   * CPU_PORT; MT7531: CFC CPU_PMAP), learning off everywhere, the special tag on the CPU port,
   * the CPU port's matrix all other ports, every other port's matrix empty until setPortState
   * enables it (mt7530_port_disable), PVID 0 and consistent egress tagging. The CPU port's MAC is
   * forced to 1000/full (PMCR_CPU_PORT_SETTING). Two round trips.
   */
  async setupCpuPort(port: number): Promise<void> {
    this.checkPort(port);
    if (port > 6 || port < 5) {
      // mt753x_cpu_port_enable's callers: ports 5 and 6 are the MAC ports a CPU attaches to.
      throw new UsageError(`${this.info.model}: port ${port} cannot be a CPU port (5 or 6)`);
    }
    const others = ((1 << MT7530_NUM_PORTS) - 1) & ~(1 << port);
    const c: [number, number, number][] = [
      [MT753X_BPC, BPC_MASK, BPC_SET],
      [MT753X_RGAC1, TRAP_MASK, TRAP_SET],
      [MT753X_RGAC2, TRAP_MASK, TRAP_SET],
    ];
    const floods = BC_FFP(1 << port) | UNM_FFP(1 << port) | UNU_FFP(1 << port);
    if (this.info.model === 'MT7531') {
      c.push([MT7530_MFC, (BC_FFP_MASK | UNM_FFP_MASK | UNU_FFP_MASK) >>> 0, floods >>> 0]);
      c.push([MT7531_CFC, MT7531_CPU_PMAP_MASK, 1 << port]);
    } else {
      c.push([MT7530_MFC, (BC_FFP_MASK | UNM_FFP_MASK | UNU_FFP_MASK | CPU_MASK | CPU_EN) >>> 0, (floods | CPU_EN | CPU_PORT(port)) >>> 0]);
    }
    for (let p = 0; p < MT7530_NUM_PORTS; p++) {
      c.push([MT7530_PSC_P(p), SA_DIS, SA_DIS]);
      if (this.info.model === 'MT7531') c.push([MT7531_DBG_CNT(p), MT7531_DIS_CLR >>> 0, MT7531_DIS_CLR >>> 0]);
      if (p === port) {
        c.push([MT7530_PMCR_P(p), 0xffffffff, cpuPortPmcr(this.info)]);
        c.push([MT7530_PVC_P(p), 0xffffffff, PORT_SPEC_TAG]);
        c.push([MT7530_PCR_P(p), 0xffffffff, PCR_MATRIX(others)]);
        c.push([MT7530_PCR_P(p), PCR_PORT_VLAN_MASK, MT7530_PORT_FALLBACK_MODE]);
      } else {
        c.push([MT7530_PCR_P(p), PCR_MATRIX_MASK, 0]);
        c.push([MT7530_PPBV1_P(p), G0_PORT_VID_MASK, 0]);
      }
      c.push([MT7530_PVC_P(p), PVC_EG_TAG_MASK, PVC_EG_TAG(MT7530_VLAN_EG_CONSISTENT)]);
    }
    await this.exclusive('config', () => this.modify(c));
    this.cpu = port;
  }

  framePort(conduit: Conduit): MtkFramePort {
    if (this.cpu === undefined) throw new UsageError(`${this.info.model}: set up the CPU port before opening its frame port`);
    return new MtkFramePort(conduit, { portCount: MT7530_NUM_PORTS, cpuPort: this.cpu });
  }

  /** PMSR of one port (the MII monitor's read, use_carrier=1). */
  async portStatus(port: number): Promise<PortStatus> {
    this.checkPort(port);
    return decodePmsr(await this.regs.read(MT7530_PMSR_P(port), true));
  }

  /** PMSR of one port as operations: its low half, where all its fields sit (the page, then one read). */
  portStatusProgram(port: number): PortStatusProgram {
    this.checkPort(port);
    const b = this.regs.batch();
    const i = b.readLow(MT7530_PMSR_P(port));
    return { ops: b.ops, decode: (v) => decodePmsr(b.values(v)[i]) };
  }

  /** PMSR of several ports in one round trip. */
  async portStatusAll(ports: readonly number[]): Promise<PortStatus[]> {
    for (const p of ports) this.checkPort(p);
    const b = this.regs.batch();
    const idx = ports.map((p) => b.read(MT7530_PMSR_P(p)));
    const v = await this.regs.run(b, true);
    return idx.map((i) => decodePmsr(v[i]));
  }

  /**
   * Every port's PMSR and the PHY bits of SYS_INT_STS, one round trip: the low halves only (all
   * of PMSR's fields, and the PHY bits, sit there), two MDIO transactions a register. The chip
   * latches a PHY's bit on its link changes until it is written back (see pollPorts).
   */
  async pollLinks(ports: readonly number[]): Promise<LinkPoll> {
    for (const p of ports) this.checkPort(p);
    const b = this.regs.batch();
    const idx = ports.map((p) => b.readLow(MT7530_PMSR_P(p)));
    const sts = b.readLow(MT7530_SYS_INT_STS);
    const v = await this.regs.run(b, true);
    return { macs: idx.map((i) => decodePmsr(v[i])), phyEvents: v[sts] & MT7530_SYS_INT_PHY };
  }

  /**
   * One link-state poll: every port's PMSR and each port's PHY operations in one round trip.
   * MT7530: the PHYs sit on the same MDIO bus, so their operations (waits and rmw included)
   * join the batch as they are. MT7531: they go through PHY_IAC, queued optimistically (see
   * iac.ts); what the batch cannot vouch for is finished on the slow path for that port only.
   * A failed PHY operation is that port's `phyError`. `ackPhyEvents` is written to SYS_INT_STS
   * first (write 1 to clear, mt7530_irq_thread_fn), so a change during the reads latches again.
   */
  async pollPorts(requests: readonly PortPollRequest[], ackPhyEvents = 0, urgent = true): Promise<PortPollResult[]> {
    for (const q of requests) {
      this.checkPort(q.port);
      this.checkPhyOps(q.phyOps);
    }
    const ack = ackPhyEvents & MT7530_SYS_INT_PHY;
    if (!this.info.indirectPhy) return this.pollDirect(requests, ack, urgent);
    return this.exclusive('phy', () => this.pollIndirect(requests, ack, urgent), urgent);
  }

  private async pollDirect(requests: readonly PortPollRequest[], ack: number, urgent: boolean): Promise<PortPollResult[]> {
    const b = this.regs.batch();
    if (ack) b.write(MT7530_SYS_INT_STS, ack);
    const pmsr = requests.map((q) => b.read(MT7530_PMSR_P(q.port)));
    const phy = requests.map((q) => q.phyOps.map((op) => b.raw(op)));
    const limit = this.regs.bus.maxBatchOps;
    if (limit !== undefined && b.ops.length > limit && requests.length > 1) {
      const half = requests.length >> 1;
      return [...(await this.pollDirect(requests.slice(0, half), ack, urgent)), ...(await this.pollDirect(requests.slice(half), 0, urgent))];
    }
    let v: number[];
    try {
      v = await this.regs.run(b, urgent);
    } catch {
      // A PHY wait that timed out fails the batch: poll the MACs, then each PHY on its own.
      const macs = await this.portStatusAll(requests.map((q) => q.port));
      const out: PortPollResult[] = [];
      for (let i = 0; i < requests.length; i++) {
        try {
          out.push({ mac: macs[i], phyValues: await this.regs.bus.run(requests[i].phyOps, { urgent }), phyError: undefined });
        } catch (err) {
          out.push({ mac: macs[i], phyValues: undefined, phyError: err });
        }
      }
      return out;
    }
    return requests.map((_, i) => ({ mac: decodePmsr(v[pmsr[i]]), phyValues: phy[i].map((k) => v[k]), phyError: undefined }));
  }

  private async pollIndirect(requests: readonly PortPollRequest[], ack: number, urgent: boolean): Promise<PortPollResult[]> {
    const b = this.regs.batch();
    if (ack) b.write(MT7530_SYS_INT_STS, ack);
    const pmsr = requests.map((q) => b.read(MT7530_PMSR_P(q.port)));
    const runs: IacRun[] = requests.map((q) => planIacRun(q.phyOps, 0));
    const queued: QueuedIacRun[] = runs.map((run) => queueIacRun(b, run.commands));
    const limit = this.regs.bus.maxBatchOps;
    if (limit !== undefined && b.ops.length > limit && requests.length > 1) {
      const half = requests.length >> 1;
      return [...(await this.pollIndirect(requests.slice(0, half), ack, urgent)), ...(await this.pollIndirect(requests.slice(half), 0, urgent))];
    }
    const v = await this.regs.run(b, urgent);
    const out: PortPollResult[] = [];
    for (let i = 0; i < requests.length; i++) {
      const ops = requests[i].phyOps;
      let phyValues: number[] | undefined;
      let phyError: unknown;
      try {
        const results = new Array<number>(ops.length);
        storeIacRun(runs[i], await this.iac.finish(runs[i].commands, settleIacRun(queued[i], v)), results);
        phyValues = await this.iac.execOps(ops, results, runs[i].end);
      } catch (e) {
        phyError = e;
      }
      out.push({ mac: decodePmsr(v[pmsr[i]]), phyValues, phyError });
    }
    return out;
  }

  /**
   * mt7530_port_enable / mt7530_port_disable and mt7530_stp_state_set, as DSA calls them for a
   * standalone port: the port matrix is the CPU port unless the port is disabled (then empty),
   * and the STP state of FID_BRIDGED in SSP_P is `state` (Linux writes that FID only).
   */
  async setPortState(port: number, state: PortState): Promise<void> {
    this.checkPort(port);
    const bits = STP_STATES.indexOf(state);
    if (bits < 0) throw new UsageError(`${this.info.model}: unknown port state '${state}' (${STP_STATES.join(', ')})`);
    if (this.cpu === undefined) throw new UsageError(`${this.info.model}: set up the CPU port before enabling port ${port}`);
    if (port === this.cpu) throw new UsageError(`${this.info.model}: port ${port} is the CPU port`);
    const matrix = state === 'disabled' ? 0 : PCR_MATRIX(1 << this.cpu);
    await this.exclusive('config', () =>
      this.modify([
        [MT7530_PCR_P(port), PCR_MATRIX_MASK, matrix],
        [MT7530_SSP_P(port), FID_PST_MASK(FID_BRIDGED), FID_PST(FID_BRIDGED, bits)],
      ]),
    );
  }

  async getPortState(port: number): Promise<PortState> {
    this.checkPort(port);
    const v = await this.regs.read(MT7530_SSP_P(port));
    return STP_STATES[(v >> (FID_BRIDGED * 2)) & 3];
  }

  get phyAccess(): string {
    return this.info.indirectPhy ? 'the internal PHYs (addresses 0-4) through PHY_IAC (0x701c)' : 'the PHYs (addresses 0-4) directly on the MDIO bus';
  }

  /** The PHYs behind ports 0-4 (mt753x_phy_read_c22/_c45 and their writes). */
  phyBus(): MdioBus {
    return new Mt7530PhyBus(this);
  }

  /** PHY addresses reach ports 0-4 only, as Linux's slave MDIO bus masks the rest (phys_mii_mask). */
  private checkPhyOps(ops: readonly MdioOp[]): void {
    checkIacOps(ops);
    for (const op of ops) {
      if (op.phy >= MT7530_NUM_PHYS) throw new UsageError(`${this.info.model}: no PHY at address ${op.phy}: the internal PHYs are at 0..${MT7530_NUM_PHYS - 1}`);
    }
  }

  /** @internal Runs `ops` for Mt7530PhyBus. */
  runPhyOps(ops: readonly MdioOp[], urgent = false): Promise<number[]> {
    this.checkPhyOps(ops);
    if (!this.info.indirectPhy) return this.regs.bus.run(ops, { urgent });
    return this.exclusive('phy', () => this.iac.execOps(ops, new Array<number>(ops.length), 0), urgent);
  }

  macLinkModes(port: number): number {
    this.checkPort(port);
    return MT7530_MAC_LINK_MODES;
  }

  /** mt7530_mib_reset, once at start: counters flushed, then counting. */
  setupStats(): Promise<void> {
    return this.exclusive('stats', () => resetMib(this.regs));
  }

  readPortStats(port: number): Promise<PortStat[]> {
    this.checkPort(port);
    return this.exclusive('stats', () => readMib(this.regs, port));
  }

  /** `switch read <register>`: one 32-bit register address, as Linux's regmap names them. */
  get registers(): SwitchRegisters {
    return {
      address: [['register', 0xfffc]],
      valueMax: 0xffffffff,
      example: `switch read 0x3008 (PMSR of port 0; port registers at base + port * 0x100; chip ID at ${hex(this.info.idReg)})`,
      read: ([reg]) => {
        checkRegister(reg);
        return this.regs.read(reg);
      },
      write: async ([reg], value) => {
        checkRegister(reg);
        await this.exclusive('config', () => this.regs.write(reg, value));
      },
    };
  }
}

/** The PHYs behind an MT7530/MT7531: on the bus itself, or through PHY_IAC. */
class Mt7530PhyBus extends MdioBusBase {
  constructor(private readonly chip: Mt7530) {
    super();
  }

  run(ops: readonly MdioOp[], opts?: RunOptions): Promise<number[]> {
    return this.chip.runPhyOps(ops, opts?.urgent);
  }
}
