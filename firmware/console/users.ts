/**
 * Console users: a name, a role and a password hash. The hash is computed by the platform
 * (`PasswordHasher`: scrypt from Node's crypto under the CLI) and kept with the saved
 * configuration as a record; the password itself is never stored, logged or shown.
 */
import { UsageError } from '../../lib/errors.ts';
import { isRole, type Role } from './access.ts';
import { printable } from './dispatcher.ts';

export interface User {
  name: string;
  role: Role;
  /** The platform's encoded hash (a PHC string such as `$scrypt$ln=14,r=8,p=1$<salt>$<hash>`). */
  hash: string;
}

/** A slow, salted key-derivation function, provided by the platform. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when `password` matches `hash`; false for a hash it cannot read. */
  verify(password: string, hash: string): Promise<boolean>;
}

/** Login names as useradd accepts them by default (NAME_REGEX), at most 32 characters. */
const NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
/** A hash record holds no spaces or control characters (it is one word of a record line). */
const HASH = /^[\x21-\x7e]{1,512}$/;
export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 1024;

export function checkUserName(name: string): void {
  if (!NAME.test(name)) throw new UsageError(`user: invalid name '${printable(name)}' (lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 32)`);
}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD) throw new UsageError(`password too short (at least ${MIN_PASSWORD} characters)`);
  if (password.length > MAX_PASSWORD) throw new UsageError(`password too long (at most ${MAX_PASSWORD} characters)`);
}

export class UserTable {
  private readonly users = new Map<string, User>();

  get size(): number {
    return this.users.size;
  }

  get(name: string): User | undefined {
    return this.users.get(name);
  }

  /** Sorted by name. */
  list(): User[] {
    return [...this.users.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  set(user: User): void {
    this.users.set(user.name, { ...user });
  }

  remove(name: string): boolean {
    return this.users.delete(name);
  }

  /** Admins left if `name` went (the last admin cannot be removed or demoted). */
  adminsWithout(name: string): number {
    return [...this.users.values()].filter((u) => u.role === 'admin' && u.name !== name).length;
  }

  clear(): void {
    this.users.clear();
  }
}

/** The user as a record of the configuration file. */
export function userRecord(u: User): string {
  return `user ${u.name} ${u.role} ${u.hash}`;
}

/** Reads a `user` record back; undefined for anything malformed. */
export function parseUserRecord(text: string): User | undefined {
  const w = text.split(' ');
  if (w.length !== 4 || w[0] !== 'user' || !NAME.test(w[1]) || !isRole(w[2]) || !HASH.test(w[3])) return undefined;
  return { name: w[1], role: w[2], hash: w[3] };
}
