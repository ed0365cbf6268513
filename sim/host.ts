import { macEquals, isMulticastMac, writeU16 } from '../lib/addr.ts';
import {
  ARP_REPLY, ARP_REQUEST, BROADCAST_MAC, IPPROTO_ICMP, IPPROTO_TCP, buildArp, buildIpv4, inetChecksum, parseArp, parseIpv4Frame,
} from '../firmware/net/packets.ts';

/**
 * A host on the far side of the link partner: answers ARP for its address, keeps an ARP
 * cache as a Linux host does (learns the sender of a request addressed to it, updates an
 * entry it already has from replies and gratuitous ARPs), answers ICMP echo, and answers
 * every UDP or TCP frame addressed to it with one frame back carrying the same payload
 * (the echo service: `sim stream` reads its flow and sequence numbers from it).
 */
export class SimHost {
  up = true;
  readonly arpCache = new Map<number, Uint8Array>();
  /** Frames this host received that were addressed to it (unicast or broadcast). */
  received = 0;
  /** IP frames answered. */
  replied = 0;

  constructor(
    readonly ip: number,
    readonly mac: Uint8Array,
    private readonly send: (frame: Uint8Array) => void,
  ) {}

  receive(frame: Uint8Array): void {
    if (!this.up) return;
    if (!macEquals(frame, 0, this.mac) && !isMulticastMac(frame)) return;
    const arp = parseArp(frame);
    if (arp) {
      this.received++;
      const known = this.arpCache.has(arp.senderIp);
      if (arp.op === ARP_REQUEST && arp.targetIp === this.ip && arp.senderIp !== this.ip) {
        this.arpCache.set(arp.senderIp, arp.senderMac);
        this.send(buildArp(arp.senderMac, this.mac, { op: ARP_REPLY, senderMac: this.mac, senderIp: this.ip, targetMac: arp.senderMac, targetIp: arp.senderIp }));
      } else if (known && arp.senderIp !== 0) {
        // Linux updates an existing neighbour entry from any ARP it sees (arp_accept=0 only
        // stops it creating new entries from gratuitous ARP).
        this.arpCache.set(arp.senderIp, arp.senderMac);
      } else if (arp.op === ARP_REPLY && macEquals(frame, 0, this.mac)) {
        this.arpCache.set(arp.senderIp, arp.senderMac);
      }
      return;
    }
    const ip = parseIpv4Frame(frame);
    if (!ip || ip.dst !== this.ip || isMulticastMac(frame)) return;
    this.received++;
    const back = this.arpCache.get(ip.src) ?? frame.slice(6, 12);
    if (ip.protocol === IPPROTO_ICMP) {
      if (ip.kind !== 8) return; // echo request only
      // The reply carries the request's data back (RFC 792), as ping expects: it reads its
      // send time there and counts a shorter reply as truncated.
      const data = ip.payloadLength - 8;
      const reply = buildIpv4({ dst: back, src: this.mac, protocol: IPPROTO_ICMP, srcIp: this.ip, dstIp: ip.src, kind: 0, icmpIdSeq: ip.icmpIdSeq, payload: data });
      const from = ip.ipOffset + (frame[ip.ipOffset] & 15) * 4 + 8;
      const icmp = 14 + 20;
      reply.set(frame.subarray(from, from + data), icmp + 8);
      writeU16(reply, icmp + 2, 0);
      writeU16(reply, icmp + 2, inetChecksum(reply, icmp, icmp + 8 + data));
      this.send(reply);
    } else {
      this.send(buildIpv4({
        dst: back, src: this.mac, protocol: ip.protocol, srcIp: this.ip, dstIp: ip.src,
        srcPort: ip.dstPort, dstPort: ip.srcPort, kind: ip.protocol === IPPROTO_TCP ? 0x10 : 0,
        data: frame.subarray(ip.dataOffset, ip.dataOffset + ip.dataLength),
      }));
    }
    this.replied++;
  }

  /** Sends an ARP request for `ip` (hosts resolve the gateway before talking to it). */
  resolve(ip: number): void {
    if (!this.up) return;
    this.send(buildArp(BROADCAST_MAC, this.mac, { op: ARP_REQUEST, senderMac: this.mac, senderIp: this.ip, targetMac: new Uint8Array(6), targetIp: ip }));
  }
}
