/**
 * The small IPv4 host stack the gateway's bonds need: addresses on links (ports, bonds, VLAN
 * devices on bonds), connected routes, ARP as Linux's arp_process answers and learns it,
 * ICMP echo replies, gratuitous ARP for NETDEV_NOTIFY_PEERS, a datagram sender for
 * traffic tests, and what ping and arping need (echo requests as iputils builds them, ARP
 * probes, the ARP frames a link receives). Portable core: no Node built-ins, time only
 * through the Clock.
 *
 * Transmit never allocates per frame: every frame is built in one preallocated scratch
 * buffer (with a DataView kept for it, lib/frame-view.ts) and handed to
 * `link.xmit(buf, length)`, which copies what it needs before it returns. (If a link delivers a frame back into this stack synchronously from inside
 * xmit, the nested transmit gets a buffer of its own, so nothing is overwritten.)
 *
 * Deliberate choices, where Linux could be configured either way:
 * - Each link is its own L2 domain (the gateway's bonds are separate networks): ARP is
 *   answered only for the receiving link's own addresses (as arp_ignore=1 would, where the
 *   default arp_ignore=0 answers for any local address), and IP is accepted only for the
 *   receiving link's addresses (strong host model).
 * - Deleting a primary address promotes a secondary of the same subnet
 *   (promote_secondaries=1, which systemd sets on most distributions).
 * - No sockets: UDP and TCP addressed to us are counted and reported, nothing answers them
 *   (Linux would send ICMP port unreachable or a TCP RST). IP fragments are dropped.
 */
import type { Clock } from '../../lib/clock.ts';
import { Ratelimit } from '../../lib/ratelimit.ts';
import type { EventLog } from '../../lib/log.ts';
import { UsageError } from '../../lib/errors.ts';
import { formatIpv4, formatMac, readU16, readU32, writeU16, writeU32 } from '../../lib/addr.ts';
import { keepFrameView } from '../../lib/frame-view.ts';
import { ArpCache, type NeighbourEntry } from './arp-cache.ts';
import {
  ARP_REPLY, ARP_REQUEST, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_VLAN, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, inetChecksum,
  writeArpPayload, writeEthernetHeader,
} from './packets.ts';

export type { NeighbourEntry, NeighbourState } from './arp-cache.ts';

/** An L3-capable device the stack sends and receives on: a port, a bond, or a VLAN device on a bond. */
export interface HostLink {
  readonly name: string;
  /** Current MAC (6 bytes); may change at run time (read it at send time). */
  readonly mac: Uint8Array;
  /** VLAN id the link's frames carry (an 802.1Q device over a bond), or -1 for untagged. The stack writes the tag itself when >= 0. */
  readonly vlan: number;
  /** Admin up and carrier: the stack sends nothing on a link that is not up (returns false / counts). */
  readonly up: boolean;
  /** Transmits one complete Ethernet frame (no FCS); returns false when it was dropped. */
  xmit(frame: Uint8Array, length: number): boolean;
}

/** One IPv4 address on a link; `ip` an unsigned 32-bit number (addr.ts parseIpv4/formatIpv4). */
export interface Ipv4Address {
  ip: number;
  prefix: number;
}

/** Why a frame was not taken or not sent. */
export type DropReason =
  | 'notAttached' // received on a link the stack does not have
  | 'linkDown' // received on, or to be sent on, a link that is not up
  | 'short' // shorter than its headers say
  | 'badHeader' // ARP/IPv4/UDP/TCP header fields that do not hold together
  | 'badChecksum' // IPv4 header, ICMP or UDP checksum wrong
  | 'otherHost' // unicast to another MAC
  | 'multicast' // multicast destination MAC (no groups joined)
  | 'wrongVlan' // tagged with a VLAN that is not the link's
  | 'martian' // impossible or local source address
  | 'notLocal' // IPv4 not addressed to one of the link's addresses
  | 'unsupported' // other EtherType, IP protocol, ICMP type, ARP op; IP fragments
  | 'noRoute' // sendIpv4: no connected subnet holds the destination
  | 'noNeighbour' // sendIpv4: the destination is not resolved
  | 'tooBig' // an echo reply that would exceed the MTU
  | 'xmitFailed'; // the link refused the frame

export const DROP_REASONS: readonly DropReason[] = [
  'notAttached', 'linkDown', 'short', 'badHeader', 'badChecksum', 'otherHost', 'multicast', 'wrongVlan', 'martian', 'notLocal',
  'unsupported', 'noRoute', 'noNeighbour', 'tooBig', 'xmitFailed',
];

export interface HostStats {
  readonly arpRequestsIn: number;
  readonly arpRepliesIn: number;
  readonly arpRequestsOut: number;
  readonly arpRepliesOut: number;
  readonly garpOut: number;
  readonly icmpEchoIn: number;
  readonly icmpEchoRepliesOut: number;
  /** Echo requests sent by sendEchoRequest (ping). */
  readonly icmpEchoRequestsOut: number;
  /** Datagrams sent by sendIpv4. */
  readonly ipv4Out: number;
  /** UDP, TCP and ICMP echo replies addressed to us, reported to onDelivered listeners. */
  readonly delivered: number;
  /** Sum of `drops`. */
  readonly dropped: number;
  readonly drops: Readonly<Record<DropReason, number>>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * What a delivered datagram carried beyond its ports: one object filled in place for each
 * delivery, to be read during the listener call only.
 */
export interface DeliveredPacket {
  /** The IPv4 header's time to live. */
  ttl: number;
  /** Bytes from the transport header on (for ICMP, the whole ICMP message). */
  length: number;
  /** The frame, and the offset of the transport header in it. */
  frame: Uint8Array;
  offset: number;
  /** The payload after the UDP, TCP or ICMP header: its offset in the frame and its length. */
  dataOffset: number;
  dataLength: number;
}

export type DeliveredListener = (link: HostLink, protocol: number, src: number, srcPort: number, dstPort: number, packet: DeliveredPacket) => void;

/**
 * An Ethernet/IPv4 ARP frame received on a link, as a packet socket (arping's) sees it:
 * the ARP body at frame[arp], `unicast` when it was addressed to the link's MAC rather than
 * broadcast. Read it during the call only.
 */
export type ArpListener = (link: HostLink, frame: Uint8Array, arp: number, unicast: boolean) => void;

/** Largest frame built: 1500-byte MTU + Ethernet header + 802.1Q tag. */
export const MAX_FRAME = 1518;
const MTU = 1500;
/** The most data an echo request carries without IP fragmentation (which this stack has not): MTU - IPv4 header - ICMP header. */
export const MAX_ECHO_DATA = MTU - 20 - 8;
/** Bytes of the timestamp at the start of an echo request's data (a 64-bit struct timeval). */
export const ECHO_STAMP_BYTES = 16;
const TTL = 64;
const IP_DF = 0x4000;
const TCP_PSH_ACK = 0x18;

interface AddressRecord {
  readonly ip: number;
  readonly prefix: number;
  readonly mask: number;
  /** Linux's IFA_F_SECONDARY: another address on the link already covers this subnet. */
  secondary: boolean;
  /** Order the subnet's connected route was created in (the route of the first wins ties). */
  seq: number;
}

interface LinkState {
  link: HostLink;
  /** In Linux's ifa_list order: primaries, then secondaries. */
  readonly addrs: AddressRecord[];
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function inSubnet(ip: number, net: number, mask: number): boolean {
  return ((ip ^ net) & mask) === 0;
}

/** Sources no host sends from (ip_route_input_slow's martian_source cases). */
function isMartianSource(ip: number): boolean {
  const top = ip >>> 24;
  return top === 0 || top === 127 || top >= 224; // zeronet, loopback, multicast, class E and broadcast
}

/** The pseudo-header sum of RFC 768/9293 (to start inetChecksum with). */
function pseudoSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/** Writes a 20-byte IPv4 header at `o` with its checksum. */
function writeIpHeader(f: Uint8Array, o: number, tos: number, total: number, id: number, flags: number, protocol: number, src: number, dst: number): void {
  writeU32(f, o + 12, src);
  writeU32(f, o + 16, dst);
  writeIpHeaderAround(f, o, tos, total, id, flags, protocol);
}

/** Writes a 20-byte IPv4 header at `o` around the addresses already in place, with its checksum. */
function writeIpHeaderAround(f: Uint8Array, o: number, tos: number, total: number, id: number, flags: number, protocol: number): void {
  f[o] = 0x45;
  f[o + 1] = tos;
  writeU16(f, o + 2, total);
  writeU16(f, o + 4, id);
  writeU16(f, o + 6, flags);
  f[o + 8] = TTL;
  f[o + 9] = protocol;
  writeU16(f, o + 10, 0);
  writeU16(f, o + 10, inetChecksum(f, o, o + 20));
}

/** Zero-pads a frame to the Ethernet minimum (60 bytes, 64 when tagged, as packets.ts builds them); returns its length. */
function pad(f: Uint8Array, end: number, vlan: number): number {
  const min = vlan >= 0 ? 64 : 60;
  if (end >= min) return end;
  f.fill(0, end, min);
  return min;
}

/** Writes a send time in microseconds as a struct timeval (tv_sec, tv_usec: 64-bit little-endian each) at f[o]. */
export function writeEchoStamp(f: Uint8Array, o: number, us: number): void {
  const sec = Math.floor(us / 1e6);
  const usec = us - sec * 1e6;
  writeU64le(f, o, sec);
  writeU64le(f, o + 8, usec);
}

/** The send time (microseconds) an echo request's data carried at f[o], as writeEchoStamp wrote it. */
export function readEchoStamp(f: Uint8Array, o: number): number {
  return readU64le(f, o) * 1e6 + readU64le(f, o + 8);
}

function writeU64le(f: Uint8Array, o: number, v: number): void {
  let lo = v % 0x1_0000_0000;
  let hi = Math.floor(v / 0x1_0000_0000);
  for (let i = 0; i < 4; i++, lo = Math.floor(lo / 256)) f[o + i] = lo & 0xff;
  for (let i = 4; i < 8; i++, hi = Math.floor(hi / 256)) f[o + i] = hi & 0xff;
}

function readU64le(f: Uint8Array, o: number): number {
  let v = 0;
  for (let i = 7; i >= 0; i--) v = v * 256 + f[o + i];
  return v;
}

const BROADCAST = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

export class HostStack {
  private readonly clock: Clock;
  private readonly log: EventLog | undefined;
  private readonly links = new Map<string, LinkState>();
  /** The same links in attach order, as an array: walked on the per-frame paths without an iterator. */
  private linkList: LinkState[] = [];
  private readonly cache: ArpCache;
  private readonly scratch = new Uint8Array(MAX_FRAME);
  private txDepth = 0;
  private listeners: DeliveredListener[] = [];
  private arpListeners: ArpListener[] = [];
  private readonly packet: DeliveredPacket = { ttl: 0, length: 0, frame: new Uint8Array(0), offset: 0, dataOffset: 0, dataLength: 0 };
  private routeSeq = 0;
  private ipId = 0;
  private routeSrc = 0;
  private readonly counters: Mutable<Omit<HostStats, 'drops'>> & { drops: Record<DropReason, number> };
  private readonly warnLimit = new Ratelimit();

  constructor(opts: { clock: Clock; log?: EventLog }) {
    this.clock = opts.clock;
    this.log = opts.log;
    // The scratch lives as long as the stack: a DataView kept for it lets the bond's transmit
    // hash read its headers a word at a time (lib/frame-view.ts).
    keepFrameView(this.scratch);
    const drops = {} as Record<DropReason, number>;
    for (const r of DROP_REASONS) drops[r] = 0;
    this.counters = {
      arpRequestsIn: 0, arpRepliesIn: 0, arpRequestsOut: 0, arpRepliesOut: 0, garpOut: 0, icmpEchoIn: 0, icmpEchoRepliesOut: 0,
      icmpEchoRequestsOut: 0, ipv4Out: 0, delivered: 0, dropped: 0, drops,
    };
    this.cache = new ArpCache(
      this.clock,
      (name, ip) => this.solicit(name, ip),
      () => this.warn('neighbour: arp_cache: neighbor table overflow!'),
    );
  }

  /** Counters since the stack was made (a live view). */
  get stats(): HostStats {
    return this.counters;
  }

  /** Adds a link (idempotent per name: attaching a link of a known name keeps its addresses and neighbours and uses the new object). */
  attach(link: HostLink): void {
    const st = this.links.get(link.name);
    if (st) {
      st.link = link;
      return;
    }
    const fresh: LinkState = { link, addrs: [] };
    this.links.set(link.name, fresh);
    this.linkList = [...this.linkList, fresh];
  }

  /** Removes a link with its addresses and its neighbour entries (pending resolutions give undefined). */
  detach(name: string): void {
    const st = this.links.get(name);
    if (!st) return;
    this.links.delete(name);
    this.linkList = this.linkList.filter((s) => s !== st);
    this.cache.flushLink(name);
  }

  /** `ip addr add <ip>/<prefix> dev <name>`. */
  addAddress(name: string, ip: number, prefix: number): void {
    const st = this.links.get(name);
    if (!st) throw new UsageError(`Cannot find device "${name}"`);
    this.checkAddress(ip, prefix);
    if (st.addrs.some((a) => a.ip === ip && a.prefix === prefix)) throw new UsageError('RTNETLINK answers: File exists');
    this.insert(st, ip, prefix);
  }

  /** `ip addr del <ip>[/<prefix>] dev <name>`: without a prefix, the first address with that IP. */
  removeAddress(name: string, ip: number, prefix?: number): void {
    const st = this.links.get(name);
    if (!st) throw new UsageError(`Cannot find device "${name}"`);
    const i = st.addrs.findIndex((a) => a.ip === ip && (prefix === undefined || a.prefix === prefix));
    if (i < 0) throw new UsageError('RTNETLINK answers: Cannot assign requested address');
    this.removeAt(name, st, i);
  }

  /** `ifconfig <name> <ip> netmask <mask>`: replaces the link's primary (first) address, or adds one. */
  setPrimaryAddress(name: string, ip: number, prefix: number): void {
    const st = this.links.get(name);
    if (!st) throw new UsageError('SIOCSIFADDR: No such device');
    this.checkAddress(ip, prefix);
    const first = st.addrs[0];
    if (first && first.ip === ip && first.prefix === prefix) return;
    if (first) this.removeAt(name, st, 0);
    if (!st.addrs.some((a) => a.ip === ip && a.prefix === prefix)) this.insert(st, ip, prefix);
  }

  /** The link's addresses in `ip addr` order (primaries, then secondaries). */
  addresses(name: string): readonly Ipv4Address[] {
    const st = this.links.get(name);
    if (!st) throw new UsageError(`Device "${name}" does not exist.`);
    return st.addrs.map((a) => ({ ip: a.ip, prefix: a.prefix }));
  }

  /** The attached link of that name, or undefined. */
  link(name: string): HostLink | undefined {
    return this.links.get(name)?.link;
  }

  /** The link holding `ip` as a local address (first attached wins), or undefined. */
  linkOfAddress(ip: number): HostLink | undefined {
    const st = this.holderOf(ip);
    return st?.link;
  }

  /**
   * Connected-route lookup: the link whose subnet contains `dst` (longest prefix, then the
   * route created first) and the source address (the primary address of that subnet).
   */
  route(dst: number): { link: HostLink; src: number } | undefined {
    const st = this.lookupRoute(dst);
    return st ? { link: st.link, src: this.routeSrc } : undefined;
  }

  /** Resolves `dst` (on a connected subnet) to its MAC: from the table, or by ARP (3 requests 1 s apart). */
  resolve(dst: number): Promise<Uint8Array | undefined> {
    const st = this.lookupRoute(dst);
    if (!st || this.isLocal(dst) || !this.isUnicastOn(st, dst)) return Promise.resolve(undefined);
    return this.cache.resolve(st.link.name, dst);
  }

  /**
   * `resolve` on a given link (ping -I, arping): from the table, or by ARP out of that link.
   * Undefined at once for an address that is not a unicast neighbour there.
   */
  resolveOn(name: string, dst: number): Promise<Uint8Array | undefined> {
    const st = this.links.get(name);
    if (!st || this.isLocal(dst) || !this.isUnicastOn(st, dst)) return Promise.resolve(undefined);
    return this.cache.resolve(name, dst);
  }

  /** The resolved MAC of `dst` on link `name` (the table's own bytes: read at once), or undefined. Allocates nothing. */
  neighbour(name: string, dst: number): Uint8Array | undefined {
    return this.cache.lookup(name, dst);
  }

  /**
   * The source address Linux picks for `dst` out of link `name` when bound to it: the primary
   * address of the link's subnet holding `dst`, else the link's first primary address
   * (inet_select_addr); undefined when the link has no address.
   */
  sourceOn(name: string, dst: number): number | undefined {
    const st = this.links.get(name);
    if (!st) return undefined;
    let first: number | undefined;
    for (const a of st.addrs) {
      if (a.secondary) continue;
      if (inSubnet(dst, a.ip, a.mask)) return a.ip;
      if (first === undefined) first = a.ip;
    }
    return first;
  }

  /** True when `ip` is the network or broadcast address of a subnet on link `name` (or limited broadcast, multicast). */
  isBroadcastOn(name: string, ip: number): boolean {
    const st = this.links.get(name);
    return st !== undefined && !this.isUnicastOn(st, ip);
  }

  /** True when `ip` is one of this stack's own addresses. */
  isLocalAddress(ip: number): boolean {
    return this.isLocal(ip);
  }

  /** The neighbour table, as `ip neigh` lists it. */
  neighbours(): NeighbourEntry[] {
    return this.cache.entries();
  }

  /** Subscribes to UDP, TCP and ICMP echo replies addressed to us (ICMP: srcPort = identifier, dstPort = sequence). */
  onDelivered(fn: DeliveredListener): () => void {
    this.listeners = [...this.listeners, fn];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  /** Subscribes to every Ethernet/IPv4 ARP frame the links receive (arping's packet socket). */
  onArp(fn: ArpListener): () => void {
    this.arpListeners = [...this.arpListeners, fn];
    return () => {
      this.arpListeners = this.arpListeners.filter((l) => l !== fn);
    };
  }

  // ---- transmit ----

  /**
   * NETDEV_NOTIFY_PEERS: one gratuitous ARP request (sender = target = the address, target
   * MAC zero, to broadcast) per address on the link, in list order. Returns how many went.
   */
  sendGratuitousArps(name: string): number {
    const st = this.links.get(name);
    if (!st) return 0;
    const link = st.link;
    let sent = 0;
    for (let i = 0; i < st.addrs.length; i++) {
      const ip = st.addrs[i].ip;
      if (!link.up) {
        this.drop('linkDown');
        continue;
      }
      const f = this.txBegin();
      try {
        const end = writeArpPayload(f, writeEthernetHeader(f, BROADCAST, 0, link.mac, link.vlan, ETHERTYPE_ARP), ARP_REQUEST, link.mac, ip, undefined, 0, ip);
        if (link.xmit(f, pad(f, end, link.vlan))) {
          sent++;
          this.counters.garpOut++;
        } else this.drop('xmitFailed');
      } finally {
        this.txEnd();
      }
    }
    return sent;
  }

  /** Sends a broadcast ARP request for `target` from `src` out of `link`. */
  sendArpRequest(link: HostLink, target: number, src: number): boolean {
    if (!link.up) {
      this.drop('linkDown');
      return false;
    }
    const f = this.txBegin();
    try {
      const end = writeArpPayload(f, writeEthernetHeader(f, BROADCAST, 0, link.mac, link.vlan, ETHERTYPE_ARP), ARP_REQUEST, link.mac, src, undefined, 0, target);
      if (!link.xmit(f, pad(f, end, link.vlan))) {
        this.drop('xmitFailed');
        return false;
      }
      this.counters.arpRequestsOut++;
      return true;
    } finally {
      this.txEnd();
    }
  }

  /**
   * An ARP request as iputils arping sends it: to `dst` (broadcast, or the target's MAC once
   * it answered), with `dst` in the target hardware field too, from `src` on `link`.
   */
  sendArpProbe(link: HostLink, src: number, target: number, dst: Uint8Array): boolean {
    if (!link.up) return this.drop('linkDown');
    const f = this.txBegin();
    try {
      const end = writeArpPayload(f, writeEthernetHeader(f, dst, 0, link.mac, link.vlan, ETHERTYPE_ARP), ARP_REQUEST, link.mac, src, dst, 0, target);
      if (!link.xmit(f, pad(f, end, link.vlan))) return this.drop('xmitFailed');
      this.counters.arpRequestsOut++;
      return true;
    } finally {
      this.txEnd();
    }
  }

  /**
   * An ICMP echo request as iputils ping builds it (ping4_send_probe, setup): identifier and
   * sequence, then `dataLen` data bytes where byte i is i & 0xff, the first 16 overwritten by
   * the send time `stampUs` (a struct timeval as 64-bit little-endian Linux writes it) when
   * there is room. DF set, TTL 64, to `mac` on `link` from `src`. Returns false when the link
   * is down or refuses the frame.
   */
  sendEchoRequest(link: HostLink, mac: Uint8Array, src: number, dst: number, id: number, seq: number, dataLen: number, stampUs: number): boolean {
    if (!(Number.isInteger(dataLen) && dataLen >= 0 && dataLen <= MAX_ECHO_DATA)) throw new UsageError(`echo data ${dataLen}: expected 0..${MAX_ECHO_DATA} bytes (MTU ${MTU})`);
    if (!link.up) return this.drop('linkDown');
    const f = this.txBegin();
    try {
      const ip = writeEthernetHeader(f, mac, 0, link.mac, link.vlan, ETHERTYPE_IPV4);
      const total = 20 + 8 + dataLen;
      writeIpHeader(f, ip, 0, total, 0, IP_DF, IPPROTO_ICMP, src, dst);
      const l4 = ip + 20;
      const end = ip + total;
      f[l4] = 8; // echo request
      f[l4 + 1] = 0;
      writeU16(f, l4 + 2, 0);
      writeU16(f, l4 + 4, id);
      writeU16(f, l4 + 6, seq);
      const data = l4 + 8;
      for (let i = 0; i < dataLen; i++) f[data + i] = i & 0xff;
      if (dataLen >= ECHO_STAMP_BYTES) writeEchoStamp(f, data, stampUs);
      writeU16(f, l4 + 2, inetChecksum(f, l4, end));
      if (!link.xmit(f, pad(f, end, link.vlan))) return this.drop('xmitFailed');
      this.counters.icmpEchoRequestsOut++;
      return true;
    } finally {
      this.txEnd();
    }
  }

  /**
   * Sends one IPv4 datagram to a resolved neighbour: UDP, TCP (PSH|ACK, sequence and
   * acknowledgement 0, window 65535) or ICMP echo request (identifier = srcPort, sequence =
   * dstPort), DF set, TTL 64, `payloadBytes` of payload (the bytes of `data` first, when
   * given, then zeros), every checksum computed. Returns false when there is no route or
   * neighbour, the link is down or refuses the frame.
   */
  sendIpv4(dst: number, protocol: 1 | 6 | 17, srcPort: number, dstPort: number, payloadBytes: number, data?: Uint8Array): boolean {
    const l4len = protocol === IPPROTO_TCP ? 20 : 8;
    if (protocol !== IPPROTO_ICMP && protocol !== IPPROTO_TCP && protocol !== IPPROTO_UDP) throw new UsageError(`protocol ${protocol}: expected 1, 6 or 17`);
    if (!(srcPort >= 0 && srcPort <= 0xffff && dstPort >= 0 && dstPort <= 0xffff && Number.isInteger(srcPort) && Number.isInteger(dstPort))) {
      throw new UsageError(`ports ${srcPort} ${dstPort}: expected 0..65535`);
    }
    if (!(Number.isInteger(payloadBytes) && payloadBytes >= 0 && 20 + l4len + payloadBytes <= MTU)) {
      throw new UsageError(`payload ${payloadBytes}: expected 0..${MTU - 20 - l4len} bytes (MTU ${MTU})`);
    }
    const st = this.lookupRoute(dst);
    if (!st) return this.drop('noRoute');
    const link = st.link;
    if (!link.up) return this.drop('linkDown');
    const mac = this.cache.lookup(link.name, dst);
    if (!mac) return this.drop('noNeighbour');
    const src = this.routeSrc;
    const f = this.txBegin();
    try {
      const ip = writeEthernetHeader(f, mac, 0, link.mac, link.vlan, ETHERTYPE_IPV4);
      const total = 20 + l4len + payloadBytes;
      const end = ip + total;
      writeIpHeader(f, ip, 0, total, 0, IP_DF, protocol, src, dst);
      const l4 = ip + 20;
      f.fill(0, l4, end);
      if (data !== undefined) {
        const at = l4 + l4len;
        const n = Math.min(data.length, payloadBytes);
        for (let i = 0; i < n; i++) f[at + i] = data[i];
      }
      if (protocol === IPPROTO_ICMP) {
        f[l4] = 8; // echo request
        writeU16(f, l4 + 4, srcPort);
        writeU16(f, l4 + 6, dstPort);
        writeU16(f, l4 + 2, inetChecksum(f, l4, end));
      } else {
        writeU16(f, l4, srcPort);
        writeU16(f, l4 + 2, dstPort);
        const len = l4len + payloadBytes;
        let at: number;
        if (protocol === IPPROTO_UDP) {
          writeU16(f, l4 + 4, len);
          at = l4 + 6;
        } else {
          f[l4 + 12] = 5 << 4; // data offset: 20 bytes
          f[l4 + 13] = TCP_PSH_ACK;
          writeU16(f, l4 + 14, 0xffff);
          at = l4 + 16;
        }
        const sum = inetChecksum(f, l4, end, pseudoSum(src, dst, protocol, len));
        writeU16(f, at, protocol === IPPROTO_UDP && sum === 0 ? 0xffff : sum); // UDP sends a computed 0 as all ones
      }
      if (!link.xmit(f, pad(f, end, link.vlan))) return this.drop('xmitFailed');
      this.counters.ipv4Out++;
      return true;
    } finally {
      this.txEnd();
    }
  }

  // ---- receive ----

  /** A frame received on `link` (already accepted by the bond/VLAN layer; tagged or untagged as it arrived). Never throws on bad frames. */
  receive(link: HostLink, frame: Uint8Array, length: number): void {
    const st = this.links.get(link.name);
    if (!st) {
      this.drop('notAttached');
      return;
    }
    const dev = st.link;
    let len = length <= frame.length ? Math.floor(length) : frame.length;
    if (!(len >= 0)) len = 0;
    if (!dev.up) {
      this.drop('linkDown');
      return;
    }
    if (len < 14) {
      this.drop('short');
      return;
    }
    let toUs = false;
    if ((frame[0] & 1) === 1) {
      for (let i = 0; i < 6; i++) {
        if (frame[i] !== 0xff) {
          this.drop('multicast');
          return;
        }
      }
    } else {
      const mac = dev.mac;
      for (let i = 0; i < 6; i++) {
        if (frame[i] !== mac[i]) {
          this.drop('otherHost');
          return;
        }
      }
      toUs = true;
    }
    let o = 12;
    let et = readU16(frame, 12);
    if (et === ETHERTYPE_VLAN) {
      if (len < 18) {
        this.drop('short');
        return;
      }
      const vid = readU16(frame, 14) & 0x0fff;
      // VID 0 is a priority tag: the frame belongs to the untagged device (Linux strips it).
      if (vid !== dev.vlan && !(vid === 0 && dev.vlan < 0)) {
        this.drop('wrongVlan');
        return;
      }
      o = 16;
      et = readU16(frame, 16);
      if (et === ETHERTYPE_VLAN) {
        this.drop('wrongVlan'); // stacked tags belong to a device we do not have
        return;
      }
    }
    if (et === ETHERTYPE_ARP) this.receiveArp(st, frame, o + 2, len, toUs);
    else if (et === ETHERTYPE_IPV4) this.receiveIpv4(st, frame, o + 2, len);
    else this.drop('unsupported');
  }

  /** arp_process for Ethernet/IPv4 ARP at frame[o]. */
  private receiveArp(st: LinkState, f: Uint8Array, o: number, len: number, toUs: boolean): void {
    if (o + 28 > len) {
      this.drop('short');
      return;
    }
    if (readU16(f, o) !== 1 || readU16(f, o + 2) !== ETHERTYPE_IPV4 || f[o + 4] !== 6 || f[o + 5] !== 4) {
      this.drop('badHeader');
      return;
    }
    const al = this.arpListeners;
    for (let i = 0; i < al.length; i++) al[i](st.link, f, o, toUs);
    const op = readU16(f, o + 6);
    if (op !== ARP_REQUEST && op !== ARP_REPLY) {
      this.drop('unsupported');
      return;
    }
    if (op === ARP_REQUEST) this.counters.arpRequestsIn++;
    else this.counters.arpRepliesIn++;
    const sha = o + 8;
    const sip = readU32(f, o + 14);
    const tip = readU32(f, o + 24);
    // A multicast or broadcast sender hardware address is never a neighbour's: refuse it
    // rather than learn it or answer to it (a deliberate check; Linux has none here).
    if ((f[sha] & 1) === 1) {
      this.drop('badHeader');
      return;
    }
    const tipTop = tip >>> 24;
    if (tipTop === 127 || (tipTop >= 224 && tipTop < 240)) {
      this.drop('martian'); // requests for loopback or multicast addresses
      return;
    }
    const name = st.link.name;
    if (sip === 0) {
      // Duplicate address detection probe (RFC 5227): answered, nothing learned.
      if (op === ARP_REQUEST && this.hasAddress(st, tip)) this.sendArpReply(st.link, tip, f, sha, 0);
      return;
    }
    if (isMartianSource(sip) || this.isLocal(sip)) {
      // Linux's route lookup refuses a local or impossible source: no reply, no learning.
      if (this.isLocal(sip) && !this.isOurMac(f, sha)) {
        this.warn(`${name}: ARP from ${formatMac(f, sha)} claims our address ${formatIpv4(sip)}`);
      }
      this.drop('martian');
      return;
    }
    // Only the receiving link's own addresses are answered: a deliberate choice (Linux's
    // default arp_ignore=0 would answer for any local address), because the gateway's bonds
    // are separate L2 domains and must not leak each other's addresses.
    if (op === ARP_REQUEST && this.hasAddress(st, tip)) {
      // neigh_event_ns, then the reply (only if an entry could be made, as Linux does).
      if (this.cache.learn(name, sip, f, sha)) this.sendArpReply(st.link, tip, f, sha, sip);
      return;
    }
    // Anything else only updates an existing entry (arp_accept=0): REACHABLE for a reply
    // unicast to us, STALE otherwise; a gratuitous ARP overrides locktime.
    this.cache.update(name, sip, f, sha, op === ARP_REPLY && toUs, sip === tip);
  }

  /** An ARP reply from our `ip` to the requester (MAC at frame[shaOff]), unicast. */
  private sendArpReply(link: HostLink, ip: number, frame: Uint8Array, shaOff: number, requester: number): void {
    const f = this.txBegin();
    try {
      const end = writeArpPayload(f, writeEthernetHeader(f, frame, shaOff, link.mac, link.vlan, ETHERTYPE_ARP), ARP_REPLY, link.mac, ip, frame, shaOff, requester);
      if (link.xmit(f, pad(f, end, link.vlan))) this.counters.arpRepliesOut++;
      else this.drop('xmitFailed');
    } finally {
      this.txEnd();
    }
  }

  /** ip_rcv and the local delivery of ICMP, UDP and TCP, for the IPv4 header at frame[ip]. */
  private receiveIpv4(st: LinkState, f: Uint8Array, ip: number, len: number): void {
    if (ip + 20 > len) {
      this.drop('short');
      return;
    }
    const ihl = (f[ip] & 15) * 4;
    if (f[ip] >> 4 !== 4 || ihl < 20) {
      this.drop('badHeader');
      return;
    }
    const total = readU16(f, ip + 2);
    if (ip + ihl > len || ip + total > len) {
      this.drop('short');
      return;
    }
    if (total < ihl) {
      this.drop('badHeader');
      return;
    }
    if (inetChecksum(f, ip, ip + ihl) !== 0) {
      this.drop('badChecksum');
      return;
    }
    if ((readU16(f, ip + 6) & 0x3fff) !== 0) {
      this.drop('unsupported'); // a fragment: no reassembly here
      return;
    }
    const src = readU32(f, ip + 12);
    const dst = readU32(f, ip + 16);
    if (isMartianSource(src) || this.isLocal(src)) {
      this.drop('martian');
      return;
    }
    if (!this.hasAddress(st, dst)) {
      this.drop('notLocal');
      return;
    }
    const protocol = f[ip + 9];
    const l4 = ip + ihl;
    const end = ip + total;
    const l4len = total - ihl;
    if (protocol === IPPROTO_ICMP) {
      if (l4len < 8) {
        this.drop('short');
        return;
      }
      if (inetChecksum(f, l4, end) !== 0) {
        this.drop('badChecksum');
        return;
      }
      const type = f[l4];
      if (type === 8) {
        this.counters.icmpEchoIn++;
        this.sendEchoReply(st.link, f, ip, l4, end);
      } else if (type === 0) {
        this.deliver(st.link, protocol, src, readU16(f, l4 + 4), readU16(f, l4 + 6), f[ip + 8], f, l4, l4len, 8);
      } else {
        this.drop('unsupported');
      }
    } else if (protocol === IPPROTO_UDP) {
      if (l4len < 8) {
        this.drop('short');
        return;
      }
      const ulen = readU16(f, l4 + 4);
      if (ulen < 8 || ulen > l4len) {
        this.drop('badHeader');
        return;
      }
      if (readU16(f, l4 + 6) !== 0 && inetChecksum(f, l4, l4 + ulen, pseudoSum(src, dst, protocol, ulen)) !== 0) {
        this.drop('badChecksum');
        return;
      }
      this.deliver(st.link, protocol, src, readU16(f, l4), readU16(f, l4 + 2), f[ip + 8], f, l4, ulen, 8);
    } else if (protocol === IPPROTO_TCP) {
      if (l4len < 20) {
        this.drop('short');
        return;
      }
      const doff = (f[l4 + 12] >> 4) * 4;
      if (doff < 20 || doff > l4len) {
        this.drop('badHeader');
        return;
      }
      // The TCP checksum is not verified: there is no TCP here to protect (segments are only
      // counted), and the simulated hosts' TCP frames (packets.ts buildIpv4) leave it zero.
      this.deliver(st.link, protocol, src, readU16(f, l4), readU16(f, l4 + 2), f[ip + 8], f, l4, l4len, doff);
    } else {
      this.drop('unsupported');
    }
  }

  /**
   * icmp_echo: the reply carries the request's identifier, sequence and data, and its TOS;
   * no DF and a fresh IP ID (the ICMP socket's IP_PMTUDISC_DONT); IP options are not echoed.
   * It goes to the frame's source MAC.
   */
  private sendEchoReply(link: HostLink, frame: Uint8Array, ip: number, l4: number, end: number): void {
    const icmpLen = end - l4;
    const total = 20 + icmpLen;
    if (total > MTU) {
      this.drop('tooBig');
      return;
    }
    if (!link.up) {
      this.drop('linkDown');
      return;
    }
    const f = this.txBegin();
    try {
      const rip = writeEthernetHeader(f, frame, 6, link.mac, link.vlan, ETHERTYPE_IPV4);
      this.ipId = (this.ipId + 1) & 0xffff;
      // The request's addresses swapped, copied as bytes: as unsigned numbers most addresses
      // are too large for V8's small integers, and passing two to a call boxes them per reply.
      for (let i = 0; i < 4; i++) {
        f[rip + 12 + i] = frame[ip + 16 + i];
        f[rip + 16 + i] = frame[ip + 12 + i];
      }
      writeIpHeaderAround(f, rip, frame[ip + 1], total, this.ipId, 0, IPPROTO_ICMP);
      const r4 = rip + 20;
      f[r4] = 0; // echo reply
      f[r4 + 1] = 0;
      f[r4 + 2] = 0;
      f[r4 + 3] = 0;
      for (let i = 4; i < icmpLen; i++) f[r4 + i] = frame[l4 + i];
      const rend = r4 + icmpLen;
      writeU16(f, r4 + 2, inetChecksum(f, r4, rend));
      if (link.xmit(f, pad(f, rend, link.vlan))) this.counters.icmpEchoRepliesOut++;
      else this.drop('xmitFailed');
    } finally {
      this.txEnd();
    }
  }

  /** `header` is the transport header's length: the payload follows it. */
  private deliver(
    link: HostLink, protocol: number, src: number, srcPort: number, dstPort: number, ttl: number, frame: Uint8Array, offset: number, length: number, header: number,
  ): void {
    this.counters.delivered++;
    const p = this.packet;
    p.ttl = ttl;
    p.frame = frame;
    p.offset = offset;
    p.length = length;
    p.dataOffset = offset + header;
    p.dataLength = length - header;
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i](link, protocol, src, srcPort, dstPort, p);
  }

  // ---- helpers ----

  /** The scratch buffer, or (re-entered from inside an xmit) a buffer of its own. */
  private txBegin(): Uint8Array {
    return this.txDepth++ === 0 ? this.scratch : new Uint8Array(MAX_FRAME);
  }

  private txEnd(): void {
    this.txDepth--;
  }

  /** Counts a drop; returns false for the callers that report failure. */
  private drop(reason: DropReason): false {
    this.counters.drops[reason]++;
    this.counters.dropped++;
    return false;
  }

  /** Kernel-style rate limit (net_ratelimit: 10 messages per 5 s) for what a peer can provoke. */
  private warn(text: string): void {
    if (this.log && this.warnLimit.allow(this.clock.now())) this.log.warn(text);
  }


  /** A request for resolution's retries: from the primary address of the subnet holding `ip`, else the link's first. */
  private solicit(name: string, ip: number): void {
    const st = this.links.get(name);
    if (!st) return;
    let src = st.addrs.length > 0 ? st.addrs[0].ip : 0;
    for (const a of st.addrs) {
      if (!a.secondary && inSubnet(ip, a.ip, a.mask)) {
        src = a.ip;
        break;
      }
    }
    this.sendArpRequest(st.link, ip, src);
  }

  /** route() without allocating: the link state, with the source address left in routeSrc. */
  private lookupRoute(dst: number): LinkState | undefined {
    let best: LinkState | undefined;
    let bestPrefix = -1;
    let bestSeq = Infinity;
    const list = this.linkList;
    for (let k = 0; k < list.length; k++) {
      const st = list[k];
      const addrs = st.addrs;
      for (let i = 0; i < addrs.length; i++) {
        const a = addrs[i];
        if (a.secondary || !inSubnet(dst, a.ip, a.mask)) continue;
        if (a.prefix > bestPrefix || (a.prefix === bestPrefix && a.seq < bestSeq)) {
          best = st;
          bestPrefix = a.prefix;
          bestSeq = a.seq;
          this.routeSrc = a.ip;
        }
      }
    }
    return best;
  }

  /** Not the network or broadcast address of a /0../30 subnet of the link, nor limited broadcast or multicast. */
  private isUnicastOn(st: LinkState, ip: number): boolean {
    if ((ip >>> 28) >= 14) return false;
    for (const a of st.addrs) {
      if (a.prefix < 31 && inSubnet(ip, a.ip, a.mask) && ((ip & ~a.mask) >>> 0 === (~a.mask >>> 0) || (ip & ~a.mask) === 0)) return false;
    }
    return true;
  }

  private hasAddress(st: LinkState, ip: number): boolean {
    const addrs = st.addrs;
    for (let i = 0; i < addrs.length; i++) if (addrs[i].ip === ip) return true;
    return false;
  }

  private holderOf(ip: number): LinkState | undefined {
    const list = this.linkList;
    for (let k = 0; k < list.length; k++) if (this.hasAddress(list[k], ip)) return list[k];
    return undefined;
  }

  private isLocal(ip: number): boolean {
    return this.holderOf(ip) !== undefined;
  }

  private isOurMac(f: Uint8Array, off: number): boolean {
    for (const st of this.linkList) {
      const mac = st.link.mac;
      let same = true;
      for (let i = 0; i < 6; i++) if (f[off + i] !== mac[i]) same = false;
      if (same) return true;
    }
    return false;
  }

  private checkAddress(ip: number, prefix: number): void {
    if (!(Number.isInteger(ip) && ip >= 0 && ip <= 0xffffffff)) throw new UsageError(`Error: inet prefix is expected rather than "${ip}".`);
    if (!(Number.isInteger(prefix) && prefix >= 0 && prefix <= 32)) {
      throw new UsageError(`Error: any valid prefix is expected rather than "${formatIpv4(ip)}/${prefix}".`);
    }
  }

  /** __inet_insert_ifa: a secondary when a primary of the same subnet and prefix exists; primaries go after the last primary. */
  private insert(st: LinkState, ip: number, prefix: number): void {
    const mask = maskOf(prefix);
    const secondary = st.addrs.some((a) => !a.secondary && a.prefix === prefix && inSubnet(ip, a.ip, mask));
    const rec: AddressRecord = { ip, prefix, mask, secondary, seq: secondary ? -1 : this.routeSeq++ };
    if (secondary) st.addrs.push(rec);
    else st.addrs.splice(this.primaryCount(st), 0, rec);
  }

  /** __inet_del_ifa with promote_secondaries=1; the last address gone takes the neighbours with it (fib_disable_ip → arp_ifdown). */
  private removeAt(name: string, st: LinkState, i: number): void {
    const [rec] = st.addrs.splice(i, 1);
    if (!rec.secondary) {
      const j = st.addrs.findIndex((a) => a.secondary && a.prefix === rec.prefix && inSubnet(a.ip, rec.ip, rec.mask));
      if (j >= 0) {
        const [p] = st.addrs.splice(j, 1);
        p.secondary = false;
        p.seq = this.routeSeq++; // its connected route is made anew
        st.addrs.splice(this.primaryCount(st), 0, p);
      }
    }
    if (st.addrs.length === 0) this.cache.flushLink(name);
  }

  private primaryCount(st: LinkState): number {
    let n = 0;
    while (n < st.addrs.length && !st.addrs[n].secondary) n++;
    return n;
  }
}
