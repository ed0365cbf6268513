import test from 'ava';
import fc from 'fast-check';
import type { Conduit } from '../hal/frames.ts';
import {
  DSA_CMD_FORWARD,
  DSA_CMD_FROM_CPU,
  DSA_CMD_TO_CPU,
  DSA_CODE_ARP_MIRROR,
  DSA_CODE_MGMT_TRAP,
  DSA_CODE_POLICY_MIRROR,
  DsaTag,
  TAG_ERR_ETHERTYPE,
  TAG_ERR_LENGTH,
  TAG_ERR_SHORT,
  decodeTag,
  encodeForward,
  encodeFromCpu,
  encodeTag,
  stripTag,
  tagErrorName,
  type TagMode,
} from '../hal/switch/mv88e6xxx/dsa.ts';
import { DsaFramePort } from '../hal/switch/mv88e6xxx/frame-port.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/[\s|]+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array, n = b.length): string => Array.from(b.subarray(0, n), (x) => x.toString(16).padStart(2, '0')).join('');

// ARP-ish frame: dst broadcast, src 02:00:00:00:00:01, EtherType 0x0806, 4 payload bytes.
const PLAIN = hex('ffffffffffff 020000000001 0806 deadbeef');
// The same with an 802.1Q tag: TPID 0x8100, TCI 0xb064 = PCP 5, DEI 1, VID 100.
const DOT1Q = hex('ffffffffffff 020000000001 8100 b064 0806 deadbeef');

function decodeOk(t: { is: (a: unknown, b: unknown, m?: string) => void }, frame: Uint8Array, mode: TagMode): DsaTag {
  const tag = new DsaTag();
  const n = decodeTag(frame, frame.length, mode, tag);
  t.is(n, mode === 'edsa' ? 8 : 4, `decode ${toHex(frame)}`);
  return tag;
}

test('FROM_CPU to port 3, DSA and EDSA, byte-exact', (t) => {
  const out = new Uint8Array(64);
  // DSA: 40 = FROM_CPU (1<<6), untagged, device 0; 18 = port 3 << 3; VID 0 (standalone).
  let n = encodeFromCpu(out, PLAIN, PLAIN.length, 'dsa', 3);
  t.is(toHex(out, n), 'ffffffffffff020000000001' + '40180000' + '0806deadbeef');
  // EDSA: EtherType 0xDADA and two reserved zero bytes before the same 4 bytes.
  n = encodeFromCpu(out, PLAIN, PLAIN.length, 'edsa', 3);
  t.is(toHex(out, n), 'ffffffffffff020000000001' + 'dada0000' + '40180000' + '0806deadbeef');
  // Device 2, port 10, VID 0xfff (Linux's bridged VID): 42 | 50 | 0f ff.
  n = encodeFromCpu(out, PLAIN, PLAIN.length, 'dsa', 10, 2, 0xfff);
  t.is(toHex(out, n), 'ffffffffffff020000000001' + '42500fff' + '0806deadbeef');
  const tag = decodeOk(t, out.subarray(0, n), 'dsa');
  t.like(tag, { command: DSA_CMD_FROM_CPU, device: 2, port: 10, tagged: false, vid: 0xfff, trunk: false, code: 0 });
});

test('TO_CPU codes: MGMT_TRAP, ARP_MIRROR, POLICY_MIRROR', (t) => {
  // LACPDU trapped from port 2: 00 = TO_CPU device 0; 10 = port 2 << 3, code bits 0.
  const lacp = hex('0180c2000002 020000000002 | 00100000 | 8809 0101');
  t.like(decodeOk(t, lacp, 'dsa'), { command: DSA_CMD_TO_CPU, port: 2, code: DSA_CODE_MGMT_TRAP, tagged: false });
  // Code 4 (ARP mirror): byte 1 bits 2:1 = 10 -> 14.
  t.like(decodeOk(t, hex('ffffffffffff 020000000002 | 00140000 | 0806 0001'), 'dsa'), { port: 2, code: DSA_CODE_ARP_MIRROR, trunk: false });
  // Code 5 (policy mirror): byte 1 bits 2:1 = 10, byte 2 bit 4 = 1 -> 14 10.
  const t5 = decodeOk(t, hex('ffffffffffff 020000000002 | 00141001 | 0806 0001'), 'dsa');
  t.like(t5, { port: 2, code: DSA_CODE_POLICY_MIRROR, vid: 1, pcp: 0 });
  // Encoding a TO_CPU tag puts the code back where it came from.
  const tag = new DsaTag();
  Object.assign(tag, { command: DSA_CMD_TO_CPU, port: 2, code: 5, vid: 1 });
  const out = new Uint8Array(64);
  const n = encodeTag(out, hex('ffffffffffff 020000000002 0806 0001'), 16, 'dsa', tag);
  t.is(toHex(out, n), 'ffffffffffff020000000002' + '00141001' + '08060001');
});

test('FORWARD with the trunk flag', (t) => {
  const out = new Uint8Array(64);
  // C0 = FORWARD; 1c = trunk 3 << 3 | trunk flag 0x04.
  const n = encodeForward(out, PLAIN, PLAIN.length, 'dsa', 3, true);
  t.is(toHex(out, n), 'ffffffffffff020000000001' + 'c01c0000' + '0806deadbeef');
  t.like(decodeOk(t, out.subarray(0, n), 'dsa'), { command: DSA_CMD_FORWARD, port: 3, trunk: true });
});

test('an 802.1Q-tagged frame keeps its TCI in the tag, and stripping restores the 802.1Q tag', (t) => {
  const out = new Uint8Array(64);
  // Tag replaces TPID+TCI: e0 = FORWARD | tagged; 09 = port 1 << 3 | CFI; a0 64 = PCP 5, VID 100.
  const n = encodeForward(out, DOT1Q, DOT1Q.length, 'dsa', 1);
  t.is(toHex(out, n), 'ffffffffffff020000000001' + 'e009a064' + '0806deadbeef');
  const tag = decodeOk(t, out.subarray(0, n), 'dsa');
  t.like(tag, { command: DSA_CMD_FORWARD, port: 1, tagged: true, pcp: 5, cfi: true, vid: 100 });
  const back = new Uint8Array(64);
  const m = stripTag(out, n, 4, tag, back);
  t.is(toHex(back, m), toHex(DOT1Q));
  // EDSA: the tag grows by the 4-byte EtherType header only.
  const e = encodeForward(out, DOT1Q, DOT1Q.length, 'edsa', 1);
  t.is(toHex(out, e), 'ffffffffffff020000000001' + 'dada0000' + 'e009a064' + '0806deadbeef');
  const etag = decodeOk(t, out.subarray(0, e), 'edsa');
  t.is(toHex(back, stripTag(out, e, 8, etag, back)), toHex(DOT1Q));
});

test('stripping an untagged frame removes the tag only', (t) => {
  const tagged = hex('ffffffffffff020000000001 dada0000 40180000 0806deadbeef');
  const tag = decodeOk(t, tagged, 'edsa');
  const out = new Uint8Array(64);
  t.is(toHex(out, stripTag(tagged, tagged.length, 8, tag, out)), toHex(PLAIN));
  t.is(stripTag(tagged, tagged.length, 8, tag, new Uint8Array(10)), -1, 'output too small');
});

test('encoding in place in a large enough buffer', (t) => {
  const buf = new Uint8Array(64);
  buf.set(DOT1Q);
  const n = encodeFromCpu(buf, buf, DOT1Q.length, 'edsa', 4);
  t.is(toHex(buf, n), 'ffffffffffff020000000001' + 'dada0000' + '6021a064' + '0806deadbeef');
});

test('malformed input: short, wrong EDSA EtherType, bad length', (t) => {
  const tag = new DsaTag();
  // 12 + 4 + 2 bytes is the minimum for DSA; 17 is one short.
  t.is(decodeTag(new Uint8Array(17), 17, 'dsa', tag), TAG_ERR_SHORT);
  t.is(decodeTag(new Uint8Array(18), 18, 'dsa', tag), 4);
  t.is(decodeTag(new Uint8Array(21), 21, 'edsa', tag), TAG_ERR_SHORT);
  t.is(decodeTag(new Uint8Array(22), 22, 'edsa', tag), TAG_ERR_ETHERTYPE);
  t.is(decodeTag(new Uint8Array(30), 31, 'dsa', tag), TAG_ERR_LENGTH, 'length beyond the buffer');
  t.is(decodeTag(new Uint8Array(30), -1, 'dsa', tag), TAG_ERR_LENGTH);
  t.is(decodeTag(new Uint8Array(30), 20.5, 'dsa', tag), TAG_ERR_LENGTH);
  t.is(tagErrorName(TAG_ERR_ETHERTYPE), 'bad-ethertype');
  t.is(encodeFromCpu(new Uint8Array(64), PLAIN, 13, 'dsa', 1), -1, 'shorter than a header');
  t.is(encodeFromCpu(new Uint8Array(20), PLAIN, PLAIN.length, 'edsa', 1), -1, 'output too small');
});

test('property: the decoder never throws on arbitrary bytes and lengths', (t) => {
  const tag = new DsaTag();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: -5, max: 90 }), fc.constantFrom<TagMode>('dsa', 'edsa'), (bytes, length, mode) => {
      const n = decodeTag(bytes, length, mode, tag);
      if (n > 0) {
        const out = new Uint8Array(bytes.length + 4);
        const m = stripTag(bytes, length, n, tag, out);
        return m === length - n + (tag.tagged ? 4 : 0);
      }
      return n < 0;
    }),
  );
  t.pass();
});

const tagArb = fc.record({
  command: fc.integer({ min: 0, max: 3 }),
  device: fc.integer({ min: 0, max: 31 }),
  port: fc.integer({ min: 0, max: 31 }),
  trunk: fc.boolean(),
  code: fc.integer({ min: 0, max: 7 }),
  vid: fc.integer({ min: 0, max: 4095 }),
  pcp: fc.integer({ min: 0, max: 7 }),
  cfi: fc.boolean(),
});

test('property: any valid tag round-trips, and the frame comes back byte for byte', (t) => {
  const out = new Uint8Array(2000);
  const back = new Uint8Array(2000);
  const got = new DsaTag();
  fc.assert(
    fc.property(tagArb, fc.uint8Array({ minLength: 14, maxLength: 200 }), fc.boolean(), fc.constantFrom<TagMode>('dsa', 'edsa'), (fields, bytes, dot1q, mode) => {
      const frame = bytes.slice();
      if (dot1q) {
        frame[12] = 0x81;
        frame[13] = 0x00;
        if (frame.length < 18) return true;
      } else if (frame[12] === 0x81 && frame[13] === 0x00) {
        frame[12] = 0x08; // keep untagged frames untagged
      }
      const tag = Object.assign(new DsaTag(), fields);
      const n = encodeTag(out, frame, frame.length, mode, tag);
      if (n !== frame.length + (mode === 'edsa' ? 4 : 0) + (dot1q ? 0 : 4)) return false;
      const h = decodeTag(out, n, mode, got);
      if (h !== (mode === 'edsa' ? 8 : 4)) return false;
      if (got.command !== fields.command || got.device !== fields.device || got.port !== fields.port) return false;
      if (got.trunk !== (fields.command === DSA_CMD_FORWARD && fields.trunk)) return false;
      if (got.code !== (fields.command === DSA_CMD_TO_CPU ? fields.code : 0)) return false;
      if (got.tagged !== dot1q) return false;
      if (!dot1q && (got.vid !== fields.vid || got.pcp !== fields.pcp || got.cfi !== fields.cfi)) return false;
      const m = stripTag(out, n, h, got, back);
      // Untagged frames come back exactly; tagged ones exactly too (TCI restored with DEI).
      return m === frame.length && toHex(back, m) === toHex(frame);
    }),
  );
  t.pass();
});

/** The CPU's MAC as a recording conduit: the switch side is played by the test. */
function conduitRig() {
  const sent: string[] = [];
  let deliver: ((frame: Uint8Array, length: number) => void) | undefined;
  const conduit: Conduit = {
    send: (frame, length) => sent.push(toHex(frame, length)),
    setReceiver: (h) => {
      deliver = h;
    },
  };
  return { conduit, sent, deliver: (f: Uint8Array, len = f.length) => deliver!(f, len) };
}

test('DsaFramePort sends with a FROM_CPU tag and refuses what it cannot send', (t) => {
  const { conduit, sent } = conduitRig();
  const fp = new DsaFramePort(conduit, { mode: 'edsa', portCount: 11, cpuPort: 10 });
  t.true(fp.send(3, PLAIN, PLAIN.length));
  t.deepEqual(sent, ['ffffffffffff020000000001' + 'dada0000' + '40180000' + '0806deadbeef']);
  t.false(fp.send(10, PLAIN, PLAIN.length), 'the CPU port');
  t.false(fp.send(11, PLAIN, PLAIN.length), 'no such port');
  t.false(fp.send(-1, PLAIN, PLAIN.length));
  t.false(fp.send(1, PLAIN, 13), 'short');
  t.false(fp.send(1, new Uint8Array(1600), 1600), 'long');
  t.deepEqual(fp.counters.txDropped, { 'bad-port': 3, short: 1, long: 1 });
  t.is(fp.counters.tx, 1);
});

test('DsaFramePort delivers untagged frames with their source port and counts malformed ones', (t) => {
  const { conduit, deliver } = conduitRig();
  const fp = new DsaFramePort(conduit, { mode: 'dsa', portCount: 7, cpuPort: 5 });
  const got: string[] = [];
  const trunks: string[] = [];
  fp.setReceiver((port, frame, length) => got.push(`${port}:${toHex(frame, length)}`));
  fp.setTrunkReceiver((id, frame, length) => trunks.push(`${id}:${toHex(frame, length)}`));
  deliver(hex('0180c2000002 020000000002 | 00100000 | 8809 0101')); // TO_CPU trap, port 2
  deliver(hex('ffffffffffff 020000000001 | e009a064 | 0806 deadbeef')); // FORWARD port 1, 802.1Q
  deliver(hex('ffffffffffff 020000000001 | c01c0000 | 0806 deadbeef')); // FORWARD trunk 3
  t.deepEqual(got, ['2:0180c2000002020000000002' + '88090101', '1:' + toHex(DOT1Q)]);
  t.deepEqual(trunks, ['3:' + toHex(PLAIN)]);
  deliver(hex('ffffffffffff 020000000001 | 00')); // short
  deliver(hex('ffffffffffff 020000000001 | 40180000 | 0806')); // FROM_CPU towards the CPU
  deliver(hex('ffffffffffff 020000000001 | 80180000 | 0806')); // TO_SNIFFER
  deliver(hex('ffffffffffff 020000000001 | 00101000 | 0806')); // TO_CPU FRAME2REG (code 1)
  deliver(hex('ffffffffffff 020000000001 | 00161000 | 0806')); // TO_CPU reserved code 7
  deliver(hex('ffffffffffff 020000000001 | c0380000 | 0806')); // FORWARD from port 7 (none)
  deliver(hex('ffffffffffff 020000000001 | c0280000 | 0806')); // FORWARD from the CPU port
  deliver(hex('ffffffffffff 020000000001 | c1080000 | 0806')); // device 1
  deliver(new Uint8Array(20), 40); // length beyond the buffer
  t.is(fp.counters.rx, 3);
  t.like(fp.counters.rxDropped, { short: 2, 'bad-command': 2, 'bad-code': 2, 'bad-port': 3 });
});

test('DsaFramePort: an EDSA frame without 0xDADA is counted, not thrown', (t) => {
  const { conduit, deliver } = conduitRig();
  const fp = new DsaFramePort(conduit, { mode: 'edsa', portCount: 11, cpuPort: 10 });
  fp.setReceiver(() => t.fail());
  deliver(hex('ffffffffffff 020000000001 | 88880000 00100000 | 0806'));
  t.is(fp.counters.rxDropped['bad-ethertype'], 1);
});

test('property: DsaFramePort never throws on arbitrary bytes and counts every frame once', (t) => {
  const { conduit, deliver } = conduitRig();
  const fp = new DsaFramePort(conduit, { mode: 'dsa', portCount: 7, cpuPort: 5 });
  fp.setReceiver(() => undefined);
  let frames = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1600 }), (bytes) => {
      deliver(bytes);
      frames++;
      const c = fp.counters;
      const dropped = Object.values(c.rxDropped).reduce((a, b) => a + b, 0);
      return c.rx + dropped === frames;
    }),
  );
  t.pass();
});
