import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { DeviceError, ProtocolError } from '../../lib/errors.ts';
import type { EventLog } from '../../lib/log.ts';
import { MdioBusBase, checkOp, isSmiOp, type MdioBusFeatures, type MdioOp, type RunOptions } from '../mdio/bus.ts';
import { MdioTimeoutError } from '../mdio/errors.ts';
import { indirectTimeout } from '../mdio/indirect.ts';
import { BridgeFrameReader, BridgeFrameWriter } from './framing.ts';
import { CAP_IRQ_PROGRAMS, CAP_SMI, type BridgeInfo, type BridgeMessage, type IrqRead } from './codec.ts';
import { isIdempotent } from './program.ts';
import { UART_BITS_PER_BYTE, type ByteLink } from './link.ts';
import { cutProgram, opsWireMs, programWireMs, type WireRates } from './wire-cost.ts';

export interface BridgeClientOptions {
  clock: Clock;
  link: ByteLink;
  log?: EventLog;
  /** Requests outstanding at once (pipelining); default 4. */
  window?: number;
  /** UART speed, for answer deadlines; default 921600. */
  baud?: number;
  /**
   * Least slack added to the expected answer time before a request counts as lost; default
   * 100 ms: a bridge in another process pauses for its garbage collector, a USB serial
   * adapter holds bytes up to its 16 ms latency timer, and a batch with writes whose answer
   * is late cannot be resent. The slack grows with the lateness the bridge shows (`slack`).
   */
  slackMs?: number;
  /** Resends of an idempotent request whose answer was lost; default 3. */
  retries?: number;
  /** How often `open()` says hello while the bridge is silent; default 200 ms. */
  helloIntervalMs?: number;
  /** A Hello goes out as a heartbeat when the bridge has said nothing for this long; default 250 ms. */
  heartbeatMs?: number;
  /**
   * The bridge counts as lost when nothing valid has come from it for this long (default
   * 1000 ms; 0: never): what was outstanding fails, and it is greeted until it answers.
   */
  livenessMs?: number;
}

/** Why the bridge is (again) ready: the first time, after a reboot, or back after it was lost. */
export type ReadyReason = 'open' | 'reboot' | 'return';

/** Least slack before an answer counts as lost (ms); see BridgeClientOptions.slackMs. */
export const DEFAULT_SLACK_MS = 100;

/** Defaults of the liveness bound (bridge.md section 6). */
export const HEARTBEAT_MS = 250;
export const LIVENESS_MS = 1000;

interface Pending {
  ops: readonly MdioOp[];
  /** Where `ops` starts in the caller's batch (a batch cut into programs), for error messages. */
  offset: number;
  idempotent: boolean;
  /** Link-monitor work: sent before ordinary batches, in programs of its own. */
  urgent: boolean;
  /** Estimated wire time of `ops` inside a program (framing excluded). */
  wireMs: number;
  /** The caller's batch this is a program of, when it was cut into several (one per batch). */
  cutOf?: object;
  /** A program of a cut batch that failed or started again: dropped instead of sent. */
  abandoned?: () => boolean;
  /**
   * Resends it, for a program of a cut batch whose later programs may have run already: they
   * run again after it (a later read may depend on what an earlier one selected).
   */
  resend?: () => void;
  tries: number;
  resolve(values: number[]): void;
  reject(e: Error): void;
}

interface InFlight {
  seq: number;
  items: Pending[];
  timer: TimerHandle;
  /** When it went out, and the time the UART and the bus alone would take, for lateness samples. */
  sentAt: number;
  modelMs: number;
  /** A resend is in it: its answer may be to the first copy, so it teaches nothing (Karn). */
  resent: boolean;
  urgent: boolean;
}

/**
 * Estimated wire time (UART both ways and MDIO bus, see wire-cost.ts) of one ordinary
 * program: queued batches are merged up to it, and a longer batch that only reads is cut at
 * the points its caller allows (RunOptions.cuts) into programs of at most this much.
 */
export const ORDINARY_PROGRAM_MS = 1.5;
/**
 * Ordinary programs in flight at once (of the window's 4 by default): the rest stay free, so a
 * monitor batch is always sent at once and waits on the bridge for at most these two.
 */
export const ORDINARY_WINDOW = 2;
/**
 * The most bulk reading (polls, counters) an urgent batch waits behind on the bridge: two
 * ordinary programs of at most ORDINARY_PROGRAM_MS each. A batch that writes, or that its
 * builder gives no cuts, goes whole (hal/README.md lists the drivers' longest). Stated in
 * hal/README.md, proto/bridge.md and the README.
 */
export const URGENT_WAIT_BOUND_MS = ORDINARY_WINDOW * ORDINARY_PROGRAM_MS;

/** Bytes on the wire per Clause 22 read, each way, for deadline estimates (bridge.md). */
const EST_REQ_BYTES_PER_OP = 3;
const EST_RSP_BYTES_PER_OP = 3;
const EST_FRAME_OVERHEAD = 12;
const MDC_CYCLES = 64;

/**
 * The board CPU's side of the serial-MDIO bridge: an MdioBus whose batches become bridge
 * programs. A window of requests is kept in flight and answers are matched by sequence
 * number only, so a duplicated, late or reordered answer can never complete another request.
 * Lost answers are detected by deadline; idempotent requests are resent, others fail with a
 * DeviceError. Garbage and CRC errors are counted (the framing resynchronises by itself). A
 * bridge that reboots (an unsolicited Info with a new boot id) or a link that vanishes fails
 * or resends what was outstanding, then work goes on.
 */
export class BridgeClient extends MdioBusBase {
  info: BridgeInfo | undefined;
  private readonly reader: BridgeFrameReader;
  private readonly writer: BridgeFrameWriter;
  private readonly queue: Pending[] = [];
  private readonly urgentQueue: Pending[] = [];
  private readonly inflight = new Map<number, InFlight>();
  private nextSeq = 1;
  private ready = false;
  private closed = false;
  private helloTimer: TimerHandle | undefined;
  private helloSeq = 0;
  private openWaiters: { resolve(i: BridgeInfo): void; reject(e: Error): void }[] = [];
  private linkListeners = new Set<(line: number, asserted: boolean, read?: IrqRead) => void>();
  /** IrqProgram requests waiting for their Result, by seq. */
  private readonly irqPending = new Map<number, { resolve(): void; reject(e: Error): void; timer: TimerHandle }>();
  private rawListener: ((frame: Uint8Array) => void) | undefined;
  private readyListeners = new Set<(info: BridgeInfo, why: ReadyReason) => void>();
  private lostListeners = new Set<(reason: string) => void>();
  private heartbeatTimer: TimerHandle | undefined;
  /** Clock time of the last valid message from the bridge. */
  private lastHeard = 0;
  private everReady = false;
  readonly counters = {
    requests: 0, resent: 0, timeouts: 0, rejected: 0, unknownSeq: 0, reboots: 0, linkDowns: 0, losses: 0, heartbeats: 0,
    /** Ordinary batches cut into several programs (RunOptions.cuts), and the programs they made. */
    cutBatches: 0, cutPrograms: 0,
    /** LinkEvents heard, and those that carried an interrupt program's reading (capability 64). */
    linkEvents: 0, linkEventReads: 0,
    badFrames: { crc: 0, decode: 0, empty: 0, program: 0, oversize: 0 } as Record<string, number>,
  };

  constructor(private readonly opts: BridgeClientOptions) {
    super();
    this.writer = new BridgeFrameWriter((bytes) => opts.link.write(bytes));
    this.reader = new BridgeFrameReader(
      (m) => this.onMessage(m),
      (reason) => {
        this.counters.badFrames[reason] = (this.counters.badFrames[reason] ?? 0) + 1;
      },
    );
    opts.link.setReceiver((chunk) => this.reader.push(chunk));
    opts.link.setStateListener((up) => this.onLinkState(up));
  }

  /** What the bridge runs beyond plain operations, from its Info (nothing before it said hello). */
  get features(): MdioBusFeatures {
    return { smi: ((this.info?.capabilities ?? 0) & CAP_SMI) !== 0 };
  }

  /** The bridge's program limit, once it has told us. */
  get maxBatchOps(): number | undefined {
    return this.info?.maxOps;
  }

  get window(): number {
    return this.opts.window ?? 4;
  }

  /** True once the bridge has identified itself and the link is up. */
  get isReady(): boolean {
    return this.ready;
  }

  /**
   * Says hello until the bridge answers with its Info (or announces itself after boot); from
   * then on the bridge's liveness is watched (heartbeats while it is quiet).
   */
  open(): Promise<BridgeInfo> {
    this.startHeartbeat();
    if (this.ready && this.info) return Promise.resolve(this.info);
    const p = new Promise<BridgeInfo>((resolve, reject) => this.openWaiters.push({ resolve, reject }));
    this.sayHello();
    return p;
  }

  /** Batches waiting to go out or waiting for their answer (a batch cut into programs counts once). */
  get backlog(): number {
    const cut = new Set<object>();
    let n = 0;
    const count = (p: Pending): void => {
      if (p.abandoned?.()) return;
      if (!p.cutOf) n++;
      else if (!cut.has(p.cutOf)) {
        cut.add(p.cutOf);
        n++;
      }
    };
    for (const p of this.queue) count(p);
    for (const p of this.urgentQueue) count(p);
    for (const f of this.inflight.values()) for (const p of f.items) count(p);
    return n;
  }

  /** How long the bridge may say nothing before it counts as lost (0: never). */
  get livenessMs(): number {
    return this.opts.livenessMs ?? LIVENESS_MS;
  }

  /** Milliseconds since the bridge last said anything valid. */
  get silentMs(): number {
    return this.opts.clock.now() - this.lastHeard;
  }

  /** Runs a batch as one bridge program (one round trip unless it must be resent). */
  run(ops: readonly MdioOp[], opts?: RunOptions): Promise<number[]> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new DeviceError('mdio bridge: closed'));
      if (!this.opts.link.up) return reject(new DeviceError('mdio bridge: serial link is down'));
      // Between a reconnection and the bridge's hello nothing would answer: fail now rather
      // than wait on a bridge that may never speak.
      if (!this.ready) return reject(new DeviceError('mdio bridge: the bridge has not said hello yet'));
      const unfit = this.unfit(ops);
      if (unfit) return reject(unfit);
      const max = this.info?.maxOps ?? 1024;
      if (ops.length > max) return reject(new DeviceError(`mdio bridge: a batch of ${ops.length} operations exceeds the bridge's limit of ${max}`));
      if (ops.length === 0) return resolve([]);
      const urgent = opts?.urgent === true;
      const idempotent = opts?.idempotent ?? isIdempotent(ops);
      // Only a batch that reads (its writes, if any, only select what it reads) is cut: one that
      // writes stays one program, so that a lost answer never leaves it half done.
      if (!urgent && idempotent && opts?.cuts && opts.cuts.length > 0 && programWireMs(ops, 0, ops.length, this.rates) > ORDINARY_PROGRAM_MS) {
        const pieces = cutProgram(ops, opts.cuts, ORDINARY_PROGRAM_MS, this.rates, opts.resume);
        if (pieces.length > 1) return this.runCut(ops, pieces, opts.resume, resolve, reject);
      }
      const p: Pending = { ops, offset: 0, idempotent, urgent, wireMs: opsWireMs(ops, 0, ops.length, this.rates), tries: 0, resolve, reject };
      (p.urgent ? this.urgentQueue : this.queue).push(p);
      this.pump();
    });
  }

  /**
   * Runs an ordinary read batch as several programs, queued in order: they keep both ordinary
   * slots busy while urgent batches go ahead of them. When a program's answer is lost, the
   * batch runs again from its start as one program, as it would have without cuts: the
   * programs behind the lost one may have run already, and a read may depend on what an
   * earlier program selected or on a unit an earlier program saw idle (a PHY read command,
   * then its data), so only the whole batch in order is sure to be consistent. When a program
   * fails, the rest are dropped (at worst some already ran, which reading allows) and the batch
   * fails as one program would.
   */
  private runCut(ops: readonly MdioOp[], pieces: readonly [number, number][], resume: ReadonlyMap<number, readonly MdioOp[]> | undefined, resolve: (v: number[]) => void, reject: (e: Error) => void): void {
    this.counters.cutBatches++;
    this.counters.cutPrograms += pieces.length;
    const values = new Array<number>(ops.length);
    const batch = {};
    let left = pieces.length;
    let done = false;
    /** Bumped when the batch runs again whole: the programs of the cut run are dropped, their answers ignored. */
    let whole = false;
    const live = (): boolean => !done && !whole;
    const fail = (e: Error): void => {
      done = true;
      reject(e);
    };
    const piece = (k: number): Pending => {
      const [start, end] = pieces[k];
      // A program that starts at a cut first sets the far side up again if the cut says so.
      const first = (k > 0 && resume?.get(start)) || [];
      const part = first.length ? [...first, ...ops.slice(start, end)] : ops.slice(start, end);
      let answered = false;
      const p: Pending = {
        ops: part, offset: start - first.length, idempotent: true, urgent: false, wireMs: opsWireMs(part, 0, part.length, this.rates), tries: 0,
        cutOf: batch,
        abandoned: () => !live(),
        reject: (e) => {
          if (live()) fail(e);
        },
        resolve: (v) => {
          if (!live() || answered) return;
          answered = true;
          for (let i = first.length; i < v.length; i++) values[start + i - first.length] = v[i];
          if (--left === 0) {
            done = true;
            resolve(values);
          }
        },
        resend: () => {
          if (!live()) return;
          whole = true;
          this.queue.unshift({
            ops, offset: 0, idempotent: true, urgent: false, wireMs: opsWireMs(ops, 0, ops.length, this.rates), tries: p.tries,
            resolve: (v) => {
              done = true;
              resolve(v);
            },
            reject: fail,
          });
        },
      };
      return p;
    };
    for (let k = 0; k < pieces.length; k++) this.queue.push(piece(k));
    this.pump();
  }

  /** UART and MDIO speeds for wire-time estimates. */
  private get rates(): WireRates {
    return { baud: this.opts.baud ?? 921_600, mdioClockHz: this.info?.mdioClockHz ?? 2_500_000 };
  }

  /**
   * Why `ops` cannot go to this bridge: an operation out of range, or an indirect one that an
   * older bridge would refuse with the whole program (unknown opcode), said here instead.
   */
  private unfit(ops: readonly MdioOp[]): Error | undefined {
    try {
      for (const op of ops) checkOp(op);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
    if (!this.features.smi && ops.some(isSmiOp)) return new DeviceError('mdio bridge: this bridge does not run indirect SMI operations (no capability 32)');
    return undefined;
  }

  /** True when the bridge runs interrupt programs (capability 64). */
  get runsIrqPrograms(): boolean {
    return ((this.info?.capabilities ?? 0) & CAP_IRQ_PROGRAMS) !== 0;
  }

  /**
   * Has the bridge run `ops` whenever interrupt line `line` is asserted, and
   * send their values in that LinkEvent (bridge.md section 7.1); no ops removes the program.
   * It runs between any two programs, so it must read only (its writes, if any, selecting what
   * it reads, as an indirect read's do) and leave nothing selected that another program relies
   * on. Resolves once the bridge has kept it. Stored again after a reboot by whoever asked (onReady):
   * a rebooted bridge forgets them. Resent when its answer is lost, as storing twice is harmless.
   */
  setIrqProgram(line: number, ops: readonly MdioOp[]): Promise<void> {
    if (this.closed) return Promise.reject(new DeviceError('mdio bridge: closed'));
    if (!this.ready || !this.opts.link.up) return Promise.reject(new DeviceError('mdio bridge: the bridge has not said hello yet'));
    if (!this.runsIrqPrograms) return Promise.reject(new DeviceError('mdio bridge: this bridge does not run interrupt programs (no capability 64)'));
    const unfit = this.unfit(ops);
    if (unfit) return Promise.reject(unfit);
    return new Promise((resolve, reject) => {
      let tries = 0;
      const send = (): void => {
        const seq = this.allocSeq();
        const timer = this.opts.clock.setTimer(this.deadline(ops.length), () => {
          this.irqPending.delete(seq);
          if (tries++ < (this.opts.retries ?? 3) && this.ready) send();
          else reject(new DeviceError(`mdio bridge: no answer to an interrupt program after ${tries} ${tries === 1 ? 'try' : 'tries'}`));
        });
        this.irqPending.set(seq, { resolve, reject, timer });
        this.writer.write({ kind: 'irqProgram', seq, line, ops: ops as MdioOp[] });
      };
      send();
    });
  }

  onLinkEvent(fn: (line: number, asserted: boolean, read?: IrqRead) => void): () => void {
    this.linkListeners.add(fn);
    return () => this.linkListeners.delete(fn);
  }

  /** Called each time the bridge is (again) ready: after open, a reboot, a return after it was lost. */
  onReady(fn: (info: BridgeInfo, why: ReadyReason) => void): () => void {
    this.readyListeners.add(fn);
    return () => this.readyListeners.delete(fn);
  }

  /** Called when the bridge is lost: silent past the liveness bound, or its serial link gone. */
  onLost(fn: (reason: string) => void): () => void {
    this.lostListeners.add(fn);
    return () => this.lostListeners.delete(fn);
  }

  setRawFrameReceiver(fn: (frame: Uint8Array) => void): void {
    this.rawListener = fn;
  }

  sendRawFrame(frame: Uint8Array): void {
    if (this.opts.link.up) this.writer.write({ kind: 'rawFrame', seq: 0, data: frame });
  }

  /** Fails everything outstanding and stops; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.helloTimer !== undefined) this.opts.clock.cancel(this.helloTimer);
    if (this.heartbeatTimer !== undefined) this.opts.clock.cancel(this.heartbeatTimer);
    this.failAll(new DeviceError('mdio bridge: closed'), false);
    for (const w of this.openWaiters.splice(0)) w.reject(new DeviceError('mdio bridge: closed'));
  }

  private sayHello(): void {
    if (this.closed || this.ready || this.helloTimer !== undefined) return;
    const tick = (): void => {
      this.helloTimer = undefined;
      if (this.closed || this.ready) return;
      if (this.opts.link.up) {
        this.helloSeq = this.allocSeq();
        this.writer.write({ kind: 'hello', seq: this.helloSeq });
      }
      this.helloTimer = this.opts.clock.setTimer(this.opts.helloIntervalMs ?? 200, tick);
    };
    tick();
  }

  /**
   * Every `heartbeatMs`: a bridge quiet for that long gets a Hello (its Info answers, and
   * says whether it rebooted); one quiet for `livenessMs` is lost.
   */
  private startHeartbeat(): void {
    if (this.heartbeatTimer !== undefined || this.closed) return;
    const every = this.opts.heartbeatMs ?? HEARTBEAT_MS;
    this.lastHeard = this.opts.clock.now();
    const tick = (): void => {
      this.heartbeatTimer = this.opts.clock.setTimer(every, tick);
      if (!this.ready || this.closed) return;
      const silent = this.silentMs;
      const bound = this.opts.livenessMs ?? LIVENESS_MS;
      if (bound > 0 && silent >= bound) {
        this.lose(`no answer for ${Math.round(silent)} ms`);
        return;
      }
      if (silent >= every && this.opts.link.up) {
        this.counters.heartbeats++;
        this.helloSeq = this.allocSeq();
        this.writer.write({ kind: 'hello', seq: this.helloSeq });
      }
    };
    this.heartbeatTimer = this.opts.clock.setTimer(every, tick);
  }

  /** The bridge stopped answering: fail what waits on it, and greet it until it is back. */
  private lose(reason: string): void {
    this.ready = false;
    this.counters.losses++;
    this.opts.log?.warn(`mdio bridge: lost (${reason}); the switch cannot be reached until it answers`);
    this.failAll(new DeviceError(`mdio bridge: the bridge is not answering (${reason})`), false);
    for (const l of this.lostListeners) l(reason);
    this.sayHello();
  }

  private allocSeq(): number {
    for (;;) {
      const s = this.nextSeq;
      this.nextSeq = this.nextSeq >= 0xffff ? 1 : this.nextSeq + 1;
      if (!this.inflight.has(s) && !this.irqPending.has(s) && s !== this.helloSeq) {
        this.abandoned.delete(s); // used again: an old answer under it teaches nothing
        return s;
      }
    }
  }

  /**
   * Sends queued batches while the window has room, merging queued batches into one program:
   * monitor batches first and among themselves; ordinary ones in programs of at most
   * ORDINARY_PROGRAM_MS of wire time (a longer batch that cannot be cut goes alone), only
   * while no monitor batch waits, and never more than ORDINARY_WINDOW at once.
   */
  private pump(): void {
    if (!this.ready || this.closed) return;
    const max = this.info?.maxOps ?? 1024;
    const budget = ORDINARY_PROGRAM_MS - programWireMs([], 0, 0, this.rates);
    for (;;) {
      if (this.inflight.size >= this.window) return;
      let from: Pending[];
      if (this.urgentQueue.length > 0) from = this.urgentQueue;
      else if (this.queue.length > 0 && this.ordinaryInFlight() < Math.min(ORDINARY_WINDOW, Math.max(1, this.window - 1))) from = this.queue;
      else return;
      const urgent = from === this.urgentQueue;
      if (from[0].abandoned?.()) {
        from.shift();
        continue;
      }
      const items: Pending[] = [from.shift()!];
      let total = items[0].ops.length;
      let wire = items[0].wireMs;
      while (from.length > 0 && !from[0].abandoned?.() && total + from[0].ops.length <= max && (urgent || wire + from[0].wireMs <= budget)) {
        const p = from.shift()!;
        items.push(p);
        total += p.ops.length;
        wire += p.wireMs;
      }
      const ops = items.length === 1 ? items[0].ops : items.flatMap((p) => p.ops);
      const seq = this.allocSeq();
      const modelMs = this.busTime(total) + this.aheadMs();
      const timer = this.opts.clock.setTimer(this.deadline(total), () => this.onTimeout(seq));
      this.inflight.set(seq, { seq, items, timer, urgent, sentAt: this.opts.clock.now(), modelMs, resent: items.some((p) => p.tries > 0) });
      this.counters.requests++;
      this.writer.write({ kind: 'program', seq, ops: ops as MdioOp[] });
    }
  }

  private ordinaryInFlight(): number {
    let n = 0;
    for (const f of this.inflight.values()) if (!f.urgent) n++;
    return n;
  }

  /** Puts batches back at the front of their queues, in order. */
  private requeue(items: Pending[]): void {
    this.urgentQueue.unshift(...items.filter((p) => p.urgent));
    this.queue.unshift(...items.filter((p) => !p.urgent));
  }

  /** Expected time for a program of `n` ops to go out, run and come back, plus slack. */
  private deadline(n: number): number {
    return this.busTime(n) * (this.window + 1) + this.aheadMs() + this.slack;
  }

  /** The programs already in flight run first on the bridge: their bus time delays a new one. */
  private aheadMs(): number {
    let ahead = 0;
    for (const f of this.inflight.values()) for (const p of f.items) ahead += p.ops.length;
    return this.busTime(ahead);
  }

  /** Smoothed lateness of answers beyond the UART and bus time, and its variation (RFC 6298's SRTT and RTTVAR). */
  private lateMs: number | undefined;
  private lateVar = 0;
  /** Requests given up on, whose late answers are still worth a lateness sample. */
  private readonly abandoned = new Map<number, { sentAt: number; modelMs: number }>();

  /**
   * Slack before an answer counts as lost: the lateness answers show (a bridge in another
   * process pauses, a USB serial adapter holds bytes for its latency timer) plus four times
   * its variation, as TCP sets its retransmission timeout (RFC 6298), never below `slackMs`
   * and never above 1 s.
   */
  get slack(): number {
    const floor = this.opts.slackMs ?? DEFAULT_SLACK_MS;
    if (this.lateMs === undefined) return floor;
    return Math.min(1000, Math.max(floor, this.lateMs + 4 * this.lateVar));
  }

  private learnLateness(sample: number): void {
    const x = Math.max(0, sample);
    if (this.lateMs === undefined) {
      this.lateMs = x;
      this.lateVar = x / 2;
      return;
    }
    this.lateVar = 0.75 * this.lateVar + 0.25 * Math.abs(this.lateMs - x);
    this.lateMs = 0.875 * this.lateMs + 0.125 * x;
  }

  private busTime(n: number): number {
    const baud = this.opts.baud ?? 921_600;
    const bytes = 2 * EST_FRAME_OVERHEAD + n * (EST_REQ_BYTES_PER_OP + EST_RSP_BYTES_PER_OP);
    const wire = (bytes * UART_BITS_PER_BYTE * 1000) / baud;
    const mdio = (n * 2 * MDC_CYCLES * 1000) / (this.info?.mdioClockHz ?? 2_500_000);
    return wire + mdio;
  }

  private onTimeout(seq: number): void {
    const f = this.inflight.get(seq);
    if (!f) return;
    this.inflight.delete(seq);
    this.counters.timeouts++;
    // Its answer may still come: how late it is then teaches the slack (its seq is its own,
    // as a resend goes under a new one, so the sample is unambiguous).
    this.abandoned.set(seq, { sentAt: f.sentAt, modelMs: f.modelMs });
    if (this.abandoned.size > 64) this.abandoned.delete(this.abandoned.keys().next().value as number);
    // Without the seq: a silent bridge repeats this, and the log counts repeats of one text.
    this.opts.log?.warn('mdio bridge: a request went unanswered');
    this.retryOrFail(f.items, (p) => new DeviceError(`mdio bridge: no answer after ${p.tries + 1} ${p.tries ? 'tries' : 'try'}${p.idempotent ? '' : ' (a batch with writes is not resent)'}`));
    this.pump();
  }

  /** Resends idempotent items (at the front, in order) and fails the rest. */
  private retryOrFail(items: Pending[], why: (p: Pending) => Error): void {
    const again: Pending[] = [];
    for (const p of items) {
      if (p.abandoned?.()) continue; // its batch failed or started again: nobody waits for it
      if (p.idempotent && p.tries < (this.opts.retries ?? 3)) {
        p.tries++;
        this.counters.resent++;
        if (p.resend) p.resend();
        else again.push(p);
      } else {
        this.counters.rejected++;
        p.reject(why(p));
      }
    }
    this.requeue(again);
  }

  private onMessage(m: BridgeMessage): void {
    this.lastHeard = this.opts.clock.now();
    switch (m.kind) {
      case 'info':
        this.onInfo(m.seq, m.info);
        break;
      case 'result': {
        const irq = this.irqPending.get(m.seq);
        if (irq) {
          this.irqPending.delete(m.seq);
          this.opts.clock.cancel(irq.timer);
          if (m.status === 'ok') irq.resolve();
          else irq.reject(new DeviceError(`mdio bridge: interrupt program refused (${m.status}) at operation ${m.failedAt}`));
          return;
        }
        const f = this.inflight.get(m.seq);
        if (!f) {
          this.counters.unknownSeq++; // a duplicate, or an answer to an abandoned request
          const late = this.abandoned.get(m.seq);
          if (late) {
            this.abandoned.delete(m.seq);
            this.learnLateness(this.opts.clock.now() - late.sentAt - late.modelMs);
          }
          return;
        }
        this.inflight.delete(m.seq);
        this.opts.clock.cancel(f.timer);
        if (!f.resent) this.learnLateness(this.opts.clock.now() - f.sentAt - f.modelMs);
        this.complete(f, m.status, m.values, m.failedAt);
        this.pump();
        break;
      }
      case 'linkEvent':
        this.counters.linkEvents++;
        if (m.read) this.counters.linkEventReads++;
        for (const l of this.linkListeners) l(m.line, m.asserted, m.read);
        break;
      case 'rawFrame':
        this.rawListener?.(m.data);
        break;
      default:
        this.counters.unknownSeq++; // hello or program: only a host sends these
    }
  }

  private complete(f: InFlight, status: string, values: number[], failedAt: number): void {
    let o = 0;
    for (let i = 0; i < f.items.length; i++) {
      const p = f.items[i];
      const end = o + p.ops.length;
      if (status === 'ok' || failedAt >= end) {
        if (values.length < end) {
          p.reject(new ProtocolError(`mdio bridge: answer has ${values.length} values for ${end} operations`));
        } else {
          p.resolve(values.slice(o, end));
        }
      } else if (failedAt >= o) {
        const op = p.ops[failedAt - o];
        if (status === 'wait-timeout' && op.op === 'wait') p.reject(new MdioTimeoutError(op.phy, op.reg, op.tries, values[failedAt] ?? 0));
        else if ((status === 'wait-timeout' || status === 'unit-timeout') && isSmiOp(op)) p.reject(indirectTimeout(op, status === 'unit-timeout', values[failedAt] ?? 0));
        else p.reject(new DeviceError(`mdio bridge: program refused (${status}) at operation ${failedAt - o + p.offset} (${op.op})`));
        // Later batches in the same program never ran: send them again as they were.
        this.requeue(f.items.slice(i + 1));
        return;
      }
      o = end;
    }
  }

  /**
   * A reboot the bridge admits to: a new boot id, a new boot nonce, or (from a bridge without
   * nonces, whose boot id may repeat when it keeps no flash) its unsolicited Info after boot.
   */
  private isReboot(seq: number, info: BridgeInfo): boolean {
    const prev = this.info;
    if (!prev) return false;
    if (info.bootId !== prev.bootId) return true;
    if (info.bootNonce !== 0 || prev.bootNonce !== 0) return info.bootNonce !== prev.bootNonce;
    return seq === 0;
  }

  private onInfo(seq: number, info: BridgeInfo): void {
    if (seq !== 0 && seq !== this.helloSeq && this.ready) {
      this.counters.unknownSeq++;
      return;
    }
    const rebooted = this.isReboot(seq, info);
    this.info = info;
    if (rebooted) {
      this.counters.reboots++;
      this.opts.log?.warn(`mdio bridge: bridge rebooted (boot id ${info.bootId}); resending what can be resent`);
      const items = [...this.inflight.values()].flatMap((f) => {
        this.opts.clock.cancel(f.timer);
        return f.items;
      });
      this.inflight.clear();
      this.retryOrFail(items, () => new DeviceError('mdio bridge: the bridge rebooted while running a batch with writes; not resent'));
    }
    const wasReady = this.ready;
    this.ready = true;
    if (this.helloTimer !== undefined) {
      this.opts.clock.cancel(this.helloTimer);
      this.helloTimer = undefined;
    }
    if (!wasReady || rebooted) {
      const why: ReadyReason = !this.everReady ? 'open' : rebooted ? 'reboot' : 'return';
      this.everReady = true;
      if (why === 'open') this.opts.log?.info(`mdio bridge: ${info.firmwareVersion}, MDC ${info.mdioClockHz / 1e6} MHz, up to ${info.maxOps} operations a program`);
      else if (why === 'return') this.opts.log?.info('mdio bridge: answering again (same boot)');
      for (const w of this.openWaiters.splice(0)) w.resolve(info);
      for (const l of this.readyListeners) l(info, why);
    }
    this.pump();
  }

  private onLinkState(up: boolean): void {
    if (this.closed) return;
    if (!up) {
      this.counters.linkDowns++;
      const wasReady = this.ready;
      this.ready = false;
      this.opts.log?.warn('mdio bridge: serial link lost');
      this.failAll(new DeviceError('mdio bridge: serial link lost'), false);
      if (wasReady) for (const l of this.lostListeners) l('serial link lost');
    } else {
      this.opts.log?.info('mdio bridge: serial link back; saying hello');
      this.sayHello();
    }
  }

  private failAll(e: Error, keepQueued: boolean): void {
    for (const p of this.irqPending.values()) {
      this.opts.clock.cancel(p.timer);
      p.reject(e);
    }
    this.irqPending.clear();
    for (const f of this.inflight.values()) {
      this.opts.clock.cancel(f.timer);
      for (const p of f.items) p.reject(e);
    }
    this.inflight.clear();
    if (!keepQueued) for (const p of [...this.urgentQueue.splice(0), ...this.queue.splice(0)]) p.reject(e);
  }
}
