/**
 * The Sparkplug node's MQTT client over the host's: a session number per connection attempt,
 * a token per subscribe, publish or end awaiting completion, and the host's events routed back
 * to the session they belong to. Events for a session the image no longer knows are ignored.
 */
import type { MqttConnector, MqttSessionEvents } from '../telemetry/mqtt-session.ts';
import type { EngineHost } from './host.ts';

export class HostMqtt {
  private nextSession = 1;
  private nextToken = 1;
  private readonly sessions = new Map<number, MqttSessionEvents>();
  private readonly waiting = new Map<number, (error: string) => void>();

  constructor(private readonly host: EngineHost) {}

  /** Sessions open now (the heap benchmark watches them). */
  get open(): number {
    return this.sessions.size;
  }

  readonly connect: MqttConnector = (opts, events) => {
    const id = this.nextSession++;
    this.sessions.set(id, events);
    const token = (fn?: (error: string) => void): number => {
      if (!fn) return 0;
      const t = this.nextToken++;
      this.waiting.set(t, fn);
      return t;
    };
    this.host.mqttConnect(id, opts);
    return {
      subscribe: (filters, done) => {
        // One filter list per QoS: the node asks for QoS 1 throughout.
        const topics = Object.keys(filters);
        const qos = topics.some((t) => filters[t] === 1) ? 1 : 0;
        this.host.mqttSubscribe(id, token((e) => done(e === '' ? undefined : e)), topics, qos);
      },
      publish: (topic, payload, qos, done) => {
        this.host.mqttPublish(id, token(done && (() => done())), topic, payload, qos);
      },
      end: (force, done) => {
        // Forced: the connection is gone already, nothing more is wanted from it.
        if (force) this.sessions.delete(id);
        this.host.mqttEnd(id, token((): void => {
          this.sessions.delete(id);
          done?.();
        }), force);
      },
    };
  };

  connected(session: number): void {
    this.sessions.get(session)?.connect();
  }

  message(session: number, topic: string, payload: Uint8Array, sender: string): void {
    this.sessions.get(session)?.message(topic, payload, sender === '' ? undefined : sender);
  }

  error(session: number, text: string): void {
    this.sessions.get(session)?.error(text);
  }

  /** The connection is closed: its events end here. */
  closed(session: number): void {
    const s = this.sessions.get(session);
    this.sessions.delete(session);
    s?.close();
  }

  oversized(session: number, bytes: number, type: number, qos: number): void {
    this.sessions.get(session)?.oversized({ bytes, type, qos });
  }

  done(_session: number, token: number, error: string): void {
    const fn = this.waiting.get(token);
    if (!fn) return;
    this.waiting.delete(token);
    fn(error);
  }
}
