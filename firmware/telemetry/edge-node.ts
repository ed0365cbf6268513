/**
 * The gateway as a Sparkplug B edge node on MQTT (spec/telemetry.md): NBIRTH and one DBIRTH
 * per bond on every connection, the NDEATH as the will carrying bdSeq, data by exception
 * within milliseconds of a change, counters on the telemetry period, rebirth on request,
 * DBIRTH/DDEATH as bonds come and go, commands through the one dispatcher, and a clean
 * planned shutdown. Offline nothing is queued: the next births carry the state.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Firmware } from '../system.ts';
import { errorText } from '../core/errors.ts';
import { FIRMWARE_VERSION } from '../console/system-commands.ts';
import { bondMetrics, changed, isCounter, nodeMetrics, type MetricSet } from './metrics.ts';
import { decodePayload, encodePayload, type Metric } from './sparkplug.ts';

export interface EdgeNodeOptions {
  url: string;
  group: string;
  node: string;
  username?: string;
  password?: string;
  /** PEM contents. */
  ca?: string;
  cert?: string;
  key?: string;
  /** Counters go out this often (ms). */
  periodMs?: number;
  /** Reconnect backoff cap (ms). */
  maxBackoffMs?: number;
}

const NS = 'spBv1.0';

export class EdgeNode {
  private client: MqttClient | undefined;
  private bdSeq = -1;
  private seq = 0;
  private protocolVersion: 4 | 5 = 5;
  private node: MetricSet | undefined;
  private readonly devices = new Map<string, MetricSet>();
  private online = false;
  private stopped = false;
  private backoff = 1000;
  private retry: NodeJS.Timeout | undefined;
  private period: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private lastResult = '';
  /** Counters for tests and `show`. */
  readonly stats = { connects: 0, births: 0, published: 0, dropped: 0, badCommands: 0 };

  constructor(
    private readonly fw: Firmware,
    private readonly opts: EdgeNodeOptions,
  ) {}

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
    this.unsubscribe = this.fw.net.onChange(() => this.schedule());
    this.period = setInterval(() => this.publishChanges(true), this.opts.periodMs ?? 10_000);
    this.period.unref();
    this.connect();
  }

  /** A planned shutdown: NDEATH, then disconnect. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of [this.retry, this.period, this.pending]) if (t) clearTimeout(t);
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    if (this.online) {
      await new Promise<void>((resolve) => c.publish(this.topic('NDEATH'), Buffer.from(this.deathPayload()), { qos: 1 }, () => resolve()));
    }
    this.online = false;
    await new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
  }

  private now(): number {
    return Date.now();
  }

  private deathPayload(): Uint8Array {
    return encodePayload({ timestamp: this.now(), metrics: [{ name: 'bdSeq', type: 'UInt64', value: this.bdSeq }] });
  }

  /** Whether the last attempt got in (an attempt the broker refused registered no will). */
  private lastAttemptConnected = true;

  private connect(): void {
    if (this.stopped) return;
    // A new connection, a new bdSeq (0..255); the will carries it.
    if (this.lastAttemptConnected) this.bdSeq = (this.bdSeq + 1) % 256;
    this.lastAttemptConnected = false;
    const o = this.opts;
    const options: IClientOptions = {
      protocolVersion: this.protocolVersion,
      clean: true,
      reconnectPeriod: 0, // our own capped backoff, so that every connection gets a new will
      connectTimeout: 10_000,
      queueQoSZero: false,
      keepalive: 30,
      will: { topic: this.topic('NDEATH'), payload: Buffer.from(this.deathPayload()), qos: 1, retain: false },
      username: o.username,
      password: o.password,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      ...(this.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 0 } } : {}),
    };
    const c = mqtt.connect(o.url, options);
    this.client = c;
    let connectedOnce = false;
    c.on('connect', () => {
      connectedOnce = true;
      this.lastAttemptConnected = true;
      this.online = true;
      this.backoff = 1000;
      this.stats.connects++;
      this.fw.log.info(`mqtt: connected to ${o.url} (MQTT ${this.protocolVersion === 5 ? '5' : '3.1.1'}), bdSeq ${this.bdSeq}`);
      c.subscribe([this.topic('NCMD'), `${this.topic('DCMD')}/+`], { qos: 0 });
      this.birth();
    });
    c.on('message', (topic, payload) => this.command(topic, payload));
    c.on('error', (e) => {
      // A broker that speaks only 3.1.1 refuses the MQTT 5 CONNECT: fall back.
      if (!connectedOnce && this.protocolVersion === 5 && /protocol|unsupported|unacceptable/i.test(e.message)) this.protocolVersion = 4;
    });
    c.on('close', () => {
      if (this.client !== c) return;
      const wasOnline = this.online;
      this.online = false;
      c.removeAllListeners('close');
      c.end(true);
      if (this.stopped) return;
      if (!connectedOnce && this.protocolVersion === 5 && this.stats.connects === 0) {
        // Never got in with MQTT 5: the broker may speak 3.1.1 only; try that next.
        this.protocolVersion = 4;
        this.backoff = 0;
      }
      if (wasOnline) this.fw.log.warn(`mqtt: connection to ${o.url} lost; retrying in ${this.backoff / 1000} s`);
      this.retry = setTimeout(() => this.connect(), this.backoff);
      this.retry.unref?.();
      this.backoff = Math.min(Math.max(this.backoff * 2, 1000), this.opts.maxBackoffMs ?? 30_000);
    });
  }

  private publish(topic: string, metrics: Metric[]): void {
    const c = this.client;
    if (!c || !this.online) {
      this.stats.dropped++;
      return;
    }
    const seq = this.seq;
    this.seq = (this.seq + 1) % 256;
    c.publish(topic, Buffer.from(encodePayload({ timestamp: this.now(), seq, metrics })), { qos: 0 });
    this.stats.published++;
  }

  private list(set: MetricSet): Metric[] {
    return [...set].map(([name, d]) => ({ name, type: d.type, value: d.value }));
  }

  /** NBIRTH (seq 0) and every DBIRTH, from the current state. */
  private birth(): void {
    this.seq = 0;
    this.stats.births++;
    const node = nodeMetrics(this.fw.net, { firmwareVersion: FIRMWARE_VERSION, board: this.fw.board.def.name });
    this.node = node;
    this.publish(this.topic('NBIRTH'), [
      { name: 'bdSeq', type: 'UInt64', value: this.bdSeq },
      { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
      { name: 'Node Control/Command', type: 'String', value: '' },
      { name: 'Node Control/Command Result', type: 'String', value: this.lastResult },
      ...this.list(node),
    ]);
    this.devices.clear();
    for (const b of this.fw.net.bonding.list()) {
      const m = bondMetrics(b);
      this.devices.set(b.name, m);
      this.publish(this.topic('DBIRTH', b.name), this.list(m));
    }
  }

  /** Changes come in bursts: publish once, right after the burst. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.publishChanges(false);
    }, 0);
  }

  /** Data by exception; counters too when `counters` (the telemetry period). */
  private publishChanges(counters: boolean): void {
    if (!this.online || !this.node) return;
    const filter = (n: string) => counters || !isCounter(n);
    const node = nodeMetrics(this.fw.net, { firmwareVersion: FIRMWARE_VERSION, board: this.fw.board.def.name });
    const nd = changed(this.node, node, filter);
    if (nd.length) {
      for (const [n, d] of nd) this.node.set(n, d);
      this.publish(this.topic('NDATA'), nd.map(([name, d]) => ({ name, type: d.type, value: d.value })));
    }
    const bonds = new Map(this.fw.net.bonding.list().map((b) => [b.name, b]));
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

  /** NCMD and DCMD: bad input is logged and changes nothing. */
  private command(topic: string, payload: Buffer): void {
    const parts = topic.split('/');
    const kind = parts[2];
    let metrics: Metric[];
    try {
      metrics = decodePayload(new Uint8Array(payload)).metrics;
    } catch (e) {
      this.stats.badCommands++;
      this.fw.log.warn(`mqtt: ${kind} on ${topic}: ${errorText(e)}`);
      return;
    }
    for (const m of metrics) void this.commandMetric(kind, parts[4], m);
  }

  private async commandMetric(kind: string, device: string | undefined, m: Metric): Promise<void> {
    const bad = (why: string): void => {
      this.stats.badCommands++;
      this.fw.log.warn(`mqtt: ${kind}${device ? ` ${device}` : ''}: ${why}`);
    };
    if (kind === 'NCMD') {
      if (m.name === 'Node Control/Rebirth') {
        if (m.value !== true) return bad(`'Node Control/Rebirth' wants Boolean true, got ${m.type} ${String(m.value)}`);
        this.fw.log.info('mqtt: rebirth requested');
        this.birth();
        return;
      }
      if (m.name === 'Node Control/Command') {
        if (m.type !== 'String' || typeof m.value !== 'string') return bad(`'Node Control/Command' wants a String, got ${m.type}`);
        const r = await this.fw.dispatcher.execute(m.value, 'mqtt');
        this.lastResult = r.output;
        this.publish(this.topic('NDATA'), [{ name: 'Node Control/Command Result', type: 'String', value: r.output }]);
        return;
      }
      return bad(`unknown node command metric '${m.name}'`);
    }
    if (kind === 'DCMD' && device) {
      const bond = this.fw.net.bond(device);
      if (!bond) return bad(`no bond '${device}'`);
      if (!m.name.startsWith('Config/')) return bad(`unknown device command metric '${m.name}'`);
      const option = m.name.slice('Config/'.length);
      if (m.type !== 'String' || typeof m.value !== 'string') return bad(`'${m.name}' wants a String, got ${m.type}`);
      // The same file, the same rules as `echo <value> > /sys/class/net/<bond>/bonding/<option>`.
      try {
        await this.fw.sysfs.write(`/sys/class/net/${device}/bonding/${option}`, m.value);
      } catch (e) {
        bad(`Config/${option}: ${errorText(e)}`);
      }
      // The new value, or the old one if refused, follows in DDATA.
      const now = bondMetrics(bond).get(m.name);
      if (now) {
        this.devices.get(device)?.set(m.name, now);
        this.publish(this.topic('DDATA', device), [{ name: m.name, type: now.type, value: now.value }]);
      }
      return;
    }
    bad(`unexpected ${kind}`);
  }
}
