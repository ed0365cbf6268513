/**
 * The dashboard's MQTT session: mqtt.js (its browser build) over a WebSocket, subscribed to
 * the group's Sparkplug topics, feeding every message to the host; it reconnects on its own
 * and, once subscribed again, asks the nodes for their births (their state may have changed
 * while it was away). It publishes only NCMDs: Rebirth requests and console commands.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { encodePayload, type Metric } from '../../firmware/telemetry/sparkplug.ts';
import type { SparkplugHost } from './host.ts';
import { NAMESPACE, topicOf } from './topic.ts';

export type LinkState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

export interface LinkTarget {
  url: string;
  group: string;
  username: string;
  password: string;
  /** Nodes to ask for a birth as soon as we are subscribed (the one serving the page). */
  ask: { group: string; node: string }[];
}

/** A group name usable in a subscription: one topic level, or `+` for every group. */
export function validGroup(group: string): boolean {
  return group === '+' || (group.length > 0 && !/[/#+]/.test(group));
}

const RECONNECT_MS = 2000;

export class BrokerLink {
  state: LinkState = 'idle';
  /** Why we are not connected, or where we are. */
  detail = 'no broker set';
  url = '';
  since = Date.now();
  private client: MqttClient | undefined;

  /** `changed` is called when the link's state changes and after every message. */
  constructor(
    private readonly host: SparkplugHost,
    private readonly changed: () => void,
  ) {}

  private set(state: LinkState, detail: string): void {
    if (state !== this.state) this.since = Date.now();
    this.state = state;
    this.detail = detail;
    this.changed();
  }

  open(target: LinkTarget): void {
    this.close();
    this.url = target.url;
    if (!target.url) return this.set('idle', 'no broker set: open the settings');
    if (!validGroup(target.group)) return this.set('idle', `group '${target.group}' cannot be subscribed to`);
    const id = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('');
    let c: MqttClient;
    try {
      c = mqtt.connect(target.url, {
        protocolVersion: 4,
        clean: true,
        clientId: `bondfw-dashboard-${id}`,
        reconnectPeriod: RECONNECT_MS,
        connectTimeout: 5000,
        keepalive: 30,
        resubscribe: false, // we subscribe on every connect ourselves, then ask for births
        username: target.username || undefined,
        password: target.password || undefined,
      });
    } catch (e) {
      return this.set('idle', `cannot connect to ${target.url}: ${(e as Error).message}`);
    }
    this.client = c;
    this.set('connecting', `connecting to ${target.url}`);
    c.on('connect', () => {
      if (this.client !== c) return;
      this.set('connected', `connected to ${target.url}`);
      c.subscribe(`${NAMESPACE}/${target.group}/#`, { qos: 0 }, (err) => {
        if (this.client !== c) return;
        if (err) return this.set('connected', `connected to ${target.url}, but the subscription was refused: ${err.message}`);
        this.host.connectionUp(target.ask.filter((a) => target.group === '+' || a.group === target.group));
      });
    });
    c.on('message', (topic, payload) => {
      if (this.client !== c) return;
      this.host.receive(topic, payload);
      this.changed();
    });
    c.on('close', () => {
      if (this.client !== c) return;
      if (this.state === 'connected') this.host.connectionLost();
      this.set('reconnecting', `lost ${target.url}; reconnecting every ${RECONNECT_MS / 1000} s`);
    });
    c.on('error', (e) => {
      if (this.client === c) this.set(this.state === 'connected' ? 'connected' : 'reconnecting', `${target.url}: ${e.message}`);
    });
  }

  close(): void {
    const c = this.client;
    this.client = undefined;
    if (c) {
      c.end(true);
      this.host.connectionLost();
    }
    this.state = 'idle';
  }

  private publish(topic: string, metrics: Metric[]): boolean {
    const c = this.client;
    if (!c || this.state !== 'connected') return false;
    // mqtt.js's types ask for a Buffer; its browser build writes any Uint8Array as it is.
    c.publish(topic, encodePayload({ timestamp: Date.now(), metrics }) as unknown as string, { qos: 0 });
    return true;
  }

  rebirth(group: string, node: string): void {
    this.publish(topicOf(group, 'NCMD', node), [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }]);
  }

  /** A console line for the node's dispatcher; its output comes back as `Node Control/Command Result`. */
  command(group: string, node: string, line: string): boolean {
    return this.publish(topicOf(group, 'NCMD', node), [{ name: 'Node Control/Command', type: 'String', value: line }]);
  }
}
