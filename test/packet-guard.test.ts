/**
 * The MQTT packet size guard, byte by byte: packets within the limit pass unchanged however
 * the stream is cut; a larger PUBLISH is dropped as it arrives, holding only its fixed header
 * (QoS 0) or its topic and packet identifier (QoS 1, answered with a PUBACK); anything else
 * oversized, or a stream that cannot be MQTT, ends the connection.
 */
import test from 'ava';
import fc from 'fast-check';
import { MqttPacketGuard, type OversizedPacket } from '../firmware/telemetry/packet-guard.ts';

/** MQTT Remaining Length (variable byte integer). */
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** A PUBLISH: fixed header, topic, packet id (QoS > 0), payload of `size` bytes. */
function publish(topic: string, size: number, qos: 0 | 1 | 2 = 0, id = 0x1234): Uint8Array {
  const t = new TextEncoder().encode(topic);
  const body = [t.length >> 8, t.length & 0xff, ...t, ...(qos > 0 ? [id >> 8, id & 0xff] : [])];
  const out = new Uint8Array(1 + varint(body.length + size).length + body.length + size);
  out.set([0x30 | (qos << 1), ...varint(body.length + size), ...body]);
  out.fill(0x41, out.length - size);
  return out;
}

function guard(max: number) {
  const oversized: OversizedPacket[] = [];
  const replies: number[][] = [];
  const g = new MqttPacketGuard(max, (p) => oversized.push(p), (b) => replies.push([...b]));
  const feed = (bytes: Uint8Array, cut = bytes.length): number[] => {
    const out: number[] = [];
    for (let i = 0; i < bytes.length; i += cut) for (const part of g.push(bytes.subarray(i, i + cut))) out.push(...part);
    return out;
  };
  return { g, oversized, replies, feed };
}

test('packets within the limit pass byte for byte, however the stream is cut', (t) => {
  const small = fc.oneof(
    fc.record({ topic: fc.string({ maxLength: 30 }), size: fc.nat(300), qos: fc.constantFrom(0 as const, 1 as const) }).map(({ topic, size, qos }) => publish(topic, size, qos)),
    fc.constant(Uint8Array.of(0x90, 0x03, 0x00, 0x01, 0x01)), // SUBACK
    fc.constant(Uint8Array.of(0xd0, 0x00)), // PINGRESP
    fc.constant(Uint8Array.of(0x20, 0x02, 0x00, 0x00)), // CONNACK
  );
  fc.assert(
    fc.property(fc.array(small, { maxLength: 10 }), fc.integer({ min: 1, max: 700 }), (packets, cut) => {
      const stream = new Uint8Array(packets.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of packets) {
        stream.set(p, o);
        o += p.length;
      }
      const { feed, oversized, g } = guard(1024);
      return Buffer.from(feed(stream, cut)).equals(Buffer.from(stream)) && oversized.length === 0 && g.maxHeld <= 4;
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('a larger QoS 0 PUBLISH is dropped as it arrives; the next packet passes', (t) => {
  const { feed, oversized, replies, g } = guard(4096);
  const big = publish('spBv1.0/g/NCMD/n', 10_000_000);
  const next = publish('spBv1.0/g/NCMD/n', 10);
  const out = [...feed(big, 65_536), ...feed(next, 3)];
  t.deepEqual(out, [...next]);
  t.deepEqual(oversized, [{ type: 3, bytes: big.length, qos: 0 }]);
  t.deepEqual(replies, []);
  t.true(g.maxHeld <= 5, `held ${g.maxHeld} bytes of a ${big.length}-byte packet`);
});

test('a larger QoS 1 PUBLISH is acknowledged (PUBACK with its id) and dropped, holding only its topic and id', (t) => {
  const { feed, oversized, replies, g } = guard(4096);
  const topic = 'spBv1.0/g/DCMD/n/bond0';
  const out = feed(publish(topic, 300_000, 1, 0xbeef), 1000);
  t.deepEqual(out, []);
  t.deepEqual(replies, [[0x40, 0x02, 0xbe, 0xef]]);
  t.is(oversized[0].qos, 1);
  t.true(g.maxHeld <= 5 + 2 + topic.length + 2);
});

test('oversized QoS 2, oversized non-PUBLISH, and a malformed Remaining Length end the connection', (t) => {
  t.throws(() => guard(100).feed(publish('t', 1000, 2)), { message: /over the limit of 100/ });
  t.throws(() => guard(100).feed(Uint8Array.of(0x90, ...varint(5000), 0, 1)), { message: /type 9/ });
  t.throws(() => guard(100).feed(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01)), { message: /malformed MQTT Remaining Length/ });
  t.throws(() => guard(10).feed(Uint8Array.of(0x32, 0x0c, 0x00, 0x40, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)), { message: /shorter than its topic/ });
});
