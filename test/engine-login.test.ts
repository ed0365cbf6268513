/**
 * Console users with the firmware inside the engine (`run --engine quickjs-ng`), on a serial
 * console over a real pseudo-terminal pair, in real time: the image asks the host to hash and
 * check passwords (host interface group 8), keeps the hash with its configuration in flash,
 * and after a restart from that flash the same password logs in and a wrong one does not.
 */
import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialConsoleCli, stopCli } from './helpers/cli.ts';
import { openPtyPair } from '../hal/transport/pty.ts';
import { ptysOrSkip } from './helpers/pty.ts';

const PW = 'engine admin secret';
const OPS_PW = 'operator secret';

test.serial('run --engine quickjs-ng: users added at the serial console log in, before and after a restart from flash', async (t) => {
  if (!ptysOrSkip(t)) return;
  const pty = await openPtyPair();
  const flash = join(mkdtempSync(join(tmpdir(), 'bondfw-engine-login-')), 'gw.flash');
  const args = ['run', '--engine', 'quickjs-ng', '--mqtt', 'none', '--http', 'none', '--autoneg', '0', '--config', flash];
  let c: SerialConsoleCli | undefined;
  try {
    c = await SerialConsoleCli.start(args, pty);
    let con = c;
    let m = 0;
    const enter = async (line: string, ...prompts: [RegExp, string][]) => {
      con.send(line);
      for (const [re, answer] of prompts) {
        await con.until(re, m);
        con.send(answer);
      }
    };

    // No user yet: the console is open. The first user, its password hashed by the host.
    await enter('user add root admin', [/New password: $/, PW], [/Retype new password: $/, PW]);
    await con.until(/audit: serial serial ok: user add root admin\r\n[\s\S]*sim-gw4# $/, m);
    m = con.text.length;
    await enter('user add ops operate', [/New password: $/, OPS_PW], [/Retype new password: $/, OPS_PW]);
    await con.until(/audit: serial serial ok: user add ops operate\r\n[\s\S]*sim-gw4# $/, m);
    m = con.text.length;
    con.send('user list');
    await con.until(/USER +ROLE\r\nops +operate\r\nroot +admin\r\n/, m);
    t.regex(readFileSync(flash).toString('latin1'), /#@ user root admin \$scrypt\$ln=14,r=8,p=1\$/, 'the host\'s scrypt hash, kept in flash');

    // Logged out, a wrong password is refused, the right one logs in.
    m = con.text.length;
    await enter('logout', [/login: $/, 'root'], [/Password: $/, 'not the password']);
    await con.until(/Login incorrect\r\n[\s\S]*login: $/, m, 20_000);
    m = con.text.length;
    await enter('root', [/Password: $/, PW]);
    await con.until(/root \(admin\) logged in on serial\r\nsim-gw4# $/, m);
    // passwd for another user: hashed by the host, the old password no longer logs in.
    m = con.text.length;
    await enter('passwd ops', [/New password: $/, 'operator new secret'], [/Retype new password: $/, 'operator new secret']);
    await con.until(/audit: serial root ok: passwd ops\r\n[\s\S]*sim-gw4# $/, m);
    t.is(await stopCli(c.p, 'SIGINT'), 0);
    await c.close();

    // The same flash after a restart: the users are back and their passwords still check.
    c = await SerialConsoleCli.start(args, pty);
    con = c;
    m = 0;
    // The first login prompt may have gone out before this end of the line was open: an
    // empty line asks for it again, as at a getty.
    con.send('');
    await con.until(/login: $/, m);
    await enter('ops', [/Password: $/, OPS_PW]);
    await con.until(/Login incorrect\r\n[\s\S]*login: $/, m, 20_000);
    m = con.text.length;
    await enter('ops', [/Password: $/, 'operator new secret']);
    await con.until(/ops \(operate\) logged in on serial\r\nsim-gw4# $/, m);
    m = con.text.length;
    con.send('whoami');
    await con.until(/ops \(operate\) on serial\r\n/, m);

    const all = c.text;
    t.false([PW, OPS_PW, 'operator new secret'].some((p) => all.includes(p)), 'no password came back over the line');
    t.is(await stopCli(c.p, 'SIGINT'), 0);
  } finally {
    await c?.close();
    pty.close();
  }
});
