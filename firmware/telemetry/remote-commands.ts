/**
 * Remote commands (NCMD, DCMD) from the broker, on their way to the one dispatcher: decoded
 * and checked (size, metric count, names, types), rate-limited (a token bucket), queued
 * within a bound, and run one at a time with the role the configuration grants MQTT
 * (`mqtt-commands`, `read` by default), each from a timer of its own on the firmware clock,
 * so that timers already due (the link monitors' rounds, LACP's periodic transmissions) run
 * first. A DCMD `Config/<option>` write is the console line `echo <value> > /sys/class/net/
 * <bond>/bonding/<option>`: the same option table, the same role check, the same audit.
 * Rebirth requests are folded into at most one birth per interval. Bad input from the network
 * is counted, logged (rate-limited, escaped) and changes nothing.
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { errorText } from '../../lib/errors.ts';
import { escapeText } from '../../lib/escape.ts';
import { Ratelimit } from '../../lib/ratelimit.ts';
import { MAX_LINE } from '../console/tokenize.ts';
import type { Firmware } from '../system.ts';
import { CONFIG_OPTIONS } from './metrics.ts';
import { decodePayload, type Metric } from './sparkplug.ts';

export interface RemoteLimits {
  /** Commands accepted at once, then `perSecond` after that (token bucket). */
  burst: number;
  perSecond: number;
  /** Commands waiting to run, at most. */
  maxQueued: number;
  /** Metrics in one NCMD/DCMD payload, at most. */
  maxMetrics: number;
  /** At most one rebirth this often (ms); requests in between are folded into the next. */
  rebirthIntervalMs: number;
}

export const DEFAULT_REMOTE_LIMITS: RemoteLimits = { burst: 20, perSecond: 10, maxQueued: 20, maxMetrics: 64, rebirthIntervalMs: 5000 };

/** What the edge node does with the outcome of a remote command. */
export interface RemoteSink {
  /** The output of a `Node Control/Command` line (NDATA `Node Control/Command Result`). */
  commandResult(output: string): void;
  /** A `Config/<option>` write ran or was refused: the value that holds now (DDATA). */
  configResult(device: string, metric: string): void;
  /** Publish NBIRTH and every DBIRTH again. */
  rebirth(): void;
}

export interface RemoteStats {
  /** Command metrics received (each one a command). */
  received: number;
  /** Undecodable payloads, unknown metrics, wrong types, too long or too many. */
  badCommands: number;
  /** Dropped by the rate limit or a full queue. */
  rateLimited: number;
  /** Refused by the role MQTT runs with. */
  denied: number;
  /** Lines run through the dispatcher. */
  executed: number;
  rebirths: number;
  /** Rebirth requests folded into another rebirth. */
  rebirthsFolded: number;
}

interface Job {
  line: string;
  who: string;
  /** For a Config write: where the value that holds goes. */
  config?: { device: string; metric: string };
}

export class RemoteCommands {
  readonly stats: RemoteStats = { received: 0, badCommands: 0, rateLimited: 0, denied: 0, executed: 0, rebirths: 0, rebirthsFolded: 0 };
  private tokens: number;
  private refilledAt: number;
  private readonly queue: Job[] = [];
  private running = false;
  private runTimer: TimerHandle | undefined;
  private lastRebirth = -Infinity;
  private rebirthTimer: TimerHandle | undefined;
  private readonly warnLimit = new Ratelimit(10, 5000);
  private closed = false;

  constructor(
    private readonly fw: Firmware,
    private readonly clock: Clock,
    private readonly sink: RemoteSink,
    private readonly limits: RemoteLimits = DEFAULT_REMOTE_LIMITS,
  ) {
    this.tokens = limits.burst;
    this.refilledAt = clock.now();
  }

  /** Commands waiting (not counting one that runs). */
  get queued(): number {
    return this.queue.length;
  }

  /** Takes commands again after `close` (the edge node started again). */
  open(): void {
    this.closed = false;
  }

  /** Drops queued work and takes no more (the edge node is stopping). */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    for (const t of [this.runTimer, this.rebirthTimer]) if (t !== undefined) this.clock.cancel(t);
  }

  /**
   * One NCMD (`device` undefined) or DCMD message. `who` is what the sender says it is (an
   * MQTT 5 user property), already escaped; the broker's ACL is what decides who may publish.
   */
  receive(kind: 'NCMD' | 'DCMD', device: string | undefined, payload: Uint8Array, who: string): void {
    if (this.closed) return;
    const where = `${kind}${device !== undefined ? ` ${escapeText(device, 40)}` : ''}`;
    let metrics: Metric[];
    try {
      metrics = decodePayload(payload).metrics;
    } catch (e) {
      this.bad(where, errorText(e));
      return;
    }
    if (metrics.length > this.limits.maxMetrics) {
      this.bad(where, `${metrics.length} metrics in one payload (at most ${this.limits.maxMetrics}); nothing done`);
      return;
    }
    for (const m of metrics) this.metric(kind, device, m, who, where);
  }

  private metric(kind: 'NCMD' | 'DCMD', device: string | undefined, m: Metric, who: string, where: string): void {
    const name = escapeText(m.name, 80);
    if (kind === 'NCMD') {
      if (m.name === 'Node Control/Rebirth') {
        if (m.value !== true) return this.bad(where, `'Node Control/Rebirth' wants Boolean true, got ${m.type} ${escapeText(String(m.value), 40)}`);
        this.requestRebirth();
        return;
      }
      if (m.name === 'Node Control/Command') {
        if (m.type !== 'String' || typeof m.value !== 'string') return this.bad(where, `'Node Control/Command' wants a String, got ${m.type}`);
        if (m.value.length > MAX_LINE) return this.bad(where, `command line of ${m.value.length} characters (at most ${MAX_LINE}); not run`);
        this.enqueue({ line: m.value, who });
        return;
      }
      return this.bad(where, `unknown node command metric '${name}'`);
    }
    if (device === undefined) return this.bad(where, 'no device in the topic');
    if (!this.fw.net.bond(device)) return this.bad(where, `no bond '${escapeText(device, 40)}'`);
    if (!m.name.startsWith('Config/')) return this.bad(where, `unknown device command metric '${name}'`);
    const option = m.name.slice('Config/'.length);
    if (!CONFIG_OPTIONS.includes(option)) return this.bad(where, `unknown option metric '${name}'`);
    if (m.type !== 'String' || typeof m.value !== 'string') return this.bad(where, `'${name}' wants a String, got ${m.type}`);
    const value = quote(m.value);
    const path = quote(`/sys/class/net/${device}/bonding/${option}`);
    if (value === undefined || path === undefined || m.value.length > 1024) return this.bad(where, `'${name}': a value with both kinds of quote, or too long, is not a value of any option`);
    this.enqueue({ line: `echo ${value} > ${path}`, who, config: { device, metric: m.name } });
  }

  private bad(where: string, why: string): void {
    this.stats.badCommands++;
    if (this.warnLimit.allow(this.clock.now())) this.fw.log.warn(`mqtt: ${where}: ${why}`);
  }

  /** Takes a token for one command; false when the bucket is empty. */
  private take(): boolean {
    const now = this.clock.now();
    this.tokens = Math.min(this.limits.burst, this.tokens + ((now - this.refilledAt) * this.limits.perSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private enqueue(job: Job): void {
    this.stats.received++;
    if (!this.take() || this.queue.length >= this.limits.maxQueued) {
      this.stats.rateLimited++;
      if (this.warnLimit.allow(this.clock.now())) this.fw.log.warn(`mqtt: remote commands over the rate limit (${this.limits.burst} at once, ${this.limits.perSecond}/s); dropped (${this.stats.rateLimited} so far)`);
      return;
    }
    this.queue.push(job);
    this.schedule();
  }

  /** Runs the next job from a timer of its own: whatever is already due runs before it. */
  private schedule(): void {
    if (this.running || this.runTimer !== undefined || this.queue.length === 0 || this.closed) return;
    this.runTimer = this.clock.setTimer(0, () => {
      this.runTimer = undefined;
      const job = this.queue.shift();
      if (!job || this.closed) return;
      this.running = true;
      void this.run(job).finally(() => {
        this.running = false;
        this.schedule();
      });
    });
  }

  private async run(job: Job): Promise<void> {
    const d = this.fw.dispatcher;
    const r = await d.execute(job.line, 'mqtt', { principal: { role: d.roleOf('mqtt'), who: job.who } });
    this.stats.executed++;
    if (!r.ok && r.output.startsWith('error: permission denied')) this.stats.denied++;
    if (this.closed) return;
    if (job.config) {
      if (!r.ok && !r.output.startsWith('error: permission denied')) this.bad(`DCMD ${escapeText(job.config.device, 40)}`, `${escapeText(job.config.metric, 80)}: ${r.output.replace(/^error: /, '')}`);
      // The new value, or the old one if refused, follows in DDATA.
      this.sink.configResult(job.config.device, job.config.metric);
    } else {
      this.sink.commandResult(r.output);
    }
  }

  /** At most one rebirth per interval; requests in between become one rebirth at its end. */
  private requestRebirth(): void {
    const now = this.clock.now();
    const wait = this.lastRebirth + this.limits.rebirthIntervalMs - now;
    if (wait <= 0 && this.rebirthTimer === undefined) {
      this.rebirthNow();
      return;
    }
    if (this.rebirthTimer !== undefined) {
      this.stats.rebirthsFolded++;
      return;
    }
    this.rebirthTimer = this.clock.setTimer(wait, () => {
      this.rebirthTimer = undefined;
      if (!this.closed) this.rebirthNow();
    });
  }

  private rebirthNow(): void {
    this.lastRebirth = this.clock.now();
    this.stats.rebirths++;
    this.fw.log.info('mqtt: rebirth requested');
    this.sink.rebirth();
  }
}

/** `text` as one console word the tokenizer gives back unchanged; undefined when it cannot be. */
function quote(text: string): string | undefined {
  if (!text.includes("'")) return `'${text}'`;
  if (!text.includes('"')) return `"${text}"`;
  return undefined;
}
