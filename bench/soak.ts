/**
 * Soak: a week of virtual time on sim-gw4 with links flapping every few seconds on all four
 * ports (each port its own rhythm: down for 50 ms to 2 s every 2 to 6 s, at random phases),
 * two bonds (802.3ad with LACP fast on eth0/eth1, active-backup with miimon=100 on
 * eth2/eth3) and the Sparkplug edge node publishing to an embedded broker. Every virtual
 * hour the flapping pauses, the bonds get RECOVERY_MS to settle and the fault campaign's
 * invariants are checked (ports as the world is, both links in the active aggregator,
 * traffic on both bonds, the log and timers bounded).
 *
 * Prints the heap growth over the week (after a full collection, from the end of the first
 * hour), virtual hours per wall-clock second, failovers survived, flaps, and invariants
 * broken. SOAK_HOURS shortens it; SOAK_BRIDGE=inproc puts the switch behind the emulated
 * serial bridge (slower: every poll crosses the emulated UART).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { VirtualClock } from '../lib/clock.ts';
import { flapPorts } from './flaps.ts';
import { nodeSettle } from '../hal/clock-real.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { bootSim, runScenarioLine, type BridgeMode } from '../sim/boot.ts';
import { FaultCampaign, RECOVERY_MS } from '../sim/campaign.ts';
import { scryptHasher } from '../firmware/config/password.ts';
import { startEmbeddedBroker } from '../firmware/telemetry/broker.ts';
import { EdgeNode } from '../firmware/telemetry/edge-node.ts';
import type { Benchmark } from './types.ts';

const HOUR = 3600_000;

export const soak: Benchmark = {
  name: 'soak',
  async run(report) {
    const hours = Number(process.env.SOAK_HOURS ?? 7 * 24);
    const bridge = (process.env.SOAK_BRIDGE ?? 'none') as BridgeMode;
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const clock = new VirtualClock(nodeSettle);
    const sys = await bootSim(simGw4, clock, {
      bridge, autonegMs: 0, wait: (ms) => clock.advance(ms), drive: (w) => clock.drive(w),
      security: { hasher: scryptHasher({ sync: true }) }, openCapture: () => ({ write() {}, close() {} }),
    });
    const run = (line: string) => runScenarioLine(sys.firmware, clock, line);
    const broker = await startEmbeddedBroker(0);
    const node = new EdgeNode(sys.firmware, { url: broker.url, group: 'soak', node: 'gw', periodMs: 1000 });
    node.start();
    const campaign = new FaultCampaign({ ...sys, clock, run }, 1, []);
    await campaign.setUp();

    // Each port flaps on its own rhythm, as clock timers: the week runs in `advance` alone.
    const flapping = flapPorts(sys.hw.world, clock, 4, 0x736f616b);

    let violations = 0;
    let heapAfterFirstHour = 0;
    const wall0 = performance.now();
    for (let h = 0; h < hours; h++) {
      flapping.on = true;
      await clock.advance(HOUR - RECOVERY_MS - 3000);
      // Pause: a flap in progress ends within its 2 s, then the bonds have RECOVERY_MS.
      flapping.on = false;
      await clock.advance(3000 + RECOVERY_MS);
      const before = campaign.report.violations.length;
      await campaign.checkRecovered();
      const broken = campaign.report.violations.slice(before);
      violations += broken.length;
      for (const v of broken) process.stdout.write(`soak: hour ${h + 1}: ${v.split('\n')[0]}\n`);
      if (h === 0) {
        gc();
        heapAfterFirstHour = process.memoryUsage().heapUsed;
      }
    }
    const wallS = (performance.now() - wall0) / 1000;
    gc();
    const growth = hours > 1 ? process.memoryUsage().heapUsed - heapAfterFirstHour : 0;
    let failovers = 0;
    for (const b of sys.firmware.net.bonding.list()) failovers += b.failoverCount;
    await node.stop();
    await broker.close();
    sys.firmware.stop();
    report('soak-heap-growth-bytes', growth, 'bytes');
    report('soak-virtual-hours-per-wall-second', hours / wallS, 'h/s');
    report('soak-virtual-hours', hours, 'h');
    report('soak-flaps', flapping.count, 'flaps');
    report('soak-failovers-survived', failovers, 'failovers');
    report('soak-mqtt-publishes', node.stats.published, 'messages');
    report('soak-invariants-broken', violations, 'violations');
  },
};
