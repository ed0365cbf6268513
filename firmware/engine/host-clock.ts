/**
 * The firmware's Clock over the host's monotonic clock and one-shot timers: each timer the
 * firmware sets is one host timer under an id of the image's, fired back through
 * `EngineGuest.timerFired`.
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import type { EngineHost } from './host.ts';

export class HostClock implements Clock {
  private nextId = 1;
  private readonly due = new Map<number, () => void>();

  constructor(private readonly host: EngineHost) {}

  now(): number {
    return this.host.now();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.due.set(id, fn);
    this.host.timerStart(id, Number.isFinite(ms) && ms > 0 ? ms : 0);
    return id;
  }

  cancel(handle: TimerHandle): void {
    if (this.due.delete(handle)) this.host.timerCancel(handle);
  }

  /** Timers armed now (the heap benchmark watches them). */
  get pending(): number {
    return this.due.size;
  }

  /** The host says timer `id` is due. */
  fire(id: number): void {
    const fn = this.due.get(id);
    if (!fn) return;
    this.due.delete(id);
    fn();
  }
}
