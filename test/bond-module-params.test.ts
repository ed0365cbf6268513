/**
 * `modprobe bonding` read as Linux reads its module parameters: module_param parsing, then
 * bond_check_params() in drivers/net/bonding/bond_main.c. What Linux loads with warnings loads
 * here with the same warnings in `log`; what it refuses is refused with one `error:` line.
 */
import test from 'ava';
import { bootTest, type TestSystem } from './helpers/sim.ts';

const cat = (s: TestSystem, file: string) => s.run(`cat /sys/class/net/bond0/bonding/${file}`);
const logTexts = (s: TestSystem) => s.log.tail().map((e) => e.text);

test('bond_check_params: miimon is 0 unless given, except where the mode needs it (802.3ad, tlb, alb: forced to 100)', async (t) => {
  for (const [mode, miimon] of [['balance-rr', '0'], ['active-backup', '0'], ['balance-xor', '0'], ['broadcast', '0'], ['802.3ad', '100'], ['balance-tlb', '100'], ['balance-alb', '100']]) {
    const s = await bootTest();
    const out = await s.run(`modprobe bonding mode=${mode}`);
    t.is(await cat(s, 'miimon'), miimon, mode);
    if (miimon === '100') {
      t.is(out, 'bonding: Warning: miimon must be specified, otherwise bonding will not detect link failure, speed and duplex which are essential for 802.3ad operation\nbonding: Forcing miimon to 100msec', mode);
      t.true(logTexts(s).includes('bonding: Forcing miimon to 100msec'));
      t.true(logTexts(s).includes('bonding: MII link monitoring set to 100 ms'));
    } else t.is(out, '', mode);
  }
});

test('bond_check_params: the MII monitor wins over the ARP monitor; delays round to miimon', async (t) => {
  const s = await bootTest();
  const out = await s.run('modprobe bonding mode=active-backup miimon=100 arp_interval=200 arp_ip_target=192.168.1.100 updelay=250 downdelay=100');
  t.is(out, [
    "bonding: Warning: miimon (100) and arp_interval (200) can't be used simultaneously, disabling ARP monitoring",
    'bonding: Warning: updelay (250) is not a multiple of miimon (100), updelay rounded to 200 ms',
  ].join('\n'));
  t.is(await cat(s, 'miimon'), '100');
  t.is(await cat(s, 'arp_interval'), '0');
  t.is(await cat(s, 'updelay'), '200');
  t.is(await cat(s, 'downdelay'), '100');
  // The targets are kept even with the ARP monitor off, as Linux keeps them.
  t.is(await cat(s, 'arp_ip_target'), '192.168.1.100');
});

test('bond_check_params: ARP settings without usable targets turn the ARP monitor off', async (t) => {
  let s = await bootTest();
  t.is(await s.run('modprobe bonding mode=active-backup arp_interval=200'),
    'bonding: Warning: arp_interval module parameter (200) specified without providing an arp_ip_target parameter, arp_interval was reset to 0');
  t.is(await cat(s, 'arp_interval'), '0');

  s = await bootTest();
  t.is(await s.run('modprobe bonding mode=active-backup arp_interval=200 arp_ip_target=192.168.1.100,255.255.255.255,192.168.1.100'), [
    'bonding: Warning: bad arp_ip_target module parameter (255.255.255.255), ARP monitoring will not be performed',
    'bonding: Warning: duplicate address 192.168.1.100 in arp_ip_target, skipping',
  ].join('\n'));
  t.is(await cat(s, 'arp_interval'), '0');
  t.is(await cat(s, 'arp_ip_target'), '192.168.1.100');

  s = await bootTest();
  t.is(await s.run('modprobe bonding mode=active-backup arp_interval=200 arp_ip_target=192.168.1.100,192.168.1.101 arp_validate=all'), '');
  t.is(await cat(s, 'arp_interval'), '200');
  t.is(await cat(s, 'arp_validate'), 'all 3');
  t.true(logTexts(s).includes('bonding: ARP monitoring set to 200 ms, validate all, with 2 target(s): 192.168.1.100 192.168.1.101'));
});

test('bond_check_params: out-of-range values are reset with a warning and the module loads', async (t) => {
  const s = await bootTest();
  const out = await s.run('modprobe bonding mode=balance-rr miimon=-5 use_carrier=7 num_grat_arp=300 resend_igmp=-1 packets_per_slave=70000 all_slaves_active=2 lp_interval=0 max_bonds=-1');
  t.is(out, [
    'bonding: Warning: max_bonds (-1) not in range 0-2147483647, so it was reset to BOND_DEFAULT_MAX_BONDS (1)',
    'bonding: Warning: miimon module parameter (-5), not in range 0-2147483647, so it was reset to 0',
    'bonding: Warning: use_carrier module parameter (7), not of valid value (0/1), so it was set to 1',
    'bonding: Warning: num_grat_arp/num_unsol_na (300) not in range 0-255 so it was reset to 1',
    'bonding: Warning: all_slaves_active module parameter (2), not of valid value (0/1), so it was set to 0',
    'bonding: Warning: resend_igmp (-1) should be between 0 and 255, resetting to 1',
    'bonding: Warning: packets_per_slave (70000) should be between 0 and 65535 resetting to 1',
    'bonding: Warning: ip_interval must be between 1 and 2147483647, so it was reset to 1',
  ].join('\n'));
  for (const w of out.split('\n')) t.true(logTexts(s).includes(w), `in the log: ${w}`);
  t.is(await s.run('cat /sys/class/net/bonding_masters'), 'bond0');
  for (const [f, v] of [['miimon', '0'], ['use_carrier', '1'], ['num_grat_arp', '1'], ['resend_igmp', '1'], ['packets_per_slave', '1'], ['all_slaves_active', '0'], ['lp_interval', '1']]) {
    t.is(await cat(s, f), v, f);
  }
});

test('bond_check_params: parameters that do not apply to the mode are ignored, with Linux\'s notes', async (t) => {
  const s = await bootTest();
  const out = await s.run('modprobe bonding mode=balance-rr miimon=100 xmit_hash_policy=nonsense lacp_rate=fast primary=eth1 fail_over_mac=active ad_select=count');
  // xmit_hash_policy and lacp_rate are not even parsed outside their modes (pr_info).
  t.is(out, [
    'bonding: ad_select param only affects 802.3ad mode',
    'bonding: Warning: eth1 primary device specified but has no effect in load balancing (round-robin) mode',
    'bonding: Warning: fail_over_mac only affects active-backup mode',
  ].join('\n'));
  const log = logTexts(s);
  t.true(log.includes('bonding: xmit_hash_policy param is irrelevant in mode load balancing (round-robin)'));
  t.true(log.includes('bonding: lacp_rate param is irrelevant in mode load balancing (round-robin)'));
  t.is(await cat(s, 'xmit_hash_policy'), 'layer2 0');
  t.is(await cat(s, 'fail_over_mac'), 'active 1');
  t.is(await cat(s, 'ad_select'), 'count 2');
});

test('bond_check_params: what Linux refuses is refused, with one error line, and loads nothing', async (t) => {
  const s = await bootTest();
  const refused: [string, string][] = [
    ['mode=9', 'bonding: Error: Invalid bonding mode "9"'],
    ['mode=active-backup xmit_hash_policy=layer9', ''], // irrelevant in active-backup: loads
    ['mode=balance-xor xmit_hash_policy=layer9', 'bonding: Error: Invalid xmit_hash_policy "layer9"'],
    ['mode=802.3ad lacp_rate=medium', 'bonding: Error: Invalid lacp rate "medium"'],
    ['ad_select=best', 'bonding: Error: Invalid ad_select "best"'],
    ['mode=active-backup arp_validate=all', 'bonding: arp_validate requires arp_interval'],
    ['mode=active-backup arp_interval=100 arp_ip_target=10.0.0.1 arp_validate=sometimes', 'bonding: Error: invalid arp_validate "sometimes"'],
    ['mode=active-backup primary=eth0 primary_reselect=never', 'bonding: Error: Invalid primary_reselect "never"'],
    ['fail_over_mac=sometimes', 'bonding: Error: invalid fail_over_mac "sometimes"'],
    ['miimon=fast', "bonding: 'fast' invalid for parameter 'miimon'"],
    ['lp_interval=-1', "bonding: '-1' invalid for parameter 'lp_interval'"],
  ];
  for (const [params, why] of refused) {
    const out = await s.run(`modprobe bonding ${params}`);
    if (why === '') {
      t.is(out, '', params);
      await s.run('rmmod bonding');
      continue;
    }
    t.is(out, `error: modprobe: ERROR: could not insert 'bonding': Invalid argument (${why})`, params);
    t.is(await s.run('cat /sys/class/net/bonding_masters'), 'error: cat: /sys/class/net/bonding_masters: No such file or directory', params);
  }
});

test('module_param: C integers (hex, octal), the last of a name wins, num_grat_arp and num_unsol_na are one', async (t) => {
  const s = await bootTest();
  t.is(await s.run('modprobe bonding mode=active-backup miimon=0x64 updelay=0310 num_grat_arp=3 num_unsol_na=5 miimon=50'), '');
  t.is(await cat(s, 'miimon'), '50');
  t.is(await cat(s, 'updelay'), '200', 'octal 0310 is 200');
  t.is(await cat(s, 'num_grat_arp'), '5');
  t.is(await cat(s, 'num_unsol_na'), '5');
});

test('modprobe here also takes the options Linux sets only through sysfs or netlink (a deliberate extension)', async (t) => {
  const s = await bootTest();
  t.is(await s.run('modprobe bonding mode=802.3ad miimon=100 lacp_active=off coupled_control=off arp_missed_max=3'), 'bonding: Warning: arp_missed_max has no effect in IEEE 802.3ad Dynamic link aggregation mode; ignored');
  t.is(await cat(s, 'lacp_active'), 'off 0');
  t.regex(await s.run('cat /proc/net/bonding/bond0'), /\nLACP active: off\n/);
  t.is(await s.run('ip link set bond0 type bond coupled_control on'), '');
  t.true(logTexts(s).includes('bond0: Setting coupled_control to on (1)'), 'netdev_info, as bond_option_coupled_control_set logs it');
});
