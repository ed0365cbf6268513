/**
 * `ethtool <dev>` and `ethtool -S <dev>` on the console, the firmware on the simulated board
 * in virtual time, directly on the emulated MDIO bus and through the serial bridge.
 */
import test from 'ava';
import { gw8_6390 } from '../boards/gw8-6390.ts';
import type { BoardDefinition, SwitchDefinition } from '../boards/types.ts';
import { openSwitch } from '../hal/switch/index.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';

const BRIDGES = ['none', 'inproc'] as const;

/**
 * The pause modes the switch MAC supports (its phylink MAC capabilities): the 88E6xxx
 * symmetric pause only, the MT7530/MT7531 symmetric and asymmetric.
 */
const PAUSE: Record<SwitchDefinition['driver'], string> = { mv88e6xxx: 'Symmetric', mt7530: 'Symmetric Receive-only' };

/**
 * Whether the board's PHY driver reads status the genphy way (MediaTek's, as mediatek-ge.c
 * does): master-slave from the 1000BASE-T registers, and no MDI-X (Marvell's driver reads it
 * from its specific status register).
 */
const genphy = (board: BoardDefinition): boolean => board.simPhyModel.startsWith('mediatek-');

/** The lines every copper port of our boards shows before the partner's modes. */
function ours(name: string, autoneg: boolean, pause = PAUSE.mv88e6xxx): string[] {
  return [
    `Settings for ${name}:`,
    '\tSupported ports: [ TP\t MII ]',
    '\tSupported link modes:   10baseT/Half 10baseT/Full',
    '\t                        100baseT/Half 100baseT/Full',
    '\t                        1000baseT/Full',
    `\tSupported pause frame use: ${pause}`,
    '\tSupports auto-negotiation: Yes',
    '\tSupported FEC modes: Not reported',
    '\tAdvertised link modes:  10baseT/Half 10baseT/Full',
    '\t                        100baseT/Half 100baseT/Full',
    '\t                        1000baseT/Full',
    '\tAdvertised pause frame use: No',
    `\tAdvertised auto-negotiation: ${autoneg ? 'Yes' : 'No'}`,
    '\tAdvertised FEC modes: Not reported',
  ];
}

const PARTNER_1000 = [
  '\tLink partner advertised link modes:  10baseT/Half 10baseT/Full',
  '\t                                     100baseT/Half 100baseT/Full',
  '\t                                     1000baseT/Half 1000baseT/Full',
  '\tLink partner advertised pause frame use: No',
  '\tLink partner advertised auto-negotiation: Yes',
  '\tLink partner advertised FEC modes: Not reported',
];

function tail(phyad: number, mdix: string, link: boolean): string[] {
  return ['\tPort: Twisted Pair', `\tPHYAD: ${phyad}`, '\tTransceiver: internal', `\tMDI-X: ${mdix}`, '\tSupports Wake-on: d', '\tWake-on: d', `\tLink detected: ${link ? 'yes' : 'no'}`];
}

/** `tail` as `board`'s PHY driver prints it: `mdix` is what Marvell's reads (link up: the partner is slave). */
function boardTail(board: BoardDefinition, phyad: number, mdix: string, link: boolean): string[] {
  if (!genphy(board)) return tail(phyad, mdix, link);
  return ['\tmaster-slave cfg: preferred slave', `\tmaster-slave status: ${link ? 'slave' : 'unknown'}`, ...tail(phyad, 'Unknown', link)];
}

async function bond(s: TestSystem, mode = 'active-backup'): Promise<void> {
  for (const l of [`modprobe bonding mode=${mode} miimon=100`, 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1', 'sim wait 1s']) {
    const out = await s.run(l);
    if (out.startsWith('error')) throw new Error(`${l}: ${out}`);
  }
}

/** `ethtool -S` as name -> value, after checking its shape. */
async function counters(s: TestSystem, port: string): Promise<Record<string, number>> {
  const lines = (await s.run(`ethtool -S ${port}`)).split('\n');
  if (lines[0] !== 'NIC statistics:') throw new Error(lines.join('\n'));
  return Object.fromEntries(lines.slice(1).map((l) => {
    const m = /^ {5}(\w+): (\d+)$/.exec(l);
    if (!m) throw new Error(`bad line '${l}'`);
    return [m[1], Number(m[2])];
  }));
}

/**
 * Each family's MIB as its Linux driver lists it (mv88e6xxx_hw_stats, mt7530_mib): the first
 * names after the port's own four, how many, the transmitted unicast counter, and what one
 * 60-byte frame each way (64 on the wire with the FCS) moves in it.
 */
const MIB: Record<SwitchDefinition['driver'], { first: string[]; count: number; outUnicast: string; perFrame: Record<string, number> }> = {
  mv88e6xxx: {
    first: ['in_good_octets', 'in_bad_octets'],
    count: 30 + 3 + 5,
    outUnicast: 'out_unicast',
    // The histogram counts received frames only, as Linux sets it up.
    perFrame: { out_unicast: 1, out_octets: 64, in_unicast: 1, in_good_octets: 64, hist_64bytes: 1 },
  },
  mt7530: {
    first: ['TxDrop', 'TxCrcErr'],
    count: 41,
    outUnicast: 'TxUnicast',
    // Separate transmit and receive histograms.
    perFrame: { TxUnicast: 1, TxBytes: 64, TxPktSz64: 1, RxUnicast: 1, RxBytes: 64, RxPktSz64: 1 },
  },
};

const times = (counts: Record<string, number>, n: number): Record<string, number> => Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v * n]));

const delta = (a: Record<string, number>, b: Record<string, number>): Record<string, number> => Object.fromEntries(Object.keys(b).filter((k) => b[k] !== a[k]).map((k) => [k, b[k] - a[k]]));

for (const board of SCENARIO_BOARDS) for (const bridge of BRIDGES) {
  const pause = PAUSE[board.switch.driver];
  test(onBoard(board, `ethtool <port> (${bridge === 'none' ? 'direct' : 'through the serial bridge'}): 1000/full, cable pulled, forced 100/full`), async (t) => {
    const s = await bootTest(board, { bridge });
    t.is(await s.run('ethtool eth0'), [...ours('eth0', true, pause), ...PARTNER_1000, '\tSpeed: 1000Mb/s', '\tDuplex: Full', '\tAuto-negotiation: on', ...boardTail(board, 0, 'off', true)].join('\n'));

    // A pulled cable: nothing resolved, no partner, no carrier.
    await s.run('sim link eth1 down');
    await s.run('sim wait 200ms');
    t.is(await s.run('ethtool eth1'), [...ours('eth1', true, pause), '\tSpeed: Unknown!', '\tDuplex: Unknown! (255)', '\tAuto-negotiation: on', ...boardTail(board, 1, 'Unknown', false)].join('\n'));

    // BMCR written by hand (as phytool would): autonegotiation off, 100 Mb/s, full duplex.
    t.is(await s.run('mdio write 2 0 0x2100'), '');
    await s.run('sim wait 200ms');
    t.is(await s.run('ethtool eth2'), [...ours('eth2', false, pause), '\tSpeed: 100Mb/s', '\tDuplex: Full', '\tAuto-negotiation: off', ...boardTail(board, 2, 'off', true)].join('\n'));
    t.is(await s.run('cat /sys/class/net/eth2/speed'), '100', 'the firmware agrees');
  });
}

test('gw8-6390: the 88E6390\'s internal PHYs at their own addresses', async (t) => {
  const s = await bootTest(gw8_6390, { bridge: 'inproc' });
  t.is(await s.run('ethtool lan5'), [...ours('lan5', true), ...PARTNER_1000, '\tSpeed: 1000Mb/s', '\tDuplex: Full', '\tAuto-negotiation: on', ...tail(5, 'off', true)].join('\n'));
});

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'Link detected follows the carrier (the switch\'s MAC side), not the PHY; an interface that is down has none'), async (t) => {
    const s = await bootTest(board);
    await s.run('sim carrier eth3 down');
    const out = await s.run('ethtool eth3');
    t.true(out.includes('\tSpeed: 1000Mb/s'), 'the PHY still has its link');
    t.true(out.endsWith('\tLink detected: no'));
    await s.run('sim carrier eth3 up');
    t.true((await s.run('ethtool eth3')).endsWith('\tLink detected: yes'), 'read now, without waiting for a poll');
    await s.run('ifconfig eth3 down');
    t.true((await s.run('ethtool eth3')).endsWith('\tLink detected: no'));
  });

  test(onBoard(board, 'a bond: what bonding reports (speed of the slaves that can send, port Other); a VLAN device on it; no counters'), async (t) => {
    const s = await bootTest(board);
    await bond(s, 'balance-rr');
    const bondLines = (name: string, speed: string, duplex: string, link: boolean): string => [
      `Settings for ${name}:`,
      '\tSupported ports: [  ]',
      '\tSupported link modes:   Not reported',
      '\tSupported pause frame use: No',
      '\tSupports auto-negotiation: No',
      '\tSupported FEC modes: Not reported',
      '\tAdvertised link modes:  Not reported',
      '\tAdvertised pause frame use: No',
      '\tAdvertised auto-negotiation: No',
      '\tAdvertised FEC modes: Not reported',
      `\tSpeed: ${speed}`,
      `\tDuplex: ${duplex}`,
      '\tAuto-negotiation: off',
      '\tPort: Other',
      '\tPHYAD: 0',
      '\tTransceiver: internal',
      `\tLink detected: ${link ? 'yes' : 'no'}`,
    ].join('\n');
    t.is(await s.run('ethtool bond0'), bondLines('bond0', '2000Mb/s', 'Full', true));
    await s.run('ip link add link bond0 name bond0.7 type vlan id 7');
    await s.run('ip link set bond0.7 up');
    t.is(await s.run('ethtool bond0.7'), bondLines('bond0.7', '2000Mb/s', 'Full', true));
    await s.run('sim link eth0 down');
    await s.run('sim wait 300ms');
    t.is(await s.run('ethtool bond0'), bondLines('bond0', '1000Mb/s', 'Full', true));
    await s.run('sim link eth1 down');
    await s.run('sim wait 300ms');
    t.is(await s.run('ethtool bond0'), bondLines('bond0', 'Unknown!', 'Unknown! (255)', false));
    t.is(await s.run('ethtool -S bond0'), 'error: ethtool: bond0: no stats available (only front-panel ports have counters)');
    t.is(await s.run('ethtool -S bond0.7'), 'error: ethtool: bond0.7: no stats available (only front-panel ports have counters)');
  });

  test(onBoard(board, 'bad input: one error line each, nothing else happens'), async (t) => {
    const s = await bootTest(board);
    const usage = '(ethtool <dev> | ethtool -S <dev>)';
    t.is(await s.run('ethtool'), `error: ethtool: bad command line argument(s) ${usage}`);
    t.is(await s.run('ethtool -S'), `error: ethtool: bad command line argument(s) ${usage}`);
    t.is(await s.run('ethtool eth0 eth1'), `error: ethtool: bad command line argument(s) ${usage}`);
    t.is(await s.run('ethtool eth9'), "error: ethtool: no such device 'eth9' (devices: eth0 eth1 eth2 eth3)");
    t.is(await s.run('ethtool -S eth9'), "error: ethtool: no such device 'eth9' (devices: eth0 eth1 eth2 eth3)");
    t.is(await s.run('ethtool -X eth0'), `error: ethtool: option '-X' is not supported here ${usage}`);
    t.is(await s.run('ethtool -s eth0 speed 100'), `error: ethtool: option '-s' is not supported here ${usage}`);
    t.is(await s.run('ethtool bond0'), "error: ethtool: no such device 'bond0' (devices: eth0 eth1 eth2 eth3)");
    t.is(await s.run(`ethtool ${'x'.repeat(50)}`), `error: ethtool: no such device '${'x'.repeat(40)}...' (devices: eth0 eth1 eth2 eth3)`);
    t.is(await s.run('help ethtool'), 'ethtool: link settings or hardware counters of a port, as Linux ethtool prints them\nusage:\n  ethtool <dev>\n  ethtool -S|--statistics <dev>\n  <dev> is a front-panel port, a bond or a VLAN device; e.g. ethtool eth0');
    t.true((await s.run('help')).includes('  ethtool '));
    t.is(await s.run('cat /sys/class/net/eth0/carrier'), '1', 'nothing changed');
  });

  const mib = MIB[board.switch.driver];
  for (const bridge of BRIDGES) {
    test(onBoard(board, `ethtool -S (${bridge === 'none' ? 'direct' : 'through the serial bridge'}): sim traffic moves the counters of the port it left on by exactly its frames`), async (t) => {
      const s = await bootTest(board, { bridge });
      await bond(s);
      t.regex(await s.run('sim traffic bond0 5'), /^eth0 5\n/, 'ARP resolved and the partner has learned the bond');
      const before0 = await counters(s, 'eth0');
      const before1 = await counters(s, 'eth1');
      const names = Object.keys(before0);
      t.deepEqual(names.slice(0, 6), ['tx_packets', 'tx_bytes', 'rx_packets', 'rx_bytes', ...mib.first], 'the DSA port\'s own counters, then the switch\'s');
      t.is(names.length, 4 + mib.count);
      t.is(await s.run('sim traffic bond0 10'), 'eth0 10\neth1 0\nreplies 10');
      // Each UDP frame is 60 bytes (64 on the wire with the FCS), each answer too.
      t.deepEqual(delta(before0, await counters(s, 'eth0')), {
        tx_packets: 10, tx_bytes: 600, rx_packets: 10, rx_bytes: 600,
        ...times(mib.perFrame, 10),
      });
      t.deepEqual(delta(before1, await counters(s, 'eth1')), {}, 'the backup saw nothing');
    });
  }

  test(onBoard(board, 'a counter read through the bridge equals the one read directly from the registers'), async (t) => {
    const s = await bootTest(board, { bridge: 'inproc' });
    await bond(s, 'balance-rr');
    await s.run('sim traffic bond0 20 flows 4');
    const viaBridge = await counters(s, 'eth1');
    // A second driver on the emulated MDIO bus itself, bypassing the bridge.
    const direct = await openSwitch(s.board.def.switch, s.hw.bus, 'direct');
    const regs = Object.fromEntries((await direct.readPortStats(1)).map((x) => [x.name, x.value]));
    t.true(regs[mib.outUnicast] >= 10, JSON.stringify(regs));
    for (const [name, value] of Object.entries(regs)) t.is(viaBridge[name], value, name);
  });
}
