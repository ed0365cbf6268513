/**
 * The MII link monitor (bond_mii_monitor, bond_miimon_inspect, bond_miimon_commit): every
 * `miimon` ms it reads each slave's link, moves slaves through up, going down (downdelay),
 * down and going back (updelay), commits the changes and reselects the active slave.
 *
 * Delays are counted in monitor rounds, as Linux counts them, so a slave whose link drops is
 * declared down exactly `downdelay` ms after the round that first saw the drop.
 */
import { PeriodicTimer } from '../../lib/clock.ts';
import { BOND_MODE_ACTIVEBACKUP, usesXmitHash } from './options.ts';
import { BOND_LINK_BACK, BOND_LINK_DOWN, BOND_LINK_FAIL, BOND_LINK_NOCHANGE, BOND_LINK_UP, type Slave } from './slave.ts';
import type { MonitorHost } from './monitor-host.ts';

/** Rounds every `miimon` ms; `start()` runs the first at once (bond_open queues it with no delay). */
export class MiiMonitor extends PeriodicTimer {
  private busy = false;
  /** Rounds run, for tests and telemetry. */
  rounds = 0;

  constructor(private readonly bond: MonitorHost) {
    super(bond.clock, () => bond.opts.miimon);
  }

  protected override work(): void {
    // A round still reading registers (a slow bus) is not stacked on: this one is skipped.
    if (this.busy) return;
    this.busy = true;
    this.round()
      .catch((e: unknown) => this.bond.log.error(`${this.bond.name}: MII monitor round failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        this.busy = false;
      });
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
