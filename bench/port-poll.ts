import { VirtualClock } from '../lib/clock.ts';
import { bootSim } from '../sim/boot.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { simMt7531 } from '../boards/sim-mt7531.ts';
import { nodeSettle } from '../hal/clock-real.ts';
import { bestNsPer, type Benchmark } from './types.ts';

/**
 * One link-state poll of every port (each port's MAC status plus its PHY's status reads), per
 * switch-chip family, through the serial-MDIO bridge emulated in-process (921600-baud UART,
 * MDC 2.5 MHz) in virtual time: what it costs on the bus (MDIO transactions, bridge round
 * trips), how long it takes on those wires (virtual ms: UART bytes both ways plus the MDIO
 * frames), and the CPU time of the whole path in this process (drivers, bridge client and
 * far end, emulators).
 *
 * sim-gw4: Marvell 88E6352 in multi-chip SMI mode, PHYs through Global2 (each register an SMI
 * command sequence). sim-mt7531: MediaTek MT7531, 32-bit registers through the page window,
 * PHYs through PHY_IAC.
 */
export const portPoll: Benchmark = {
  name: 'port-poll',
  async run(report) {
    for (const def of [simGw4, simMt7531]) {
      const clock = new VirtualClock(nodeSettle);
      const sys = await bootSim(def, clock, { bridge: 'inproc', autonegMs: 0, wait: (ms) => clock.advance(ms), drive: (w) => clock.drive(w), openCapture: () => ({ write() {}, close() {} }) });
      await clock.advance(1000);
      sys.board.stopPolling(); // only the polls measured touch the bus
      await clock.advance(50); // a poll under way finishes
      const client = sys.bridge!.client;
      const tx0 = sys.hw.wire.transactions;
      const rq0 = client.counters.requests;
      const t0 = clock.now();
      await clock.drive(sys.board.poll());
      const name = `port-poll-${def.name}`;
      report(`${name}-mdio-transactions`, sys.hw.wire.transactions - tx0, 'transactions');
      report(`${name}-round-trips`, client.counters.requests - rq0, 'round-trips');
      report(`${name}-bridge-ms`, clock.now() - t0, 'ms');
      const n = 50;
      const ns = await bestNsPer(5, n, async () => {
        for (let i = 0; i < n; i++) await clock.drive(sys.board.poll());
      });
      report(`${name}-cpu-us`, ns / 1000, 'us');
      sys.firmware.stop();
    }
  },
};
