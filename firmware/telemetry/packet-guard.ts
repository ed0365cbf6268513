/**
 * A maximum MQTT packet size on the client, enforced before anything is decoded: MQTT.js
 * buffers a whole packet before its parser looks at it, so a 200 MB PUBLISH on a command topic
 * would be held in memory in full before any size check. This reads only each packet's fixed
 * header (type and Remaining Length, MQTT 3.1.1 2.2 / 5.0 2.1.4), passes packets within the
 * limit through untouched, and drops a larger PUBLISH as its bytes arrive, holding at most its
 * topic and packet identifier: a QoS 1 one is acknowledged (PUBACK) so that the broker does not
 * keep it in flight. With MQTT 5 the limit is also announced in CONNECT (Maximum Packet Size),
 * and a broker that honours it sends nothing larger; with 3.1.1 this is the only guard.
 */

export interface OversizedPacket {
  /** MQTT control packet type (3: PUBLISH). */
  type: number;
  /** Bytes of the whole packet, fixed header included. */
  bytes: number;
  qos: number;
}

const PUBLISH = 3;

export class MqttPacketGuard {
  private state: 'type' | 'length' | 'pass' | 'peek' | 'skip' = 'type';
  private header: number[] = [];
  private lengthBytes = 0;
  private remaining = 0;
  private multiplier = 1;
  private peek: number[] = [];
  private peekQos = 0;
  /** The most bytes held back at once (a fixed header, or an oversized PUBLISH's topic and id). */
  maxHeld = 0;
  dropped = 0;

  constructor(
    readonly maxPacket: number,
    private readonly onOversized: (p: OversizedPacket) => void,
    /** Writes a packet to the broker (the PUBACK of a dropped QoS 1 PUBLISH). */
    private readonly reply: (bytes: Uint8Array) => void,
  ) {}

  /** Bytes from the broker; returns what may go on to the MQTT parser. Throws on a stream that cannot be MQTT. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case 'type':
          this.header = [chunk[i++]];
          this.remaining = 0;
          this.multiplier = 1;
          this.lengthBytes = 0;
          this.state = 'length';
          break;
        case 'length': {
          const b = chunk[i++];
          this.header.push(b);
          this.remaining += (b & 0x7f) * this.multiplier;
          this.multiplier *= 128;
          this.lengthBytes++;
          this.maxHeld = Math.max(this.maxHeld, this.header.length);
          if (b & 0x80) {
            if (this.lengthBytes === 4) throw new Error('malformed MQTT Remaining Length');
            break;
          }
          this.startBody(out);
          break;
        }
        case 'pass': {
          const n = Math.min(this.remaining, chunk.length - i);
          out.push(chunk.subarray(i, i + n));
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = 'type';
          break;
        }
        case 'peek': {
          this.peek.push(chunk[i++]);
          this.remaining--;
          this.maxHeld = Math.max(this.maxHeld, this.header.length + this.peek.length);
          const topicLen = this.peek.length >= 2 ? (this.peek[0] << 8) | this.peek[1] : -1;
          if (topicLen >= 0 && this.peek.length === 2 + topicLen + 2) {
            const id = (this.peek[2 + topicLen] << 8) | this.peek[3 + topicLen];
            // PUBACK: type 4, Remaining Length 2, the packet identifier (reason: success).
            if (this.peekQos === 1) this.reply(Uint8Array.of(0x40, 0x02, id >> 8, id & 0xff));
            this.peek = [];
            this.state = this.remaining > 0 ? 'skip' : 'type';
          } else if (this.remaining === 0) {
            throw new Error('malformed MQTT PUBLISH (shorter than its topic)');
          }
          break;
        }
        case 'skip': {
          const n = Math.min(this.remaining, chunk.length - i);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = 'type';
          break;
        }
      }
    }
    return out;
  }

  private startBody(out: Uint8Array[]): void {
    const type = this.header[0] >> 4;
    const bytes = this.header.length + this.remaining;
    if (bytes <= this.maxPacket) {
      out.push(Uint8Array.from(this.header));
      this.state = this.remaining > 0 ? 'pass' : 'type';
      return;
    }
    const qos = type === PUBLISH ? (this.header[0] >> 1) & 3 : 0;
    this.dropped++;
    this.onOversized({ type, bytes, qos });
    // Only a PUBLISH may be dropped and the session go on; a QoS 2 one needs a handshake it
    // will not get, and nothing else from a broker is ever that large.
    if (type !== PUBLISH || qos > 1) throw new Error(`MQTT packet of ${bytes} bytes (type ${type}, QoS ${qos}) over the limit of ${this.maxPacket}`);
    this.peekQos = qos;
    this.peek = [];
    this.state = qos === 1 ? 'peek' : 'skip';
  }
}
