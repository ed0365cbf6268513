/**
 * A lock for one group of switch registers that multi-round-trip sequences use (an indirect
 * PHY unit, read-modify-writes of configuration registers): sequences on different groups may
 * interleave, as they touch different registers. A link-monitor waiter (`urgent`) goes ahead
 * of the others still waiting, so a console command never makes a monitor round late.
 */
export class RegisterLock {
  private held = false;
  private readonly waiting: { urgent: boolean; go: () => void }[] = [];
  /** Whether the sequence holding the lock is monitor work (its batches are too). */
  holderUrgent = false;

  async run<T>(fn: () => Promise<T>, urgent = false): Promise<T> {
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
