/**
 * Current Linux's bonding driver, function by function, through the console and in virtual
 * time: each test names the function in drivers/net/bonding/ whose behaviour it pins. The
 * option setters (bond_options.c) and bond_check_params have their own files
 * (bond-options.test.ts, bond-module-params.test.ts); these are the places where a bond's
 * behaviour over time, its selection of the active slave and what it prints were compared.
 */
import test from 'ava';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard, portMac } from './helpers/boards.ts';
import type { BoardDefinition } from '../boards/types.ts';

async function lines(s: TestSystem, cmds: string[]): Promise<void> {
  for (const c of cmds) {
    const out = await s.run(c);
    if (out.startsWith('error')) throw new Error(`${c}: ${out}`);
  }
}

async function until(s: TestSystem, t: number): Promise<void> {
  await s.clock.advance(t - s.clock.now());
}

const active = (s: TestSystem) => s.run('cat /sys/class/net/bond0/bonding/active_slave');

/** Boots an active-backup bond0 (192.168.1.1/24) over `ports` with `params`; returns it after `settle` ms. */
async function abBond(board: BoardDefinition, params: string, ports = ['eth0', 'eth1'], settle = 1000): Promise<TestSystem> {
  const s = await bootTest(board);
  await lines(s, [`modprobe bonding mode=active-backup ${params}`, 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', `ifenslave bond0 ${ports.join(' ')}`]);
  await s.clock.advance(settle);
  return s;
}

/** Times (relative to `from`) of every gratuitous ARP for 192.168.1.1 the bond puts on a wire. */
function garps(s: TestSystem, from: () => number): number[] {
  const times: number[] = [];
  s.hw.world.observe((_i, f, dir) => {
    const isArp = f[12] === 0x08 && f[13] === 0x06;
    // Sender and target protocol addresses equal (bytes 28-31 and 38-41): gratuitous.
    if (dir === 'out' && isArp && [0, 1, 2, 3].every((k) => f[28 + k] === f[38 + k]) && f[28] === 192) times.push(s.clock.now() - from());
  });
  return times;
}

/** Advances to just after the board's next link poll. */
async function untilPoll(s: TestSystem): Promise<void> {
  const polls = s.board.polls;
  while (s.board.polls === polls) await s.clock.advance(1);
}

for (const board of SCENARIO_BOARDS) {
  // ---------------------------------------------------------------------------------------
  // bond_select_active_slave / bond_choose_primary_or_current / bond_find_best_slave

  test(onBoard(board, 'bond_choose_primary_or_current: without a primary the first up slave stands in for it, so a reselection (enslaving) moves back to it'), async (t) => {
    const s = await abBond(board, 'miimon=100', ['eth0', 'eth1']);
    t.is(await active(s), 'eth0');
    await s.run('sim link eth0 down');
    await s.clock.advance(300);
    t.is(await active(s), 'eth1');
    await s.run('sim link eth0 up');
    await s.clock.advance(300);
    // bond_miimon_commit: eth0 is back, but neither primary nor of higher prio: no reselection.
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'up');
    t.is(await active(s), 'eth1');
    // bond_enslave ends in bond_select_active_slave: the first up slave (eth0) stands in for a
    // primary and primary_reselect "always" takes it.
    t.is(await s.run('ifenslave bond0 eth2'), '');
    t.is(await active(s), 'eth0');
    t.regex(s.log.tail().map((e) => e.text).join('\n'), /bond0: \(slave eth0\): making interface the new active one\n.*bond0: \(slave eth2\): Enslaving as a backup interface with an up link/);
  });

  test(onBoard(board, 'bond_choose_primary_or_current: prio picks the stand-in; primary_reselect decides between it and the current slave (bond_option_prio_set)'), async (t) => {
    const s = await abBond(board, 'miimon=100 primary_reselect=failure', ['eth0', 'eth1', 'eth2']);
    // bond_check_params reads primary_reselect only together with primary.
    t.is(await s.run('cat /sys/class/net/bond0/bonding/primary_reselect'), 'always 0');
    t.is(await s.run('echo failure > /sys/class/net/bond0/bonding/primary_reselect'), '');
    t.is(await active(s), 'eth0');
    // A higher prio on eth2: bond_option_prio_set reselects, and "failure" keeps eth0.
    t.is(await s.run('ip link set eth2 type bond_slave prio 10'), '');
    t.is(await active(s), 'eth0');
    t.regex(await s.run('ip -d link show eth2'), new RegExp(`bond_slave state BACKUP mii_status UP link_failure_count 0 perm_hwaddr ${portMac(board, 2)} queue_id 0 prio 10$`));
    // "always": the reselection that primary_reselect's setter makes moves to eth2.
    t.is(await s.run('echo always > /sys/class/net/bond0/bonding/primary_reselect'), '');
    t.is(await active(s), 'eth2');
    // eth2 fails: the highest prio among the up slaves is a tie (0), the first wins.
    await s.run('sim link eth2 down');
    await s.clock.advance(300);
    t.is(await active(s), 'eth0');
    // eth2 returns: bond_miimon_commit fails over because its prio is higher than the active's.
    await s.run('sim link eth2 up');
    await s.clock.advance(300);
    t.is(await active(s), 'eth2');
    // A primary overrides prio: setting it forces it in (force_primary), whatever primary_reselect.
    t.is(await s.run('echo failure > /sys/class/net/bond0/bonding/primary_reselect'), '');
    t.is(await s.run('echo eth1 > /sys/class/net/bond0/bonding/primary'), '');
    t.is(await active(s), 'eth1');
    t.is(await s.run('ip link set eth0 type bond_slave prio 20'), '');
    t.is(await active(s), 'eth1');
    t.regex(await s.run('log'), /warn: bond0: \(slave eth0\): prio updated, but will not affect failover re-selection as primary slave have been set/);
    // prio is an active-backup/tlb/alb option, set on slaves only.
    t.is(await s.run('ip link set eth3 type bond_slave prio 1'), 'error: RTNETLINK answers: Operation not supported (eth3 is not enslaved to a bond)');
    t.regex(await s.run('ip link set eth0 type bond_slave prio x'), /^error: bond0: option prio: invalid value \(x\)/);
    const rc = await s.run('config show');
    t.regex(rc, /ip link set eth0 type bond_slave prio 20\nip link set eth2 type bond_slave prio 10\necho eth1 > \/sys\/class\/net\/bond0\/bonding\/primary/);
  });

  test(onBoard(board, 'bond_choose_primary_or_current: prio is refused outside active-backup, tlb and alb (bond_opt_check_deps)'), async (t) => {
    const s = await bootTest(board);
    await lines(s, ['modprobe bonding mode=balance-xor miimon=100', 'ifconfig bond0 up', 'ifenslave bond0 eth0']);
    t.regex(await s.run('ip link set eth0 type bond_slave prio 5'), /^error: bond0: option prio: mode dependency failed, not supported in mode balance-xor\(2\)/);
  });

  // ---------------------------------------------------------------------------------------
  // bond_change_active_slave, bond_mii_monitor, bond_activebackup_arp_mon: peer notifications

  test(onBoard(board, 'bond_change_active_slave + bond_mii_monitor: num_grat_arp=3 sends 3, the first at the failover, then one per round'), async (t) => {
    const s = await abBond(board, 'miimon=100 num_grat_arp=3', ['eth0', 'eth1'], 2000);
    let t0 = 0;
    const times = garps(s, () => t0);
    t0 = s.clock.now();
    await s.run('sim link eth0 down');
    await s.clock.advance(2000);
    t.deepEqual(times, [100, 200, 300]);
  });

  test(onBoard(board, 'bond_should_notify_peers: peer_notif_delay=200 with num_grat_arp=2 sends 2, 200 ms apart (the count is in rounds)'), async (t) => {
    const s = await abBond(board, 'miimon=100 num_grat_arp=2 peer_notif_delay=200', ['eth0', 'eth1'], 2000);
    let t0 = 0;
    const times = garps(s, () => t0);
    t0 = s.clock.now();
    await s.run('sim link eth0 down');
    await s.clock.advance(2000);
    t.deepEqual(times, [100, 300]);
  });

  test(onBoard(board, 'bond_should_notify_peers: a bond that had no carrier notifies from the next round on, not at the change itself'), async (t) => {
    const s = await abBond(board, 'miimon=100 num_grat_arp=2', ['eth0', 'eth1'], 2000);
    await s.run('sim link eth0 down');
    await s.run('sim link eth1 down');
    await s.clock.advance(2000);
    t.regex(await s.run('log'), /bond0: now running without any active interface!/);
    let t0 = 0;
    const times = garps(s, () => t0);
    t0 = s.clock.now();
    await s.run('sim link eth1 up');
    await s.clock.advance(2000);
    const change = s.log.tail().find((e) => e.time >= t0 && e.text.includes('making interface the new active one'))!.time - t0;
    t.deepEqual(times, [change + 100, change + 200]);
  });

  test(onBoard(board, 'bond_activebackup_arp_mon: num_grat_arp=3 after an ARP-monitor failover sends 3, one arp_interval apart'), async (t) => {
    const s = await abBond(board, 'arp_interval=100 arp_ip_target=192.168.1.100 num_grat_arp=3', ['eth0', 'eth1'], 2000);
    let t0 = 0;
    const times = garps(s, () => t0);
    t0 = s.clock.now();
    await s.run('sim peer eth0 drop');
    await s.clock.advance(3000);
    t.is(times.length, 3);
    t.deepEqual([times[1] - times[0], times[2] - times[1]], [100, 100]);
    t.regex(await s.run('log'), /bond0: \(slave eth0\): link status definitely down, disabling slave/);
    t.is(await active(s), 'eth1');
  });

  // ---------------------------------------------------------------------------------------
  // bond_check_dev_link (use_carrier=0)

  test(onBoard(board, 'bond_check_dev_link with use_carrier=0: a PHY drop shorter than one poll still reaches the MII monitor once, after the board read the latch'), async (t) => {
    const s = await bootTest(board);
    await lines(s, ['modprobe bonding mode=active-backup miimon=500 use_carrier=0', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up']);
    const t0 = s.clock.now();
    await lines(s, ['ifenslave bond0 eth0 eth1']);
    await until(s, t0 + 510); // just after a monitor round
    await untilPoll(s);
    const drop = s.clock.now();
    await s.run('sim phy eth0 down');
    await s.clock.advance(20);
    await s.run('sim phy eth0 up');
    // The board's next poll reads the latched-low BMSR bit (and so clears it in the PHY)...
    await untilPoll(s);
    t.true(s.clock.now() < t0 + 1000, 'the board polls before the next monitor round');
    t.regex(await s.run('log'), /eth0: PHY link down$/);
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'up');
    // ...and the monitor round at +1000 still sees the drop, once.
    await until(s, t0 + 1000);
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'down');
    t.is(await active(s), 'eth1');
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/link_failure_count'), '1');
    await until(s, t0 + 1500);
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'up');
    t.true(drop > t0 + 510);
    // use_carrier=1 reads the MAC side, which never saw the 20 ms: no drop there.
    await s.run('echo 1 > /sys/class/net/bond0/bonding/use_carrier');
    await untilPoll(s);
    await s.run('sim phy eth1 down');
    await s.clock.advance(20);
    await s.run('sim phy eth1 up');
    await s.clock.advance(1000);
    t.is(await s.run('cat /sys/class/net/eth1/bonding_slave/link_failure_count'), '0');
  });

  // ---------------------------------------------------------------------------------------
  // bond_option_miimon_set / _bond_option_delay_set: delays are kept in rounds

  test(onBoard(board, '_bond_option_delay_set and bond_option_miimon_set: updelay is a count of rounds, so halving miimon halves it, to the millisecond'), async (t) => {
    const s = await abBond(board, 'miimon=100 updelay=300', ['eth0', 'eth1'], 1000);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/updelay'), '300');
    t.is(await s.run('echo 50 > /sys/class/net/bond0/bonding/miimon'), '');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/updelay'), '150');
    t.regex(await s.run('cat /proc/net/bonding/bond0'), /MII Polling Interval \(ms\): 50\nUp Delay \(ms\): 150\n/);
    await s.run('sim link eth1 down');
    await s.clock.advance(500);
    t.is(await s.run('cat /sys/class/net/eth1/bonding_slave/mii_status'), 'down');
    await s.run('sim link eth1 up');
    // The first round that sees the link says "going back"; three rounds of 50 ms later it is up.
    let back: number | undefined;
    for (let i = 0; i < 1000 && back === undefined; i++) {
      await s.clock.advance(1);
      if (await s.run('cat /sys/class/net/eth1/bonding_slave/mii_status') === 'going back') back = s.clock.now();
    }
    t.truthy(back);
    await until(s, back! + 149);
    t.is(await s.run('cat /sys/class/net/eth1/bonding_slave/mii_status'), 'going back');
    await until(s, back! + 150);
    t.is(await s.run('cat /sys/class/net/eth1/bonding_slave/mii_status'), 'up');
    t.regex(await s.run('log'), /bond0: \(slave eth1\): link status up, enabling it in 150 ms/);
    // Not a multiple: rounded down, with Linux's warning.
    t.is(await s.run('echo 120 > /sys/class/net/bond0/bonding/updelay'), 'bond0: up delay (120) is not a multiple of miimon (50), value rounded to 100 ms');
    // miimon 0: the delays read 0 and cannot be set.
    t.is(await s.run('echo 0 > /sys/class/net/bond0/bonding/miimon'), '');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/updelay'), '0');
    t.regex(await s.run('echo 100 > /sys/class/net/bond0/bonding/updelay'), /^error: bond0: Unable to set up delay as MII monitoring is disabled/);
  });

  // ---------------------------------------------------------------------------------------
  // bond_option_arp_ip_targets_set / bond_option_queue_id_set

  test(onBoard(board, 'bond_option_arp_ip_targets_set through sysfs: +/- and Linux\'s refusals, each with one error line in the log'), async (t) => {
    const s = await abBond(board, 'arp_interval=100', ['eth0'], 0);
    const file = '/sys/class/net/bond0/bonding/arp_ip_target';
    // The first character is the command; the address parse starts after it.
    t.is(await s.run(`echo 192.168.1.100 > ${file}`), 'error: bond0: no command found in arp_ip_targets file - use +<addr> or -<addr>');
    t.regex(await s.run(`echo +192.168.1.300 > ${file}`), /^error: bond0: invalid ARP target specified/);
    t.is(await s.run(`echo +0.0.0.0 > ${file}`), 'error: bond0: invalid ARP target 0.0.0.0 specified for addition');
    t.is(await s.run(`echo +255.255.255.255 > ${file}`), 'error: bond0: invalid ARP target 255.255.255.255 specified for addition');
    t.is(await s.run(`echo +192.168.1.100 > ${file}`), '');
    t.is(await s.run(`echo +192.168.1.100 > ${file}`), 'error: bond0: ARP target 192.168.1.100 is already present');
    t.is(await s.run(`echo -192.168.1.101 > ${file}`), 'error: bond0: unable to remove nonexistent ARP target 192.168.1.101');
    t.is(await s.run(`cat ${file}`), '192.168.1.100');
    const errors = s.log.tail().filter((e) => e.level === 'error' && e.text.startsWith('bond0:'));
    t.is(errors.length, 6);
  });

  test(onBoard(board, 'bond_option_queue_id_set: "<slave>:<id>", ids up to tx_queues, each non-zero id once; netlink builds the same string'), async (t) => {
    const s = await abBond(board, 'miimon=100', ['eth0', 'eth1'], 0);
    const file = '/sys/class/net/bond0/bonding/queue_id';
    t.is(await s.run(`echo eth0:3 > ${file}`), '');
    t.regex(await s.run(`echo eth1:3 > ${file}`), /^error: bond0: invalid input for queue_id set/);
    // Linux compares with "qid > real_num_tx_queues": 16 itself passes.
    t.is(await s.run(`echo eth1:16 > ${file}`), '');
    t.regex(await s.run(`echo eth1:17 > ${file}`), /^error: bond0: invalid input for queue_id set/);
    t.regex(await s.run(`echo eth2:1 > ${file}`), /^error: bond0: invalid input for queue_id set/);
    t.regex(await s.run(`echo eth1 > ${file}`), /^error: bond0: invalid input for queue_id set/);
    t.regex(await s.run(`echo eth1:-1 > ${file}`), /^error: bond0: invalid input for queue_id set/);
    t.is(await s.run(`echo eth0:0 > ${file}`), '');
    t.is(await s.run('ip link set eth1 type bond_slave queue_id 3'), '');
    t.is(await s.run(`cat ${file}`), 'eth0:0 eth1:3');
    t.is(await s.run('cat /sys/class/net/eth1/bonding_slave/queue_id'), '3');
    t.regex(await s.run('cat /proc/net/bonding/bond0'), /Slave Interface: eth1\n(.*\n){5}Slave queue ID: 3/);
    t.regex(await s.run('config show'), /echo eth1:3 > \/sys\/class\/net\/bond0\/bonding\/queue_id/);
  });

  // ---------------------------------------------------------------------------------------
  // bond_info_show_master (bond_procfs.c)

  test(onBoard(board, 'bond_info_show_master: the transmit hash line for the modes that hash (xor, 802.3ad, tlb without dynamic balancing), the primary lines for the modes that use one'), async (t) => {
    const cases: [string, boolean, boolean][] = [
      ['mode=balance-rr', false, false],
      ['mode=active-backup', false, true],
      ['mode=balance-xor xmit_hash_policy=layer3+4', true, false],
      ['mode=broadcast', false, false],
      ['mode=802.3ad', true, false],
      ['mode=balance-tlb', false, true],
      ['mode=balance-tlb tlb_dynamic_lb=0 xmit_hash_policy=layer2+3', true, true],
      ['mode=balance-alb', false, true],
    ];
    for (const [params, hash, primary] of cases) {
      const s = await bootTest(board);
      await lines(s, [`modprobe bonding ${params} miimon=100`]);
      const proc = await s.run('cat /proc/net/bonding/bond0');
      t.is(/\nTransmit Hash Policy: \S+ \(\d\)\n/.test(proc), hash, params);
      t.is(/\nPrimary Slave: None\nCurrently Active Slave: None\n/.test(proc), primary, params);
      if (params.includes('tlb_dynamic_lb=0')) t.regex(proc, /Transmit Hash Policy: layer2\+3 \(2\)/);
    }
    const s = await bootTest(board);
    await lines(s, ['modprobe bonding mode=active-backup fail_over_mac=follow arp_interval=200 arp_ip_target=192.168.1.100']);
    t.regex(await s.run('cat /proc/net/bonding/bond0'), /Bonding Mode: fault-tolerance \(active-backup\) \(fail_over_mac follow\)\n[\s\S]*ARP Polling Interval \(ms\): 200\nARP Missed Max: 2\nARP IP target\/s \(n\.n\.n\.n form\): 192\.168\.1\.100\nNS IPv6 target\/s \(xx::xx form\):$/);
  });

  // ---------------------------------------------------------------------------------------
  // bond_sysfs.c / bond_sysfs_slave.c: the ad_* files

  test(onBoard(board, 'bond_sysfs: the ad_* bond files print nothing outside 802.3ad, 0 without an aggregator; bond_sysfs_slave: N/A without one'), async (t) => {
    const s = await bootTest(board);
    await lines(s, ['modprobe bonding mode=active-backup miimon=100', 'ifconfig bond0 up', 'ifenslave bond0 eth0']);
    for (const f of ['ad_aggregator', 'ad_num_ports', 'ad_actor_key', 'ad_partner_key', 'ad_partner_mac', 'ad_actor_system', 'ad_actor_sys_prio', 'ad_user_port_key']) {
      t.is(await s.run(`cat /sys/class/net/bond0/bonding/${f}`), '', f);
    }
    for (const f of ['ad_aggregator_id', 'ad_actor_oper_port_state', 'ad_partner_oper_port_state']) {
      t.is(await s.run(`cat /sys/class/net/eth0/bonding_slave/${f}`), 'N/A', f);
    }
    const ad = await bootTest(board);
    await lines(ad, ['modprobe bonding mode=802.3ad miimon=100']);
    for (const f of ['ad_aggregator', 'ad_num_ports', 'ad_actor_key', 'ad_partner_key']) t.is(await ad.run(`cat /sys/class/net/bond0/bonding/${f}`), '0', f);
    t.is(await ad.run('cat /sys/class/net/bond0/bonding/ad_partner_mac'), '');
    t.is(await ad.run('cat /sys/class/net/bond0/bonding/ad_actor_sys_prio'), '65535');
    await lines(ad, ['ifconfig bond0 up', 'ifenslave bond0 eth0']);
    t.is(await ad.run('cat /sys/class/net/eth0/bonding_slave/ad_aggregator_id'), '1');
    t.is(await ad.run('cat /sys/class/net/bond0/bonding/ad_num_ports'), '1');
  });

  // ---------------------------------------------------------------------------------------
  // bond_slave_netdev_event (NETDEV_CHANGEMTU) and bond_change_mtu

  test(onBoard(board, 'bond_slave_netdev_event: a slave may change its own MTU; bond_change_mtu sets every slave again; release restores the original'), async (t) => {
    const s = await bootTest(board);
    await lines(s, ['ip link set eth1 mtu 1400', 'modprobe bonding mode=active-backup miimon=100', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1']);
    t.is(await s.run('cat /sys/class/net/eth1/mtu'), '1500', 'bond_enslave gives the slave the bond\'s MTU');
    t.is(await s.run('ip link set eth1 mtu 1300'), '');
    t.is(await s.run('cat /sys/class/net/eth1/mtu'), '1300');
    t.is(await s.run('cat /sys/class/net/bond0/mtu'), '1500');
    t.regex(await s.run('config show'), /ip link set eth1 mtu 1400\nip link set eth1 down\nip link set eth1 master bond0\nip link set eth1 mtu 1300\n/);
    t.is(await s.run('ip link set bond0 mtu 1492'), '');
    t.is(await s.run('cat /sys/class/net/eth0/mtu'), '1492');
    t.is(await s.run('cat /sys/class/net/eth1/mtu'), '1492');
    t.is(await s.run('ifenslave -d bond0 eth1'), '');
    t.is(await s.run('cat /sys/class/net/eth1/mtu'), '1400');
    // Frames still cross the bond with the slave's MTU changed.
    await s.run('ip link set eth0 mtu 1200');
    t.regex(await s.run('ping -c 3 192.168.1.100'), /3 packets transmitted, 3 received, 0% packet loss/);
  });

  // ---------------------------------------------------------------------------------------
  // bond_option_slaves_set / bond_open

  test(onBoard(board, 'bond_option_slaves_set: slaves go in while the bond is down; bond_open starts the monitor and frames cross'), async (t) => {
    for (const mode of ['active-backup', 'balance-xor', 'balance-alb']) {
      const s = await bootTest(board);
      await lines(s, [`modprobe bonding mode=${mode} miimon=100`, 'echo +eth0 > /sys/class/net/bond0/bonding/slaves', 'echo +eth1 > /sys/class/net/bond0/bonding/slaves']);
      t.is(await s.run('cat /sys/class/net/bond0/bonding/slaves'), 'eth0 eth1', mode);
      await lines(s, ['ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up']);
      await s.clock.advance(3000);
      t.regex(await s.run('ping -c 5 192.168.1.100'), /5 packets transmitted, 5 received, 0% packet loss/, mode);
      // The monitor runs: a pulled cable is seen within one round.
      await s.run('sim link eth0 down');
      await s.clock.advance(250);
      t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'down', mode);
      t.regex(await s.run('ping -c 5 192.168.1.100'), /5 packets transmitted, 5 received, 0% packet loss/, mode);
    }
  });

  test(onBoard(board, 'bond_option_ad_actor_port_prio_set: iproute2\'s actor_port_prio, 1 to 65535, 802.3ad only, reaches the LACPDUs'), async (t) => {
    const s = await bootTest(board);
    await lines(s, ['modprobe bonding mode=802.3ad miimon=100', 'ifconfig bond0 up', 'ifenslave bond0 eth0']);
    t.regex(await s.run('ip link set eth0 type bond_slave actor_port_prio 0'), /^error: bond0: option ad_actor_port_prio: invalid value \(0\)/);
    t.regex(await s.run('ip link set eth0 type bond_slave actor_port_prio 65536'), /^error: bond0: option ad_actor_port_prio: invalid value \(65536\)/);
    const prios: number[] = [];
    s.hw.world.observe((i, f, dir) => {
      // Slow protocols, LACP subtype: the actor's port priority at bytes 28-29.
      if (dir === 'out' && i === 0 && f[12] === 0x88 && f[13] === 0x09 && f[14] === 1) prios.push((f[28] << 8) | f[29]);
    });
    t.is(await s.run('ip link set eth0 type bond_slave actor_port_prio 4000'), '');
    await s.clock.advance(3000);
    t.true(prios.length > 0);
    t.is(prios[prios.length - 1], 4000);
    t.regex(await s.run('cat /proc/net/bonding/bond0'), /details actor lacp pdu:\n(.*\n){3}    port priority: 4000\n/);
    t.regex(await s.run('config show'), /ip link set eth0 type bond_slave actor_port_prio 4000/);
    const ab = await abBond(board, 'miimon=100', ['eth0'], 0);
    t.regex(await ab.run('ip link set eth0 type bond_slave actor_port_prio 10'), /^error: bond0: option ad_actor_port_prio: mode dependency failed, not supported in mode active-backup\(1\)/);
  });

  // ---------------------------------------------------------------------------------------
  // slave_info / netdev_info: the kernel's words, at the kernel's moments

  test(onBoard(board, 'slave_info: an active-backup lifecycle logs exactly what bond_enslave, bond_miimon_inspect/commit, bond_select_active_slave and __bond_release_one log'), async (t) => {
    const s = await bootTest(board);
    const t0 = s.clock.now();
    for (const l of [
      'modprobe bonding mode=active-backup miimon=100 downdelay=200 updelay=300', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1',
      'sim wait 3s', 'sim link eth0 down', 'sim wait 1s', 'sim link eth0 up', 'sim wait 4s',
      'sim link eth1 down', 'sim wait 120ms', 'sim link eth1 up', 'sim wait 4s',
      'ifenslave -c bond0 eth1', 'ifenslave -d bond0 eth1', 'ifenslave -d bond0 eth0',
    ]) await s.run(l);
    const bondLines = s.log.tail()
      .filter((e) => e.time >= t0 && /^(bond0|bonding):/.test(e.text))
      .map((e) => `${(e.time - t0).toString().padStart(5)} ${e.level === 'info' ? '' : `${e.level}: `}${e.text}`);
    t.deepEqual(bondLines, [
      '    0 bonding: MII link monitoring set to 100 ms',
      // Enslaved "going back" (updelay): neither is up yet, so neither is active.
      '    0 bond0: (slave eth0): Enslaving as a backup interface with an up link',
      '    0 bond0: (slave eth1): Enslaving as a backup interface with an up link',
      // No active slave: updelay is ignored for the first (HOWTO 13.1), not for the second.
      '  100 bond0: (slave eth0): link status definitely up, 1000 Mbps full duplex',
      '  100 bond0: (slave eth0): making interface the new active one',
      '  100 bond0: active interface up!',
      '  400 bond0: (slave eth1): link status definitely up, 1000 Mbps full duplex',
      ' 3100 bond0: (slave eth0): link status down for active interface, disabling it in 200 ms',
      ' 3300 bond0: (slave eth0): link status definitely down, disabling slave',
      ' 3300 bond0: (slave eth1): making interface the new active one',
      ' 4100 bond0: (slave eth0): link status up, enabling it in 300 ms',
      // Back, but no primary and no higher prio: no reselection.
      ' 4400 bond0: (slave eth0): link status definitely up, 1000 Mbps full duplex',
      ' 8100 bond0: (slave eth1): link status down for active interface, disabling it in 200 ms',
      ' 8200 bond0: (slave eth1): link status up again after 100 ms',
      ' 8200 bond0: (slave eth1): link status definitely up, 1000 Mbps full duplex',
      // ifenslave -c to the active slave: debug only. Release of the active one reselects.
      '12120 bond0: (slave eth1): Releasing active interface',
      '12120 bond0: (slave eth0): making interface the new active one',
      '12120 bond0: (slave eth0): Releasing active interface',
    ]);
  });

}