import test from 'ava';
import { bootTest } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard, portMac } from './helpers/boards.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { buildArp, ARP_REQUEST, BROADCAST_MAC } from '../firmware/net/packets.ts';
import { parseIpv4 } from '../lib/addr.ts';

/** The PHY driver that binds to the PHY model each board puts behind its ports. */
const PHY_DRIVER: Partial<Record<BoardDefinition['simPhyModel'], string>> = {
  'marvell-88e151x': 'Marvell 88E151x',
  'mediatek-mt7531': 'MediaTek MT7531 PHY',
};

/** What the CPU port's tag is called, for titles. */
const TAG_NAME: Record<BoardDefinition['switch']['tagging'], string> = { dsa: 'DSA', edsa: 'EtherType DSA', mtk: 'MediaTek special' };

for (const board of SCENARIO_BOARDS) {
  const POLL = board.pollIntervalMs;

  test(onBoard(board, 'ports read through the drivers: speed, duplex, carrier, operstate, address, mtu'), async (t) => {
    const s = await bootTest(board);
    t.is(await s.run('cat /sys/class/net/eth0/speed'), '1000');
    t.is(await s.run('cat /sys/class/net/eth0/duplex'), 'full');
    t.is(await s.run('cat /sys/class/net/eth0/carrier'), '1');
    t.is(await s.run('cat /sys/class/net/eth0/operstate'), 'up');
    t.is(await s.run('cat /sys/class/net/eth0/address'), portMac(board, 0));
    t.is(await s.run('cat /sys/class/net/eth3/address'), portMac(board, 3));
    t.is(await s.run('cat /sys/class/net/eth0/mtu'), '1500');
    t.is(await s.run('cat /sys/class/net/eth9/mtu'), 'error: cat: /sys/class/net/eth9/mtu: No such file or directory');
    t.is(await s.run('cat /sys/class/net/eth0/nonsense'), 'error: cat: /sys/class/net/eth0/nonsense: No such file or directory');
    t.is(s.board.ports[0].phyDriver.name, PHY_DRIVER[board.simPhyModel] ?? `(no driver name listed for ${board.simPhyModel})`);
  });

  test(onBoard(board, 'a cable pull reads carrier 0 within one poll; plugging back comes up after autonegotiation'), async (t) => {
    const s = await bootTest(board);
    await s.clock.advance(POLL / 2); // mid-way between polls
    t.is(await s.run('sim link eth3 down'), '');
    await s.clock.advance(POLL);
    t.is(await s.run('cat /sys/class/net/eth3/carrier'), '0');
    t.is(await s.run('cat /sys/class/net/eth3/operstate'), 'down');
    t.is(await s.run('cat /sys/class/net/eth3/speed'), '-1');
    t.is(await s.run('cat /sys/class/net/eth3/duplex'), 'unknown');
    t.is(await s.run('cat /sys/class/net/eth2/carrier'), '1');

    await s.run('sim autoneg 2s');
    const t0 = s.clock.now();
    await s.run('sim link eth3 up');
    // The PHY reports link exactly 2000 ms after the plug; the next poll after that sees it.
    await s.clock.advance(1999);
    t.false(s.hw.phys[3].linkUp);
    t.is(await s.run('cat /sys/class/net/eth3/carrier'), '0');
    await s.clock.advance(1);
    t.true(s.hw.phys[3].linkUp);
    await s.clock.advance(POLL);
    t.is(await s.run('cat /sys/class/net/eth3/carrier'), '1');
    t.is(await s.run('cat /sys/class/net/eth3/speed'), '1000');
    t.true(s.clock.now() - t0 <= 2000 + POLL);
    t.regex((await s.run('log')), /eth3: link down[\s\S]*eth3: link up, 1000 Mb\/s, full duplex/);
  });

  test(onBoard(board, 'a PHY link drop shorter than the poll interval is still reported (latched-low BMSR)'), async (t) => {
    const s = await bootTest(board);
    await s.clock.advance(POLL + 10); // just after a poll
    const port = s.board.ports[1];
    t.true(port.phy.link);
    await s.run('sim phy eth1 down');
    await s.clock.advance(20);
    await s.run('sim phy eth1 up');
    t.true(s.hw.phys[1].linkUp, 'the link is back before the next poll');
    const polls = s.board.polls;
    await s.clock.advance(POLL);
    t.is(s.board.polls, polls + 1);
    t.false(port.phy.link, 'the poll after the drop reports the link down');
    t.true(port.phy.dropSeen);
    await s.clock.advance(POLL);
    t.true(port.phy.link, 'the next poll reports it up again');
    t.false(port.phy.dropSeen);
    t.regex(await s.run('log'), /eth1: PHY link down\n.*eth1: PHY link up/);
  });

  test(onBoard(board, 'sim phy and sim carrier move one link source each, so they can disagree'), async (t) => {
    const s = await bootTest(board);
    await s.run('sim phy eth2 down');
    await s.clock.advance(POLL);
    const eth2 = s.board.ports[2];
    t.false(eth2.phy.link, 'PHY registers say down');
    t.true(eth2.carrier, 'switch MAC side still up');
    t.is(await s.run('cat /sys/class/net/eth2/carrier'), '1');
    t.is(await s.run('cat /sys/class/net/eth2/speed'), '-1');

    await s.run('sim carrier eth1 down');
    await s.clock.advance(POLL);
    const eth1 = s.board.ports[1];
    t.false(eth1.carrier, 'switch MAC side down');
    t.true(eth1.phy.link, 'PHY registers unchanged');
    t.is(await s.run('cat /sys/class/net/eth1/carrier'), '0');
    t.is(await s.run('cat /sys/class/net/eth1/speed'), '1000');

    // A cable event ends both overrides.
    await s.run('sim link eth1 up');
    await s.run('sim link eth2 up');
    await s.clock.advance(POLL);
    t.true(eth1.carrier && eth1.phy.link && eth2.carrier && eth2.phy.link);
  });

  test(onBoard(board, 'ifconfig prints the net-tools format; admin down disables the switch port'), async (t) => {
    const s = await bootTest(board);
    const out = await s.run('ifconfig eth0');
    t.is(out.split('\n')[0], `eth0      Link encap:Ethernet  HWaddr ${portMac(board, 0).toUpperCase()}`);
    t.is(out.split('\n')[1], '          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1');
    t.regex(out, /RX packets:0 errors:0 dropped:0 overruns:0 frame:0/);
    t.regex(out, /RX bytes:0 \(0\.0 B\) {2}TX bytes:0 \(0\.0 B\)/);

    t.is(await s.run('ip link set eth0 down'), '');
    t.is(await s.board.chip.getPortState(0), 'disabled');
    t.is(await s.run('cat /sys/class/net/eth0/carrier'), 'error: cat: /sys/class/net/eth0/carrier: Invalid argument');
    t.is(await s.run('cat /sys/class/net/eth0/operstate'), 'down');
    t.is((await s.run('ifconfig eth0')).split('\n')[1], '          BROADCAST MULTICAST  MTU:1500  Metric:1');
    t.false((await s.run('ifconfig')).includes('eth0 '), 'ifconfig without -a lists only interfaces that are up');
    t.true((await s.run('ifconfig -a')).includes('eth0 '));
    t.is(await s.run('ifconfig eth0 up'), '');
    t.is(await s.board.chip.getPortState(0), 'forwarding');
    t.regex(await s.run('ifconfig eth7'), /^error: ifconfig: eth7: no such device/);
    t.is(await s.run('ifconfig eth0 mtu 9000'), "error: ifconfig: mtu '9000' out of range (68 to 1500 on this board)");
    t.regex(await s.run('ifconfig eth0 frobnicate'), /^error: ifconfig: unknown argument 'frobnicate'/);
  });

  test(onBoard(board, `frames cross the CPU port with ${TAG_NAME[board.switch.tagging]} tags both ways; hosts answer ARP; sim stats counts`), async (t) => {
    const s = await bootTest(board);
    const eth1 = s.board.ports[1];
    const mac = eth1.permanentMac;
    const req = buildArp(BROADCAST_MAC, mac, { op: ARP_REQUEST, senderMac: mac, senderIp: parseIpv4('192.168.1.1')!, targetMac: new Uint8Array(6), targetIp: parseIpv4('192.168.1.105')! });
    const got: { port: string; frame: Uint8Array }[] = [];
    s.board.setReceiver((p, f, n) => got.push({ port: p.name, frame: f.slice(0, n) }));
    t.true(s.board.send(eth1, req, req.length));
    await s.clock.advance(0);
    // The partner floods the broadcast to the other board-facing ports too; the host's reply
    // comes back on eth1 only (the partner learned our MAC there).
    const replies = got.filter((g) => g.frame[12] === 0x08 && g.frame[13] === 0x06 && g.frame[21] === 2);
    t.is(replies.length, 1);
    t.is(replies[0].port, 'eth1');
    t.deepEqual([...replies[0].frame.subarray(0, 6)], [...mac]);
    t.is(s.hw.world.host(parseIpv4('192.168.1.105')!)!.arpCache.size, 1);
    const stats = (await s.run('sim stats')).split('\n');
    t.is(stats[1], 'eth1 tx 1 rx 1 arp-tx 1 lacp-tx 0');
    t.is(stats[0], 'eth0 tx 0 rx 1 arp-tx 0 lacp-tx 0');
    t.is(eth1.counters.txPackets, 1);
    t.is(eth1.counters.rxPackets, 1);

    // sim host down: no answer.
    await s.run('sim host 192.168.1.105 down');
    s.board.send(eth1, req, req.length);
    await s.clock.advance(0);
    t.is(got.filter((g) => g.frame[21] === 2).length, 1);
    // sim peer drop: the partner passes nothing on eth1; the link stays up.
    await s.run('sim host 192.168.1.105 up');
    await s.run('sim peer eth1 drop');
    s.board.send(eth1, req, req.length);
    await s.clock.advance(POLL);
    t.is(got.filter((g) => g.frame[21] === 2).length, 1);
    t.is(await s.run('cat /sys/class/net/eth1/carrier'), '1');
  });

  test(onBoard(board, 'sim inject delivers a raw frame to the board; malformed input is refused with a clear error'), async (t) => {
    const s = await bootTest(board);
    const got: string[] = [];
    s.board.setReceiver((p) => got.push(p.name));
    t.is(await s.run('sim inject eth2 ffffffffffff020000010000 0806 0001080006040001020000010000c0a80164000000000000c0a80101'), '');
    t.deepEqual(got, ['eth2']);
    t.regex(await s.run('sim inject eth2 zz'), /^error: sim inject: the frame must be hex digits/);
    t.regex(await s.run('sim inject eth2 0102'), /^error: sim inject: a frame is 14 to 9216 bytes/);
    t.regex(await s.run('sim inject eth8 00'), /^error: sim: unknown port 'eth8' \(ports: eth0, eth1, eth2, eth3\)/);
    t.regex(await s.run('sim link eth0 sideways'), /^error: sim link: expected up\|down, got 'sideways'/);
    t.regex(await s.run('sim wait soon'), /^error: 'soon' is not a duration/);
    t.regex(await s.run('sim host 10.0.0.1 up'), /^error: sim host: no simulated host '10.0.0.1' \(hosts: 192.168.1.100-192.168.1.115\)/);
    t.regex(await s.run('sim teleport'), /^error: sim: unknown subcommand 'teleport'/);
    t.is(await s.run('cat /sys/class/net/eth2/carrier'), '1', 'nothing else changed');
  });

  test(onBoard(board, 'show ports, in text and JSON from the same data'), async (t) => {
    const s = await bootTest(board);
    await s.run('sim link eth2 down');
    await s.clock.advance(POLL);
    const text = (await s.run('show ports')).split('\n');
    t.regex(text[0], /^PORT\s+LINK\s+SPEED\s+DUPLEX/);
    t.regex(text[3], /^eth2\s+down\s+-\s+unknown/);
    const rows = JSON.parse(await s.run('show ports json'));
    t.is(rows.length, 4);
    t.like(rows[0], { port: 'eth0', link: 'up', speed: 1000, duplex: 'full', switchPort: 0 });
    t.like(rows[2], { port: 'eth2', link: 'down', speed: null });
  });
}
