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
import { SerialPort } from 'serialport';
import { startCli, stopCli, waitFor } from './helpers/cli.ts';
import { haveSocat, openPtyPair } from '../hal/transport/pty.ts';

const PW = 'pty admin secret';

test.serial('serial console login: prompts without echo, lockout delays, success, idle logout', async (t) => {
  if (!haveSocat()) {
    t.log('socat is not installed: cannot make a pseudo-terminal pair; test skipped');
    t.pass();
    return;
  }
  const pty = await openPtyPair();
  const cfg = join(mkdtempSync(join(tmpdir(), 'bondfw-login-')), 'gw.cfg');
  // Registers wired straight: no bridge timing under a loaded machine to log about.
  const p = startCli(['run', '--bridge', 'none', '--console', `${pty.a}:115200`, '--mqtt', 'none', '--idle-timeout', '3', '--config', cfg]);
  let port: SerialPort | undefined;
  try {
    let stderr = '';
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    await waitFor(p.stdout, new RegExp(`console on ${pty.a}`), 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\nstderr:\n${stderr}`);
    });
    port = new SerialPort({ path: pty.b, baudRate: 115200 });
    await new Promise<void>((resolve, reject) => port!.once('open', resolve).once('error', reject));
    let all = '';
    port.on('data', (c: Buffer) => (all += c.toString('latin1')));
    const seen = (): number => all.length;
    /** Waits for `re` in what arrived after `from`; resolves with the time it matched. */
    const until = async (re: RegExp, from = 0, ms = 20_000): Promise<number> => {
      for (const end = Date.now() + ms; !re.test(all.slice(from));) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${re}; got:\n${JSON.stringify(all.slice(from))}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return performance.now();
    };
    const send = (line: string) => port!.write(`${line}\r`);

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
    t.regex(all.slice(m), /Login incorrect\r\nlogin: $/, 'the line typed while locked was dropped');

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

    t.false(all.includes(PW) || all.includes('not it'), 'no password came back over the line');
    t.false(/audit:/.test(all.slice(all.lastIndexOf('login: '))), 'no kernel messages at the login prompt');
    t.is(await stopCli(p, 'SIGINT'), 0);
  } finally {
    if (port?.isOpen) await new Promise((r) => port!.close(r));
    p.kill('SIGKILL');
    pty.close();
  }
});
