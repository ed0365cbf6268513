import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { SerialPort } from 'serialport';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/bondfw.js', import.meta.url));

/** Runs `bondfw <args>` to completion with `input` on stdin. */
export function runCli(args: string[], input = ''): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** A console on a child's stdin/stdout: asks a line until the answer matches. */
export class ChildConsole {
  text = '';
  constructor(readonly p: ChildProcessWithoutNullStreams) {
    p.stdout.on('data', (c: Buffer) => {
      this.text += c.toString();
    });
  }

  /** Sends `line` every `everyMs` until what follows matches `pattern`; resolves with the ms it took. */
  async until(line: string, pattern: RegExp, limitMs: number, everyMs = 100): Promise<number> {
    const t0 = Date.now();
    while (Date.now() - t0 < limitMs) {
      const from = this.text.length;
      this.p.stdin.write(`${line}\n`);
      await new Promise<void>((r) => setTimeout(r, everyMs));
      if (pattern.test(this.text.slice(from))) return Date.now() - t0;
    }
    throw new Error(`'${line}' never answered ${pattern} within ${limitMs} ms; last output:\n${this.text.slice(-3000)}`);
  }

  send(...lines: string[]): void {
    for (const l of lines) this.p.stdin.write(`${l}\n`);
  }
}

/** Starts `bondfw <args>` in the background. */
export function startCli(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
}

/**
 * Resolves with everything read so far once `pattern` matches; rejects after `ms`. The default
 * leaves room for a child's start-up (tsx compiling the whole firmware) on a machine busy with
 * other test processes: it bounds a wait, it times nothing.
 */
export function waitFor(stream: NodeJS.ReadableStream, pattern: RegExp, ms = 45_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`timed out waiting for ${pattern}; got:\n${text}`));
    }, ms);
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(text);
      }
    };
    stream.on('data', onData);
  });
}

/** Sends `signal` and resolves with the exit code. */
export function stopCli(p: ChildProcessWithoutNullStreams, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
  p.kill(signal);
  return exited;
}

/**
 * `bondfw <args> --console <a>:115200`: the firmware's console on the `a` end of a
 * pseudo-terminal pair, and the test's end of the line (`b`) open through the real serialport
 * binding; `text` is everything that came over the line.
 */
export class SerialConsoleCli {
  text = '';

  private constructor(
    readonly p: ChildProcessWithoutNullStreams,
    readonly port: SerialPort,
  ) {
    port.on('data', (c: Buffer) => (this.text += c.toString('latin1')));
  }

  static async start(args: string[], pty: { a: string; b: string }): Promise<SerialConsoleCli> {
    const p = startCli([...args, '--console', `${pty.a}:115200`]);
    let stderr = '';
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      await waitFor(p.stdout, new RegExp(`console on ${pty.a}`), 60_000).catch((e: Error) => {
        throw new Error(`${e.message}\nstderr:\n${stderr}`);
      });
      const port = new SerialPort({ path: pty.b, baudRate: 115200 });
      await new Promise<void>((resolve, reject) => port.once('open', resolve).once('error', reject));
      return new SerialConsoleCli(p, port);
    } catch (e) {
      p.kill('SIGKILL');
      throw e;
    }
  }

  /** A line typed at the console (a serial terminal ends it with CR). */
  send(line: string): void {
    this.port.write(`${line}\r`);
  }

  /** Waits for `re` in what arrived after offset `from`; resolves with the time it matched. */
  async until(re: RegExp, from = 0, ms = 40_000): Promise<number> {
    for (const end = Date.now() + ms; !re.test(this.text.slice(from));) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${re}; got:\n${JSON.stringify(this.text.slice(from))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return performance.now();
  }

  async close(): Promise<void> {
    if (this.port.isOpen) await new Promise((r) => this.port.close(r));
    this.p.kill('SIGKILL');
  }
}
