/**
 * The gateway as a Sparkplug B edge node on MQTT (spec/telemetry.md), over any MQTT client
 * (`MqttConnector`: MQTT.js under Node in edge-node.ts, the engine host's client in the
 * firmware image) and the timers of an injected clock: NBIRTH and one DBIRTH
 * per bond on every connection, the NDEATH as the will carrying bdSeq, data by exception
 * within milliseconds of a change, counters on the telemetry period, rebirth on request,
 * DBIRTH/DDEATH as bonds come and go, commands through the one dispatcher, and a clean
 * planned shutdown. Offline nothing is queued: the next births carry the state.
 *
 * Sparkplug 3.0 session rules kept here: NCMD and DCMD are subscribed at QoS 1 before the
 * NBIRTH; with a primary host application (`primaryHost`), the NBIRTH waits for its STATE
 * `online: true` newer than any seen, and a valid `online: false` sends NDEATH and a
 * disconnect, after which the node reconnects and waits again. Remote commands go through
 * `RemoteCommands` (limits, role, queue); packets over `maxPacket` never reach the decoder.
 * Portable: no Node modules, no timers or wall clock of its own.
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import type { Firmware } from '../system.ts';
import { escapeText } from '../../lib/escape.ts';
import { Ratelimit } from '../../lib/ratelimit.ts';
import { formatAuditEntry } from '../console/audit.ts';
import { FIRMWARE_VERSION } from '../console/system-commands.ts';
import type { MqttConnector, MqttSession } from './mqtt-session.ts';
import { bondMetrics, changed, isCounter, nodeMetrics, securityMetrics, type MetricSet } from './metrics.ts';
import { DEFAULT_REMOTE_LIMITS, RemoteCommands, type RemoteLimits } from './remote-commands.ts';
import { checkSparkplugId, isSparkplugId } from './sparkplug-ids.ts';
import { encodePayload, type Metric } from './sparkplug.ts';

export interface SparkplugNodeOptions {
  group: string;
  node: string;
  /** The broker as log lines name it (its URL with the password masked). */
  brokerLabel: string;
  /** Counters go out this often (ms). */
  periodMs?: number;
  /** Reconnect backoff cap (ms). */
  maxBackoffMs?: number;
  /** Sparkplug 3.0 primary host application id: no NBIRTH before its STATE says online. */
  primaryHost?: string;
  /** Largest MQTT packet taken from the broker (bytes); larger ones are dropped unread. */
  maxPacket?: number;
  /** MQTT protocol to try first (5; 3.1.1 after a refusal). */
  protocolVersion?: 4 | 5;
  limits?: RemoteLimits;
}

/** What the node runs on: an MQTT client, timers, and the date for payload timestamps. */
export interface SparkplugPlatform {
  connect: MqttConnector;
  /** Reconnect backoff, the telemetry period and the change burst run on these timers. */
  clock: Clock;
  /** Milliseconds since 1970 (UTC) for payload timestamps. */
  wallClock(): number;
}

const NS = 'spBv1.0';
/** 64 KiB: a command payload is a few metrics; a console line is at most 4096 characters. */
export const DEFAULT_MAX_PACKET = 65_536;
/** A STATE payload is a short JSON object. */
const MAX_STATE_BYTES = 1024;

export class SparkplugNode {
  private client: MqttSession | undefined;
  private bdSeq = -1;
  private seq = 0;
  private protocolVersion: 4 | 5;
  private node: MetricSet | undefined;
  private readonly devices = new Map<string, MetricSet>();
  private online = false;
  /** NBIRTH sent on this connection (nothing else is published before it). */
  private birthed = false;
  /** NCMD/DCMD (and STATE) subscribed on this connection. */
  private subscribed = false;
  /** The primary host's newest STATE: its timestamp and whether it said online. */
  private hostTimestamp = -Infinity;
  private hostOnline = false;
  /** Set while this node disconnects on purpose (primary host offline). */
  private leaving = false;
  private stopped = false;
  private backoff = 1000;
  private retry: TimerHandle | undefined;
  private period: TimerHandle | undefined;
  private pending: TimerHandle | undefined;
  private unsubscribes: (() => void)[] = [];
  private lastResult = '';
  private readonly remote: RemoteCommands;
  private readonly badIds = new Set<string>();
  private readonly warnLimit = new Ratelimit(10, 5000);
  private readonly base = { connects: 0, births: 0, published: 0, dropped: 0, oversized: 0, staleStates: 0, badStates: 0 };

  constructor(
    private readonly fw: Firmware,
    private readonly opts: SparkplugNodeOptions,
    private readonly platform: SparkplugPlatform,
  ) {
    checkSparkplugId('group id', opts.group);
    checkSparkplugId('edge node id', opts.node);
    if (opts.primaryHost !== undefined) checkSparkplugId('primary host id', opts.primaryHost);
    this.protocolVersion = opts.protocolVersion ?? 5;
    this.remote = new RemoteCommands(fw, fw.clock, {
      commandResult: (output) => {
        this.lastResult = output;
        this.publish(this.topic('NDATA'), [{ name: 'Node Control/Command Result', type: 'String', value: output }]);
      },
      configResult: (device, metric) => this.configResult(device, metric),
      rebirth: () => this.birth(),
    }, opts.limits ?? DEFAULT_REMOTE_LIMITS);
  }

  /** Counters for tests and dashboards (the remote-command ones are also metrics). */
  get stats(): typeof this.base & RemoteCommands['stats'] {
    return { ...this.base, ...this.remote.stats };
  }

  private topic(kind: string, device?: string): string {
    return `${NS}/${this.opts.group}/${kind}/${this.opts.node}${device ? `/${device}` : ''}`;
  }

  get currentBdSeq(): number {
    return this.bdSeq;
  }

  get connected(): boolean {
    return this.online;
  }

  start(): void {
    this.stopped = false;
    this.remote.open();
    this.unsubscribes = [
      this.fw.net.onChange(() => this.schedule()),
      this.fw.security.audit.subscribe(() => this.schedule()),
      this.fw.dispatcher.onRoleChange(() => this.schedule()),
    ];
    this.armPeriod();
    this.connect();
  }

  /** A planned shutdown: NDEATH, then disconnect. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const u of this.unsubscribes) u();
    this.unsubscribes = [];
    this.remote.close();
    for (const t of [this.retry, this.period, this.pending]) if (t !== undefined) this.platform.clock.cancel(t);
    this.retry = this.period = this.pending = undefined;
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    if (this.online && this.birthed) {
      await new Promise<void>((resolve) => c.publish(this.topic('NDEATH'), this.deathPayload(), 1, () => resolve()));
    }
    this.online = false;
    await new Promise<void>((resolve) => c.end(false, () => resolve()));
  }

  /** Counters on the telemetry period. */
  private armPeriod(): void {
    this.period = this.platform.clock.setTimer(this.opts.periodMs ?? 10_000, () => {
      this.armPeriod();
      this.publishChanges(true);
    });
  }

  private now(): number {
    return this.platform.wallClock();
  }

  private deathPayload(): Uint8Array {
    return encodePayload({ timestamp: this.now(), metrics: [{ name: 'bdSeq', type: 'UInt64', value: this.bdSeq }] });
  }

  /** Whether the last attempt got in (an attempt the broker refused registered no will). */
  private lastAttemptConnected = true;
  /**
   * Why connecting fails, as last logged: a failure is logged once when it starts or changes
   * (a TLS certificate refused, a bad password, a broker that is down), not at every retry.
   */
  private problem: string | undefined;

  /** Why the node cannot connect now, if it cannot (for status displays and tests). */
  get connectProblem(): string | undefined {
    return this.problem;
  }

  /** Logs a connection problem when it differs from the one logged last. */
  private connectFailed(reason: string): void {
    if (reason === this.problem) return;
    this.problem = reason;
    this.fw.log.warn(`mqtt: cannot connect to ${this.opts.brokerLabel}: ${reason}; retrying (backoff up to ${(this.opts.maxBackoffMs ?? 30_000) / 1000} s)`);
  }

  private connect(): void {
    if (this.stopped) return;
    // A new connection, a new bdSeq (0..255); the will carries it.
    if (this.lastAttemptConnected) this.bdSeq = (this.bdSeq + 1) % 256;
    this.lastAttemptConnected = false;
    const o = this.opts;
    const maxPacket = o.maxPacket ?? DEFAULT_MAX_PACKET;
    let connectedOnce = false;
    let failure: string | undefined;
    let closed = false;
    /** This attempt's MQTT 5 CONNECT found a 3.1.1 broker: the next attempt, at once, speaks 3.1.1. */
    let fellBack = false;
    const c: MqttSession = this.platform.connect({
      protocolVersion: this.protocolVersion,
      clean: true,
      keepaliveS: 30,
      connectTimeoutMs: 10_000,
      will: { topic: this.topic('NDEATH'), payload: this.deathPayload(), qos: 1, retain: false },
      // The broker is told not to send more than this (MQTT 5); the client drops larger ones anyway.
      maxPacketBytes: maxPacket,
    }, {
      oversized: (p) => {
        this.base.oversized++;
        if (this.warnLimit.allow(this.fw.clock.now())) this.fw.log.warn(`mqtt: dropped a ${p.bytes}-byte packet from the broker unread (type ${p.type}, QoS ${p.qos}; at most ${maxPacket})`);
      },
      connect: () => {
        connectedOnce = true;
        this.problem = undefined;
        this.lastAttemptConnected = true;
        this.online = true;
        this.birthed = false;
        this.subscribed = false;
        this.node = undefined;
        this.backoff = 1000;
        this.base.connects++;
        this.fw.log.info(`mqtt: connected to ${o.brokerLabel} (MQTT ${this.protocolVersion === 5 ? '5' : '3.1.1'}), bdSeq ${this.bdSeq}${o.primaryHost !== undefined ? `; waiting for primary host ${o.primaryHost}` : ''}`);
        // Sparkplug 3.0: commands subscribed at QoS 1, and the subscription in place, before NBIRTH.
        const subs: Record<string, 0 | 1> = { [this.topic('NCMD')]: 1, [`${this.topic('DCMD')}/+`]: 1 };
        if (o.primaryHost !== undefined) subs[this.stateTopic] = 1;
        c.subscribe(subs, (err) => {
          if (err || this.client !== c || !this.online) return;
          this.subscribed = true;
          if (o.primaryHost === undefined || this.hostOnline) this.birth();
        });
      },
      message: (topic, payload, sender) => this.message(topic, payload, sender),
      error: (text) => {
        // A broker that speaks only 3.1.1 refuses the MQTT 5 CONNECT: fall back.
        if (!connectedOnce && this.protocolVersion === 5 && /protocol|unsupported|unacceptable/i.test(text)) {
          this.protocolVersion = 4;
          fellBack = true;
          return;
        }
        failure = describeConnectError(text);
      },
      close: () => {
        if (this.client !== c || closed) return;
        closed = true;
        const wasOnline = this.online;
        this.online = false;
        c.end(true);
        if (this.stopped) return;
        if (!connectedOnce && !fellBack && this.protocolVersion === 5 && this.base.connects === 0) {
          // Never got in with MQTT 5: the broker may speak 3.1.1 only; try that next (at once,
          // and that attempt says what failed if it fails too).
          this.protocolVersion = 4;
          fellBack = true;
        }
        if (fellBack) this.backoff = 0;
        if (this.leaving) this.fw.log.info(`mqtt: disconnected from ${o.brokerLabel}; reconnecting in ${this.backoff / 1000} s`);
        else if (wasOnline) this.fw.log.warn(`mqtt: connection to ${o.brokerLabel} lost; retrying in ${this.backoff / 1000} s`);
        else if (!connectedOnce && !fellBack) this.connectFailed(failure ?? 'the broker closed the connection');
        this.leaving = false;
        this.birthed = false;
        this.retry = this.platform.clock.setTimer(this.backoff, () => {
          this.retry = undefined;
          this.connect();
        });
        this.backoff = Math.min(Math.max(this.backoff * 2, 1000), this.opts.maxBackoffMs ?? 30_000);
      },
    });
    this.client = c;
  }

  private get stateTopic(): string {
    return `${NS}/STATE/${this.opts.primaryHost}`;
  }

  private publish(topic: string, metrics: Metric[]): void {
    const c = this.client;
    if (!c || !this.online || !this.birthed) {
      this.base.dropped++;
      return;
    }
    const seq = this.seq;
    this.seq = (this.seq + 1) % 256;
    c.publish(topic, encodePayload({ timestamp: this.now(), seq, metrics }), 0);
    this.base.published++;
  }

  /** The node's metrics now: ports and properties, then what it says of its security. */
  private nodeSet(): MetricSet {
    const m = nodeMetrics(this.fw.net, { firmwareVersion: FIRMWARE_VERSION, board: this.fw.board.def.name });
    const last = this.fw.security.audit.last;
    for (const [k, v] of securityMetrics({ remoteCommands: this.fw.dispatcher.roleOf('mqtt'), auditLast: last ? formatAuditEntry(last) : '', remote: this.remote.stats })) m.set(k, v);
    return m;
  }

  /** Bonds whose names can be Sparkplug device ids ('+' and '#' are valid in interface names). */
  private bonds() {
    return this.fw.net.bonding.list().filter((b) => {
      if (isSparkplugId(b.name)) return true;
      if (!this.badIds.has(b.name)) {
        this.badIds.add(b.name);
        this.fw.log.warn(`mqtt: bond '${escapeText(b.name, 40)}' is not a valid Sparkplug device id (no '+', '/' or '#'); not published`);
      }
      return false;
    });
  }

  private list(set: MetricSet): Metric[] {
    return [...set].map(([name, d]) => ({ name, type: d.type, value: d.value }));
  }

  /** NBIRTH (seq 0) and every DBIRTH, from the current state. */
  private birth(): void {
    if (!this.online || !this.subscribed) return;
    this.seq = 0;
    this.base.births++;
    this.birthed = true;
    const node = this.nodeSet();
    this.node = node;
    this.publish(this.topic('NBIRTH'), [
      { name: 'bdSeq', type: 'UInt64', value: this.bdSeq },
      { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
      { name: 'Node Control/Command', type: 'String', value: '' },
      { name: 'Node Control/Command Result', type: 'String', value: this.lastResult },
      ...this.list(node),
    ]);
    this.devices.clear();
    for (const b of this.bonds()) {
      const m = bondMetrics(b);
      this.devices.set(b.name, m);
      this.publish(this.topic('DBIRTH', b.name), this.list(m));
    }
  }

  /** Changes come in bursts: publish once, right after the burst. */
  private schedule(): void {
    if (this.pending !== undefined) return;
    this.pending = this.platform.clock.setTimer(0, () => {
      this.pending = undefined;
      this.publishChanges(false);
    });
  }

  /** Data by exception; counters too when `counters` (the telemetry period). */
  private publishChanges(counters: boolean): void {
    if (!this.online || !this.birthed || !this.node) return;
    const filter = (n: string) => counters || !isCounter(n);
    const node = this.nodeSet();
    const nd = changed(this.node, node, filter);
    if (nd.length) {
      for (const [n, d] of nd) this.node.set(n, d);
      this.publish(this.topic('NDATA'), nd.map(([name, d]) => ({ name, type: d.type, value: d.value })));
    }
    const bonds = new Map(this.bonds().map((b) => [b.name, b]));
    for (const name of [...this.devices.keys()]) {
      if (bonds.has(name)) continue;
      this.devices.delete(name);
      this.publish(this.topic('DDEATH', name), []);
    }
    for (const [name, b] of bonds) {
      const now = bondMetrics(b);
      const prev = this.devices.get(name);
      if (!prev) {
        this.devices.set(name, now);
        this.publish(this.topic('DBIRTH', name), this.list(now));
        continue;
      }
      // A slave joining or leaving changes the metric set itself: a new birth says so.
      if ([...prev.keys()].some((k) => !now.has(k)) || [...now.keys()].some((k) => !prev.has(k))) {
        this.devices.set(name, now);
        this.publish(this.topic('DBIRTH', name), this.list(now));
        continue;
      }
      const dd = changed(prev, now, filter);
      if (dd.length) {
        for (const [n, d] of dd) prev.set(n, d);
        this.publish(this.topic('DDATA', name), dd.map(([n, d]) => ({ name: n, type: d.type, value: d.value })));
      }
    }
  }

  /** Everything the broker sends us: NCMD, DCMD, and the primary host's STATE. */
  private message(topic: string, payload: Uint8Array, claimed: string | undefined): void {
    if (this.opts.primaryHost !== undefined && topic === this.stateTopic) {
      this.hostState(payload);
      return;
    }
    const parts = topic.split('/');
    const kind = parts[2];
    const ours = parts.length >= 4 && parts[0] === NS && parts[1] === this.opts.group && parts[3] === this.opts.node;
    if (!ours || (kind === 'NCMD' && parts.length !== 4) || (kind === 'DCMD' && parts.length !== 5) || (kind !== 'NCMD' && kind !== 'DCMD')) {
      this.remote.stats.badCommands++;
      if (this.warnLimit.allow(this.fw.clock.now())) this.fw.log.warn(`mqtt: message on unexpected topic '${escapeText(topic, 120)}'; ignored`);
      return;
    }
    if (!this.birthed) {
      this.remote.stats.badCommands++;
      if (this.warnLimit.allow(this.fw.clock.now())) this.fw.log.warn(`mqtt: ${kind} before this session's NBIRTH; ignored`);
      return;
    }
    // Who sent it, as the sender claims in an MQTT 5 user property; the broker's ACL decides
    // who may publish commands at all.
    const who = claimed !== undefined && claimed !== '' ? escapeText(claimed, 64) : '-';
    this.remote.receive(kind, kind === 'DCMD' ? parts[4] : undefined, payload, who);
  }

  /**
   * The primary host application's STATE (Sparkplug 3.0: a retained JSON object
   * `{"online": <bool>, "timestamp": <ms>}`). Only a timestamp newer than any seen counts.
   */
  private hostState(payload: Uint8Array): void {
    let v: unknown;
    try {
      if (payload.length > MAX_STATE_BYTES) throw new Error(`${payload.length} bytes`);
      v = JSON.parse(new TextDecoder().decode(payload));
    } catch (e) {
      this.badState(`not JSON (${(e as Error).message.slice(0, 60)})`);
      return;
    }
    const st = v as { online?: unknown; timestamp?: unknown };
    if (typeof v !== 'object' || v === null || typeof st.online !== 'boolean' || typeof st.timestamp !== 'number' || !Number.isFinite(st.timestamp)) {
      this.badState('not {"online": <boolean>, "timestamp": <number>}');
      return;
    }
    if (st.timestamp <= this.hostTimestamp) {
      this.base.staleStates++;
      if (this.warnLimit.allow(this.fw.clock.now())) this.fw.log.info(`mqtt: primary host ${this.opts.primaryHost} STATE at ${st.timestamp} is not newer than ${this.hostTimestamp}; ignored`);
      return;
    }
    this.hostTimestamp = st.timestamp;
    this.hostOnline = st.online;
    this.fw.log.info(`mqtt: primary host ${this.opts.primaryHost} ${st.online ? 'online' : 'offline'} (STATE timestamp ${st.timestamp})`);
    if (st.online) {
      if (!this.birthed) this.birth();
      return;
    }
    if (this.birthed) this.leave();
  }

  private badState(why: string): void {
    this.base.badStates++;
    if (this.warnLimit.allow(this.fw.clock.now())) this.fw.log.warn(`mqtt: primary host ${this.opts.primaryHost} STATE ${why}; ignored`);
  }

  /** The primary host went offline: NDEATH, disconnect; the close handler reconnects, and the node waits again. */
  private leave(): void {
    const c = this.client;
    if (!c) return;
    this.leaving = true;
    this.birthed = false;
    c.publish(this.topic('NDEATH'), this.deathPayload(), 1, () => c.end(false));
  }

  private configResult(device: string, metric: string): void {
    const bond = this.fw.net.bond(device);
    const now = bond ? bondMetrics(bond).get(metric) : undefined;
    if (!now) return;
    this.devices.get(device)?.set(metric, now);
    this.publish(this.topic('DDATA', device), [{ name: metric, type: now.type, value: now.value }]);
  }
}

/**
 * A connection failure in words: the TLS or MQTT reason where the client gives one
 * (`self-signed certificate`, `Not authorized`), else the socket's (`ECONNREFUSED`).
 */
export function describeConnectError(message: string): string {
  const text = message.replace(/^Connection refused: /, 'refused by the broker: ');
  if (/certificate|SSL|TLS|self[- ]signed|handshake/i.test(text)) return `TLS: ${text}`;
  if (/Not authorized|Bad User Name or Password|bad username/i.test(text)) return `authentication: ${text}`;
  return text;
}
