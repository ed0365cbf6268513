/**
 * The MII monitor in virtual time: slaves move through up, going down, down and going back
 * exactly as Linux's bond_miimon_inspect counts rounds, so every transition lands on the
 * millisecond the options say.
 */
import test from 'ava';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import type { BoardDefinition } from '../boards/types.ts';

/** Boots, loads bonding with `params`, brings bond0 up and enslaves the ports; returns the time the monitor started. */
async function bond(board: BoardDefinition, params: string, ports = ['eth0', 'eth1']): Promise<{ s: TestSystem; t0: number }> {
  const s = await bootTest(board);
  await s.run(`modprobe bonding ${params}`);
  await s.run('ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up');
  const t0 = s.clock.now();
  for (const p of ports) {
    const out = await s.run(`echo +${p} > /sys/class/net/bond0/bonding/slaves`);
    if (out !== '') throw new Error(out);
  }
  return { s, t0 };
}

/** Time of the first log line containing `text` at or after `from`. */
function logTime(s: TestSystem, text: string, from = 0): number | undefined {
  return s.log.tail().find((e) => e.time >= from && e.text.includes(text))?.time;
}

/** Moves virtual time to exactly `t`. */
async function until(s: TestSystem, t: number): Promise<void> {
  await s.clock.advance(t - s.clock.now());
}

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'active-backup: downdelay and updelay to the millisecond, then failover'), async (t) => {
    const { s, t0 } = await bond(board, 'mode=active-backup miimon=100 updelay=200 downdelay=200');
    await until(s, t0 + 1050);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth0');
    await s.run('sim link eth0 down');
    await until(s, t0 + 1099);
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'up');
    await until(s, t0 + 1100);
    // The round at +1100 sees the drop; downdelay 200 ms counts two more rounds.
    t.is(logTime(s, '(slave eth0): link status down for active interface, disabling it in 200 ms'), t0 + 1100);
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'going down');
    await until(s, t0 + 1299);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth0');
    await until(s, t0 + 1300);
    t.is(logTime(s, '(slave eth0): link status definitely down, disabling slave'), t0 + 1300);
    t.is(logTime(s, '(slave eth1): making interface the new active one'), t0 + 1300);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth1');
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/link_failure_count'), '1');

    await until(s, t0 + 2050);
    await s.run('sim link eth0 up');
    await until(s, t0 + 2100);
    t.is(logTime(s, '(slave eth0): link status up, enabling it in 200 ms', t0 + 2000), t0 + 2100);
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'going back');
    await until(s, t0 + 2299);
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'going back');
    await until(s, t0 + 2300);
    t.is(logTime(s, '(slave eth0): link status definitely up, 1000 Mbps full duplex', t0 + 2000), t0 + 2300);
    // No primary: the active slave stays where it is.
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth1');
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/state'), 'backup');
  });

  test(onBoard(board, 'a drop shorter than downdelay: the slave comes back without failing over'), async (t) => {
    const { s, t0 } = await bond(board, 'mode=active-backup miimon=100 downdelay=300');
    await until(s, t0 + 1050);
    await s.run('sim link eth0 down');
    await until(s, t0 + 1150);
    await s.run('sim link eth0 up');
    await until(s, t0 + 1200);
    t.is(logTime(s, '(slave eth0): link status up again after 100 ms'), t0 + 1200);
    await until(s, t0 + 2000);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth0');
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/link_failure_count'), '0');
    t.is(logTime(s, 'making interface eth1'), undefined);
  });

  test(onBoard(board, 'HOWTO 13.1: updelay is ignored while no slave is active'), async (t) => {
    const { s, t0 } = await bond(board, 'mode=active-backup miimon=100 updelay=500');
    await until(s, t0 + 1050);
    await s.run('sim link eth0 down');
    await s.run('sim link eth1 down');
    await until(s, t0 + 1100);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/mii_status'), 'down');
    t.truthy(logTime(s, 'now running without any active interface!'));
    await until(s, t0 + 1550);
    await s.run('sim link eth1 up');
    await until(s, t0 + 1600);
    // Seen at +1600 and made active in the same round, not 500 ms later.
    t.is(logTime(s, '(slave eth1): link status up, enabling it in 0 ms', t0 + 1000), t0 + 1600);
    t.is(logTime(s, '(slave eth1): link status definitely up', t0 + 1000), t0 + 1600);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth1');
    // With eth1 active, eth0 coming back waits its full updelay.
    await until(s, t0 + 2050);
    await s.run('sim link eth0 up');
    await until(s, t0 + 2100);
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'going back');
    await until(s, t0 + 2599);
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'going back');
    await until(s, t0 + 2600);
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'up');
  });

  test(onBoard(board, 'primary: the primary slave takes over again when it returns; primary_reselect failure keeps the current one'), async (t) => {
    const { s, t0 } = await bond(board, 'mode=active-backup miimon=100 primary=eth1');
    await until(s, t0 + 50);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth1');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/primary'), 'eth1');
    await s.run('sim link eth1 down');
    await until(s, t0 + 100);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth0');
    await s.run('sim link eth1 up');
    await until(s, t0 + 200);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth1');
    t.is(await s.run('echo failure > /sys/class/net/bond0/bonding/primary_reselect'), '');
    await s.run('sim link eth1 down');
    await until(s, t0 + 300);
    await s.run('sim link eth1 up');
    await until(s, t0 + 400);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth0');
    t.regex(await s.run('cat /proc/net/bonding/bond0'), /Primary Slave: eth1 \(primary_reselect failure\)\nCurrently Active Slave: eth0/);
  });

  test(onBoard(board, 'use_carrier=1 follows the switch MAC-side status; use_carrier=0 reads the PHY'), async (t) => {
    const { s, t0 } = await bond(board, 'mode=active-backup miimon=100');
    await until(s, t0 + 50);
    await s.run('sim phy eth0 down'); // PHY registers say down, MAC side still up
    await until(s, t0 + 250);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth0', 'use_carrier=1 does not read the PHY');
    t.is(await s.run('echo 0 > /sys/class/net/bond0/bonding/use_carrier'), '');
    await until(s, t0 + 350);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth1', 'use_carrier=0 sees the PHY link down');
    await s.run('sim phy eth0 up');
    await s.run('sim carrier eth1 down'); // MAC side only: invisible to use_carrier=0
    await until(s, t0 + 650);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth1');
    t.is(await s.run('cat /sys/class/net/eth1/bonding_slave/mii_status'), 'up');
    t.is(await s.run('echo 1 > /sys/class/net/bond0/bonding/use_carrier'), '');
    await until(s, t0 + 750);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth0');
  });

  test(onBoard(board, 'balance-rr: enslaved slaves wait out updelay; a slave leaves and rejoins at the monitor rounds'), async (t) => {
    const { s, t0 } = await bond(board, 'mode=balance-rr miimon=50 downdelay=100 updelay=150');
    // Linux enslaves a slave whose link is up as "going back" when updelay is set, and
    // balance-rr keeps no usable-slave list, so updelay applies even to the first slaves.
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'going back');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/mii_status'), 'down');
    // Enslaved just after the round at t0: the rounds at +50, +100 and +150 count the delay
    // down (3 rounds of 50 ms), the round at +200 commits the slave up.
    await until(s, t0 + 199);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/mii_status'), 'down');
    await until(s, t0 + 200);
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'up');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/mii_status'), 'up');
    await until(s, t0 + 520);
    await s.run('sim link eth1 down');
    await until(s, t0 + 649);
    t.is(await s.run('cat /sys/class/net/eth1/bonding_slave/mii_status'), 'going down');
    await until(s, t0 + 650);
    t.is(await s.run('cat /sys/class/net/eth1/bonding_slave/mii_status'), 'down');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/mii_status'), 'up');
    await s.run('sim link eth1 up');
    await until(s, t0 + 700);
    t.is(await s.run('cat /sys/class/net/eth1/bonding_slave/mii_status'), 'going back');
    await until(s, t0 + 849);
    t.is(await s.run('cat /sys/class/net/eth1/bonding_slave/mii_status'), 'going back');
    await until(s, t0 + 850);
    t.is(await s.run('cat /sys/class/net/eth1/bonding_slave/mii_status'), 'up');
  });

  test(onBoard(board, 'gratuitous ARPs on failover: num_grat_arp of them, peer_notif_delay apart, tagged on VLAN devices'), async (t) => {
    const { s, t0 } = await bond(board, 'mode=active-backup miimon=100 num_grat_arp=3 peer_notif_delay=200');
    await s.run('ip link add link bond0 name bond0.7 type vlan id 7');
    await s.run('ip addr add 10.7.0.1/24 dev bond0.7');
    await s.run('ip link set bond0.7 up');
    await until(s, t0 + 1050);
    const arpBefore = s.hw.world.stats(1).arpTx;
    const out: Uint8Array[] = [];
    const tap = { write: (i: number, _time: number, frame: Uint8Array, dir: string) => i === 1 && dir === 'out' && out.push(frame.slice()) };
    s.hw.world.setCapture(tap as unknown as Parameters<typeof s.hw.world.setCapture>[0]);
    await s.run('sim link eth0 down');
    await until(s, t0 + 1100);
    // Two GARPs at the failover itself (bond0 and bond0.7), then two more at +200 and +400.
    t.is(s.hw.world.stats(1).arpTx - arpBefore, 2);
    const hex = out.map((f) => Buffer.from(f).toString('hex'));
    // bond0: untagged, sender = target = 192.168.1.1 (c0a80101), from the bond's MAC.
    t.true(hex.some((h) => h.startsWith('ffffffffffff') && h.slice(24, 28) === '0806' && h.slice(56, 64) === 'c0a80101' && h.slice(76, 84) === 'c0a80101'));
    // bond0.7: 802.1Q tag 0x8100 VID 7, sender = target = 10.7.0.1 (0a070001).
    t.true(hex.some((h) => h.slice(24, 32) === '81000007' && h.slice(32, 36) === '0806' && h.slice(64, 72) === '0a070001' && h.slice(84, 92) === '0a070001'));
    await until(s, t0 + 1299);
    t.is(s.hw.world.stats(1).arpTx - arpBefore, 2);
    await until(s, t0 + 1300);
    t.is(s.hw.world.stats(1).arpTx - arpBefore, 4);
    await until(s, t0 + 1500);
    t.is(s.hw.world.stats(1).arpTx - arpBefore, 6);
    await until(s, t0 + 3000);
    t.is(s.hw.world.stats(1).arpTx - arpBefore, 6);
  });

  test(onBoard(board, 'HOWTO 7.3: with use_carrier=0, a PHY that cannot be read counts as up'), async (t) => {
    const { s, t0 } = await bond(board, 'mode=active-backup miimon=100 use_carrier=0');
    await until(s, t0 + 50);
    await s.run('sim phy eth0 down');
    await until(s, t0 + 150);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth1');
    // The switch's PHY access unit hangs: every PHY read fails; the monitor assumes link.
    s.hw.chip.stuckPhyBusy = true;
    await until(s, t0 + 450);
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'up');
    s.hw.chip.stuckPhyBusy = false;
    await until(s, t0 + 650);
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'down');
  });
}
