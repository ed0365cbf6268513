/**
 * Register locks of one chip (Linux serialises every access with chip->reg_lock). Here a
 * sequence that needs several bus round trips holds the lock of the registers it uses, so
 * that no other sequence on them slips in between its round trips, while sequences on other
 * groups may interleave: they touch different registers, and the link monitor's poll should
 * not wait for a statistics read.
 */

/**
 * The groups: the Global2 PHY unit (PHY batches and the link-state poll), the statistics unit
 * (a capture is chip-wide state), and read-modify-writes of configuration registers.
 */
export type RegisterGroup = 'phy' | 'stats' | 'config';

/**
 * A lock for one group of registers. A link-monitor waiter (`urgent`) goes ahead of the
 * others still waiting.
 */
class RegisterLock {
  private held = false;
  private readonly waiting: { urgent: boolean; go: () => void }[] = [];
  /** Whether the sequence holding the lock is monitor work (its batches are too). */
  holderUrgent = false;

  async run<T>(fn: () => Promise<T>, urgent: boolean): Promise<T> {
    if (this.held) {
      await new Promise<void>((go) => {
        const w = { urgent, go };
        if (!urgent) this.waiting.push(w);
        else {
          let i = 0;
          while (i < this.waiting.length && this.waiting[i].urgent) i++;
          this.waiting.splice(i, 0, w);
        }
      });
    }
    this.held = true;
    this.holderUrgent = urgent;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // Handed over still held: nothing can slip in between.
      if (next) next.go();
      else this.held = false;
    }
  }
}

/** One lock per register group of a chip. */
export class RegisterLocks {
  private readonly locks: Record<RegisterGroup, RegisterLock> = { phy: new RegisterLock(), stats: new RegisterLock(), config: new RegisterLock() };

  /** Runs `fn` with no other multi-round-trip sequence on the same registers in between. */
  run<T>(group: RegisterGroup, fn: () => Promise<T>, urgent = false): Promise<T> {
    return this.locks[group].run(fn, urgent);
  }

  /** Whether the sequence holding `group` now is the link monitor's (ask holding it): its batches go first on the bus too. */
  holderUrgent(group: RegisterGroup): boolean {
    return this.locks[group].holderUrgent;
  }
}
