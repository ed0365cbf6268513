import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether socat is installed (it makes pseudo-terminal pairs for serial tests). */
export function haveSocat(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

export interface PtyPair {
  a: string;
  b: string;
  /** The socat process that holds the pair. */
  readonly pid: number | undefined;
  /** Resolves when socat exits, on `close()` or otherwise (killed: the cable is gone). */
  readonly exited: Promise<void>;
  /** Ends socat: both terminals vanish, as an unplugged USB adapter does. */
  close(): Promise<void>;
}

/**
 * A connected pair of pseudo-terminals, raw, no echo: what a null-modem cable looks like.
 * Made by socat (Debian package `socat`); Node has no openpty of its own.
 */
export async function openPtyPair(paths?: { a: string; b: string }): Promise<PtyPair> {
  if (!haveSocat()) throw new Error('socat is needed to make a pseudo-terminal pair (apt-get install socat)');
  let a: string, b: string;
  if (paths) {
    ({ a, b } = paths);
    // Links left by a socat that was killed would look like a pair that is already there.
    for (const p of [a, b]) rmSync(p, { force: true });
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'bondfw-pty-'));
    a = join(dir, 'a');
    b = join(dir, 'b');
  }
  const proc: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !(existsSync(a) && existsSync(b)); i++) await new Promise((r) => setTimeout(r, 10));
  if (!existsSync(a) || !existsSync(b)) {
    proc.kill();
    throw new Error('socat did not create the pseudo-terminal pair');
  }
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    a,
    b,
    pid: proc.pid,
    exited,
    close: async () => {
      proc.kill();
      await exited;
      for (const p of [a, b]) if (existsSync(p)) rmSync(p, { force: true });
    },
  };
}
