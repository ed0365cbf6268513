/**
 * Users and the audit log kept with the configuration: scrypt hashes as records of the two
 * checksummed copies (never the password, never in `config show`), the audit ring bounded and
 * kept across a restart, files from before records still loading, and damaged copies never
 * overwritten by a record write.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigFile, formatConfig, parseConfig } from '../firmware/config/store.ts';
import { scryptHasher } from '../firmware/config/password.ts';
import { AUDIT_CAPACITY, formatAuditEntry, isoTime, parseAuditRecord, auditRecord } from '../firmware/console/audit.ts';
import { parseUserRecord } from '../firmware/console/users.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';

const PASSWORD = 'correct horse battery';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'bondfw-sec-'));
}

async function withSecrets(s: TestSystem, line: string, secrets: string[], source: 'serial' | 'console' = 'serial') {
  return (await s.clock.drive(s.firmware.dispatcher.execute(line, source, { secrets }))).output;
}

test.serial('users are scrypt hashes in both copies; config show shows no hash, the file no password', async (t) => {
  const path = join(dir(), 'gw.cfg');
  const s = await bootTest();
  s.firmware.configStorage = new ConfigFile(path);
  t.is(await withSecrets(s, 'user add alice admin', [PASSWORD, PASSWORD]), '');
  t.is(await withSecrets(s, 'user add bob read', ['bobs password', 'bobs password']), '');
  t.is(await s.run('user'), 'USER   ROLE\nalice  admin\nbob    read');
  const file = readFileSync(path, 'utf8');
  t.is(file, readFileSync(`${path}.bak`, 'utf8'), 'both copies');
  t.false(file.includes(PASSWORD) || file.includes('bobs password'), 'no password in the file');
  const users = file.split('\n').filter((l) => l.startsWith('#@ user ')).map((l) => parseUserRecord(l.slice(3)));
  t.deepEqual(users.map((u) => [u?.name, u?.role]), [['alice', 'admin'], ['bob', 'read']]);
  t.regex(users[0]!.hash, /^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  t.not(users[0]!.hash, users[1]!.hash);
  t.true(await scryptHasher({ sync: true }).verify(PASSWORD, users[0]!.hash));
  t.false(await scryptHasher({ sync: true }).verify('correct horse batterY', users[0]!.hash));
  // config show: the commands only; no user, no hash, no record.
  await s.run('config save');
  const shown = await s.run('config show');
  t.false(/scrypt|alice|#@/.test(shown), shown);
  t.false(/\$scrypt/.test(await s.run('user')));
  t.false(/\$scrypt/.test(await s.run('audit 100')));
  t.false(/\$scrypt/.test(await s.run('log 1000')));
});

test.serial('passwords are checked: twice the same, long enough, typed at a prompt, never on a line', async (t) => {
  const s = await bootTest();
  t.is(await withSecrets(s, 'user add alice read', [PASSWORD, PASSWORD]), 'error: user: the first user must be an admin (nobody could administer the gateway once consoles ask for a login)');
  t.is(await withSecrets(s, 'user add alice admin', [PASSWORD, 'something else']), 'error: user: the passwords do not match; nothing changed');
  t.is(await withSecrets(s, 'user add alice admin', ['short', 'short']), 'error: user: password too short (at least 8 characters); nothing changed');
  t.is(await s.run('user add alice admin'), 'error: user: the password is typed at a prompt on a console (serial or stdin), never on a command line');
  t.is(await withSecrets(s, 'user add Alice admin', [PASSWORD, PASSWORD]), "error: user: invalid name 'Alice' (lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 32)");
  t.is(await s.run('user'), 'no users (consoles need no login)');
  t.is(await withSecrets(s, 'user add alice admin', [PASSWORD, PASSWORD]), 'note: no configuration file (--config): kept until restart only');
  t.is(await withSecrets(s, 'user add alice read', [PASSWORD, PASSWORD]), "error: user: 'alice' exists (change the password with passwd alice)");
  const NOTE = 'note: no configuration file (--config): kept until restart only';
  t.is(await s.run('user del alice'), NOTE, 'the only user may go (consoles then need no login)');
  await withSecrets(s, 'user add alice admin', [PASSWORD, PASSWORD]);
  await withSecrets(s, 'user add bob read', [PASSWORD, PASSWORD]);
  t.is(await s.run('user del alice'), 'error: user: alice is the last admin; add another admin first');
  t.is(await s.run('user role alice operate'), 'error: user: alice is the last admin; add another admin first');
  t.is(await s.run('user role bob admin'), NOTE);
  t.is(await s.run('user del alice'), NOTE);
  // passwd: one's own needs the current password; an admin sets another's.
  const bob = { role: 'admin' as const, who: 'bob', user: 'bob' };
  const d = s.firmware.dispatcher;
  t.is((await s.clock.drive(d.execute('passwd', 'serial', { principal: bob, secrets: ['wrong one', 'new password 1', 'new password 1'] }))).output, 'error: passwd: Authentication token manipulation error (the current password is wrong); nothing changed');
  t.is((await s.clock.drive(d.execute('passwd', 'serial', { principal: bob, secrets: [PASSWORD, 'new password 1', 'new password 1'] }))).output, 'note: no configuration file (--config): kept until restart only');
  t.true(await s.firmware.security.verify('bob', 'new password 1'));
  t.false(await s.firmware.security.verify('bob', PASSWORD));
  t.is(await s.run('passwd'), 'error: passwd: not logged in as a user here; name the user (passwd <user>)');
  const audited = s.firmware.security.audit.entries().map((e) => `${e.outcome} ${e.line}`);
  t.true(audited.includes('failed passwd') && audited.includes('ok passwd'), audited.join('\n'));
  t.false(audited.some((l) => l.includes(PASSWORD) || l.includes('new password 1')));
});

test.serial('the audit ring and the users survive a restart; audit writes keep the saved commands and their generation', async (t) => {
  const path = join(dir(), 'gw.cfg');
  const a = await bootTest();
  a.firmware.configStorage = new ConfigFile(path);
  for (const l of ['modprobe bonding mode=active-backup', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1']) await a.run(l);
  t.regex(await a.run('config save'), /generation 1/);
  await withSecrets(a, 'user add alice admin', [PASSWORD, PASSWORD]);
  await a.run('ip link set eth3 mtu 1400'); // audited, not saved as configuration
  t.is((await a.clock.drive(a.firmware.dispatcher.execute('rmmod bonding', 'mqtt'))).output, 'error: permission denied: rmmod changes state (needs operate; mqtt has read)');
  const before = (await a.run('audit 100')).split('\n');
  t.deepEqual(before.map((l) => l.replace(/^\S+ /, '')), [
    'script script ok: modprobe bonding mode=active-backup',
    'script script ok: ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
    'script script ok: ifenslave bond0 eth0 eth1',
    'script script ok: config save',
    'serial serial ok: user add alice admin',
    'script script ok: ip link set eth3 mtu 1400',
    'mqtt mqtt denied: rmmod bonding',
  ]);
  const parsed = parseConfig(readFileSync(path, 'utf8'));
  t.true('lines' in parsed);
  if (!('lines' in parsed)) return;
  t.is(parsed.generation, 1, 'records written on their own keep the generation');
  t.true(parsed.revision! >= 4);
  t.false(parsed.lines.some((l) => l.includes('mtu 1400')), 'audited but not saved: the commands are the saved ones');

  // A restart: the same file.
  const b = await bootTest();
  const out = await b.clock.drive(b.firmware.loadConfig(new ConfigFile(path)));
  t.true(out.some((l) => /config: loaded generation 1 from .*gw\.cfg \(\d+ commands\)/.test(l)), out.join('\n'));
  t.is(await b.run('user'), 'USER   ROLE\nalice  admin');
  t.true(await b.firmware.security.verify('alice', PASSWORD));
  t.deepEqual((await b.run(`audit 100`)).split('\n'), before, 'the ring as it was');
  await b.run('ip link set eth2 down');
  t.regex((await b.run('audit 1')), /script script ok: ip link set eth2 down$/);
  t.is(b.firmware.security.audit.entries().length, before.length + 1);
});

test.serial('the remote-command role is a saved setting: config save, restart, the same role', async (t) => {
  const path = join(dir(), 'gw.cfg');
  const a = await bootTest();
  a.firmware.configStorage = new ConfigFile(path);
  t.is(await a.run('mqtt-commands'), 'read');
  t.is(await a.run('config show'), '', 'the default is not written');
  await a.run('mqtt-commands operate');
  t.is(await a.run('config show'), 'mqtt-commands operate');
  await a.run('config save');
  const b = await bootTest();
  await b.clock.drive(b.firmware.loadConfig(new ConfigFile(path)));
  t.is(b.firmware.dispatcher.roleOf('mqtt'), 'operate');
  t.is(await b.run('mqtt-commands bogus'), "error: mqtt-commands: expected none|read|operate|admin, got 'bogus'");
});

test.serial('the audit ring is bounded, in memory and in the file', async (t) => {
  const path = join(dir(), 'gw.cfg');
  const s = await bootTest();
  s.firmware.configStorage = new ConfigFile(path);
  for (let i = 0; i < AUDIT_CAPACITY + 40; i++) await s.run(`ip link set eth3 mtu ${1000 + i}`);
  const entries = s.firmware.security.audit.entries();
  t.is(entries.length, AUDIT_CAPACITY);
  t.is(entries[0].line, 'ip link set eth3 mtu 1040');
  const records = readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('#@ audit '));
  t.is(records.length, AUDIT_CAPACITY);
  t.true(readFileSync(path).length < 64 * 1024);
});

test.serial('a file from before records loads as before; the first record write keeps its commands and generation', async (t) => {
  const path = join(dir(), 'gw.cfg');
  // Exactly what the firmware wrote before users and audit existed.
  const old = formatConfig(['modprobe bonding max_bonds=0', 'echo +bond5 > /sys/class/net/bonding_masters'], 3);
  t.false(old.includes('#@'));
  writeFileSync(path, old);
  writeFileSync(`${path}.bak`, old);
  const s = await bootTest();
  const out = await s.clock.drive(s.firmware.loadConfig(new ConfigFile(path)));
  t.deepEqual(out, [`config: loaded generation 3 from ${path} (2 commands)`]);
  t.is(await s.run('cat /sys/class/net/bonding_masters'), 'bond5');
  await s.run('ip link set eth3 down');
  const now = parseConfig(readFileSync(path, 'utf8'));
  t.like(now, { lines: ['modprobe bonding max_bonds=0', 'echo +bond5 > /sys/class/net/bonding_masters'], generation: 3, revision: 1 });
  t.is((now as { records: string[] }).records.length, 1);
  t.regex(await s.run('config save'), /generation 4/);
});

test.serial('with no file yet, records make a file with no configuration; a boot from it says so and applies nothing', async (t) => {
  const path = join(dir(), 'gw.cfg');
  const s = await bootTest();
  s.firmware.configStorage = new ConfigFile(path);
  await withSecrets(s, 'user add alice admin', [PASSWORD, PASSWORD]);
  const b = await bootTest();
  const out = await b.clock.drive(b.firmware.loadConfig(new ConfigFile(path)));
  t.deepEqual(out, [`config: no configuration saved yet in ${path} (users and the audit log are kept there)`]);
  t.is(await b.run('user'), 'USER   ROLE\nalice  admin');
  t.is(await b.run('config load'), `error: config: nothing saved in ${path}`);
});

test.serial('damaged copies are never overwritten by a record write; it is logged, and the command still runs', async (t) => {
  const path = join(dir(), 'gw.cfg');
  writeFileSync(path, 'garbage\n');
  writeFileSync(`${path}.bak`, 'more garbage\n');
  const s = await bootTest();
  await s.clock.drive(s.firmware.loadConfig(new ConfigFile(path)));
  t.is(await s.run('ip link set eth3 mtu 1400'), '');
  t.is(await s.run('cat /sys/class/net/eth3/mtu'), '1400');
  t.is(readFileSync(path, 'utf8'), 'garbage\n');
  t.is(readFileSync(`${path}.bak`, 'utf8'), 'more garbage\n');
  t.regex(await s.run('log 5'), /error: config: cannot keep users and audit: .*no usable copy to keep records in; not overwriting the damaged copies/);
});

test('audit records and times: JSON records round-trip, hand-edited ones are bounded, ISO times computed without Date', (t) => {
  const e = { time: 1714564800123, source: 'mqtt' as const, who: 'dash\\board', outcome: 'denied' as const, line: "echo '50' > /sys/class/net/bond0/bonding/miimon" };
  t.deepEqual(parseAuditRecord(auditRecord(e)), e, 'a backslash is not doubled on every restart');
  t.is(formatAuditEntry(e), "2024-05-01T12:00:00.123Z mqtt dash\\board denied: echo '50' > /sys/class/net/bond0/bonding/miimon");
  for (const ms of [0, 951782400000, 4102444799999, 1709164800000]) t.is(isoTime(ms), new Date(ms).toISOString());
  t.is(parseAuditRecord('audit {"t":1,"s":"nowhere","w":"x","o":"ok","l":"x"}'), undefined);
  t.is(parseAuditRecord('audit not json'), undefined);
  const forged = parseAuditRecord(`audit ${JSON.stringify({ t: 1, s: 'serial', w: 'x\n[ 0.0] kernel: forged', o: 'ok', l: 'a\u001b[2Jb'.repeat(500) })}`)!;
  t.false(/[\n\u001b]/.test(forged.who + forged.line));
  t.true(forged.line.length < 400);
});
