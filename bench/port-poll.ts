import { VirtualClock } from '../lib/clock.ts';
import { bootSim, type SimSystem } from '../sim/boot.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { simMt7531 } from '../boards/sim-mt7531.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { nodeSettle } from '../hal/clock-real.ts';
import { bestNsPer, type Benchmark, type Report } from './types.ts';

/**
 * One link-state poll of every port, per switch-chip family, through the serial-MDIO bridge
 * emulated in-process (921600-baud UART, MDC 2.5 MHz) in virtual time: what it costs on the
 * bus (MDIO transactions, bridge round trips), how long it takes on those wires (virtual ms:
 * UART bytes both ways plus the MDIO frames), and the CPU time of the whole path in this
 * process (drivers, bridge client and far end, emulators).
 *
 * A poll reads every port's MAC-side status and the switch's PHY change bits; the PHYs only
 * when something says they changed. So three figures per board: a quiet poll (the steady
 * state, `port-poll-<board>-…`), the poll after a cable pull (`…-change-…`: that port's PHY
 * read too), and the quiet poll through a bridge without the indirect SMI operations
 * (`…-old-bridge-…`). `port-poll-mdio-transactions` is sim-gw4's quiet poll, the figure the
 * acceptance of issue 19 names.
 *
 * sim-gw4: Marvell 88E6352 in multi-chip SMI mode (each register an SMI command sequence, run
 * by the bridge when it offers the indirect operations), PHYs through Global2, the Global2
 * Interrupt Source for PHY changes. sim-mt7531: MediaTek MT7531, 32-bit registers through
 * the page window (PMSR and SYS_INT_STS low halves), PHYs through PHY_IAC.
 */
export const portPoll: Benchmark = {
  name: 'port-poll',
  async run(report) {
    for (const def of [simGw4, simMt7531]) {
      const sys = await boot(def, true);
      const quiet = await measure(sys.sys, sys.clock);
      const name = `port-poll-${def.name}`;
      report(`${name}-mdio-transactions`, quiet.transactions, 'transactions');
      report(`${name}-round-trips`, quiet.roundTrips, 'round-trips');
      report(`${name}-bridge-ms`, quiet.ms, 'ms');
      if (def === simGw4) report('port-poll-mdio-transactions', quiet.transactions, 'transactions');
      const n = 50;
      const ns = await bestNsPer(5, n, async () => {
        for (let i = 0; i < n; i++) await sys.clock.drive(sys.sys.board.poll());
      });
      report(`${name}-cpu-us`, ns / 1000, 'us');

      // A cable pulled between two polls, its interrupt line not wired: the poll sees the MAC
      // side move and reads that port's PHY in a second round trip.
      sys.sys.bridge!.mcu.irqEnabled = false;
      sys.sys.hw.world.setCable(1, false);
      await sys.clock.advance(1);
      reportPoll(report, `${name}-change`, await measure(sys.sys, sys.clock));
      sys.sys.firmware.stop();

      const old = await boot(def, false);
      reportPoll(report, `${name}-old-bridge`, await measure(old.sys, old.clock));
      old.sys.firmware.stop();
    }
  },
};

interface PollCost {
  transactions: number;
  roundTrips: number;
  ms: number;
}

function reportPoll(report: Report, name: string, c: PollCost): void {
  report(`${name}-mdio-transactions`, c.transactions, 'transactions');
  report(`${name}-round-trips`, c.roundTrips, 'round-trips');
  report(`${name}-bridge-ms`, c.ms, 'ms');
}

/** The board booted through the emulated bridge, settled, its periodic poll stopped so that only the polls measured touch the bus. */
async function boot(def: BoardDefinition, smiOps: boolean): Promise<{ sys: SimSystem; clock: VirtualClock }> {
  const clock = new VirtualClock(nodeSettle);
  const sys = await bootSim(def, clock, {
    bridge: 'inproc',
    bridgeMcu: { smiOps },
    autonegMs: 0,
    wait: (ms) => clock.advance(ms),
    drive: (w) => clock.drive(w),
    openCapture: () => ({ write() {}, close() {} }),
  });
  await clock.advance(1000);
  sys.board.stopPolling();
  await clock.advance(50); // a poll under way finishes
  return { sys, clock };
}

/** One poll by hand: its MDIO transactions, bridge round trips and virtual time. */
async function measure(sys: SimSystem, clock: VirtualClock): Promise<PollCost> {
  const client = sys.bridge!.client;
  const tx0 = sys.hw.wire.transactions;
  const rq0 = client.counters.requests;
  const t0 = clock.now();
  await clock.drive(sys.board.poll());
  return { transactions: sys.hw.wire.transactions - tx0, roundTrips: client.counters.requests - rq0, ms: clock.now() - t0 };
}
