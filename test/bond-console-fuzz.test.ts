/**
 * Bad console input: every refused line prints one `error:` line and changes nothing. Random
 * lines built from the commands' own words (so most get deep into the parsers) run against a
 * configured gateway; the visible state is compared before and after each refused line.
 */
import test from 'ava';
import fc from 'fast-check';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';

const WORDS = {
  cmd: ['echo', 'cat', 'ifconfig', 'ip', 'ifenslave', 'modprobe', 'rmmod'],
  dev: ['bond0', 'bond1', 'eth0', 'eth1', 'eth2', 'eth3', 'bond0.5', 'eth9', '', 'bond0 '],
  opt: ['mode', 'miimon', 'updelay', 'downdelay', 'arp_interval', 'arp_ip_target', 'primary', 'active_slave', 'slaves', 'xmit_hash_policy', 'fail_over_mac', 'lacp_rate', 'packets_per_slave', 'use_carrier', 'num_grat_arp', 'queue_id', 'mii_status', 'all_slaves_active', 'bogus'],
  value: ['0', '1', '4', '100', '150', '-1', '99999999999', 'active-backup', 'balance-xor', '802.3ad', 'layer3+4', '+eth0', '-eth0', '+eth2', '+bond1', '+192.168.1.100', '-192.168.1.100', '+0.0.0.0', 'eth0', 'eth1:3', 'fast', 'on', '', '+', 'x'],
  ipword: ['link', 'addr', 'neigh', 'set', 'add', 'del', 'show', 'dev', 'master', 'nomaster', 'up', 'down', 'address', '02:00:00:00:00:09', '01:00:5e:00:00:01', 'mtu', '9000', '1400', 'promisc', 'on', 'off', 'type', 'vlan', 'id', '5', '4095', 'name', '10.1.1.1/24', '10.1.1.1/33', 'netmask', '255.255.0.0', '255.0.255.0', 'hw', 'ether', '-d', '-c'],
};

const line = fc.oneof(
  fc.tuple(fc.constantFrom(...WORDS.value), fc.constantFrom(...WORDS.dev), fc.constantFrom(...WORDS.opt)).map(([v, d, o]) => `echo ${v} > /sys/class/net/${d}/bonding/${o}`),
  fc.tuple(fc.constantFrom('+', '-', ''), fc.constantFrom(...WORDS.dev)).map(([op, d]) => `echo ${op}${d} > /sys/class/net/bonding_masters`),
  fc.tuple(fc.constantFrom('ifconfig', 'ip', 'ifenslave', 'modprobe'), fc.array(fc.oneof(fc.constantFrom(...WORDS.ipword), fc.constantFrom(...WORDS.dev), fc.constantFrom('bonding', 'mode=1', 'miimon=x', 'max_bonds=2', '192.168.7.1')), { maxLength: 6 })).map(([c, ws]) => [c, ...ws].join(' ')),
);

/** What a user can see of the configuration (no counters: frames may come and go). */
async function snapshot(s: TestSystem): Promise<string> {
  const parts = [await s.run('ip link'), await s.run('ip addr'), await s.run('cat /sys/class/net/bonding_masters')];
  for (const b of s.firmware.net.bonding.list()) {
    parts.push(await s.run(`cat /proc/net/bonding/${b.name}`));
    for (const o of ['mode', 'miimon', 'updelay', 'arp_interval', 'arp_ip_target', 'primary', 'active_slave', 'xmit_hash_policy', 'fail_over_mac', 'use_carrier', 'all_slaves_active', 'queue_id']) {
      parts.push(`${o}=${await s.run(`cat /sys/class/net/${b.name}/bonding/${o}`)}`);
    }
  }
  return parts.join('\n');
}

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'refused console lines print one error line and change nothing'), async (t) => {
    const s = await bootTest(board);
    for (const l of [
      'modprobe bonding mode=active-backup miimon=100 max_bonds=2',
      'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
      'ifenslave bond0 eth0 eth1',
      'ip link add link bond0 name bond0.5 type vlan id 5',
    ]) t.is(await s.run(l), '');
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(line, async (l) => {
        const before = await snapshot(s);
        const out = await s.run(l);
        if (!out.startsWith('error:')) return true; // accepted: state may change, that is fine
        refused++;
        if (out.includes('\n')) throw new Error(`more than one line for '${l}': ${out}`);
        if (/internal error/.test(out)) throw new Error(`'${l}': ${out}`);
        const after = await snapshot(s);
        if (after !== before) throw new Error(`'${l}' was refused (${out}) but changed the state`);
        return true;
      }),
      { numRuns: 2000 },
    );
    t.true(refused > 100, `most random lines are refused (${refused})`);
  });
}
