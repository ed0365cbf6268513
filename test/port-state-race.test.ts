/**
 * The race between the board's link poll and the bond's MII monitor, driven in virtual time.
 * Behind a serial bridge both are bus round trips, and answers may come back in any order
 * (proto/bridge.md section 3): a poll read just before a link comes up can be answered after
 * the monitor's read that saw it up. Each order is played on purpose, with the emulated bridge
 * holding the poll's answer: whatever the order, the port's state is the newest reading, and
 * the bond never takes an older one for news.
 */
import test from 'ava';
import type { MdioOp } from '../hal/mdio/bus.ts';
import { BOND_LINK_UP } from '../firmware/bonding/slave.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';

/**
 * The poll's first program is the one that reads every port's status and the Global2
 * Interrupt Source (device 0x1c register 0) with them; a monitor's read is one port's status.
 */
const isPoll = (ops: readonly MdioOp[]) => ops.length > 1 && ops.some((o) => o.op === 'smiRead' && o.dev === 0x1c && o.reg === 0);

async function bonded(mode: string): Promise<TestSystem> {
  const s = await bootTest(undefined, { bridge: 'inproc' });
  for (const line of [
    `modprobe bonding mode=${mode} miimon=10 lacp_rate=fast`,
    'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
    'ifenslave bond0 eth0 eth1',
    'sim lacp eth0 active fast',
    'sim lacp eth1 active fast',
    'sim wait 5s',
    'sim link eth1 down',
    'sim wait 1s',
  ]) {
    const out = await s.run(line);
    if (out.startsWith('error')) throw new Error(`${line}: ${out}`);
  }
  return s;
}

/** Just after a periodic poll finished, so that a poll started now runs alone. */
async function afterPoll(s: TestSystem): Promise<void> {
  const n = s.board.polls;
  while (s.board.polls === n) await s.clock.advance(1);
  await s.clock.advance(5);
}

type Order = 'poll answered first' | 'monitor answered first';

/**
 * A poll goes out while eth1's cable is still out; the cable goes in; the monitor's next
 * round reads the carrier. With 'monitor answered first' the bridge holds the poll's answer
 * (taken before the link came up) until after the monitor's answer.
 */
async function linkUpDuringPoll(s: TestSystem, order: Order): Promise<{ t0: number; unknownWhileUp: number[] }> {
  await afterPoll(s);
  if (order === 'monitor answered first') s.bridge!.mcu.delayNextAnswer(30, isPoll);
  const t0 = s.clock.now();
  const poll = s.board.poll();
  // Until the poll's reads have run on the bridge (with 'poll answered first', the whole poll).
  if (order === 'monitor answered first') {
    for (let i = 0; i < 100 && s.bridge!.mcu.answerDelayArmed; i++) await s.clock.advance(0.5);
    if (s.bridge!.mcu.answerDelayArmed) throw new Error("the poll's reads never reached the bridge");
  } else await s.clock.advance(12);
  await s.run('sim link eth1 up');
  // Millisecond by millisecond: the bond's slave never has an unknown speed while it is up.
  const slave = s.firmware.net.bond('bond0')!.slave('eth1')!;
  const unknownWhileUp: number[] = [];
  for (let i = 0; i < 60; i++) {
    await s.clock.advance(1);
    if (slave.link === BOND_LINK_UP && !(slave.speed > 0)) unknownWhileUp.push(s.clock.now());
  }
  await s.clock.drive(poll);
  return { t0, unknownWhileUp };
}

for (const order of ['poll answered first', 'monitor answered first'] as const) {
  test.serial(`active-backup, miimon=10, ${order}: the slave comes up at 1000 Mb/s and its carrier stays up`, async (t) => {
    const s = await bonded('active-backup');
    const { t0, unknownWhileUp } = await linkUpDuringPoll(s, order);
    t.deepEqual(unknownWhileUp, []);
    const since = s.log.tail().filter((e) => e.time >= t0).map((e) => e.text);
    t.true(since.includes('bond0: (slave eth1): link status definitely up, 1000 Mbps full duplex'), since.join('\n'));
    t.false(since.includes('eth1: link down'), 'an older reading never takes the carrier back down');
    t.regex(await s.run('cat /proc/net/bonding/bond0'), /Slave Interface: eth1\nMII Status: up\nSpeed: 1000 Mbps\nDuplex: full\nLink Failure Count: 1/);
    t.is(await s.run('cat /sys/class/net/eth1/speed'), '1000');
    t.is(await s.run('cat /sys/class/net/eth1/carrier'), '1');
  });

  test.serial(`802.3ad, miimon=10, ${order}: the member rejoins the active aggregator and stays there`, async (t) => {
    const s = await bonded('802.3ad');
    const { t0, unknownWhileUp } = await linkUpDuringPoll(s, order);
    t.deepEqual(unknownWhileUp, []);
    await s.run('sim wait 3s');
    const since = s.log.tail().filter((e) => e.time >= t0).map((e) => e.text);
    t.false(since.includes('eth1: link down'), since.join('\n'));
    const proc = await s.run('cat /proc/net/bonding/bond0');
    t.regex(proc, /Active Aggregator Info:\n\tAggregator ID: 1\n\tNumber of ports: 2\n/);
    t.regex(proc, /Slave Interface: eth1\nMII Status: up\nSpeed: 1000 Mbps\nDuplex: full\nLink Failure Count: 1\n[^]*?Aggregator ID: 1\n/);
    await s.run('sim wait 20s');
    t.regex(await s.run('cat /proc/net/bonding/bond0'), /Number of ports: 2\n/);
  });
}
