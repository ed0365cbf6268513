/**
 * The one authorisation point: every command of `help` declares what its lines do; each role
 * and each source may do what its role allows and nothing more; a refused line prints one
 * `error: permission denied: ...` line, changes nothing (config show, ip link and the bond's
 * status are the same before and after) and, when it would have changed state, is audited.
 */
import test from 'ava';
import { ACCESS, type Access, type Principal } from '../firmware/console/access.ts';
import type { Source } from '../firmware/console/dispatcher.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';

/** Example lines of every command, with what each does. Adding a command means adding it here. */
const EXAMPLES: Record<string, [string, Access][]> = {
  help: [['help', 'read'], ['help ip', 'read']],
  cat: [['cat /sys/class/net/eth0/speed', 'read'], ['cat /proc/net/bonding/bond0', 'read']],
  echo: [['echo hello', 'read'], ['echo 200 > /sys/class/net/bond0/bonding/miimon', 'change'], ['echo -eth1 > /sys/class/net/bond0/bonding/slaves', 'change']],
  ifconfig: [['ifconfig', 'read'], ['ifconfig -a', 'read'], ['ifconfig eth0', 'read'], ['ifconfig eth3 down', 'change'], ['ifconfig eth3 10.9.9.9 netmask 255.0.0.0', 'change']],
  ip: [
    ['ip link', 'read'], ['ip link show eth0', 'read'], ['ip -d link show eth0', 'read'], ['ip link set eth0 type bond_slave prio 1', 'change'], ['ip addr show dev eth0', 'read'], ['ip a', 'read'], ['ip neigh', 'read'],
    ['ip link set eth3 down', 'change'], ['ip addr add 10.1.1.1/24 dev eth3', 'change'], ['ip link del bond0', 'change'], ['ip frob', 'change'],
  ],
  modprobe: [['modprobe bonding', 'change'], ['modprobe -r bonding', 'change']],
  rmmod: [['rmmod bonding', 'change']],
  ifenslave: [['ifenslave bond0 eth2', 'change'], ['ifenslave -d bond0 eth1', 'change']],
  show: [['show bonds', 'read'], ['show ports json', 'read']],
  mdio: [['mdio read 0 1', 'registers'], ['mdio write 0 0 0x1940', 'registers']],
  switch: [['switch read 0x10 0', 'registers'], ['switch write 0x11 4 0', 'registers']],
  ethtool: [['ethtool eth0', 'read'], ['ethtool -S eth0', 'read']],
  version: [['version', 'read']],
  log: [['log 5', 'read']],
  config: [['config show', 'read'], ['config save', 'admin'], ['config load', 'admin'], ['config', 'admin']],
  ping: [['ping -c 1 192.168.1.100', 'probe']],
  arping: [['arping -c 1 192.168.1.100', 'probe']],
  user: [['user', 'accounts'], ['user list', 'accounts'], ['user add bob read', 'admin'], ['user del bob', 'admin']],
  passwd: [['passwd', 'self'], ['passwd bob', 'admin']],
  logout: [['logout', 'self']],
  whoami: [['whoami', 'read']],
  audit: [['audit', 'read'], ['audit 3 json', 'read']],
  'mqtt-commands': [['mqtt-commands', 'read'], ['mqtt-commands admin', 'admin']],
  sim: [['sim stats', 'read'], ['sim fdb', 'read'], ['sim link eth3 down', 'world'], ['sim wait 20s', 'world'], ['sim pcap /tmp/bondfw-access.pcapng', 'admin'], ['sim pcap off', 'world']],
  bridge: [['bridge', 'read']],
};

const ALL = Object.values(EXAMPLES).flat();

async function gateway(): Promise<TestSystem> {
  // Through the serial bridge, so that `bridge` is a command too.
  const s = await bootTest(undefined, { bridge: 'inproc' });
  for (const l of ['modprobe bonding mode=active-backup miimon=100', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1', 'sim wait 1s']) {
    const out = await s.run(l);
    if (out.startsWith('error')) throw new Error(`${l}: ${out}`);
  }
  return s;
}

/** What a refused line must leave as it was. */
async function state(s: TestSystem): Promise<string> {
  const lines = ['config show', 'ip link', 'cat /proc/net/bonding/bond0', 'ip addr', 'mqtt-commands', 'user'];
  const out: string[] = [];
  for (const l of lines) out.push(await s.run(l));
  return out.join('\n---\n');
}

async function as(s: TestSystem, line: string, source: Source, principal?: Principal): Promise<string> {
  return (await s.clock.drive(s.firmware.dispatcher.execute(line, source, { principal }), 7 * 24 * 3600 * 1000)).output;
}

test.serial('every command in help declares what its lines do', async (t) => {
  const s = await gateway();
  const help = await s.run('help');
  const names = [...help.matchAll(/^ {2}(\S+) {2}/gm)].map((m) => m[1]).sort();
  t.deepEqual(names, Object.keys(EXAMPLES).sort(), 'every command of help has examples here, and only those');
  for (const [line, want] of ALL) {
    const a = s.firmware.dispatcher.accessOf(line);
    t.truthy(a, line);
    t.is(a!.access, want, line);
    t.true(want in ACCESS, line);
  }
  // Lines that are no command at all are nobody's business: unknown, malformed, empty.
  t.is(s.firmware.dispatcher.accessOf('frobnicate'), undefined);
  t.is(s.firmware.dispatcher.accessOf('echo "open'), undefined);
  t.is(s.firmware.dispatcher.accessOf(''), undefined);
});

for (const [source, principal, label] of [
  ['mqtt', undefined, 'NCMD (mqtt runs as read by default)'],
  ['serial', { role: 'read', who: 'dash', user: 'dash' }, 'a read user on the serial console'],
  ['console', { role: 'read', who: 'dash', user: 'dash' }, 'a read user on stdin'],
] as [Source, Principal | undefined, string][]) {
  test.serial(`read: ${label} may read and nothing more; refusals change nothing and are audited`, async (t) => {
    const s = await gateway();
    const before = await state(s);
    const audited0 = s.firmware.security.audit.entries().length;
    let refusedAudited = 0;
    for (const [line, access] of ALL) {
      if (source === 'mqtt' && line.startsWith('sim ')) continue; // never reachable from MQTT: below
      if (line === 'logout') continue; // needs a console session: see the login tests
      const out = await as(s, line, source, principal);
      const kind = ACCESS[access];
      if (kind.role === 'read') {
        t.false(out.startsWith('error: permission denied'), `${line}: ${out}`);
      } else {
        t.regex(out, /^error: permission denied: \S+ .* \(needs (operate|admin); (mqtt|user dash) has read\)$/, line);
        t.false(out.includes('\n'), `one line: ${line}`);
        if (kind.audited) refusedAudited++;
      }
    }
    // `passwd` without a name is the user's own (read may); it needs a console's prompts.
    t.is(await state(s), before, 'nothing changed');
    const entries = s.firmware.security.audit.entries().slice(audited0);
    t.true(refusedAudited > 10);
    t.is(entries.filter((e) => e.outcome === 'denied').length, refusedAudited, 'every refused state-changing line is in the audit log');
    t.true(entries.every((e) => e.source === source && e.who === (principal?.who ?? 'mqtt')));
    t.truthy(entries.find((e) => e.line === 'rmmod bonding' && e.outcome === 'denied'));
    t.regex((await s.run('log 200')), new RegExp(`warn: audit: ${source} ${principal?.who ?? 'mqtt'} denied: rmmod bonding`));
  });
}

test.serial('operate: bonds and ports change; registers, the saved configuration, users and the policy do not', async (t) => {
  const s = await gateway();
  const op: Principal = { role: 'operate', who: 'ops', user: 'ops' };
  t.is(await as(s, 'echo 200 > /sys/class/net/bond0/bonding/miimon', 'serial', op), '');
  t.is(await s.run('cat /sys/class/net/bond0/bonding/miimon'), '200');
  t.is(await as(s, 'ip link set eth3 down', 'serial', op), '');
  t.regex(await as(s, 'ping -c 1 192.168.1.100', 'serial', op), /1 received/);
  const before = await state(s);
  for (const line of ['mdio write 0 0 0x1940', 'mdio read 0 1', 'switch read 0x10 0', 'config save', 'config load', 'user add x admin', 'mqtt-commands admin', 'passwd bob', 'sim pcap /tmp/x']) {
    t.regex(await as(s, line, 'serial', op), /^error: permission denied: .*\(needs admin; user ops has operate\)$/, line);
  }
  t.is(await state(s), before);
  const denied = s.firmware.security.audit.entries().filter((e) => e.outcome === 'denied');
  t.deepEqual(denied.map((e) => e.line), ['mdio write 0 0 0x1940', 'mdio read 0 1', 'switch read 0x10 0', 'config save', 'config load', 'user add x admin', 'mqtt-commands admin', 'passwd bob', 'sim pcap /tmp/x']);
  t.deepEqual(s.firmware.security.audit.entries().filter((e) => e.outcome === 'ok').map((e) => e.line).slice(-2), ['echo 200 > /sys/class/net/bond0/bonding/miimon', 'ip link set eth3 down']);
});

test.serial('admin, scripts and the saved configuration run everything; an admin\'s register write is audited', async (t) => {
  const s = await gateway();
  const admin: Principal = { role: 'admin', who: 'root', user: 'root' };
  t.regex(await as(s, 'mdio read 0 1', 'serial', admin), /^0x[0-9a-f]{4}$/);
  t.is(await as(s, 'mqtt-commands operate', 'serial', admin), '');
  t.is(await s.run('mqtt-commands'), 'operate');
  t.regex(await s.run('config show'), /\nmqtt-commands operate$/, 'the policy is part of the configuration');
  t.is(await as(s, 'ip link set eth3 mtu 1400', 'config'), '');
  t.is(await as(s, 'switch read 0x10 0', 'script'), await as(s, 'switch read 0x10 0', 'serial', admin));
  const lines = s.firmware.security.audit.entries().map((e) => `${e.source} ${e.who} ${e.outcome} ${e.line}`);
  t.true(lines.includes('serial root ok mdio read 0 1'));
  t.true(lines.includes('serial root ok mqtt-commands operate'));
  t.true(lines.includes('script script ok switch read 0x10 0'));
  t.false(lines.some((l) => l.startsWith('config ')), 'replaying the saved configuration is not audited line by line');
});

test.serial('sim is never reachable from MQTT or the saved configuration, whatever the role; mqtt-commands none refuses everything', async (t) => {
  const s = await gateway();
  const d = s.firmware.dispatcher;
  d.setRole('mqtt', 'admin');
  const before = await s.run('sim stats');
  for (const line of ['sim wait 20s', 'sim link eth0 down', 'sim pcap /tmp/bondfw-not-written.pcapng', 'sim stats']) {
    t.is(await as(s, line, 'mqtt'), 'error: permission denied: sim is not available from mqtt', line);
    t.is(await as(s, line, 'config'), 'error: permission denied: sim is not available from config', line);
  }
  t.is(s.clock.now() < 20_000, true, 'no time passed for a refused sim wait');
  t.is(await s.run('cat /sys/class/net/eth0/carrier'), '1');
  t.is(await s.run('sim stats'), before);
  t.is(s.captures.size, 0, 'no capture file opened');
  t.truthy(s.firmware.security.audit.entries().find((e) => e.line === 'sim pcap /tmp/bondfw-not-written.pcapng' && e.source === 'mqtt' && e.outcome === 'denied'));
  d.setRole('mqtt', 'none');
  t.is(await as(s, 'help', 'mqtt'), 'error: permission denied: mqtt commands are off');
  t.is(await as(s, 'cat /sys/class/net/eth0/speed', 'mqtt'), 'error: permission denied: mqtt commands are off');
  t.is(await as(s, 'cat /sys/class/net/eth0/speed', 'serial'), '1000', 'other sources keep their role');
});

test.serial('a declaration that throws counts as admin', async (t) => {
  const s = await gateway();
  const d = s.firmware.dispatcher;
  let ran = 0;
  d.register({ name: 'odd', summary: '', usage: '', access: () => { throw new Error('bad'); }, run: () => { ran++; return 'ran'; } });
  t.is(d.accessOf('odd x')!.access, 'admin');
  t.regex(await as(s, 'odd x', 'serial', { role: 'operate', who: 'o' }), /^error: permission denied: odd administers the gateway/);
  t.is(ran, 0);
  t.is(await as(s, 'odd x', 'serial'), 'ran');
});
