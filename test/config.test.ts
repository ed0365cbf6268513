/**
 * The saved configuration: the running state as console commands that recreate it, two
 * checksummed copies written atomically, the newest good copy loaded at boot, damage
 * reported, and a firmware that boots unconfigured (and says so) when no copy is usable.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigFile, formatConfig, parseConfig } from '../firmware/config/store.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import { runCli, startCli, stopCli, waitFor } from './helpers/cli.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import type { BoardDefinition } from '../boards/types.ts';

const SETUP = [
  'modprobe bonding mode=active-backup miimon=50 updelay=100 max_bonds=2',
  'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
  'ifenslave bond0 eth0 eth1',
  'echo eth1 > /sys/class/net/bond0/bonding/primary',
  'echo 3 > /sys/class/net/bond0/bonding/num_grat_arp',
  'ip link add link bond0 name bond0.7 type vlan id 7',
  'ip addr add 10.7.0.1/24 dev bond0.7',
  'ip link set bond0.7 up',
  'echo 802.3ad > /sys/class/net/bond1/bonding/mode',
  'echo fast > /sys/class/net/bond1/bonding/lacp_rate',
  'echo layer3+4 > /sys/class/net/bond1/bonding/xmit_hash_policy',
  'ip link set bond1 type bond coupled_control off',
  'ip link set eth2 down',
  'ip link set eth2 master bond1',
  'ip link set bond1 up',
  'echo +foo > /sys/class/net/bonding_masters',
  'echo balance-rr > /sys/class/net/foo/bonding/mode',
  'echo 0 > /sys/class/net/foo/bonding/miimon',
  'echo 500 > /sys/class/net/foo/bonding/arp_interval',
  'echo +192.168.1.100 > /sys/class/net/foo/bonding/arp_ip_target',
  'ip addr add 10.9.9.9/16 dev eth3',
  'ip link set eth3 mtu 1400',
];

async function configured(board?: BoardDefinition): Promise<TestSystem> {
  const s = await bootTest(board);
  for (const l of SETUP) {
    const out = await s.run(l);
    if (out.startsWith('error')) throw new Error(`${l}: ${out}`);
  }
  return s;
}

/** What a user sees of the configuration. */
async function view(s: TestSystem): Promise<string> {
  // A bond without slaves has a random address (as in Linux): mask those. Device order
  // (ifindex) follows creation order, which a saved configuration need not repeat.
  const ipAddr = (await s.run('ip addr')).replace(/link\/ether (?!02:50:43)[0-9a-f:]{17}/g, 'link/ether <random>');
  const blocks = ipAddr.split(/\n(?=\d+: )/).map((b) => b.replace(/^\d+: /, '')).sort();
  const parts = [...blocks, await s.run('cat /sys/class/net/bonding_masters')];
  for (const b of ['bond0', 'bond1', 'foo']) parts.push(await s.run(`cat /proc/net/bonding/${b}`).then((x) => x.replace(/Link Failure Count: \d+/g, '')));
  for (const o of ['mode', 'miimon', 'updelay', 'primary', 'num_grat_arp', 'arp_interval', 'arp_ip_target', 'xmit_hash_policy', 'lacp_rate']) {
    for (const b of ['bond0', 'bond1', 'foo']) parts.push(`${b} ${o}=${await s.run(`cat /sys/class/net/${b}/bonding/${o}`)}`);
  }
  return parts.join('\n');
}

// The running state on each switch-chip family's board; the store and its files below are
// the same whatever the board, so they run on the default one.
for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'config show is the list of commands that recreates the running state on a fresh boot'), async (t) => {
    const a = await configured(board);
    await a.run('sim wait 5s');
    const lines = (await a.run('config show')).split('\n');
    t.true(lines.length > 20);
    const b = await bootTest(board);
    for (const l of lines) t.is(await b.run(l), '', l);
    await b.run('sim wait 5s');
    t.is(await b.run('config show'), lines.join('\n'));
    t.is(await view(b), await view(a));
  });
}

test('config save needs a file; config save/load through Firmware with two copies', async (t) => {
  const s = await configured();
  t.is(await s.run('config save'), 'error: config: no configuration file (start the firmware with --config <path>)');
  const dir = mkdtempSync(join(tmpdir(), 'bondfw-cfg-'));
  const store = new ConfigFile(join(dir, 'gw.cfg'));
  s.firmware.configStorage = store;
  t.regex(await s.run('config save'), /^configuration saved \(generation 1\) to .*gw\.cfg and .*gw\.cfg\.bak$/);
  t.regex(await s.run('config save'), /generation 2/);
  t.is(readFileSync(store.path, 'utf8'), readFileSync(store.backupPath, 'utf8'));
  // config load starts from the boot state and applies the saved lines.
  await s.run('rmmod bonding');
  await s.run('ip addr flush dev eth3');
  const fresh = await configured();
  await fresh.run('sim wait 1s');
  const before = await view(fresh);
  t.regex(await s.run('config load'), /configuration loaded \(generation 2\)/);
  await s.run('sim wait 1s');
  t.is(await view(s), before);
});

test('at boot: the newest good copy is used; a damaged copy is reported; both damaged boots unconfigured', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bondfw-cfg-'));
  const path = join(dir, 'gw.cfg');
  const src = await configured();
  src.firmware.configStorage = new ConfigFile(path);
  await src.run('config save');
  const good = readFileSync(path, 'utf8');
  await src.run('sim wait 1s');
  const expected = await view(src);

  // 1. The main copy torn in the middle of a write: the backup is used, with a warning.
  writeFileSync(path, good.slice(0, good.length / 2));
  let s = await bootTest();
  let out = await s.clock.drive(s.firmware.loadConfig(new ConfigFile(path)));
  t.true(out.some((l) => /gw\.cfg: truncated/.test(l)), out.join('\n'));
  t.true(out.some((l) => /using .*gw\.cfg\.bak \(generation 1\)/.test(l)), out.join('\n'));
  await s.run('sim wait 1s');
  t.is(await view(s), expected);

  // 2. The backup corrupted (one byte flipped), the main copy good.
  writeFileSync(path, good);
  writeFileSync(`${path}.bak`, good.replace('bond0', 'bomd0'));
  s = await bootTest();
  out = await s.clock.drive(s.firmware.loadConfig(new ConfigFile(path)));
  t.true(out.some((l) => /gw\.cfg\.bak: checksum mismatch/.test(l)), out.join('\n'));
  await s.run('sim wait 1s');
  t.is(await view(s), expected);

  // 3. Both damaged: no bonds, a clear error.
  writeFileSync(path, 'garbage\n');
  s = await bootTest();
  out = await s.clock.drive(s.firmware.loadConfig(new ConfigFile(path)));
  t.true(out.some((l) => /^error: config: no usable copy of .*gw\.cfg \(both copies damaged\): starting with no configuration$/.test(l)), out.join('\n'));
  t.is(await s.run('cat /sys/class/net/bonding_masters'), 'error: cat: /sys/class/net/bonding_masters: No such file or directory');
});

test('a save interrupted between its two writes leaves the newer generation in the backup', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bondfw-cfg-'));
  const f = new ConfigFile(join(dir, 'gw.cfg'));
  await f.save(['modprobe bonding max_bonds=0']);
  // The backup is written first: simulate the crash right after it.
  writeFileSync(f.backupPath, formatConfig(['modprobe bonding max_bonds=0', 'echo +b > /sys/class/net/bonding_masters'], 2));
  const r = await f.load();
  t.is(r.generation, 2);
  t.is(r.source, f.backupPath);
  t.deepEqual(r.warnings, []);
  t.false(existsSync(`${f.path}.tmp`));
});

test('the file format rejects what it did not write', (t) => {
  const text = formatConfig(['a', 'b'], 7);
  t.deepEqual(parseConfig(text), { lines: ['a', 'b'], generation: 7 });
  t.like(parseConfig(text.replace('generation 7\n', 'generation 8\n')), { error: 'generation 8 at the start, 7 at the end' });
  t.like(parseConfig(text.replace('\na\n', '\nA\n')), { error: 'checksum mismatch (the file was changed or damaged)' });
  t.like(parseConfig(text.replace('# end generation 7', '# end generation 6')), { error: 'generation 7 at the start, 6 at the end' });
  t.like(parseConfig(''), { error: 'not a bondfw configuration (bad first line)' });
  t.like(parseConfig(text.slice(0, -3)), { error: 'truncated or damaged end line' });
});

test('bondfw sim --config: the saved configuration is loaded before the script runs', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bondfw-cfg-'));
  const path = join(dir, 'gw.cfg');
  writeFileSync(path, formatConfig(['modprobe bonding max_bonds=0', 'echo +bond5 > /sys/class/net/bonding_masters'], 1));
  const r = runCli(['sim', '--bridge', 'none', '--config', path, '--script', '-'], 'cat /sys/class/net/bonding_masters\n');
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /config: loaded generation 1 from .*gw\.cfg \(2 commands\)\n> cat \/sys\/class\/net\/bonding_masters\nbond5\n/);
});

test('bondfw run --config: config save in the main job, restart, same bonds', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bondfw-cfg-'));
  const path = join(dir, 'gw.cfg');
  let p = startCli(['run', '--bridge', 'none', '--config', path]);
  try {
    await waitFor(p.stdout, /console on stdin/);
    const saved = waitFor(p.stdout, /configuration saved \(generation 1\)/);
    p.stdin.write('modprobe bonding mode=active-backup\nifconfig bond0 192.168.1.1 netmask 255.255.255.0 up\nifenslave bond0 eth0 eth1\nconfig save\n');
    await saved;
    t.is(await stopCli(p), 0);
    p = startCli(['run', '--bridge', 'none', '--config', path]);
    const banner = await waitFor(p.stdout, /console on stdin/);
    t.regex(banner, /config: loaded generation 1 from .*gw\.cfg \(\d+ commands\)/);
    const shown = waitFor(p.stdout, /bond0 {2}active-backup/);
    p.stdin.write('show bonds\n');
    t.regex(await shown, /bond0 {2}active-backup {2}\S+ +\S+ +eth0,eth1/);
    t.is(await stopCli(p), 0);
  } finally {
    p.kill('SIGKILL');
  }
});
