/**
 * The console login in virtual time, to the millisecond: prompts without echo, a growing
 * delay after failed tries during which input is dropped, success, commands as the user with
 * the user's role, secrets asked at prompts, Ctrl-C at a password prompt, logout and the idle
 * timeout; every login event in the audit log, no password ever printed or logged.
 */
import test from 'ava';
import { ConsoleSession, type Terminal } from '../firmware/console/console-session.ts';
import type { Source } from '../firmware/console/dispatcher.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';

const ADMIN_PW = 'admin password 1';
const READER_PW = 'reader password 2';

interface Screen extends Terminal {
  /** Everything shown, with echo state marks: [hidden] while typing is not echoed. */
  text: string;
  echoing: boolean;
  at: { t: number; text: string }[];
}

function screen(s: TestSystem): Screen {
  const sc: Screen = {
    text: '',
    echoing: true,
    at: [],
    print: (t) => {
      sc.text += t;
      sc.at.push({ t: s.clock.now(), text: t });
    },
    prompt: (t) => {
      sc.text += t;
      sc.at.push({ t: s.clock.now(), text: t });
    },
    echo: (on) => {
      sc.echoing = on;
    },
  };
  return sc;
}

async function gateway(): Promise<TestSystem> {
  const s = await bootTest();
  const d = s.firmware.dispatcher;
  for (const [line, pw] of [['user add root admin', ADMIN_PW], ['user add dash read', READER_PW]]) {
    const r = await s.clock.drive(d.execute(line, 'script', { secrets: [pw, pw] }));
    if (r.output && !r.output.startsWith('note:')) throw new Error(r.output);
  }
  await s.run('modprobe bonding mode=active-backup miimon=100');
  return s;
}

function session(s: TestSystem, source: Source = 'serial', idleMs = 0) {
  const term = screen(s);
  const con = new ConsoleSession(s.firmware.dispatcher, source, s.firmware.security, s.clock, term, { login: true, prompt: 'gw# ', idleMs });
  /** Types a line; lets virtual time settle (no time passes). */
  const type = async (line: string) => {
    con.input(line);
    await s.clock.advance(0);
  };
  return { term, con, type };
}

test.serial('wrong passwords: Login incorrect, input dropped for 1 s, then 2 s, then 4 s; the right one logs in', async (t) => {
  const s = await gateway();
  const { term, con, type } = session(s);
  con.start();
  t.is(term.text, 'login: ');
  t.false(con.loggedIn);
  await type('root');
  t.is(term.text, 'login: Password: ');
  t.false(term.echoing, 'the password is not echoed');
  const t0 = s.clock.now();
  await type('not the password');
  t.true(term.echoing);
  t.is(term.text, 'login: Password: \nLogin incorrect\n');
  // Locked for 1 s: a line typed now is dropped, not taken as a login name.
  await type('root');
  await s.clock.advance(999);
  t.is(term.text, 'login: Password: \nLogin incorrect\n');
  await s.clock.advance(1);
  t.is(term.at[term.at.length - 1].text, 'login: ');
  t.is(term.at[term.at.length - 1].t - t0, 1000);
  t.is(con.dropped, 1);
  // Second failure: 2 s; third: 4 s.
  for (const [n, wait] of [[2, 2000], [3, 4000]] as const) {
    await type('root');
    const t1 = s.clock.now();
    await type(`wrong ${n}`);
    t.true(term.text.endsWith(`Login incorrect (${n} failures in a row: next try in ${wait / 1000} s)\n`));
    await s.clock.advance(wait - 1);
    t.false(term.text.endsWith('login: '));
    await s.clock.advance(1);
    t.true(term.text.endsWith('login: '));
    t.is(s.clock.now() - t1, wait);
  }
  // An unknown name fails the same way (and is not repeated anywhere: it may be a password).
  await type('nobody');
  await type(ADMIN_PW);
  t.true(term.text.endsWith('Login incorrect (4 failures in a row: next try in 8 s)\n'));
  await s.clock.advance(8000);
  await type('root');
  await type(ADMIN_PW);
  t.true(term.text.endsWith('root (admin) logged in on serial\ngw# '));
  t.true(con.loggedIn);
  t.false(term.text.includes(ADMIN_PW) || term.text.includes('not the password'), 'no password ever shown');
  await type('cat /sys/class/net/bonding_masters');
  t.true(term.text.endsWith('bond0\ngw# '));
  const audit = s.firmware.security.audit.entries().filter((e) => e.line === 'login').map((e) => `${e.who} ${e.outcome}`);
  t.deepEqual(audit, ['root denied', 'root denied', 'root denied', 'UNKNOWN denied', 'root ok']);
  const log = await s.run('log 200');
  t.false(log.includes(ADMIN_PW) || log.includes('nobody') || log.includes('wrong 2'), 'no password, and no unknown name, in the log');
  t.regex(log, /warn: audit: serial UNKNOWN denied: login/);
});

test.serial('a read user reads and is refused changes; passwd asks at prompts; logout asks for a login again', async (t) => {
  const s = await gateway();
  const { term, con, type } = session(s);
  con.start();
  await type('dash');
  await type(READER_PW);
  t.true(term.text.endsWith('dash (read) logged in on serial\ngw# '));
  await type('whoami');
  t.true(term.text.endsWith('dash (read) on serial\ngw# '));
  await type('rmmod bonding');
  t.true(term.text.endsWith('error: permission denied: rmmod changes state (needs operate; user dash has read)\ngw# '));
  t.is(await s.run('cat /sys/class/net/bonding_masters'), 'bond0');
  // Someone else's password: an admin's business, refused without asking for anything.
  await type('passwd root');
  t.true(term.text.endsWith('error: permission denied: passwd administers the gateway (needs admin; user dash has read)\ngw# '));
  // Their own: current, new, new again, none echoed.
  const mark = term.text.length;
  await type('passwd');
  t.is(term.text.slice(mark), 'Current password: ');
  t.false(term.echoing);
  await type(READER_PW);
  t.is(term.text.slice(mark), 'Current password: \nNew password: ');
  t.false(term.echoing);
  await type('a new reader pw');
  await type('a new reader pw');
  t.true(term.echoing);
  t.is(term.text.slice(mark), 'Current password: \nNew password: \nRetype new password: \nnote: no configuration file (--config): kept until restart only\ngw# ');
  t.true(await s.firmware.security.verify('dash', 'a new reader pw'));
  await type('logout');
  t.true(term.text.endsWith('gw# login: '));
  t.false(con.loggedIn);
  await type('cat /sys/class/net/bonding_masters');
  t.true(term.text.endsWith('login: Password: '), 'a line at the login prompt is a name, never a command');
  const lines = s.firmware.security.audit.entries().map((e) => `${e.who} ${e.outcome} ${e.line}`);
  t.deepEqual(lines.slice(-5), ['dash ok login', 'dash denied rmmod bonding', 'dash denied passwd root', 'dash ok passwd', 'dash ok logout']);
  t.false(term.text.includes(READER_PW) || term.text.includes('a new reader pw'));
});

test.serial('an admin adds a user at prompts; Ctrl-C abandons a prompt and runs nothing', async (t) => {
  const s = await gateway();
  const { term, con, type } = session(s, 'console');
  con.start();
  await type('root');
  await type(ADMIN_PW);
  const mark = term.text.length;
  await type('user add ops operate');
  t.is(term.text.slice(mark), 'New password: ');
  await type('ops password');
  t.true(con.prompting);
  t.true(con.interrupt(), 'Ctrl-C at a prompt');
  t.is(term.text.slice(mark), 'New password: \nRetype new password: \ngw# ');
  t.true(term.echoing);
  t.is(s.firmware.security.users.get('ops'), undefined, 'nothing ran');
  await type('user add ops operate');
  await type('ops password');
  await type('ops password');
  t.is(s.firmware.security.users.get('ops')?.role, 'operate');
  t.false(con.interrupt(), 'nothing to interrupt at the idle prompt');
  // Ctrl-C at the password prompt of a login goes back to the login prompt.
  await type('logout');
  await type('ops');
  t.true(con.interrupt());
  t.true(term.text.endsWith('Password: \nlogin: '));
});

test.serial('idle timeout: logged out after exactly the idle time without input; a running command keeps the session', async (t) => {
  const s = await gateway();
  await s.run('ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up');
  await s.run('ifenslave bond0 eth0');
  await s.run('sim wait 1s');
  const { term, con, type } = session(s, 'serial', 60_000);
  con.start();
  await type('root');
  await type(ADMIN_PW);
  const t0 = s.clock.now();
  await s.clock.advance(30_000);
  await type('version');
  await s.clock.advance(59_999);
  t.true(con.loggedIn, 'input restarts the count');
  await s.clock.advance(1);
  t.false(con.loggedIn);
  t.true(term.text.endsWith('\nidle for 60 s: logged out\nlogin: '));
  t.is(s.clock.now() - t0, 90_000);
  t.deepEqual(s.firmware.security.audit.entries().slice(-1).map((e) => `${e.who} ${e.line}`), ['root logout (idle)']);
  // A ping running longer than the idle time is someone at work.
  await type('root');
  await type(ADMIN_PW);
  await type('ping -i 10 192.168.1.100');
  await s.clock.advance(100_000);
  t.true(con.loggedIn);
  t.true(con.interrupt());
  await s.clock.advance(0);
  t.regex(term.text, /packets transmitted/);
  await s.clock.advance(60_000);
  t.false(con.loggedIn);
});

test.serial('without users, or with login off, the console asks for nothing; the session says it cannot log out', async (t) => {
  const s = await bootTest();
  const term = screen(s);
  const con = new ConsoleSession(s.firmware.dispatcher, 'serial', s.firmware.security, s.clock, term, { login: true, prompt: 'gw# ' });
  con.start();
  t.is(term.text, 'gw# ');
  con.input('whoami');
  await s.clock.advance(0);
  t.true(term.text.endsWith('serial (admin), no user\ngw# '));
  con.input('logout');
  await s.clock.advance(0);
  t.true(term.text.endsWith('error: logout: this console asks for no login (no users, or login off)\ngw# '));
  // The first user: added here, asked for from the next login on.
  con.input('user add root admin');
  con.input(ADMIN_PW);
  con.input(ADMIN_PW);
  await s.clock.advance(0);
  t.true(con.loggedIn);
  con.input('logout');
  await s.clock.advance(0);
  t.true(term.text.endsWith('login: '));
  // Login off (stdin's default): users exist, nobody is asked.
  const term2 = screen(s);
  const off = new ConsoleSession(s.firmware.dispatcher, 'console', s.firmware.security, s.clock, term2, { login: false, prompt: '' });
  off.start();
  off.input('whoami');
  await s.clock.advance(0);
  t.is(term2.text, 'console (admin), no user\n');
});
