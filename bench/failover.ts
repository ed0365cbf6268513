/**
 * Failover time on the wire: the wall-clock time from a cable pull to the first gratuitous
 * ARP leaving the new active port, for an active-backup bond with miimon=10 on the sim board
 * whose switch is reached through the serial-MDIO bridge over a pseudo-terminal with the real
 * serialport binding (the way a gateway with its switch behind a bridge runs). The cable pull
 * raises the PHY's interrupt line; the bridge reads the port's status (its interrupt program)
 * and sends it with the interrupt, and the MII monitor inspects the slave with that reading at
 * once, fails it over and sends the GARP. Median, min, p90, p99 and max over repeated pulls, alternating direction, at
 * random phases of the MII rounds and of the board's poll.
 */
import { openPtyBoard, quantile, sleep } from './pty-board.ts';
import type { Benchmark } from './types.ts';

const TRIALS = 60;
const BOND_IP = [192, 168, 1, 1];

export const failover: Benchmark = {
  name: 'failover',
  async run(report) {
    const board = await openPtyBoard('failover');
    if (!board) return;
    const { sys, run } = board;
    const world = sys.hw.world;
    // The first gratuitous ARP for the bond's address leaving cable `want`.
    let want = -1;
    let seen: (() => void) | undefined;
    world.observe((i, f, dir) => {
      if (dir !== 'out' || i !== want || !seen) return;
      const o = f[12] === 0x81 && f[13] === 0x00 ? 16 : 12;
      if (f[o] !== 0x08 || f[o + 1] !== 0x06) return;
      const sender = f.subarray(o + 16, o + 20);
      const target = f.subarray(o + 26, o + 30);
      if (BOND_IP.every((b, k) => sender[k] === b && target[k] === b)) {
        const fn = seen;
        seen = undefined;
        fn();
      }
    });
    const times: number[] = [];
    let failures = 0;
    // Pulls whose interrupt brought the port's status (the bridge's interrupt program).
    let withReading = 0;
    try {
      await run('modprobe bonding mode=active-backup miimon=10');
      await run('ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up');
      await run('ifenslave bond0 eth0 eth1');
      await sleep(500);
      for (let n = 0; n < TRIALS; n++) {
        const active = (await run('cat /sys/class/net/bond0/bonding/active_slave')).trim();
        const from = active === 'eth0' ? 0 : 1;
        want = 1 - from;
        const got = new Promise<number>((resolve) => {
          seen = () => resolve(performance.now());
        });
        const timeout = sleep(2000).then(() => -1);
        const readings = sys.board.interruptReads;
        const t0 = performance.now();
        // sim link <port> down: the cable end, with any one-sided override cleared.
        world.setCable(from, false);
        const t1 = await Promise.race([got, timeout]);
        if (t1 < 0) failures++;
        else times.push(t1 - t0);
        if (sys.board.interruptReads > readings) withReading++;
        seen = undefined;
        world.setCable(from, true);
        // Until the pulled slave is back up as a backup, then a random phase.
        for (let w = 0; w < 100; w++) {
          if ((await run(`cat /sys/class/net/eth${from}/bonding_slave/mii_status`)).trim() === 'up') break;
          await sleep(20);
        }
        await sleep(50 + Math.random() * 20);
      }
    } finally {
      await board.close();
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => quantile(times, q);
    report('failover-median-ms', at(0.5), 'ms');
    report('failover-min-ms', times[0], 'ms');
    report('failover-p90-ms', at(0.9), 'ms');
    report('failover-p99-ms', at(0.99), 'ms');
    report('failover-max-ms', times[times.length - 1], 'ms');
    report('failover-trials', times.length, 'failovers');
    report('failover-interrupt-readings', withReading, 'failovers');
    if (failures) report('failover-missed', failures, 'failovers');
  },
};
