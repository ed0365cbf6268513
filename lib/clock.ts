/**
 * Time for the firmware. Nothing in the firmware reads the wall clock or sets a timer
 * any other way: a virtual clock makes every timing behaviour exact and testable.
 */

export type TimerHandle = number;

export interface Clock {
  /** Milliseconds since the clock started (monotonic, may be fractional on a real clock). */
  now(): number;
  /** Runs `fn` once, `ms` milliseconds from now (0 means "as soon as possible, in order"). */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Cancels a timer; cancelling an unknown or fired timer does nothing. */
  cancel(handle: TimerHandle): void;
}

/** Lets pending promise work finish; the default works in any engine, Node passes setImmediate. */
export type Settle = () => Promise<void>;

const microtaskSettle: Settle = async () => {
  for (let i = 0; i < 64; i++) await Promise.resolve();
};

interface VirtualTimer {
  id: number;
  due: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when told to. `advance(ms)` runs every due timer in order of
 * due time (ties in the order they were set), letting asynchronous work settle after each,
 * so a chain of timers and promises plays out exactly as it would in real time.
 */
export class VirtualClock implements Clock {
  private current = 0;
  private nextId = 1;
  private seq = 0;
  private timers: VirtualTimer[] = [];
  private advancing = false;

  constructor(private readonly settle: Settle = microtaskSettle) {}

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: VirtualTimer = { id: this.nextId++, due: this.current + delay, seq: this.seq++, fn };
    // Keep the list sorted by (due, seq); timers are few, insertion is cheap.
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1].due > timer.due) i--;
    this.timers.splice(i, 0, timer);
    return timer.id;
  }

  cancel(handle: TimerHandle): void {
    const i = this.timers.findIndex((t) => t.id === handle);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** True while `advance` is running timers. */
  get isAdvancing(): boolean {
    return this.advancing;
  }

  /** Due time of the next timer, or undefined when none is set. */
  get nextDue(): number | undefined {
    return this.timers[0]?.due;
  }

  /**
   * Resolves with `work`'s outcome, moving virtual time from timer to timer only as far as
   * `work` needs (a bus transaction that takes time, a command waiting on the hardware).
   * Rejects if nothing is left that could finish it, or after `limitMs` of virtual time.
   */
  async drive<T>(work: Promise<T>, limitMs = 600_000): Promise<T> {
    let done = false;
    const watched = work.finally(() => {
      done = true;
    });
    watched.catch(() => {});
    const start = this.current;
    await this.settle();
    while (!done) {
      if (this.advancing) {
        // Someone else (a `sim wait` inside `work`) is moving time; let it.
        await this.settle();
        continue;
      }
      const due = this.nextDue;
      if (due === undefined) {
        await this.settle();
        if (!done && this.nextDue === undefined) throw new Error('VirtualClock.drive: the work is waiting on nothing that time can bring');
        continue;
      }
      if (due - start > limitMs) throw new Error(`VirtualClock.drive: not done after ${limitMs} ms of virtual time`);
      await this.advance(due - this.current);
    }
    return watched;
  }

  /** Number of timers waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by `ms`, running due timers in order. Time stands at each timer's due
   * time while it runs. `advance(0)` runs what is due now and lets it settle.
   */
  async advance(ms: number): Promise<void> {
    if (this.advancing) throw new Error('VirtualClock.advance is not re-entrant');
    this.advancing = true;
    try {
      const end = this.current + Math.max(0, ms);
      await this.settle();
      for (;;) {
        const next = this.timers[0];
        if (!next || next.due > end) break;
        this.timers.shift();
        this.current = next.due;
        next.fn();
        await this.settle();
      }
      this.current = end;
    } finally {
      this.advancing = false;
    }
  }
}

/**
 * Work that runs `firstDelay` ms after `start()` and then every `interval()` ms, re-read each
 * time (Linux's delayed work that queues itself again): a link monitor's rounds. It stops
 * when `interval()` is 0 or on `stop()`. The work is `fn`, or a subclass's `work()`.
 */
export class PeriodicTimer {
  private handle: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly interval: () => number,
    private readonly fn?: () => void,
  ) {}

  protected work(): void {
    this.fn?.();
  }

  get running(): boolean {
    return this.handle !== undefined;
  }

  start(firstDelay = 0): void {
    this.stop();
    this.handle = this.clock.setTimer(firstDelay, () => this.tick());
  }

  stop(): void {
    if (this.handle !== undefined) this.clock.cancel(this.handle);
    this.handle = undefined;
  }

  private tick(): void {
    const ms = this.interval();
    // Re-armed before the work, so the cadence does not drift with the work's duration.
    this.handle = ms > 0 ? this.clock.setTimer(ms, () => this.tick()) : undefined;
    this.work();
  }
}
