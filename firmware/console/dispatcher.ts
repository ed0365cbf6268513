import { FirmwareError, UsageError, errorText } from '../core/errors.ts';
import type { Interrupt } from '../core/interrupt.ts';
import { tokenize } from './tokenize.ts';

/** Where a command came from; the answer is the same for every source. */
export type Source = 'console' | 'serial' | 'mqtt' | 'config' | 'script';

export interface CommandContext {
  source: Source;
  /**
   * Writes one line of output as it happens (a ping's replies): a live console prints it at
   * once; other sources (MQTT, scripts, the config) collect it into the command's output,
   * ahead of what `run` returns.
   */
  write(line: string): void;
  /** Ctrl-C for this command; absent where nobody can interrupt (MQTT, scripts, the config). */
  interrupt?: Interrupt;
}

/** How a way in takes a command's output: live lines and Ctrl-C, where it has them. */
export interface ExecuteOptions {
  /** Prints a line the command writes as it runs; without it the lines are collected into `output`. */
  write?: (line: string) => void;
  /** Interrupts the command; fired before the command started, the command is skipped. */
  interrupt?: Interrupt;
}

export interface Command {
  /** The first word of the line. */
  name: string;
  /** One line for `help`. */
  summary: string;
  /** Usage lines for `help <name>`. */
  usage: string;
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

/**
 * The one dispatcher every way in goes through: serial console, stdin, MQTT, scripts and the
 * saved configuration. Commands run one at a time in arrival order, so lines from different
 * sources never interleave half-way.
 */
export class Dispatcher {
  private readonly commands = new Map<string, Command>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor() {
    this.register({
      name: 'help',
      summary: 'list commands, or show how to use one',
      usage: 'help [<command>]',
      run: (args) => this.help(args),
    });
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
  executeNested(line: string, source: Source): Promise<CommandResult> {
    return this.executeNow(line, source);
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
    const collected: string[] = [];
    const ctx: CommandContext = { source, write: opts.write ?? ((l) => collected.push(l)), interrupt: opts.interrupt };
    try {
      const output = await cmd.run(words.slice(1), ctx);
      return { ok: true, output: withCollected(collected, output) };
    } catch (e) {
      return { ok: false, output: withCollected(collected, `error: ${errorText(e)}`) };
    }
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
