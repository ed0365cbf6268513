/**
 * Fail fast at start-up: every option of `bondfw run` is checked before anything starts, and
 * a bad one exits non-zero with one line that says why, leaving nothing running (runCli
 * waits for the process to end: a job that kept running would time out here).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, checkRunOptions } from '../cli/run-options.ts';
import { runCli } from './helpers/cli.ts';

const RUN = ['run', '--bridge', 'none', '--http', 'none'];

/** The whole job: exit 1, one line on stderr, no console ever started. */
function refused(t: import('ava').ExecutionContext, args: string[], message: RegExp): void {
  const r = runCli(args[0] === 'run' ? args : [...RUN, ...args]);
  t.is(r.status, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  t.is(r.stderr.split('\n').filter(Boolean).length, 1, `one line: ${r.stderr}`);
  t.regex(r.stderr, message);
  t.false(/console on stdin/.test(r.stdout), 'no console was started');
}

/** The same check in this process (the CLI prints the message after 'bondfw: '). */
function checked(t: import('ava').ExecutionContext, args: string[], message: RegExp): void {
  const opts = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) opts.set(args[i].slice(2), args[i + 1]);
  const e = t.throws(() => checkRunOptions(opts, {}), { instanceOf: CliError }, args.join(' '));
  t.regex(`bondfw: ${e?.message}`, message);
}

test('bondfw run --help prints the usage and exits 0', (t) => {
  for (const args of [['run', '--help'], ['run', '--board', 'gw8-6390', '-h']]) {
    const r = runCli(args);
    t.is(r.status, 0, args.join(' '));
    t.regex(r.stdout, /^bondfw 0\.1\.0: Linux-compatible bonding firmware/);
    t.regex(r.stdout, /bondfw run \[--board <name>\]/);
  }
});

test('broker URL, password file and numbers: refused before boot', (t) => {
  refused(t, ['--mqtt', 'http://broker:1883'], /^bondfw: --mqtt: http:\/\/ is not MQTT \(use mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\/; got 'http:\/\/broker:1883'\)$/m);
  checked(t, ['--mqtt', 'not a url'], /^bondfw: --mqtt takes a URL/m);
  checked(t, ['--mqtt', 'mqtt://gw:s3cret@'], /^bondfw: (--mqtt: no broker host in 'mqtt:\/\/gw:\*\*\*@'|--mqtt takes a URL)/m);
  checked(t, ['--mqtt', 'mqtt://127.0.0.1:1', '--mqtt-password-file', '/nonexistent/pw'], /^bondfw: cannot read --mqtt-password-file \/nonexistent\/pw: ENOENT$/m);
  checked(t, ['--telemetry-period', '5'], /--telemetry-period takes milliseconds \(100 or more\)/);
  checked(t, ['--idle-timeout', 'soon'], /--idle-timeout takes seconds/);
  checked(t, ['--login', 'maybe'], /--login takes on or off/);
  checked(t, ['--console', '/nonexistent/ttyUSB9'], /cannot open serial console \/nonexistent\/ttyUSB9: no such device/);
  checked(t, ['--http', 'everywhere'], /--http takes <addr>:<port>/);
});

test('TLS material: a missing key, a key for a plain broker, a key that is not the certificate\'s, an expired certificate', (t) => {
  const haveOpenssl = spawnSync('sh', ['-c', 'command -v openssl'], { stdio: 'ignore' }).status === 0;
  checked(t, ['--mqtt', 'mqtts://broker:8883', '--mqtt-cert', '/nonexistent.pem', '--mqtt-key', '/nonexistent.key'], /^bondfw: cannot read --mqtt-cert \/nonexistent\.pem: ENOENT$/m);
  refused(t, ['--mqtt', 'mqtt://broker:1883', '--mqtt-key', '/nonexistent.key'], /^bondfw: --mqtt-key is for a TLS broker, and 'mqtt:\/\/broker:1883' is not one/m);
  if (!haveOpenssl) {
    t.log('openssl is not installed: the certificate cases are skipped');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bondfw-pem-'));
  const sh = (cmd: string) => {
    const r = spawnSync('sh', ['-c', cmd], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  };
  sh('openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=gw -keyout gw.key -out gw.pem 2>/dev/null');
  sh('openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other -keyout other.key -out other.pem 2>/dev/null');
  const f = (n: string) => join(dir, n);
  writeFileSync(f('garbage.key'), 'not a key\n');
  refused(t, ['--mqtt', 'mqtts://broker:8883', '--mqtt-cert', f('gw.pem'), '--mqtt-key', f('other.key')], /^bondfw: --mqtt-key is not the key of the --mqtt-cert certificate$/m);
  checked(t, ['--mqtt', 'mqtts://broker:8883', '--mqtt-cert', f('gw.pem'), '--mqtt-key', f('garbage.key')], /^bondfw: --mqtt-key: not a usable PEM private key/m);
  checked(t, ['--mqtt', 'mqtts://broker:8883', '--mqtt-cert', f('gw.pem')], /^bondfw: --mqtt-cert needs its key/m);
  checked(t, ['--mqtt', 'mqtts://broker:8883', '--mqtt-ca', f('garbage.key')], /^bondfw: --mqtt-ca: not a PEM certificate/m);
  // An expired certificate: valid from 2001 to 2002.
  const ok = spawnSync('sh', ['-c', 'openssl x509 -in gw.pem -signkey gw.key -not_before 20010101000000Z -not_after 20020101000000Z -out old.pem 2>/dev/null || openssl x509 -in gw.pem -signkey gw.key -days -1 -out old.pem 2>/dev/null'], { cwd: dir });
  if (ok.status === 0 && readFileSync(f('old.pem'), 'utf8').includes('BEGIN CERTIFICATE')) {
    checked(t, ['--mqtt', 'mqtts://broker:8883', '--mqtt-cert', f('old.pem'), '--mqtt-key', f('gw.key')], /^bondfw: --mqtt-cert: the certificate expired on /m);
  } else t.log('this openssl cannot back-date a certificate: the expired case is skipped');
});

test('a board and its serial ports: the bridge port defaults to the board\'s speed; --mdio and --bridge where they do not belong', (t) => {
  refused(t, ['run', '--board', 'gw8-6390', '--mdio', '/nonexistent/ttyX'], /cannot open the MDIO bridge's serial port \/nonexistent\/ttyX: no such device/);
  checked(t, ['--board', 'gw8-6390', '--bridge', 'pty'], /--bridge is for simulated boards; gw8-6390 is real hardware/);
  checked(t, ['--board', 'sim-gw4', '--mdio', '/dev/null'], /--mdio is for boards behind a serial bridge/);
  checked(t, ['--board', 'nope'], /unknown board 'nope'/);
  // Without a speed, the board's bridge speed (gw8-6390's bridge runs at 921600).
  t.deepEqual(checkRunOptions(new Map([['board', 'gw8-6390'], ['mdio', '/dev/null']]), {}).mdio, { path: '/dev/null', baud: 921_600 });
  t.deepEqual(checkRunOptions(new Map([['board', 'gw8-6390'], ['mdio', '/dev/null:115200']]), {}).mdio, { path: '/dev/null', baud: 115_200 });
  // bridge-sim plays a bridge with the indirect SMI operations (smi) or an older one (basic).
  const ops = runCli(['bridge-sim', '--ops', 'nope', '--tty', '/dev/null']);
  t.is(ops.status, 1);
  t.regex(ops.stderr, /unknown --ops 'nope' \(smi: the indirect SMI operations too, basic: plain operations only\)/);
});
