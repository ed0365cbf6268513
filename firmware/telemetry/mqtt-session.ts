/**
 * An MQTT client as the Sparkplug node needs it: one session per connection attempt, with
 * its will, events for what happens to it, and subscribe/publish/end with completions. Node
 * gives one over MQTT.js (edge-node.ts); the firmware image over the engine host's client
 * (firmware/engine/host-mqtt.ts). Portable.
 */
import type { MqttConnectOptions } from '../engine/host.ts';

export type { MqttConnectOptions };

export interface MqttSessionEvents {
  /** Connected (CONNACK accepted). */
  connect(): void;
  /** A message on a subscribed topic; `sender` is the MQTT 5 user property `user`, when a sender claims one. */
  message(topic: string, payload: Uint8Array, sender: string | undefined): void;
  /** Why the session failed or broke, in the client's words (a `close` follows). */
  error(text: string): void;
  /** The connection is closed. */
  close(): void;
  /** A packet over the size limit arrived and was dropped unread. */
  oversized(p: { bytes: number; type: number; qos: number }): void;
}

export interface MqttSession {
  /** `done` once the broker granted the subscriptions, or with why not. */
  subscribe(filters: Record<string, 0 | 1>, done: (error?: string) => void): void;
  /** `done` once sent (QoS 0) or acknowledged (QoS 1). */
  publish(topic: string, payload: Uint8Array, qos: 0 | 1, done?: () => void): void;
  /** Cleanly (DISCONNECT: the broker drops the will), or `force`d (the connection closed). */
  end(force: boolean, done?: () => void): void;
}

/** Starts a session; events arrive later, never during this call. */
export type MqttConnector = (opts: MqttConnectOptions, events: MqttSessionEvents) => MqttSession;
