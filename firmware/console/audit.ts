/**
 * The audit log: every state-changing line, accepted or refused, and every login event, with
 * its time, source, who and the line. Each entry goes to the event log as it happens, to
 * listeners (the `Audit/Last` metric), and into a bounded ring that is kept with the saved
 * configuration so it survives restarts (security.ts persists it).
 */
import { escapeLine, escapeText } from '../../lib/escape.ts';
import type { EventLog } from '../../lib/log.ts';
import { SOURCES, type AuditEvent, type Source } from './dispatcher.ts';

export interface AuditEntry extends AuditEvent {
  /** Milliseconds: since 1970 where the platform has a wall clock, else since boot. */
  time: number;
}

/** Entries kept (about 150 bytes each in the configuration file). */
export const AUDIT_CAPACITY = 128;
/** Characters of a line kept in an entry; a console line may be 4096. */
const MAX_LINE = 300;
const MAX_WHO = 64;

const OUTCOMES: readonly AuditEntry['outcome'][] = ['ok', 'failed', 'denied'];

export class AuditLog {
  private ring: AuditEntry[] = [];
  private readonly listeners = new Set<(e: AuditEntry) => void>();

  constructor(
    /** Wall-clock milliseconds, or the firmware clock's where there is no wall clock. */
    private readonly now: () => number,
    private readonly log: EventLog,
    readonly capacity = AUDIT_CAPACITY,
  ) {}

  record(e: AuditEvent): AuditEntry {
    // Remote text is made safe once, here: it is printed, logged, published and saved.
    const entry: AuditEntry = { time: this.now(), source: e.source, who: escapeText(e.who, MAX_WHO), outcome: e.outcome, line: escapeText(e.line, MAX_LINE) };
    this.push(entry);
    const text = `audit: ${entry.source} ${entry.who} ${entry.outcome}: ${entry.line}`;
    if (entry.outcome === 'denied') this.log.warn(text);
    else this.log.info(text);
    for (const l of this.listeners) l(entry);
    return entry;
  }

  private push(e: AuditEntry): void {
    this.ring.push(e);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
  }

  /** Oldest first. */
  entries(): readonly AuditEntry[] {
    return this.ring;
  }

  get last(): AuditEntry | undefined {
    return this.ring[this.ring.length - 1];
  }

  subscribe(fn: (e: AuditEntry) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Entries kept from before a restart, ahead of the ones since. */
  restore(entries: readonly AuditEntry[]): void {
    const now = this.ring;
    this.ring = [];
    for (const e of [...entries, ...now]) this.push(e);
  }
}

/** "2024-05-01T12:00:00.000Z": ISO 8601 in UTC, computed here (the core has no Date). */
export function isoTime(ms: number): string {
  const t = Math.floor(ms);
  const days = Math.floor(t / 86_400_000);
  const inDay = t - days * 86_400_000;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const h = Math.floor(inDay / 3_600_000);
  const mi = Math.floor((inDay % 3_600_000) / 60_000);
  const s = Math.floor((inDay % 60_000) / 1000);
  return `${p(y, 4)}-${p(m)}-${p(d)}T${p(h)}:${p(mi)}:${p(s)}.${p(inDay % 1000, 3)}Z`;
}

/** One line: time, source, who, outcome, the line. */
export function formatAuditEntry(e: AuditEntry): string {
  return `${isoTime(e.time)} ${e.source} ${e.who} ${e.outcome}: ${e.line}`;
}

/** The entry as a record of the configuration file (one line of JSON, escaped by JSON itself). */
export function auditRecord(e: AuditEntry): string {
  return `audit ${JSON.stringify({ t: e.time, s: e.source, w: e.who, o: e.outcome, l: e.line })}`;
}

/** Reads an `audit` record back; undefined for anything it did not write. */
export function parseAuditRecord(text: string): AuditEntry | undefined {
  if (!text.startsWith('audit ')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text.slice(6));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  if (typeof r.t !== 'number' || !Number.isFinite(r.t) || typeof r.w !== 'string' || typeof r.l !== 'string') return undefined;
  if (!SOURCES.includes(r.s as Source) || !OUTCOMES.includes(r.o as AuditEntry['outcome'])) return undefined;
  // Saved escaped by us, but a file can be edited: bounded, and anything unsafe escaped (a
  // backslash is left alone, or every restart would double it).
  const bound = (x: string, n: number) => escapeLine(x.length > n + 32 ? x.slice(0, n + 32) : x);
  return { time: r.t, source: r.s as Source, who: bound(r.w, MAX_WHO), outcome: r.o as AuditEntry['outcome'], line: bound(r.l, MAX_LINE) };
}
