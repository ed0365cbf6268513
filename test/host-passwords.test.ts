/**
 * The image's password hasher over the host interface (firmware/engine/host-passwords.ts)
 * against Node's host of it (cli/engine/node-host.ts): hashes the host's KDF makes, checks
 * that match and that do not, a host without a KDF, answers that never come (the image
 * stops), and answers for requests nobody made.
 */
import test from 'ava';
import { VirtualClock } from '../lib/clock.ts';
import { nodeSettle } from '../hal/clock-real.ts';
import { scryptHasher } from '../firmware/config/password.ts';
import { HostPasswords } from '../firmware/engine/host-passwords.ts';
import type { EngineGuest } from '../firmware/engine/host.ts';
import { NodeEngineHost, type NodeHostOptions } from '../cli/engine/node-host.ts';

/** A host, and the image's hasher over it; the host's answers reach the hasher as they reach the image. */
function over(opts: Partial<NodeHostOptions> = {}): { host: NodeEngineHost; passwords: HostPasswords } {
  const host = new NodeEngineHost({ clock: new VirtualClock(nodeSettle), uarts: {}, console: { write() {}, prompt() {}, echo() {} }, ...opts });
  const passwords = new HostPasswords(host);
  host.attach({ passwordDone: (token, result, error) => passwords.done(token, result, error) } as EngineGuest);
  return { host, passwords };
}

test('hashes come from the host\'s KDF; the right password matches, others do not', async (t) => {
  const { passwords } = over({ passwords: scryptHasher({ sync: true, logN: 10 }) });
  const hash = await passwords.hash('correct horse');
  t.regex(hash, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  t.not(await passwords.hash('correct horse'), hash, 'a fresh salt each time');
  t.true(await passwords.verify('correct horse', hash));
  t.false(await passwords.verify('correct horse ', hash));
  t.false(await passwords.verify('correct horse', 'not a hash'), 'a string the host cannot read is a mismatch');
  // Requests in flight together are answered each with its own result.
  const [a, b] = await Promise.all([passwords.verify('wrong', hash), passwords.verify('correct horse', hash)]);
  t.deepEqual([a, b], [false, true]);
});

test('a host without a KDF answers with an error; the hasher says so', async (t) => {
  const { passwords } = over();
  await t.throwsAsync(passwords.hash('whatever it is'), { message: 'password hashing failed on the host: no password hashing on this host' });
  await t.throwsAsync(passwords.verify('whatever it is', '$scrypt$x'), { message: /no password hashing on this host/ });
});

test('requests still open when the image stops fail; late and unknown answers are ignored', async (t) => {
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  let first = true;
  const kdf = scryptHasher({ sync: true, logN: 10 });
  // The host's first hash takes until `release`; the others are at once.
  const { passwords } = over({
    passwords: {
      hash: async (p) => {
        if (first) (first = false), await held;
        return kdf.hash(p);
      },
      verify: kdf.verify,
    },
  });
  const pending = passwords.hash('eventually');
  passwords.close();
  await t.throwsAsync(pending, { message: 'stopped before the host answered' });
  release(); // the host answers after all: nobody is waiting, nothing happens
  await new Promise((r) => setImmediate(r));
  passwords.done(12345, 'x', ''); // an answer to nothing
  t.true(await passwords.verify('eventually', await passwords.hash('eventually')), 'the hasher still works');
});

test('a hash a microcontroller port writes (PBKDF2-HMAC-SHA256) checks here too; a hostile cost is refused unread', async (t) => {
  // The published PBKDF2-HMAC-SHA256 vector: "passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096 iterations, 40 bytes.
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64').replace(/=+$/, '');
  const salt = b64(new TextEncoder().encode('saltSALTsaltSALTsaltSALTsaltSALTsalt'));
  const key = b64(Buffer.from('348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9', 'hex'));
  const device = `$pbkdf2-sha256$i=4096$${salt}$${key}`;
  for (const sync of [true, false]) {
    const { passwords } = over({ passwords: scryptHasher({ sync, logN: 10 }) });
    t.true(await passwords.verify('passwordPASSWORDpassword', device), `sync ${sync}`);
    t.false(await passwords.verify('passwordPASSWORDpassworD', device), `sync ${sync}`);
    t.false(await passwords.verify('passwordPASSWORDpassword', device.replace('i=4096', 'i=4097')), `sync ${sync}: the cost is part of the hash`);
    t.false(await passwords.verify('passwordPASSWORDpassword', device.replace('i=4096', 'i=9999999')), 'more than 5,000,000 iterations: not computed');
    t.false(await passwords.verify('passwordPASSWORDpassword', device.replace('i=4096', 'i=0')));
  }
});
