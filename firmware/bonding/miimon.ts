/**
 * The MII link monitor (bond_mii_monitor, bond_miimon_inspect, bond_miimon_commit): every
 * `miimon` ms it reads each slave's link, moves slaves through up, going down (downdelay),
 * down and going back (updelay), commits the changes and reselects the active slave.
 *
 * Delays are counted in monitor rounds, as Linux counts them, so a slave whose link drops is
 * declared down exactly `downdelay` ms after the round that first saw the drop.
 *
 * A link interrupt (a PHY's interrupt line, where the board has them wired) runs the
 * inspection of the slaves on that port at once instead of at the next round (a deliberate
 * difference from Linux, whose monitor only polls). When it finds a link that turned (lost
 * while the slave is up or coming back, found while it is down or going down), that
 * inspection counts as a round started at the interrupt: its changes are committed, and the
 * rounds go on every `miimon` ms from it, as Linux's mii_work re-arms itself `miimon` after
 * it runs. So the delays of the slave that interrupted are counted exactly as Linux counts
 * them, from that inspection. Slaves it did not inspect keep their state; one already counting
 * a delay has its next count at the new phase (less than one round later). An interrupt that
 * finds nothing turned changes nothing, and without interrupts the monitor runs on rounds alone.
 */
import { PeriodicTimer } from '../../lib/clock.ts';
import { BOND_MODE_ACTIVEBACKUP, usesXmitHash } from './options.ts';
import { BOND_LINK_BACK, BOND_LINK_DOWN, BOND_LINK_FAIL, BOND_LINK_NOCHANGE, BOND_LINK_UP, type Slave } from './slave.ts';
import type { MonitorHost } from './monitor-host.ts';

/** Rounds every `miimon` ms; `start()` runs the first at once (bond_open queues it with no delay). */
export class MiiMonitor extends PeriodicTimer {
  /** What is reading registers now: a round, an interrupt's inspection, or nothing. */
  private busy: 'round' | 'interrupt' | undefined;
  /** Rounds run, for tests and telemetry. */
  rounds = 0;
  /** Inspections run for link interrupts, and those that found a link turned (and moved the rounds). */
  interruptInspections = 0;
  interruptCommits = 0;
  /** Link readings started when a slave's port interrupted, waiting to be inspected; since when. */
  private readonly interrupted = new Map<Slave, Promise<boolean>>();
  private interruptedAt = 0;
  /** A round came due while an interrupt's inspection was reading. */
  private roundDue = false;

  constructor(private readonly bond: MonitorHost) {
    super(bond.clock, () => bond.opts.miimon);
  }

  protected override work(): void {
    // A round still reading registers (a slow bus) is not stacked on: this one is skipped. One
    // due while an interrupt's inspection reads runs after it, unless that inspection took its place.
    if (this.busy === 'interrupt') this.roundDue = true;
    if (this.busy) return;
    this.busy = 'round';
    this.round()
      .catch((e: unknown) => this.bond.log.error(`${this.bond.name}: MII monitor round failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => this.idle());
  }

  /**
   * The ports of `slaves` raised a link interrupt: their links are read now, and inspected as
   * soon as the monitor is not busy with a round (whose reads may predate the change).
   */
  linkInterrupt(slaves: readonly Slave[]): void {
    if (!this.running || !this.bond.adminUp) return;
    const useCarrier = this.bond.opts.use_carrier === 1;
    if (this.interrupted.size === 0) this.interruptedAt = this.bond.now;
    for (const s of slaves) {
      const reading = s.port.probeLink(useCarrier, true);
      reading.catch(() => undefined); // a failure is reported by the inspection that awaits it
      this.interrupted.set(s, reading);
    }
    if (!this.busy) this.inspectInterrupted();
  }

  private idle(): void {
    this.busy = undefined;
    if (!this.running) {
      this.roundDue = false;
      this.interrupted.clear();
      return;
    }
    if (this.roundDue) {
      this.roundDue = false;
      this.work();
    } else if (this.interrupted.size > 0) {
      this.inspectInterrupted();
    }
  }

  private inspectInterrupted(): void {
    const readings = [...this.interrupted].filter(([s]) => this.bond.slaves.includes(s));
    this.interrupted.clear();
    if (readings.length === 0) return;
    this.busy = 'interrupt';
    this.interruptInspection(readings, this.interruptedAt)
      .catch((e: unknown) => this.bond.log.error(`${this.bond.name}: MII monitor inspection failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => this.idle());
  }

  /**
   * bond_miimon_inspect and commit for the slaves a link interrupt named, run as a round
   * started at the interrupt when a link turned: the next round comes `miimon` ms after it.
   */
  private async interruptInspection(readings: readonly [Slave, Promise<boolean>][], began: number): Promise<void> {
    const bond = this.bond;
    this.interruptInspections++;
    const slaves = readings.map(([s]) => s);
    const links = await Promise.all(readings.map(([, r]) => r));
    if (!this.running || !bond.adminUp) return;
    const inspected: Slave[] = [];
    let commit = 0;
    let ignoreUpdelay = this.ignoreUpdelay();
    for (let i = 0; i < slaves.length; i++) {
      const s = slaves[i];
      if (!bond.slaves.includes(s) || !this.turns(s, links[i])) continue;
      inspected.push(s);
      const r = this.inspect(s, links[i], ignoreUpdelay);
      commit += r.commit;
      if (r.cleared) ignoreUpdelay = false;
    }
    if (inspected.length === 0) return;
    this.interruptCommits++;
    this.roundDue = false;
    this.start(Math.max(0, began + bond.opts.miimon - bond.now));
    if (commit) {
      for (const s of inspected) this.commitLinkState(s);
      bond.commitMiiLinks(inspected);
    }
  }

  /**
   * Whether `linkUp` turns the slave's state: a link lost while it is up or coming back, or
   * found while it is down or going down. A slave already counting a delay with the link as
   * it was is not: its count goes on at the rounds.
   */
  private turns(s: Slave, linkUp: boolean): boolean {
    switch (s.link) {
      case BOND_LINK_UP:
      case BOND_LINK_BACK:
        return !linkUp;
      case BOND_LINK_DOWN:
      case BOND_LINK_FAIL:
        return linkUp;
    }
  }

  /** One monitor round. */
  async round(): Promise<void> {
    const bond = this.bond;
    this.rounds++;
    if (bond.slaves.length === 0) return;
    const slaves = [...bond.slaves];
    const useCarrier = bond.opts.use_carrier === 1;
    const links = await Promise.all(slaves.map((s) => s.port.probeLink(useCarrier)));
    if (!this.running || !bond.adminUp) return; // stopped while the registers were read
    const shouldNotifyPeers = bond.shouldNotifyPeers();
    let commit = 0;
    const ignoreStart = this.ignoreUpdelay();
    let ignoreUpdelay = ignoreStart;
    for (let i = 0; i < slaves.length; i++) {
      const s = slaves[i];
      if (!bond.slaves.includes(s)) continue; // released meanwhile
      const r = this.inspect(s, links[i], ignoreUpdelay);
      commit += r.commit;
      if (r.cleared) ignoreUpdelay = false;
    }
    bond.peerNotifyCountdown();
    if (commit) {
      for (const s of slaves) this.commitLinkState(s);
      bond.commitMiiLinks(slaves);
    }
    if (shouldNotifyPeers) bond.notifyPeers();
  }

  /**
   * HOWTO 13.1: updelay is ignored while nothing can carry traffic: in active-backup when no
   * slave is active, in the hashing modes when no slave is usable. Linux keeps no usable list
   * for balance-rr and broadcast, so there updelay always applies.
   */
  private ignoreUpdelay(): boolean {
    const bond = this.bond;
    if (bond.opts.mode === BOND_MODE_ACTIVEBACKUP) return !bond.currActiveSlave;
    return usesXmitHash(bond.opts.mode) && bond.usableSlaves.length === 0;
  }

  private ms(rounds: number): number {
    return rounds * this.bond.opts.miimon;
  }

  /** bond_miimon_inspect for one slave. */
  private inspect(s: Slave, linkUp: boolean, ignoreUpdelay: boolean): { commit: number; cleared: boolean } {
    const bond = this.bond;
    const opts = bond.opts;
    const downdelay = opts.miimon ? opts.downdelay / opts.miimon : 0;
    const updelay = opts.miimon ? opts.updelay / opts.miimon : 0;
    s.linkNewState = BOND_LINK_NOCHANGE;
    const log = bond.log;
    switch (s.link) {
      case BOND_LINK_UP:
      case BOND_LINK_FAIL:
        if (s.link === BOND_LINK_UP) {
          if (linkUp) return { commit: 0, cleared: false };
          s.linkNewState = BOND_LINK_FAIL;
          s.delay = downdelay;
          if (s.delay) {
            const role = opts.mode === BOND_MODE_ACTIVEBACKUP ? (s.isActive ? 'active ' : 'backup ') : '';
            log.info(`${bond.name}: (slave ${s.name}): link status down for ${role}interface, disabling it in ${opts.downdelay} ms`);
          }
        }
        if (linkUp) {
          // Recovered before downdelay expired.
          s.linkNewState = BOND_LINK_UP;
          s.lastLinkUp = bond.now;
          log.info(`${bond.name}: (slave ${s.name}): link status up again after ${this.ms(downdelay - s.delay)} ms`);
          return { commit: 1, cleared: false };
        }
        if (s.delay <= 0) {
          s.linkNewState = BOND_LINK_DOWN;
          return { commit: 1, cleared: false };
        }
        s.delay--;
        return { commit: s.linkNewState === BOND_LINK_FAIL ? 1 : 0, cleared: false };
      case BOND_LINK_DOWN:
      case BOND_LINK_BACK:
        if (s.link === BOND_LINK_DOWN) {
          if (!linkUp) return { commit: 0, cleared: false };
          s.linkNewState = BOND_LINK_BACK;
          s.delay = updelay;
          if (s.delay) {
            log.info(`${bond.name}: (slave ${s.name}): link status up, enabling it in ${ignoreUpdelay ? 0 : opts.updelay} ms`);
          }
        }
        if (!linkUp) {
          s.linkNewState = BOND_LINK_DOWN;
          log.info(`${bond.name}: (slave ${s.name}): link status down again after ${this.ms(updelay - s.delay)} ms`);
          return { commit: 1, cleared: false };
        }
        if (ignoreUpdelay) s.delay = 0;
        if (s.delay <= 0) {
          s.linkNewState = BOND_LINK_UP;
          return { commit: 1, cleared: true };
        }
        s.delay--;
        return { commit: s.linkNewState === BOND_LINK_BACK ? 1 : 0, cleared: false };
    }
  }

  /** bond_commit_link_state. */
  private commitLinkState(s: Slave): void {
    if (s.linkNewState === BOND_LINK_NOCHANGE) return;
    s.link = s.linkNewState;
  }
}
