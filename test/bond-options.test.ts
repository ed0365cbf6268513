import test from 'ava';
import fc from 'fast-check';
import { UsageError } from '../lib/errors.ts';
import {
  BOND_OPTIONS,
  OPTION_NAMES,
  defaultBondOptions,
  formatOption,
  parseOptionValue,
  setOption,
  type BondMode,
  type BondOptions,
} from '../firmware/bonding/options.ts';

const down = (mode?: BondMode) => ({ mode, up: false, slaveCount: 0 });

function inMode(mode: string): BondOptions {
  const o = defaultBondOptions();
  setOption(o, 'mode', mode, down());
  return o;
}

// Pinned to current Linux's drivers/net/bonding/bond_options.c (the bond_opts[] table and each
// bond_option_*_set) and bond_sysfs.c (the show functions). Where an assertion changed from
// an earlier version, it had encoded a divergence from Linux: the new one cites the function.

test('defaults print as a fresh Linux bond prints them (bond_check_params with no parameters)', (t) => {
  const o = defaultBondOptions();
  const expected: Record<string, string> = {
    mode: 'balance-rr 0',
    packets_per_slave: '1',
    xmit_hash_policy: 'layer2 0',
    arp_validate: 'none 0',
    arp_all_targets: 'any 0',
    fail_over_mac: 'none 0',
    arp_interval: '0',
    arp_missed_max: '2',
    arp_ip_target: '',
    ns_ip6_target: '',
    downdelay: '0',
    updelay: '0',
    peer_notif_delay: '0',
    lacp_active: 'on 1',
    lacp_rate: 'slow 0',
    min_links: '0',
    ad_select: 'stable 0',
    num_unsol_na: '1',
    num_grat_arp: '1',
    // The module parameter's default is 0: only 802.3ad, tlb and alb force 100 (bond_check_params).
    miimon: '0',
    primary: '',
    primary_reselect: 'always 0',
    use_carrier: '1',
    active_slave: '',
    queue_id: '',
    all_slaves_active: '0',
    resend_igmp: '1',
    lp_interval: '1',
    tlb_dynamic_lb: '1',
    ad_actor_sys_prio: '',
    ad_actor_system: '',
    ad_user_port_key: '',
    coupled_control: '1',
    max_bonds: '1',
  };
  t.deepEqual([...OPTION_NAMES].sort(), Object.keys(expected).sort());
  for (const name of OPTION_NAMES) t.is(formatOption(o, name), expected[name], name);
  const ad = inMode('802.3ad');
  t.is(formatOption(ad, 'ad_actor_sys_prio'), '65535');
  t.is(formatOption(ad, 'ad_actor_system'), '00:00:00:00:00:00');
  t.is(formatOption(ad, 'ad_user_port_key'), '0');
});

test('every option in the table has a default that prints', (t) => {
  // Every bond option; the per-slave ones (prio, actor_port_prio) belong to a slave, not the bond.
  t.is(BOND_OPTIONS.filter((o) => !o.slave).length, OPTION_NAMES.length);
  t.deepEqual(BOND_OPTIONS.filter((o) => o.slave).map((o) => o.name), ['prio', 'ad_actor_port_prio']);
  for (const name of OPTION_NAMES) t.is(typeof formatOption(defaultBondOptions(), name), 'string');
});

test('mode by name or number, printed as "name value"', (t) => {
  const o = defaultBondOptions();
  setOption(o, 'mode', '802.3ad\n', down());
  t.is(formatOption(o, 'mode'), '802.3ad 4');
  setOption(o, 'mode', '1', down());
  t.is(formatOption(o, 'mode'), 'active-backup 1');
  setOption(o, 'mode', 'default', down());
  t.is(o.mode, 0);
  const names = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'];
  names.forEach((n, i) => {
    setOption(o, 'mode', String(i), down());
    t.is(formatOption(o, 'mode'), `${n} ${i}`);
  });
});

test('enum values by name and number', (t) => {
  const o = defaultBondOptions();
  setOption(o, 'xmit_hash_policy', 'layer3+4', down());
  t.is(formatOption(o, 'xmit_hash_policy'), 'layer3+4 1');
  setOption(o, 'xmit_hash_policy', '5', down());
  t.is(formatOption(o, 'xmit_hash_policy'), 'vlan+srcmac 5');
  setOption(o, 'primary_reselect', 'failure', down());
  t.is(formatOption(o, 'primary_reselect'), 'failure 2');
  setOption(o, 'fail_over_mac', 'follow', down());
  t.is(formatOption(o, 'fail_over_mac'), 'follow 2');
  setOption(o, 'arp_all_targets', 'all', down());
  t.is(formatOption(o, 'arp_all_targets'), 'all 1');
  setOption(o, 'ad_select', 'count', down());
  t.is(formatOption(o, 'ad_select'), 'count 2');
  const ad = inMode('4');
  setOption(ad, 'lacp_rate', 'fast', down());
  t.is(formatOption(ad, 'lacp_rate'), 'fast 1');
  setOption(ad, 'lacp_active', 'off', down());
  t.is(formatOption(ad, 'lacp_active'), 'off 0');
});

test('numeric ranges and their named values', (t) => {
  const o = defaultBondOptions();
  setOption(o, 'resend_igmp', '255', down());
  t.is(o.resend_igmp, 255);
  // bond_opt_error_interpret: "option %s: invalid value (%s)", then the allowed range.
  t.throws(() => setOption(o, 'resend_igmp', '256', down()), {
    instanceOf: UsageError,
    message: 'option resend_igmp: invalid value (256) (allowed values 0 - 255, or off, maxval, default)',
  });
  setOption(o, 'resend_igmp', 'default', down());
  t.is(o.resend_igmp, 1);
  setOption(o, 'min_links', 'maxval', down());
  t.is(formatOption(o, 'min_links'), '2147483647');
  t.throws(() => setOption(o, 'min_links', '2147483648', down()), { instanceOf: UsageError });
  t.throws(() => setOption(o, 'lp_interval', '0', down()), { instanceOf: UsageError });
  setOption(o, 'lp_interval', '30', down());
  t.is(formatOption(o, 'lp_interval'), '30');
  t.throws(() => setOption(o, 'miimon', '-1', down()), { instanceOf: UsageError });
  setOption(o, 'packets_per_slave', '0', down());
  t.is(formatOption(o, 'packets_per_slave'), '0');
  t.throws(() => setOption(o, 'packets_per_slave', '65536', down()), { instanceOf: UsageError });
  setOption(o, 'num_grat_arp', '7', down());
  t.is(formatOption(o, 'num_unsol_na'), '7');
  const ad = inMode('802.3ad');
  t.throws(() => setOption(ad, 'ad_actor_sys_prio', '0', down()), { instanceOf: UsageError });
  setOption(ad, 'ad_actor_sys_prio', '1', down());
  t.is(formatOption(ad, 'ad_actor_sys_prio'), '1');
  t.throws(() => setOption(ad, 'ad_user_port_key', '1024', down()), { instanceOf: UsageError });
  const ab = inMode('active-backup');
  t.throws(() => setOption(ab, 'arp_missed_max', '0', down()), { instanceOf: UsageError });
  setOption(ab, 'arp_missed_max', '255', down());
  t.is(formatOption(ab, 'arp_missed_max'), '255');
});

test('refusals say what is allowed and change nothing', (t) => {
  const cases: Array<[BondOptions, string, string, { up: boolean; slaveCount: number }, string]> = [
    // bond_opt_parse fails: EINVAL, bond_opt_error_interpret's words (the values as a hint).
    [defaultBondOptions(), 'mode', 'x', down(), 'option mode: invalid value (x) (balance-rr 0, active-backup 1, balance-xor 2, broadcast 3, 802.3ad 4, balance-tlb 5, balance-alb 6)'],
    [defaultBondOptions(), 'mode', '7', down(), 'option mode: invalid value (7) (balance-rr 0, active-backup 1, balance-xor 2, broadcast 3, 802.3ad 4, balance-tlb 5, balance-alb 6)'],
    // bond_opt_check_deps: EBUSY, ENOTEMPTY, EACCES (bond_opt_dep_print).
    [defaultBondOptions(), 'mode', '1', { up: true, slaveCount: 0 }, 'option mode: unable to set because the bond device is up'],
    [defaultBondOptions(), 'mode', '1', { up: false, slaveCount: 2 }, 'option mode: unable to set because the bond device has slaves'],
    [defaultBondOptions(), 'fail_over_mac', 'active', { up: false, slaveCount: 1 }, 'option fail_over_mac: unable to set because the bond device has slaves'],
    [defaultBondOptions(), 'lacp_rate', 'fast', down(), 'option lacp_rate: mode dependency failed, not supported in mode balance-rr(0) (valid in 802.3ad)'],
    [inMode('802.3ad'), 'lacp_rate', 'fast', { up: true, slaveCount: 0 }, 'option lacp_rate: unable to set because the bond device is up'],
    [defaultBondOptions(), 'tlb_dynamic_lb', '0', down(), 'option tlb_dynamic_lb: mode dependency failed, not supported in mode balance-rr(0) (valid in balance-tlb, balance-alb)'],
    [defaultBondOptions(), 'primary', 'eth0', down(), 'option primary: mode dependency failed, not supported in mode balance-rr(0) (valid in active-backup, balance-tlb, balance-alb)'],
    [inMode('802.3ad'), 'arp_interval', '100', down(), 'option arp_interval: mode dependency failed, not supported in mode 802.3ad(4) (valid in balance-rr, active-backup, balance-xor, broadcast)'],
    [inMode('balance-alb'), 'arp_validate', 'all', down(), 'option arp_validate: mode dependency failed, not supported in mode balance-alb(6) (valid in balance-rr, active-backup, balance-xor, broadcast)'],
    [inMode('active-backup'), 'packets_per_slave', '3', down(), 'option packets_per_slave: mode dependency failed, not supported in mode active-backup(1) (valid in balance-rr)'],
    // bond_option_ad_actor_system_set: mac_pton, then not multicast.
    [inMode('802.3ad'), 'ad_actor_system', '01:00:5e:00:00:01', down(), 'Invalid ad_actor_system MAC address. (a unicast xx:xx:xx:xx:xx:xx)'],
    [inMode('802.3ad'), 'ad_actor_system', 'nonsense', down(), 'Invalid ad_actor_system MAC address. (a unicast xx:xx:xx:xx:xx:xx)'],
    [defaultBondOptions(), 'nosuch', '1', down(), ''],
  ];
  for (const [o, name, text, ctx, message] of cases) {
    const before = structuredClone(o);
    const e = t.throws(() => setOption(o, name, text, ctx), { instanceOf: UsageError }, `${name}=${text}`);
    if (message) t.is(e?.message, message);
    t.deepEqual(o, before);
  }
});

test('ad_actor_system accepts a unicast MAC and prints it lower case; all zeros means the bond\'s own (bond_option_ad_actor_system_set)', (t) => {
  const o = inMode('802.3ad');
  setOption(o, 'ad_actor_system', '02:AB:cd:00:00:01\n', down());
  t.is(formatOption(o, 'ad_actor_system'), '02:ab:cd:00:00:01');
  // Linux refuses only a multicast address: zeros go back to the bond's own MAC.
  setOption(o, 'ad_actor_system', '00:00:00:00:00:00', down());
  t.is(formatOption(o, 'ad_actor_system'), '00:00:00:00:00:00');
});

test('changing mode: arp_validate is reset, non-ARP modes fall back to miimon, alb turns on tlb_dynamic_lb', (t) => {
  const o = inMode('active-backup');
  setOption(o, 'arp_interval', '200', down());
  setOption(o, 'arp_validate', 'all', down());
  t.is(o.miimon, 0);
  setOption(o, 'mode', 'balance-tlb', down());
  setOption(o, 'tlb_dynamic_lb', '0', down());
  t.is(o.arp_validate, 0);
  t.is(o.arp_interval, 0);
  t.is(o.miimon, 100);
  setOption(o, 'mode', 'balance-alb', down());
  t.is(o.tlb_dynamic_lb, 1);
});

test('miimon and arp_interval exclude each other, silently (bond_option_miimon_set, bond_option_arp_interval_set)', (t) => {
  const o = defaultBondOptions();
  setOption(o, 'miimon', '100', down());
  // Linux says both only at debug level (netdev_dbg): nothing is logged.
  let r = setOption(o, 'arp_interval', '1000', down());
  t.is(o.miimon, 0);
  t.is(o.arp_interval, 1000);
  t.deepEqual(r.warnings, []);
  setOption(o, 'arp_validate', 'active', down());
  r = setOption(o, 'miimon', '50', down());
  t.is(o.arp_interval, 0);
  t.is(o.arp_validate, 0);
  t.is(o.miimon, 50);
  t.deepEqual(r.warnings, []);
  r = setOption(o, 'miimon', 'off', down());
  t.deepEqual(r.warnings, []);
  t.is(o.arp_interval, 0);
});

test('delays round down to a multiple of miimon and follow it; refused while miimon is 0 (_bond_option_delay_set)', (t) => {
  const o = defaultBondOptions();
  setOption(o, 'miimon', '100', down());
  let r = setOption(o, 'updelay', '250', down());
  t.is(formatOption(o, 'updelay'), '200');
  t.deepEqual(r.warnings, ['up delay (250) is not a multiple of miimon (100), value rounded to 200 ms']);
  r = setOption(o, 'downdelay', '300', down());
  t.deepEqual(r.warnings, []);
  r = setOption(o, 'peer_notif_delay', '99', down());
  t.is(formatOption(o, 'peer_notif_delay'), '0');
  t.deepEqual(r.warnings, ['peer notification delay (99) is not a multiple of miimon (100), value rounded to 0 ms']);
  t.throws(() => setOption(o, 'peer_notif_delay', '300001', down()), { instanceOf: UsageError });
  setOption(o, 'miimon', '50', down());
  t.is(formatOption(o, 'updelay'), '100'); // still 2 intervals, as Linux stores it
  t.is(formatOption(o, 'downdelay'), '150');
  setOption(o, 'miimon', '0', down());
  t.is(formatOption(o, 'updelay'), '0');
  const before = structuredClone(o);
  t.throws(() => setOption(o, 'updelay', '100', down()), {
    instanceOf: UsageError,
    message: 'Unable to set up delay as MII monitoring is disabled (set miimon first)',
  });
  t.deepEqual(o, before);
});

test('arp_ip_target: +/- through sysfs, the whole list through netlink, limit of 16, bad addresses (bond_option_arp_ip_targets_set)', (t) => {
  const o = inMode('active-backup');
  setOption(o, 'arp_ip_target', '+10.0.0.1\n', down());
  setOption(o, 'arp_ip_target', '+10.0.0.2', down());
  // Netlink (ip link set ... type bond arp_ip_target a,b) replaces the list.
  setOption(o, 'arp_ip_target', '10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4', down(), 'netlink');
  t.is(formatOption(o, 'arp_ip_target'), '10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4');
  setOption(o, 'arp_ip_target', '-10.0.0.2', down());
  t.is(formatOption(o, 'arp_ip_target'), '10.0.0.1 10.0.0.3 10.0.0.4');
  const refuse = (text: string, message: string) => {
    const before = structuredClone(o);
    t.throws(() => setOption(o, 'arp_ip_target', text, down()), { instanceOf: UsageError, message }, text);
    t.deepEqual(o, before);
  };
  refuse('+10.0.0.1', 'ARP target 10.0.0.1 is already present');
  refuse('-10.9.9.9', 'unable to remove nonexistent ARP target 10.9.9.9');
  refuse('+255.255.255.255', 'invalid ARP target 255.255.255.255 specified for addition');
  refuse('+0.1.2.3', 'invalid ARP target 0.1.2.3 specified for addition');
  refuse('+10.0.0.256', 'invalid ARP target specified (use +<addr> to add, -<addr> to remove)');
  refuse('', 'invalid ARP target specified (use +<addr> to add, -<addr> to remove)');
  // A sysfs write needs the + or -: in4_pton reads from the second character on.
  refuse('10.0.0.5', 'no command found in arp_ip_targets file - use +<addr> or -<addr>');
  refuse('10.0.0.5,10.0.0.1', 'invalid ARP target specified (use +<addr> to add, -<addr> to remove)');
  for (let i = 5; i <= 17; i++) setOption(o, 'arp_ip_target', `+10.0.0.${i}`, down());
  t.is(o.arp_ip_target.length, 16);
  refuse('+10.0.0.99', 'ARP target table is full! (at most 16; remove one with -<addr>)');
  setOption(o, 'arp_interval', '100', down());
  for (const a of [...o.arp_ip_target].slice(1)) setOption(o, 'arp_ip_target', `-${a}`, down());
  const r = setOption(o, 'arp_ip_target', '-10.0.0.1', down());
  t.deepEqual(r.warnings, ['Removing last arp target with arp_interval on']);
  t.is(formatOption(o, 'arp_ip_target'), '');
});

test('ns_ip6_target: list replaces, compressed print, bad addresses refused', (t) => {
  const o = defaultBondOptions();
  setOption(o, 'ns_ip6_target', '2001:DB8:0:0:0:0:0:1,fe80::1:0:0:2', down());
  t.is(formatOption(o, 'ns_ip6_target'), '2001:db8::1 fe80::1:0:0:2');
  setOption(o, 'ns_ip6_target', '::ffff:10.0.0.1', down());
  t.is(formatOption(o, 'ns_ip6_target'), '::ffff:10.0.0.1');
  for (const bad of ['::', '::1', 'ff02::1', '1::2::3', 'xyz', '1:2:3:4:5:6:7:8:9']) {
    const before = structuredClone(o);
    t.throws(() => setOption(o, 'ns_ip6_target', bad, down()), { instanceOf: UsageError }, bad);
    t.deepEqual(o, before);
  }
  setOption(o, 'ns_ip6_target', '', down());
  t.is(formatOption(o, 'ns_ip6_target'), '');
});

test('primary stores a name, empty clears; active_slave is the bond\'s state, not a stored value (bond_option_primary_set)', (t) => {
  const o = inMode('active-backup');
  setOption(o, 'primary', 'eth1\n', down());
  t.is(formatOption(o, 'primary'), 'eth1');
  setOption(o, 'active_slave', 'eth2', down());
  t.is(formatOption(o, 'active_slave'), '', 'without a bond there is no active slave to read');
  t.throws(() => setOption(o, 'primary', 'a-name-that-is-too-long', down()), { instanceOf: UsageError });
  t.is(o.primary, 'eth1');
  setOption(o, 'primary', '\n', down());
  t.is(formatOption(o, 'primary'), '');
});

test('parseOptionValue checks and parses without applying', (t) => {
  t.deepEqual(parseOptionValue('mode', '802.3ad', { mode: 0, up: false, slaveCount: 0 }), { kind: 'number', value: 4 });
  t.deepEqual(parseOptionValue('arp_ip_target', '-1.2.3.4', { mode: 1, up: true, slaveCount: 2 }), {
    kind: 'arp-targets',
    op: '-',
    addrs: ['1.2.3.4'],
  });
});

test('any text for any option either sets or throws UsageError', (t) => {
  const modes: BondMode[] = [0, 1, 2, 3, 4, 5, 6];
  fc.assert(
    fc.property(
      fc.constantFrom(...OPTION_NAMES),
      fc.oneof(fc.string(), fc.stringMatching(/^[+-]?[0-9a-f:.,+ ]{0,20}\n?$/), fc.nat().map(String)),
      fc.constantFrom(...modes),
      fc.boolean(),
      fc.nat(3),
      (name, text, mode, up, slaveCount) => {
        const o = inMode(String(mode));
        const before = structuredClone(o);
        try {
          setOption(o, name, text, { up, slaveCount });
          formatOption(o, name);
        } catch (e) {
          if (!(e instanceof UsageError)) throw e;
          if (JSON.stringify(o) !== JSON.stringify(before)) throw new Error('refused set changed options');
        }
      },
    ),
    { numRuns: 3000 },
  );
  t.pass();
});
