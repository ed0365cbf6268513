/**
 * The fault campaign (sim/campaign.ts) in CI: seeded schedules of faults over hours of
 * virtual time on sim-gw4 behind its emulated serial bridge, with the Sparkplug edge node on
 * an embedded broker that is taken away now and then; the invariants are checked after every
 * fault. A seed that breaks one prints itself: replay it with
 *   FAULT_SEEDS=<seed> npx ava test/fault-campaign.test.ts
 * (FAULT_HOURS sets the virtual hours per seed). One seed also runs on the MediaTek board
 * (FAULT_SEEDS= FAULT_MEDIATEK_SEED=<seed> replays that one alone).
 */
import test from 'ava';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BRIDGE_FAULTS, FaultCampaign, PORT_FAULTS } from '../sim/campaign.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../firmware/telemetry/broker.ts';
import { EdgeNode } from '../firmware/telemetry/edge-node.ts';
import { bootTest, marvellChip } from './helpers/sim.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { simMt7531 } from '../boards/sim-mt7531.ts';
import type { BoardDefinition } from '../boards/types.ts';

const SEEDS = (process.env.FAULT_SEEDS ?? '11,22,33').split(',').filter((x) => x !== '').map(Number);
const HOURS = Number(process.env.FAULT_HOURS ?? '1');
/** The other switch family too (no hardware LAG there, so no trunk table to check): half an hour, one seed. */
const MEDIATEK_SEED = Number(process.env.FAULT_MEDIATEK_SEED ?? '44');

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const RUNS: { seed: number; board: BoardDefinition; hours: number }[] = [
  ...SEEDS.map((seed) => ({ seed, board: simGw4, hours: HOURS })),
  ...(process.env.FAULT_SEEDS === undefined || process.env.FAULT_MEDIATEK_SEED !== undefined ? [{ seed: MEDIATEK_SEED, board: simMt7531, hours: HOURS / 2 }] : []),
];

for (const { seed, board, hours: HOURS } of RUNS) {
  test.serial(`fault campaign on ${board.name}, seed ${seed}: ${HOURS} h of virtual time, invariants after every fault`, async (t) => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on('unhandledRejection', onRejection);
    const s = await bootTest(board, { bridge: 'inproc' });
    let broker: EmbeddedBroker | undefined = await startEmbeddedBroker(0);
    const port = broker.port;
    const node = new EdgeNode(s.firmware, { url: broker.url, group: 'campaign', node: `seed-${seed}`, maxBackoffMs: 200, periodMs: 1000 });
    node.start();
    try {
      const campaign = new FaultCampaign(s, seed, [...PORT_FAULTS, ...BRIDGE_FAULTS, 'broker'], {
        brokerDown: async () => {
          await broker?.close();
          broker = undefined;
        },
        brokerUp: async () => {
          broker = await startEmbeddedBroker(port);
          if (broker.port !== port) throw new Error(`the broker's port ${port} was taken meanwhile`);
          for (let i = 0; i < 100 && !node.connected; i++) await sleep(50);
          if (!node.connected) throw new Error('not connected 5 s after the broker returned');
        },
        // The switch's own trunk table for bond0 (eth0, eth1: switch ports 0 and 1), as the
        // bond last programmed it: a switch that was reset has it again.
        check: board === simGw4
          ? async () => {
              const members = await s.clock.drive(marvellChip(s).readTrunkMapping(1));
              return members === 0b11 ? undefined : `the switch's trunk 1 maps ports 0x${members.toString(16)}, not eth0 and eth1`;
            }
          : undefined,
        // The broker lives in real time (a second of wall clock each): a few per seed.
      }, { broker: 0.07 });
      await campaign.setUp();
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      const report = await campaign.runFor(HOURS * 3600_000);
      gc();
      const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
      t.log(`seed ${seed}: ${report.faults} faults (${Object.entries(report.byKind).map(([k, n]) => `${k} ${n}`).join(', ')}), ${report.failovers} failovers, heap growth ${(heapGrowth / 1024).toFixed(0)} KiB`);
      if (report.violations.length > 0) {
        t.fail(`fault campaign on ${board.name}, seed ${seed} broke ${report.violations.length} invariant(s); replay: ${board === simGw4 ? `FAULT_SEEDS=${seed}` : `FAULT_SEEDS= FAULT_MEDIATEK_SEED=${seed}`} npx ava test/fault-campaign.test.ts\n${report.violations.slice(0, 5).join('\n')}\nlast faults:\n${report.history.slice(-10).join('\n')}`);
      }
      t.deepEqual(rejections, [], `seed ${seed}: unhandled rejections`);
      // Generous: the log ring and the audit ring fill up; what matters is that it does not grow with the hours.
      t.true(heapGrowth < 32 * 1024 * 1024, `seed ${seed}: heap grew by ${heapGrowth} bytes`);
      t.true(report.faults > HOURS * 100, `seed ${seed}: only ${report.faults} faults`);
    } finally {
      process.off('unhandledRejection', onRejection);
      await node.stop();
      await broker?.close();
      s.firmware.stop();
    }
  });
}
