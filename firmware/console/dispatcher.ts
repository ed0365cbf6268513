import { FirmwareError, UsageError, errorText } from '../../lib/errors.ts';
import type { Interrupt } from '../../lib/interrupt.ts';
import { ACCESS, permits, type Access, type Grant, type Principal } from './access.ts';
import { tokenize } from './tokenize.ts';

/** Where a command came from; the answer is the same for every source. */
export type Source = 'console' | 'serial' | 'mqtt' | 'config' | 'script';
export const SOURCES: readonly Source[] = ['console', 'serial', 'mqtt', 'config', 'script'];

/** A console's login session, for the commands that act on it (`logout`). */
export interface SessionControl {
  /** True when this console asks for a login (and so can log out). */
  readonly loginRequired: boolean;
  /** Ends the session: the console asks for a login again. */
  logout(): void;
}

export interface CommandContext {
  source: Source;
  /** Who runs the line, with which role (the dispatcher has checked it may). */
  principal: Principal;
  /**
   * Writes one line of output as it happens (a ping's replies): a live console prints it at
   * once; other sources (MQTT, scripts, the config) collect it into the command's output,
   * ahead of what `run` returns.
   */
  write(line: string): void;
  /** Ctrl-C for this command; absent where nobody can interrupt (MQTT, scripts, the config). */
  interrupt?: Interrupt;
  /** Answers to the command's `secrets` prompts, typed at a live console with echo off. */
  secrets?: string[];
  /** The console's login session, where the line came from a console that has one. */
  session?: SessionControl;
}

/** How a way in takes a command's output: live lines and Ctrl-C, where it has them. */
export interface ExecuteOptions {
  /** Prints a line the command writes as it runs; without it the lines are collected into `output`. */
  write?: (line: string) => void;
  /** Interrupts the command; fired before the command started, the command is skipped. */
  interrupt?: Interrupt;
  /** Who runs it; by default the source itself, with the source's role (`roles`). */
  principal?: Principal;
  secrets?: string[];
  session?: SessionControl;
}

export interface Command {
  /** The first word of the line. */
  name: string;
  /** One line for `help`. */
  summary: string;
  /** Usage lines for `help <name>`. */
  usage: string;
  /**
   * What a line of this command does (access.ts), which decides the role it needs and whether
   * it is audited: fixed, or chosen from the arguments (never throws; when in doubt, the more
   * powerful kind).
   */
  access: Access | ((args: string[]) => Access);
  /** Where the command may come from at all; every source when absent (`sim`: never MQTT). */
  sources?: readonly Source[];
  /**
   * Prompts a live console shows with echo off before the line runs (passwords), so that no
   * secret is ever part of a command line; their answers arrive in `ctx.secrets`.
   */
  secrets?(args: string[], principal: Principal): string[];
  /** Runs the command; returns its output (without trailing newline, '' for none). */
  run(args: string[], ctx: CommandContext): Promise<string> | string;
  /** Sim-only and other optional commands are listed after the core ones in `help`. */
  group?: string;
}

export interface CommandResult {
  ok: boolean;
  /** What the console prints: the output, or `error: <reason>`. */
  output: string;
}

/** One state-changing line, accepted or refused, for the audit log. */
export interface AuditEvent {
  source: Source;
  who: string;
  line: string;
  /** ok: it ran; failed: it ran and said `error:`; denied: the role did not allow it. */
  outcome: 'ok' | 'failed' | 'denied';
}

/** The role each source runs with when the caller names nobody. */
const DEFAULT_ROLES: Readonly<Record<Source, Grant>> = {
  console: 'admin',
  serial: 'admin',
  script: 'admin',
  config: 'admin',
  // NCMD and DCMD come from whoever the broker lets publish: reading only, unless granted.
  mqtt: 'read',
};

/**
 * The one dispatcher every way in goes through: serial console, stdin, MQTT, scripts and the
 * saved configuration. Commands run one at a time in arrival order, so lines from different
 * sources never interleave half-way.
 */
export class Dispatcher {
  private readonly commands = new Map<string, Command>();
  private tail: Promise<unknown> = Promise.resolve();
  private readonly roles: Record<Source, Grant> = { ...DEFAULT_ROLES };
  private readonly auditListeners = new Set<(e: AuditEvent) => void>();
  private readonly roleListeners = new Set<(source: Source, grant: Grant) => void>();

  constructor() {
    this.register({
      name: 'help',
      summary: 'list commands, or show how to use one',
      usage: 'help [<command>]',
      access: 'read',
      run: (args) => this.help(args),
    });
  }

  /** The role lines from `source` run with when no user is named (a console's login names one). */
  roleOf(source: Source): Grant {
    return this.roles[source];
  }

  setRole(source: Source, grant: Grant): void {
    if (this.roles[source] === grant) return;
    this.roles[source] = grant;
    for (const l of this.roleListeners) l(source, grant);
  }

  onRoleChange(fn: (source: Source, grant: Grant) => void): () => void {
    this.roleListeners.add(fn);
    return () => this.roleListeners.delete(fn);
  }

  /** Every audited line (state-changing, accepted or refused) from every source but the saved configuration. */
  onAudit(fn: (e: AuditEvent) => void): () => void {
    this.auditListeners.add(fn);
    return () => this.auditListeners.delete(fn);
  }

  /** Records a security event that is not a command line (a failed login, a logout). */
  audit(e: AuditEvent): void {
    for (const l of this.auditListeners) l(e);
  }

  /** The principal of a source that names nobody. */
  principalOf(source: Source): Principal {
    return { role: this.roles[source], who: source };
  }

  /** The command a line runs and what it does; undefined for empty, unknown or malformed lines. */
  accessOf(line: string): { command: Command; access: Access } | undefined {
    let words: string[];
    try {
      words = tokenize(line);
    } catch {
      return undefined;
    }
    const command = words.length ? this.commands.get(words[0]) : undefined;
    return command && { command, access: accessOf(command, words.slice(1)) };
  }

  /**
   * The secret prompts a live console shows before running `line` as `principal`: none when
   * the line would be refused anyway (it is refused when it runs, without asking).
   */
  secretPrompts(line: string, principal: Principal, source: Source): string[] {
    const a = this.accessOf(line);
    if (!a?.command.secrets || this.refusal(a.command, a.access, principal, source)) return [];
    try {
      return a.command.secrets(tokenize(line).slice(1), principal);
    } catch {
      return []; // bad arguments: the command says so when it runs
    }
  }

  /** Why `principal` may not run a line of `cmd` from `source`, or undefined when it may. */
  private refusal(cmd: Command, access: Access, principal: Principal, source: Source): string | undefined {
    if (cmd.sources && !cmd.sources.includes(source)) return `${cmd.name} is not available from ${source}`;
    const kind = ACCESS[access];
    if (permits(principal.role, kind.role)) return undefined;
    const who = principal.user !== undefined ? `user ${principal.user}` : source;
    if (principal.role === 'none') return `${who} commands are off`;
    return `${cmd.name} ${kind.does} (needs ${kind.role}; ${who} has ${principal.role})`;
  }

  register(cmd: Command): void {
    if (this.commands.has(cmd.name)) throw new Error(`command ${cmd.name} registered twice`);
    this.commands.set(cmd.name, cmd);
  }

  has(name: string): boolean {
    return this.commands.has(name);
  }

  /** Command names, sorted (for completion). */
  names(): string[] {
    return [...this.commands.keys()].sort();
  }

  /** Runs one console line; never throws. Empty lines and comments give empty output. */
  execute(line: string, source: Source, opts: ExecuteOptions = {}): Promise<CommandResult> {
    const result = this.tail.then(() => this.executeNow(line, source, opts));
    this.tail = result;
    return result;
  }

  /**
   * Runs a line at once, outside the queue: for a command that runs other lines as part of
   * itself (`config load`), which would otherwise wait for its own end.
   */
  executeNested(line: string, source: Source, opts: ExecuteOptions = {}): Promise<CommandResult> {
    return this.executeNow(line, source, opts);
  }

  private async executeNow(line: string, source: Source, opts: ExecuteOptions = {}): Promise<CommandResult> {
    // Typed ahead and then interrupted: dropped, as a terminal flushes its input on Ctrl-C.
    if (opts.interrupt?.interrupted) return { ok: true, output: '' };
    let words: string[];
    try {
      words = tokenize(line);
    } catch (e) {
      return { ok: false, output: `error: ${errorText(e)}` };
    }
    if (words.length === 0) return { ok: true, output: '' };
    const cmd = this.commands.get(words[0]);
    if (!cmd) {
      return { ok: false, output: `error: unknown command '${printable(words[0])}' (try 'help')` };
    }
    const args = words.slice(1);
    const principal = opts.principal ?? this.principalOf(source);
    const access = accessOf(cmd, args);
    // The saved configuration replays state someone already changed (and was audited for).
    const audited = ACCESS[access].audited && source !== 'config';
    const refused = this.refusal(cmd, access, principal, source);
    if (refused) {
      if (audited) this.audit({ source, who: principal.who, line, outcome: 'denied' });
      return { ok: false, output: `error: permission denied: ${refused}` };
    }
    const collected: string[] = [];
    const ctx: CommandContext = {
      source, principal, write: opts.write ?? ((l) => collected.push(l)), interrupt: opts.interrupt, secrets: opts.secrets, session: opts.session,
    };
    let result: CommandResult;
    try {
      const output = await cmd.run(args, ctx);
      result = { ok: true, output: withCollected(collected, output) };
    } catch (e) {
      result = { ok: false, output: withCollected(collected, `error: ${errorText(e)}`) };
    }
    if (audited) this.audit({ source, who: principal.who, line, outcome: result.ok ? 'ok' : 'failed' });
    return result;
  }

  private help(args: string[]): string {
    if (args.length > 0) {
      const cmd = this.commands.get(args[0]);
      if (!cmd) throw new UsageError(`help: no command '${printable(args[0])}' (try 'help')`);
      return `${cmd.name}: ${cmd.summary}\nusage:\n${cmd.usage.split('\n').map((l) => `  ${l}`).join('\n')}`;
    }
    const groups = new Map<string, Command[]>();
    for (const c of this.commands.values()) {
      const g = c.group ?? '';
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g)!.push(c);
    }
    const width = Math.max(...[...this.commands.keys()].map((k) => k.length));
    const lines: string[] = [];
    for (const [g, cmds] of [...groups].sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)))) {
      if (g) lines.push('', `${g}:`);
      for (const c of cmds.sort((a, b) => a.name.localeCompare(b.name))) lines.push(`  ${c.name.padEnd(width)}  ${c.summary}`);
    }
    lines.push('', "'help <command>' shows its usage.");
    return (lines[0] === '' ? lines.slice(1) : lines).join('\n');
  }
}

/** What a line of `cmd` does; a declaration that throws counts as the most powerful kind. */
function accessOf(cmd: Command, args: string[]): Access {
  if (typeof cmd.access === 'string') return cmd.access;
  try {
    return cmd.access(args);
  } catch {
    return 'admin';
  }
}

/** The lines a command wrote as it ran, then what it returned ('' adds nothing). */
function withCollected(lines: string[], last: string): string {
  if (lines.length === 0) return last;
  if (last !== '') lines.push(last);
  return lines.join('\n');
}

/** A word safe to echo back in an error message (bounded, no odd characters). */
export function printable(word: string): string {
  const s = word.length > 40 ? `${word.slice(0, 40)}...` : word;
  return s.replace(/[^\x20-\x7e]/g, '?');
}

export { FirmwareError };
