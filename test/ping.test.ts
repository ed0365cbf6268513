/**
 * ping and arping on the firmware's console, in virtual time through the emulated switch:
 * the exact iputils lines through bonds, VLAN devices and ports, loss and unreachable hosts,
 * duplicates, interrupts, and every bad input refused with one line and nothing sent.
 */
import test from 'ava';
import { Interrupt } from '../lib/interrupt.ts';
import { LiveConsole } from '../firmware/console/live-console.ts';
import { readU16 } from '../lib/addr.ts';
import { ETHERTYPE_ARP, ETHERTYPE_VLAN, parseIpv4Frame } from '../firmware/net/packets.ts';
import { PingStats, formatG, formatTriptime } from '../firmware/net/ping-stats.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import type { BoardDefinition } from '../boards/types.ts';

async function setup(board: BoardDefinition, lines: string[], opts: Parameters<typeof bootTest>[1] = {}): Promise<TestSystem> {
  const s = await bootTest(board, opts);
  for (const l of lines) {
    const out = await s.run(l);
    if (out.startsWith('error')) throw new Error(`${l}: ${out}`);
  }
  return s;
}

const activeBackup = (params = 'miimon=100') => [
  `modprobe bonding mode=active-backup ${params}`,
  'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
  'ifenslave bond0 eth0 eth1',
  'sim wait 1s',
];

/** Echo requests the board sent, by port index, while `fn` runs. */
async function echoRequestsOut(s: TestSystem, fn: () => Promise<unknown>): Promise<number[]> {
  const ports: number[] = [];
  const stop = s.hw.world.observe((i, f, dir) => {
    const ip = parseIpv4Frame(f);
    if (dir === 'out' && ip && ip.protocol === 1 && ip.kind === 8) ports.push(i);
  });
  try {
    await fn();
  } finally {
    stop();
  }
  return ports;
}

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'active-backup bond: three replies, the iputils lines, 2000 ms of virtual time'), async (t) => {
    const s = await setup(board, activeBackup(), { bridge: 'inproc' });
    const t0 = s.clock.now();
    const sent = await echoRequestsOut(s, async () => {
      t.is(await s.run('ping -c 3 192.168.1.100'), [
        'PING 192.168.1.100 (192.168.1.100) 56(84) bytes of data.',
        // The echo crosses the emulated switch without taking virtual time: 0 µs is what is measured.
        '64 bytes from 192.168.1.100: icmp_seq=1 ttl=64 time=0.000 ms',
        '64 bytes from 192.168.1.100: icmp_seq=2 ttl=64 time=0.000 ms',
        '64 bytes from 192.168.1.100: icmp_seq=3 ttl=64 time=0.000 ms',
        '',
        '--- 192.168.1.100 ping statistics ---',
        '3 packets transmitted, 3 received, 0% packet loss, time 2000ms',
        'rtt min/avg/max/mdev = 0.000/0.000/0.000/0.000 ms',
      ].join('\n'));
    });
    // (Bus transactions through the emulated UART leave virtual time at fractions of a ms.)
    t.true(Math.abs(s.clock.now() - t0 - 2000) < 1e-6, 'done at the third reply');
    t.deepEqual(sent, [0, 0, 0], 'all on the active slave');
    t.is(s.firmware.net.host.stats.icmpEchoRequestsOut, 3);
  });

  test(onBoard(board, '802.3ad with LACP on both ports: three replies, no loss'), async (t) => {
    const s = await setup(board, [
      'modprobe bonding mode=802.3ad miimon=100 lacp_rate=fast',
      'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
      'ifenslave bond0 eth0 eth1',
      'sim lacp eth0 active fast',
      'sim lacp eth1 active fast',
      'sim wait 5s',
    ], { bridge: 'inproc' });
    t.is(await s.run('cat /sys/class/net/bond0/bonding/ad_num_ports'), '2');
    const out = await s.run('ping -c 3 192.168.1.100');
    t.is(out.split('\n').filter((l) => /^64 bytes from 192\.168\.1\.100: icmp_seq=\d ttl=64 time=0\.000 ms$/.test(l)).length, 3, out);
    t.regex(out, /\n3 packets transmitted, 3 received, 0% packet loss, time 2000ms\n/);
  });

  test(onBoard(board, 'a host that does not answer ARP: Destination Host Unreachable when resolution fails, three at a time'), async (t) => {
    const s = await setup(board, activeBackup());
    await s.run('sim host 192.168.1.100 down');
    const t0 = s.clock.now();
    t.is(await s.run('ping -c 5 192.168.1.100'), [
      'PING 192.168.1.100 (192.168.1.100) 56(84) bytes of data.',
      // Probes 1-3 wait on the neighbour; ARP gives up after 3 requests 1 s apart (t=3 s).
      'From 192.168.1.1 icmp_seq=1 Destination Host Unreachable',
      'From 192.168.1.1 icmp_seq=2 Destination Host Unreachable',
      'From 192.168.1.1 icmp_seq=3 Destination Host Unreachable',
      // Probe 4 starts a new resolution, which fails at t=6 s with probe 5 queued behind it.
      'From 192.168.1.1 icmp_seq=4 Destination Host Unreachable',
      'From 192.168.1.1 icmp_seq=5 Destination Host Unreachable',
      '',
      '--- 192.168.1.100 ping statistics ---',
      '5 packets transmitted, 0 received, +5 errors, 100% packet loss, time 4000ms',
      'pipe 3',
    ].join('\n'));
    t.is(s.clock.now() - t0, 6000);
  });

  test(onBoard(board, 'a host that stops answering once resolved: loss, and the wait after the last probe (-W)'), async (t) => {
    const s = await setup(board, activeBackup());
    t.regex(await s.run('ping -c 1 192.168.1.100'), /1 received/);
    await s.run('sim host 192.168.1.100 down');
    let t0 = s.clock.now();
    const lost = [
      'PING 192.168.1.100 (192.168.1.100) 56(84) bytes of data.',
      '',
      '--- 192.168.1.100 ping statistics ---',
      '3 packets transmitted, 0 received, 100% packet loss, time 2000ms',
      // iputils ends with a bare newline when there is no rtt line.
      '',
    ].join('\n');
    t.is(await s.run('ping -c 3 192.168.1.100'), lost);
    t.is(s.clock.now() - t0, 12_000, 'the last probe, then 10 s (iputils MAXWAIT)');
    t0 = s.clock.now();
    t.is(await s.run('ping -c 3 -W 1.5 192.168.1.100'), lost);
    t.is(s.clock.now() - t0, 3500);
  });

  test(onBoard(board, 'the active slave\'s cable pulled mid-ping: loss while downdelay hides it, replies after the failover'), async (t) => {
    const s = await setup(board, activeBackup('miimon=100 downdelay=2000'));
    s.clock.setTimer(1500, () => s.hw.world.setCable(0, false));
    const sent = await echoRequestsOut(s, async () => {
      t.is(await s.run('ping -c 5 192.168.1.100'), [
        'PING 192.168.1.100 (192.168.1.100) 56(84) bytes of data.',
        '64 bytes from 192.168.1.100: icmp_seq=1 ttl=64 time=0.000 ms',
        '64 bytes from 192.168.1.100: icmp_seq=2 ttl=64 time=0.000 ms',
        '64 bytes from 192.168.1.100: icmp_seq=5 ttl=64 time=0.000 ms',
        '',
        '--- 192.168.1.100 ping statistics ---',
        '5 packets transmitted, 3 received, 40% packet loss, time 4000ms',
        'rtt min/avg/max/mdev = 0.000/0.000/0.000/0.000 ms',
      ].join('\n'));
    });
    // Probes 3 and 4 went into the dead cable (not seen on it); 5 left on eth1.
    t.deepEqual(sent, [0, 0, 1]);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth1');
  });

  test(onBoard(board, 'broadcast mode: two copies out, two answers back: (DUP!) and +N duplicates'), async (t) => {
    const s = await setup(board, [
      'modprobe bonding mode=broadcast miimon=100',
      'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
      'ifenslave bond0 eth0 eth1',
      'sim wait 1s',
    ]);
    t.is(await s.run('ping -c 3 192.168.1.100'), [
      'PING 192.168.1.100 (192.168.1.100) 56(84) bytes of data.',
      '64 bytes from 192.168.1.100: icmp_seq=1 ttl=64 time=0.000 ms',
      '64 bytes from 192.168.1.100: icmp_seq=1 ttl=64 time=0.000 ms (DUP!)',
      '64 bytes from 192.168.1.100: icmp_seq=2 ttl=64 time=0.000 ms',
      '64 bytes from 192.168.1.100: icmp_seq=2 ttl=64 time=0.000 ms (DUP!)',
      // The count is answered by the first reply to probe 3: ping stops before its copy.
      '64 bytes from 192.168.1.100: icmp_seq=3 ttl=64 time=0.000 ms',
      '',
      '--- 192.168.1.100 ping statistics ---',
      '3 packets transmitted, 3 received, +2 duplicates, 0% packet loss, time 2000ms',
      'rtt min/avg/max/mdev = 0.000/0.000/0.000/0.000 ms',
    ].join('\n'));
  });

  test(onBoard(board, '-I on a port: out of that port only, from its address'), async (t) => {
    const s = await setup(board, [...activeBackup(), 'ifconfig eth2 192.168.1.2 netmask 255.255.255.0 up']);
    const sent = await echoRequestsOut(s, async () => {
      const out = await s.run('ping -c 2 -I eth2 192.168.1.103');
      t.is(out.split('\n')[0], 'PING 192.168.1.103 (192.168.1.103) from 192.168.1.2 eth2: 56(84) bytes of data.');
      t.regex(out, /\n2 packets transmitted, 2 received, 0% packet loss, time 1000ms\n/);
    });
    t.deepEqual(sent, [2, 2]);
    // Without -I the route (the bond's subnet, created first) decides.
    t.deepEqual(await echoRequestsOut(s, () => s.run('ping -c 1 192.168.1.103')), [0]);
  });

  test(onBoard(board, '-I on a VLAN device: everything it sends is tagged and leaves through the bond'), async (t) => {
    const s = await setup(board, [
      'modprobe bonding mode=active-backup miimon=100',
      'ifconfig bond0 up',
      'ifenslave bond0 eth0 eth1',
      'ip link add link bond0 name bond0.10 type vlan id 10',
      'ip addr add 192.168.1.1/24 dev bond0.10',
      'ip link set bond0.10 up',
      'sim wait 1s',
    ]);
    const frames: { port: number; vlan: number; arp: boolean }[] = [];
    const stop = s.hw.world.observe((i, f, dir) => {
      if (dir !== 'out') return;
      const tagged = readU16(f, 12) === ETHERTYPE_VLAN;
      frames.push({ port: i, vlan: tagged ? readU16(f, 14) & 0xfff : -1, arp: readU16(f, tagged ? 16 : 12) === ETHERTYPE_ARP });
    });
    const out = await s.run('ping -c 1 -I bond0.10 192.168.1.100');
    stop();
    // The simulated hosts sit on untagged ports and answer untagged: bond0.10 never hears them.
    t.is(out, [
      'PING 192.168.1.100 (192.168.1.100) from 192.168.1.1 bond0.10: 56(84) bytes of data.',
      'From 192.168.1.1 icmp_seq=1 Destination Host Unreachable',
      '',
      '--- 192.168.1.100 ping statistics ---',
      '1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms',
      '',
    ].join('\n'));
    t.deepEqual(frames, [0, 1, 2].map(() => ({ port: 0, vlan: 10, arp: true })), 'three tagged ARP requests on the active slave');
  });

  test(onBoard(board, 'arping: broadcast first, unicast after the first reply; iputils lines and counts'), async (t) => {
    const s = await setup(board, activeBackup());
    const t0 = s.clock.now();
    t.is(await s.run('arping -c 3 192.168.1.100'), [
      'ARPING 192.168.1.100 from 192.168.1.1 bond0',
      // arping prints the time plus 0.5 ms (its arithmetic); the answer took 0 µs here.
      'Unicast reply from 192.168.1.100 [02:00:00:01:00:00]  0.500ms',
      'Unicast reply from 192.168.1.100 [02:00:00:01:00:00]  0.500ms',
      'Unicast reply from 192.168.1.100 [02:00:00:01:00:00]  0.500ms',
      'Sent 3 probes (1 broadcast(s))',
      'Received 3 response(s)',
    ].join('\n'));
    t.is(s.clock.now() - t0, 3000, 'arping ends one interval after its last probe');
    await s.run('sim host 192.168.1.101 down');
    t.is(await s.run('arping -c 2 -I bond0 192.168.1.101'), 'ARPING 192.168.1.101 from 192.168.1.1 bond0\nSent 2 probes (2 broadcast(s))\nReceived 0 response(s)');
    // -w: stops at the deadline (the probe due then still goes), or once -c replies came.
    t.is(await s.run('arping -w 2 192.168.1.100'), [
      'ARPING 192.168.1.100 from 192.168.1.1 bond0',
      'Unicast reply from 192.168.1.100 [02:00:00:01:00:00]  0.500ms',
      'Unicast reply from 192.168.1.100 [02:00:00:01:00:00]  0.500ms',
      'Sent 3 probes (1 broadcast(s))',
      'Received 2 response(s)',
    ].join('\n'));
    const t1 = s.clock.now();
    t.regex(await s.run('arping -c 2 -w 10 192.168.1.100'), /Sent 2 probes \(1 broadcast\(s\)\)\nReceived 2 response\(s\)$/);
    t.is(s.clock.now() - t1, 1000);
  });

  test(onBoard(board, 'bad input: one error line each, and nothing sent'), async (t) => {
    const s = await setup(board, [...activeBackup(), 'ip link add link bond0 name bond0.10 type vlan id 10', 'ip addr add 10.0.10.1/24 dev bond0.10']);
    const stats = await s.run('sim stats');
    const cases: [string, string][] = [
      ['ping -c 0 192.168.1.100', "ping: invalid argument: '0': out of range: 1 <= value <= 9223372036854775807"],
      ['ping -c -3 192.168.1.100', "ping: invalid argument: '-3': out of range: 1 <= value <= 9223372036854775807"],
      ['ping -c abc 192.168.1.100', "ping: invalid argument: 'abc'"],
      ['ping -c 99999999999999999999 192.168.1.100', "ping: invalid argument: '99999999999999999999': Numerical result out of range"],
      ['ping -c 1 -i -1 192.168.1.100', 'ping: bad timing interval: -1'],
      ['ping -c 1 -i 1x 192.168.1.100', 'ping: option argument contains garbage: x'],
      ['ping -c 1 -i nan 192.168.1.100', 'ping: bad timing interval: nan: Numerical result out of range'],
      ['ping -c 1 -W -2 192.168.1.100', 'ping: bad linger time: -2'],
      ['ping -c 1 -s 1473 192.168.1.100', "ping: invalid -s value: '1473': out of range: 0 <= value <= 1472 (no IP fragmentation here: a probe fits the 1500-byte MTU)"],
      ['ping -c 1 -s -1 192.168.1.100', "ping: invalid argument: '-1': out of range: 0 <= value <= 2147483647"],
      ['ping -x 192.168.1.100', "ping: invalid option -- 'x' (usage: ping [-c <count>] [-i <interval>] [-s <size>] [-I <interface>] [-W <timeout>] [-n] [-q] <destination>)"],
      ['ping 192.168.1.100 -c', "ping: option requires an argument -- 'c' (usage: ping [-c <count>] [-i <interval>] [-s <size>] [-I <interface>] [-W <timeout>] [-n] [-q] <destination>)"],
      ['ping -c 1', 'ping: usage error: Destination address required (usage: ping [-c <count>] [-i <interval>] [-s <size>] [-I <interface>] [-W <timeout>] [-n] [-q] <destination>)'],
      ['ping -c 1 gateway.example', 'ping: gateway.example: Name or service not known'],
      ['ping -c 1 10.9.9.9', 'ping: connect: Network is unreachable'],
      ['ping -c 1 -I eth9 192.168.1.100', 'ping: SO_BINDTODEVICE eth9: No such device'],
      ['ping -c 1 -I bond0.10 10.0.10.5', 'ping: connect: Network is unreachable'],
      ['ping -c 1 -I eth3 192.168.1.100', 'ping: eth3 has no IPv4 address to send from (ip addr add <ip>/<prefix> dev eth3)'],
      ['ping -c 1 -I 10.1.1.1 192.168.1.100', 'ping: bind: Cannot assign requested address'],
      ['ping -c 1 192.168.1.255', 'ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules'],
      ['ping -c 1 192.168.1.1', 'ping: 192.168.1.1 is an address of this gateway (there is no loopback device here to answer it)'],
      ['ping 192.168.1.100', 'ping: -c is required from script (only a console can stop a ping with Ctrl-C)'],
      ['ping -c 2 -W 0 192.168.1.100', 'ping: -W 0 (wait for ever) needs a console to stop it with Ctrl-C, not script'],
      ['arping 192.168.1.100', 'arping: -c or -w is required from script (only a console can stop arping with Ctrl-C)'],
      ['arping -c 0 192.168.1.100', "arping: invalid argument: '0': out of range: 1 <= value <= 2147483647"],
      ['arping -c 1 -w -1 192.168.1.100', "arping: invalid argument: '-1': out of range: 0 <= value <= 2147483647"],
      ['arping -c 1 -I eth9 192.168.1.100', 'arping: Device eth9 not available.'],
      ['arping -c 1 -I bond0.10 192.168.1.100', 'Interface "bond0.10" is down'],
      ['arping -c 1 -I eth3 192.168.1.100', 'arping: no source address in not-DAD mode'],
      ['arping -c 1 10.9.9.9', 'arping: NETLINK_ROUTE unexpected iov element'],
      ['arping -c 1 192.168.1.100 192.168.1.101', 'arping: usage: arping [-c <count>] [-w <timeout>] [-I <device>] <destination>'],
      ['arping -f -c 1 192.168.1.100', "arping: invalid option -- 'f' (usage: arping [-c <count>] [-w <timeout>] [-I <device>] <destination>)"],
    ];
    for (const [line, error] of cases) t.is(await s.run(line), `error: ${error}`, line);
    t.is(await s.run('sim stats'), stats, 'no frame left the board');
  });

  test(onBoard(board, '-c is required where nothing can interrupt; a console\'s Ctrl-C stops a ping and prints the summary'), async (t) => {
    const s = await setup(board, activeBackup());
    const d = s.firmware.dispatcher;
    // ping needs the operate role; remote commands get it only when granted (--mqtt-commands operate).
    d.setRole('mqtt', 'operate');
    t.is((await s.clock.drive(d.execute('ping 192.168.1.100', 'mqtt'))).output, 'error: ping: -c is required from mqtt (only a console can stop a ping with Ctrl-C)');
    const printed: { at: number; text: string }[] = [];
    const con = new LiveConsole(d, 'console', (text) => printed.push({ at: s.clock.now(), text }));
    const t0 = s.clock.now();
    const done = con.run('ping -i 0.5 192.168.1.100');
    await s.clock.advance(1200);
    t.true(con.interrupt(), 'a command was running');
    await s.clock.drive(done);
    t.deepEqual(printed.map((p) => [p.at - t0, p.text]), [
      [0, 'PING 192.168.1.100 (192.168.1.100) 56(84) bytes of data.\n'],
      [0, '64 bytes from 192.168.1.100: icmp_seq=1 ttl=64 time=0.000 ms\n'],
      [500, '64 bytes from 192.168.1.100: icmp_seq=2 ttl=64 time=0.000 ms\n'],
      [1000, '64 bytes from 192.168.1.100: icmp_seq=3 ttl=64 time=0.000 ms\n'],
      [1200, '\n'],
      [1200, '--- 192.168.1.100 ping statistics ---\n'],
      [1200, '3 packets transmitted, 3 received, 0% packet loss, time 1000ms\n'],
      [1200, 'rtt min/avg/max/mdev = 0.000/0.000/0.000/0.000 ms\n'],
    ], 'each line printed when it happened');
    t.false(con.interrupt(), 'idle: nothing to interrupt');
    // An interrupt fired before a queued line starts drops it, as a terminal flushes typed-ahead input.
    const early = new Interrupt();
    early.interrupt();
    t.deepEqual(await s.clock.drive(d.execute('ping -c 1 192.168.1.100', 'console', { interrupt: early })), { ok: true, output: '' });
  });

  test(onBoard(board, 'arping interrupted on a console prints its summary'), async (t) => {
    const s = await setup(board, activeBackup());
    const printed: string[] = [];
    const con = new LiveConsole(s.firmware.dispatcher, 'serial', (text) => printed.push(text));
    const done = con.run('arping 192.168.1.100');
    await s.clock.advance(1500);
    con.interrupt();
    await s.clock.drive(done);
    t.is(printed.join(''), 'ARPING 192.168.1.100 from 192.168.1.1 bond0\n'
      + 'Unicast reply from 192.168.1.100 [02:00:00:01:00:00]  0.500ms\n'.repeat(2)
      + 'Sent 2 probes (1 broadcast(s))\nReceived 2 response(s)\n');
  });

  test(onBoard(board, '-s: the size printed and echoed back; under 16 bytes no times and no rtt line'), async (t) => {
    const s = await setup(board, activeBackup());
    t.is(await s.run('ping -c 2 -s 8 192.168.1.100'), [
      'PING 192.168.1.100 (192.168.1.100) 8(36) bytes of data.',
      '16 bytes from 192.168.1.100: icmp_seq=1 ttl=64',
      '16 bytes from 192.168.1.100: icmp_seq=2 ttl=64',
      '',
      '--- 192.168.1.100 ping statistics ---',
      '2 packets transmitted, 2 received, 0% packet loss, time 1000ms',
      '',
    ].join('\n'));
    t.regex(await s.run('ping -c 1 -s 1472 192.168.1.100'), /^PING 192\.168\.1\.100 \(192\.168\.1\.100\) 1472\(1500\) bytes of data\.\n1480 bytes from 192\.168\.1\.100: icmp_seq=1 ttl=64 time=0\.000 ms\n/);
    t.regex(await s.run('ping -c 3 -i 0 -q 192.168.1.100'), /^PING [^\n]+\n\n--- 192\.168\.1\.100 ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 0ms\nrtt min\/avg\/max\/mdev = 0\.000\/0\.000\/0\.000\/0\.000 ms, ipg\/ewma 0\.000\/0\.000 ms$/);
  });
}

test('statistics digit for digit as iputils computes them', (t) => {
  // Reply times by size: 3 decimals under 1 ms, 2 under 10 ms, 1 under 100 ms, then none.
  t.is(formatTriptime(412), '0.412');
  t.is(formatTriptime(999), '0.999');
  t.is(formatTriptime(1000), '1.00');
  t.is(formatTriptime(9994), '9.99');
  t.is(formatTriptime(9995), '10.0');
  t.is(formatTriptime(99_949), '99.9');
  t.is(formatTriptime(99_950), '100');
  t.is(formatTriptime(123_456), '123');
  // %g of a float: 6 significant digits, half to even on the exact value, no trailing zeros.
  t.is(formatG(Math.fround(100 / 3)), '33.3333');
  t.is(formatG(Math.fround(200 / 3)), '66.6667');
  t.is(formatG(Math.fround(100)), '100');
  t.is(formatG(Math.fround(40)), '40');
  t.is(formatG(Math.fround(100 / 512)), '0.195312', 'exactly 0.1953125: a tie, rounded to even');
  t.is(formatG(Math.fround(100 / 1e7)), '1e-05');
  // Four replies, the last a duplicate (they count in the times): 412, 500, 610, 700 µs.
  const st = new PingStats();
  for (const [seq, us] of [[1, 412], [2, 500], [3, 610]]) {
    st.ntransmitted = seq;
    t.false(st.reply(seq, us, true));
  }
  t.true(st.reply(3, 700, true), 'a second reply to 3 is a duplicate');
  // avg = trunc(2222 / 4) = 555; var = trunc((1281844 - 2222² / 4) / 4) = 11880; iputils'
  // llsqrt(11880) stops at 109 (its Newton steps end one above the floor here).
  t.deepEqual(st.summary('192.168.1.100', 2_003_400, true, 1000), [
    '--- 192.168.1.100 ping statistics ---',
    '3 packets transmitted, 3 received, +1 duplicates, 0% packet loss, time 2003ms',
    'rtt min/avg/max/mdev = 0.412/0.555/0.700/0.109 ms',
  ]);
  // One probe in flight while the next went: pipe 2; errors and loss as %g.
  const lossy = new PingStats();
  lossy.ntransmitted = 2;
  lossy.error(1);
  lossy.ntransmitted = 3;
  t.deepEqual(lossy.summary('10.0.0.9', 2_000_499, true, 1000).slice(1), ['3 packets transmitted, 0 received, +1 errors, 100% packet loss, time 2000ms', 'pipe 2']);
});
