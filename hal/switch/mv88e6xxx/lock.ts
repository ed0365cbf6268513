/**
 * Register locks of one chip (Linux serialises every access with chip->reg_lock). Here a
 * sequence that needs several bus round trips holds the lock of the registers it uses, so
 * that no other sequence on them slips in between its round trips, while sequences on other
 * groups may interleave: they touch different registers, and the link monitor's poll should
 * not wait for a statistics read.
 */
import { RegisterLock } from '../register-lock.ts';

/**
 * The groups: the Global2 PHY unit (PHY batches and the link-state poll), the statistics unit
 * (a capture is chip-wide state), and read-modify-writes of configuration registers.
 */
export type RegisterGroup = 'phy' | 'stats' | 'config';

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
