/**
 * The ARP monitor in virtual time: it fails a slave over when the link partner stops
 * forwarding while the link stays up (HOWTO 11.2.2), which the MII monitor cannot see
 * (HOWTO 8.3); arp_validate, arp_all_targets and the load-balancing modes.
 */
import test from 'ava';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import type { BoardDefinition } from '../boards/types.ts';

async function bond(board: BoardDefinition, params: string, ports = ['eth0', 'eth1']): Promise<{ s: TestSystem; t0: number }> {
  const s = await bootTest(board);
  t0check(await s.run(`modprobe bonding ${params}`));
  await s.run('ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up');
  const t0 = s.clock.now();
  for (const p of ports) t0check(await s.run(`echo +${p} > /sys/class/net/bond0/bonding/slaves`));
  return { s, t0 };
}

function t0check(out: string): void {
  if (out.startsWith('error:')) throw new Error(out);
}

async function until(s: TestSystem, t: number): Promise<void> {
  await s.clock.advance(t - s.clock.now());
}

const active = (s: TestSystem) => s.run('cat /sys/class/net/bond0/bonding/active_slave');
const mii = (s: TestSystem, p: string) => s.run(`cat /sys/class/net/${p}/bonding_slave/mii_status`);

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'modprobe with arp_interval: no MII monitor, no spurious warnings'), async (t) => {
    const s = await bootTest(board);
    t.is(await s.run('modprobe bonding mode=active-backup arp_interval=100 arp_ip_target=192.168.1.100,192.168.1.101'), '');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/miimon'), '0');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/arp_ip_target'), '192.168.1.100 192.168.1.101');
  });

  test(onBoard(board, 'HOWTO 11.2.2: the partner stops forwarding, the link stays up: the ARP monitor fails over'), async (t) => {
    const { s, t0 } = await bond(board, 'mode=active-backup arp_interval=100 arp_ip_target=192.168.1.100');
    await until(s, t0 + 2000);
    t.is(await active(s), 'eth0');
    t.is(await mii(s, 'eth1'), 'up', 'the backup hears the active slave\'s broadcasts through the switch');
    const probes = s.hw.world.stats(0).arpTx;
    t.true(probes >= 19, `one probe per interval on the active slave (got ${probes})`);
    await s.run('sim peer eth0 drop');
    const dropAt = s.clock.now();
    await until(s, dropAt + 1000);
    t.is(await active(s), 'eth1');
    t.is(await mii(s, 'eth0'), 'down');
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/link_failure_count'), '1');
    // The last reply arrived in the round just before the drop; the slave is down once more
    // than missed_max (2) intervals and a half have passed without one: at the third round.
    const down = s.log.tail().find((e) => e.text.includes('(slave eth0): link status definitely down, disabling slave'))!;
    t.is(down.time - t0, 2300);
    // The partner forwards again: eth0 comes back as a backup.
    await s.run('sim peer eth0 forward');
    await until(s, s.clock.now() + 1000);
    t.is(await mii(s, 'eth0'), 'up');
    t.is(await active(s), 'eth1');
  });

  test(onBoard(board, 'HOWTO 8.3: the MII monitor does not see a partner that stops forwarding'), async (t) => {
    const { s, t0 } = await bond(board, 'mode=active-backup miimon=100');
    await until(s, t0 + 500);
    await s.run('sim peer eth0 drop');
    await until(s, t0 + 5000);
    t.is(await active(s), 'eth0');
    t.is(await mii(s, 'eth0'), 'up');
  });

  test(onBoard(board, 'no reply from the target at all (arp_validate=all): the bond goes down, then the slaves are probed in turn'), async (t) => {
    // Without validation the slaves would keep each other up with their own broadcasts.
    const { s, t0 } = await bond(board, 'mode=active-backup arp_interval=100 arp_ip_target=192.168.1.100 arp_validate=all');
    await until(s, t0 + 1000);
    await s.run('sim host 192.168.1.100 down');
    await until(s, t0 + 3000);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/mii_status'), 'down');
    await s.run('sim host 192.168.1.100 up');
    await until(s, t0 + 5000);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/mii_status'), 'up');
    t.not(await active(s), '');
  });

  test(onBoard(board, 'arp_validate=all: only replies from a target to our address keep a slave up'), async (t) => {
    const { s, t0 } = await bond(board, 'mode=active-backup arp_interval=100 arp_ip_target=192.168.1.100 arp_validate=all');
    await until(s, t0 + 1500);
    t.is(await active(s), 'eth0');
    t.is(await mii(s, 'eth1'), 'up', 'the backup validates the active slave\'s requests seen through the switch');
    // Targets that do not answer: nothing validates, every slave goes down.
    await s.run('echo -192.168.1.100 > /sys/class/net/bond0/bonding/arp_ip_target');
    await s.run('echo +192.168.1.200 > /sys/class/net/bond0/bonding/arp_ip_target');
    await until(s, t0 + 4000);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/mii_status'), 'down');
  });

  test(onBoard(board, 'arp_all_targets=all with arp_validate: one silent target is enough to fail a slave'), async (t) => {
    const { s, t0 } = await bond(board, 'mode=active-backup arp_interval=100 arp_ip_target=192.168.1.100,192.168.1.101 arp_validate=active');
    await until(s, t0 + 1500);
    await s.run('sim host 192.168.1.101 down');
    await until(s, t0 + 3000);
    t.is(await active(s), 'eth0', 'any: one answering target keeps the slave up');
    t.falsy(s.log.tail().find((e) => e.text.includes('definitely down')));
    t.is(await s.run('echo all > /sys/class/net/bond0/bonding/arp_all_targets'), '');
    await until(s, t0 + 4000);
    // The silent target now fails the active slave (the backup, not validated, keeps coming
    // back on the active slave's broadcasts: Linux flaps the same way in this setup).
    t.truthy(s.log.tail().find((e) => e.time > t0 + 3000 && e.text === 'bond0: (slave eth0): link status definitely down, disabling slave'));
  });

  test(onBoard(board, 'balance-rr with the ARP monitor: probes on every slave; a silent partner port takes that slave out'), async (t) => {
    const { s, t0 } = await bond(board, 'mode=balance-rr arp_interval=100 arp_ip_target=192.168.1.100');
    await until(s, t0 + 1000);
    t.true(s.hw.world.stats(0).arpTx >= 9 && s.hw.world.stats(1).arpTx >= 9);
    t.is(await mii(s, 'eth0'), 'up');
    t.is(await mii(s, 'eth1'), 'up');
    await s.run('sim peer eth1 drop');
    await until(s, t0 + 2000);
    t.is(await mii(s, 'eth1'), 'down');
    t.is(await mii(s, 'eth0'), 'up');
    t.truthy(s.log.tail().find((e) => e.text === 'bond0: (slave eth1): interface is now down'));
    await s.run('sim peer eth1 forward');
    await until(s, t0 + 3000);
    t.is(await mii(s, 'eth1'), 'up');
  });
}
