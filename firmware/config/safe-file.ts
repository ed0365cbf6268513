/**
 * Files the configuration lives in, read and written without ever following a symbolic
 * link: a link planted where a copy or a temporary file goes (in a directory others can
 * write) is refused, and what it points to is never read or touched. Writes go to a
 * temporary file created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, mode 600: the copies hold
 * password hashes), synced, renamed over the destination, and the directory synced, so a
 * copy is always either the old one or the new one.
 *
 * The work is synchronous on purpose: a load or a save is one short step with nothing of the
 * firmware's running in between, so under the scenario runner's virtual clock no time passes
 * while the disk is busy.
 */
import { closeSync, constants, fstatSync, fsyncSync, lstatSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { UnsafeFileError } from './generations.ts';

export { UnsafeFileError };

/** lstat, or undefined when nothing is there. */
function lstatOrNone(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * The bytes of `path` (at most `maxBytes`), never through a symbolic link. Undefined when
 * there is no such file; UnsafeFileError for a link, a directory or a file too large.
 */
export function readNoFollow(path: string, maxBytes: number): Uint8Array | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new UnsafeFileError('is a symbolic link (never followed)');
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnsafeFileError('is not a regular file');
    if (st.size > maxBytes) throw new UnsafeFileError(`too large (${st.size} bytes)`);
    const buf = new Uint8Array(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** Refuses a destination that is a symbolic link or not a regular file (nothing there is fine). */
export function checkWritable(path: string): void {
  const st = lstatOrNone(path);
  if (!st) return;
  if (st.isSymbolicLink()) throw new UnsafeFileError(`${path} is a symbolic link; not written through (remove it)`);
  if (!st.isFile()) throw new UnsafeFileError(`${path} is not a regular file`);
}

/**
 * Replaces `path` with `text`: `<path>.tmp` created exclusively and without following links,
 * written, synced, renamed over `path`, the directory synced. A stale temporary file (a crash
 * mid-write) is removed first; a symbolic link there is refused.
 */
export function writeAtomically(path: string, text: string): void {
  checkWritable(path);
  const tmp = `${path}.tmp`;
  const stale = lstatOrNone(tmp);
  if (stale?.isSymbolicLink()) throw new UnsafeFileError(`${tmp} is a symbolic link; refusing to write (remove it)`);
  if (stale) unlinkSync(tmp);
  let fd: number;
  try {
    // O_EXCL with O_NOFOLLOW: whatever appears at tmp meanwhile, nothing is written through it.
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UnsafeFileError(`${tmp} appeared while writing; refusing to write (another writer?)`);
    throw e;
  }
  try {
    const bytes = new TextEncoder().encode(text);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  syncDirectory(path);
}

/** Moves `from` to `to` (the link itself if `from` is one: rename never follows). */
export function moveFile(from: string, to: string): void {
  if (!lstatOrNone(from)) return;
  renameSync(from, to);
}

export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** The rename itself reaches the disk only with the directory. */
export function syncDirectory(path: string): void {
  try {
    const dir = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some filesystems cannot fsync a directory; the rename is still atomic.
  }
}
