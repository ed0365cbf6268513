import type { Clock, TimerHandle } from '../lib/clock.ts';

/** The wall-clock implementation of Clock, for the main job on real time. */
export class RealClock implements Clock {
  private readonly start = performance.now();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;

  /** `unref`: its timers do not keep the process alive (work beside the main job, such as telemetry). */
  constructor(private readonly opts: { unref?: boolean } = {}) {}

  now(): number {
    return performance.now() - this.start;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    const t = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, Math.max(0, ms));
    if (this.opts.unref) t.unref();
    this.timers.set(id, t);
    return id;
  }

  cancel(handle: TimerHandle): void {
    const t = this.timers.get(handle);
    if (t !== undefined) {
      clearTimeout(t);
      this.timers.delete(handle);
    }
  }

  /** Cancels every timer still pending (shutdown). */
  cancelAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

/** Settles promise work between virtual timers in Node: one macrotask turn drains everything. */
export const nodeSettle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
