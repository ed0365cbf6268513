/** The native commands: show bonds / show bond (text and JSON), raw register access. */
import test from 'ava';
import { bootTest } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard, portMac } from './helpers/boards.ts';
import type { BoardDefinition, SwitchDefinition } from '../boards/types.ts';

/** PHYSID1 and PHYSID2 of the PHY each board's emulator puts behind its ports. */
const PHY_ID: Partial<Record<BoardDefinition['simPhyModel'], [string, string]>> = {
  'marvell-88e151x': ['0x0141', '0x0dd1'],
  'mediatek-mt7531': ['0x03a2', '0x9441'],
};

/**
 * Port 0's MAC status in each family's `switch` addressing and its link bit (88E6xxx: port
 * device 0x10, register 0, bit 11; MT7530: PMSR at 0x3008, bit 0), and lines each refuses.
 */
const SWITCH_REGS: Record<SwitchDefinition['driver'], { status: string; link: number; refused: [string, RegExp][] }> = {
  mv88e6xxx: {
    status: 'switch read 0x10 0',
    link: 0x0800,
    refused: [['switch read 0x10 0x40', /^error: switch: register '0x40' out of range/], ['switch write 0x10 4 0x10000', /^error: switch: value '0x10000' out of range/]],
  },
  mt7530: {
    status: 'switch read 0x3008',
    link: 0x1,
    refused: [['switch read 0x10000', /^error: switch: register '0x10000' out of range/], ['switch write 0x3008 0x100000000', /^error: switch: value '0x100000000' out of range/]],
  },
};

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'show bonds and show bond <name>, text and JSON from the same data'), async (t) => {
    const s = await bootTest(board);
    t.is(await s.run('show bonds'), 'no bonds (the bonding module is not loaded: modprobe bonding)');
    for (const l of ['modprobe bonding mode=active-backup miimon=100', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1']) await s.run(l);
    await s.run('sim wait 1s');
    t.is(await s.run('show bonds'), 'BOND   MODE           STATUS  ACTIVE  SLAVES     USABLE\nbond0  active-backup  up      eth0    eth0,eth1  eth0');
    const j = JSON.parse(await s.run('show bonds json'));
    t.deepEqual(j, [{ name: 'bond0', mode: 'active-backup', miiStatus: 'up', adminUp: true, activeSlave: 'eth0', slaves: ['eth0', 'eth1'], usable: ['eth0'], failoverCount: 0 }]);
    await s.run('sim link eth0 down');
    await s.run('sim wait 200ms');
    const d = JSON.parse(await s.run('show bond bond0 json'));
    t.is(d.activeSlave, 'eth1');
    t.is(d.failoverCount, 1);
    t.like(d.slaveDetails[0], { name: 'eth0', miiStatus: 'down', state: 'backup', linkFailureCount: 1 });
    const text = await s.run('show bond bond0');
    t.regex(text, new RegExp(String.raw`^bond0: fault-tolerance \(active-backup\), up, link up, MAC ${portMac(board, 0)}\n {2}monitor mii every 100 ms; active slave eth1; primary -; failovers 1\n`));
    t.regex(text, /eth0 {3}down {2}backup/);
    t.is(await s.run('show bond bond9'), "error: show bond: no bond 'bond9' (bonds: bond0)");
    t.is(await s.run('show frobs'), "error: show: unknown object 'frobs' (show ports|bonds|bond <name> [json])");
  });

  test(onBoard(board, 'mdio and switch register access, with clear refusals'), async (t) => {
    const s = await bootTest(board);
    const [id1, id2] = PHY_ID[board.simPhyModel] ?? ['(no PHY ID listed)', ''];
    t.is(await s.run('mdio read 0 2'), id1, 'PHYSID1 of the board\'s PHY');
    t.is(await s.run('mdio read 1 0x03'), id2);
    t.regex(await s.run('mdio read 32 0'), /^error: mdio: PHY address '32' out of range \(0 to 0x1f/);
    t.regex(await s.run('mdio write 0 0'), /^error: mdio: usage/);
    // BMCR loopback bit set through the console, read back, cleared.
    const bmcr = await s.run('mdio read 0 0');
    t.is(await s.run(`mdio write 0 0 ${Number(bmcr) | 0x4000}`), '');
    t.is(await s.run('mdio read 0 0'), `0x${(Number(bmcr) | 0x4000).toString(16).padStart(4, '0')}`);
    t.is(await s.run(`mdio write 0 0 ${bmcr}`), '');
    // Port 0's MAC status register: link up.
    const regs = SWITCH_REGS[board.switch.driver];
    t.true((Number(await s.run(regs.status)) & regs.link) !== 0);
    for (const [line, error] of regs.refused) t.regex(await s.run(line), error, line);
  });
}
