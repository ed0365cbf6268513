/**
 * Frames lost per failover at 10,000 frames/s: a `sim stream` of 16 flows through the bond
 * while one slave's cable is pulled, on the sim board in real time with its switch behind the
 * serial-MDIO bridge on a pseudo-terminal (the real serialport binding). Each trial starts a
 * stream, pulls a cable after 200 ms, stops the stream a second later and reads the loss;
 * then the cable goes back and the bond is given time to take the slave back. The median and
 * the 99th percentile over 25 pulls, per mode: active-backup, 802.3ad and balance-alb, all
 * with miimon=10 (802.3ad with lacp_rate=fast and a partner speaking LACP).
 */
import { openPtyBoard, quantile, sleep, type PtyBoard } from './pty-board.ts';
import type { Benchmark, Report } from './types.ts';

const TRIALS = 25;
const RATE = 10_000;

interface ModeSetup {
  mode: string;
  params: string;
  partner: string[];
  /** The port to pull next. */
  victim(board: PtyBoard, trial: number): Promise<string>;
  /** True once the pulled port is back in service. */
  restored(board: PtyBoard, port: string): Promise<boolean>;
}

const activeSlave = async (b: PtyBoard) => (await b.run('cat /sys/class/net/bond0/bonding/active_slave')).trim();
const miiUp = async (b: PtyBoard, port: string) => (await b.run(`cat /sys/class/net/${port}/bonding_slave/mii_status`)).trim() === 'up';

const MODES: ModeSetup[] = [
  { mode: 'active-backup', params: 'mode=active-backup miimon=10', partner: [], victim: activeSlave, restored: miiUp },
  {
    mode: '802.3ad',
    params: 'mode=802.3ad miimon=10 lacp_rate=fast xmit_hash_policy=layer3+4',
    partner: ['sim lacp eth0 active fast', 'sim lacp eth1 active fast'],
    victim: async (_b, trial) => (trial % 2 === 0 ? 'eth0' : 'eth1'),
    // Back in the aggregator and distributing (actor state 0x3f).
    restored: async (b, port) => (await b.run(`cat /sys/class/net/${port}/bonding_slave/ad_actor_oper_port_state`)).trim() === '63',
  },
  { mode: 'balance-alb', params: 'mode=balance-alb miimon=10', partner: [], victim: activeSlave, restored: miiUp },
];

async function measure(setup: ModeSetup, report: Report): Promise<void> {
  const board = await openPtyBoard('failover-loss');
  if (!board) return;
  const { run } = board;
  const losses: number[] = [];
  try {
    for (const l of setup.partner) await run(l);
    await run(`modprobe bonding ${setup.params}`);
    await run('ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up');
    await run('ifenslave bond0 eth0 eth1');
    for (let w = 0; w < 100 && !((await setup.restored(board, 'eth0')) && (await setup.restored(board, 'eth1'))); w++) await sleep(100);
    for (let n = 0; n < TRIALS; n++) {
      const port = await setup.victim(board, n);
      await run(`sim stream start bond0 rate ${RATE} flows 16`);
      await sleep(200);
      await run(`sim link ${port} down`);
      await sleep(1000);
      const out = await run('sim stream stop');
      const m = /lost (\d+)/.exec(out);
      if (!m) throw new Error(`no counts: ${out}`);
      losses.push(Number(m[1]));
      await run(`sim link ${port} up`);
      for (let w = 0; w < 100 && !(await setup.restored(board, port)); w++) await sleep(50);
      await sleep(100 + Math.random() * 50);
    }
  } finally {
    await board.close();
  }
  losses.sort((a, b) => a - b);
  report(`failover-loss-${setup.mode}-frames`, quantile(losses, 0.5), 'frames');
  report(`failover-loss-${setup.mode}-frames-p99`, quantile(losses, 0.99), 'frames');
}

export const failoverLoss: Benchmark = {
  name: 'failover-loss',
  async run(report) {
    for (const setup of MODES) await measure(setup, report);
  },
};
