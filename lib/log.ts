import type { Clock, TimerHandle } from './clock.ts';
import { escapeLine } from './escape.ts';

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEntry {
  /** Clock time in milliseconds. */
  time: number;
  level: LogLevel;
  text: string;
  /** Position in everything logged since boot (0 first): a jump between two entries is a gap. */
  seq: number;
}

const LEVELS: readonly LogLevel[] = ['info', 'warn', 'error'];

/** Copies of one warning or error logged as they come before the rest are counted (net_ratelimit's burst). */
export const REPEAT_BURST = 10;
/** How long copies are counted before a line says how many, at first (ms; net_ratelimit's interval). */
export const REPEAT_WINDOW_MS = 5_000;
/** The window doubles while the message keeps coming, up to this (ms). */
export const REPEAT_WINDOW_MAX_MS = 300_000;
/** Distinct repeating messages followed at once; the least recent is forgotten beyond this. */
const REPEAT_KEYS = 64;

interface Repeat {
  level: LogLevel;
  text: string;
  /** Copies logged as they came in this run (up to REPEAT_BURST). */
  logged: number;
  /** Copies counted since the last line about this message. */
  count: number;
  windowMs: number;
  timer: TimerHandle | undefined;
}

/**
 * The event log: kernel-message-style lines ("eth3: link down"), timestamped from the
 * injected clock, passed to listeners (the console, telemetry) and kept in two parts: the
 * first `keepFirst` entries after boot, whatever follows, and a ring of the newest
 * `capacity` (so a flood never erases how the gateway came up).
 *
 * A warning or error is logged as it comes up to REPEAT_BURST times in a row of identical
 * copies; further copies are counted, and at the end of each window one line says how many
 * came (`<text> (repeated 812 times)`). The window doubles while the message keeps coming
 * (rsyslog's "last message repeated", with printk_ratelimit's backoff); a window without a
 * copy ends the run. Information lines (link changes, failovers) are state changes and are
 * always logged.
 */
export class EventLog {
  private readonly first: LogEntry[] = [];
  /**
   * The ring of the newest entries, in columns rather than an object each (about half the
   * memory in a small engine's heap): entry `seq` sits at slot `seq % capacity`, and the
   * ring holds seqs `next - size` to `next - 1`.
   */
  private readonly times: Float64Array;
  private readonly levels: Uint8Array;
  private readonly texts: string[];
  private size = 0;
  private readonly listeners = new Set<(e: LogEntry) => void>();
  private readonly repeats = new Map<string, Repeat>();
  private next = 0;
  /** Warnings and errors counted instead of logged, since boot. */
  suppressed = 0;

  constructor(
    private readonly clock: Clock,
    readonly capacity = 1000,
    readonly keepFirst = 100,
  ) {
    this.times = new Float64Array(capacity);
    this.levels = new Uint8Array(capacity);
    this.texts = new Array<string>(capacity).fill('');
  }

  add(level: LogLevel, text: string): void {
    // One entry is one line, whatever text from outside it quotes (escape.ts).
    const line = escapeLine(text);
    if (level !== 'info' && this.repeated(level, line)) return;
    this.append(level, line);
  }

  info(text: string): void {
    this.add('info', text);
  }
  warn(text: string): void {
    this.add('warn', text);
  }
  error(text: string): void {
    this.add('error', text);
  }

  /** The newest `n` entries kept, oldest first (the first entries after boot included when `n` reaches them). */
  tail(n = this.capacity + this.keepFirst): LogEntry[] {
    const oldest = this.next - this.size;
    const head = this.first.filter((e) => e.seq < oldest);
    const want = Math.max(0, Math.min(n, head.length + this.size));
    const out: LogEntry[] = [];
    for (let i = Math.max(0, head.length - (want - Math.min(want, this.size))); i < head.length; i++) out.push(head[i]);
    for (let seq = this.next - Math.min(want, this.size); seq < this.next; seq++) out.push(this.entry(seq));
    return out;
  }

  /** Entries logged since boot that are no longer kept (between the first ones and the newest). */
  get dropped(): number {
    return this.size > 0 ? Math.max(0, this.next - this.size - this.first.length) : 0;
  }

  /** Entry `seq`, which the ring holds, as an object. */
  private entry(seq: number): LogEntry {
    const at = seq % this.capacity;
    return { time: this.times[at], level: LEVELS[this.levels[at]], text: this.texts[at], seq };
  }

  subscribe(fn: (e: LogEntry) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private append(level: LogLevel, text: string): void {
    const e: LogEntry = { time: this.clock.now(), level, text, seq: this.next++ };
    if (this.first.length < this.keepFirst) this.first.push(e);
    if (this.capacity > 0) {
      const at = e.seq % this.capacity;
      this.times[at] = e.time;
      this.levels[at] = LEVELS.indexOf(level);
      this.texts[at] = text;
      if (this.size < this.capacity) this.size++;
    }
    for (const l of this.listeners) l(e);
  }

  /** True when this copy is only counted; the first copy in a window opens it. */
  private repeated(level: LogLevel, text: string): boolean {
    const key = `${level}\u0000${text}`;
    const r = this.repeats.get(key);
    if (r && r.logged < REPEAT_BURST) {
      r.logged++;
      return false;
    }
    if (r) {
      r.count++;
      this.suppressed++;
      // Most recent last, for eviction.
      this.repeats.delete(key);
      this.repeats.set(key, r);
      return true;
    }
    if (this.repeats.size >= REPEAT_KEYS) this.forget(this.repeats.keys().next().value as string);
    const fresh: Repeat = { level, text, logged: 1, count: 0, windowMs: REPEAT_WINDOW_MS, timer: undefined };
    this.repeats.set(key, fresh);
    this.arm(key, fresh);
    return false;
  }

  private arm(key: string, r: Repeat): void {
    r.timer = this.clock.setTimer(r.windowMs, () => {
      r.timer = undefined;
      if (r.count === 0) {
        this.repeats.delete(key);
        return;
      }
      this.append(r.level, `${r.text} (repeated ${r.count} time${r.count === 1 ? '' : 's'})`);
      r.count = 0;
      r.windowMs = Math.min(r.windowMs * 2, REPEAT_WINDOW_MAX_MS);
      this.arm(key, r);
    });
  }

  /** Stops following a message, saying first how often it repeated. */
  private forget(key: string): void {
    const r = this.repeats.get(key);
    if (!r) return;
    this.repeats.delete(key);
    if (r.timer !== undefined) this.clock.cancel(r.timer);
    if (r.count > 0) this.append(r.level, `${r.text} (repeated ${r.count} time${r.count === 1 ? '' : 's'})`);
  }
}

/** "[   12.345]" as the kernel prints its timestamps, in seconds. */
export function formatLogTime(ms: number): string {
  return `[${(ms / 1000).toFixed(3).padStart(9)}]`;
}

export function formatLogEntry(e: LogEntry): string {
  return `${formatLogTime(e.time)} ${e.level === 'info' ? '' : `${e.level}: `}${e.text}`;
}

/** Entries as lines, with one line where entries between them were not kept. */
export function formatLogEntries(entries: readonly LogEntry[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const gap = i > 0 ? entries[i].seq - entries[i - 1].seq - 1 : 0;
    if (gap > 0) out.push(`-- ${gap} entr${gap === 1 ? 'y' : 'ies'} not kept --`);
    out.push(formatLogEntry(entries[i]));
  }
  return out;
}
