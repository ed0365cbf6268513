import test from 'ava';
import fc from 'fast-check';
import { Lacpdu, decodeLacpdu, encodeLacpdu, LACPDU_FRAME_LENGTH } from '../firmware/lacp/pdu.ts';
import { formatMac, parseHex } from '../lib/addr.ts';

// The captures of ../shared/reference/lacp-vectors.md (124 bytes each, no FCS).
const CISCO = parseHex('0180c20000020013c4120f0d88090101011480000013c4120f00000d80000016' + '8500000002148000000e8316f500000d80000019360000000310800000000000' + '00'.repeat(60))!;
const SONIC = parseHex('0180c2000002248a070b2700880901010114ffff248a070b2700271200ff0029' + '000000000214ffff1c34dabfb800271200ff00713d0000000310000000000000' + '00'.repeat(60))!;
const OVS = parseHex('0180c20000027e797360f3778809010101140064020000000a0a0001ffff0001' + '3f0000000214fffe020000000b0b0007ffff0015bf0000000310000000000000' + '00'.repeat(60))!;

test('decodes the captures from real equipment', (t) => {
  const p = new Lacpdu();
  t.is(CISCO.length, 124);
  t.is(decodeLacpdu(CISCO, CISCO.length, p), undefined);
  t.like(p.actor, { systemPriority: 32768, key: 13, portPriority: 32768, port: 22, state: 0x85 });
  t.is(formatMac(p.actor.system), '00:13:c4:12:0f:00');
  t.like(p.partner, { systemPriority: 32768, key: 13, port: 25, state: 0x36 });
  t.is(formatMac(p.partner.system), '00:0e:83:16:f5:00');
  t.is(p.collectorMaxDelay, 0x8000);
  t.is(decodeLacpdu(SONIC, SONIC.length, p), undefined);
  t.like(p.actor, { systemPriority: 65535, key: 10002, portPriority: 255, port: 41, state: 0 });
  t.like(p.partner, { port: 113, state: 0x3d });
  t.is(decodeLacpdu(OVS, OVS.length, p), undefined);
  t.like(p.actor, { systemPriority: 100, key: 1, portPriority: 65535, port: 1, state: 0x3f });
  t.like(p.partner, { systemPriority: 65534, key: 7, port: 21, state: 0xbf });
});

test('encodes byte-exactly: re-encoding the OVS capture gives the same frame', (t) => {
  const p = new Lacpdu();
  decodeLacpdu(OVS, OVS.length, p);
  const out = new Uint8Array(LACPDU_FRAME_LENGTH);
  t.is(encodeLacpdu(out, OVS.subarray(6, 12), p), 124);
  t.deepEqual([...out], [...OVS]);
});

test('accepts other versions, extra TLVs and long frames; refuses short and malformed ones', (t) => {
  const p = new Lacpdu();
  const v = OVS.slice();
  v[15] = 0xf1;
  v[72] = 0x80; // an extra TLV where the terminator was
  v[73] = 4;
  t.is(decodeLacpdu(v, v.length, p), undefined);
  t.is(p.version, 0xf1);
  const long = new Uint8Array(160);
  long.set(OVS);
  t.is(decodeLacpdu(long, long.length, p), undefined);
  t.is(decodeLacpdu(OVS, 123, p), 'short');
  const badActor = OVS.slice();
  badActor[17] = 19;
  t.is(decodeLacpdu(badActor, 124, p), 'actor-tlv');
  const badPartner = OVS.slice();
  badPartner[36] = 3;
  t.is(decodeLacpdu(badPartner, 124, p), 'partner-tlv');
  const marker = OVS.slice();
  marker[14] = 2;
  t.is(decodeLacpdu(marker, 124, p), 'not-lacp');
});

test('the decoder never throws, and what it accepts re-encodes to the same fields (fuzz)', (t) => {
  const p = new Lacpdu();
  const q = new Lacpdu();
  const out = new Uint8Array(LACPDU_FRAME_LENGTH);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, lacpish) => {
      if (lacpish && bytes.length >= 40) bytes.set([0x88, 0x09, 1, 1, 1, 20], 12), bytes.set([2, 20], 36);
      if (decodeLacpdu(bytes, bytes.length, p) !== undefined) return true;
      encodeLacpdu(out, bytes.subarray(6, 12), p);
      return decodeLacpdu(out, out.length, q) === undefined && q.actor.sameIdentity(p.actor) && q.partner.sameIdentity(p.partner) && q.actor.state === p.actor.state;
    }),
    { numRuns: 3000 },
  );
  t.pass();
});
