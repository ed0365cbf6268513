/**
 * A Sparkplug B host application's view of its edge nodes (Eclipse Sparkplug 3.0, chapter 5
 * and 6.4): state per node from its NBIRTH and per device from its DBIRTH, NDATA/DDATA applied
 * by metric name, `seq` checked on every message of a session and a Rebirth requested on a gap
 * (or on data from a node whose birth it has not seen), NDEATH honoured only when its bdSeq
 * matches the NBIRTH's, NDEATH/DDEATH kept as offline with the time.
 *
 * Pure: no DOM, no MQTT; the caller feeds it messages and sends the rebirth requests it asks
 * for. Nothing from the broker can make it throw: bad topics, undecodable payloads, unknown
 * metrics and wrong types are counted and otherwise ignored.
 */
import { decodePayload, type Metric, type SparkplugPayload } from '../../firmware/telemetry/sparkplug.ts';
import { errorText } from '../../lib/errors.ts';
import { deviceEvents, nodeEvents, type Change, type EventDraft, type TimelineEvent } from './events.ts';
import { FrameRates, type Direction } from './rates.ts';
import { NAMESPACE, parseTopic, type SparkplugTopic } from './topic.ts';

export interface DeviceState {
  id: string;
  online: boolean;
  /** When it was born, or died. */
  since: number;
  metrics: Map<string, Metric>;
}

export interface NodeState {
  group: string;
  id: string;
  /** Seen an NBIRTH (this session or an earlier one). */
  born: boolean;
  online: boolean;
  /** What we show may be out of date: the host lost its connection, or a message went missing, until the next birth. */
  stale: boolean;
  bdSeq: number | undefined;
  /** The last seq of the session. */
  seq: number | undefined;
  /** When it was born, or died. */
  since: number;
  lastMessageAt: number;
  metrics: Map<string, Metric>;
  devices: Map<string, DeviceState>;
  /** The devices before the last NBIRTH: their DBIRTHs are compared with these. */
  formerDevices: Map<string, DeviceState>;
  rebirthRequestedAt: number | undefined;
  rates: FrameRates;
  /** When the failovers counted by `Failover Count` were seen (ms), newest last. */
  failovers: number[];
  /** The last `Node Control/Command Result` and when it came. */
  commandResult: { at: number; text: string } | undefined;
}

export interface HostStats {
  messages: number;
  badTopics: number;
  badPayloads: number;
  unknownMetrics: number;
  wrongTypes: number;
  seqGaps: number;
  rebirthRequests: number;
  /** NDEATHs whose bdSeq did not match the current session's (an old will). */
  staleDeaths: number;
}

export interface HostOptions {
  now(): number;
  requestRebirth(group: string, node: string): void;
  /** A rebirth request is not repeated sooner than this while no birth answers it. */
  rebirthIntervalMs?: number;
  maxEvents?: number;
  maxNodes?: number;
}

const COUNTER = /^Ports\/(.+)\/(RX|TX) Frames$/;
const HOUR_MS = 3_600_000;
/** A timestamp further than this from our clock is not believed (a node with no clock). */
const PLAUSIBLE_SKEW_MS = 86_400_000;

export const nodeKey = (group: string, node: string): string => `${group}/${node}`;

function numeric(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export class SparkplugHost {
  readonly nodes = new Map<string, NodeState>();
  /** Oldest first. */
  readonly events: TimelineEvent[] = [];
  readonly stats: HostStats = { messages: 0, badTopics: 0, badPayloads: 0, unknownMetrics: 0, wrongTypes: 0, seqGaps: 0, rebirthRequests: 0, staleDeaths: 0 };
  /** Goes up with every change a view could show. */
  version = 0;
  private nextEventId = 1;
  private readonly rebirthIntervalMs: number;
  private readonly maxEvents: number;
  private readonly maxNodes: number;

  constructor(private readonly opts: HostOptions) {
    this.rebirthIntervalMs = opts.rebirthIntervalMs ?? 5000;
    this.maxEvents = opts.maxEvents ?? 1000;
    this.maxNodes = opts.maxNodes ?? 1000;
  }

  /** One MQTT message. Never throws. */
  receive(topic: string, payload: Uint8Array): void {
    this.stats.messages++;
    const t = parseTopic(topic);
    if (!t) {
      if (!topic.startsWith(`${NAMESPACE}/STATE/`)) this.stats.badTopics++;
      return;
    }
    // Commands are for the nodes (ours among them); a host only listens to what nodes say.
    if (t.type === 'NCMD' || t.type === 'DCMD') return;
    let p: SparkplugPayload;
    try {
      p = decodePayload(payload);
    } catch (e) {
      this.stats.badPayloads++;
      const node = this.nodes.get(nodeKey(t.group, t.node));
      if (node) this.event(node, { kind: 'warning', level: 'warn', text: `ignored an undecodable ${t.type} (${errorText(e)})` }, this.opts.now());
      this.version++;
      return;
    }
    try {
      this.apply(t, p);
    } catch (e) {
      // A message this host cannot make sense of is dropped; the page goes on.
      this.stats.badPayloads++;
      const node = this.nodes.get(nodeKey(t.group, t.node));
      if (node) this.event(node, { kind: 'warning', level: 'warn', text: `ignored a ${t.type}: ${errorText(e)}` }, this.opts.now());
    }
    this.version++;
  }

  /** The host lost the broker: what it shows may no longer be true. */
  connectionLost(): void {
    for (const n of this.nodes.values()) n.stale = true;
    this.version++;
  }

  /** Connected (again): ask every node we know, and any we are told of, for its state. */
  connectionUp(alsoAsk: { group: string; node: string }[] = []): void {
    const asked = new Set<string>();
    for (const n of this.nodes.values()) {
      n.rebirthRequestedAt = undefined;
      this.rebirth(n, 'host (re)connected');
      asked.add(nodeKey(n.group, n.id));
    }
    for (const a of alsoAsk) {
      if (asked.has(nodeKey(a.group, a.node))) continue;
      this.stats.rebirthRequests++;
      this.opts.requestRebirth(a.group, a.node);
    }
    this.version++;
  }

  /** Failovers seen in the last hour. */
  failoversLastHour(node: NodeState): number {
    const since = this.opts.now() - HOUR_MS;
    return node.failovers.filter((t) => t >= since).length;
  }

  eventsOf(node: NodeState): TimelineEvent[] {
    return this.events.filter((e) => e.group === node.group && e.node === node.id);
  }

  private apply(t: SparkplugTopic, p: SparkplugPayload): void {
    const now = this.opts.now();
    const at = p.timestamp > 0 && Math.abs(p.timestamp - now) < PLAUSIBLE_SKEW_MS ? p.timestamp : now;
    const key = nodeKey(t.group, t.node);
    let node = this.nodes.get(key);
    if (!node) {
      if (this.nodes.size >= this.maxNodes) return;
      node = this.newNode(t.group, t.node, now);
      this.nodes.set(key, node);
    }
    node.lastMessageAt = now;
    switch (t.type) {
      case 'NBIRTH':
        return this.nodeBirth(node, p, at);
      case 'NDEATH':
        return this.nodeDeath(node, p, now);
      case 'NDATA':
        if (!this.inSession(node, p, now)) return;
        return this.nodeData(node, p, at);
      case 'DBIRTH':
        if (!this.inSession(node, p, now)) return;
        return this.deviceBirth(node, t.device!, p, at);
      case 'DDATA':
      case 'DDEATH': {
        if (!this.inSession(node, p, now)) return;
        const dev = node.devices.get(t.device!);
        if (!dev || !dev.online) {
          // Data for a device whose birth we missed: only a rebirth tells us what it is.
          this.rebirth(node, `${t.type} for ${t.device}, whose birth was not seen`);
          return;
        }
        if (t.type === 'DDEATH') {
          dev.online = false;
          dev.since = at;
          this.event(node, { kind: 'bond', level: 'bad', text: `${dev.id}: gone (DDEATH)`, device: dev.id }, at);
          return;
        }
        const changes = this.update(dev.metrics, p.metrics);
        this.countFailovers(node, changes, at);
        for (const e of deviceEvents(dev.id, changes)) this.event(node, e, at);
        return;
      }
    }
  }

  private newNode(group: string, id: string, now: number): NodeState {
    return {
      group, id, born: false, online: false, stale: true, bdSeq: undefined, seq: undefined, since: now, lastMessageAt: now,
      metrics: new Map(), devices: new Map(), formerDevices: new Map(), rebirthRequestedAt: undefined, rates: new FrameRates(), failovers: [], commandResult: undefined,
    };
  }

  /**
   * A message of the node's session (everything but NBIRTH and NDEATH): the node must be
   * born, and its seq the one after the last. A gap means a message went missing: ask for a
   * rebirth, and meanwhile apply what came (by name, so it is the newest value anyway).
   */
  private inSession(node: NodeState, p: SparkplugPayload, now: number): boolean {
    if (!node.online) {
      this.rebirth(node, node.born ? 'data from a node that is offline' : 'data from a node whose birth was not seen');
      return false;
    }
    const seq = p.seq;
    if (seq === undefined || !Number.isInteger(seq) || seq < 0 || seq > 255) {
      this.stats.seqGaps++;
      node.stale = true;
      this.event(node, { kind: 'warning', level: 'warn', text: `a message with no valid seq (${String(seq)})` }, now);
      this.rebirth(node, 'bad seq');
      return true;
    }
    const expected = node.seq === undefined ? seq : (node.seq + 1) % 256;
    node.seq = seq;
    if (seq !== expected) {
      this.stats.seqGaps++;
      node.stale = true;
      this.event(node, { kind: 'warning', level: 'warn', text: `seq ${seq} where ${expected} was due: messages lost or out of order` }, now);
      this.rebirth(node, 'seq gap');
    } else if (node.stale) {
      // Still waiting for births: the request (or its answer) may have been lost; ask again
      // once the interval has passed.
      this.rebirth(node, 'no births since the last request');
    }
    return true;
  }

  private rebirth(node: NodeState, why: string): void {
    const now = this.opts.now();
    if (node.rebirthRequestedAt !== undefined && now - node.rebirthRequestedAt < this.rebirthIntervalMs) return;
    node.rebirthRequestedAt = now;
    this.stats.rebirthRequests++;
    this.event(node, { kind: 'rebirth', level: 'info', text: `rebirth requested (${why})` }, now);
    this.opts.requestRebirth(node.group, node.id);
  }

  private nodeBirth(node: NodeState, p: SparkplugPayload, at: number): void {
    const byName = new Map<string, Metric>();
    for (const m of p.metrics) if (m.name) byName.set(m.name, m);
    const bdSeq = numeric(byName.get('bdSeq')?.value);
    const wasOnline = node.online;
    const oldBdSeq = node.bdSeq;
    const known = node.born;
    // Against what we knew before: the births after a gap or a reconnect say what we missed.
    const changes: Change[] = known
      ? [...byName.values()].filter((m) => node.metrics.get(m.name)?.value !== m.value).map((m) => ({ name: m.name, before: node.metrics.get(m.name)?.value, after: m.value }))
      : [];
    node.metrics = byName;
    node.bdSeq = bdSeq;
    node.seq = p.seq !== undefined && Number.isInteger(p.seq) ? p.seq : 0;
    node.born = true;
    node.online = true;
    node.stale = false;
    node.rebirthRequestedAt = undefined;
    // The births that follow say which devices there are now.
    node.formerDevices = node.devices;
    node.devices = new Map();
    if (!wasOnline) {
      node.since = at;
      this.event(node, { kind: 'online', level: 'good', text: `online (bdSeq ${bdSeq ?? '?'})` }, at);
    } else if (bdSeq !== oldBdSeq) {
      this.event(node, { kind: 'online', level: 'info', text: `new session (bdSeq ${bdSeq ?? '?'})` }, at);
    }
    for (const e of nodeEvents(changes)) this.event(node, e, at);
    this.sampleCounters(node, p.metrics, at);
  }

  private nodeDeath(node: NodeState, p: SparkplugPayload, now: number): void {
    const bdSeq = numeric(p.metrics.find((m) => m.name === 'bdSeq')?.value);
    // Sparkplug 3.0 [tck-id-host-topic-phid-death-payload-bdseq]: an NDEATH counts only for the session whose NBIRTH had its bdSeq.
    if (!node.online || (node.bdSeq !== undefined && bdSeq !== node.bdSeq)) {
      this.stats.staleDeaths++;
      return;
    }
    node.online = false;
    node.stale = false;
    node.seq = undefined;
    // The will's own timestamp is when it was registered, not when the node died.
    node.since = now;
    for (const d of node.devices.values()) {
      if (!d.online) continue;
      d.online = false;
      d.since = now;
    }
    this.event(node, { kind: 'offline', level: 'bad', text: 'offline (NDEATH)' }, now);
  }

  private nodeData(node: NodeState, p: SparkplugPayload, at: number): void {
    const changes = this.update(node.metrics, p.metrics);
    for (const e of nodeEvents(changes)) this.event(node, e, at);
    // Every result is news, even the same text twice.
    const result = p.metrics.find((m) => m.name === 'Node Control/Command Result' && typeof m.value === 'string');
    if (result && node.metrics.get(result.name)?.type === result.type) {
      node.commandResult = { at, text: result.value as string };
      const first = (result.value as string).split('\n')[0] ?? '';
      this.event(node, { kind: 'command', level: 'info', text: `command result: ${first.length > 80 ? `${first.slice(0, 80)}…` : first || '(empty)'}` }, at);
    }
    this.sampleCounters(node, p.metrics, at);
  }

  private deviceBirth(node: NodeState, id: string, p: SparkplugPayload, at: number): void {
    const old = node.devices.get(id) ?? node.formerDevices.get(id);
    node.formerDevices.delete(id);
    const metrics = new Map<string, Metric>();
    for (const m of p.metrics) if (m.name) metrics.set(m.name, m);
    if (old?.online) {
      // A rebirth, or a birth for a living device whose metric set changed (a slave came or
      // went): what differs is news, the birth itself is not.
      const changes = [...metrics.values()].filter((m) => old.metrics.get(m.name)?.value !== m.value).map((m) => ({ name: m.name, before: old.metrics.get(m.name)?.value, after: m.value }));
      this.countFailovers(node, changes, at);
      for (const e of deviceEvents(id, changes)) this.event(node, e, at);
      node.devices.set(id, { id, online: true, since: old.since, metrics });
      return;
    }
    node.devices.set(id, { id, online: true, since: at, metrics });
    const mode = metrics.get('Mode')?.value;
    this.event(node, { kind: 'bond', level: 'good', text: `${id}: up as a bond${typeof mode === 'string' ? ` (${mode})` : ''}`, device: id }, at);
  }

  /** Applies metrics by name; returns what changed. Unknown names and changed types are ignored. */
  private update(into: Map<string, Metric>, metrics: readonly Metric[]): Change[] {
    const changes: Change[] = [];
    for (const m of metrics) {
      const old = into.get(m.name);
      if (!old) {
        this.stats.unknownMetrics++;
        continue;
      }
      if (old.type !== m.type) {
        this.stats.wrongTypes++;
        continue;
      }
      into.set(m.name, m);
      if (old.value !== m.value) changes.push({ name: m.name, before: old.value, after: m.value });
    }
    return changes;
  }

  private countFailovers(node: NodeState, changes: readonly Change[], at: number): void {
    for (const c of changes) {
      if (c.name !== 'Failover Count') continue;
      const before = numeric(c.before);
      const after = numeric(c.after);
      if (before === undefined || after === undefined || after <= before) continue;
      for (let i = 0; i < Math.min(after - before, 100); i++) node.failovers.push(at);
    }
    const since = at - HOUR_MS;
    while (node.failovers.length && node.failovers[0] < since) node.failovers.shift();
  }

  /**
   * Counters go out on the telemetry period, but only those that moved: a message with any
   * counter is a reading of all of them, the ones it leaves out unchanged (a rate of 0).
   */
  private sampleCounters(node: NodeState, metrics: readonly Metric[], at: number): void {
    if (!metrics.some((m) => COUNTER.test(m.name))) return;
    const counters: { port: string; dir: Direction; value: number }[] = [];
    for (const [name, m] of node.metrics) {
      const c = COUNTER.exec(name);
      const value = numeric(m.value);
      if (c && value !== undefined) counters.push({ port: c[1], dir: c[2] === 'RX' ? 'rx' : 'tx', value });
    }
    node.rates.sample(at, counters);
  }

  private event(node: NodeState, e: EventDraft, at: number): void {
    const last = this.events[this.events.length - 1];
    if (e.kind === 'warning' && last && last.kind === 'warning' && last.node === node.id && last.group === node.group && last.text === e.text) {
      last.count++;
      last.at = at;
      return;
    }
    this.events.push({ id: this.nextEventId++, at, group: node.group, node: node.id, device: e.device, kind: e.kind, level: e.level, text: e.text, count: 1 });
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents);
  }
}
