/**
 * `sim stream`: a stream of numbered frames from the gateway's host stack through a bond to
 * the simulated hosts, which echo each one back, running in the board's time while other
 * commands act (cable pulls, LACP changes, slaves coming and going). Counting is per flow:
 * every frame carries its flow id and a sequence number, so a frame that never came back is
 * lost, one that came back twice is duplicated, and one that came back after a later frame
 * of its flow is reordered. The cables say which port each frame left on, and whether a
 * flow moved from one port to another.
 *
 * Frame n of the stream (n = 0, 1, ...) is due at start + n / rate and belongs to flow
 * n mod flows; under the virtual clock every frame leaves at its due time (rates up to
 * 1000/s) or in the 1 ms tick it falls in, so a cable pull at a given instant loses the same
 * frames every run.
 */
import type { Clock, TimerHandle } from '../lib/clock.ts';
import { UsageError } from '../lib/errors.ts';
import { formatIpv4, readU16 } from '../lib/addr.ts';
import { ETHERTYPE_IPV4, IPPROTO_TCP, IPPROTO_UDP, etherTypeOffset } from '../firmware/net/packets.ts';
import type { NetStack } from '../firmware/net/stack.ts';
import type { Bond } from '../firmware/bonding/bond.ts';
import { printable } from '../firmware/console/dispatcher.ts';
import { flowHost, flowOfPort, flowSourcePort, maxFlows } from './flows.ts';
import type { SimWorld } from './world.ts';

/** The hosts' port the stream is sent to (the echo service, RFC 862). */
export const ECHO_PORT = 7;
export const MAX_RATE = 1_000_000;
/** Frame sizes on the wire, FCS included: the Ethernet minimum to a 1500-byte MTU's frame. */
export const MIN_SIZE = 64;
export const MAX_SIZE = 1518;
const FCS = 4;
/** What the stream writes at the start of each payload: sequence (u32) and flow (u16). */
const TAG_BYTES = 6;
/** Above this rate frames go out in 1 ms ticks rather than one timer each. */
const TICK_RATE = 1000;
/** Frames younger than this are in flight, not lost, in the running counts. */
const IN_FLIGHT_MS = 100;
/** After the last frame, `stop` waits for echoes until none came for QUIET_MS (at most SETTLE_MS). */
const QUIET_MS = 20;
const SETTLE_MS = 2000;
/** At most this many frames per tick, so a real clock that fell far behind catches up in steps. */
const MAX_BURST = 100_000;

export interface StreamEnv {
  net: NetStack;
  world: SimWorld;
  clock: Clock;
  /** Lets `ms` of the board's time pass (works under the scenario runner's drive). */
  sleep(ms: number): Promise<void>;
}

export interface StreamOptions {
  rate: number;
  flows: number;
  protocol: typeof IPPROTO_UDP | typeof IPPROTO_TCP;
  /** Ethernet frame size on the wire, FCS included. */
  size: number;
}

export interface StreamCounts {
  sent: number;
  received: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Frames of the stream that left on each cable, by world port index. */
  perPort: number[];
  flowsMoved: number;
}

/** One flow's sequence numbers received so far, as a bitmap that grows with the flow. */
class SeqSet {
  private bits = new Uint8Array(64);

  /** Marks `seq`; false when it was already there. */
  add(seq: number): boolean {
    const byte = seq >>> 3;
    if (byte >= this.bits.length) {
      let n = this.bits.length * 2;
      while (n <= byte) n *= 2;
      const grown = new Uint8Array(n);
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (seq & 7);
    if (this.bits[byte] & mask) return false;
    this.bits[byte] |= mask;
    return true;
  }

  /** How many of [from, to) are marked. */
  countIn(from: number, to: number): number {
    let n = 0;
    for (let s = from; s < to; s++) if ((this.bits[s >>> 3] ?? 0) & (1 << (s & 7))) n++;
    return n;
  }
}

export class SimStream {
  readonly bond: Bond;
  private readonly hosts: { ip: number }[];
  private readonly payloadBytes: number;
  private readonly tag = new Uint8Array(TAG_BYTES);
  private startTime = 0;
  private timer: TimerHandle | undefined;
  private running = false;
  /** Frames handed to the host stack so far (frame index n runs 0..sent-1). */
  private sent = 0;
  private received = 0;
  private unique = 0;
  private duplicated = 0;
  private reordered = 0;
  private readonly seen: SeqSet[];
  private readonly highest: Int32Array;
  private readonly perPort: number[];
  /** Per flow: the sequence last seen on a cable, the ports it left on, and the previous frame's. */
  private readonly curSeq: Int32Array;
  private readonly curMask: Int32Array;
  private readonly prevMask: Int32Array;
  private readonly moved: Uint8Array;
  /** (time, frames sent by then) at each send, for the in-flight cut in the running counts. */
  private readonly history: { t: number; sent: number }[] = [];
  private unobserve: (() => void) | undefined;
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly env: StreamEnv,
    bond: Bond,
    readonly opts: StreamOptions,
  ) {
    this.bond = bond;
    this.hosts = env.world.hosts;
    const l4 = opts.protocol === IPPROTO_TCP ? 20 : 8;
    this.payloadBytes = opts.size - FCS - 14 - 20 - l4;
    const f = opts.flows;
    this.seen = Array.from({ length: f }, () => new SeqSet());
    this.highest = new Int32Array(f).fill(-1);
    this.curSeq = new Int32Array(f).fill(-1);
    this.curMask = new Int32Array(f);
    this.prevMask = new Int32Array(f);
    this.moved = new Uint8Array(f);
    this.perPort = new Array<number>(env.world.portNames.length).fill(0);
  }

  /** Resolves the hosts the flows go to (as a real stack does first), then starts sending. */
  async start(): Promise<void> {
    const { net } = this.env;
    const targets = this.hosts.slice(0, Math.min(this.opts.flows, this.hosts.length));
    const macs = await Promise.all(targets.map((h) => net.host.resolve(h.ip)));
    const missing = targets.filter((_, i) => !macs[i]).map((h) => formatIpv4(h.ip));
    if (missing.length) throw new UsageError(`sim stream: no ARP reply from ${missing.join(', ')} (hosts down, or the bond cannot reach them)`);
    this.unobserve = this.env.world.observe((i, frame, dir) => {
      if (dir === 'out') this.left(i, frame);
    });
    this.unlisten = net.host.onDelivered((_link, protocol, src, srcPort, dstPort, p) => {
      if (protocol === this.opts.protocol && srcPort === ECHO_PORT && p.dataLength >= TAG_BYTES) this.echoed(src, dstPort, p.frame, p.dataOffset);
    });
    this.running = true;
    this.startTime = this.env.clock.now();
    this.timer = this.env.clock.setTimer(0, () => this.tick());
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Stops sending, waits for the echoes still on their way, and returns the final counts. */
  async stop(): Promise<StreamCounts> {
    this.halt();
    let last = -1;
    for (let waited = 0; waited < SETTLE_MS && this.received !== last; waited += QUIET_MS) {
      last = this.received;
      await this.env.sleep(QUIET_MS);
    }
    this.unobserve?.();
    this.unlisten?.();
    return this.counts(false);
  }

  /** Stops at once without waiting (the bond went away, the firmware is shutting down). */
  halt(): void {
    this.running = false;
    if (this.timer !== undefined) this.env.clock.cancel(this.timer);
    this.timer = undefined;
  }

  /** The counts so far; while running, frames younger than IN_FLIGHT_MS are not yet lost. */
  counts(running = this.running): StreamCounts {
    let lost = this.sent - this.unique;
    if (running) {
      // Frames sent in the last IN_FLIGHT_MS are in flight: leave them (and any of their
      // echoes already here) out of the loss.
      const cut = this.sentBy(this.env.clock.now() - IN_FLIGHT_MS);
      let recentEchoed = 0;
      const f = this.opts.flows;
      for (let flow = 0; flow < f; flow++) {
        const from = Math.ceil((cut - flow) / f);
        const to = Math.ceil((this.sent - flow) / f);
        if (to > from) recentEchoed += this.seen[flow].countIn(Math.max(0, from), to);
      }
      lost = cut - (this.unique - recentEchoed);
    }
    let flowsMoved = 0;
    for (let flow = 0; flow < this.opts.flows; flow++) {
      const done = this.moved[flow] === 1 || (this.prevMask[flow] !== 0 && this.curMask[flow] !== 0 && this.prevMask[flow] !== this.curMask[flow]);
      if (done) flowsMoved++;
    }
    return {
      sent: this.sent,
      received: this.received,
      lost: Math.max(0, lost),
      duplicated: this.duplicated,
      reordered: this.reordered,
      perPort: this.perPort.slice(),
      flowsMoved,
    };
  }

  /** Frames sent at or before time `t`. */
  private sentBy(t: number): number {
    const h = this.history;
    let lo = 0, hi = h.length - 1, found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (h[mid].t <= t) {
        found = h[mid].sent;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Frames due by `now`: frame n is due at start + n * 1000 / rate ms. */
  private dueBy(now: number): number {
    // The small slack keeps a timer that fires exactly at a due time from missing its frame
    // to floating-point rounding.
    return Math.floor(((now - this.startTime) * this.opts.rate) / 1000 + 1e-7) + 1;
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.running) return;
    const clock = this.env.clock;
    const now = clock.now();
    const due = Math.min(this.dueBy(now), this.sent + MAX_BURST);
    if (due > this.sent) {
      while (this.sent < due) this.sendOne();
      this.history.push({ t: now, sent: this.sent });
      if (this.history.length > 4096) this.history.splice(0, 2048);
    }
    let delay: number;
    if (this.opts.rate > TICK_RATE) delay = 1;
    else {
      const next = this.startTime + (this.sent * 1000) / this.opts.rate;
      delay = Math.max(next - now, 1e-6);
    }
    this.timer = clock.setTimer(delay, () => this.tick());
  }

  private sendOne(): void {
    const n = this.sent++;
    const f = this.opts.flows;
    const flow = n % f;
    const seq = Math.floor(n / f);
    const t = this.tag;
    t[0] = seq >>> 24;
    t[1] = (seq >>> 16) & 255;
    t[2] = (seq >>> 8) & 255;
    t[3] = seq & 255;
    t[4] = flow >>> 8;
    t[5] = flow & 255;
    const h = this.hosts.length;
    // A frame the host stack or the bond drops (no slave can send, no neighbour) is lost.
    this.env.net.host.sendIpv4(this.hosts[flowHost(flow, h)].ip, this.opts.protocol, flowSourcePort(flow, h), ECHO_PORT, this.payloadBytes, t);
  }

  /** A frame of ours left the board on cable `port`. */
  private left(port: number, frame: Uint8Array): void {
    const tag = this.tagOf(frame, true);
    if (tag < 0) return;
    const flow = this.flowOfTag;
    const seq = tag;
    this.perPort[port]++;
    if (seq !== this.curSeq[flow]) {
      if (this.curMask[flow] !== 0) {
        if (this.prevMask[flow] !== 0 && this.prevMask[flow] !== this.curMask[flow]) this.moved[flow] = 1;
        this.prevMask[flow] = this.curMask[flow];
      }
      this.curMask[flow] = 0;
      this.curSeq[flow] = seq;
    }
    this.curMask[flow] |= 1 << port;
  }

  private flowOfTag = 0;

  /**
   * The sequence number of a frame of this stream (its flow in `flowOfTag`), or -1 when the
   * frame is not one: outgoing ones go to the echo port, echoes come from it.
   */
  private tagOf(frame: Uint8Array, outgoing: boolean): number {
    const len = frame.length;
    const et = etherTypeOffset(frame, len);
    if (et < 0 || readU16(frame, et) !== ETHERTYPE_IPV4) return -1;
    const ip = et + 2;
    if (ip + 20 > len || frame[ip + 9] !== this.opts.protocol) return -1;
    const l4 = ip + (frame[ip] & 15) * 4;
    if (l4 + 20 > len) return -1;
    const dstPort = readU16(frame, l4 + 2);
    const srcPort = readU16(frame, l4);
    if (outgoing ? dstPort !== ECHO_PORT : srcPort !== ECHO_PORT) return -1;
    const data = l4 + (this.opts.protocol === IPPROTO_TCP ? Math.max(20, (frame[l4 + 12] >> 4) * 4) : 8);
    if (data + TAG_BYTES > len) return -1;
    const flow = readU16(frame, data + 4);
    if (flow >= this.opts.flows || flowOfPort(outgoing ? srcPort : dstPort, this.hosts.length, this.opts.flows) !== flow) return -1;
    this.flowOfTag = flow;
    return ((frame[data] << 24) | (frame[data + 1] << 16) | (frame[data + 2] << 8) | frame[data + 3]) >>> 0;
  }

  /** An echo reached the host stack. */
  private echoed(src: number, dstPort: number, frame: Uint8Array, off: number): void {
    const flow = readU16(frame, off + 4);
    const f = this.opts.flows;
    if (flow >= f || flowOfPort(dstPort, this.hosts.length, f) !== flow || this.hosts[flowHost(flow, this.hosts.length)].ip !== src) return;
    const seq = ((frame[off] << 24) | (frame[off + 1] << 16) | (frame[off + 2] << 8) | frame[off + 3]) >>> 0;
    if (seq * f + flow >= this.sent) return; // never sent by this stream (an earlier one's)
    this.received++;
    if (!this.seen[flow].add(seq)) {
      this.duplicated++;
      return;
    }
    this.unique++;
    if (seq < this.highest[flow]) this.reordered++;
    else this.highest[flow] = seq;
  }
}

/** The text `sim stream` and `sim stream stop` print. */
export function formatStreamCounts(c: StreamCounts, bond: Bond, portNames: readonly string[]): string {
  const lines = [`sent ${c.sent} received ${c.received} lost ${c.lost} duplicated ${c.duplicated} reordered ${c.reordered}`];
  // Every slave, and any port that carried frames of the stream (a slave released meanwhile).
  portNames.forEach((name, i) => {
    if (bond.slave(name) || c.perPort[i] > 0) lines.push(`${name} ${c.perPort[i]}`);
  });
  lines.push(`flows-moved ${c.flowsMoved}`);
  return lines.join('\n');
}

/** Parses `start <bond> rate <pps> [flows <n>] [udp|tcp] [size <bytes>]` (after `start`). */
export function parseStreamStart(net: NetStack, hostCount: number, args: string[]): { bond: Bond; opts: StreamOptions } {
  const usage = 'sim stream: usage: sim stream start <bond> rate <pps> [flows <n>] [udp|tcp] [size <bytes>]';
  const name = args[0];
  const bond = name === undefined ? undefined : net.bond(name);
  if (!bond) throw new UsageError(`sim stream: no bond '${printable(name ?? '')}' (bonds: ${net.bonding.list().map((b) => b.name).join(' ') || 'none; modprobe bonding first'})`);
  const opts: StreamOptions = { rate: 0, flows: 1, protocol: IPPROTO_UDP, size: MIN_SIZE };
  const int = (v: string | undefined): number => (v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : NaN);
  let haveRate = false;
  for (let i = 1; i < args.length; i++) {
    const w = args[i];
    if (w === 'udp' || w === 'tcp') {
      opts.protocol = w === 'udp' ? IPPROTO_UDP : IPPROTO_TCP;
      continue;
    }
    const v = args[++i];
    const n = int(v);
    if (w === 'rate') {
      if (!(n >= 1 && n <= MAX_RATE)) throw new UsageError(`sim stream: rate '${printable(v ?? '')}' must be 1 to ${MAX_RATE} frames per second`);
      opts.rate = n;
      haveRate = true;
    } else if (w === 'flows') {
      if (!(n >= 1 && n <= maxFlows(hostCount))) throw new UsageError(`sim stream: flows '${printable(v ?? '')}' must be 1 to ${maxFlows(hostCount)}`);
      opts.flows = n;
    } else if (w === 'size') {
      if (!(n >= MIN_SIZE && n <= MAX_SIZE)) throw new UsageError(`sim stream: size '${printable(v ?? '')}' must be ${MIN_SIZE} to ${MAX_SIZE} bytes (the Ethernet frame, FCS included)`);
      opts.size = n;
    } else throw new UsageError(`${usage} (unknown word '${printable(w)}')`);
  }
  if (!haveRate) throw new UsageError(`${usage} (rate is required)`);
  return { bond, opts };
}
