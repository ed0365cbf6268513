import test from 'ava';
import fc from 'fast-check';
import { bootTest } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import { buildArp, ARP_REQUEST, ARP_REPLY, BROADCAST_MAC, buildIpv4, IPPROTO_UDP, IPPROTO_ICMP } from '../firmware/net/packets.ts';
import { parseIpv4 } from '../lib/addr.ts';

const GW = parseIpv4('192.168.1.1')!;

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'dual topology: even ports on one partner switch, odd on the other, hosts reachable across the inter-switch link'), async (t) => {
    const s = await bootTest(board, { topology: 'dual' });
    const got: { port: string; frame: Uint8Array }[] = [];
    s.board.setReceiver((p, f, n) => got.push({ port: p.name, frame: f.slice(0, n) }));
    const eth1 = s.board.ports[1];
    const mac = eth1.permanentMac;
    // Host .100 is behind the first switch (eth0, eth2); eth1 is on the second switch.
    const req = buildArp(BROADCAST_MAC, mac, { op: ARP_REQUEST, senderMac: mac, senderIp: GW, targetMac: new Uint8Array(6), targetIp: parseIpv4('192.168.1.100')! });
    s.board.send(eth1, req, req.length);
    await s.clock.advance(0);
    const replies = got.filter((g) => g.frame[21] === ARP_REPLY);
    t.is(replies.length, 1);
    t.is(replies[0].port, 'eth1');
    // The broadcast was flooded: eth3 (same switch) and eth0/eth2 (across the ISL) saw it.
    t.deepEqual(got.filter((g) => g.frame[21] === ARP_REQUEST).map((g) => g.port).sort(), ['eth0', 'eth2', 'eth3']);
    // With the partner port facing eth1 dropping, the host cannot be reached from eth1 at all.
    await s.run('sim peer eth1 drop');
    got.length = 0;
    s.board.send(eth1, req, req.length);
    await s.clock.advance(0);
    t.is(got.length, 0);
  });

  test(onBoard(board, 'hosts answer UDP and ICMP echo with one frame each, to the MAC their ARP cache holds'), async (t) => {
    const s = await bootTest(board);
    const got: { port: string; frame: Uint8Array }[] = [];
    s.board.setReceiver((p, f, n) => got.push({ port: p.name, frame: f.slice(0, n) }));
    const [eth0, eth2] = [s.board.ports[0], s.board.ports[2]];
    const host = s.hw.world.host(parseIpv4('192.168.1.103')!)!;
    // The host learns the gateway from its ARP request on eth0.
    s.board.send(eth0, buildArp(BROADCAST_MAC, eth0.permanentMac, { op: ARP_REQUEST, senderMac: eth0.permanentMac, senderIp: GW, targetMac: new Uint8Array(6), targetIp: host.ip }), 60);
    await s.clock.advance(0);
    got.length = 0;
    // A UDP frame sent from eth2 with eth2's MAC: the reply goes to the cached MAC (eth0's),
    // which the partner learned on eth0.
    const udp = buildIpv4({ dst: host.mac, src: eth2.permanentMac, protocol: IPPROTO_UDP, srcIp: GW, dstIp: host.ip, srcPort: 5000, dstPort: 7 });
    s.board.send(eth2, udp, udp.length);
    const ping = buildIpv4({ dst: host.mac, src: eth0.permanentMac, protocol: IPPROTO_ICMP, srcIp: GW, dstIp: host.ip, kind: 8, icmpIdSeq: 0x12340001 });
    s.board.send(eth0, ping, ping.length);
    await s.clock.advance(0);
    t.is(host.replied, 2);
    t.deepEqual(got.map((g) => g.port), ['eth0', 'eth0']);
    t.is(got[1].frame[34], 0, 'ICMP echo reply');
  });

  test(onBoard(board, 'arbitrary frames injected on any port never upset the world or the firmware (fuzz)'), async (t) => {
    const s = await bootTest(board);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ minLength: 14, maxLength: 200 })), { maxLength: 20 }), async (frames) => {
        for (const [port, bytes] of frames) s.hw.world.injectToBoard(port, bytes);
        await s.clock.advance(1);
        return s.hw.world.faults === 0;
      }),
      { numRuns: 200 },
    );
    t.is(await s.run('cat /sys/class/net/eth0/speed'), '1000');
  });
}
