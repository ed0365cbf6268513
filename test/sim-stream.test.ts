/**
 * `sim stream`: numbered frames through a bond and back, counted per flow, in virtual time.
 * The counting (lost, duplicated, reordered, per port, flows moved), its exactness across a
 * cable pull, frame sizes and protocols, and bad input.
 */
import test from 'ava';
import { parseIpv4 } from '../lib/addr.ts';
import { IPPROTO_UDP, buildIpv4 } from '../firmware/net/packets.ts';
import { flowSourcePort } from '../sim/flows.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import { parseCounts } from './helpers/dataplane.ts';

const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

for (const board of SCENARIO_BOARDS) {
  async function bond(params: string, opts: { bridge?: 'inproc' | 'none'; irqPrograms?: boolean } = {}): Promise<TestSystem> {
    const s = await bootTest(board, { bridge: opts.bridge ?? 'none', bridgeMcu: { irqPrograms: opts.irqPrograms } });
    for (const l of [`modprobe bonding ${params}`, 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1', 'sim wait 1s']) {
      const out = await s.run(l);
      if (out.startsWith('error')) throw new Error(`${l}: ${out}`);
    }
    return s;
  }

  test(onBoard(board, 'steady state: every frame echoed; the running counts leave the last 100 ms in flight'), async (t) => {
    const s = await bond('mode=balance-xor miimon=100 xmit_hash_policy=layer3+4');
    t.is(await s.run('sim stream start bond0 rate 1000 flows 8'), '');
    await s.run('sim wait 999ms');
    // Frames 0..999, one a millisecond from the start.
    const running = parseCounts(await s.run('sim stream'));
    t.is(running.sent, 1000);
    t.is(running.lost, 0);
    t.is(running.ports.eth0 + running.ports.eth1, 1000);
    const end = parseCounts(await s.run('sim stream stop'));
    t.is(end.sent, 1000, 'stop sends nothing more');
    t.deepEqual([end.received, end.lost, end.duplicated, end.reordered, end.flowsMoved], [1000, 0, 0, 0, 0]);
    t.regex(await s.run('sim stream'), /^error: sim stream: no stream running/);
  });

  test(onBoard(board, 'a cable pull at a given instant loses the frames sent until the failover, the same every run'), async (t) => {
    const runOnce = async () => {
      // A bridge without interrupt programs: the failover then waits for the host's read of the
      // port, a window of about a millisecond that the stream's loss must match (with them the
      // failover comes at the interrupt's arrival and loses nothing: irq-program.test.ts).
      const s = await bond('mode=active-backup miimon=100', { bridge: 'inproc', irqPrograms: false });
      await s.run('sim stream start bond0 rate 1000 flows 4');
      await s.run('sim wait 333ms');
      const pulledAt = s.clock.now();
      await s.run('sim link eth0 down');
      await s.run('sim wait 500ms');
      const failover = s.log.tail().find((e) => e.text === 'bond0: (slave eth1): making interface the new active one');
      const out = await s.run('sim stream stop');
      return { out, lost: parseCounts(out).lost, windowMs: failover!.time - pulledAt };
    };
    const a = await runOnce();
    const b = await runOnce();
    t.is(a.out, b.out, 'virtual time: the same counts every run');
    // One frame a millisecond: what went out on eth0 between the pull and the failover is lost.
    t.true(Math.abs(a.lost - a.windowMs) <= 1, `lost ${a.lost}, failover ${a.windowMs} ms after the pull`);
    t.true(a.lost > 0);
    t.log(a.out);
  });

  test(onBoard(board, 'tcp, full-size frames, more flows than hosts'), async (t) => {
    const s = await bond('mode=balance-rr miimon=100');
    const sizes: number[] = [];
    s.hw.world.observe((_i, f, dir) => {
      if (dir === 'out' && f.length > 1000) sizes.push(f.length);
    });
    await s.run('sim stream start bond0 rate 500 flows 40 tcp size 1518');
    await s.run('sim wait 199ms');
    const c = parseCounts(await s.run('sim stream stop'));
    t.is(c.sent, 100);
    t.is(c.received, 100);
    t.true(sizes.length === 100 && sizes.every((n) => n === 1514), 'the frame on the wire is 1518 bytes with its FCS');
  });

  test(onBoard(board, 'an echo that comes twice is duplicated, one older than its flow\'s newest is reordered'), async (t) => {
    const s = await bond('mode=active-backup miimon=100');
    await s.run('sim stream start bond0 rate 10 flows 1');
    await s.run('sim wait 300ms'); // sequences 0..3 sent and echoed
    const echo = (seq: number): string => {
      const data = Uint8Array.of(seq >>> 24, (seq >>> 16) & 255, (seq >>> 8) & 255, seq & 255, 0, 0);
      const bondMac = s.firmware.net.bond('bond0')!.mac;
      return toHex(buildIpv4({
        dst: bondMac, src: Uint8Array.of(2, 0, 0, 1, 0, 0), protocol: IPPROTO_UDP, srcIp: parseIpv4('192.168.1.100')!, dstIp: parseIpv4('192.168.1.1')!,
        srcPort: 7, dstPort: flowSourcePort(0, 16), data,
      }));
    };
    await s.run(`sim inject eth0 ${echo(1)}`); // again: duplicated
    await s.run(`sim inject eth0 ${echo(99)}`); // never sent: not ours
    await s.run('sim wait 1ms');
    const c = parseCounts(await s.run('sim stream'));
    t.is(c.sent, 4);
    t.is(c.received, 5);
    t.is(c.duplicated, 1);
    t.is(c.reordered, 0);
    await s.run('sim stream stop');

    // A fresh stream whose host does not answer: its echoes come by hand, 2 before 1.
    await s.run('sim host 192.168.1.100 down');
    await s.run('sim stream start bond0 rate 10 flows 1');
    await s.run('sim wait 250ms'); // 0, 1, 2 sent, none echoed
    await s.run(`sim inject eth0 ${echo(2)}`);
    await s.run(`sim inject eth0 ${echo(1)}`);
    await s.run('sim wait 1ms');
    const r = parseCounts(await s.run('sim stream stop'));
    t.deepEqual([r.sent, r.received, r.lost, r.duplicated, r.reordered], [3, 2, 1, 0, 1]);
  });

  test(onBoard(board, 'bad input: one error line, and a running stream goes on untouched'), async (t) => {
    const s = await bond('mode=balance-rr miimon=100');
    const bad: [string, RegExp][] = [
      ['sim stream start', /^error: sim stream: no bond ''/],
      ['sim stream start bond9 rate 10', /^error: sim stream: no bond 'bond9'/],
      ['sim stream start bond0', /^error: sim stream: usage: .*\(rate is required\)$/],
      ['sim stream start bond0 rate 0', /^error: sim stream: rate '0' must be 1 to 1000000 frames per second$/],
      ['sim stream start bond0 rate 1000001', /^error: sim stream: rate '1000001' must be 1 to 1000000/],
      ['sim stream start bond0 rate -5', /^error: sim stream: rate '-5'/],
      ['sim stream start bond0 rate 10 flows 0', /^error: sim stream: flows '0' must be 1 to 4096$/],
      ['sim stream start bond0 rate 10 flows 4097', /^error: sim stream: flows '4097'/],
      ['sim stream start bond0 rate 10 size 63', /^error: sim stream: size '63' must be 64 to 1518 bytes/],
      ['sim stream start bond0 rate 10 size 1519', /^error: sim stream: size '1519'/],
      ['sim stream start bond0 rate 10 sctp', /^error: sim stream: usage: .*\(unknown word 'sctp'\)$/],
      ['sim stream pause', /^error: sim stream: expected start, stop or nothing, got 'pause'$/],
      ['sim stream stop now', /^error: sim stream: usage: sim stream stop$/],
      ['sim stream stop', /^error: sim stream: no stream running$/],
    ];
    for (const [line, want] of bad) {
      const out = await s.run(line);
      t.regex(out, want, line);
      t.is(out.split('\n').length, 1, line);
    }
    t.is(await s.run('sim stream start bond0 rate 100 flows 2'), '');
    await s.run('sim wait 99ms');
    t.regex(await s.run('sim stream start bond0 rate 100'), /^error: sim stream: a stream is already running on bond0 \(sim stream stop first\)$/);
    t.regex(await s.run('sim stream start bond0 rate 0'), /^error: sim stream: a stream is already running/);
    await s.run('sim wait 100ms');
    const c = parseCounts(await s.run('sim stream stop'));
    t.deepEqual([c.sent, c.received, c.lost], [20, 20, 0], 'the running stream was not disturbed');

    // No address on the hosts' subnet, or the bond down: refused before anything is sent.
    await s.run('ip addr flush dev bond0');
    t.regex(await s.run('sim stream start bond0 rate 10'), /^error: sim stream: bond0 has no address on the hosts' subnet/);
    await s.run('ifconfig bond0 192.168.1.1 netmask 255.255.255.0 down');
    t.regex(await s.run('sim stream start bond0 rate 10'), /^error: sim stream: bond0 is down/);
    await s.run('ifconfig bond0 up');
    await s.run('sim host 192.168.1.100 down');
    t.regex(await s.run('sim stream start bond0 rate 10'), /^error: sim stream: no ARP reply from 192\.168\.1\.100 /);
    t.regex(await s.run('sim stream'), /^error: sim stream: no stream running/, 'a refused start leaves no stream');
  });
}
