/**
 * A console someone sits at (a serial line, the stdin terminal), with its optional login:
 * `login:` and `Password:` prompts (no echo), a growing delay after failed tries during which
 * input is dropped, an idle timeout that logs out, and the prompts a command asks its secrets
 * at (passwords for `user add` and `passwd`), so that a secret is never part of a command
 * line. Lines then run through the live console as the logged-in user. Portable: time comes
 * from the injected clock; the way in hands over lines and Ctrl-C and shows what this prints.
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import type { Principal } from './access.ts';
import type { Dispatcher, SessionControl, Source } from './dispatcher.ts';
import { LiveConsole } from './live-console.ts';
import type { Security } from './security.ts';

/** What a console shows: text, prompts, and whether typed characters are echoed. */
export interface Terminal {
  /** Prints text as it is (lines end in "\n"). */
  print(text: string): void;
  /** Shows a prompt: `login: `, `Password: `, or the console's own (`prompt` option, '' for none). */
  prompt(text: string): void;
  /** Typed characters shown (true), or hidden while a password is typed (false). */
  echo(on: boolean): void;
}

export interface SessionOptions {
  /** Ask for a login whenever a user exists. */
  login: boolean;
  /** The console's command prompt ('' for none). */
  prompt: string;
  /** Log out after this long without input (ms); 0 or absent: never. */
  idleMs?: number;
  /** Input is dropped this long after a failed login, doubling with each failure in a row. */
  failDelayMs?: number;
  /** The longest delay after failures. */
  maxFailDelayMs?: number;
}

/** After a failed login, as login(1)'s FAIL_DELAY, then doubling. */
export const FAIL_DELAY_MS = 1000;
export const MAX_FAIL_DELAY_MS = 300_000;

type State = 'shell' | 'user' | 'password' | 'checking' | 'locked' | 'secret';

export class ConsoleSession implements SessionControl {
  private state: State = 'shell';
  private readonly live: LiveConsole;
  private principal: Principal;
  private loginName = '';
  private failures = 0;
  private lockTimer: TimerHandle | undefined;
  private idleTimer: TimerHandle | undefined;
  private secret: { line: string; prompts: string[]; answers: string[] } | undefined;
  private closed = false;
  /** Lines typed while a login was checked or locked out, dropped unread. */
  dropped = 0;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly source: Source,
    /** Users and passwords; without them (a console of the bridge emulator) there is no login. */
    private readonly security: Security | undefined,
    private readonly clock: Clock | undefined,
    private readonly term: Terminal,
    private readonly opts: SessionOptions,
  ) {
    this.live = new LiveConsole(dispatcher, source, (t) => term.print(t), () => this.afterCommand());
    this.principal = dispatcher.principalOf(source);
  }

  get loginRequired(): boolean {
    return this.opts.login && this.security !== undefined && this.security.users.size > 0;
  }

  /** True while a password or another secret is being asked for (Ctrl-C abandons it). */
  get prompting(): boolean {
    return this.state === 'password' || this.state === 'secret';
  }

  /** False while the console waits for a login (the event log is not shown then). */
  get loggedIn(): boolean {
    return this.state === 'shell' || this.state === 'secret';
  }

  /** Who lines run as now. */
  get who(): Principal {
    return this.principal;
  }

  /** True while a line from this console is running or waiting to. */
  get busy(): boolean {
    return this.live.busy;
  }

  /** Shows the first prompt. */
  start(): void {
    if (this.loginRequired) this.askLogin();
    else {
      this.term.prompt(this.opts.prompt);
      this.armIdle();
    }
  }

  /** One line typed at the console. */
  input(line: string): void {
    if (this.closed) return;
    switch (this.state) {
      case 'user': {
        const name = line.trim();
        if (!name) {
          this.term.prompt('login: ');
          return;
        }
        this.loginName = name;
        this.state = 'password';
        this.term.prompt('Password: ');
        this.term.echo(false);
        this.armIdle();
        return;
      }
      case 'password':
        this.term.echo(true);
        this.term.print('\n');
        this.state = 'checking';
        this.cancelIdle();
        void this.check(this.loginName, line);
        return;
      case 'checking':
      case 'locked':
        // As a terminal flushes input after a failed login: nothing typed now is read.
        this.dropped++;
        return;
      case 'secret': {
        const s = this.secret!;
        s.answers.push(line);
        this.term.print('\n');
        this.armIdle();
        if (s.answers.length < s.prompts.length) {
          this.term.echo(true);
          this.term.prompt(s.prompts[s.answers.length]);
          this.term.echo(false);
          return;
        }
        this.term.echo(true);
        this.secret = undefined;
        this.state = 'shell';
        void this.live.run(s.line, { principal: this.principal, secrets: s.answers, session: this });
        return;
      }
      case 'shell':
        this.armIdle();
        this.command(line);
    }
  }

  /**
   * Ctrl-C: interrupts the running command; at a password or secret prompt, abandons it.
   * False when there was nothing to interrupt.
   */
  interrupt(): boolean {
    if (this.state === 'secret') {
      this.secret = undefined;
      this.state = 'shell';
      this.term.echo(true);
      this.term.print('\n');
      this.term.prompt(this.opts.prompt);
      return true;
    }
    if (this.state === 'password') {
      this.term.echo(true);
      this.term.print('\n');
      this.askLogin();
      return true;
    }
    return this.live.interrupt();
  }

  /** `logout`: the next line typed is a login name. */
  logout(): void {
    this.toLogin();
  }

  close(): void {
    this.closed = true;
    this.cancelIdle();
    if (this.lockTimer !== undefined) this.clock?.cancel(this.lockTimer);
  }

  private command(line: string): void {
    const prompts = this.dispatcher.secretPrompts(line, this.principal, this.source);
    if (prompts.length) {
      this.secret = { line, prompts, answers: [] };
      this.state = 'secret';
      this.term.prompt(prompts[0]);
      this.term.echo(false);
      return;
    }
    void this.live.run(line, { principal: this.principal, session: this });
  }

  private afterCommand(): void {
    if (this.closed) return;
    if (this.state === 'user') this.term.prompt('login: ');
    else if (this.state === 'shell') this.term.prompt(this.opts.prompt);
  }

  private toLogin(): void {
    this.state = 'user';
    this.secret = undefined;
    this.principal = { role: 'none', who: this.source };
    this.cancelIdle();
  }

  private askLogin(): void {
    this.toLogin();
    this.term.echo(true);
    this.term.prompt('login: ');
  }

  private async check(name: string, password: string): Promise<void> {
    const security = this.security!;
    const clock = this.clock!;
    let ok: boolean;
    try {
      ok = await security.verify(name, password);
    } catch {
      ok = false;
    }
    if (this.closed) return;
    const user = ok ? security.users.get(name) : undefined;
    if (user) {
      this.failures = 0;
      this.principal = { role: user.role, who: user.name, user: user.name };
      this.state = 'shell';
      this.dispatcher.audit({ source: this.source, who: user.name, line: 'login', outcome: 'ok' });
      this.term.print(`${user.name} (${user.role}) logged in on ${this.source}\n`);
      this.term.prompt(this.opts.prompt);
      this.armIdle();
      return;
    }
    this.failures++;
    // As login(1) logs it: a name that is no user is not repeated (it may be a password).
    const who = security.users.get(name) ? name : 'UNKNOWN';
    this.dispatcher.audit({ source: this.source, who, line: 'login', outcome: 'denied' });
    const delay = Math.min((this.opts.failDelayMs ?? FAIL_DELAY_MS) * 2 ** (this.failures - 1), this.opts.maxFailDelayMs ?? MAX_FAIL_DELAY_MS);
    this.term.print(this.failures > 1 ? `Login incorrect (${this.failures} failures in a row: next try in ${delay / 1000} s)\n` : 'Login incorrect\n');
    this.state = 'locked';
    this.lockTimer = clock.setTimer(delay, () => {
      this.lockTimer = undefined;
      if (!this.closed) this.askLogin();
    });
  }

  private cancelIdle(): void {
    if (this.idleTimer !== undefined) this.clock?.cancel(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** (Re)starts the idle countdown, where there is a login to go back to. */
  private armIdle(): void {
    this.cancelIdle();
    const ms = this.opts.idleMs ?? 0;
    if (ms <= 0 || !this.loginRequired || !this.clock) return;
    this.idleTimer = this.clock.setTimer(ms, () => this.idle());
  }

  private idle(): void {
    this.idleTimer = undefined;
    if (this.closed || !this.loginRequired) return;
    // A command still running (a ping without -c) is someone at work.
    if (this.live.busy) {
      this.armIdle();
      return;
    }
    if (this.state !== 'shell' && this.state !== 'secret' && this.state !== 'password') return;
    const who = this.principal.who;
    const wasIn = this.state !== 'password';
    // Logged out first: the audit line is not shown to whoever sits at the login prompt.
    this.toLogin();
    this.term.echo(true);
    this.term.print(`\nidle for ${(this.opts.idleMs ?? 0) / 1000} s: logged out\n`);
    if (wasIn) this.dispatcher.audit({ source: this.source, who, line: 'logout (idle)', outcome: 'ok' });
    this.term.prompt('login: ');
  }
}
