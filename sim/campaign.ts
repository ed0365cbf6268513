/**
 * A fault campaign in virtual time: a seeded random schedule of the faults a gateway meets
 * (cables pulled at random phases of the polls and monitor rounds, PHY-only and MAC-only
 * drops, a link partner whose LACP stops, a serial-MDIO bridge that loses answers, babbles,
 * reboots, hangs, loses power or its cable, the switch reset behind it, an MQTT broker that
 * goes away), one at a time, each cleared again; after every fault the invariants are checked:
 *
 * - no stale "up": while the bridge cannot be reached, past the liveness bound, no port says up;
 * - once the fault has cleared and RECOVERY_MS has passed: every port's state is the world's
 *   (up, 1000/full), no 802.3ad member is out of the active aggregator, the active-backup bond
 *   has its slaves up, and both bonds carry traffic (every frame answered);
 * - what the firmware keeps stays bounded (the log, the timers, the bridge's backlog).
 *
 * The same seed plays the same campaign. Used by the CI test (test/fault-campaign.test.ts)
 * and the soak benchmark (bench/soak.ts).
 */
import type { VirtualClock } from '../lib/clock.ts';
import { SeededRandom } from '../lib/random.ts';
import { HEARTBEAT_MS, LIVENESS_MS } from '../hal/bridge/client.ts';
import type { SimSystem } from './boot.ts';

export type FaultKind =
  | 'cable' | 'phy' | 'carrier' | 'lacp'
  | 'loss' | 'garbage' | 'reboot' | 'switch-reset' | 'power-cycle' | 'unplug' | 'hang' | 'power'
  | 'broker';

/** Faults on the world and the ports; the bridge ones need a board behind a bridge. */
export const PORT_FAULTS: readonly FaultKind[] = ['cable', 'phy', 'carrier', 'lacp'];
export const BRIDGE_FAULTS: readonly FaultKind[] = ['loss', 'garbage', 'reboot', 'switch-reset', 'power-cycle', 'unplug', 'hang', 'power'];

/** After a fault has cleared, the bonds carry traffic again within this much time (ms). */
export const RECOVERY_MS = 8000;
/** From the bridge going quiet to every port showing unknown, at most (ms). */
export const UNKNOWN_BOUND_MS = LIVENESS_MS + HEARTBEAT_MS;

const PORTS = ['eth0', 'eth1', 'eth2', 'eth3'];
const LACP_PORTS = ['eth0', 'eth1'];

export interface CampaignSystem extends SimSystem {
  clock: VirtualClock;
  run(line: string): Promise<string>;
}

/** The world outside the board that a campaign may also break (the MQTT broker). */
export interface CampaignHooks {
  brokerDown?(): Promise<void>;
  /** Brings the broker back; resolves once the edge node is connected again, or rejects. */
  brokerUp?(): Promise<void>;
  /** A check of the hardware's own state once recovered (the switch's trunk tables); says what is wrong. */
  check?(): Promise<string | undefined>;
}

export interface CampaignReport {
  seed: number;
  faults: number;
  /** Fault counts by kind. */
  byKind: Record<string, number>;
  /** Active slave changes and LACP port moves the bonds went through. */
  failovers: number;
  /** Broken invariants, each with the fault that came before it. */
  violations: string[];
  /** The faults as played, `<virtual ms> <kind> <detail>`, the newest last (bounded). */
  history: string[];
}

const SETUP = [
  'modprobe bonding mode=802.3ad miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4 max_bonds=2',
  'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
  'ifenslave bond0 eth0 eth1',
  'sim lacp eth0 active fast',
  'sim lacp eth1 active fast',
  'echo active-backup > /sys/class/net/bond1/bonding/mode',
  'echo 100 > /sys/class/net/bond1/bonding/miimon',
  'echo 200 > /sys/class/net/bond1/bonding/downdelay',
  'ifconfig bond1 192.168.1.2 netmask 255.255.255.0 up',
  'ifenslave bond1 eth2 eth3',
];

export class FaultCampaign {
  readonly report: CampaignReport;
  private readonly dice: SeededRandom;
  private readonly kinds: FaultKind[];
  /** Cumulative weights of `kinds`, for a weighted pick. */
  private readonly weights: number[] = [];
  private lastFault = 'setup';
  /** Timers the clock holds at rest after set-up, for the leak check. */
  private restingTimers = 0;

  constructor(
    private readonly sys: CampaignSystem,
    readonly seed: number,
    kinds: readonly FaultKind[],
    private readonly hooks: CampaignHooks = {},
    /** How often each kind comes relative to the others (1 when not given). */
    weight: Partial<Record<FaultKind, number>> = {},
  ) {
    this.dice = new SeededRandom(seed);
    this.kinds = kinds.filter((k) => (k === 'broker' ? hooks.brokerDown !== undefined : !BRIDGE_FAULTS.includes(k) || sys.bridge !== undefined));
    let sum = 0;
    for (const k of this.kinds) this.weights.push((sum += Math.max(0, weight[k] ?? 1)));
    this.report = { seed, faults: 0, byKind: {}, failovers: 0, violations: [], history: [] };
  }

  /** Two bonds (802.3ad with LACP fast, active-backup), converged and checked. */
  async setUp(): Promise<void> {
    for (const line of SETUP) {
      const out = await this.sys.run(line);
      if (out.startsWith('error')) throw new Error(`campaign set-up: ${line}: ${out}`);
    }
    await this.wait(RECOVERY_MS);
    await this.checkRecovered();
    this.restingTimers = this.sys.clock.pending;
  }

  /** Plays faults until `ms` of virtual time have passed. */
  async runFor(ms: number): Promise<CampaignReport> {
    const end = this.sys.clock.now() + ms;
    while (this.sys.clock.now() < end) await this.step();
    this.report.failovers = this.failovers();
    return this.report;
  }

  private failovers(): number {
    let n = 0;
    for (const b of this.sys.firmware.net.bonding.list()) n += b.failoverCount;
    return n;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.dice.below(xs.length)];
  }

  private pickKind(): FaultKind {
    const total = this.weights[this.weights.length - 1];
    const x = (this.dice.below(1_000_000) / 1_000_000) * total;
    const i = this.weights.findIndex((w) => x < w);
    return this.kinds[i < 0 ? this.kinds.length - 1 : i];
  }

  /** A whole number of ms in [lo, hi), with a random fraction: faults land at any phase. */
  private ms(lo: number, hi: number): number {
    return lo + this.dice.below((hi - lo) * 1000) / 1000;
  }

  private async wait(ms: number): Promise<void> {
    if (ms > 0) await this.sys.run(`sim wait ${ms.toFixed(3)}ms`);
  }

  private async world(line: string): Promise<void> {
    const out = await this.sys.run(line);
    if (out.startsWith('error')) this.violation(`'${line}' was refused: ${out}`);
  }

  private note(kind: FaultKind, detail: string): void {
    this.report.faults++;
    this.report.byKind[kind] = (this.report.byKind[kind] ?? 0) + 1;
    this.lastFault = `${Math.round(this.sys.clock.now())} ms ${kind} ${detail}`;
    this.report.history.push(this.lastFault);
    if (this.report.history.length > 50) this.report.history.shift();
  }

  private violation(what: string): void {
    this.report.violations.push(`seed ${this.seed}: after ${this.lastFault}: ${what}`);
  }

  /** One fault: a random phase, the fault, its hold, its end, the recovery time, the checks. */
  async step(): Promise<void> {
    await this.wait(this.ms(0, 100));
    const kind = this.pickKind();
    const port = this.pick(kind === 'lacp' ? LACP_PORTS : PORTS);
    switch (kind) {
      case 'cable': {
        const hold = this.ms(5, 3000);
        this.note(kind, `${port} out for ${hold.toFixed(1)} ms`);
        await this.world(`sim link ${port} down`);
        await this.wait(hold);
        await this.world(`sim link ${port} up`);
        break;
      }
      case 'phy':
      case 'carrier': {
        const hold = this.ms(1, 500);
        this.note(kind, `${port} down for ${hold.toFixed(1)} ms`);
        await this.world(`sim ${kind} ${port} down`);
        await this.wait(hold);
        // A cable event ends the one-sided override: both sides follow the cable again.
        await this.world(`sim link ${port} up`);
        break;
      }
      case 'lacp': {
        const hold = this.ms(100, 8000);
        this.note(kind, `partner of ${port} silent for ${hold.toFixed(1)} ms`);
        await this.world(`sim lacp ${port} silent`);
        await this.wait(hold);
        await this.world(`sim lacp ${port} active fast`);
        break;
      }
      case 'loss': {
        const pct = 5 + this.dice.below(60);
        const hold = this.ms(500, 10_000);
        this.note(kind, `${pct}% of answers lost for ${hold.toFixed(1)} ms`);
        await this.world(`sim bridge loss ${pct}`);
        await this.wait(hold);
        await this.world('sim bridge loss 0');
        break;
      }
      case 'garbage': {
        const bursts = 1 + this.dice.below(5);
        this.note(kind, `${bursts} bursts of line noise`);
        for (let i = 0; i < bursts; i++) {
          await this.world(`sim bridge garbage ${1 + this.dice.below(300)}`);
          await this.wait(this.ms(0, 300));
        }
        break;
      }
      case 'reboot':
        this.note(kind, 'the bridge resets');
        await this.world('sim bridge reboot');
        break;
      case 'switch-reset':
        this.note(kind, 'the bridge and the switch reset, the links stay up');
        await this.world('sim bridge reboot switch');
        break;
      case 'power-cycle':
        this.note(kind, 'bridge, switch and PHYs reset');
        await this.world('sim bridge power-cycle');
        break;
      case 'unplug':
      case 'hang':
      case 'power': {
        const hold = this.ms(50, 5000);
        const [off, on] = kind === 'unplug' ? ['unplug', 'plug'] : kind === 'hang' ? ['hang', 'resume'] : ['off', 'on'];
        this.note(kind, `bridge ${off} for ${hold.toFixed(1)} ms`);
        await this.world(`sim bridge ${off}`);
        if (hold > UNKNOWN_BOUND_MS + 20) {
          await this.wait(UNKNOWN_BOUND_MS + 20);
          this.checkNoStaleUp();
          await this.wait(hold - UNKNOWN_BOUND_MS - 20);
        } else await this.wait(hold);
        await this.world(`sim bridge ${on}`);
        break;
      }
      case 'broker': {
        const hold = this.ms(100, 3000);
        this.note(kind, `broker away for ${hold.toFixed(1)} ms of virtual time`);
        await this.hooks.brokerDown!();
        await this.wait(hold);
        try {
          await this.hooks.brokerUp!();
        } catch (e) {
          this.violation(`the edge node did not reconnect: ${e instanceof Error ? e.message : String(e)}`);
        }
        break;
      }
    }
    await this.wait(RECOVERY_MS);
    await this.checkRecovered();
  }

  /** The bridge cannot be reached past the bound: no port may still say up. */
  private checkNoStaleUp(): void {
    const up = this.sys.board.ports.filter((p) => p.carrierState === 'up').map((p) => p.name);
    if (up.length) this.violation(`${up.join(', ')} still up ${UNKNOWN_BOUND_MS + 20} ms after the bridge went quiet`);
  }

  /** Everything back: port state, bonds, aggregation, traffic, bounded resources. */
  async checkRecovered(): Promise<void> {
    const s = this.sys;
    for (const p of s.board.ports) {
      if (p.carrierState !== 'up' || p.speed !== 1000 || p.duplex !== 'full') this.violation(`${p.name} is ${p.carrierState} ${p.speed}/${p.duplex} with its cable in`);
    }
    const proc0 = await s.run('cat /proc/net/bonding/bond0');
    const agg = /Active Aggregator Info:\n\tAggregator ID: (\d+)\n\tNumber of ports: (\d+)/.exec(proc0);
    if (!agg || agg[2] !== '2') this.violation(`bond0's active aggregator does not hold both links:\n${proc0}`);
    else {
      for (const m of proc0.matchAll(/Slave Interface: (\S+)\nMII Status: (\S+)[^]*?Aggregator ID: (\d+)/g)) {
        if (m[2] !== 'up' || m[3] !== agg[1]) this.violation(`bond0: ${m[1]} is ${m[2]} in aggregator ${m[3]}, the active one is ${agg[1]}`);
      }
    }
    const proc1 = await s.run('cat /proc/net/bonding/bond1');
    if (!/^MII Status: up$/m.test(proc1) || !/Currently Active Slave: eth[23]/.test(proc1) || /Slave Interface: \S+\nMII Status: (?!up)/.test(proc1)) {
      this.violation(`bond1 is not back:\n${proc1}`);
    }
    const traffic = await s.run('sim traffic bond0 64 flows 8 udp');
    if (!/^eth0 [1-9]\d*\neth1 [1-9]\d*\nreplies 64$/.test(traffic)) this.violation(`bond0 does not carry traffic over both links: ${traffic}`);
    const host = 100 + this.dice.below(16);
    const ping = await s.run(`ping -c 2 -i 0.2 -W 1 -I bond1 192.168.1.${host}`);
    if (!/2 packets transmitted, 2 received, 0% packet loss/.test(ping)) this.violation(`bond1 does not carry traffic: ${ping}`);
    // Bounded: the log, the timers at rest, the bridge's backlog.
    const log = s.log.tail().length;
    if (log > s.log.capacity + s.log.keepFirst) this.violation(`the log holds ${log} entries`);
    if (this.restingTimers > 0 && s.clock.pending > this.restingTimers + 64) this.violation(`${s.clock.pending} timers pending at rest (${this.restingTimers} after set-up)`);
    const wrong = await this.hooks.check?.();
    if (wrong) this.violation(wrong);
    const backlog = s.bridge?.client.backlog ?? 0;
    if (backlog > 8) this.violation(`the bridge backlog is ${backlog} batches at rest`);
  }
}
