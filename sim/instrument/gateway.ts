/**
 * The gateway's half of `sim traffic`, `sim xmit` and `sim stream`: frames sent from the
 * firmware's own host stack (or put on a bond's transmit path), the answers counted as the
 * host stack receives them. The world's half (which cable each frame left on) is in tap.ts.
 * Natively both halves run in one process (sim/traffic.ts, sim/stream.ts); in the firmware
 * image of a simulated board this half runs inside the engine, behind the `sim` command
 * (`registerSimInstrument`), and hands its results to the host as one JSON line, which the
 * host joins with its cables' counts (sim/engine-sim.ts). Portable.
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { UsageError } from '../../lib/errors.ts';
import { formatIpv4, isMulticastMac, isZeroMac, parseIpv4, parseMac, readU16 } from '../../lib/addr.ts';
import { BROADCAST_MAC, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, buildIpv4 } from '../../firmware/net/packets.ts';
import type { NetStack } from '../../firmware/net/stack.ts';
import type { Bond } from '../../firmware/bonding/bond.ts';
import type { Firmware } from '../../firmware/system.ts';
import { printable } from '../../firmware/console/dispatcher.ts';
import { flowHost, flowOfPort, flowSourcePort, maxFlows } from '../flows.ts';
import { simHostIps } from './hosts.ts';
import { SIM_COMMAND } from './spec.ts';

/** The port `sim traffic` sends to (the discard service). */
export const DISCARD_PORT = 9;
/** The hosts' port the stream is sent to (the echo service, RFC 862). */
export const ECHO_PORT = 7;
const MAX_FRAMES = 1_000_000;
const PAYLOAD = 18;
export const MAX_RATE = 1_000_000;
/** Frame sizes on the wire, FCS included: the Ethernet minimum to a 1500-byte MTU's frame. */
export const MIN_SIZE = 64;
export const MAX_SIZE = 1518;
const FCS = 4;
/** What the stream writes at the start of each payload: sequence (u32) and flow (u16). */
export const TAG_BYTES = 6;
/** Above this rate frames go out in 1 ms ticks rather than one timer each. */
const TICK_RATE = 1000;
/** Frames younger than this are in flight, not lost, in the running counts. */
const IN_FLIGHT_MS = 100;
/** After the last frame, `stop` waits for echoes until none came for QUIET_MS (at most SETTLE_MS). */
const QUIET_MS = 20;
const SETTLE_MS = 2000;
/** At most this many frames per tick, so a real clock that fell far behind catches up in steps. */
const MAX_BURST = 100_000;

export interface GatewayEnv {
  net: NetStack;
  /** The simulated hosts' addresses, in order. */
  hosts: readonly number[];
  clock: Clock;
  /** Lets `ms` of the board's time pass, as a timer (works under the scenario runner's drive). */
  sleep(ms: number): Promise<void>;
}

function bondArg(net: NetStack, name: string | undefined, cmd: string): Bond {
  const b = name === undefined ? undefined : net.bond(name);
  if (!b) throw new UsageError(`sim ${cmd}: no bond '${printable(name ?? '')}' (bonds: ${net.bonding.list().map((x) => x.name).join(' ') || 'none; modprobe bonding first'})`);
  return b;
}

export interface TrafficOptions {
  frames: number;
  flows: number;
  protocol: typeof IPPROTO_UDP | typeof IPPROTO_TCP;
}

/** `<frames> [flows <n>] [udp|tcp]` of `sim traffic <bond> ...` (after the bond). */
export function parseTrafficOptions(args: readonly string[], hostCount: number): TrafficOptions {
  const usage = 'sim traffic: usage: sim traffic <bond> <frames> [flows <n>] [udp|tcp]';
  const frames = /^\d+$/.test(args[0] ?? '') ? Number(args[0]) : NaN;
  if (!(frames >= 1 && frames <= MAX_FRAMES)) throw new UsageError(`sim traffic: frames '${printable(args[0] ?? '')}' must be 1 to ${MAX_FRAMES}`);
  let flows = 1;
  let protocol: TrafficOptions['protocol'] = IPPROTO_UDP;
  for (let i = 1; i < args.length; i++) {
    if (args[i] === 'flows') {
      const v = args[++i];
      flows = v !== undefined && /^\d+$/.test(v) ? Number(v) : NaN;
      if (!(flows >= 1 && flows <= maxFlows(hostCount))) {
        throw new UsageError(`sim traffic: flows '${printable(v ?? '')}' must be 1 to ${maxFlows(hostCount)} (flows beyond the ${hostCount} hosts use further ports)`);
      }
    } else if (args[i] === 'udp' || args[i] === 'tcp') protocol = args[i] === 'udp' ? IPPROTO_UDP : IPPROTO_TCP;
    else throw new UsageError(`${usage} (unknown word '${printable(args[i])}')`);
  }
  return { frames, flows, protocol };
}

/** The bond must have an address on the hosts' subnet and be up. */
function checkReachable(net: NetStack, bond: Bond, firstHost: number, cmd: string, what: string): void {
  const route = net.host.route(firstHost);
  if (!route || (route.link.name !== bond.name && net.vlan(route.link.name)?.lower !== bond)) {
    throw new UsageError(`sim ${cmd}: ${bond.name} has no address on ${what} (e.g. ifconfig ${bond.name} 192.168.1.1 netmask 255.255.255.0 up)`);
  }
  if (!bond.adminUp) throw new UsageError(`sim ${cmd}: ${bond.name} is down (ifconfig ${bond.name} up)`);
}

export interface TrafficResult {
  /** The bond's slaves, in order. */
  slaves: string[];
  /** Answers the host stack took. */
  replies: number;
}

/** `sim traffic <bond> <frames> [flows <n>] [udp|tcp]`: the frames sent, the answers counted. */
export async function trafficFromGateway(env: GatewayEnv, args: readonly string[]): Promise<TrafficResult> {
  const bond = bondArg(env.net, args[0], 'traffic');
  const hosts = env.hosts;
  const { frames, flows, protocol } = parseTrafficOptions(args.slice(1), hosts.length);
  const host = env.net.host;
  const targets = hosts.slice(0, Math.min(flows, hosts.length));
  checkReachable(env.net, bond, targets[0], 'traffic', `${formatIpv4(targets[0])}'s subnet`);
  let replies = 0;
  const stopListening = host.onDelivered((_link, proto, src, srcPort, dstPort) => {
    if (proto === protocol && srcPort === DISCARD_PORT && flowOfPort(dstPort, hosts.length, flows) >= 0 && targets.includes(src)) replies++;
  });
  try {
    // ARP first (as a real stack would before its first frame to each host).
    const macs = await Promise.all(targets.map((ip) => host.resolve(ip)));
    const missing = targets.filter((_, i) => !macs[i]).map(formatIpv4);
    if (missing.length) throw new UsageError(`sim traffic: no ARP reply from ${missing.join(', ')} (hosts down, or the bond cannot reach them)`);
    for (let n = 0; n < frames; n++) {
      const f = n % flows;
      host.sendIpv4(hosts[flowHost(f, hosts.length)], protocol, flowSourcePort(f, hosts.length), DISCARD_PORT, PAYLOAD);
    }
    // Let the answers come back: until nothing has changed for 20 ms (at most 2 s).
    let last = -1;
    for (let waited = 0; waited < 2000 && replies !== last; waited += 20) {
      last = replies;
      await env.sleep(20);
    }
  } finally {
    stopListening();
  }
  return { slaves: bond.slaves.map((s) => s.name), replies };
}

function endpoint(text: string | undefined, withPort: boolean, what: string): { ip: number; port: number } {
  const m = text === undefined ? null : /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(text);
  const ip = m ? parseIpv4(m[1]) : undefined;
  const port = m?.[2] === undefined ? (what === 'source' ? 1024 : 9) : Number(m[2]);
  if (!m || ip === undefined || port > 65535) throw new UsageError(`sim xmit: ${what} '${printable(text ?? '')}' is not <ip>${withPort ? '[:<port>]' : ''}`);
  if (!withPort && m[2] !== undefined) throw new UsageError(`sim xmit: icmp has no ports ('${printable(text ?? '')}')`);
  return { ip, port };
}

/**
 * `sim xmit <bond> udp|tcp|icmp <src-ip>[:<port>] <dst-ip>[:<port>] [smac <mac>] [dmac <mac>] [vlan <id>]`:
 * the frame built as given and put on the bond's transmit path; returns it (the cables say
 * where it left).
 */
export async function xmitFromGateway(env: GatewayEnv, args: readonly string[]): Promise<Uint8Array> {
  const usage = 'sim xmit: usage: sim xmit <bond> udp|tcp|icmp <src-ip>[:<port>] <dst-ip>[:<port>] [smac <mac>] [dmac <mac>] [vlan <id>]';
  const bond = bondArg(env.net, args[0], 'xmit');
  const proto = args[1];
  if (proto !== 'udp' && proto !== 'tcp' && proto !== 'icmp') throw new UsageError(`${usage} (protocol '${printable(proto ?? '')}')`);
  const icmp = proto === 'icmp';
  const src = endpoint(args[2], !icmp, 'source');
  const dst = endpoint(args[3], !icmp, 'destination');
  let smac: Uint8Array = bond.mac;
  let dmac: Uint8Array = BROADCAST_MAC;
  let vlan = -1;
  for (let i = 4; i < args.length; i++) {
    const w = args[i];
    const v = args[++i];
    if (w === 'smac' || w === 'dmac') {
      const mac = v === undefined ? undefined : parseMac(v);
      if (!mac) throw new UsageError(`sim xmit: ${w} '${printable(v ?? '')}' is not a MAC address`);
      if (w === 'smac' && (isMulticastMac(mac) || isZeroMac(mac))) throw new UsageError(`sim xmit: smac ${printable(v ?? '')} must be a unicast address`);
      if (w === 'smac') smac = mac;
      else dmac = mac;
    } else if (w === 'vlan') {
      vlan = v !== undefined && /^\d+$/.test(v) ? Number(v) : NaN;
      if (!(vlan >= 0 && vlan <= 4095)) throw new UsageError(`sim xmit: vlan '${printable(v ?? '')}' must be 0 to 4095`);
    } else throw new UsageError(`${usage} (unknown word '${printable(w)}')`);
  }
  const frame = buildIpv4({
    dst: dmac, src: smac, vlan, protocol: icmp ? IPPROTO_ICMP : proto === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP,
    srcIp: src.ip, dstIp: dst.ip, srcPort: src.port, dstPort: dst.port, kind: icmp ? 8 : undefined, icmpIdSeq: icmp ? 0x00010001 : undefined,
  });
  const ok = bond.xmit(frame, frame.length);
  await env.sleep(0);
  if (!ok) throw new UsageError(`sim xmit: ${bond.name} dropped the frame (no slave can send)`);
  return frame;
}

export interface StreamOptions {
  rate: number;
  flows: number;
  protocol: typeof IPPROTO_UDP | typeof IPPROTO_TCP;
  /** Ethernet frame size on the wire, FCS included. */
  size: number;
}

/** `rate <pps> [flows <n>] [udp|tcp] [size <bytes>]` of `sim stream start <bond> ...` (after the bond). */
export function parseStreamOptions(args: readonly string[], hostCount: number): StreamOptions {
  const usage = 'sim stream: usage: sim stream start <bond> rate <pps> [flows <n>] [udp|tcp] [size <bytes>]';
  const opts: StreamOptions = { rate: 0, flows: 1, protocol: IPPROTO_UDP, size: MIN_SIZE };
  const int = (v: string | undefined): number => (v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : NaN);
  let haveRate = false;
  for (let i = 0; i < args.length; i++) {
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
  return opts;
}

/** Parses `start <bond> rate <pps> ...` (after `start`): the bond first, then its options. */
export function parseStreamStart(net: NetStack, hostCount: number, args: readonly string[]): { bond: Bond; opts: StreamOptions } {
  const name = args[0];
  const bond = name === undefined ? undefined : net.bond(name);
  if (!bond) throw new UsageError(`sim stream: no bond '${printable(name ?? '')}' (bonds: ${net.bonding.list().map((b) => b.name).join(' ') || 'none; modprobe bonding first'})`);
  return { bond, opts: parseStreamOptions(args.slice(1), hostCount) };
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

/** What the gateway counts of a stream. */
export interface SourceCounts {
  sent: number;
  received: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** The bond's slaves, in order, when counted. */
  slaves: string[];
}

/**
 * The sending side of `sim stream`: frame n (n = 0, 1, ...) is due at start + n / rate and
 * belongs to flow n mod flows, carrying its flow id and sequence number; echoes are counted
 * per flow as the host stack receives them (a frame that never came back is lost, one that
 * came back twice duplicated, one that came back after a later frame of its flow reordered).
 * Under the virtual clock every frame leaves at its due time (rates up to 1000/s) or in the
 * 1 ms tick it falls in, so a cable pull at a given instant loses the same frames every run.
 */
export class StreamSource {
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
  /** (time, frames sent by then) at each send, for the in-flight cut in the running counts. */
  private readonly history: { t: number; sent: number }[] = [];
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly env: GatewayEnv,
    readonly bond: Bond,
    readonly opts: StreamOptions,
  ) {
    const l4 = opts.protocol === IPPROTO_TCP ? 20 : 8;
    this.payloadBytes = opts.size - FCS - 14 - 20 - l4;
    this.seen = Array.from({ length: opts.flows }, () => new SeqSet());
    this.highest = new Int32Array(opts.flows).fill(-1);
  }

  /** Checks the bond can reach the hosts, resolves them (as a real stack does first), then starts sending. */
  async start(): Promise<void> {
    const { net, hosts } = this.env;
    checkReachable(net, this.bond, hosts[0], 'stream', "the hosts' subnet");
    const targets = hosts.slice(0, Math.min(this.opts.flows, hosts.length));
    const macs = await Promise.all(targets.map((ip) => net.host.resolve(ip)));
    const missing = targets.filter((_, i) => !macs[i]).map(formatIpv4);
    if (missing.length) throw new UsageError(`sim stream: no ARP reply from ${missing.join(', ')} (hosts down, or the bond cannot reach them)`);
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
  async stop(): Promise<SourceCounts> {
    this.halt();
    let last = -1;
    for (let waited = 0; waited < SETTLE_MS && this.received !== last; waited += QUIET_MS) {
      last = this.received;
      await this.env.sleep(QUIET_MS);
    }
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
  counts(running = this.running): SourceCounts {
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
    return {
      sent: this.sent,
      received: this.received,
      lost: Math.max(0, lost),
      duplicated: this.duplicated,
      reordered: this.reordered,
      slaves: this.bond.slaves.map((s) => s.name),
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
    const h = this.env.hosts.length;
    // A frame the host stack or the bond drops (no slave can send, no neighbour) is lost.
    this.env.net.host.sendIpv4(this.env.hosts[flowHost(flow, h)], this.opts.protocol, flowSourcePort(flow, h), ECHO_PORT, this.payloadBytes, t);
  }

  /** An echo reached the host stack. */
  private echoed(src: number, dstPort: number, frame: Uint8Array, off: number): void {
    const flow = readU16(frame, off + 4);
    const f = this.opts.flows;
    const hosts = this.env.hosts;
    if (flow >= f || flowOfPort(dstPort, hosts.length, f) !== flow || hosts[flowHost(flow, hosts.length)] !== src) return;
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

/** What the gateway half answers the host with, one JSON line per command. */
export type InstrumentResult =
  | { traffic: TrafficResult }
  | { xmit: number[] }
  | { stream: SourceCounts | null };

/**
 * The gateway's half of `sim`, as a simulated board's image carries it: the same command
 * (name, usage, who may run it) as natively, answering `traffic`, `xmit` and `stream` with an
 * `InstrumentResult` for the host to join with its cables' counts. The world's subcommands are
 * the host's and never reach here.
 */
export function registerSimInstrument(fw: Firmware): void {
  const env: GatewayEnv = {
    net: fw.net,
    hosts: simHostIps(),
    clock: fw.clock,
    sleep: (ms) => new Promise<void>((resolve) => fw.clock.setTimer(ms, resolve)),
  };
  let stream: StreamSource | undefined;
  fw.dispatcher.register({
    ...SIM_COMMAND,
    run: async (all) => {
      const [sub, ...args] = all;
      const answer = (r: InstrumentResult): string => JSON.stringify(r);
      switch (sub) {
        case 'traffic':
          return answer({ traffic: await trafficFromGateway(env, args) });
        case 'xmit':
          return answer({ xmit: [...(await xmitFromGateway(env, args))] });
        case 'stream': {
          const what = args[0];
          if (what === undefined) {
            if (!stream) throw new UsageError('sim stream: no stream running (sim stream start <bond> rate <pps> ...)');
            return answer({ stream: stream.counts() });
          }
          if (what === 'stop') {
            if (args.length !== 1) throw new UsageError('sim stream: usage: sim stream stop');
            if (!stream) throw new UsageError('sim stream: no stream running');
            const s = stream;
            stream = undefined;
            return answer({ stream: await s.stop() });
          }
          if (what !== 'start') throw new UsageError(`sim stream: expected start, stop or nothing, got '${printable(what)}'`);
          if (stream) throw new UsageError(`sim stream: a stream is already running on ${stream.bond.name} (sim stream stop first)`);
          const { bond, opts } = parseStreamStart(env.net, env.hosts.length, args.slice(1));
          const s = new StreamSource(env, bond, opts);
          await s.start();
          stream = s;
          return answer({ stream: null });
        }
        default:
          throw new UsageError(`sim ${printable(sub ?? '')}: the simulated world is the host's, not the firmware's`);
      }
    },
  });
}
