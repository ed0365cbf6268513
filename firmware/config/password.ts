/**
 * Password hashes with scrypt from Node's crypto: a slow, memory-hard, salted KDF. Encoded
 * as a PHC string (`$scrypt$ln=14,r=8,p=1$<salt>$<hash>`, base64 without padding) so the
 * parameters travel with the hash and can be raised later without breaking old hashes.
 *
 * It also checks the hashes a microcontroller port writes (docs/porting.md: PBKDF2-HMAC-SHA256
 * from the SDK's crypto library, `$pbkdf2-sha256$i=<n>$<salt>$<hash>`), so that a gateway's
 * configuration taken from a device still lets its users log in here.
 */
import { pbkdf2, pbkdf2Sync, randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PasswordHasher } from '../console/users.ts';

/** N = 2^14, r = 8, p = 1: 16 MiB and some tens of milliseconds per hash on a gateway-class CPU. */
export const SCRYPT_LOG_N = 14;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** The most cost a stored hash may ask for (a hand-edited file must not exhaust memory). */
const MAX_LOG_N = 20;
/** The most PBKDF2 iterations a stored hash may ask for (seconds of work, not hours). */
const MAX_PBKDF2_ITERATIONS = 5_000_000;

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

function params(logN: number, r: number, p: number): ScryptOptions {
  // Node refuses scrypt above maxmem (32 MiB by default); it needs about 128 * N * r * p bytes.
  return { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r * p };
}

function parsePbkdf2(encoded: string): { iterations: number; salt: Buffer; key: Buffer } | undefined {
  const m = /^\$pbkdf2-sha256\$i=(\d{1,7})\$([A-Za-z0-9+/]{11,88})\$([A-Za-z0-9+/]{16,88})$/.exec(encoded);
  if (!m) return undefined;
  const iterations = Number(m[1]);
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) return undefined;
  return { iterations, salt: Buffer.from(m[2], 'base64'), key: Buffer.from(m[3], 'base64') };
}

function parse(encoded: string): { logN: number; r: number; p: number; salt: Buffer; key: Buffer } | undefined {
  const m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,88})\$([A-Za-z0-9+/]{16,88})$/.exec(encoded);
  if (!m) return undefined;
  const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (logN < 1 || logN > MAX_LOG_N || r < 1 || r > 16 || p < 1 || p > 4) return undefined;
  return { logN, r, p, salt: Buffer.from(m[4], 'base64'), key: Buffer.from(m[5], 'base64') };
}

/**
 * The scrypt hasher. `sync` computes on the calling thread: for the scenario runner and the
 * tests in virtual time, where nothing else may run meanwhile. The main job uses the thread
 * pool, so that a login never holds up the link monitors.
 */
export function scryptHasher(opts: { sync?: boolean; logN?: number } = {}): PasswordHasher {
  const logN = opts.logN ?? SCRYPT_LOG_N;
  const derive = (password: string, salt: Buffer, logN: number, r: number, p: number, len: number): Promise<Buffer> => {
    const o = params(logN, r, p);
    if (opts.sync) return Promise.resolve(scryptSync(password.normalize('NFC'), salt, len, o));
    return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, len, o, (e, key) => (e ? reject(e) : resolve(key))));
  };
  return {
    async hash(password) {
      const salt = randomBytes(SALT_BYTES);
      const key = await derive(password, salt, logN, R, P, KEY_BYTES);
      return `$scrypt$ln=${logN},r=${R},p=${P}$${b64(salt)}$${b64(key)}`;
    },
    async verify(password, encoded) {
      const k = parsePbkdf2(encoded);
      if (k) {
        const pw = password.normalize('NFC');
        const key = opts.sync
          ? pbkdf2Sync(pw, k.salt, k.iterations, k.key.length, 'sha256')
          : await new Promise<Buffer>((resolve, reject) => pbkdf2(pw, k.salt, k.iterations, k.key.length, 'sha256', (e, out) => (e ? reject(e) : resolve(out))));
        return timingSafeEqual(key, k.key);
      }
      const h = parse(encoded);
      if (!h) return false;
      const key = await derive(password, h.salt, h.logN, h.r, h.p, h.key.length);
      return timingSafeEqual(key, h.key);
    },
  };
}
