/**
 * The Sparkplug B edge node under Node: the portable node (sparkplug-node.ts) over MQTT.js
 * (with the packet guard between the socket and its parser: guarded-stream.ts), real-time
 * timers that do not keep the process alive, and the system date for payload timestamps.
 */
import type { IClientOptions } from 'mqtt';
import type { Firmware } from '../system.ts';
import { RealClock } from '../../hal/clock-real.ts';
import { connectGuarded } from './guarded-stream.ts';
import type { MqttConnector } from './mqtt-session.ts';
import { maskUrl } from './sparkplug-ids.ts';
import { SparkplugNode, type SparkplugNodeOptions } from './sparkplug-node.ts';

export { DEFAULT_MAX_PACKET, describeConnectError } from './sparkplug-node.ts';

export interface EdgeNodeOptions extends Omit<SparkplugNodeOptions, 'brokerLabel'> {
  url: string;
  username?: string;
  password?: string;
  /** PEM contents. */
  ca?: string;
  cert?: string;
  key?: string;
}

/** MQTT.js sessions to `url` with these credentials and TLS settings. */
export function mqttJsConnector(o: Pick<EdgeNodeOptions, 'url' | 'username' | 'password' | 'ca' | 'cert' | 'key'>): MqttConnector {
  return (opts, events) => {
    const options: IClientOptions = {
      protocolVersion: opts.protocolVersion,
      clean: opts.clean,
      reconnectPeriod: 0, // the node's own capped backoff, so that every connection gets a new will
      connectTimeout: opts.connectTimeoutMs,
      queueQoSZero: false,
      keepalive: opts.keepaliveS,
      will: { topic: opts.will.topic, payload: Buffer.from(opts.will.payload), qos: opts.will.qos, retain: opts.will.retain },
      username: o.username,
      password: o.password,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      ...(opts.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 0, maximumPacketSize: opts.maxPacketBytes } } : {}),
    };
    const c = connectGuarded(o.url, options, opts.maxPacketBytes, (p) => events.oversized(p));
    c.on('connect', () => events.connect());
    c.on('message', (topic, payload, packet) => {
      const user = packet.properties?.userProperties?.user;
      events.message(topic, new Uint8Array(payload), typeof user === 'string' ? user : undefined);
    });
    c.on('error', (e) => events.error(e.message));
    c.on('close', () => events.close());
    return {
      subscribe: (filters, done) => {
        const subs: Record<string, { qos: 0 | 1 }> = {};
        for (const [topic, qos] of Object.entries(filters)) subs[topic] = { qos };
        c.subscribe(subs, (err) => done(err ? err.message : undefined));
      },
      publish: (topic, payload, qos, done) => {
        c.publish(topic, Buffer.from(payload), { qos }, () => done?.());
      },
      end: (force, done) => {
        // A forced end follows a close: nothing more is wanted from this connection.
        if (force) c.removeAllListeners('close');
        c.end(force, {}, () => done?.());
      },
    };
  };
}

export class EdgeNode extends SparkplugNode {
  constructor(fw: Firmware, opts: EdgeNodeOptions) {
    const { url, username, password, ca, cert, key, ...rest } = opts;
    super(fw, { ...rest, brokerLabel: maskUrl(url) }, {
      connect: mqttJsConnector({ url, username, password, ca, cert, key }),
      clock: new RealClock({ unref: true }),
      wallClock: () => Date.now(),
    });
  }
}
