/**
 * Remote and typed text never forges a log line or drives a terminal: the event log escapes
 * what would break a line, `bondfw watch` escapes topics, names and values, and any byte
 * sequence typed at a console (logged in or not) crashes nothing, changes nothing for a
 * read-only user and prints no control character back.
 */
import test from 'ava';
import fc from 'fast-check';
import { escapeLine, escapeText } from '../lib/escape.ts';
import { ConsoleSession } from '../firmware/console/console-session.ts';
import { formatMessage } from '../firmware/telemetry/watch.ts';
import { encodePayload } from '../firmware/telemetry/sparkplug.ts';
import { bootTest } from './helpers/sim.ts';

const FORGED = 'x\n[    0.001] eth0: link down\u001b[2J\u001b]0;pwned\u0007\u202egnp.exe';

test('escaping: control characters, escape sequences and bidi overrides become visible text', (t) => {
  t.is(escapeText(FORGED), 'x\\n[    0.001] eth0: link down\\e[2J\\e]0;pwned\\x07\\u202egnp.exe');
  t.is(escapeText('a\\b'), 'a\\\\b', 'a backslash is doubled, so an escape cannot be faked');
  t.is(escapeText('y'.repeat(300), 10), 'yyyyyyyyyy...(290 more)');
  t.is(escapeLine('tab\there\u0085'), 'tab\\there\\x85');
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => !/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(escapeText(s, 1000))));
});

test('the event log keeps one entry on one line, whatever it quotes', async (t) => {
  const s = await bootTest();
  s.log.warn(`mqtt: unknown node command metric '${FORGED}'`);
  const out = await s.run('log 1');
  t.is(out.split('\n').length, 1);
  t.false(/[\x00-\x08\x0b-\x1f\x7f]/.test(out));
  t.regex(out, /metric 'x\\n\[    0\.001\] eth0: link down\\e\[2J/);
});

test('bondfw watch prints what anyone published escaped', (t) => {
  const payload = encodePayload({ timestamp: 0, metrics: [{ name: FORGED, type: 'String', value: FORGED }] });
  const text = formatMessage(`spBv1.0/g/NDATA/${FORGED}`, payload);
  t.is(text.split('\n').length, 2, 'one line for the topic, one per metric');
  t.false(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/.test(text), text);
  t.false(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/.test(formatMessage(FORGED, Uint8Array.of(0xff, 0xff))));
});

test.serial('any line typed at a console, logged in as read or not: no crash, no change, no control character printed (fast-check)', async (t) => {
  const s = await bootTest();
  await s.run('modprobe bonding mode=active-backup miimon=100');
  const d = s.firmware.dispatcher;
  for (const [line, pw] of [['user add root admin', 'root password'], ['user add dash read', 'dash password']]) await s.clock.drive(d.execute(line, 'script', { secrets: [pw, pw] }));
  const state = async () => `${await s.run('config show')}\n${await s.run('user')}\n${await s.run('cat /proc/net/bonding/bond0')}`;
  const before = await state();
  let shown = '';
  const term = { print: (x: string) => (shown += x), prompt: (x: string) => (shown += x), echo: () => {} };
  const con = new ConsoleSession(d, 'serial', s.firmware.security, s.clock, term, { login: true, prompt: 'gw# ', idleMs: 0, failDelayMs: 1, maxFailDelayMs: 1 });
  con.start();
  const lines = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 120 }),
    fc.constantFrom('rmmod bonding', 'user del root', 'passwd root', 'config save', 'mdio write 0 0 0', 'logout', 'dash', 'dash password', '\u001b[2J', 'cat /proc/net/bonding/bond0\u0000'),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(lines, { maxLength: 12 }), async (typed) => {
      // Log in as the read user first (a failure just leaves the session at the login prompt).
      for (const l of ['logout', 'dash', 'dash password', ...typed]) {
        con.input(l);
        await s.clock.advance(2);
      }
      return true;
    }),
    { numRuns: 40, seed: 0x10c },
  );
  t.is(await state(), before, 'a read user and a login prompt change nothing');
  t.true(shown.includes('dash (read) logged in on serial'));
  t.false(/[\x00-\x08\x0b-\x1f\x7f]/.test(shown), 'nothing typed came back as a control character');
  t.false(/dash password|root password/.test(shown), 'no password printed');
});
