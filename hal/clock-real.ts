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
  /**
   * What wakes the clock: a Node timer or an immediate (at most one is set). Kept in two fields
   * and woken through one bound function, so that arming allocates nothing of ours: while the
   * clock waits on the check phase it arms again on every turn of the event loop.
   */
  private wakeTimeout: NodeJS.Timeout | undefined;
  private wakeImmediate: NodeJS.Immediate | undefined;
  private readonly onWake = (): void => this.fire();
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

  /**
   * Wakes the clock for the first timer: on the check phase when it is close, by a Node timer
   * when not. `now`: the time just read, when nothing has run since.
   */
  private arm(now = this.read()): void {
    this.disarm();
    const first = this.queue[0];
    if (!first) return;
    const wait = first.due - now;
    if (wait < PRECISE_BELOW_MS) {
      const t = setImmediate(this.onWake);
      if (this.opts.unref) t.unref();
      this.wakeImmediate = t;
    } else {
      const t = setTimeout(this.onWake, wait);
      if (this.opts.unref) t.unref();
      this.wakeTimeout = t;
    }
  }

  private disarm(): void {
    if (this.wakeTimeout !== undefined) clearTimeout(this.wakeTimeout);
    if (this.wakeImmediate !== undefined) clearImmediate(this.wakeImmediate);
    this.wakeTimeout = undefined;
    this.wakeImmediate = undefined;
  }

  /** Runs what was due when it woke, in order; timers those set wait for the next wake. */
  private fire(): void {
    this.wakeTimeout = undefined;
    this.wakeImmediate = undefined;
    const now = this.read();
    let ran = false;
    try {
      while (this.queue.length > 0 && this.queue[0].due <= now) {
        const e = this.queue.shift()!;
        this.byId.delete(e.id);
        ran = true;
        e.fn();
      }
    } finally {
      // Waiting on the check phase, most wakes run nothing: those arm again from the time
      // they read rather than reading it twice.
      if (this.wakeTimeout === undefined && this.wakeImmediate === undefined) this.arm(ran ? this.read() : now);
    }
  }
}

/** Settles promise work between virtual timers in Node: one macrotask turn drains everything. */
export const nodeSettle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
