import test from 'ava';
import fc from 'fast-check';
import {
  XMIT_ENCAP23, XMIT_ENCAP34, XMIT_LAYER2, XMIT_LAYER23, XMIT_LAYER34, XMIT_VLAN_SRCMAC, hashToIndex, xmitHash, xmitHashAt, xmitHashFull,
} from '../firmware/bonding/hash.ts';
import { forgetFrameView, keepFrameView } from '../lib/frame-view.ts';

// Every vector below is worked out by hand from the formulas of bond_main.c (and the flow
// dissector for encap*), in the comments, independently of the implementation.
//
// Common pieces:
//   dst MAC 00:11:22:33:44:55 -> h_dest[5] = 0x55
//   src MAC 02:aa:bb:cc:dd:ee -> h_source[5] = 0xee
//   0x55 ^ 0xee = 0101 0101 ^ 1110 1110 = 1011 1011 = 0xbb
//   saddr 192.168.1.2 = c0 a8 01 02 -> LE 0x0201a8c0
//   daddr 10.0.0.1    = 0a 00 00 01 -> LE 0x0100000a
//   daddr ^ saddr = 0x0100000a ^ 0x0201a8c0 = 0x0301a8ca
//   bond_ip_hash(h): h ^= daddr ^ saddr; h ^= h >> 16; h ^= h >> 8; (>> 1 for 3+4)

const DST = '001122334455';
const SRC = '02aabbccddee';
const ALL = [XMIT_LAYER2, XMIT_LAYER34, XMIT_LAYER23, XMIT_ENCAP23, XMIT_ENCAP34, XMIT_VLAN_SRCMAC];

/** A frame from hex pieces (spaces allowed). */
function hex(...parts: string[]): Uint8Array {
  const s = parts.join('').replace(/\s+/g, '');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** IPv4 header, ihl 5, no options; `frag` is the flags+offset word, checksum left 0 (not checked). */
function ipv4(protocol: number, src: string, dst: string, frag = 0x4000): string {
  const p = protocol.toString(16).padStart(2, '0');
  return `45 00 0032 1c46 ${frag.toString(16).padStart(4, '0')} 40 ${p} 0000 ${src} ${dst}`;
}

const IP_A = 'c0a80102'; // 192.168.1.2
const IP_B = '0a000001'; // 10.0.0.1
const TCP_1234_80 = '04d2 0050 00000001 00000000 5002 7210 0000 0000'; // sport 1234, dport 80
const UDP_5353_53 = '14e9 0035 0010 0000'; // sport 5353, dport 53, length 16, checksum 0
const TAG_100 = '8100 0064'; // 802.1Q, TCI 0x0064: VLAN 100, priority 0

const tcpFrame = hex(DST, SRC, '0800', ipv4(6, IP_A, IP_B), TCP_1234_80);
const udpFrame = hex(DST, SRC, '0800', ipv4(17, IP_A, IP_B), UDP_5353_53, '0000 0000');
const arpFrame = hex(DST, SRC, '0806', '0001 0800 06 04 0001', SRC, IP_A, '000000000000', IP_B);

/**
 * xmitHash of the first `n` bytes of `f`, read as a buffer without a kept DataView is (byte
 * by byte) and as one with a kept view is (a word at a time, lib/frame-view.ts): every
 * vector below holds for both, so the two must agree.
 */
function both(f: Uint8Array, n: number, policy: number): number {
  const bytes = xmitHash(f, n, policy);
  keepFrameView(f);
  try {
    const words = xmitHash(f, n, policy);
    if (words !== bytes) throw new Error(`policy ${policy}, ${n} bytes: ${words} through the kept view, ${bytes} byte by byte`);
  } finally {
    forgetFrameView(f);
  }
  return bytes;
}

const h = (f: Uint8Array, policy: number) => both(f, f.length, policy);

test('layer2: h_dest[5] ^ h_source[5] ^ h_proto, the outer VLAN tag skipped', (t) => {
  // 0xbb ^ 0x0800 = 0x08bb
  t.is(h(tcpFrame, XMIT_LAYER2), 0x08bb);
  // ARP: 0xbb ^ 0x0806 = 0x08bd
  t.is(h(arpFrame, XMIT_LAYER2), 0x08bd);
  // Tagged: the tag is skb metadata, h_proto is the EtherType after it: still 0x08bb / 0x08bd.
  t.is(h(hex(DST, SRC, TAG_100, '0800', ipv4(6, IP_A, IP_B), TCP_1234_80), XMIT_LAYER2), 0x08bb);
  t.is(h(hex(DST, SRC, TAG_100, '0806', '0001 0800 06 04 0001', SRC, IP_A, '000000000000', IP_B), XMIT_LAYER2), 0x08bd);
});

test('vlan+srcmac: vendor half ^ device half ^ the whole TCI', (t) => {
  // vendor 0x02aabb, device 0xccddee: 02^cc = ce, aa^dd = 77, bb^ee = 55 -> 0xce7755
  t.is(h(tcpFrame, XMIT_VLAN_SRCMAC), 0xce7755);
  // TCI 0x0064: 0xce7755 ^ 0x0064 = 0xce7731 (55 ^ 64 = 31)
  t.is(h(hex(DST, SRC, TAG_100, '0800', ipv4(6, IP_A, IP_B), TCP_1234_80), XMIT_VLAN_SRCMAC), 0xce7731);
  // TCI 0xa064 (priority 5, VLAN 100): Linux XORs the full TCI, priority bits included:
  // 0xce7755 ^ 0x00a064 = ce, 77^a0 = d7, 55^64 = 31 -> 0xced731
  t.is(h(hex(DST, SRC, '8100 a064 0800', ipv4(6, IP_A, IP_B), TCP_1234_80), XMIT_VLAN_SRCMAC), 0xced731);
  // The destination and the payload play no part.
  t.is(h(hex('ffffffffffff', SRC, '0806', '00'.repeat(28)), XMIT_VLAN_SRCMAC), 0xce7755);
});

test('layer2+3 IPv4: eth hash ^ addresses, folded', (t) => {
  // h = 0x08bb ^ 0x0301a8ca = 03 01 (a8^08 = a0) (ca^bb = 71) = 0x0301a071
  // h ^= h >> 16 (0x0301): 0x0301a071 ^ 0x00000301 = 0x0301a370
  // h ^= h >> 8 (0x000301a3): 03 01 a3 70 ^ 00 03 01 a3 = 03 02 a2 d3 -> 0x0302a2d3
  t.is(h(tcpFrame, XMIT_LAYER23), 0x0302a2d3);
  t.is(h(udpFrame, XMIT_LAYER23), 0x0302a2d3, 'ports play no part');
  // Tagged: h_proto 0x0800 after the tag, network header after it: the same.
  t.is(h(hex(DST, SRC, TAG_100, '0800', ipv4(6, IP_A, IP_B), TCP_1234_80), XMIT_LAYER23), 0x0302a2d3);
});

test('layer3+4 TCP and UDP: ports ^ addresses, folded, bit 0 dropped', (t) => {
  // TCP ports on the wire 04 d2 00 50 -> LE 0x5000d204
  // h = 0x5000d204 ^ 0x0301a8ca = (50^03) (00^01) (d2^a8) (04^ca) = 0x53017ace
  // h ^= 0x5301 -> 0x53017ace ^ 0x00005301 = 53 01 (7a^53 = 29) (ce^01 = cf) = 0x530129cf
  // h ^= 0x00530129 -> 53 01 29 cf ^ 00 53 01 29 = 53 52 28 e6 = 0x535228e6
  // h >> 1 = 0x29a91473
  t.is(h(tcpFrame, XMIT_LAYER34), 0x29a91473);
  // UDP ports 14 e9 00 35 -> LE 0x3500e914
  // h = 0x3500e914 ^ 0x0301a8ca = (35^03) (00^01) (e9^a8) (14^ca) = 0x360141de
  // h ^= 0x3601 -> 36 01 (41^36 = 77) (de^01 = df) = 0x360177df
  // h ^= 0x00360177 -> 36 01 77 df ^ 00 36 01 77 = 36 37 76 a8 = 0x363776a8
  // h >> 1 = 0x1b1bbb54
  t.is(h(udpFrame, XMIT_LAYER34), 0x1b1bbb54);
  // IP options: ihl 6 moves the transport header 4 bytes on.
  const withOptions = hex(DST, SRC, '0800', '46 00 0036 1c46 4000 40 06 0000', IP_A, IP_B, '01010101', TCP_1234_80);
  t.is(h(withOptions, XMIT_LAYER34), 0x29a91473);
});

test('layer3+4 fragment: no ports, addresses only', (t) => {
  // Start value 0: h = 0x0301a8ca
  // h ^= 0x0301 -> 03 01 (a8^03 = ab) (ca^01 = cb) = 0x0301abcb
  // h ^= 0x000301ab -> 03 01 ab cb ^ 00 03 01 ab = 03 02 aa 60 = 0x0302aa60
  // h >> 1 = 0x01815530
  t.is(h(hex(DST, SRC, '0800', ipv4(6, IP_A, IP_B, 0x2000), TCP_1234_80), XMIT_LAYER34), 0x01815530, 'MF set');
  t.is(h(hex(DST, SRC, '0800', ipv4(6, IP_A, IP_B, 0x00b9), TCP_1234_80), XMIT_LAYER34), 0x01815530, 'offset 0xb9');
  // DF alone is not a fragment.
  t.is(h(hex(DST, SRC, '0800', ipv4(6, IP_A, IP_B, 0x4000), TCP_1234_80), XMIT_LAYER34), 0x29a91473);
});

test('layer3+4 ICMP echo: type, code and id instead of ports', (t) => {
  // Echo request type 8 code 0 id 0x1234: icmp = 8 | 0 << 8 | 0x1234 << 16 = 0x12340008
  // h = 0x12340008 ^ 0x0301a8ca = (12^03) (34^01) (00^a8) (08^ca) = 0x1135a8c2
  // h ^= 0x1135 -> 11 35 (a8^11 = b9) (c2^35 = f7) = 0x1135b9f7
  // h ^= 0x001135b9 -> 11 35 b9 f7 ^ 00 11 35 b9 = 11 24 8c 4e = 0x11248c4e
  // h >> 1 = 0x08924627
  t.is(h(hex(DST, SRC, '0800', ipv4(1, IP_A, IP_B), '08 00 0000 1234 0001'), XMIT_LAYER34), 0x08924627);
  // Id 0 becomes 1 (0 means "no id"): icmp = 0x00010008
  // h = 0x00010008 ^ 0x0301a8ca = 03 00 a8 c2 = 0x0300a8c2
  // h ^= 0x0300 -> 03 00 (a8^03 = ab) c2 = 0x0300abc2
  // h ^= 0x000300ab -> 03 00 ab c2 ^ 00 03 00 ab = 03 03 ab 69 = 0x0303ab69
  // h >> 1 = 0x0181d5b4
  t.is(h(hex(DST, SRC, '0800', ipv4(1, IP_A, IP_B), '08 00 0000 0000 0001'), XMIT_LAYER34), 0x0181d5b4);
  // layer2+3 ignores the ICMP fields: as any IPv4 frame, 0x0302a2d3.
  t.is(h(hex(DST, SRC, '0800', ipv4(1, IP_A, IP_B), '08 00 0000 1234 0001'), XMIT_LAYER23), 0x0302a2d3);
  // Information request (type 15) has no id in Linux's icmp_has_id: icmp id 0, ports 0
  // (ICMP has none), so it hashes like the fragment above: 0x01815530.
  t.is(h(hex(DST, SRC, '0800', ipv4(1, IP_A, IP_B), '0f 00 0000 1234 0001'), XMIT_LAYER34), 0x01815530);
});

test('ICMP destination unreachable: hashed with the flow it quotes', (t) => {
  // Outer: router 172.16.0.1 -> 192.168.1.2, type 3 code 3, quoting the UDP datagram
  // 192.168.1.2 -> 10.0.0.1, 5353 -> 53. The error has no id, so layer3+4 takes the quoted
  // addresses and ports: exactly the UDP vector, 0x1b1bbb54.
  const quoted = ipv4(17, IP_A, IP_B) + UDP_5353_53;
  const err = hex(DST, SRC, '0800', ipv4(1, 'ac100001', IP_A), '03 03 0000 00000000', quoted);
  t.is(h(err, XMIT_LAYER34), 0x1b1bbb54);
  // layer2+3 takes the quoted addresses too: the layer2+3 vector 0x0302a2d3.
  t.is(h(err, XMIT_LAYER23), 0x0302a2d3);
  // Quoted header cut short (19 of 20 bytes): bond_flow_ip fails, the whole dissection
  // fails, and the eth hash is used: 0x08bb.
  const cut = hex(DST, SRC, '0800', ipv4(1, 'ac100001', IP_A), '03 03 0000 00000000', ipv4(17, IP_A, IP_B).slice(0, -2));
  t.is(h(cut, XMIT_LAYER34), 0x08bb);
  t.is(h(cut, XMIT_LAYER23), 0x08bb);
});

test('layer3+4 IPv6 UDP: ipv6_addr_hash of each address', (t) => {
  // saddr 2001:db8::1 = 20 01 0d b8 | 0 | 0 | 00 00 00 01
  //   words LE: 0xb80d0120 ^ 0 ^ 0 ^ 0x01000000 = 0xb90d0120
  // daddr 2001:db8::2: 0xb80d0120 ^ 0x02000000 = 0xba0d0120
  // daddr ^ saddr = 0x03000000
  // h = 0x3500e914 ^ 0x03000000 = 0x3600e914
  // h ^= 0x3600 -> 36 00 (e9^36 = df) 14 = 0x3600df14
  // h ^= 0x003600df -> 36 00 df 14 ^ 00 36 00 df = 36 36 df cb = 0x3636dfcb
  // h >> 1 = 0x1b1b6fe5
  const v6 = hex(DST, SRC, '86dd', '6000 0000 0010 11 40', '20010db8000000000000000000000001', '20010db8000000000000000000000002', UDP_5353_53);
  t.is(h(v6, XMIT_LAYER34), 0x1b1b6fe5);
  // layer2+3: eth hash 0xbb ^ 0x86dd = 0x8666
  // h = 0x8666 ^ 0x03000000 = 0x03008666; h ^= 0x0300 -> 0x03008566; h ^= 0x00030085 -> 03 03 85 e3
  t.is(h(v6, XMIT_LAYER23), 0x030385e3);
});

test('non-IP frames: layer2+3 and layer3+4 fall back to the layer2 hash', (t) => {
  t.is(h(arpFrame, XMIT_LAYER23), 0x08bd);
  t.is(h(arpFrame, XMIT_LAYER34), 0x08bd);
  // LLDP to 01:80:c2:00:00:0e: h_dest[5] 0x0e ^ 0xee = 0xe0; 0xe0 ^ 0x88cc = 0x882c, for every
  // policy but vlan+srcmac (the flow dissector does not know 0x88cc either).
  const lldp = hex('0180c200000e', SRC, '88cc', '0207 04', SRC, '0403 05 6531');
  for (const p of [XMIT_LAYER2, XMIT_LAYER23, XMIT_LAYER34, XMIT_ENCAP23, XMIT_ENCAP34]) t.is(h(lldp, p), 0x882c, `policy ${p}`);
});

test('ARP under encap*: the flow dissector succeeds with no address (a Linux detail)', (t) => {
  // __skb_flow_dissect_arp returns OUT_GOOD when the ARP key is not asked for, so
  // bond_ip_hash runs with addresses 0: encap2+3 = fold(0x08bd): 0x08bd ^ 0 ^ (0x08bd >> 8 = 0x08) = 0x08b5
  t.is(h(arpFrame, XMIT_ENCAP23), 0x08b5);
  // encap3+4: ports 0, no ICMP id, addresses 0 -> 0.
  t.is(h(arpFrame, XMIT_ENCAP34), 0);
});

test('truncated frames never throw and fall back as Linux does', (t) => {
  // Shorter than an Ethernet header: bond_pull_data fails, every policy gives 0.
  for (let n = 0; n < 14; n++) for (const p of ALL) t.is(both(tcpFrame, n, p), 0, `${n} bytes, policy ${p}`);
  // IPv4 EtherType, IP header one byte short (14 + 19): layer2+3/3+4 use the eth hash 0x08bb.
  for (const p of [XMIT_LAYER23, XMIT_LAYER34, XMIT_ENCAP23, XMIT_ENCAP34]) t.is(both(tcpFrame, 33, p), 0x08bb, `policy ${p}`);
  // Full IP header, ports cut (3 of 4 bytes): no ports, as the fragment vector: 0x01815530.
  t.is(both(tcpFrame, 14 + 20 + 3, XMIT_LAYER34), 0x01815530);
  // ICMP header cut (7 of 8 bytes): nothing recorded, ports none: 0x01815530 as well.
  const echo = hex(DST, SRC, '0800', ipv4(1, IP_A, IP_B), '08 00 0000 1234 0001');
  t.is(both(echo, 14 + 20 + 7, XMIT_LAYER34), 0x01815530);
  // A length past the end of the array is cut to the array.
  t.is(both(tcpFrame, 10_000, XMIT_LAYER34), 0x29a91473);
  t.is(both(tcpFrame, -5, XMIT_LAYER34), 0);
});

test('encap2+3 / encap3+4 look inside IP-in-IP and GRE', (t) => {
  // Outer 198.51.100.1 -> 203.0.113.9 protocol 4, inner 192.168.1.2 -> 10.0.0.1 TCP 1234 -> 80.
  const ipip = hex(DST, SRC, '0800', ipv4(4, 'c6336401', 'cb007109'), ipv4(6, IP_A, IP_B), TCP_1234_80);
  // The inner flow: the layer3+4 and layer2+3 vectors.
  t.is(h(ipip, XMIT_ENCAP34), 0x29a91473);
  t.is(h(ipip, XMIT_ENCAP23), 0x0302a2d3);
  // layer3+4 stops at the outer header; protocol 4 has no ports:
  // outer LE 0x016433c6 ^ 0x097100cb = (01^09) (64^71) (33^00) (c6^cb) = 0x0815330d
  // h ^= 0x0815 -> 08 15 (33^08 = 3b) (0d^15 = 18) = 0x08153b18
  // h ^= 0x0008153b -> 08 15 3b 18 ^ 00 08 15 3b = 08 1d 2e 23 = 0x081d2e23; >> 1 = 0x040e9711
  t.is(h(ipip, XMIT_LAYER34), 0x040e9711);
  // GRE version 0 with a key (flags 0x2000), carrying IPv4: the inner flow again.
  const gre = hex(DST, SRC, '0800', ipv4(47, 'c6336401', 'cb007109'), '2000 0800 0000002a', ipv4(6, IP_A, IP_B), TCP_1234_80);
  t.is(h(gre, XMIT_ENCAP34), 0x29a91473);
  // GRE carrying transparent Ethernet (0x6558) with checksum and sequence (flags 0x9000): the
  // inner Ethernet header is skipped as well. The bond's own eth hash still uses the outer MACs.
  const teb = hex(DST, SRC, '0800', ipv4(47, 'c6336401', 'cb007109'), '9000 6558 00000000 00000007', 'aaaaaaaaaaaa bbbbbbbbbbbb 0800', ipv4(6, IP_A, IP_B), TCP_1234_80);
  t.is(h(teb, XMIT_ENCAP34), 0x29a91473);
  t.is(h(teb, XMIT_ENCAP23), 0x0302a2d3);
  // A plain TCP frame: encap3+4 = layer3+4, encap2+3 = layer2+3.
  t.is(h(tcpFrame, XMIT_ENCAP34), 0x29a91473);
  t.is(h(tcpFrame, XMIT_ENCAP23), 0x0302a2d3);
});

test('encap*: PPPoE and IPv6 extension headers are walked; layer3+4 does not walk them', (t) => {
  // IPv6 with a hop-by-hop header (nexthdr 0, then next 17, length 0 = 8 bytes) before UDP.
  const hbh = hex(DST, SRC, '86dd', '6000 0000 0018 00 40', '20010db8000000000000000000000001', '20010db8000000000000000000000002',
    '11 00 0000 00000000', UDP_5353_53);
  // encap3+4 reaches the UDP ports: the IPv6 UDP vector 0x1b1b6fe5.
  t.is(h(hbh, XMIT_ENCAP34), 0x1b1b6fe5);
  // layer3+4 takes nexthdr 0 as the protocol: no ports. h = 0x03000000;
  // h ^= 0x0300 -> 0x03000300; h ^= 0x00030003 -> 0x03030303; >> 1 = 0x01818181
  t.is(h(hbh, XMIT_LAYER34), 0x01818181);
  // PPPoE session (ver/type 0x11, code 0, sid 1, PPP protocol 0x0021) carrying the TCP flow.
  const pppoe = hex(DST, SRC, '8864', '11 00 0001 0034 0021', ipv4(6, IP_A, IP_B), TCP_1234_80);
  t.is(h(pppoe, XMIT_ENCAP34), 0x29a91473);
  // encap2+3: eth hash 0xbb ^ 0x8864 = 0x88df
  // h = 0x88df ^ 0x0301a8ca = 03 01 (a8^88 = 20) (ca^df = 15) = 0x03012015
  // h ^= 0x0301 -> 03 01 23 14; h ^= 0x00030123 -> 03 01 23 14 ^ 00 03 01 23 = 03 02 22 37
  t.is(h(pppoe, XMIT_ENCAP23), 0x03022237);
  // layer3+4: PPPoE is not IP, the eth hash 0x88df.
  t.is(h(pppoe, XMIT_LAYER34), 0x88df);
});

test('double-tagged frame: inner tag is data; only the flow dissector skips it', (t) => {
  // Outer tag VLAN 100 (metadata), inner tag 0x8100 TCI 0x00c8 (VLAN 200) in the data.
  const qinq = hex(DST, SRC, TAG_100, '8100 00c8 0800', ipv4(6, IP_A, IP_B), TCP_1234_80);
  // layer2: h_proto is the inner tag's TPID: 0xbb ^ 0x8100 = 0x81bb
  t.is(h(qinq, XMIT_LAYER2), 0x81bb);
  // layer2+3 / layer3+4: 0x8100 is not IP, so the eth hash 0x81bb.
  t.is(h(qinq, XMIT_LAYER23), 0x81bb);
  t.is(h(qinq, XMIT_LAYER34), 0x81bb);
  // encap3+4: the dissector skips the tag and finds the TCP flow: 0x29a91473.
  t.is(h(qinq, XMIT_ENCAP34), 0x29a91473);
  // encap2+3: eth hash 0x81bb ^ addresses:
  // h = 0x81bb ^ 0x0301a8ca = 03 01 (a8^81 = 29) (ca^bb = 71) = 0x03012971
  // h ^= 0x0301 -> 03 01 (29^03 = 2a) (71^01 = 70) = 0x03012a70
  // h ^= 0x0003012a -> 03 01 2a 70 ^ 00 03 01 2a = 03 02 2b 5a = 0x03022b5a
  t.is(h(qinq, XMIT_ENCAP23), 0x03022b5a);
  // vlan+srcmac uses the outer (metadata) TCI only: 0xce7731.
  t.is(h(qinq, XMIT_VLAN_SRCMAC), 0xce7731);
});

test('hashToIndex is the u32 hash modulo the usable slave count', (t) => {
  t.is(hashToIndex(0x29a91473, 4), 3); // ...73 = 0111 0011, low two bits 3
  t.is(hashToIndex(0xffffffff, 3), 0); // 4294967295 = 3 * 1431655765
  t.is(hashToIndex(7, 1), 0);
});

test('xmitHashAt reads the frame in place in a larger array', (t) => {
  const buf = new Uint8Array(300).fill(0xa5);
  buf.set(tcpFrame, 100);
  for (const p of ALL) t.is(xmitHashAt(buf, 100, tcpFrame.length, p), h(tcpFrame, p), `policy ${p}`);
});

test('fuzz: random bytes never throw, always a u32, never read past the length', (t) => {
  const ethertypes = [0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806, 0x8864, 0x88ca, 0x8847, 0x8906, 0x4305, 0x88f7, 0x892f, 0x8902, 0x6558];
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 160 }),
      fc.uint8Array({ maxLength: 16 }),
      fc.option(fc.constantFrom(...ethertypes), { nil: undefined }),
      fc.option(fc.constantFrom(...ethertypes), { nil: undefined }),
      (bytes, tail, et1, et2) => {
        // Steer some cases into the interesting EtherTypes (at 12, and after a tag at 16).
        if (et1 !== undefined && bytes.length >= 14) [bytes[12], bytes[13]] = [et1 >> 8, et1 & 255];
        if (et2 !== undefined && bytes.length >= 18) [bytes[16], bytes[17]] = [et2 >> 8, et2 & 255];
        const padded = new Uint8Array(bytes.length + tail.length);
        padded.set(bytes);
        padded.set(tail, bytes.length);
        for (const p of ALL) {
          const v = xmitHash(bytes, bytes.length, p);
          if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) return false;
          if (xmitHash(padded, bytes.length, p) !== v) return false;
        }
        // The same through a kept DataView over the padded array: never past the length either.
        keepFrameView(padded);
        try {
          for (const p of ALL) if (xmitHash(padded, bytes.length, p) !== xmitHash(bytes, bytes.length, p)) return false;
        } finally {
          forgetFrameView(padded);
        }
        return true;
      },
    ),
    { numRuns: 3000 },
  );
  t.pass();
});

/** Independent, straightforward layer3+4 for an IPv4 TCP/UDP header, from the textbook formula. */
function refLayer34(saddr: number, daddr: number, sport: number, dport: number): number {
  // A big-endian number as the little-endian CPU loads its four wire bytes: byte-swapped.
  const swap = (x: number) => (((x & 0xff) << 24) | (((x >>> 8) & 0xff) << 16) | (((x >>> 16) & 0xff) << 8) | (x >>> 24)) >>> 0;
  const ports = swap(((sport << 16) | dport) >>> 0);
  let hash = (ports ^ swap(daddr) ^ swap(saddr)) >>> 0;
  hash = (hash ^ (hash >>> 16)) >>> 0;
  hash = (hash ^ (hash >>> 8)) >>> 0;
  return hash >>> 1;
}

test('property: layer3+4 of random IPv4 TCP/UDP frames equals the reference formula', (t) => {
  fc.assert(
    fc.property(
      fc.record({
        dst: fc.uint8Array({ minLength: 6, maxLength: 6 }),
        src: fc.uint8Array({ minLength: 6, maxLength: 6 }),
        tci: fc.option(fc.nat(0xffff), { nil: undefined }),
        proto: fc.constantFrom(6, 17),
        optionWords: fc.nat(10),
        df: fc.boolean(),
        saddr: fc.nat({ max: 0xffffffff }),
        daddr: fc.nat({ max: 0xffffffff }),
        sport: fc.nat(0xffff),
        dport: fc.nat(0xffff),
        payload: fc.uint8Array({ minLength: 8, maxLength: 40 }),
      }),
      (r) => {
        const ihl = 5 + r.optionWords;
        const f: number[] = [...r.dst, ...r.src];
        if (r.tci !== undefined) f.push(0x81, 0x00, r.tci >> 8, r.tci & 255);
        f.push(0x08, 0x00);
        f.push(0x40 | ihl, 0, 0, 0, 0x12, 0x34, r.df ? 0x40 : 0, 0, 64, r.proto, 0, 0);
        for (const a of [r.saddr, r.daddr]) f.push(a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255);
        for (let i = 0; i < r.optionWords * 4; i++) f.push(1);
        f.push(r.sport >> 8, r.sport & 255, r.dport >> 8, r.dport & 255, ...r.payload);
        const frame = Uint8Array.from(f);
        return xmitHash(frame, frame.length, XMIT_LAYER34) === refLayer34(r.saddr, r.daddr, r.sport, r.dport)
          && xmitHash(frame, frame.length, XMIT_ENCAP34) === refLayer34(r.saddr, r.daddr, r.sport, r.dport);
      },
    ),
    { numRuns: 2000 },
  );
  t.pass();
});

// The fast paths of xmitHashAt (untagged IPv4 for layer2+3/3+4, untagged frames for layer2),
// byte by byte and through a kept DataView, must give what the full dissection gives, bit for
// bit, on every frame.

test('IPv4 carrying ICMPv6 (protocol 58) is dissected as ICMPv6, as bond_flow_dissect does', (t) => {
  // ICMPv6 echo request (type 128, code 0, id 0x1234) in an IPv4 header: ip_proto is
  // IPPROTO_ICMPV6, so Linux takes type, code and id: icmp = 0x80 | 0x1234 << 16 = 0x12340080
  // h = 0x12340080 ^ 0x0301a8ca = (12^03) (34^01) (00^a8) (80^ca) = 0x1135a84a
  // h ^= 0x1135 -> 11 35 (a8^11 = b9) (4a^35 = 7f) = 0x1135b97f
  // h ^= 0x001135b9 -> 11 35 b9 7f ^ 00 11 35 b9 = 11 24 8c c6 = 0x11248cc6; >> 1 = 0x08924663
  const echo = hex(DST, SRC, '0800', ipv4(58, IP_A, IP_B), '80 00 0000 1234 0001');
  t.is(h(echo, XMIT_LAYER34), 0x08924663);
  // ICMPv6 destination unreachable (type 1) quoting the UDP datagram: hashed with that flow,
  // the layer3+4 and layer2+3 UDP vectors.
  const err = hex(DST, SRC, '0800', ipv4(58, 'ac100001', IP_A), '01 00 0000 00000000', ipv4(17, IP_A, IP_B), UDP_5353_53);
  t.is(h(err, XMIT_LAYER34), 0x1b1bbb54);
  t.is(h(err, XMIT_LAYER23), 0x0302a2d3);
});

test('fast paths equal the full path on edge cases: lengths, ihl, fragments, protocols, tags, offsets', (t) => {
  const policies = [XMIT_LAYER2, XMIT_LAYER23, XMIT_LAYER34];
  const base = hex(DST, SRC, '0800', ipv4(6, IP_A, IP_B), TCP_1234_80, '00'.repeat(40));
  const cases: { name: string; frame: Uint8Array }[] = [];
  const variant = (name: string, edit: (f: Uint8Array) => void) => {
    const f = base.slice();
    edit(f);
    cases.push({ name, frame: f });
  };
  for (let ihl = 0; ihl < 16; ihl++) variant(`ihl ${ihl}`, (f) => void (f[14] = 0x40 | ihl));
  for (let v = 0; v < 16; v++) variant(`version ${v}`, (f) => void (f[14] = (v << 4) | 5));
  for (const frag of [0x0000, 0x4000, 0x2000, 0x0001, 0x1fff, 0x8000, 0xc000, 0x6000]) variant(`frag ${frag}`, (f) => void (f[20] = frag >> 8, f[21] = frag & 255));
  for (let proto = 0; proto < 256; proto++) variant(`protocol ${proto}`, (f) => void (f[23] = proto));
  for (const et of [0x0800, 0x0801, 0x0900, 0x8100, 0x88a8, 0x86dd, 0x0806, 0x0008, 0x8000]) variant(`ethertype ${et}`, (f) => void (f[12] = et >> 8, f[13] = et & 255));
  variant('tagged IPv4', (f) => f.set([0x81, 0x00, 0x00, 0x64, 0x08, 0x00, 0x45], 12));
  let checked = 0;
  // Each frame read byte by byte, then through a kept DataView (lib/frame-view.ts).
  for (const kept of [false, true]) {
    for (const { name, frame } of cases) {
      if (kept) keepFrameView(frame);
      for (let length = 0; length <= frame.length; length++) {
        for (const p of policies) {
          t.is(xmitHashAt(frame, 0, length, p), xmitHashFull(frame, 0, length, p), `${name}, ${length} bytes, policy ${p}${kept ? ', kept view' : ''}`);
          checked++;
        }
      }
      if (kept) forgetFrameView(frame);
    }
  }
  // In place at odd offsets, and with the array ending inside the frame; the array itself a
  // view at an odd byte offset into a larger buffer, so that view index i must be array index i.
  const outer = new Uint8Array(403);
  const buf = outer.subarray(3).fill(0x5a);
  for (const kept of [false, true]) {
    if (kept) keepFrameView(buf);
    for (const at of [0, 1, 3, 100, 257, 330, 350, 366, 390]) {
      buf.set(base.subarray(0, Math.min(base.length, buf.length - at)), at);
      for (const p of policies) t.is(xmitHashAt(buf, at, base.length, p), xmitHashFull(buf, at, base.length, p), `offset ${at}, policy ${p}${kept ? ', kept view' : ''}`);
    }
    if (kept) forgetFrameView(buf);
  }
  t.true(checked > 20_000);
});

test('property: fast paths equal the full path on random IPv4-like frames', (t) => {
  fc.assert(
    fc.property(
      fc.record({
        tag: fc.option(fc.nat(0xffff), { nil: undefined }),
        versionIhl: fc.oneof(fc.constant(0x45), fc.constant(0x46), fc.constant(0x4f), fc.nat(255)),
        frag: fc.oneof(fc.constant(0x4000), fc.constant(0), fc.nat(0xffff)),
        proto: fc.oneof(fc.constantFrom(1, 6, 17, 58, 33, 50, 51, 132, 136, 38, 49, 4, 41, 47), fc.nat(255)),
        icmpType: fc.oneof(fc.constantFrom(0, 1, 3, 8, 11, 128, 129), fc.nat(255)),
        body: fc.uint8Array({ minLength: 0, maxLength: 90 }),
        header: fc.uint8Array({ minLength: 34, maxLength: 34 }),
        cut: fc.nat(130),
        offset: fc.nat(40),
      }),
      (r) => {
        const f = Array.from(r.header);
        f[12] = 0x08;
        f[13] = 0x00;
        f[14] = r.versionIhl;
        f[20] = r.frag >> 8;
        f[21] = r.frag & 255;
        f[23] = r.proto;
        if (r.tag !== undefined) f.splice(12, 0, 0x81, 0x00, r.tag >> 8, r.tag & 255);
        const body = Array.from(r.body);
        if (body.length > 0) body[0] = r.icmpType;
        const frame = Uint8Array.from([...f, ...body]);
        const buf = new Uint8Array(r.offset + frame.length);
        buf.set(frame, r.offset);
        const length = Math.min(r.cut, frame.length);
        // Byte by byte, then through a kept DataView.
        for (const kept of [false, true]) {
          if (kept) keepFrameView(buf);
          try {
            for (const p of ALL) {
              if (xmitHashAt(buf, r.offset, length, p) !== xmitHashFull(buf, r.offset, length, p)) return false;
              if (xmitHashAt(buf, r.offset, frame.length + 5, p) !== xmitHashFull(buf, r.offset, frame.length + 5, p)) return false;
            }
          } finally {
            if (kept) forgetFrameView(buf);
          }
        }
        return true;
      },
    ),
    { numRuns: 5000 },
  );
  t.pass();
});

test('a kept DataView: the same hash for every policy and the edge cases (VLAN, ARP, IPv6, fragments, ICMP, short frames)', (t) => {
  // Every vector above goes through both(); here the cases the fast paths decline, each
  // through a kept view, against the full path, at every length.
  const frames: [string, Uint8Array][] = [
    ['tcp', tcpFrame],
    ['udp', udpFrame],
    ['arp', arpFrame],
    ['tagged tcp', hex(DST, SRC, TAG_100, '0800', ipv4(6, IP_A, IP_B), TCP_1234_80)],
    ['tagged arp', hex(DST, SRC, TAG_100, '0806', '0001 0800 06 04 0001', SRC, IP_A, '000000000000', IP_B)],
    ['qinq', hex(DST, SRC, TAG_100, '8100 00c8 0800', ipv4(6, IP_A, IP_B), TCP_1234_80)],
    ['ipv6 udp', hex(DST, SRC, '86dd', '6000 0000 0010 11 40', '20010db8000000000000000000000001', '20010db8000000000000000000000002', UDP_5353_53)],
    ['fragment MF', hex(DST, SRC, '0800', ipv4(6, IP_A, IP_B, 0x2000), TCP_1234_80)],
    ['fragment offset', hex(DST, SRC, '0800', ipv4(17, IP_A, IP_B, 0x00b9), UDP_5353_53)],
    ['icmp echo', hex(DST, SRC, '0800', ipv4(1, IP_A, IP_B), '08 00 0000 1234 0001')],
    ['icmp error', hex(DST, SRC, '0800', ipv4(1, 'ac100001', IP_A), '03 03 0000 00000000', ipv4(17, IP_A, IP_B), UDP_5353_53)],
    ['icmpv6 in ipv4', hex(DST, SRC, '0800', ipv4(58, IP_A, IP_B), '80 00 0000 1234 0001')],
    ['ip options', hex(DST, SRC, '0800', '46 00 0036 1c46 4000 40 06 0000', IP_A, IP_B, '01010101', TCP_1234_80)],
    ['sctp', hex(DST, SRC, '0800', ipv4(132, IP_A, IP_B), TCP_1234_80)],
    ['gre', hex(DST, SRC, '0800', ipv4(47, 'c6336401', 'cb007109'), '2000 0800 0000002a', ipv4(6, IP_A, IP_B), TCP_1234_80)],
  ];
  for (const [name, f] of frames) {
    keepFrameView(f);
    for (let n = 0; n <= f.length; n++) {
      for (const p of ALL) t.is(xmitHash(f, n, p), xmitHashFull(f, 0, n, p), `${name}, ${n} bytes, policy ${p}`);
    }
    forgetFrameView(f);
  }
  // An empty array, kept or not (an empty one is never kept): 0 for every policy.
  const empty = new Uint8Array(0);
  keepFrameView(empty);
  for (const p of ALL) t.is(xmitHash(empty, 64, p), 0);
});

test('a kept buffer that is detached afterwards hashes as an empty one and never throws', (t) => {
  const f = tcpFrame.slice();
  keepFrameView(f);
  t.is(xmitHash(f, f.length, XMIT_LAYER34), 0x29a91473);
  structuredClone(f.buffer, { transfer: [f.buffer] }); // detaches it: f.length is now 0
  t.is(f.length, 0);
  for (const p of ALL) t.is(xmitHash(f, 64, p), 0, `policy ${p}`);
  forgetFrameView(f);
});

test('layer2 through a kept view: a header running past the buffer\'s end, among many good frames, hashes as the full path says, hot or cold', (t) => {
  // The layer2 view path lets the DataView's own bounds checks catch such a header (it
  // throws inside and goes to the full path): once the loop is optimized too, and again
  // after the compiler has had to give that read up.
  const buf = new Uint8Array(64 * 256);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 37 + 11) & 0xff;
  for (let o = 0; o < buf.length; o += 64) buf[o + 12] = 0x08; // no 802.1Q tag anywhere
  keepFrameView(buf);
  try {
    let mismatches = 0;
    for (let round = 0; round < 300; round++) {
      for (let o = 0; o < buf.length; o += 64) if (xmitHashAt(buf, o, 64, XMIT_LAYER2) !== xmitHashFull(buf, o, 64, XMIT_LAYER2)) mismatches++;
      // 13, 8 and 1 bytes left: h_proto, h_source or all but h_dest[0] past the end.
      for (const left of [13, 8, 1]) {
        const o = buf.length - left;
        const h = xmitHashAt(buf, o, 64, XMIT_LAYER2);
        if (h !== xmitHashFull(buf, o, 64, XMIT_LAYER2)) mismatches++;
      }
    }
    t.is(mismatches, 0);
    t.is(xmitHashAt(buf, buf.length - 8, 64, XMIT_LAYER2), xmitHashFull(buf, buf.length - 8, 64, XMIT_LAYER2));
  } finally {
    forgetFrameView(buf);
  }
});
