import { VirtualClock } from '../lib/clock.ts';
import { bootSim } from '../sim/boot.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { nodeSettle } from '../hal/clock-real.ts';
import { bestNsPer, type Benchmark } from './types.ts';

/**
 * One link-state poll of every sim-gw4 port (switch port status plus each PHY through the
 * Global2 indirect access, over the multi-chip SMI registers): how long it takes against the
 * emulator in this process, and what it costs on the bus (MDIO transactions, round trips).
 */
export const portPoll: Benchmark = {
  name: 'port-poll',
  async run(report) {
    const clock = new VirtualClock(nodeSettle);
    // Registers straight on the emulated bus: this measures the drivers, not the UART.
    const sys = await bootSim(simGw4, clock, { bridge: 'none', wait: (ms) => clock.advance(ms), openCapture: () => ({ write() {}, close() {} }) });
    const n = 200;
    const tx0 = sys.hw.wire.transactions;
    const rt0 = sys.hw.bus.roundTrips;
    await sys.board.poll();
    report('port-poll-mdio-transactions', sys.hw.wire.transactions - tx0, 'transactions');
    report('port-poll-round-trips', sys.hw.bus.roundTrips - rt0, 'round-trips');
    const ns = await bestNsPer(5, n, async () => {
      for (let i = 0; i < n; i++) await sys.board.poll();
    });
    report('port-poll-us', ns / 1000, 'us');
    sys.firmware.stop();
  },
};
