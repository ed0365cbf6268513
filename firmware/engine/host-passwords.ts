/**
 * The console's password hasher over the host's (host.ts, group 8): a token per request, the
 * host's answer routed back to it. A hash is whatever the host's KDF writes; the image only
 * keeps it with the user. Requests still open when the image stops fail, so that nothing
 * waits on an answer that will not come.
 */
import type { PasswordHasher } from '../console/users.ts';
import { PASSWORD_MATCH, type EngineHost } from './host.ts';

export class HostPasswords implements PasswordHasher {
  private nextToken = 1;
  private readonly waiting = new Map<number, { resolve(result: string): void; reject(e: Error): void }>();

  constructor(private readonly host: EngineHost) {}

  hash(password: string): Promise<string> {
    return this.ask((token) => this.host.passwordHash(token, password));
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    return (await this.ask((token) => this.host.passwordVerify(token, password, encoded))) === PASSWORD_MATCH;
  }

  /** The host's answer for `token` (one it did not ask for is ignored). */
  done(token: number, result: string, error: string): void {
    const w = this.waiting.get(token);
    if (!w) return;
    this.waiting.delete(token);
    if (error !== '') w.reject(new Error(`password hashing failed on the host: ${error}`));
    else w.resolve(result);
  }

  /** The image stops: what is still open fails. */
  close(): void {
    const open = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of open) w.reject(new Error('stopped before the host answered'));
  }

  private ask(send: (token: number) => void): Promise<string> {
    const token = this.nextToken++;
    return new Promise<string>((resolve, reject) => {
      this.waiting.set(token, { resolve, reject });
      send(token);
    });
  }
}
