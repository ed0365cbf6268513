import test from 'ava';
import fc from 'fast-check';
import { formatIpv4, formatMac, parseHex, parseIpv4, parseMac } from '../lib/addr.ts';
import {
  ARP_REQUEST, BROADCAST_MAC, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, buildArp, buildIpv4, inetChecksum, parseArp, parseIpv4Frame, vlanId,
} from '../firmware/net/packets.ts';

test('addresses parse and print as Linux does', (t) => {
  t.is(formatMac(parseMac('00:C0:F0:1F:37:B4')!), '00:c0:f0:1f:37:b4');
  t.is(formatMac(parseMac('0-1-2-3-4-5')!), '00:01:02:03:04:05');
  t.is(parseMac('00:11:22:33:44'), undefined);
  t.is(parseMac('00:11:22-33:44:55'), undefined);
  t.is(parseIpv4('192.168.1.100'), 0xc0a80164);
  t.is(formatIpv4(0xc0a80164), '192.168.1.100');
  for (const bad of ['1.2.3', '256.1.1.1', '1.2.3.4.5', 'a.b.c.d', '1..2.3']) t.is(parseIpv4(bad), undefined, bad);
  t.deepEqual([...parseHex('01 80 c2')!], [1, 0x80, 0xc2]);
  t.is(parseHex('abc'), undefined);
});

test('ARP frame: byte-exact request', (t) => {
  const mac = Uint8Array.of(0x02, 0x50, 0x43, 0x0a, 0x1b, 0x2d);
  const f = buildArp(BROADCAST_MAC, mac, { op: ARP_REQUEST, senderMac: mac, senderIp: 0xc0a80101, targetMac: new Uint8Array(6), targetIp: 0xc0a80164 });
  const hex = Buffer.from(f).toString('hex');
  // dst ff.., src 02:50:43:0a:1b:2d, 0806, Ethernet/IPv4 6/4, request, sender 192.168.1.1, target 192.168.1.100, padding to 60
  t.is(hex, 'ffffffffffff' + '0250430a1b2d' + '0806' + '0001' + '0800' + '06' + '04' + '0001' + '0250430a1b2d' + 'c0a80101' + '000000000000' + 'c0a80164' + '00'.repeat(18));
  t.like(parseArp(f), { op: 1, senderIp: 0xc0a80101, targetIp: 0xc0a80164 });
  const tagged = buildArp(BROADCAST_MAC, mac, { op: 2, senderMac: mac, senderIp: 1, targetMac: mac, targetIp: 2 }, 100);
  t.is(vlanId(tagged, tagged.length), 100);
  t.like(parseArp(tagged), { op: 2, senderIp: 1, targetIp: 2 });
});

test('IPv4 frames: valid header checksum, L4 fields round-trip', (t) => {
  const a = Uint8Array.of(2, 0, 0, 0, 0, 1);
  const b = Uint8Array.of(2, 0, 0, 0, 0, 2);
  for (const protocol of [IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP]) {
    const f = buildIpv4({ dst: a, src: b, protocol, srcIp: 0x0a000001, dstIp: 0x0a000002, srcPort: 1234, dstPort: 80, kind: protocol === IPPROTO_ICMP ? 8 : undefined, icmpIdSeq: 0x00010002 });
    t.is(inetChecksum(f, 14, 34), 0, 'header checksum verifies');
    const p = parseIpv4Frame(f)!;
    t.like(p, { protocol, src: 0x0a000001, dst: 0x0a000002 });
    if (protocol !== IPPROTO_ICMP) t.like(p, { srcPort: 1234, dstPort: 80 });
    else t.like(p, { kind: 8, icmpIdSeq: 0x00010002 });
  }
});

test('frame parsers never throw on arbitrary bytes (fuzz)', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      parseArp(bytes);
      parseIpv4Frame(bytes);
      vlanId(bytes, bytes.length);
      return true;
    }),
    { numRuns: 2000 },
  );
  // Frames that look like ARP/IPv4 in the EtherType but are cut short.
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 14, maxLength: 80 }), fc.constantFrom(0x0806, 0x0800, 0x8100), (bytes, et) => {
      bytes[12] = et >> 8;
      bytes[13] = et & 255;
      parseArp(bytes);
      parseIpv4Frame(bytes);
      return true;
    }),
    { numRuns: 2000 },
  );
  t.pass();
});
