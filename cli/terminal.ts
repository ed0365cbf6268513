/**
 * The console on an interactive terminal: readline's line editing, history and completion,
 * echo that a password prompt turns off (and a password never kept in the history), and
 * Ctrl-C handed to whoever runs a command. The native firmware and the image inside an
 * engine both drive their stdin console through this.
 */
import { createInterface, type Completer } from 'node:readline';
import { Writable } from 'node:stream';

export interface TerminalConsole {
  print(text: string): void;
  prompt(text: string): void;
  /** False while a secret is typed: nothing echoed, nothing kept in the history. */
  echo(on: boolean): void;
  close(): Promise<void>;
}

/**
 * `onInterrupt` says whether Ctrl-C interrupted something (a running command, a prompt);
 * when it did not, the job is stopped as if by SIGINT. The terminal is raw, so Ctrl-C
 * reaches readline and not the process.
 */
export function openTerminal(opts: { prompt: string; completer?: Completer; onLine(line: string): void; onInterrupt(): boolean }): TerminalConsole {
  let muted = false;
  const shown = new Writable({
    write: (chunk, _enc, cb) => {
      if (!muted) process.stdout.write(chunk);
      cb();
    },
  });
  Object.assign(shown, { isTTY: true, columns: process.stdout.columns, rows: process.stdout.rows });
  const rl = createInterface({ input: process.stdin, output: shown, terminal: true, historySize: 500, completer: opts.completer, prompt: opts.prompt });
  const history = (rl as unknown as { history: string[] }).history;
  rl.on('line', (line) => {
    if (muted && history[0] === line) history.shift();
    opts.onLine(line);
  });
  rl.on('SIGINT', () => {
    if (!opts.onInterrupt()) {
      process.kill(process.pid, 'SIGINT');
      return;
    }
    process.stdout.write('^C\n'); // what a cooked terminal would echo
  });
  return {
    print: (t) => process.stdout.write(t),
    prompt: (t) => {
      rl.setPrompt(t);
      rl.prompt();
    },
    echo: (on) => {
      muted = !on;
    },
    close: async () => rl.close(),
  };
}
