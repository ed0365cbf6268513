/**
 * Linux's net_ratelimit(): at most `burst` messages in any `intervalMs` window (defaults:
 * 10 per 5 s), for messages a peer or a monitor round can provoke again and again.
 */
export class Ratelimit {
  private windowStart = -Infinity;
  private inWindow = 0;

  constructor(
    private readonly burst = 10,
    private readonly intervalMs = 5000,
  ) {}

  /** True when a message at time `now` may go out. */
  allow(now: number): boolean {
    if (now - this.windowStart >= this.intervalMs) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    return this.inWindow++ < this.burst;
  }
}
