import { closeSync, openSync, writeSync } from 'node:fs';
import type { CaptureFile } from './commands.ts';
import { UsageError } from '../lib/errors.ts';

/** A capture written straight to a file (synchronous: a capture is small and ordered). */
export function openCaptureFile(path: string): CaptureFile {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new UsageError(`sim pcap: cannot write '${path}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let open = true;
  return {
    write: (chunk) => {
      if (open) writeSync(fd, chunk);
    },
    close: () => {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
