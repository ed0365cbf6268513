import type { Clock, TimerHandle } from '../lib/clock.ts';
import {
  LACPDU_FRAME_LENGTH, LacpInfo, Lacpdu, STATE_ACTIVITY, STATE_AGGREGATION, STATE_COLLECTING, STATE_DEFAULTED, STATE_DISTRIBUTING,
  STATE_EXPIRED, STATE_SYNCHRONIZATION, STATE_TIMEOUT, decodeLacpdu, encodeLacpdu,
} from '../firmware/lacp/pdu.ts';
import type { SimBridge } from './partner-bridge.ts';

/** 802.1AX-2020 Table 6-x timers. */
const FAST_PERIODIC_MS = 1_000;
const SLOW_PERIODIC_MS = 30_000;
const SHORT_TIMEOUT_MS = 3_000;
const LONG_TIMEOUT_MS = 90_000;
/** 802.1AX-2020 6.4.16: at most 3 LACPDUs in any Fast_Periodic_Time. */
const MAX_TX_PER_FAST_PERIOD = 3;

/** Bridge aggregation numbers of static LAGs start here (LACP ones count from 0). */
const STATIC_LAG_BASE = 64;

export type PartnerLacpMode = 'off' | 'active' | 'passive';

export interface PartnerLacpConfig {
  mode: PartnerLacpMode;
  /** Ask for short timeouts (our Timeout bit): the board then sends every second. */
  fast: boolean;
  key: number;
  system: Uint8Array;
  systemPriority: number;
  /**
   * The control plane has hung: no LACPDU goes out or is taken in, and nothing changes
   * (no timeout either); the data plane keeps the aggregation it had.
   */
  silent: boolean;
}

interface PortState {
  bridgePort: number;
  /** This side's port number (1-based) and MAC. */
  number: number;
  mac: Uint8Array;
  cfg: PartnerLacpConfig;
  /** What the board says of itself (its actor TLV); undefined when defaulted. */
  partner: LacpInfo | undefined;
  expired: boolean;
  currentWhile: TimerHandle | undefined;
  periodic: TimerHandle | undefined;
  /** The period the running periodic timer was set for. */
  periodMs: number;
  attached: boolean;
  txTimes: number[];
  pendingTx: TimerHandle | undefined;
  /** Member of static aggregation n (no LACP: aggregated whenever the link is up), or -1. */
  staticLag: number;
  /** LACPDUs this side sent and received, and received ones it refused. */
  tx: number;
  rx: number;
  rxBad: number;
}

/**
 * LACP on the link partner's ports, as a simple switch implementation behaves (Open vSwitch
 * is the model: in sync, collecting and distributing as soon as a port is selected, with no
 * separate mux wait). Receive with current_while (expired, then defaulted), periodic
 * transmission at the rate the board asks for, a PDU whenever what the board believes of us
 * is wrong, and selection of the ports whose board side shares one system and key into one
 * aggregation, which the bridge then treats as one port.
 */
export class PartnerLacp {
  private readonly ports = new Map<number, PortState>();
  private readonly rxPdu = new Lacpdu();
  private readonly txPdu = new Lacpdu();
  private readonly txFrame = new Uint8Array(LACPDU_FRAME_LENGTH);

  constructor(
    private readonly clock: Clock,
    private readonly bridge: SimBridge,
    readonly defaultSystem: Uint8Array,
  ) {
    bridge.slowProtocols = (port, frame) => this.receive(port, frame);
  }

  /** Makes `bridgePort` (facing the board) LACP-capable with number `number`; LACP starts off. */
  addPort(bridgePort: number, number: number, mac: Uint8Array): void {
    this.ports.set(bridgePort, {
      bridgePort, number, mac,
      cfg: { mode: 'off', fast: false, key: 1, system: this.defaultSystem, systemPriority: 32768, silent: false },
      partner: undefined, expired: false, currentWhile: undefined, periodic: undefined, periodMs: 0, attached: false,
      txTimes: [], pendingTx: undefined, tx: 0, rx: 0, rxBad: 0, staticLag: -1,
    });
  }

  config(bridgePort: number): PartnerLacpConfig {
    return this.port(bridgePort).cfg;
  }

  counters(bridgePort: number): { tx: number; rx: number; rxBad: number; attached: boolean } {
    const p = this.port(bridgePort);
    return { tx: p.tx, rx: p.rx, rxBad: p.rxBad, attached: p.attached };
  }

  /** The actor state byte this side sends on `bridgePort`. */
  actorState(bridgePort: number): number {
    return this.stateOf(this.port(bridgePort));
  }

  /**
   * A static link aggregation (a port channel with no LACP, as `channel-group mode on` on a
   * Cisco switch): `bridgePorts` form one aggregation, collecting and distributing on every
   * member whose link is up. Their LACP goes off; empty `bridgePorts` changes nothing.
   */
  setStatic(bridgePorts: readonly number[]): void {
    // Members named again keep their aggregation's number when they are all of it.
    for (const bp of bridgePorts) this.port(bp).staticLag = -1;
    const used = new Set([...this.ports.values()].map((p) => p.staticLag));
    let n = 0;
    while (used.has(n)) n++;
    for (const bp of bridgePorts) {
      const p = this.port(bp);
      if (p.cfg.mode !== 'off') this.configure(bp, { mode: 'off' });
      p.staticLag = n;
    }
    this.reselect();
  }

  /** Takes ports out of their static aggregation. */
  clearStatic(bridgePorts: readonly number[]): void {
    for (const bp of bridgePorts) this.port(bp).staticLag = -1;
    this.reselect();
  }

  /** The static aggregation `bridgePort` is in, or -1. */
  staticLagOf(bridgePort: number): number {
    return this.port(bridgePort).staticLag;
  }

  configure(bridgePort: number, cfg: Partial<PartnerLacpConfig>): void {
    const p = this.port(bridgePort);
    if (cfg.silent) {
      // Freeze: every timer stops, state stays as it is.
      p.cfg = { ...p.cfg, silent: true };
      this.clear(p);
      return;
    }
    // LACP on a port takes it out of a static aggregation.
    if (cfg.mode !== undefined && cfg.mode !== 'off') p.staticLag = -1;
    p.cfg = { ...p.cfg, ...cfg };
    if (p.cfg.mode === 'off') {
      this.clear(p);
      p.partner = undefined;
      p.expired = false;
    }
    this.reselect();
    this.schedulePeriodic(p);
    if (p.cfg.mode !== 'off') this.ntt(p);
  }

  /** The cable went down: 802.1AX port_enabled false, the partner information goes. */
  linkDown(bridgePort: number): void {
    const p = this.ports.get(bridgePort);
    if (!p) return;
    this.clear(p);
    p.partner = undefined;
    p.expired = false;
    this.reselect();
  }

  linkUp(bridgePort: number): void {
    const p = this.ports.get(bridgePort);
    if (!p || p.cfg.mode === 'off' || p.cfg.silent) return;
    this.schedulePeriodic(p);
    this.ntt(p);
  }

  private port(bridgePort: number): PortState {
    const p = this.ports.get(bridgePort);
    if (!p) throw new Error(`no LACP on partner port ${bridgePort}`);
    return p;
  }

  private clear(p: PortState): void {
    for (const h of [p.currentWhile, p.periodic, p.pendingTx]) if (h !== undefined) this.clock.cancel(h);
    p.currentWhile = p.periodic = p.pendingTx = undefined;
  }

  private receive(bridgePort: number, frame: Uint8Array): void {
    const p = this.ports.get(bridgePort);
    if (!p || p.cfg.mode === 'off') {
      this.bridgeDropped++;
      return;
    }
    if (p.cfg.silent) return;
    if (decodeLacpdu(frame, frame.length, this.rxPdu) !== undefined) {
      p.rxBad++;
      return;
    }
    p.rx++;
    const pdu = this.rxPdu;
    const before = p.partner;
    const changed = !before || !before.sameIdentity(pdu.actor) || before.state !== pdu.actor.state;
    if (!p.partner) p.partner = new LacpInfo();
    p.partner.copyFrom(pdu.actor);
    p.expired = false;
    if (p.currentWhile !== undefined) this.clock.cancel(p.currentWhile);
    p.currentWhile = this.clock.setTimer(p.cfg.fast ? SHORT_TIMEOUT_MS : LONG_TIMEOUT_MS, () => this.expire(p));
    if (changed) this.reselect();
    // What the board believes of us is out of date: tell it now (802.1AX 6.4.9 NTT).
    const mine = this.actorInfo(p);
    if (!pdu.partner.sameIdentity(mine) || pdu.partner.state !== mine.state) this.ntt(p);
    this.schedulePeriodic(p);
  }

  /** Frames to 01:80:C2:00:00:0x on ports without LACP: dropped, as a bridge does. */
  bridgeDropped = 0;

  private expire(p: PortState): void {
    p.currentWhile = undefined;
    if (!p.expired && p.partner) {
      // 802.1AX 6.4.12 EXPIRED: partner out of sync, short timeout, wait once more.
      p.expired = true;
      p.partner.state = (p.partner.state | STATE_TIMEOUT) & ~STATE_SYNCHRONIZATION;
      p.currentWhile = this.clock.setTimer(SHORT_TIMEOUT_MS, () => this.expire(p));
    } else {
      p.expired = false;
      p.partner = undefined; // DEFAULTED
    }
    this.reselect();
    this.ntt(p);
    this.schedulePeriodic(p);
  }

  private stateOf(p: PortState): number {
    if (p.cfg.mode === 'off') return 0;
    let s = STATE_AGGREGATION;
    if (p.cfg.mode === 'active') s |= STATE_ACTIVITY;
    if (p.cfg.fast) s |= STATE_TIMEOUT;
    if (p.attached) s |= STATE_SYNCHRONIZATION | STATE_COLLECTING | STATE_DISTRIBUTING;
    if (!p.partner) s |= STATE_DEFAULTED;
    if (p.expired) s |= STATE_EXPIRED;
    return s;
  }

  private actorInfo(p: PortState): LacpInfo {
    const a = this.txPdu.actor;
    a.systemPriority = p.cfg.systemPriority;
    a.system.set(p.cfg.system);
    a.key = p.cfg.key;
    a.portPriority = 32768;
    a.port = p.number;
    a.state = this.stateOf(p);
    return a;
  }

  /** Selects the aggregation: ports whose board side matches the lowest-numbered eligible one. */
  private reselect(): void {
    const eligible = [...this.ports.values()]
      .filter((p) => p.cfg.mode !== 'off' && p.partner && !p.expired && (p.partner.state & STATE_AGGREGATION))
      .sort((a, b) => a.number - b.number);
    // One aggregation per distinct (our key, the board's system, priority and key): the
    // lowest-numbered port of each group leads it.
    const leads: PortState[] = [];
    const leadOf = (p: PortState): PortState | undefined =>
      leads.find((l) => p.cfg.key === l.cfg.key && p.partner!.key === l.partner!.key && p.partner!.systemPriority === l.partner!.systemPriority &&
        p.partner!.system.every((b, i) => b === l.partner!.system[i]));
    for (const p of eligible) if (!leadOf(p)) leads.push(p);
    for (const p of this.ports.values()) {
      if (p.staticLag >= 0) {
        // Static aggregations sit above any LACP ones in the bridge's numbering.
        this.bridge.setLagMember(p.bridgePort, STATIC_LAG_BASE + p.staticLag, true, true);
        continue;
      }
      const lead = eligible.includes(p) ? leadOf(p) : undefined;
      const attached = lead !== undefined;
      const was = p.attached;
      p.attached = attached;
      // Collect and distribute towards the board only where the board collects.
      const boardCollects = !!p.partner && (p.partner.state & STATE_COLLECTING) !== 0;
      this.bridge.setLagMember(p.bridgePort, attached ? leads.indexOf(lead) : -1, attached, attached && boardCollects);
      if (was !== attached) this.ntt(p);
    }
  }

  /** Keeps the periodic timer running at the rate the board asks for (802.1AX 6.4.13). */
  private schedulePeriodic(p: PortState): void {
    // Passive never speaks first: only to a board that is active.
    const off = p.cfg.mode === 'off' || p.cfg.silent || (p.cfg.mode === 'passive' && !(p.partner && p.partner.state & STATE_ACTIVITY));
    const period = p.partner && (p.partner.state & STATE_TIMEOUT) !== 0 ? FAST_PERIODIC_MS : SLOW_PERIODIC_MS;
    if (p.periodic !== undefined) {
      if (!off && p.periodMs === period) return; // running at the right rate: leave it
      this.clock.cancel(p.periodic);
      p.periodic = undefined;
    }
    if (off) return;
    p.periodMs = period;
    p.periodic = this.clock.setTimer(period, () => {
      p.periodic = undefined;
      this.transmit(p);
      this.schedulePeriodic(p);
    });
  }

  /**
   * Need To Transmit: one PDU once the current event is handled (several reasons in one
   * event make one PDU), or as soon as the rate limit allows.
   */
  private ntt(p: PortState): void {
    if (p.cfg.mode === 'off' || p.cfg.silent || p.pendingTx !== undefined) return;
    if (p.cfg.mode === 'passive' && !(p.partner && p.partner.state & STATE_ACTIVITY)) return;
    const now = this.clock.now();
    p.txTimes = p.txTimes.filter((t) => now - t < FAST_PERIODIC_MS);
    const wait = p.txTimes.length < MAX_TX_PER_FAST_PERIOD ? 0 : FAST_PERIODIC_MS - (now - p.txTimes[0]);
    p.pendingTx = this.clock.setTimer(wait, () => {
      p.pendingTx = undefined;
      if (p.cfg.mode !== 'off') this.transmit(p);
    });
  }

  private transmit(p: PortState): void {
    this.actorInfo(p);
    const partner = this.txPdu.partner;
    if (p.partner) partner.copyFrom(p.partner);
    else {
      partner.systemPriority = 0;
      partner.system.fill(0);
      partner.key = partner.portPriority = partner.port = 0;
      partner.state = 0;
    }
    this.txPdu.collectorMaxDelay = 0;
    const n = encodeLacpdu(this.txFrame, p.mac, this.txPdu);
    p.txTimes.push(this.clock.now());
    p.tx++;
    this.bridge.transmit(p.bridgePort, this.txFrame.slice(0, n));
  }
}
