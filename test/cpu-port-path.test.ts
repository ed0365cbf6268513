/**
 * The receive-and-answer path through the CPU port (what `npm run bench -- cpu-port` times):
 * a frame from the switch, tagged per port or per trunk, reaches the right bond, and the host
 * stack's answer leaves through the bond, byte for byte.
 */
import test from 'ava';
import { buildIpv4, IPPROTO_ICMP } from '../firmware/net/packets.ts';
import { bootTest, marvellChip, type TestSystem } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard, portMac } from './helpers/boards.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** An echo request from `srcMac`/`srcIp` to `dstMac`/`dstIp`: id 0x0abc, seq 7, no data. */
function echoRequest(dstMac: Uint8Array, srcMac: Uint8Array, srcIp: number, dstIp: number): Uint8Array {
  return buildIpv4({ dst: dstMac, src: srcMac, protocol: IPPROTO_ICMP, kind: 8, icmpIdSeq: 0x0abc0007, srcIp, dstIp });
}

/** Injects `frame` into the board on cable `index`; returns the frames the board sent to `to` in answer. */
async function answers(s: TestSystem, index: number, frame: Uint8Array, to: Uint8Array): Promise<{ cable: number; frame: string }[]> {
  const got: { cable: number; frame: string }[] = [];
  const stop = s.hw.world.observe((i, f, dir) => {
    if (dir === 'out' && hex(f.subarray(0, 6)) === hex(to)) got.push({ cable: i, frame: hex(f) });
  });
  s.hw.world.injectToBoard(index, frame);
  await s.run('sim wait 10ms');
  stop();
  return got;
}

const hexMac = (mac: string): string => mac.replaceAll(':', '');

for (const board of SCENARIO_BOARDS) {
  // Marvell tags a frame from a LAG member with the trunk's ID; MediaTek has no hardware LAG,
  // so its tag names the member port, and the bond takes the frame from that slave.
  const trunks = board.switch.driver === 'mv88e6xxx';
  test(onBoard(board, `two 802.3ad bonds: frames from each ${trunks ? 'switch trunk' : 'member port (no hardware LAG)'} reach the bond that owns it; echo replies are byte-exact`), async (t) => {
    const s = await bootTest(board);
    for (const l of [
      'modprobe bonding mode=802.3ad lacp_rate=fast miimon=100 xmit_hash_policy=layer3+4 max_bonds=2',
      'sim lacp eth0 active fast', 'sim lacp eth1 active fast', 'sim lacp eth2 active fast key 2', 'sim lacp eth3 active fast key 2',
      'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifconfig bond1 10.0.0.1 netmask 255.255.255.0 up',
      'ifenslave bond0 eth0 eth1', 'ifenslave bond1 eth2 eth3', 'sim wait 3s',
    ]) t.false((await s.run(l)).startsWith('error'), l);
    // bond0 aggregated first: trunk 1; bond1: trunk 2.
    if (trunks) t.deepEqual(await Promise.all([0, 1, 2, 3].map((p) => marvellChip(s).getPortTrunk(p))), [1, 1, 2, 2]);
    else t.is(s.board.chip.lag, undefined);
    const net = s.firmware.net;
    const bond0 = net.bond('bond0')!;
    const bond1 = net.bond('bond1')!;
    const dropsBefore = s.board.framePort.counters.rxDropped.trunk;
    const allDropsBefore = { ...s.board.framePort.counters.rxDropped };

    // To bond1 (eth2's address) from 10.0.0.50, in on eth3: the Marvell switch tags it with trunk 2.
    const peer1 = Uint8Array.of(0x02, 0, 0, 0xaa, 0, 1);
    const a1 = await answers(s, 3, echoRequest(bond1.mac, peer1, 0x0a000032, 0x0a000001), peer1);
    t.is(a1.length, 1);
    t.true(a1[0].cable === 2 || a1[0].cable === 3, 'left through bond1');
    t.is(
      a1[0].frame,
      '020000aa0001' + hexMac(portMac(board, 2)) + '0800' + // to the requester, from bond1
        '4500001c' + '00010000' + '4001' + '66ae' + // IP ID 1, no DF, TTL 64, ICMP, header checksum
        '0a000001' + '0a000032' + // 10.0.0.1 -> 10.0.0.50
        '0000' + 'f53c' + '0abc0007' + // echo reply, checksum, id, seq
        '00'.repeat(18), // padding to 60
    );

    // To bond0 (eth0's address) from 192.168.1.50, in on eth0 (Marvell: trunk 1). Addresses above 2^31 too.
    const peer0 = Uint8Array.of(0x02, 0, 0, 0xaa, 0, 2);
    const a0 = await answers(s, 0, echoRequest(bond0.mac, peer0, 0xc0a80132, 0xc0a80101), peer0);
    t.is(a0.length, 1);
    t.true(a0[0].cable === 0 || a0[0].cable === 1, 'left through bond0');
    t.is(
      a0[0].frame,
      '020000aa0002' + hexMac(portMac(board, 0)) + '0800' +
        '4500001c' + '00020000' + '4001' + 'f75b' + // IP ID 2
        'c0a80101' + 'c0a80132' + // 192.168.1.1 -> 192.168.1.50
        '0000' + 'f53c' + '0abc0007' +
        '00'.repeat(18),
    );

    // The answer's source address is the receiving bond's: each request reached its own bond.
    t.is(s.board.framePort.counters.rxDropped.trunk, dropsBefore);
    t.deepEqual(s.board.framePort.counters.rxDropped, allDropsBefore, 'the CPU port dropped nothing');
    t.is(net.lagRxUnowned, 0);
  });
}
