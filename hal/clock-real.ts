import type { Clock, TimerHandle } from '../lib/clock.ts';

/**
 * How close to its due time the next timer must be for the clock to wait for it on the event
 * loop's check phase (setImmediate, until it is due) rather than with a Node timer, which
 * counts whole milliseconds and waits at least one: a 0.1 ms UART byte time or MDIO program
 * would otherwise take 1 to 2 ms. Further off, a Node timer wakes the clock (no spinning).
 */
export const PRECISE_BELOW_MS = 2;

interface Entry {
  id: number;
  due: number;
  fn: () => void;
}

type Wake = { kind: 'timeout'; t: NodeJS.Timeout } | { kind: 'immediate'; t: NodeJS.Immediate };

/**
 * The wall-clock implementation of Clock, for the main job on real time. Its timers are one
 * queue in due order (ties in the order set), as the virtual clock's are: however late the
 * process wakes, what was due runs in that order, and a timer shorter than Node's resolution
 * runs when it is due, not a millisecond later.
 */
export class RealClock implements Clock {
  private readonly read: () => number;
  private readonly start: number;
  /** Pending timers, by due time then id. */
  private readonly queue: Entry[] = [];
  private readonly byId = new Map<number, Entry>();
  private wake: Wake | undefined;
  private nextId = 1;

  /**
   * `unref`: its timers do not keep the process alive (work beside the main job, such as
   * telemetry). `time`: the monotonic source in milliseconds, `performance.now` unless a test
   * needs to hold it still while it sets timers.
   */
  constructor(private readonly opts: { unref?: boolean; time?: () => number } = {}) {
    this.read = opts.time ?? (() => performance.now());
    this.start = this.read();
  }

  now(): number {
    return this.read() - this.start;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const e: Entry = { id: this.nextId++, due: this.read() + Math.max(0, ms), fn };
    this.queue.splice(this.indexOf(e), 0, e);
    this.byId.set(e.id, e);
    if (this.queue[0] === e) this.arm();
    return e.id;
  }

  cancel(handle: TimerHandle): void {
    const e = this.byId.get(handle);
    if (e === undefined) return;
    this.byId.delete(handle);
    const i = this.indexOf(e);
    if (this.queue[i] === e) this.queue.splice(i, 1);
    if (this.queue.length === 0) this.disarm();
  }

  /** Cancels every timer still pending (shutdown). */
  cancelAll(): void {
    this.queue.length = 0;
    this.byId.clear();
    this.disarm();
  }

  /** Where `e` is, or goes, in the queue (binary search on due time, then id). */
  private indexOf(e: Entry): number {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const q = this.queue[mid];
      if (q.due < e.due || (q.due === e.due && q.id < e.id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Wakes the clock for the first timer: on the check phase when it is close, by a Node timer when not. */
  private arm(): void {
    this.disarm();
    const first = this.queue[0];
    if (!first) return;
    const wait = first.due - this.read();
    const wake: Wake = wait < PRECISE_BELOW_MS
      ? { kind: 'immediate', t: setImmediate(() => this.fire()) }
      : { kind: 'timeout', t: setTimeout(() => this.fire(), wait) };
    if (this.opts.unref) wake.t.unref();
    this.wake = wake;
  }

  private disarm(): void {
    const w = this.wake;
    this.wake = undefined;
    if (w?.kind === 'timeout') clearTimeout(w.t);
    else if (w?.kind === 'immediate') clearImmediate(w.t);
  }

  /** Runs what was due when it woke, in order; timers those set wait for the next wake. */
  private fire(): void {
    this.wake = undefined;
    const now = this.read();
    try {
      while (this.queue.length > 0 && this.queue[0].due <= now) {
        const e = this.queue.shift()!;
        this.byId.delete(e.id);
        e.fn();
      }
    } finally {
      if (this.wake === undefined) this.arm();
    }
  }
}

/** Settles promise work between virtual timers in Node: one macrotask turn drains everything. */
export const nodeSettle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
