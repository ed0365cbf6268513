import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/bondfw.js', import.meta.url));

/** Runs `bondfw <args>` to completion with `input` on stdin. */
export function runCli(args: string[], input = ''): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
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
