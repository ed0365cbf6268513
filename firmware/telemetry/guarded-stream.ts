/**
 * The connection to the broker as MQTT.js sees it, with `MqttPacketGuard` between the socket
 * and MQTT.js's parser. What MQTT.js writes goes to the socket unchanged; a PUBACK the guard
 * sends goes through the same writable side, so it never lands inside another packet.
 */
import { Duplex } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { MqttPacketGuard, type OversizedPacket } from './packet-guard.ts';

export class GuardedStream extends Duplex {
  readonly guard: MqttPacketGuard;

  constructor(private readonly inner: Duplex, maxPacket: number, onOversized: (p: OversizedPacket) => void) {
    super();
    this.guard = new MqttPacketGuard(maxPacket, onOversized, (bytes) => this.write(Buffer.from(bytes)));
    inner.on('data', (chunk: Buffer) => {
      let pass: Uint8Array[];
      try {
        pass = this.guard.push(chunk);
      } catch (e) {
        this.destroy(e as Error);
        return;
      }
      for (const b of pass) this.push(b);
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (e) => this.destroy(e));
    inner.on('close', () => this.destroy());
    // TLS: MQTT.js waits for nothing, but others may; pass the connection events on.
    for (const ev of ['connect', 'secureConnect']) inner.on(ev, () => this.emit(ev));
  }

  override _read(): void {
    // Flowing from the socket's 'data' events.
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.inner.write(chunk, cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.inner.end(cb);
  }

  override _destroy(e: Error | null, cb: (e?: Error | null) => void): void {
    this.inner.destroy();
    cb(e);
  }
}

/**
 * `mqtt.connect` with the guard on the connection: every protocol MQTT.js knows (mqtt, mqtts,
 * ws, wss) keeps its own stream builder, which the guard wraps.
 */
export function connectGuarded(url: string, options: IClientOptions, maxPacket: number, onOversized: (p: OversizedPacket) => void): MqttClient {
  const client = mqtt.connect(url, { ...options, manualConnect: true });
  // MQTT.js keeps the builder in a field TypeScript calls private; it is what connect() calls.
  const c = client as unknown as { streamBuilder: (cl: MqttClient) => Duplex };
  const build = c.streamBuilder;
  c.streamBuilder = (cl) => new GuardedStream(build(cl), maxPacket, onOversized);
  client.connect();
  return client;
}
