/**
 * The saved configuration: the console commands that recreate the running state, with a
 * generation number and a CRC-32, kept as two complete copies (`<path>` and `<path>.bak`) in
 * a `CopyStore`: files on disk (store.ts: each replaced atomically, never through a symbolic
 * link) or blocks of a flash partition (flash-copies.ts). A save writes `.bak` first, then
 * `<path>`, so at every instant at least one copy holds the newest or the previous complete
 * configuration; a load takes the newest copy that checks out and says which copy was
 * damaged and why.
 *
 * The configurations saved before are kept too, as Junos keeps its rollback history:
 * `<path>.1` is the one before the current, `<path>.2` the one before that, up to `<path>.N`
 * (10 by default). `config rollback <n>` goes back to one; a configuration that does not apply
 * at boot makes way for the newest one that does.
 *
 * Records (users with their password hashes, the audit ring) live in the same copies, after
 * the commands, as `#@ <record>` lines: a comment to anything that reads commands, so no
 * record is ever run or shown by `config show`. They change more often than the commands and
 * are written on their own (`saveRecords`), keeping the commands and their generation; a
 * `#@ revision <n>` record counts every write, so the newest copy is the one with the highest
 * generation, then revision. A file written before records existed has neither and loads as
 * before.
 */
import { FirmwareError } from '../../lib/errors.ts';

/** A copy the configuration store will not use, and why; the message is what the console prints. */
export class UnsafeFileError extends FirmwareError {
  override name = 'UnsafeFileError';
}

/**
 * Where the copies live, by name (`<path>`, `<path>.bak`, `<path>.<n>`). Portable: the file
 * store and the flash store are two of these.
 */
export interface CopyStore {
  /** The bytes of copy `name` (at most `maxBytes`), undefined when there is none; UnsafeFileError when it must not be used. */
  read(name: string, maxBytes: number): Uint8Array | undefined;
  /** Replaces copy `name` whole: afterwards it reads as the old text or the new, or fails its checksum, never a mix that passes. */
  write(name: string, text: string): void;
  /** Removes copy `name` (nothing there is fine). */
  remove(name: string): void;
  /** Moves copy `from` to `to`, replacing it (nothing at `from`: nothing happens). */
  move(from: string, to: string): void;
  /** Refuses (UnsafeFileError) a destination the store will not write to. */
  checkWritable(name: string): void;
}

const HEADER = '# bondfw configuration';
/** Generations are whole numbers up to this (2^31 - 1); a file claiming more is damaged. */
export const MAX_GENERATION = 0x7fffffff;
/** Configurations kept besides the current one (`<path>.1` ... `<path>.N`). */
export const DEFAULT_HISTORY = 10;
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
  if (!Number.isSafeInteger(generation) || generation < 0 || generation > MAX_GENERATION) throw new RangeError(`configuration generation ${generation} out of range (0 to ${MAX_GENERATION})`);
  if (!Number.isSafeInteger(revision) || revision < 0) throw new RangeError(`configuration revision ${revision} out of range`);
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
  if (m[1].length > 10 || Number(m[1]) > MAX_GENERATION) return { error: `generation ${m[1].length > 12 ? `${m[1].slice(0, 12)}...` : m[1]} out of range (0 to ${MAX_GENERATION})` };
  const body = text.slice(0, endAt);
  const want = parseInt(end[2], 16);
  if (crc32(body) !== want) return { error: 'checksum mismatch (the file was changed or damaged)' };
  const all = body.split('\n').slice(1, -1);
  const lines = all.filter((l) => !l.startsWith(RECORD));
  let records = all.filter((l) => l.startsWith(RECORD)).map((l) => l.slice(RECORD.length));
  if (records.length === 0) return { lines, generation: Number(m[1]) };
  let revision = 0;
  const rev = /^revision (\d{1,15})$/.exec(records[0]);
  if (rev) {
    revision = Number(rev[1]);
    records = records.slice(1);
  }
  return { lines, generation: Number(m[1]), revision, records };
}

function readCopy(copies: CopyStore, path: string): ParsedConfig | { error: string } | undefined {
  let bytes: Uint8Array | undefined;
  try {
    bytes = copies.read(path, MAX_BYTES);
  } catch (e) {
    if (e instanceof UnsafeFileError) return { error: e.message };
    return { error: `cannot read: ${(e as Error).message}` };
  }
  if (bytes === undefined) return undefined;
  return parseConfig(new TextDecoder().decode(bytes));
}

/** One configuration kept from before (`<path>.<n>`): its commands, or why it cannot be used. */
export interface HistoryEntry {
  /** The rollback number: 1 is the configuration saved before the current one. */
  n: number;
  path: string;
  generation?: number;
  lines?: string[];
  error?: string;
}

/** The configuration, its backup copy and the rollback history in a `CopyStore`. */
export class ConfigStore {
  constructor(
    private readonly copies: CopyStore,
    readonly path: string,
    /** Configurations kept besides the current one. */
    readonly history = DEFAULT_HISTORY,
  ) {}

  get backupPath(): string {
    return `${this.path}.bak`;
  }

  /** Where rollback `n` is kept (1: the configuration before the current one). */
  historyPath(n: number): string {
    return `${this.path}.${n}`;
  }

  /** Loads the newest copy that checks out. */
  async load(): Promise<LoadResult> {
    const copies = [
      { path: this.path, r: readCopy(this.copies, this.path) },
      { path: this.backupPath, r: readCopy(this.copies, this.backupPath) },
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

  /** The configurations kept from before, newest first (rollback 1, 2, ...), the damaged ones with why. */
  async loadHistory(): Promise<HistoryEntry[]> {
    const out: HistoryEntry[] = [];
    for (let n = 1; n <= this.history; n++) {
      const path = this.historyPath(n);
      const r = readCopy(this.copies, path);
      if (!r) continue;
      if ('error' in r) out.push({ n, path, error: r.error });
      else out.push({ n, path, generation: r.generation, lines: r.lines });
    }
    return out;
  }

  /**
   * Saves `lines` as the next generation into both copies, backup first, with `records` (kept
   * as they are when not given); the configuration it replaces becomes rollback 1.
   */
  async save(lines: readonly string[], records?: readonly string[]): Promise<number> {
    const current = await this.load();
    const generation = current.generation + 1;
    if (generation > MAX_GENERATION) throw new FirmwareError(`${this.path}: generation ${current.generation} is the last there is; erase the configuration to start again`);
    const text = formatConfig(lines, generation, records ?? current.records, current.revision + 1);
    // Every destination checked before anything moves: a planted link stops the save whole.
    for (const p of [this.path, this.backupPath, ...Array.from({ length: this.history }, (_, i) => this.historyPath(i + 1))]) this.copies.checkWritable(p);
    if (current.lines && current.generation > 0) this.keep(current.lines, current.generation);
    this.write(text);
    return generation;
  }

  /**
   * Replaces the records, keeping the saved commands and their generation. With no file yet,
   * the copies hold records only (generation 0). Refuses when copies exist but none can be
   * read: writing would throw away what a repair could still recover.
   */
  async saveRecords(records: readonly string[]): Promise<void> {
    const current = await this.load();
    if (current.error) throw new FirmwareError(`${this.path}: no usable copy to keep records in; not overwriting the damaged copies`);
    this.write(formatConfig(current.lines ?? [], current.generation, records, current.revision + 1));
  }

  /** The configuration being replaced becomes rollback 1; the others move one down, the oldest goes. */
  private keep(lines: readonly string[], generation: number): void {
    if (this.history <= 0) return;
    this.copies.remove(this.historyPath(this.history));
    for (let n = this.history - 1; n >= 1; n--) this.copies.move(this.historyPath(n), this.historyPath(n + 1));
    // Without records: users and the audit ring are never rolled back.
    this.copies.write(this.historyPath(1), formatConfig(lines, generation));
  }

  private write(text: string): void {
    if (text.length > MAX_BYTES) throw new FirmwareError(`configuration too large (${text.length} bytes; at most ${MAX_BYTES})`);
    this.copies.write(this.backupPath, text);
    this.copies.write(this.path, text);
  }

  /** Removes both copies and the history (tests and `config erase`). */
  async erase(): Promise<void> {
    for (const p of [this.path, this.backupPath, ...Array.from({ length: this.history }, (_, i) => this.historyPath(i + 1))]) this.copies.remove(p);
  }
}
