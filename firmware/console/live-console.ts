/**
 * A console someone types at (the stdin terminal, a serial line): a command's lines are
 * printed as it writes them (a ping's replies as they come), and Ctrl-C interrupts it.
 * Portable: the way in hands over lines and Ctrl-C, and prints the text this gives it.
 */
import { Interrupt } from '../../lib/interrupt.ts';
import type { CommandResult, Dispatcher, ExecuteOptions, Source } from './dispatcher.ts';

export class LiveConsole {
  /** The interrupts of this console's lines still running or waiting to, oldest first. */
  private pending: Interrupt[] = [];

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly source: Source,
    private readonly print: (text: string) => void,
    /** Runs right after a line's output (a prompt), before the next line can start printing. */
    private readonly after: () => void = () => {},
  ) {}

  /**
   * Runs one line: its lines printed as written, then the rest of its output. `as` names who
   * runs it (a logged-in user), the secrets typed at its prompts and the console's session.
   */
  async run(line: string, as: Pick<ExecuteOptions, 'principal' | 'secrets' | 'session'> = {}): Promise<CommandResult> {
    const interrupt = new Interrupt();
    this.pending.push(interrupt);
    try {
      const r = await this.dispatcher.execute(line, this.source, { ...as, write: (l) => this.print(`${l}\n`), interrupt });
      if (r.output) this.print(`${r.output}\n`);
      this.after();
      return r;
    } finally {
      this.pending = this.pending.filter((i) => i !== interrupt);
    }
  }

  /** True while a line from this console is running or waiting to. */
  get busy(): boolean {
    return this.pending.length > 0;
  }

  /**
   * Ctrl-C: interrupts the running command and drops the lines typed after it (a terminal
   * flushes its input on SIGINT). Returns false when nothing from this console is running.
   */
  interrupt(): boolean {
    if (this.pending.length === 0) return false;
    for (const i of this.pending) i.interrupt();
    return true;
  }
}
