import test from 'ava';
import fc from 'fast-check';
import { ProtocolError } from '../lib/errors.ts';
import type { MdioOp } from '../hal/mdio/bus.ts';
import { BridgeDecodeError, crc16, decodeMessage, encodeMessage, type BridgeMessage, type ResultStatus } from '../hal/bridge/codec.ts';
import { BridgeFrameReader, BridgeFrameWriter, MAX_FRAME_BYTES, frameBytes, type BridgeFrameError } from '../hal/bridge/framing.ts';
import { decodeProgram, encodeProgram, isIdempotent } from '../hal/bridge/program.ts';
import { bondfw } from '../proto/bridge.js';

const pb = bondfw.bridge;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

/** A reader that records everything it hands out. */
function recorder() {
  const messages: BridgeMessage[] = [];
  const errors: { reason: BridgeFrameError; detail: string }[] = [];
  const reader = new BridgeFrameReader(
    (m) => messages.push(m),
    (reason, detail) => errors.push({ reason, detail }),
  );
  return { reader, messages, errors };
}

// ---- CRC --------------------------------------------------------------------------------

test('crc16 is CRC-16/CCITT-FALSE: check value and ranges', (t) => {
  const check = new TextEncoder().encode('123456789');
  t.is(crc16(check), 0x29b1);
  t.is(crc16(new Uint8Array(0)), 0xffff); // init, no xorout
  t.is(crc16(bytes('ff ff 31 32 33 34 35 36 37 38 39 00'), 2, 11), 0x29b1);
});

// ---- byte-exact vectors -------------------------------------------------------------------

test('hello: byte-exact', (t) => {
  const m: BridgeMessage = { kind: 'hello', seq: 1 };
  // 08 01 seq 1 | 12 00 hello {} | 53 22 CRC
  t.is(hex(encodeMessage(m)), '080112005322');
  // END, the bytes (nothing to escape), END
  t.is(hex(frameBytes(m)), 'c0' + '080112005322' + 'c0');
  t.deepEqual(decodeMessage(encodeMessage(m)), m);
});

test('program of two Clause 22 reads: byte-exact', (t) => {
  const m: BridgeMessage = { kind: 'program', seq: 2, ops: [{ op: 'read', phy: 1, reg: 1 }, { op: 'read', phy: 1, reg: 2 }] };
  t.deepEqual(encodeProgram(m.ops), [0x108, 0x208]); // read | phy 1 << 3 | reg << 8
  // 08 02 seq 2 | 22 06 program, 6 bytes | 0a 04 code, packed, 4 bytes | 88 02 = 0x108 | 88 04 = 0x208 | d3 d4 CRC
  t.is(hex(encodeMessage(m)), '0802' + '2206' + '0a04' + '8802' + '8804' + 'd3d4');
  t.is(hex(frameBytes(m)), 'c0' + '080222060a0488028804d3d4' + 'c0');
  t.deepEqual(decodeMessage(encodeMessage(m)), m);
});

test('result of the two reads: byte-exact', (t) => {
  const m: BridgeMessage = { kind: 'result', seq: 2, status: 'ok', values: [0x7949, 0x0141], failedAt: 0 };
  // 08 02 seq 2 | 2a 07 result, 7 bytes | (status OK and failed_at 0 are defaults: absent)
  // 12 05 values, packed, 5 bytes | c9 f2 01 = 0x7949 | c1 02 = 0x0141 | e8 18 CRC
  t.is(hex(encodeMessage(m)), '0802' + '2a07' + '1205' + 'c9f201' + 'c102' + 'e818');
  t.deepEqual(decodeMessage(encodeMessage(m)), m);
});

test('info after a boot with its boot nonce: byte-exact (proto/bridge.md section 11)', (t) => {
  const m: BridgeMessage = { kind: 'info', seq: 0, info: { firmwareVersion: '', mdioClockHz: 0, capabilities: 0, maxOps: 0, bootId: 1, irqLines: 0, bootNonce: 0x12345678 } };
  // c0 END | 1a 08 info, 8 bytes | 28 01 boot_id 1 | 38 f8 ac d1 91 01 boot_nonce 0x12345678 | c6 ec CRC | c0 END
  t.deepEqual(frameBytes(m), bytes('c0 1a 08 28 01 38 f8 ac d1 91 01 c6 ec c0'));
  t.deepEqual(decodeMessage(encodeMessage(m)), m);
  // An older bridge sends no boot_nonce: it decodes as 0.
  t.is((decodeMessage(encodeMessage({ ...m, info: { ...m.info, bootNonce: 0 } })) as { info: { bootNonce: number } }).info.bootNonce, 0);
});

test('result with a wait timeout: 0xDB inside the data is escaped', (t) => {
  const m: BridgeMessage = { kind: 'result', seq: 3, status: 'wait-timeout', values: [0xdb, 0x8000], failedAt: 1 };
  // 08 03 seq 3 | 2a 0b result | 08 01 WAIT_TIMEOUT | 12 05 values: db 01 = 0xDB, 80 80 02 = 0x8000 | 18 01 failed_at 1 | 02 98 CRC
  t.is(hex(encodeMessage(m)), '0803' + '2a0b' + '0801' + '1205' + 'db01' + '808002' + '1801' + '0298');
  // on the wire db -> db dd
  t.is(hex(frameBytes(m)), 'c0' + '08032a0b08011205' + 'dbdd' + '01808002' + '1801' + '0298' + 'c0');
  t.deepEqual(decodeMessage(encodeMessage(m)), m);
});

test('link event: byte-exact, and 0xC0 in the data and in the CRC is escaped', (t) => {
  const m: BridgeMessage = { kind: 'linkEvent', seq: 0, line: 3, asserted: true };
  // (seq 0 absent) | 32 04 link_event, 4 bytes | 08 03 line 3 | 10 01 asserted | ec 1b CRC
  t.is(hex(frameBytes(m)), 'c0' + '3204' + '0803' + '1001' + 'ec1b' + 'c0');
  t.deepEqual(decodeMessage(encodeMessage(m)), m);

  const odd: BridgeMessage = { kind: 'linkEvent', seq: 8, line: 0xc0, asserted: true };
  // 08 08 seq 8 | 32 05 | 08 c0 01 line 192 | 10 01 | c0 d3 CRC: both c0 become db dc
  t.is(hex(encodeMessage(odd)), '0808' + '3205' + '08c001' + '1001' + 'c0d3');
  t.is(hex(frameBytes(odd)), 'c0' + '0808' + '3205' + '08' + 'dbdc' + '01' + '1001' + 'dbdc' + 'd3' + 'c0');
  t.deepEqual(decodeMessage(encodeMessage(odd)), odd);
});

test('raw frame: 0xC0 and 0xDB in the payload are escaped', (t) => {
  const m: BridgeMessage = { kind: 'rawFrame', seq: 0, data: Uint8Array.of(0xc0, 0xdb, 0x00) };
  // 3a 05 raw_frame | 0a 03 data, 3 bytes | c0 db 00 | 2a 54 CRC
  t.is(hex(encodeMessage(m)), '3a05' + '0a03' + 'c0db00' + '2a54');
  t.is(hex(frameBytes(m)), 'c0' + '3a050a03' + 'dbdc' + 'dbdd' + '00' + '2a54' + 'c0');
  t.deepEqual(decodeMessage(encodeMessage(m)), m);
});

// ---- decode errors --------------------------------------------------------------------------

function decodeError(t: import('ava').ExecutionContext, b: Uint8Array): BridgeDecodeError {
  const e = t.throws(() => decodeMessage(b), { instanceOf: BridgeDecodeError })!;
  t.true(e instanceof ProtocolError);
  t.true(e.message.startsWith(`${e.reason}: `), e.message);
  return e;
}

test('decodeMessage: reasons crc, decode, empty, program', (t) => {
  t.is(decodeError(t, new Uint8Array(0)).reason, 'crc');
  t.is(decodeError(t, bytes('08')).reason, 'crc');
  t.is(decodeError(t, bytes('080112005323')).reason, 'crc'); // last CRC bit wrong
  t.is(decodeError(t, bytes('ffff')).reason, 'empty'); // no protobuf bytes at all: CRC of nothing is ffff
  const withCrc = (h: string): Uint8Array => {
    const b = bytes(h);
    const c = crc16(b);
    return Uint8Array.of(...b, c >> 8, c & 0xff);
  };
  t.is(decodeError(t, withCrc('0805')).reason, 'empty'); // seq only
  t.is(decodeError(t, withCrc('12')).reason, 'decode'); // truncated field
  t.is(decodeError(t, withCrc('0f')).reason, 'decode'); // wire type 7
  t.is(decodeError(t, withCrc('08808004 1200')).reason, 'decode'); // seq 65536
  t.is(decodeError(t, withCrc('2a02 0807')).reason, 'decode'); // result status 7
  t.is(decodeError(t, withCrc('2a05 1203 808004')).reason, 'decode'); // result value 0x10000
  const bad = decodeError(t, withCrc('0809' + '2203' + '0a0107')); // seq 9, program code [7]
  t.is(bad.reason, 'program'); // opcode 7
  t.is(bad.seq, 9);
  t.regex(bad.message, /^program: op 0 \(word 0\): unknown opcode 7/);
});

// ---- programs ------------------------------------------------------------------------------

const EVERY_OP: MdioOp[] = [
  { op: 'read', phy: 31, reg: 31 },
  { op: 'write', phy: 0, reg: 0, value: 0xffff },
  { op: 'read45', phy: 5, devad: 31, reg: 0xffff },
  { op: 'write45', phy: 6, devad: 1, reg: 0x0800, value: 0x1234 },
  { op: 'rmw', phy: 3, reg: 9, mask: 0x0300, value: 0x0200 },
  { op: 'wait', phy: 0x1c, reg: 0x18, mask: 0x8000, value: 0, tries: 100 },
];

test('program: every op kind, byte-exact words, round trip', (t) => {
  t.deepEqual(encodeProgram(EVERY_OP), [
    0x1ff8, // read, phy 31, reg 31
    0x0001, 0xffff, // write phy 0 reg 0, value
    0x1f2a, 0xffff, // read45 phy 5 devad 31, reg
    0x0133, 0x0800, 0x1234, // write45 phy 6 devad 1, reg, value
    0x091c, 0x0300, 0x0200, // rmw phy 3 reg 9, mask, value
    0x18e5, 0x8000, 0x0000, 100, // wait phy 28 reg 24, mask, value, tries
  ]);
  t.deepEqual(decodeProgram(encodeProgram(EVERY_OP)), EVERY_OP);
  t.deepEqual(decodeProgram([]), []);
  const m: BridgeMessage = { kind: 'program', seq: 65535, ops: EVERY_OP };
  t.deepEqual(decodeMessage(encodeMessage(m)), m);
});

test('program: bad programs are rejected with the op at fault', (t) => {
  const bad = (code: number[], re: RegExp) => {
    const e = t.throws(() => decodeProgram(code), { instanceOf: ProtocolError })!;
    t.regex(e.message, re);
  };
  bad([7], /^program: op 0 \(word 0\): unknown opcode 7$/);
  bad([6], /^program: op 0 \(word 0\): smi needs 1 operand word\(s\), 0 left$/);
  bad([0x0086, 0x0810], /^program: op 0 \(word 0\): smi needs 2 operand word\(s\), 1 left$/); // a write without its value
  bad([0x0086, 0x1010], /smi control word 0x1010 has bits 12-15 set/);
  bad([0x0086, 0x0030], /smi control word 0x30 names a PHY address without the PHY unit bit/);
  bad([0x2000], /^program: op 0 \(word 0\): opcode word 0x2000 has bits above 12 set$/);
  bad([0x100000000], /bits above 12/);
  bad([0x0108, 0x0001], /^program: op 1 \(word 1\): write needs 1 operand word\(s\), 0 left$/);
  bad([0x0005, 0x8000, 0], /op 0 \(word 0\): wait needs 3 operand word\(s\), 2 left/);
  bad([0x0003, 1], /write45 needs 2/);
  bad([0x0001, 0x10000], /^program: op 0 \(word 0\): write operand 0 is 0x10000, above 0xFFFF$/);
  bad([0x0004, 0, 0x1_0000], /rmw operand 1/);
  t.throws(() => encodeProgram([{ op: 'read', phy: 32, reg: 0 }]), { instanceOf: RangeError });
  t.throws(() => encodeProgram([{ op: 'write', phy: 0, reg: 0, value: 0x10000 }]), { instanceOf: RangeError });
});

test('isIdempotent: only reads and waits are safe to resend', (t) => {
  t.true(isIdempotent([]));
  t.true(isIdempotent([EVERY_OP[0], EVERY_OP[2], EVERY_OP[5]]));
  for (const op of [EVERY_OP[1], EVERY_OP[3], EVERY_OP[4]]) t.false(isIdempotent([EVERY_OP[0], op]), op.op);
});

test('program: the indirect SMI operations (opcode 6), byte-exact words and bytes, round trip', (t) => {
  const ops: MdioOp[] = [
    { op: 'smiRead', phy: 0x10, dev: 0x13, reg: 0 }, // port 3 status, multi-chip at 0x10
    { op: 'smiWrite', phy: 0x10, dev: 0x11, reg: 4, value: 0x007f },
    { op: 'smiPhyRead', phy: 0x10, g2: 0x1c, phyAddr: 2, reg: 1 }, // PHY 2 BMSR through Global2
    { op: 'smiPhyWrite', phy: 0, g2: 0x1c, phyAddr: 31, reg: 31, value: 0xffff }, // single-chip
  ];
  const code = encodeProgram(ops);
  t.deepEqual(code, [
    0x0086, 0x0013, // smi, SMI 0x10, reg 0; control: device 0x13
    0x0486, 0x0811, 0x007f, // reg 4; control: write, device 0x11; value
    0x0186, 0x045c, // reg 1; control: PHY unit, PHY 2, Global2 0x1c
    0x1f06, 0x0ffc, 0xffff, // single-chip, reg 31; control: write, PHY unit, PHY 31, Global2 0x1c; value
  ]);
  t.deepEqual(decodeProgram(code), ops);
  // On the wire (bridge.md section 4): a read of a device register is 3 bytes of the packed
  // field, a PHY register through Global2 4 bytes.
  const packed = (op: MdioOp) => (pb.Program.encode({ code: encodeProgram([op]) }).finish().length - 2);
  t.is(packed(ops[0]), 3);
  t.is(packed(ops[2]), 4);
  t.true(isIdempotent([ops[0], ops[2]]));
  t.false(isIdempotent([ops[1]]));
  t.false(isIdempotent([ops[3]]));
});

// ---- every message kind ---------------------------------------------------------------------

const arbOp: fc.Arbitrary<MdioOp> = fc.oneof(
  fc.record({ op: fc.constant('read' as const), phy: fc.nat(31), reg: fc.nat(31) }),
  fc.record({ op: fc.constant('write' as const), phy: fc.nat(31), reg: fc.nat(31), value: fc.nat(0xffff) }),
  fc.record({ op: fc.constant('read45' as const), phy: fc.nat(31), devad: fc.nat(31), reg: fc.nat(0xffff) }),
  fc.record({ op: fc.constant('write45' as const), phy: fc.nat(31), devad: fc.nat(31), reg: fc.nat(0xffff), value: fc.nat(0xffff) }),
  fc.record({ op: fc.constant('rmw' as const), phy: fc.nat(31), reg: fc.nat(31), mask: fc.nat(0xffff), value: fc.nat(0xffff) }),
  fc.record({ op: fc.constant('wait' as const), phy: fc.nat(31), reg: fc.nat(31), mask: fc.nat(0xffff), value: fc.nat(0xffff), tries: fc.nat(0xffff) }),
  fc.record({ op: fc.constant('smiRead' as const), phy: fc.nat(31), dev: fc.nat(31), reg: fc.nat(31) }),
  fc.record({ op: fc.constant('smiWrite' as const), phy: fc.nat(31), dev: fc.nat(31), reg: fc.nat(31), value: fc.nat(0xffff) }),
  fc.record({ op: fc.constant('smiPhyRead' as const), phy: fc.nat(31), g2: fc.nat(31), phyAddr: fc.nat(31), reg: fc.nat(31) }),
  fc.record({ op: fc.constant('smiPhyWrite' as const), phy: fc.nat(31), g2: fc.nat(31), phyAddr: fc.nat(31), reg: fc.nat(31), value: fc.nat(0xffff) }),
);
const arbSeq = fc.nat(0xffff);
const arbU32 = fc.nat({ max: 0xffffffff });
const arbMessage: fc.Arbitrary<BridgeMessage> = fc.oneof(
  fc.record({ kind: fc.constant('hello' as const), seq: arbSeq }),
  fc.record({
    kind: fc.constant('info' as const),
    seq: arbSeq,
    info: fc.record({ firmwareVersion: fc.string({ unit: 'grapheme', maxLength: 40 }), mdioClockHz: arbU32, capabilities: arbU32, maxOps: arbU32, bootId: arbU32, irqLines: arbU32, bootNonce: arbU32 }),
  }),
  fc.record({ kind: fc.constant('program' as const), seq: arbSeq, ops: fc.array(arbOp, { maxLength: 40 }) }),
  fc.record({
    kind: fc.constant('result' as const),
    seq: arbSeq,
    status: fc.constantFrom<ResultStatus>('ok', 'wait-timeout', 'bad-program', 'too-long', 'unit-timeout'),
    values: fc.array(fc.nat(0xffff), { maxLength: 40 }),
    failedAt: arbU32,
  }),
  fc.record({ kind: fc.constant('linkEvent' as const), seq: arbSeq, line: arbU32, asserted: fc.boolean() }),
  // With an interrupt program's reading (capability 64): OK with at least one value (an OK
  // reading of no values is no reading), or a failure with any.
  fc.record({
    kind: fc.constant('linkEvent' as const),
    seq: arbSeq,
    line: arbU32,
    asserted: fc.boolean(),
    read: fc.oneof(
      fc.record({ status: fc.constant<ResultStatus>('ok'), values: fc.array(fc.nat(0xffff), { minLength: 1, maxLength: 8 }), failedAt: arbU32 }),
      fc.record({ status: fc.constantFrom<ResultStatus>('wait-timeout', 'bad-program', 'too-long', 'unit-timeout'), values: fc.array(fc.nat(0xffff), { maxLength: 8 }), failedAt: arbU32 }),
    ),
  }),
  fc.record({ kind: fc.constant('rawFrame' as const), seq: arbSeq, data: fc.uint8Array({ maxLength: 200 }) }),
  fc.record({ kind: fc.constant('irqProgram' as const), seq: arbSeq, line: arbU32, ops: fc.array(arbOp, { maxLength: 16 }) }),
);

test('round trip of every message kind, through the codec and through the framing', (t) => {
  const all: BridgeMessage[] = [
    { kind: 'hello', seq: 1 },
    // A bridge from before boot_nonce, and one with it.
    { kind: 'info', seq: 0, info: { firmwareVersion: 'mdio-bridge 1.2 «rp2040»', mdioClockHz: 2_500_000, capabilities: 31, maxOps: 1024, bootId: 0xdeadbeef, irqLines: 4, bootNonce: 0 } },
    { kind: 'info', seq: 3, info: { firmwareVersion: 'mdio-bridge 1.3', mdioClockHz: 2_500_000, capabilities: 31, maxOps: 1024, bootId: 1, irqLines: 4, bootNonce: 0x9e3779b9 } },
    { kind: 'program', seq: 40000, ops: EVERY_OP },
    { kind: 'result', seq: 40000, status: 'bad-program', values: [], failedAt: 3 },
    { kind: 'result', seq: 7, status: 'too-long', values: [], failedAt: 1024 },
    { kind: 'linkEvent', seq: 0, line: 2, asserted: false },
    { kind: 'rawFrame', seq: 0, data: new Uint8Array(1514).map((_, i) => i) },
    { kind: 'rawFrame', seq: 0, data: new Uint8Array(0) },
  ];
  for (const m of all) t.deepEqual(decodeMessage(encodeMessage(m)), m, m.kind);
  const wire: Uint8Array[] = [];
  const writer = new BridgeFrameWriter((b) => wire.push(b));
  for (const m of all) writer.write(m);
  t.is(writer.frames, all.length);
  const { reader, messages, errors } = recorder();
  for (const w of wire) reader.push(w);
  t.deepEqual(messages, all);
  t.deepEqual(errors, []);
  t.is(reader.counters.frames, all.length);
});

test('encodeMessage refuses fields out of range', (t) => {
  t.throws(() => encodeMessage({ kind: 'hello', seq: 65536 }), { instanceOf: RangeError });
  t.throws(() => encodeMessage({ kind: 'hello', seq: -1 }), { instanceOf: RangeError });
  t.throws(() => encodeMessage({ kind: 'result', seq: 1, status: 'ok', values: [0x10000], failedAt: 0 }), { instanceOf: RangeError });
  t.throws(() => encodeMessage({ kind: 'linkEvent', seq: 0, line: 1.5, asserted: true }), { instanceOf: RangeError });
});

test('(d) property: encodeMessage / decodeMessage round trip', (t) => {
  fc.assert(
    fc.property(arbMessage, (m) => {
      t.deepEqual(decodeMessage(encodeMessage(m)), m);
    }),
    { numRuns: 500 },
  );
  t.pass();
});

// ---- framing --------------------------------------------------------------------------------

test('reader: byte at a time, messages come out within push and in order', (t) => {
  const { reader, messages } = recorder();
  const a = frameBytes({ kind: 'hello', seq: 1 });
  const b = frameBytes({ kind: 'linkEvent', seq: 8, line: 0xc0, asserted: true });
  const stream = Uint8Array.of(...a, ...b);
  for (let i = 0; i < stream.length; i++) {
    reader.push(stream.subarray(i, i + 1));
    if (i === a.length - 1) t.is(messages.length, 1); // delivered by the push that completed it
  }
  t.deepEqual(messages, [{ kind: 'hello', seq: 1 }, { kind: 'linkEvent', seq: 8, line: 0xc0, asserted: true }]);
});

test('reader: bad frames are counted by reason and never stop the stream', (t) => {
  const { reader, messages, errors } = recorder();
  const good = frameBytes({ kind: 'hello', seq: 5 });
  const corrupt = Uint8Array.from(good);
  corrupt[3] ^= 0x10;
  const program = Uint8Array.of(0xc0, ...encodeRaw('0809' + '2203' + '0a0107'), 0xc0); // opcode 7
  const empty = Uint8Array.of(0xc0, ...encodeRaw('0805'), 0xc0);
  reader.push(Uint8Array.of(...bytes('01 02 03'), ...corrupt, ...program, ...empty, 0xc0, 0xc0, 0xc0, ...good));
  t.deepEqual(messages, [{ kind: 'hello', seq: 5 }]);
  t.deepEqual(errors.map((e) => e.reason), ['crc', 'crc', 'program', 'empty']);
  t.deepEqual(reader.counters, { frames: 1, errors: { crc: 2, decode: 0, empty: 1, program: 1, oversize: 0 } });
  t.regex(errors[2].detail, /^program: op 0 \(word 0\): unknown opcode 7$/);
});

test('reader: an ESC right before END does not swallow the END of the next frame', (t) => {
  const { reader, messages, errors } = recorder();
  const good = frameBytes({ kind: 'hello', seq: 5 });
  // noise ending in ESC, then a frame that starts with its END
  reader.push(Uint8Array.of(0x11, 0xdb));
  reader.push(good);
  t.deepEqual(messages, [{ kind: 'hello', seq: 5 }]);
  t.deepEqual(errors.map((e) => e.reason), ['crc']);
  // ESC ESC ESC END: the third ESC dangles too
  reader.push(Uint8Array.of(0x11, 0xdb, 0xdb, 0xdb, ...good));
  t.is(messages.length, 2);
});

test('reader: an oversize frame is dropped as it passes, once, and the next frame is found', (t) => {
  const { reader, messages, errors } = recorder();
  reader.push(Uint8Array.of(0xc0));
  const noise = new Uint8Array(1000).fill(0x55);
  for (let n = 0; n < MAX_FRAME_BYTES / 1000 + 5; n++) reader.push(noise);
  t.deepEqual(errors.map((e) => e.reason), ['oversize']);
  reader.push(frameBytes({ kind: 'hello', seq: 9 }));
  t.deepEqual(messages, [{ kind: 'hello', seq: 9 }]);
  t.deepEqual(reader.counters.errors, { crc: 0, decode: 0, empty: 0, program: 0, oversize: 1 });
  // exactly at the limit is still a frame (and fails its CRC); one more byte is oversize
  reader.push(Uint8Array.of(0xc0, ...new Uint8Array(MAX_FRAME_BYTES).fill(1), 0xc0));
  reader.push(Uint8Array.of(0xc0, ...new Uint8Array(MAX_FRAME_BYTES + 1).fill(1), 0xc0));
  t.deepEqual(errors.map((e) => e.reason), ['oversize', 'crc', 'oversize']);
});

test('reader: a callback that pushes more bytes still sees messages in order', (t) => {
  const seen: number[] = [];
  const reader: BridgeFrameReader = new BridgeFrameReader(
    (m) => {
      seen.push(m.seq);
      if (m.seq === 1) reader.push(frameBytes({ kind: 'hello', seq: 3 }));
    },
    () => t.fail(),
  );
  reader.push(Uint8Array.of(...frameBytes({ kind: 'hello', seq: 1 }), ...frameBytes({ kind: 'hello', seq: 2 })));
  t.deepEqual(seen, [1, 2, 3]);
});

/** Protobuf bytes (hex) with their CRC appended, SLIP-escaped, no END. */
function encodeRaw(h: string): number[] {
  const b = bytes(h);
  const c = crc16(b);
  const out: number[] = [];
  for (const x of [...b, c >> 8, c & 0xff]) {
    if (x === 0xc0) out.push(0xdb, 0xdc);
    else if (x === 0xdb) out.push(0xdb, 0xdd);
    else out.push(x);
  }
  return out;
}

/** Splits `stream` at the given cut points into chunks. */
function chunk(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, stream.length]) {
    out.push(stream.subarray(prev, c));
    prev = c;
  }
  return out;
}

test('(a) property: the reader never throws, whatever the bytes and chunking', (t) => {
  const special = fc.constantFrom(0xc0, 0xdb, 0xdc, 0xdd);
  const byte = fc.oneof(fc.nat(255), special);
  fc.assert(
    fc.property(fc.array(byte, { maxLength: 600 }), fc.array(fc.nat(), { maxLength: 10 }), (raw, cuts) => {
      const { reader, messages, errors } = recorder();
      const stream = Uint8Array.from(raw);
      for (const c of chunk(stream, cuts)) reader.push(c);
      const c = reader.counters;
      t.is(c.frames, messages.length);
      t.is(Object.values(c.errors).reduce((a, b) => a + b, 0), errors.length);
    }),
    { numRuns: 1000 },
  );
  t.pass();
});

test('(b) property: every frame embedded in garbage is found, in order, intact', (t) => {
  // Garbage may hold anything, END and ESC included: it only has to be a stream a bridge
  // could not have sent whole frames in. Each writer frame starts with END, which ends
  // whatever garbage came before (a dangling ESC too), and ends with END, so garbage after
  // it starts a new frame. The only way garbage can make a frame appear is by holding
  // a valid frame itself: filtered out, since it would then rightly be delivered.
  const special = fc.constantFrom(0xc0, 0xdb, 0xdc, 0xdd);
  const garbage = fc.array(fc.oneof(fc.nat(255), special), { maxLength: 40 }).map((a) => Uint8Array.from(a));
  fc.assert(
    fc.property(
      fc.array(fc.tuple(garbage, arbMessage), { maxLength: 8 }),
      garbage,
      fc.array(fc.nat(), { maxLength: 12 }),
      (pairs, tail, cuts) => {
        for (const g of [...pairs.map((p) => p[0]), tail]) {
          const r = recorder();
          r.reader.push(Uint8Array.of(...g, 0xc0));
          fc.pre(r.messages.length === 0);
        }
        const parts: number[] = [];
        for (const [g, m] of pairs) parts.push(...g, ...frameBytes(m));
        parts.push(...tail);
        const { reader, messages } = recorder();
        for (const c of chunk(Uint8Array.from(parts), cuts)) reader.push(c);
        t.deepEqual(messages, pairs.map((p) => p[1]));
      },
    ),
    { numRuns: 500 },
  );
  t.pass();
});

test('(c) property: a frame with one flipped bit is never delivered', (t) => {
  fc.assert(
    fc.property(arbMessage, fc.nat(), fc.nat(7), (m, at, bit) => {
      const wire = frameBytes(m);
      const flipped = Uint8Array.from(wire);
      flipped[at % wire.length] ^= 1 << bit;
      const { reader, messages } = recorder();
      reader.push(flipped);
      reader.push(Uint8Array.of(0xc0)); // in case the flip hit the closing END
      t.deepEqual(messages, []);
      // the stream recovers: the next frame is delivered
      reader.push(frameBytes({ kind: 'hello', seq: 1 }));
      t.deepEqual(messages, [{ kind: 'hello', seq: 1 }]);
    }),
    { numRuns: 2000 },
  );
  t.pass();
});
