import type { Clock } from './clock.ts';
import { escapeLine } from './escape.ts';

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEntry {
  /** Clock time in milliseconds. */
  time: number;
  level: LogLevel;
  text: string;
}

/**
 * The event log: kernel-message-style lines ("eth3: link down"), timestamped from the
 * injected clock, kept in a bounded ring, and passed to listeners (the console, telemetry).
 */
export class EventLog {
  private readonly entries: LogEntry[] = [];
  private readonly listeners = new Set<(e: LogEntry) => void>();

  constructor(
    private readonly clock: Clock,
    readonly capacity = 1000,
  ) {}

  add(level: LogLevel, text: string): void {
    // One entry is one line, whatever text from outside it quotes (escape.ts).
    const e: LogEntry = { time: this.clock.now(), level, text: escapeLine(text) };
    this.entries.push(e);
    if (this.entries.length > this.capacity) this.entries.shift();
    for (const l of this.listeners) l(e);
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

  /** The newest `n` entries, oldest first. */
  tail(n = this.capacity): LogEntry[] {
    return this.entries.slice(-n);
  }

  subscribe(fn: (e: LogEntry) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/** "[   12.345]" as the kernel prints its timestamps, in seconds. */
export function formatLogTime(ms: number): string {
  return `[${(ms / 1000).toFixed(3).padStart(9)}]`;
}

export function formatLogEntry(e: LogEntry): string {
  return `${formatLogTime(e.time)} ${e.level === 'info' ? '' : `${e.level}: `}${e.text}`;
}
