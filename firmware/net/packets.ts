/**
 * Ethernet, ARP and IPv4 frame layouts (RFC 826, RFC 791, RFC 792, RFC 768, RFC 9293):
 * offsets, a checksum, and builders for the frames hosts and the gateway send.
 */
import { readU16, writeU16, writeU32 } from '../../lib/addr.ts';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_SLOW = 0x8809; // IEEE 802.3 Annex 57A slow protocols (LACP, Marker)

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
export const SLOW_PROTOCOLS_MAC = Uint8Array.of(0x01, 0x80, 0xc2, 0x00, 0x00, 0x02);

/** Offset of the EtherType after any 802.1Q tags, or -1 when the frame is too short. */
export function etherTypeOffset(frame: Uint8Array, length: number): number {
  let o = 12;
  while (o + 2 <= length && readU16(frame, o) === ETHERTYPE_VLAN) o += 4;
  return o + 2 <= length ? o : -1;
}

/** VLAN ID of the outer 802.1Q tag, or -1 when untagged. */
export function vlanId(frame: Uint8Array, length: number): number {
  return length >= 18 && readU16(frame, 12) === ETHERTYPE_VLAN ? readU16(frame, 14) & 0x0fff : -1;
}

/** The Internet checksum (RFC 1071) over bytes [start, end). */
export function inetChecksum(b: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i < end) sum += b[i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * Writes an Ethernet header in place (with an 802.1Q tag when `vlan` >= 0) from the MAC at
 * `dst[dstOff]` and `src`; returns the payload offset. Allocates nothing.
 */
export function writeEthernetHeader(f: Uint8Array, dst: Uint8Array, dstOff: number, src: Uint8Array, vlan: number, etherType: number): number {
  for (let i = 0; i < 6; i++) f[i] = dst[dstOff + i];
  for (let i = 0; i < 6; i++) f[6 + i] = src[i];
  let o = 12;
  if (vlan >= 0) {
    writeU16(f, 12, ETHERTYPE_VLAN);
    writeU16(f, 14, vlan & 0x0fff);
    o = 16;
  }
  writeU16(f, o, etherType);
  return o + 2;
}

function writeEthHeader(f: Uint8Array, dst: Uint8Array, src: Uint8Array, vlan: number, etherType: number): number {
  return writeEthernetHeader(f, dst, 0, src, vlan, etherType);
}

/**
 * Writes an Ethernet/IPv4 ARP body (RFC 826) at `o` in place; a target MAC of undefined
 * writes zeros. Returns the offset after it.
 */
export function writeArpPayload(
  f: Uint8Array, o: number, op: number, sha: Uint8Array, sip: number, tha: Uint8Array | undefined, thaOff: number, tip: number,
): number {
  writeU16(f, o, 1); // hardware type Ethernet
  writeU16(f, o + 2, ETHERTYPE_IPV4);
  f[o + 4] = 6;
  f[o + 5] = 4;
  writeU16(f, o + 6, op);
  for (let i = 0; i < 6; i++) f[o + 8 + i] = sha[i];
  writeU32(f, o + 14, sip);
  for (let i = 0; i < 6; i++) f[o + 18 + i] = tha === undefined ? 0 : tha[thaOff + i];
  writeU32(f, o + 24, tip);
  return o + 28;
}

export interface ArpFields {
  op: number;
  senderMac: Uint8Array;
  senderIp: number;
  targetMac: Uint8Array;
  targetIp: number;
}

/** Builds an Ethernet ARP frame (padded to the 60-byte minimum). */
export function buildArp(dst: Uint8Array, src: Uint8Array, a: ArpFields, vlan = -1): Uint8Array {
  const f = new Uint8Array(vlan >= 0 ? 64 : 60);
  writeArpPayload(f, writeEthHeader(f, dst, src, vlan, ETHERTYPE_ARP), a.op, a.senderMac, a.senderIp, a.targetMac, 0, a.targetIp);
  return f;
}

/** Parses an ARP frame for IPv4 over Ethernet; undefined when it is not one. */
export function parseArp(frame: Uint8Array, length = frame.length): ArpFields | undefined {
  const et = etherTypeOffset(frame, length);
  if (et < 0 || readU16(frame, et) !== ETHERTYPE_ARP) return undefined;
  const o = et + 2;
  if (o + 28 > length) return undefined;
  if (readU16(frame, o) !== 1 || readU16(frame, o + 2) !== ETHERTYPE_IPV4 || frame[o + 4] !== 6 || frame[o + 5] !== 4) return undefined;
  const rd = (p: number): number => ((frame[p] << 24) | (frame[p + 1] << 16) | (frame[p + 2] << 8) | frame[p + 3]) >>> 0;
  return {
    op: readU16(frame, o + 6),
    senderMac: frame.slice(o + 8, o + 14),
    senderIp: rd(o + 14),
    targetMac: frame.slice(o + 18, o + 24),
    targetIp: rd(o + 24),
  };
}

export interface Ipv4Fields {
  protocol: number;
  src: number;
  dst: number;
  srcPort: number; // 0 for ICMP
  dstPort: number;
  /** ICMP type, or TCP flags; 0 for UDP. */
  kind: number;
  /** ICMP echo identifier and sequence, for replies. */
  icmpIdSeq: number;
  /** Offset of the IPv4 header in the frame. */
  ipOffset: number;
  /** Bytes after the IPv4 header (the L4 header included). */
  payloadLength: number;
  /** Offset and length of what follows the UDP, TCP or ICMP header (0 length when malformed). */
  dataOffset: number;
  dataLength: number;
}

/** Parses an IPv4 frame (any VLAN tags skipped); undefined when it is not a well-formed one. */
export function parseIpv4Frame(frame: Uint8Array, length = frame.length): Ipv4Fields | undefined {
  const et = etherTypeOffset(frame, length);
  if (et < 0 || readU16(frame, et) !== ETHERTYPE_IPV4) return undefined;
  const ip = et + 2;
  if (ip + 20 > length || frame[ip] >> 4 !== 4) return undefined;
  const ihl = (frame[ip] & 15) * 4;
  const total = readU16(frame, ip + 2);
  if (ihl < 20 || total < ihl || ip + total > length) return undefined;
  const rd = (p: number): number => ((frame[p] << 24) | (frame[p + 1] << 16) | (frame[p + 2] << 8) | frame[p + 3]) >>> 0;
  const protocol = frame[ip + 9];
  const l4 = ip + ihl;
  const end = ip + total;
  let srcPort = 0, dstPort = 0, kind = 0, icmpIdSeq = 0;
  let dataOffset = end;
  if (protocol === IPPROTO_TCP || protocol === IPPROTO_UDP) {
    if (l4 + 4 > end) return undefined;
    srcPort = readU16(frame, l4);
    dstPort = readU16(frame, l4 + 2);
    if (protocol === IPPROTO_TCP && l4 + 14 <= end) {
      kind = frame[l4 + 13];
      dataOffset = Math.min(end, l4 + Math.max(20, (frame[l4 + 12] >> 4) * 4));
    } else if (protocol === IPPROTO_UDP) dataOffset = Math.min(end, l4 + 8);
  } else if (protocol === IPPROTO_ICMP) {
    if (l4 + 8 > end) return undefined;
    kind = frame[l4];
    icmpIdSeq = rd(l4 + 4);
    dataOffset = l4 + 8;
  }
  return {
    protocol, src: rd(ip + 12), dst: rd(ip + 16), srcPort, dstPort, kind, icmpIdSeq, ipOffset: ip, payloadLength: total - ihl,
    dataOffset, dataLength: end - dataOffset,
  };
}

export interface Ipv4Spec {
  dst: Uint8Array;
  src: Uint8Array;
  vlan?: number;
  protocol: number;
  srcIp: number;
  dstIp: number;
  srcPort?: number;
  dstPort?: number;
  /** ICMP type (8 echo request, 0 echo reply) or TCP flags. */
  kind?: number;
  icmpIdSeq?: number;
  /** Bytes of payload after the L4 header (zeros, or `data` first). */
  payload?: number;
  /** Payload bytes to copy after the L4 header; the payload is at least this long. */
  data?: Uint8Array;
  ttl?: number;
}

/** Builds an IPv4 frame with a valid header checksum and an L4 header (UDP/TCP/ICMP). */
export function buildIpv4(s: Ipv4Spec): Uint8Array {
  const l4len = s.protocol === IPPROTO_TCP ? 20 : 8;
  const payload = Math.max(s.payload ?? 0, s.data?.length ?? 0);
  const total = 20 + l4len + payload;
  const hdr = s.vlan !== undefined && s.vlan >= 0 ? 18 : 14;
  const f = new Uint8Array(Math.max(hdr + total, s.vlan !== undefined && s.vlan >= 0 ? 64 : 60));
  const ip = writeEthHeader(f, s.dst, s.src, s.vlan ?? -1, ETHERTYPE_IPV4);
  f[ip] = 0x45;
  writeU16(f, ip + 2, total);
  f[ip + 6] = 0x40; // don't fragment
  f[ip + 8] = s.ttl ?? 64;
  f[ip + 9] = s.protocol;
  writeU32(f, ip + 12, s.srcIp);
  writeU32(f, ip + 16, s.dstIp);
  writeU16(f, ip + 10, inetChecksum(f, ip, ip + 20));
  const l4 = ip + 20;
  if (s.data) f.set(s.data, l4 + l4len);
  if (s.protocol === IPPROTO_ICMP) {
    f[l4] = s.kind ?? 8;
    writeU32(f, l4 + 4, s.icmpIdSeq ?? 0);
    writeU16(f, l4 + 2, inetChecksum(f, l4, ip + total));
  } else {
    writeU16(f, l4, s.srcPort ?? 0);
    writeU16(f, l4 + 2, s.dstPort ?? 0);
    if (s.protocol === IPPROTO_UDP) writeU16(f, l4 + 4, l4len + payload);
    else {
      f[l4 + 12] = 5 << 4; // data offset
      f[l4 + 13] = s.kind ?? 0x18; // PSH|ACK
      writeU16(f, l4 + 14, 0xffff);
    }
  }
  return f;
}
