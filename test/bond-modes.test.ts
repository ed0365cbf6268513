/**
 * The transmit paths of balance-rr, active-backup, balance-xor and broadcast, observed on
 * the cables of the simulated world; and /proc/net/bonding/<bond> for each mode.
 */
import test from 'ava';
import { buildIpv4, IPPROTO_UDP } from '../firmware/net/packets.ts';
import { xmitHash, XMIT_LAYER34 } from '../firmware/bonding/hash.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard, portMac } from './helpers/boards.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { parseMac } from '../lib/addr.ts';

async function setup(board: BoardDefinition, params: string, ports = ['eth0', 'eth1', 'eth2']): Promise<TestSystem> {
  const s = await bootTest(board);
  for (const line of [`modprobe bonding ${params}`, 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', `ifenslave bond0 ${ports.join(' ')}`, 'sim wait 500ms']) {
    const out = await s.run(line);
    if (out.startsWith('error')) throw new Error(`${line}: ${out}`);
  }
  return s;
}

/** A UDP datagram from the board's eth0 (the bond's address). */
function udp(board: BoardDefinition, srcPort: number, dstIp = 0xc0a80164, protocol = IPPROTO_UDP): Uint8Array {
  return buildIpv4({
    dst: Uint8Array.of(2, 0, 0, 1, 0, 0),
    src: parseMac(portMac(board, 0))!,
    protocol,
    srcIp: 0xc0a80101,
    dstIp,
    srcPort,
    dstPort: 9,
  });
}

/** Sends `frames` through bond0 one by one; returns the port index each left on. */
async function send(s: TestSystem, frames: Uint8Array[]): Promise<number[]> {
  const bond = s.firmware.net.bond('bond0')!;
  const out: number[] = [];
  for (const f of frames) {
    const before = [0, 1, 2, 3].map((i) => s.hw.world.stats(i).tx);
    const ok = bond.xmit(f, f.length);
    await s.clock.advance(0);
    const left = [0, 1, 2, 3].filter((i) => s.hw.world.stats(i).tx > before[i]);
    out.push(ok && left.length === 1 ? left[0] : -1);
  }
  return out;
}

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'balance-rr: the first frame goes to the second slave (counter incremented first), then in turn'), async (t) => {
    const s = await setup(board, 'mode=balance-rr miimon=100');
    t.deepEqual(await send(s, Array.from({ length: 7 }, (_, i) => udp(board, 1000 + i))), [1, 2, 0, 1, 2, 0, 1]);
  });

  test(onBoard(board, 'balance-rr packets_per_slave=2: two frames per slave'), async (t) => {
    const s = await setup(board, 'mode=balance-rr miimon=100 packets_per_slave=2');
    // counter 1..8 divided by 2: 0,1,1,2,2,0(3%3),0,1
    t.deepEqual(await send(s, Array.from({ length: 8 }, (_, i) => udp(board, 1000 + i))), [0, 1, 1, 2, 2, 0, 0, 1]);
  });

  test(onBoard(board, 'balance-rr skips a slave that is down and starts from the one it would have used'), async (t) => {
    const s = await setup(board, 'mode=balance-rr miimon=100');
    await s.run('sim link eth1 down');
    await s.run('sim wait 200ms');
    // ids 1,2,0,1,... modulo 3; id 1 (eth1) cannot send: the next one that can (eth2).
    t.deepEqual(await send(s, Array.from({ length: 6 }, (_, i) => udp(board, 1000 + i))), [2, 2, 0, 2, 2, 0]);
  });

  test(onBoard(board, 'balance-rr sends IGMP on the current slave'), async (t) => {
    const s = await setup(board, 'mode=balance-rr miimon=100');
    const igmp = Array.from({ length: 4 }, () => udp(board, 1, 0xe0000016, 2));
    t.deepEqual(await send(s, igmp), [0, 0, 0, 0]);
  });

  test(onBoard(board, 'balance-xor layer3+4: the slave is hash % usable slaves, and only usable slaves count'), async (t) => {
    const s = await setup(board, 'mode=balance-xor miimon=100 xmit_hash_policy=layer3+4');
    const frames = Array.from({ length: 12 }, (_, i) => udp(board, 2000 + i * 7));
    const expect3 = frames.map((f) => xmitHash(f, f.length, XMIT_LAYER34) % 3);
    t.deepEqual(await send(s, frames), expect3);
    t.true(new Set(expect3).size > 1);
    await s.run('sim link eth0 down');
    await s.run('sim wait 200ms');
    // eth1 and eth2 remain: usable index 0 is eth1, 1 is eth2.
    const expect2 = frames.map((f) => (xmitHash(f, f.length, XMIT_LAYER34) % 2) + 1);
    t.deepEqual(await send(s, frames), expect2);
  });

  test(onBoard(board, 'broadcast: every frame on every slave that can send'), async (t) => {
    const s = await setup(board, 'mode=broadcast miimon=100');
    const bond = s.firmware.net.bond('bond0')!;
    const before = [0, 1, 2, 3].map((i) => s.hw.world.stats(i).tx);
    const f = udp(board, 3000);
    t.true(bond.xmit(f, f.length));
    await s.clock.advance(0);
    t.deepEqual([0, 1, 2, 3].map((i) => s.hw.world.stats(i).tx - before[i]), [1, 1, 1, 0]);
  });

  test(onBoard(board, 'active-backup: everything on the active slave; nothing while no slave is up'), async (t) => {
    const s = await setup(board, 'mode=active-backup miimon=100');
    t.deepEqual(await send(s, [udp(board, 1), udp(board, 2), udp(board, 3)]), [0, 0, 0]);
    for (const p of ['eth0', 'eth1', 'eth2']) await s.run(`sim link ${p} down`);
    await s.run('sim wait 200ms');
    const bond = s.firmware.net.bond('bond0')!;
    const dropped = bond.counters.txDropped;
    t.deepEqual(await send(s, [udp(board, 4)]), [-1]);
    t.is(bond.counters.txDropped, dropped + 1);
  });

  test(onBoard(board, '/proc/net/bonding/<bond> for balance-xor and broadcast, as Linux prints it'), async (t) => {
    const s = await setup(board, 'mode=balance-xor miimon=100 xmit_hash_policy=layer2+3 updelay=200', ['eth0']);
    await s.run('sim wait 1s');
    t.is(
      await s.run('cat /proc/net/bonding/bond0'),
      [
        'Ethernet Channel Bonding Driver: v0.1.0',
        '',
        'Bonding Mode: load balancing (xor)',
        'Transmit Hash Policy: layer2+3 (2)',
        'MII Status: up',
        'MII Polling Interval (ms): 100',
        'Up Delay (ms): 200',
        'Down Delay (ms): 0',
        'Peer Notification Delay (ms): 0',
        '',
        'Slave Interface: eth0',
        'MII Status: up',
        'Speed: 1000 Mbps',
        'Duplex: full',
        'Link Failure Count: 0',
        `Permanent HW addr: ${portMac(board, 0)}`,
        'Slave queue ID: 0',
      ].join('\n'),
    );
    const b = await bootTest(board);
    await b.run('modprobe bonding mode=broadcast');
    t.is(
      await b.run('cat /proc/net/bonding/bond0'),
      // broadcast may use the ARP monitor, so no MII monitor is forced on it (bond_check_params).
      'Ethernet Channel Bonding Driver: v0.1.0\n\nBonding Mode: fault-tolerance (broadcast)\nMII Status: down\nMII Polling Interval (ms): 0\nUp Delay (ms): 0\nDown Delay (ms): 0\nPeer Notification Delay (ms): 0',
    );
  });

  test(onBoard(board, 'the bond\'s speed is the sum over slaves that can send; the active one only in active-backup'), async (t) => {
    const rr = await setup(board, 'mode=balance-rr miimon=100');
    t.is(await rr.run('cat /sys/class/net/bond0/speed'), '3000');
    t.is(await rr.run('cat /sys/class/net/bond0/duplex'), 'full');
    await rr.run('sim link eth2 down');
    await rr.run('sim wait 200ms');
    t.is(await rr.run('cat /sys/class/net/bond0/speed'), '2000');
    const ab = await setup(board, 'mode=active-backup miimon=100');
    t.is(await ab.run('cat /sys/class/net/bond0/speed'), '1000');
    const bc = await setup(board, 'mode=broadcast miimon=100');
    t.is(await bc.run('cat /sys/class/net/bond0/speed'), '1000');
  });
}
