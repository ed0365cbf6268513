/**
 * The saved configuration on disk: the console commands that recreate the running state,
 * with a generation number and a CRC-32, kept as two complete copies (`<path>` and
 * `<path>.bak`), each replaced atomically (temporary file, fsync, rename, fsync of the
 * directory). A save writes `.bak` first, then `<path>`, so at every instant at least one
 * copy holds the newest or the previous complete configuration; a load takes the newest copy
 * that checks out and says which copy was damaged and why.
 *
 * Records (users with their password hashes, the audit ring) live in the same copies, after
 * the commands, as `#@ <record>` lines: a comment to anything that reads commands, so no
 * record is ever run or shown by `config show`. They change more often than the commands and
 * are written on their own (`saveRecords`), keeping the commands and their generation; a
 * `#@ revision <n>` record counts every write, so the newest copy is the one with the highest
 * generation, then revision. A file written before records existed has neither and loads as
 * before.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const HEADER = '# bondfw configuration';
const MAX_BYTES = 1 << 20;
const RECORD = '#@ ';

export interface LoadResult {
  /** The commands, or undefined when there is no usable copy. */
  lines: string[] | undefined;
  generation: number;
  /** Writes of this file, records included (0 in files from before records). */
  revision: number;
  /** The `#@` records (users, audit), without the prefix; [] when none. */
  records: string[];
  /** Which file the lines came from. */
  source: string | undefined;
  /** One line per problem (a damaged copy, both copies gone). */
  warnings: string[];
  /** Set when copies exist but none can be used. */
  error: string | undefined;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zlib computes it) of a string's UTF-8 bytes. */
export function crc32(text: string): number {
  const bytes = new TextEncoder().encode(text);
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The file text for `lines` at `generation`, with `records` (and the revision, when there are any) after them. */
export function formatConfig(lines: readonly string[], generation: number, records: readonly string[] = [], revision = 0): string {
  for (const r of records) if (/[\r\n]/.test(r)) throw new Error('a configuration record is one line');
  const recs = revision > 0 || records.length > 0 ? [`revision ${revision}`, ...records] : [];
  const body = `${HEADER}, generation ${generation}\n${lines.map((l) => `${l}\n`).join('')}${recs.map((r) => `${RECORD}${r}\n`).join('')}`;
  return `${body}# end generation ${generation} crc32 ${crc32(body).toString(16).padStart(8, '0')}\n`;
}

export interface ParsedConfig {
  lines: string[];
  generation: number;
  /** Present only in files written with records. */
  revision?: number;
  records?: string[];
}

/** Checks a copy; returns its lines, generation and records, or why it cannot be used. */
export function parseConfig(text: string): ParsedConfig | { error: string } {
  const m = /^# bondfw configuration, generation (\d+)\n/.exec(text);
  if (!m) return { error: 'not a bondfw configuration (bad first line)' };
  const endAt = text.lastIndexOf('# end generation ');
  if (endAt < 0) return { error: 'truncated (no end line)' };
  const end = /^# end generation (\d+) crc32 ([0-9a-f]{8})\n$/.exec(text.slice(endAt));
  if (!end) return { error: 'truncated or damaged end line' };
  if (end[1] !== m[1]) return { error: `generation ${m[1]} at the start, ${end[1]} at the end` };
  const body = text.slice(0, endAt);
  const want = parseInt(end[2], 16);
  if (crc32(body) !== want) return { error: 'checksum mismatch (the file was changed or damaged)' };
  const all = body.split('\n').slice(1, -1);
  const lines = all.filter((l) => !l.startsWith(RECORD));
  let records = all.filter((l) => l.startsWith(RECORD)).map((l) => l.slice(RECORD.length));
  if (records.length === 0) return { lines, generation: Number(m[1]) };
  let revision = 0;
  const rev = /^revision (\d+)$/.exec(records[0]);
  if (rev) {
    revision = Number(rev[1]);
    records = records.slice(1);
  }
  return { lines, generation: Number(m[1]), revision, records };
}

// The file work is synchronous on purpose: a load or a save is one short step with nothing
// of the firmware's running in between, so under the scenario runner's virtual clock no
// time passes while the disk is busy (it did, by however long the disk took).
function readCopy(path: string): ParsedConfig | { error: string } | undefined {
  let text: string;
  try {
    const buf = readFileSync(path);
    if (buf.length > MAX_BYTES) return { error: `too large (${buf.length} bytes)` };
    text = buf.toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { error: `cannot read: ${(e as Error).message}` };
  }
  return parseConfig(text);
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  const f = openSync(tmp, 'w', 0o644);
  try {
    writeFileSync(f, text);
    fsyncSync(f);
  } finally {
    closeSync(f);
  }
  renameSync(tmp, path);
  // The rename itself reaches the disk only with the directory.
  try {
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some filesystems cannot fsync a directory; the rename is still atomic.
  }
}

export class ConfigFile {
  constructor(readonly path: string) {}

  get backupPath(): string {
    return `${this.path}.bak`;
  }

  /** Loads the newest copy that checks out. */
  async load(): Promise<LoadResult> {
    const copies = [
      { path: this.path, r: readCopy(this.path) },
      { path: this.backupPath, r: readCopy(this.backupPath) },
    ];
    const warnings: string[] = [];
    let best: ({ path: string } & ParsedConfig) | undefined;
    const newer = (a: ParsedConfig, b: ParsedConfig) => a.generation > b.generation || (a.generation === b.generation && (a.revision ?? 0) > (b.revision ?? 0));
    for (const c of copies) {
      if (!c.r) continue;
      if ('error' in c.r) {
        warnings.push(`config: ${c.path}: ${c.r.error}`);
        continue;
      }
      if (!best || newer(c.r, best)) best = { path: c.path, ...c.r };
    }
    if (best) {
      if (warnings.length) warnings.push(`config: using ${best.path} (generation ${best.generation})`);
      return { lines: best.lines, generation: best.generation, revision: best.revision ?? 0, records: best.records ?? [], source: best.path, warnings, error: undefined };
    }
    const error = warnings.length
      ? `config: no usable copy of ${this.path} (${warnings.length === 2 ? 'both copies damaged' : 'the only copy is damaged'}): starting with no configuration`
      : undefined;
    return { lines: undefined, generation: 0, revision: 0, records: [], source: undefined, warnings, error };
  }

  /** Saves `lines` as the next generation into both copies, backup first, with `records` (kept as they are when not given). */
  async save(lines: readonly string[], records?: readonly string[]): Promise<number> {
    const current = await this.load();
    const generation = current.generation + 1;
    this.write(formatConfig(lines, generation, records ?? current.records, current.revision + 1));
    return generation;
  }

  /**
   * Replaces the records, keeping the saved commands and their generation. With no file yet,
   * the copies hold records only (generation 0). Refuses when copies exist but none can be
   * read: writing would throw away what a repair could still recover.
   */
  async saveRecords(records: readonly string[]): Promise<void> {
    const current = await this.load();
    if (current.error) throw new Error(`${this.path}: no usable copy to keep records in; not overwriting the damaged copies`);
    this.write(formatConfig(current.lines ?? [], current.generation, records, current.revision + 1));
  }

  private write(text: string): void {
    if (text.length > MAX_BYTES) throw new Error(`configuration too large (${text.length} bytes; at most ${MAX_BYTES})`);
    writeAtomically(this.backupPath, text);
    writeAtomically(this.path, text);
  }

  /** Removes both copies (tests and `config erase`). */
  async erase(): Promise<void> {
    for (const p of [this.path, this.backupPath]) {
      try {
        unlinkSync(p);
      } catch {
        // already gone
      }
    }
  }
}
