/**
 * IEEE 802.1AX Link Aggregation Control Protocol for one bond: the per-port receive,
 * periodic, mux and transmit machines (802.1AX-2020 6.4.12-6.4.16), churn detection
 * (6.4.17), selection logic with aggregators and ad_select (6.4.14, Linux bond_3ad.c), and
 * the Marker responder (6.5). One `run()` evaluates every machine after any event, in the
 * manner of Open vSwitch's lib/lacp.c; timers are deadlines on the injected clock, so a
 * 3 s timeout is exactly 3 s in virtual time.
 *
 * Portable core: no Node modules; PDUs are encoded into one reusable buffer.
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import {
  LACPDU_FRAME_LENGTH,
  Lacpdu,
  LacpInfo,
  STATE_ACTIVITY,
  STATE_AGGREGATION,
  STATE_COLLECTING,
  STATE_DEFAULTED,
  STATE_DISTRIBUTING,
  STATE_EXPIRED,
  STATE_SYNCHRONIZATION,
  STATE_TIMEOUT,
  SUBTYPE_LACP,
  SUBTYPE_MARKER,
  decodeLacpdu,
  encodeLacpdu,
} from './pdu.ts';
import { AD_SELECT_ACTOR_PORT_PRIO, AD_SELECT_COUNT, AD_SELECT_STABLE } from '../bonding/options.ts';
import { macEquals } from '../../lib/addr.ts';
import { ETHERTYPE_SLOW } from '../net/packets.ts';

/** 802.1AX-2020 6.4.4 timer constants, in ms. */
export const FAST_PERIODIC_MS = 1_000;
export const SLOW_PERIODIC_MS = 30_000;
export const SHORT_TIMEOUT_MS = 3 * FAST_PERIODIC_MS;
export const LONG_TIMEOUT_MS = 3 * SLOW_PERIODIC_MS;
export const CHURN_DETECTION_MS = 60_000;
export const AGGREGATE_WAIT_MS = 2_000;
/** 6.4.16: no more than three LACPDUs in any Fast_Periodic_Time. */
export const MAX_TX_PER_FAST_PERIOD = 3;
/** Marker responses we send per second at most (6.5.4 leaves the rate to us). */
const MARKER_RESPONSES_PER_SECOND = 5;


export type RxState = 'initialize' | 'port-disabled' | 'lacp-disabled' | 'expired' | 'defaulted' | 'current';
export type MuxState = 'detached' | 'waiting' | 'attached' | 'collecting' | 'distributing' | 'collecting-distributing';
export type PeriodicState = 'no-periodic' | 'fast' | 'slow';
export type Selected = 'unselected' | 'selected' | 'standby';
export type ChurnState = 'monitoring' | 'none' | 'churned';

/** The bond-wide settings, read at every run (the option table owns them). */
export interface LacpSettings {
  /** lacp_active: transmit periodically even when the partner is passive. */
  active: boolean;
  /** lacp_rate fast: ask the partner for short timeouts (our Timeout bit). */
  fast: boolean;
  systemPriority: number;
  /** ad_actor_system, or the bond's MAC. */
  system: Uint8Array;
  /** ad_user_port_key: the upper 10 bits of the port key. */
  userPortKey: number;
  adSelect: number;
  /** coupled_control: collecting and distributing together (6.4.15 Figure 6-21), else independent (Figure 6-22). */
  coupled: boolean;
}

/** What the engine needs from a port under the bond. */
export interface LacpPortIo {
  readonly name: string;
  /** The port's own MAC, the source of its PDUs. */
  readonly mac: Uint8Array;
  send(frame: Uint8Array, length: number): boolean;
}

/** Linux's speed codes for the port key (bond_3ad.c enum ad_link_speed_type). */
function speedCode(mbps: number): number {
  switch (mbps) {
    case 1: return 1;
    case 10: return 2;
    case 100: return 3;
    case 1000: return 4;
    case 2500: return 5;
    case 5000: return 6;
    case 10000: return 7;
    case 14000: return 8;
    case 20000: return 9;
    case 25000: return 10;
    case 40000: return 11;
    case 50000: return 12;
    case 56000: return 13;
    case 100000: return 14;
    default: return 0;
  }
}

export class Aggregator {
  readonly ports: LacpPort[] = [];
  actorKey = 0;
  partnerSystem = new Uint8Array(6);
  partnerSystemPriority = 0;
  partnerKey = 0;
  individual = false;
  active = false;

  constructor(readonly id: number) {}

  get hasPartner(): boolean {
    return this.partnerSystem.some((b) => b !== 0);
  }

  /** __agg_active_ports: members whose link is up. */
  get activePorts(): number {
    let n = 0;
    for (const p of this.ports) if (p.enabled) n++;
    return n;
  }

  get bandwidth(): number {
    let n = 0;
    for (const p of this.ports) if (p.enabled) n += p.speed;
    return n;
  }

  get portPrioritySum(): number {
    let n = 0;
    for (const p of this.ports) if (p.enabled) n += p.portPriority;
    return n;
  }
}

export class LacpPort {
  readonly actor = new LacpInfo();
  readonly partner = new LacpInfo();
  /** Link up and usable (the bond's monitor says up; full duplex for aggregation). */
  enabled = false;
  lacpEnabled = true;
  speed = 0;
  fullDuplex = true;
  portPriority = 255;
  selected: Selected = 'unselected';
  aggregator: Aggregator | undefined;
  rx: RxState = 'initialize';
  mux: MuxState = 'detached';
  periodic: PeriodicState = 'no-periodic';
  ntt = false;
  /** Port_Moved: the partner's port showed up on another of our ports. */
  moved = false;
  matched = false;
  /** Deadlines in clock ms; -1 when not running. */
  currentWhile = -1;
  periodicDue = -1;
  waitWhile = -1;
  actorChurnDue = -1;
  partnerChurnDue = -1;
  actorChurn: ChurnState = 'monitoring';
  partnerChurn: ChurnState = 'monitoring';
  actorChurnCount = 0;
  partnerChurnCount = 0;
  /** Send times of the last LACPDUs (at most 3 per Fast_Periodic_Time). */
  private readonly txTimes = [-Infinity, -Infinity, -Infinity];
  private txAt = 0;
  private readonly markerTimes: number[] = [];
  readonly stats = { lacpduRx: 0, lacpduTx: 0, markerRx: 0, markerResponseTx: 0, malformed: 0, unknownRx: 0 };
  /** The aggregator this port owns (Linux gives every port one). */
  readonly ownAggregator: Aggregator;

  constructor(
    readonly io: LacpPortIo,
    readonly number: number,
    aggregatorId: number,
  ) {
    this.ownAggregator = new Aggregator(aggregatorId);
  }

  get name(): string {
    return this.io.name;
  }

  get collecting(): boolean {
    return (this.actor.state & STATE_COLLECTING) !== 0;
  }

  get distributing(): boolean {
    return (this.actor.state & STATE_DISTRIBUTING) !== 0;
  }

  /** Oldest of the last three send times: the next PDU may go 1 s after it. */
  nextTxAllowed(): number {
    return this.txTimes[this.txAt] + FAST_PERIODIC_MS;
  }

  noteTx(now: number): void {
    this.txTimes[this.txAt] = now;
    this.txAt = (this.txAt + 1) % MAX_TX_PER_FAST_PERIOD;
  }

  markerAllowed(now: number): boolean {
    while (this.markerTimes.length > 0 && this.markerTimes[0] <= now - 1000) this.markerTimes.shift();
    if (this.markerTimes.length >= MARKER_RESPONSES_PER_SECOND) return false;
    this.markerTimes.push(now);
    return true;
  }
}

export interface LacpEvents {
  /** Which ports collect and distribute changed: the bond rebuilds its usable list and offload. */
  distributionChanged(): void;
  /** A warning for the kernel log (the bond prefixes it and rate-limits it). */
  warn(text: string): void;
}

/**
 * The defaulted partner (Linux ad_initialize_port): null system, passive, and Timeout short:
 * a defaulted partner keeps an active port transmitting at the fast rate, and a passive port
 * silent (passive against passive never transmits).
 */
const defaultPartner = new LacpInfo();
defaultPartner.systemPriority = 0xffff;
defaultPartner.key = 1;
defaultPartner.portPriority = 0xff;
defaultPartner.port = 1;
defaultPartner.state = STATE_TIMEOUT;

function recordDefault(p: LacpPort): void {
  p.partner.copyFrom(defaultPartner);
  p.actor.state |= STATE_DEFAULTED;
}

export class Lacp {
  readonly ports: LacpPort[] = [];
  private timer: TimerHandle | undefined;
  private timerDue = Infinity;
  private running = false;
  private again = false;
  private nextAggregatorId = 1;
  private readonly rxPdu = new Lacpdu();
  private readonly txPdu = new Lacpdu();
  private readonly txFrame = new Uint8Array(LACPDU_FRAME_LENGTH);
  private readonly markerFrame = new Uint8Array(128);
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly settings: () => LacpSettings,
    private readonly events: LacpEvents,
  ) {}

  get now(): number {
    return this.clock.now();
  }

  // ---------------------------------------------------------------------------------------
  // Ports

  addPort(io: LacpPortIo, number: number): LacpPort {
    const p = new LacpPort(io, number, this.nextAggregatorId++);
    this.ports.push(p);
    this.resetPort(p);
    this.run();
    return p;
  }

  /**
   * The port leaves the bond: one last PDU saying it no longer aggregates (as Linux's
   * bond_3ad_unbind_slave sends), then it is forgotten.
   */
  removePort(p: LacpPort): void {
    const i = this.ports.indexOf(p);
    if (i < 0) return;
    if (p.enabled && p.lacpEnabled) {
      p.actor.state &= ~(STATE_AGGREGATION | STATE_SYNCHRONIZATION | STATE_COLLECTING | STATE_DISTRIBUTING);
      this.sendPdu(p);
    }
    this.detach(p);
    this.ports.splice(i, 1);
    // The aggregator goes with its port. Ports still in it move, as they are (attached,
    // collecting, distributing), to a free aggregator, as bond_3ad_unbind_slave does, so the
    // traffic they carry goes on without a new wait_while.
    const agg = p.ownAggregator;
    if (agg.ports.length > 0) {
      const next = this.ports.map((q) => q.ownAggregator).find((a) => a.ports.length === 0);
      if (next) {
        next.actorKey = agg.actorKey;
        next.partnerSystem.set(agg.partnerSystem);
        next.partnerSystemPriority = agg.partnerSystemPriority;
        next.partnerKey = agg.partnerKey;
        next.individual = agg.individual;
        next.active = agg.active;
        for (const q of agg.ports) {
          next.ports.push(q);
          q.aggregator = next;
        }
        agg.ports.length = 0;
        agg.active = false;
        agg.partnerSystem.fill(0);
      } else {
        for (const q of [...agg.ports]) {
          this.detach(q);
          q.selected = 'unselected';
        }
      }
    }
    this.selectActiveAggregator();
    this.run();
  }

  private resetPort(p: LacpPort): void {
    const s = this.settings();
    p.actor.systemPriority = s.systemPriority;
    p.actor.system.set(s.system);
    p.actor.port = p.number;
    p.actor.portPriority = p.portPriority;
    p.actor.key = this.portKey(p);
    p.actor.state = STATE_AGGREGATION | (s.active ? STATE_ACTIVITY : 0) | (s.fast ? STATE_TIMEOUT : 0);
    p.rx = 'initialize';
    p.mux = 'detached';
    p.periodic = 'no-periodic';
    p.selected = 'unselected';
    p.currentWhile = p.periodicDue = p.waitWhile = -1;
    p.actorChurn = p.partnerChurn = 'monitoring';
    p.actorChurnDue = p.partnerChurnDue = this.now + CHURN_DETECTION_MS;
    recordDefault(p);
  }

  /** Linux's actor key: user key << 6 | speed code << 1 | full duplex. */
  private portKey(p: LacpPort): number {
    const s = this.settings();
    return ((s.userPortKey & 0x3ff) << 6) | (speedCode(p.speed) << 1) | (p.fullDuplex ? 1 : 0);
  }

  /** The bond's monitor says the port's link is up or down; speed and duplex as read. */
  setPortLink(p: LacpPort, up: boolean, speed: number, fullDuplex: boolean): void {
    p.enabled = up;
    p.speed = speed > 0 ? speed : 0;
    p.fullDuplex = fullDuplex;
    const key = this.portKey(p);
    if (key !== p.actor.key) {
      p.actor.key = key;
      p.selected = 'unselected';
      p.ntt = true;
    }
    // A half-duplex link cannot aggregate (802.1AX 6.4.12: LACP_Enabled needs full duplex).
    if (up && !fullDuplex) p.actor.state &= ~STATE_AGGREGATION;
    else p.actor.state |= STATE_AGGREGATION;
    if (!up) {
      // The port leaves its aggregator at once: not collecting, not distributing.
      if (p.mux !== 'detached') this.disablePort(p);
    }
    this.selectActiveAggregator();
    this.run();
  }

  /** ad_actor_port_prio of one port (ip link set <port> type bond_slave actor_port_prio <n>). */
  setPortPriority(p: LacpPort, prio: number): void {
    p.portPriority = prio;
    p.actor.portPriority = prio;
    p.ntt = true;
    this.selectActiveAggregator();
    this.run();
  }

  /** Bond options changed (rate, activity, system, keys): every port starts over. */
  reconfigure(): void {
    for (const p of this.ports) {
      this.detach(p);
      this.resetPort(p);
    }
    this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.cancel(this.timer);
    this.timer = undefined;
  }

  start(): void {
    this.stopped = false;
    this.run();
  }

  // ---------------------------------------------------------------------------------------
  // Receive

  /** A slow-protocols frame arrived on `p`: a LACPDU, a Marker, or something we count. */
  receive(p: LacpPort, frame: Uint8Array, length: number): void {
    if (length < 15 || frame[12] !== ETHERTYPE_SLOW >> 8 || frame[13] !== (ETHERTYPE_SLOW & 255)) return;
    if (frame[14] === SUBTYPE_MARKER) {
      this.receiveMarker(p, frame, length);
      return;
    }
    if (frame[14] !== SUBTYPE_LACP) {
      p.stats.unknownRx++;
      return;
    }
    const err = decodeLacpdu(frame, length, this.rxPdu);
    if (err) {
      p.stats.malformed++;
      return;
    }
    p.stats.lacpduRx++;
    if (!p.enabled || !p.lacpEnabled) return;
    this.rxCurrent(p, this.rxPdu);
    this.run();
  }

  /** 6.5.4: a Marker Information PDU is answered with a Marker Response carrying the same TLV. */
  private receiveMarker(p: LacpPort, frame: Uint8Array, length: number): void {
    // Marker PDU: subtype 2, version 1, TLV type 1 (information) length 16.
    if (length < 14 + 2 + 16 || frame[16] !== 0x01 || frame[17] !== 16) {
      p.stats.malformed++;
      return;
    }
    p.stats.markerRx++;
    if (!p.enabled || !p.markerAllowed(this.now)) return;
    const out = this.markerFrame;
    const n = Math.min(length, out.length, 14 + 110);
    out.fill(0);
    out.set(frame.subarray(0, n), 0);
    out.set(p.io.mac.subarray(0, 6), 6);
    out[16] = 0x02; // Marker Response
    p.io.send(out, 14 + 110);
    p.stats.markerResponseTx++;
  }

  // ---------------------------------------------------------------------------------------
  // The machines

  /** Evaluates every machine until nothing changes, then arms the timer for the next deadline. */
  run(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      let guard = 0;
      do {
        this.again = false;
        const now = this.now;
        for (const p of this.ports) {
          this.rxMachine(p, now);
          this.periodicMachine(p, now);
        }
        for (const p of this.ports) if (p.selected === 'unselected' && p.enabled) this.selectAggregator(p);
        for (const p of this.ports) this.muxMachine(p, now);
        for (const p of this.ports) {
          this.churnMachine(p, now);
          this.txMachine(p, now);
        }
      } while (this.again && ++guard < 16);
    } finally {
      this.running = false;
    }
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    let due = Infinity;
    // run() has settled everything that can happen now; a deadline already passed that still
    // stands (a port whose wait_while ended, waiting for the others of its aggregator) needs
    // no timer: waking at once would change nothing, again and again.
    const now = this.now;
    const consider = (t: number): void => {
      if (t > now && t < due) due = t;
    };
    for (const p of this.ports) {
      consider(p.currentWhile);
      consider(p.periodicDue);
      if (p.mux === 'waiting') consider(p.waitWhile);
      if (p.ntt) consider(p.nextTxAllowed());
      if (p.actorChurn === 'monitoring') consider(p.actorChurnDue);
      if (p.partnerChurn === 'monitoring') consider(p.partnerChurnDue);
    }
    if (due === this.timerDue && this.timer !== undefined) return;
    if (this.timer !== undefined) this.clock.cancel(this.timer);
    this.timer = undefined;
    this.timerDue = due;
    if (due === Infinity) return;
    this.timer = this.clock.setTimer(Math.max(0, due - this.now), () => {
      this.timer = undefined;
      this.timerDue = Infinity;
      this.run();
    });
  }

  /** 6.4.12 Receive machine, for the transitions time and link make (a PDU goes through rxCurrent). */
  private rxMachine(p: LacpPort, now: number): void {
    if (p.rx === 'initialize') {
      p.selected = 'unselected';
      recordDefault(p);
      p.actor.state &= ~STATE_EXPIRED;
      p.moved = false;
      p.rx = 'port-disabled';
    }
    if (!p.enabled) {
      if (p.rx !== 'port-disabled') {
        p.rx = 'port-disabled';
        p.partner.state &= ~STATE_SYNCHRONIZATION;
        p.currentWhile = -1;
      }
      return;
    }
    if (p.rx === 'port-disabled') {
      if (p.moved) {
        p.rx = 'initialize';
        this.again = true;
        return;
      }
      if (p.lacpEnabled) this.enterExpired(p, now);
      else {
        p.rx = 'lacp-disabled';
        p.selected = 'unselected';
        recordDefault(p);
        p.partner.state &= ~STATE_AGGREGATION;
        p.actor.state &= ~STATE_EXPIRED;
      }
      return;
    }
    if (p.currentWhile >= 0 && now >= p.currentWhile) {
      if (p.rx === 'current') this.enterExpired(p, now);
      else if (p.rx === 'expired') {
        // DEFAULTED: update_Default_Selected, then record the defaults.
        if (!p.partner.sameIdentity(defaultPartner) || (p.partner.state & STATE_AGGREGATION) !== (defaultPartner.state & STATE_AGGREGATION)) p.selected = 'unselected';
        recordDefault(p);
        p.actor.state &= ~STATE_EXPIRED;
        p.rx = 'defaulted';
        p.currentWhile = -1;
        p.ntt = true;
      }
    }
  }

  private enterExpired(p: LacpPort, now: number): void {
    p.rx = 'expired';
    p.partner.state &= ~STATE_SYNCHRONIZATION;
    p.partner.state |= STATE_TIMEOUT;
    p.currentWhile = now + SHORT_TIMEOUT_MS;
    p.actor.state |= STATE_EXPIRED;
    p.ntt = true;
  }

  /** 6.4.12 CURRENT: a LACPDU arrived. */
  private rxCurrent(p: LacpPort, pdu: Lacpdu): void {
    const now = this.now;
    // Port_Moved: this partner port is already recorded on another of our ports.
    for (const q of this.ports) {
      if (q !== p && q.rx === 'port-disabled' && q.partner.sameIdentity(pdu.actor)) q.moved = true;
    }
    if (p.rx === 'port-disabled' || p.rx === 'initialize') this.enterExpired(p, now);
    // update_Selected: the partner is someone else now.
    if (!pdu.actor.sameIdentity(p.partner) || (pdu.actor.state & STATE_AGGREGATION) !== (p.partner.state & STATE_AGGREGATION)) {
      p.selected = 'unselected';
    }
    // update_NTT: the partner's view of us is wrong.
    const mask = STATE_ACTIVITY | STATE_TIMEOUT | STATE_SYNCHRONIZATION | STATE_AGGREGATION;
    if (!pdu.partner.sameIdentity(p.actor) || (pdu.partner.state & mask) !== (p.actor.state & mask)) p.ntt = true;
    // recordPDU (6.4.9) with Linux's __choose_matched.
    const a = p.actor;
    p.matched =
      (pdu.partner.port === a.port && pdu.partner.portPriority === a.portPriority && macEquals(pdu.partner.system, 0, a.system) &&
        pdu.partner.systemPriority === a.systemPriority && pdu.partner.key === a.key &&
        (pdu.partner.state & STATE_AGGREGATION) === (a.state & STATE_AGGREGATION)) ||
      (pdu.actor.state & STATE_AGGREGATION) === 0;
    const wasSync = (p.partner.state & STATE_SYNCHRONIZATION) !== 0;
    p.partner.copyFrom(pdu.actor);
    if (p.matched && pdu.actor.state & STATE_SYNCHRONIZATION) p.partner.state |= STATE_SYNCHRONIZATION;
    else p.partner.state &= ~STATE_SYNCHRONIZATION;
    p.actor.state &= ~(STATE_DEFAULTED | STATE_EXPIRED);
    p.rx = 'current';
    p.currentWhile = now + (a.state & STATE_TIMEOUT ? SHORT_TIMEOUT_MS : LONG_TIMEOUT_MS);
    if (wasSync !== ((p.partner.state & STATE_SYNCHRONIZATION) !== 0)) this.again = true;
  }

  /** 6.4.13 Periodic Transmission machine. */
  private periodicMachine(p: LacpPort, now: number): void {
    const s = this.settings();
    const partnerActive = (p.partner.state & STATE_ACTIVITY) !== 0;
    if (!p.enabled || !p.lacpEnabled || (!s.active && !partnerActive)) {
      p.periodic = 'no-periodic';
      p.periodicDue = -1;
      return;
    }
    const fast = (p.partner.state & STATE_TIMEOUT) !== 0;
    const want: PeriodicState = fast ? 'fast' : 'slow';
    if (p.periodic === 'no-periodic') {
      // Entering from NO_PERIODIC goes through PERIODIC_TX: send now.
      p.periodic = want;
      p.ntt = true;
      p.periodicDue = now + (fast ? FAST_PERIODIC_MS : SLOW_PERIODIC_MS);
      return;
    }
    if (p.periodic === 'slow' && fast) {
      // The partner asked for short timeouts: PERIODIC_TX at once, then fast.
      p.periodic = 'fast';
      p.ntt = true;
      p.periodicDue = now + FAST_PERIODIC_MS;
      return;
    }
    if (now >= p.periodicDue) {
      p.ntt = true;
      p.periodic = want;
      p.periodicDue = now + (fast ? FAST_PERIODIC_MS : SLOW_PERIODIC_MS);
    } else if (p.periodic !== want) {
      p.periodic = want;
    }
  }

  /** 6.4.14 Selection Logic for one port, with Linux's aggregator rules (ad_port_selection_logic). */
  private selectAggregator(p: LacpPort): void {
    const old = p.aggregator;
    if (old) {
      // Leave the old aggregator; the mux detaches first if it was attached.
      if (p.mux !== 'detached') {
        this.detach(p);
      }
    }
    const partnerAnswers = p.partner.system.some((b) => b !== 0);
    let chosen: Aggregator | undefined;
    if (partnerAnswers && p.actor.state & STATE_AGGREGATION && p.partner.state & STATE_AGGREGATION) {
      for (const q of this.ports) {
        const agg = q.ownAggregator;
        if (agg.ports.length === 0 || agg.individual) continue;
        if (agg.actorKey === p.actor.key && macEquals(agg.partnerSystem, 0, p.partner.system) && agg.partnerSystemPriority === p.partner.systemPriority && agg.partnerKey === p.partner.key) {
          chosen = agg;
          break;
        }
      }
    }
    if (!chosen) {
      // A free aggregator: the port's own if free, else the first free one.
      if (p.ownAggregator.ports.length === 0) chosen = p.ownAggregator;
      else chosen = this.ports.map((q) => q.ownAggregator).find((a) => a.ports.length === 0);
      if (!chosen) return; // cannot happen: as many aggregators as ports
      chosen.actorKey = p.actor.key;
      chosen.partnerSystem.set(p.partner.system);
      chosen.partnerSystemPriority = p.partner.systemPriority;
      chosen.partnerKey = p.partner.key;
      chosen.individual = !(p.actor.state & STATE_AGGREGATION) || !(p.partner.state & STATE_AGGREGATION) || !p.fullDuplex;
    }
    chosen.ports.push(p);
    p.aggregator = chosen;
    p.selected = 'selected';
    this.selectActiveAggregator();
  }

  /** Takes a port out of its aggregator (the mux's DETACHED does the state bits). */
  private detach(p: LacpPort): void {
    if (p.mux === 'collecting-distributing' || p.mux === 'collecting' || p.mux === 'distributing' || p.mux === 'attached') this.disablePort(p);
    p.mux = 'detached';
    p.actor.state &= ~(STATE_SYNCHRONIZATION | STATE_COLLECTING | STATE_DISTRIBUTING);
    const agg = p.aggregator;
    if (agg) {
      const i = agg.ports.indexOf(p);
      if (i >= 0) agg.ports.splice(i, 1);
      if (agg.ports.length === 0) {
        agg.active = false;
        agg.partnerSystem.fill(0);
      }
    }
    p.aggregator = undefined;
    p.waitWhile = -1;
  }

  /** ad_agg_selection_logic: which aggregator carries the traffic. */
  selectActiveAggregator(): void {
    const s = this.settings();
    const aggs = this.ports.map((p) => p.ownAggregator);
    const current = aggs.find((a) => a.active);
    let best: Aggregator | undefined = current && current.activePorts > 0 ? current : undefined;
    for (const a of aggs) {
      a.active = false;
      if (a.ports.length > 0 && a.activePorts > 0) best = this.selectionTest(best, a, s.adSelect);
    }
    if (best && s.adSelect === AD_SELECT_STABLE && current && current.ports.length > 0 && current.activePorts > 0 &&
      (current.hasPartner || !best.hasPartner)) {
      best = current;
    }
    let changed = false;
    if (best) {
      best.active = true;
      if (best !== current) {
        changed = true;
        if (current) for (const p of current.ports) if (p.mux !== 'detached' && p.mux !== 'waiting') this.disablePort(p);
      }
      // ad_agg_selection_logic says only this at more than debug level (rate limited).
      if (best.individual) this.events.warn('Warning: No 802.3ad response from the link partner for any adapters in the bond');
    } else if (current) changed = true;
    if (changed) this.events.distributionChanged();
  }

  private selectionTest(best: Aggregator | undefined, curr: Aggregator, policy: number): Aggregator {
    if (!best) return curr;
    if (!curr.individual && best.individual) return curr;
    if (curr.individual && !best.individual) return best;
    if (curr.hasPartner && !best.hasPartner) return curr;
    if (!curr.hasPartner && best.hasPartner) return best;
    switch (policy) {
      case AD_SELECT_ACTOR_PORT_PRIO:
        if (curr.portPrioritySum > best.portPrioritySum) return curr;
        if (curr.portPrioritySum < best.portPrioritySum) return best;
        break;
      case AD_SELECT_COUNT:
        if (curr.activePorts > best.activePorts) return curr;
        if (curr.activePorts < best.activePorts) return best;
        break;
    }
    return curr.bandwidth > best.bandwidth ? curr : best;
  }

  /** 6.4.15 Mux machine (coupled control, or independent control when coupled_control=0). */
  private muxMachine(p: LacpPort, now: number): void {
    const s = this.settings();
    const partnerSync = (p.partner.state & STATE_SYNCHRONIZATION) !== 0;
    for (let step = 0; step < 6; step++) {
      const before = p.mux;
      switch (p.mux) {
        case 'detached':
          if (p.selected === 'selected' || p.selected === 'standby') {
            p.mux = 'waiting';
            p.waitWhile = now + AGGREGATE_WAIT_MS;
          }
          break;
        case 'waiting':
          if (p.selected === 'unselected') {
            this.enterDetached(p);
          } else if (p.selected === 'selected' && now >= p.waitWhile && this.aggregatorReady(p)) {
            p.mux = 'attached';
            p.actor.state |= STATE_SYNCHRONIZATION;
            p.actor.state &= ~(STATE_COLLECTING | STATE_DISTRIBUTING);
            p.ntt = true;
          }
          break;
        case 'attached':
          if (p.selected !== 'selected') this.enterDetached(p);
          else if (partnerSync && p.aggregator?.active) {
            if (s.coupled) {
              p.mux = 'collecting-distributing';
              p.actor.state |= STATE_COLLECTING | STATE_DISTRIBUTING;
              this.enablePort(p);
            } else {
              p.mux = 'collecting';
              p.actor.state |= STATE_COLLECTING;
              this.enablePort(p);
            }
            p.ntt = true;
          } else if (p.aggregator?.active && !p.aggregator.hasPartner && p.enabled) {
            // Linux: an active aggregator whose partner never answered still carries traffic.
            this.enablePort(p);
          }
          break;
        case 'collecting-distributing':
          if (p.selected !== 'selected' || !partnerSync || !p.aggregator?.active) {
            p.mux = 'attached';
            p.actor.state &= ~(STATE_COLLECTING | STATE_DISTRIBUTING);
            this.disablePort(p);
            p.ntt = true;
          }
          break;
        case 'collecting':
          if (p.selected !== 'selected' || !partnerSync || !p.aggregator?.active) {
            p.mux = 'attached';
            p.actor.state &= ~(STATE_COLLECTING | STATE_DISTRIBUTING);
            this.disablePort(p);
            p.ntt = true;
          } else if (p.partner.state & STATE_COLLECTING) {
            p.mux = 'distributing';
            p.actor.state |= STATE_DISTRIBUTING;
            this.events.distributionChanged();
            p.ntt = true;
          }
          break;
        case 'distributing':
          if (p.selected !== 'selected' || !partnerSync || !(p.partner.state & STATE_COLLECTING) || !p.aggregator?.active) {
            p.mux = 'collecting';
            p.actor.state &= ~STATE_DISTRIBUTING;
            this.events.distributionChanged();
            p.ntt = true;
          }
          break;
      }
      if (p.mux === before) break;
    }
  }

  /** READY: every port of the aggregator has waited out its Aggregate_Wait_Time. */
  private aggregatorReady(p: LacpPort): boolean {
    const agg = p.aggregator;
    if (!agg) return false;
    const now = this.now;
    for (const q of agg.ports) if (q.mux === 'waiting' && now < q.waitWhile) return false;
    return true;
  }

  private enterDetached(p: LacpPort): void {
    const agg = p.aggregator;
    this.detach(p);
    p.ntt = true;
    if (agg) this.selectActiveAggregator();
  }

  /** Frames may be collected and distributed on the port (Linux __enable_port). */
  private enablePort(p: LacpPort): void {
    if (this.portEnabledForTraffic.has(p)) return;
    this.portEnabledForTraffic.add(p);
    this.events.distributionChanged();
  }

  private disablePort(p: LacpPort): void {
    if (this.portEnabledForTraffic.delete(p)) this.events.distributionChanged();
  }

  /** Ports that may carry traffic now (collecting; distributing for transmit below). */
  readonly portEnabledForTraffic = new Set<LacpPort>();

  /** Whether the bond may send on `p` (distributing, or the no-partner fallback). */
  mayDistribute(p: LacpPort): boolean {
    if (!this.portEnabledForTraffic.has(p) || !p.aggregator?.active) return false;
    if (!p.aggregator.hasPartner) return true;
    return p.distributing;
  }

  /** Whether frames received on `p` go up (collecting, or the no-partner fallback). */
  mayCollect(p: LacpPort): boolean {
    return this.portEnabledForTraffic.has(p) && (p.aggregator?.active ?? false);
  }

  get activeAggregator(): Aggregator | undefined {
    return this.ports.map((p) => p.ownAggregator).find((a) => a.active);
  }

  /** 6.4.17 Churn detection: sync must come within Churn_Detection_Time. */
  private churnMachine(p: LacpPort, now: number): void {
    const actorSync = (p.actor.state & STATE_SYNCHRONIZATION) !== 0;
    const partnerSync = (p.partner.state & STATE_SYNCHRONIZATION) !== 0;
    if (actorSync) {
      p.actorChurn = 'none';
    } else if (p.actorChurn === 'none') {
      p.actorChurn = 'monitoring';
      p.actorChurnDue = now + CHURN_DETECTION_MS;
    } else if (p.actorChurn === 'monitoring' && now >= p.actorChurnDue) {
      p.actorChurn = 'churned';
      p.actorChurnCount++;
    }
    if (partnerSync) {
      p.partnerChurn = 'none';
    } else if (p.partnerChurn === 'none') {
      p.partnerChurn = 'monitoring';
      p.partnerChurnDue = now + CHURN_DETECTION_MS;
    } else if (p.partnerChurn === 'monitoring' && now >= p.partnerChurnDue) {
      p.partnerChurn = 'churned';
      p.partnerChurnCount++;
    }
  }

  /** 6.4.16 Transmit machine: NTT sends at once, within 3 PDUs per Fast_Periodic_Time. */
  private txMachine(p: LacpPort, now: number): void {
    if (!p.ntt) return;
    // 6.4.16: nothing is sent without LACP on a working link, nor while the Periodic machine
    // is in NO_PERIODIC (a passive port facing a passive partner stays silent).
    if (!p.enabled || !p.lacpEnabled || p.periodic === 'no-periodic') {
      p.ntt = false;
      return;
    }
    if (now < p.nextTxAllowed()) return; // the timer comes back for it
    this.sendPdu(p);
    p.ntt = false;
  }

  private sendPdu(p: LacpPort): void {
    const pdu = this.txPdu;
    pdu.actor.copyFrom(p.actor);
    pdu.partner.copyFrom(p.partner);
    pdu.collectorMaxDelay = 0;
    const n = encodeLacpdu(this.txFrame, p.io.mac, pdu);
    if (p.io.send(this.txFrame, n)) {
      p.stats.lacpduTx++;
      p.noteTx(this.now);
    }
  }
}
