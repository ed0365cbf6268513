/**
 * The firmware's end of `interop:lacp`'s traffic, through its host stack: UDP flows sent at a
 * fixed rate on many source ports (so that the layer3+4 hash spreads them over the bond's
 * members), and the far end's numbered flows counted per flow: received, duplicated,
 * reordered, lost, and the longest silence.
 */
import { PeriodicTimer, type Clock } from '../../lib/clock.ts';
import type { HostStack } from '../../firmware/net/host.ts';
import { readU32 } from '../../lib/addr.ts';

export interface FlowSpec {
  dst: number;
  dport: number;
  /** Flow i uses source port sport + i. */
  sport: number;
  flows: number;
  /** Datagrams per second per flow. */
  rate: number;
  /** UDP payload bytes. */
  size: number;
}

/** How often the sender wakes; each wake sends what the elapsed time owes. */
const TICK_MS = 5;

export class FlowSender {
  readonly sent: number[];
  /** Datagrams the host stack refused (no route, no neighbour, bond down): never on the wire. */
  refused = 0;
  private readonly timer: PeriodicTimer;
  private start = 0;

  constructor(
    private readonly host: HostStack,
    private readonly clock: Clock,
    readonly spec: FlowSpec,
  ) {
    this.sent = new Array<number>(spec.flows).fill(0);
    this.timer = new PeriodicTimer(clock, () => TICK_MS, () => this.tick());
  }

  begin(): void {
    this.sent.fill(0);
    this.refused = 0;
    this.start = this.clock.now();
    this.timer.start(0);
  }

  end(): void {
    this.timer.stop();
  }

  get total(): number {
    return this.sent.reduce((a, b) => a + b, 0);
  }

  private tick(): void {
    const { dst, dport, sport, rate, size } = this.spec;
    const due = Math.floor(((this.clock.now() - this.start) * rate) / 1000);
    for (let f = 0; f < this.sent.length; f++) {
      while (this.sent[f] < due) {
        if (!this.host.sendIpv4(dst, 17, sport + f, dport, size)) this.refused++;
        this.sent[f]++;
      }
    }
  }
}

/** Sequence numbers kept per flow for duplicate detection (a run is far shorter). */
const MAX_SEQ = 1 << 16;

/** Counts the far end's numbered datagrams (udp-peer.ts: tag u32, sequence u32) per flow. */
export class FlowReceiver {
  readonly received: number[];
  readonly duplicates: number[];
  readonly reordered: number[];
  /** Longest time between two datagrams of a flow (ms). */
  readonly maxGapMs: number[];
  private readonly highest: number[];
  private readonly lastAt: number[];
  private readonly seen: Uint8Array[];
  private tag = 0;
  private readonly off: () => void;

  constructor(
    host: HostStack,
    private readonly clock: Clock,
    private readonly spec: Pick<FlowSpec, 'sport' | 'dport' | 'flows'>,
  ) {
    const n = spec.flows;
    this.received = new Array<number>(n).fill(0);
    this.duplicates = new Array<number>(n).fill(0);
    this.reordered = new Array<number>(n).fill(0);
    this.maxGapMs = new Array<number>(n).fill(0);
    this.highest = new Array<number>(n).fill(-1);
    this.lastAt = new Array<number>(n).fill(-1);
    this.seen = Array.from({ length: n }, () => new Uint8Array(MAX_SEQ));
    this.off = host.onDelivered((_link, protocol, _src, srcPort, dstPort, { frame, dataOffset: payload, dataLength }) => {
      const end = payload + dataLength;
      const f = srcPort - this.spec.sport;
      if (protocol !== 17 || dstPort !== this.spec.dport || f < 0 || f >= n || end - payload < 8) return;
      if (readU32(frame, payload) !== this.tag) return; // a straggler from an earlier phase
      this.count(f, readU32(frame, payload + 4));
    });
  }

  /** Starts a phase: counts cleared, only datagrams carrying `tag` count. */
  reset(tag: number): void {
    this.tag = tag >>> 0;
    for (const a of [this.received, this.duplicates, this.reordered, this.maxGapMs]) a.fill(0);
    this.highest.fill(-1);
    this.lastAt.fill(-1);
    for (const s of this.seen) s.fill(0);
  }

  get total(): number {
    return this.received.reduce((a, b) => a + b, 0);
  }

  close(): void {
    this.off();
  }

  private count(f: number, seq: number): void {
    const now = this.clock.now();
    if (this.lastAt[f] >= 0) this.maxGapMs[f] = Math.max(this.maxGapMs[f], now - this.lastAt[f]);
    this.lastAt[f] = now;
    if (seq < MAX_SEQ) {
      if (this.seen[f][seq]) {
        this.duplicates[f]++;
        return;
      }
      this.seen[f][seq] = 1;
    }
    this.received[f]++;
    if (seq < this.highest[f]) this.reordered[f]++;
    else this.highest[f] = seq;
  }
}
