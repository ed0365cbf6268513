/** `sim traffic` and `sim xmit`: traffic through each mode's transmit path, counted on the cables. */
import test from 'ava';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';

for (const board of SCENARIO_BOARDS) {
  async function setup(params: string, ports = 'eth0 eth1'): Promise<TestSystem> {
    const s = await bootTest(board);
    for (const l of [`modprobe bonding ${params}`, 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', `ifenslave bond0 ${ports}`, 'sim wait 1s']) {
      const out = await s.run(l);
      if (out.startsWith('error')) throw new Error(`${l}: ${out}`);
    }
    return s;
  }

  test(onBoard(board, 'balance-rr: frames alternate over the slaves; every frame is answered'), async (t) => {
    const s = await setup('mode=balance-rr miimon=100');
    t.is(await s.run('sim traffic bond0 100'), 'eth0 50\neth1 50\nreplies 100');
    t.is(await s.run('sim traffic bond0 30 flows 16 tcp'), 'eth0 15\neth1 15\nreplies 30');
  });

  test(onBoard(board, 'active-backup: everything on the active slave, then on the new one after a failover'), async (t) => {
    const s = await setup('mode=active-backup miimon=100');
    t.is(await s.run('sim traffic bond0 100 flows 4'), 'eth0 100\neth1 0\nreplies 100');
    await s.run('sim link eth0 down');
    await s.run('sim wait 200ms');
    t.is(await s.run('sim traffic bond0 100 flows 4'), 'eth0 0\neth1 100\nreplies 100');
  });

  test(onBoard(board, 'balance-xor layer3+4: flows spread over both slaves, each flow on one slave'), async (t) => {
    const s = await setup('mode=balance-xor miimon=100 xmit_hash_policy=layer3+4');
    const out = await s.run('sim traffic bond0 160 flows 16');
    const m = /^eth0 (\d+)\neth1 (\d+)\nreplies 160$/.exec(out);
    t.truthy(m, out);
    const [a, b] = [Number(m![1]), Number(m![2])];
    t.is(a + b, 160);
    t.true(a > 0 && b > 0 && a % 10 === 0, out);
  });

  test(onBoard(board, 'sim traffic: more flows than hosts use further ports on the same hosts'), async (t) => {
    const s = await setup('mode=balance-xor miimon=100 xmit_hash_policy=layer3+4');
    const out = await s.run('sim traffic bond0 640 flows 64');
    const m = /^eth0 (\d+)\neth1 (\d+)\nreplies 640$/.exec(out);
    t.truthy(m, out);
    t.true(Number(m![1]) > 0 && Number(m![2]) > 0, out);
  });

  test(onBoard(board, 'broadcast: every frame on every slave; the hosts answer every copy'), async (t) => {
    const s = await setup('mode=broadcast miimon=100');
    // Each host receives the frame once per slave (the partner switch floods nothing: each copy
    // is addressed to the host), so it answers each copy: two replies per frame.
    t.is(await s.run('sim traffic bond0 10 flows 2'), 'eth0 10\neth1 10\nreplies 20');
  });

  test(onBoard(board, 'sim xmit: balance-xor layer2 picks (dst[5] ^ src[5] ^ EtherType) % 2'), async (t) => {
    const s = await setup('mode=balance-xor miimon=100 xmit_hash_policy=layer2');
    // src 02:50:43:0a:1b:2d (0x2d), EtherType 0x0800: 0x2d ^ 0x00 ^ 0x0800 = 0x082d, odd -> eth1.
    t.is(await s.run('sim xmit bond0 udp 192.168.1.1:1000 192.168.1.100:9 dmac 02:00:00:01:00:00'), 'eth1');
    // dst ...:01: 0x2d ^ 0x01 ^ 0x0800 = 0x082c, even -> eth0.
    t.is(await s.run('sim xmit bond0 udp 192.168.1.1:1000 192.168.1.100:9 dmac 02:00:00:01:00:01'), 'eth0');
    // A VLAN tag is metadata for the hash: same result.
    t.is(await s.run('sim xmit bond0 tcp 192.168.1.1:1 192.168.1.100:2 dmac 02:00:00:01:00:01 vlan 7'), 'eth0');
    // dmac defaults to ff:ff:ff:ff:ff:ff: 0x2c ^ 0xff ^ 0x0800 = 0x08d3, odd -> eth1.
    t.is(await s.run('sim xmit bond0 icmp 10.0.0.1 10.0.0.2 smac 02:00:00:00:00:2c'), 'eth1');
  });

  test(onBoard(board, 'sim xmit on broadcast mode prints every port; bad arguments are refused'), async (t) => {
    const s = await setup('mode=broadcast miimon=100');
    t.is(await s.run('sim xmit bond0 udp 1.1.1.1 2.2.2.2'), 'eth0 eth1');
    t.regex(await s.run('sim xmit bond9 udp 1.1.1.1 2.2.2.2'), /^error: sim xmit: no bond 'bond9'/);
    t.regex(await s.run('sim xmit bond0 sctp 1.1.1.1 2.2.2.2'), /^error: sim xmit: usage/);
    t.regex(await s.run('sim xmit bond0 icmp 1.1.1.1:5 2.2.2.2'), /^error: sim xmit: icmp has no ports/);
    t.regex(await s.run('sim xmit bond0 udp 1.1.1.1 2.2.2.2 vlan 5000'), /^error: sim xmit: vlan '5000' must be 0 to 4095/);
    t.regex(await s.run('sim traffic bond0 10 flows 4097'), /^error: sim traffic: flows '4097' must be 1 to 4096/);
    t.regex(await s.run('sim traffic bond0 ten'), /^error: sim traffic: frames 'ten'/);
    await s.run('ip addr flush dev bond0');
    t.regex(await s.run('sim traffic bond0 10'), /^error: sim traffic: bond0 has no address on 192\.168\.1\.100's subnet/);
    for (const p of ['eth0', 'eth1']) await s.run(`sim link ${p} down`);
    await s.run('sim wait 200ms');
    t.is(await s.run('sim xmit bond0 udp 1.1.1.1 2.2.2.2'), 'error: sim xmit: bond0 dropped the frame (no slave can send)');
  });

  test(onBoard(board, 'sim traffic through the serial bridge (the default boot) counts the same'), async (t) => {
    const s = await bootTest(board, { bridge: 'inproc' });
    for (const l of ['modprobe bonding mode=balance-rr miimon=100', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1', 'sim wait 1s']) await s.run(l);
    t.is(await s.run('sim traffic bond0 40 flows 2'), 'eth0 20\neth1 20\nreplies 40');
  });
}

// Marvell only: the trunk tables and the frames the switch tags with a trunk ID exist on the
// 88E6xxx family alone (the MediaTek chips have no hardware LAG; the matrix above covers
// 802.3ad on them).
test('802.3ad carries traffic both ways once the switch trunk is programmed, with and without an LACP partner', async (t) => {
  // Once the aggregator forms, the switch tags frames from the members with the trunk ID
  // instead of the port: they must reach the bond (this dropped every frame before).
  for (const lacp of [true, false]) {
    const s = await bootTest(undefined, { bridge: 'inproc' });
    for (const l of ['modprobe bonding mode=802.3ad miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1']) await s.run(l);
    if (lacp) for (const p of ['eth0', 'eth1']) await s.run(`sim lacp ${p} active fast`);
    await s.run('sim wait 5s');
    t.regex(await s.run('cat /sys/class/net/bond0/bonding/ad_num_ports'), lacp ? /^2$/ : /^1$/);
    t.is(s.board.framePort.counters.rxDropped.trunk, 0);
    const out = await s.run('sim traffic bond0 100 flows 8');
    const m = /^eth0 (\d+)\neth1 (\d+)\nreplies 100$/.exec(out);
    t.truthy(m, `lacp ${lacp}: ${out}`);
    if (lacp) t.true(Number(m![1]) > 0 && Number(m![2]) > 0, out);
    else t.is(Number(m![1]) + Number(m![2]), 100);
    t.true(s.board.framePort.counters.rx > 100, 'the answers came through the trunk receiver');
  }
});
