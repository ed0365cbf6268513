/**
 * A configuration that cannot hurt its own boot: lines that would recurse or hold the boot up
 * are refused inside it, generations are bounded whole numbers, files are never read or
 * written through a symbolic link, earlier configurations are kept (config rollback), and one
 * that does not apply is undone for the newest earlier one that does, leaving it on disk.
 */
import test from 'ava';
import { existsSync, lstatSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigFile, MAX_GENERATION, formatConfig, parseConfig } from '../firmware/config/store.ts';
import { bootTest } from './helpers/sim.ts';

/** The generation a file says it holds (undefined when it does not parse). */
const generationOf = (path: string): number | undefined => {
  const r = parseConfig(readFileSync(path, 'utf8'));
  return 'generation' in r ? r.generation : undefined;
};
import { runCli } from './helpers/cli.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'bondfw-cfg-'));

/** A file the firmware could have written (valid checksum) with these lines. */
function plant(path: string, lines: string[], generation = 1): void {
  const text = formatConfig(lines, generation);
  writeFileSync(path, text);
  writeFileSync(`${path}.bak`, text);
}

test.serial('config load inside a saved configuration is refused: the boot ends, the rest is undone, the log says why', async (t) => {
  const path = join(dir(), 'gw.cfg');
  plant(path, ['modprobe bonding max_bonds=0', 'echo +bond5 > /sys/class/net/bonding_masters', 'config load', 'config save']);
  const s = await bootTest();
  const t0 = s.clock.now();
  const out = await s.clock.drive(s.firmware.loadConfig(new ConfigFile(path)));
  t.true(s.clock.now() - t0 < 100, 'no time to speak of');
  t.true(out.includes("error: config line 3 'config load': config load: not inside a saved configuration"), out.join('\n'));
  t.true(out.includes("error: config line 4 'config save': config save: not inside a saved configuration"), out.join('\n'));
  t.true(out.some((l) => /generation 1 from .*gw\.cfg did not apply \(2 lines refused\): undone/.test(l)), out.join('\n'));
  t.true(out.includes('error: config: no saved configuration applies: running unconfigured (the boot state)'), out.join('\n'));
  t.is(await s.run('cat /sys/class/net/bonding_masters'), 'error: cat: /sys/class/net/bonding_masters: No such file or directory', 'the boot state');
  t.regex(await s.run('log 20'), /config line 3 'config load': config load: not inside a saved configuration/);
  t.deepEqual(parseConfig(readFileSync(path, 'utf8')), { lines: ['modprobe bonding max_bonds=0', 'echo +bond5 > /sys/class/net/bonding_masters', 'config load', 'config save'], generation: 1 }, 'left on disk as it was');
});

test('bondfw sim --config with config load in it: the scenario runs, nothing hangs', (t) => {
  const path = join(dir(), 'gw.cfg');
  plant(path, ['config load', 'sim wait 20s', 'ping -c 100 -i 10 192.168.1.100']);
  const r = runCli(['sim', '--bridge', 'none', '--config', path, '--script', '-'], 'cat /sys/class/net/eth0/carrier\n');
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /config line 1 'config load': config load: not inside a saved configuration/);
  t.regex(r.stdout, /config line 2 'sim wait 20s': permission denied: sim is not available from config/);
  t.regex(r.stdout, /config line 3 'ping -c 100 -i 10 192\.168\.1\.100': permission denied: ping is not available from config/);
  t.regex(r.stdout, /> cat \/sys\/class\/net\/eth0\/carrier\n1\n$/);
});

test.serial('generations are bounded whole numbers: 10^21 is a damaged copy, never written as 1e+21; the last one refuses to save', async (t) => {
  const path = join(dir(), 'gw.cfg');
  const store = new ConfigFile(path);
  writeFileSync(path, formatConfig(['modprobe bonding max_bonds=0'], 1));
  // What the old code wrote after a generation of 10^21: digits at the start, a valid CRC.
  const body = '# bondfw configuration, generation 1000000000000000000000\nmodprobe bonding max_bonds=0\n';
  const { crc32 } = await import('../firmware/config/store.ts');
  writeFileSync(`${path}.bak`, `${body}# end generation 1000000000000000000000 crc32 ${crc32(body).toString(16).padStart(8, '0')}\n`);
  const r = await store.load();
  t.is(r.generation, 1);
  t.true(r.warnings.some((w) => /gw\.cfg\.bak: generation 100000000000\.\.\. out of range \(0 to 2147483647\)/.test(w)), r.warnings.join('\n'));
  t.throws(() => formatConfig([], 1e21), { instanceOf: RangeError });
  t.throws(() => formatConfig([], 1.5), { instanceOf: RangeError });
  t.is(await store.save(['modprobe bonding max_bonds=0']), 2);
  t.false(readFileSync(path, 'utf8').includes('e+'));

  const top = join(dir(), 'top.cfg');
  writeFileSync(top, formatConfig(['modprobe bonding max_bonds=0'], MAX_GENERATION));
  await t.throwsAsync(new ConfigFile(top).save([]), { message: /generation 2147483647 is the last there is/ });
  t.is(generationOf(top), MAX_GENERATION);
});

test.serial('a symbolic link planted where a temporary file goes: config save refuses, the target is untouched', async (t) => {
  const d = dir();
  const path = join(d, 'gw.cfg');
  const victim = join(d, 'victim');
  writeFileSync(victim, 'precious\n');
  const s = await bootTest();
  s.firmware.configStorage = new ConfigFile(path);
  t.regex(await s.run('config save'), /generation 1/);
  const before = readFileSync(path, 'utf8');
  symlinkSync(victim, `${path}.bak.tmp`);
  await s.run('modprobe bonding');
  t.is(await s.run('config save'), `error: ${path}.bak.tmp is a symbolic link; refusing to write (remove it)`);
  t.is(readFileSync(victim, 'utf8'), 'precious\n');
  t.is(readFileSync(path, 'utf8'), before, 'no copy changed');
  t.true(lstatSync(`${path}.bak.tmp`).isSymbolicLink());
});

test.serial('a copy that is a symbolic link is never read through, nor written through', async (t) => {
  const d = dir();
  const path = join(d, 'gw.cfg');
  const elsewhere = join(d, 'elsewhere.cfg');
  writeFileSync(elsewhere, formatConfig(['modprobe bonding max_bonds=0', 'echo +evil > /sys/class/net/bonding_masters'], 9));
  symlinkSync(elsewhere, path);
  writeFileSync(`${path}.bak`, formatConfig(['modprobe bonding max_bonds=0', 'echo +good > /sys/class/net/bonding_masters'], 1));
  const s = await bootTest();
  const out = await s.clock.drive(s.firmware.loadConfig(new ConfigFile(path)));
  t.true(out.includes(`config: ${path}: is a symbolic link (never followed)`), out.join('\n'));
  t.is(await s.run('cat /sys/class/net/bonding_masters'), 'good');
  t.is(await s.run('config save'), `error: ${path} is a symbolic link; not written through (remove it)`);
  t.is(generationOf(elsewhere), 9);
  const r = runCli(['run', '--bridge', 'none', '--mqtt', 'none', '--http', 'none', '--config', path]);
  t.is(r.status, 1);
  t.is(r.stderr, `bondfw: --config ${path} is a symbolic link; the configuration is never read or written through one\n`);
});

test.serial('ten configurations kept; config rollback lists them and goes back to one, saved as the newest', async (t) => {
  const path = join(dir(), 'gw.cfg');
  const s = await bootTest();
  const store = new ConfigFile(path);
  s.firmware.configStorage = store;
  await s.run('modprobe bonding max_bonds=0');
  for (let i = 1; i <= 12; i++) {
    await s.run(`echo +b${i} > /sys/class/net/bonding_masters`);
    t.is(await s.run('config save'), `configuration saved (generation ${i}) to ${path} and ${path}.bak`);
  }
  for (let n = 1; n <= 10; n++) t.is(generationOf(`${path}.${n}`), 12 - n);
  t.false(existsSync(`${path}.11`));
  t.is(statSync(path).mode & 0o777, 0o600, 'the copies hold password hashes: owner only');
  t.is(statSync(`${path}.1`).mode & 0o777, 0o600);
  const list = (await s.run('config rollback')).split('\n');
  t.is(list.length, 11);
  t.regex(list[0], /^0 {2}generation 12 {2}13 commands {2}.*gw\.cfg \(current\)$/);
  t.regex(list[3], /^3 {2}generation 9 {2}10 commands {2}.*gw\.cfg\.3$/);
  t.is(await s.run('config rollback 3'), 'config: rolled back to generation 9 (rollback 3), saved as generation 13');
  t.is(await s.run('cat /sys/class/net/bonding_masters'), 'b1 b2 b3 b4 b5 b6 b7 b8 b9');
  t.is(generationOf(`${path}.1`), 12, 'what was current is rollback 1 now');
  t.regex(await s.run('config rollback 11'), /^error: config rollback: no configuration kept as '11' \(kept: 1 2 3 4 5 6 7 8 9 10/);
  t.regex(await s.run('config rollback x'), /^error: config rollback: no configuration kept as 'x'/);
  t.regex(await s.run('log 5'), /config: rolled back to generation 9 \(rollback 3\), saved as generation 13/);
});

test.serial('a configuration that does not apply: undone, the previous good one runs, the failing one stays on disk', async (t) => {
  const path = join(dir(), 'gw.cfg');
  const a = await bootTest();
  a.firmware.configStorage = new ConfigFile(path);
  for (const l of ['modprobe bonding mode=active-backup miimon=100', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1', 'config save']) await a.run(l);
  // Generation 2 as a newer firmware might write it: one line this one refuses.
  const bad = [...(await a.run('config show')).split('\n'), 'echo 1 > /sys/class/net/bond0/bonding/no_such_option'];
  const store = new ConfigFile(path);
  await store.save(bad);
  const badText = readFileSync(path, 'utf8');
  const b = await bootTest();
  const out = await b.clock.drive(b.firmware.loadConfig(new ConfigFile(path)));
  t.true(out.some((l) => /^error: config line \d+ 'echo 1 > \/sys\/class\/net\/bond0\/bonding\/no\.\.\.': .*No such file or directory$/.test(l)), out.join('\n'));
  t.true(out.some((l) => /generation 2 from .*gw\.cfg did not apply \(1 line refused\): undone; trying generation 1 from .*gw\.cfg\.1 \(rollback 1\)/.test(l)), out.join('\n'));
  t.true(out.includes(`config: running generation 1 from ${path}.1 (rollback 1) instead`), out.join('\n'));
  t.regex(out[out.length - 1], /^config: loaded generation 1 from .*gw\.cfg\.1 \(rollback 1\) \(\d+ commands\)$/);
  t.regex(await b.run('cat /proc/net/bonding/bond0'), /Slave Interface: eth0[^]*Slave Interface: eth1/);
  t.is(readFileSync(path, 'utf8'), badText, 'the failing configuration is kept for repair');
  t.regex(await b.run('log 50'), /did not apply/);
});
