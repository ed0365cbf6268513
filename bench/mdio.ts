import { EventLog } from '../lib/log.ts';
import { RealClock } from '../hal/clock-real.ts';
import { Board } from '../hal/board.ts';
import { BridgeClient } from '../hal/bridge/client.ts';
import { frameBytes } from '../hal/bridge/framing.ts';
import type { MdioOp } from '../hal/mdio/bus.ts';
import { SimHardware } from '../sim/hardware.ts';
import { openBridgePty } from '../hal/transport/bridge-pty.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import type { Benchmark } from './types.ts';

const BAUD = 921_600;
const BATCH = 64;
const SECONDS = 3;
const SMI = simGw4.switch.smiAddr;

/**
 * The serial-MDIO bridge at 921600 baud over a pseudo-terminal pair with the real serialport
 * binding, the emulated bridge pacing its UART at that speed and its MDIO bus at 2.5 MHz:
 * sustained batched Clause 22 reads per second against the most the UART could carry with
 * this protocol, and the round-trip time of polling every port's link state.
 */
export const mdio: Benchmark = {
  name: 'mdio',
  async run(report) {
    const clock = new RealClock();
    const pty = await openBridgePty(clock, BAUD);
    try {
      const hw = new SimHardware(simGw4, clock);
      const mcu = hw.attachBridge(pty.device);
      const client = new BridgeClient({ clock, link: pty.host, baud: BAUD, window: 4 });
      mcu.start();
      await client.open();

      const ops: MdioOp[] = Array.from({ length: BATCH }, () => ({ op: 'read', phy: SMI, reg: 1 }));
      const sample = await client.run(ops);
      // The bytes one batch costs on the wire each way, framing included, with the values read.
      const reqBytes = frameBytes({ kind: 'program', seq: 0xffff, ops }).length;
      const rspBytes = frameBytes({ kind: 'result', seq: 0xffff, status: 'ok', values: sample, failedAt: 0 }).length;
      const bound = (BAUD / 10) / ((reqBytes + rspBytes) / BATCH);

      let done = 0;
      const end = performance.now() + SECONDS * 1000;
      const worker = async () => {
        while (performance.now() < end) {
          await client.run(ops);
          done += BATCH;
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: client.window }, worker));
      const rate = done / ((performance.now() - t0) / 1000);
      report('mdio-ops-per-s', Math.round(rate), 'ops/s');
      report('mdio-uart-bound-ops-per-s', Math.round(bound), 'ops/s');
      report('mdio-ratio-to-uart-bound', rate / bound, 'ratio');

      const log = new EventLog(clock);
      const board = await Board.open(simGw4, client, hw.conduit, clock, log);
      const rtts: number[] = [];
      const requests0 = client.counters.requests;
      for (let i = 0; i < 20; i++) {
        const p0 = performance.now();
        await board.poll();
        rtts.push(performance.now() - p0);
      }
      rtts.sort((a, b) => a - b);
      report('mdio-poll-all-ports-rtt-ms', rtts[rtts.length >> 1], 'ms');
      report('mdio-poll-all-ports-round-trips', (client.counters.requests - requests0) / 20, 'round-trips');
      board.close();
      client.close();
    } finally {
      await pty.close();
      clock.cancelAll();
    }
  },
};
