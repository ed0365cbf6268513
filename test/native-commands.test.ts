/** The native commands: show bonds / show bond (text and JSON), raw register access. */
import test from 'ava';
import { bootTest } from './helpers/sim.ts';

test('show bonds and show bond <name>, text and JSON from the same data', async (t) => {
  const s = await bootTest();
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
  t.regex(text, /^bond0: fault-tolerance \(active-backup\), up, link up, MAC 02:50:43:0a:1b:2d\n {2}monitor mii every 100 ms; active slave eth1; primary -; failovers 1\n/);
  t.regex(text, /eth0 {3}down {2}backup/);
  t.is(await s.run('show bond bond9'), "error: show bond: no bond 'bond9' (bonds: bond0)");
  t.is(await s.run('show frobs'), "error: show: unknown object 'frobs' (show ports|bonds|bond <name> [json])");
});

test('mdio and switch register access, with clear refusals', async (t) => {
  const s = await bootTest();
  t.is(await s.run('mdio read 0 2'), '0x0141', 'PHYSID1 of the Marvell PHY');
  t.is(await s.run('mdio read 1 0x03'), '0x0dd1');
  t.regex(await s.run('mdio read 32 0'), /^error: mdio: PHY address '32' out of range \(0 to 0x1f/);
  t.regex(await s.run('mdio write 0 0'), /^error: mdio: usage/);
  // BMCR loopback bit set through the console, read back, cleared.
  const bmcr = await s.run('mdio read 0 0');
  t.is(await s.run(`mdio write 0 0 ${Number(bmcr) | 0x4000}`), '');
  t.is(await s.run('mdio read 0 0'), `0x${(Number(bmcr) | 0x4000).toString(16).padStart(4, '0')}`);
  t.is(await s.run(`mdio write 0 0 ${bmcr}`), '');
  // Port 0 status register: link up (bit 11).
  t.true((Number(await s.run('switch read 0x10 0')) & 0x0800) !== 0);
  t.regex(await s.run('switch read 0x10 0x40'), /^error: switch: register '0x40' out of range/);
  t.regex(await s.run('switch write 0x10 4 0x10000'), /^error: switch: value '0x10000' out of range/);
});
