/**
 * The console login of the main job on a serial console: a real pseudo-terminal pair and the
 * real serialport binding, in real time. The first user is added at the console's prompts,
 * then: logout, a wrong password and its lockout delay (a line typed meanwhile is dropped),
 * a second one with a longer delay, success, a command, and the idle logout. No password ever
 * comes back over the line.
 */
import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialConsoleCli, stopCli } from './helpers/cli.ts';
import { openPtyPair } from '../hal/transport/pty.ts';
import { ptysOrSkip } from './helpers/pty.ts';

const PW = 'pty admin secret';

test.serial('serial console login: prompts without echo, lockout delays, success, idle logout', async (t) => {
  if (!ptysOrSkip(t)) return;
  const pty = await openPtyPair();
  const cfg = join(mkdtempSync(join(tmpdir(), 'bondfw-login-')), 'gw.cfg');
  // Registers wired straight: no bridge timing under a loaded machine to log about.
  let c: SerialConsoleCli | undefined;
  try {
    c = await SerialConsoleCli.start(['run', '--bridge', 'none', '--mqtt', 'none', '--idle-timeout', '3', '--config', cfg], pty);
    const line = c;
    const seen = (): number => line.text.length;
    const until = (re: RegExp, from = 0, ms = 20_000) => line.until(re, from, ms);
    const send = (text: string) => line.send(text);

    // No user yet: the console is open. The first user, at its prompts.
    send('version');
    await until(/bondfw 0\.1\.0 board sim-gw4/);
    let m = seen();
    send('user add root admin');
    await until(/New password: $/, m);
    send(PW);
    await until(/Retype new password: $/, m);
    send(PW);
    // Logged in (no login yet), the console shows the event log: the audit line comes too.
    await until(/Retype new password: \r\n(\[[^\r]*\r\n)*\[ *[\d.]+\] audit: serial serial ok: user add root admin\r\n[\s\S]*sim-gw4# /, m);
    t.regex(readFileSync(cfg, 'utf8'), /^#@ user root admin \$scrypt\$/m, 'kept with the configuration');

    m = seen();
    send('logout');
    await until(/login: $/, m);
    send('root');
    await until(/Password: $/, m);
    send('not it');
    const failedAt = await until(/Login incorrect\r\n$/, m);
    // Locked: this line is dropped, not taken as a login name.
    send('root');
    const unlockedAt = await until(/Login incorrect\r\nlogin: $/, m);
    t.true(unlockedAt - failedAt >= 900, `login prompt back after ${(unlockedAt - failedAt).toFixed(0)} ms`);
    await new Promise((r) => setTimeout(r, 200));
    t.regex(c.text.slice(m), /Login incorrect\r\nlogin: $/, 'the line typed while locked was dropped');

    m = seen();
    send('root');
    await until(/Password: $/, m);
    send('still not it');
    const failed2 = await until(/Login incorrect \(2 failures in a row: next try in 2 s\)\r\n$/, m);
    const unlocked2 = await until(/login: $/, m);
    t.true(unlocked2 - failed2 >= 1900, `second delay ${(unlocked2 - failed2).toFixed(0)} ms`);

    m = seen();
    send('root');
    await until(/Password: $/, m);
    send(PW);
    await until(/root \(admin\) logged in on serial\r\nsim-gw4# /, m);
    const n = seen();
    send('cat /sys/class/net/eth0/speed');
    const lastInput = await until(/1000\r\nsim-gw4# /, n);
    const idleAt = await until(/\r\nidle for 3 s: logged out\r\nlogin: $/, m, 10_000);
    t.true(idleAt - lastInput >= 2900, `idle logout after ${(idleAt - lastInput).toFixed(0)} ms`);

    const all = c.text;
    t.false(all.includes(PW) || all.includes('not it'), 'no password came back over the line');
    t.false(/audit:/.test(all.slice(all.lastIndexOf('login: '))), 'no kernel messages at the login prompt');
    t.is(await stopCli(c.p, 'SIGINT'), 0);
  } finally {
    await c?.close();
    pty.close();
  }
});
