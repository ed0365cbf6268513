/**
 * The transmit hash of the bond (xmit_hash_policy), bit for bit as Linux computes it in
 * drivers/net/bonding/bond_main.c (bond_xmit_hash and its helpers) and, for the encap
 * policies, net/core/flow_dissector.c (__skb_flow_dissect with the bond's key set
 * flow_keys_bonding). balance-xor, 802.3ad and tlb pick the slave with
 * `hashToIndex(xmitHash(frame, length, policy), usableCount)`, as Linux does with
 * `slaves->arr[hash % count]`.
 *
 * Portable core: no Node modules, no timers, and no allocation per frame: the frame is read
 * in place with index arithmetic, and the few values the Linux helpers hand back through
 * pointers live in one module-level Int32Array (storing a 32-bit value there allocates
 * nothing, where a module-level `let` holding a number outside the small-integer range would
 * be boxed on every store by some engines).
 *
 * Speed: xmitHashAt takes a short path for the common frames (layer2: any untagged frame;
 * layer2+3: untagged IPv4 that is not ICMP; layer3+4: untagged IPv4 TCP/UDP with a 20-byte
 * header, not a fragment), small enough to be inlined into a caller's loop, and hands every
 * other frame to the full path; tests hold the two to the same results (xmitHashFull). It
 * reads a buffer that has a DataView kept for it (lib/frame-view.ts: the host stack's transmit
 * scratch) four bytes at a time, any other byte by byte. How the
 * paths were measured and sized against what V8 emits: bench/README.md (tx-select).
 *
 * How a frame maps onto Linux's sk_buff: the frame is a complete Ethernet frame without FCS.
 * If it carries an 802.1Q tag at offset 12 (the gateway's VLAN devices over the bond), that
 * tag is taken as hardware-accelerated VLAN metadata (skb->vlan_tci), as Linux has it when
 * the bond transmits: it is not packet data, so h_proto (skb->protocol) is the EtherType
 * after the tag and the network header starts right after it. Any further tag stays in the
 * data. Arithmetic is u32 as in C on a little-endian CPU: a `memcpy` of four wire bytes
 * b0..b3 into a u32 reads b0 | b1 << 8 | b2 << 16 | b3 << 24 (IPv4 addresses, ports).
 */

import { frameViewOf } from '../../lib/frame-view.ts';
import { XMIT_ENCAP23, XMIT_ENCAP34, XMIT_LAYER2, XMIT_LAYER23, XMIT_LAYER34, XMIT_VLAN_SRCMAC } from './options.ts';
/** xmit_hash_policy values, from the option table. */
export { XMIT_ENCAP23, XMIT_ENCAP34, XMIT_LAYER2, XMIT_LAYER23, XMIT_LAYER34, XMIT_VLAN_SRCMAC };
// The fast path's copies: a module's own constants are folded into compiled code, where an
// imported binding is loaded and checked on every use.
const LAYER2: number = XMIT_LAYER2, LAYER23: number = XMIT_LAYER23, LAYER34: number = XMIT_LAYER34;
const viewOf = frameViewOf;

// EtherTypes (include/uapi/linux/if_ether.h), host order.
const ETH_P_IP = 0x0800;
const ETH_P_ARP = 0x0806;
const ETH_P_BATMAN = 0x4305;
const ETH_P_TEB = 0x6558;
const ETH_P_RARP = 0x8035;
const ETH_P_8021Q = 0x8100;
const ETH_P_IPV6 = 0x86dd;
const ETH_P_MPLS_UC = 0x8847;
const ETH_P_MPLS_MC = 0x8848;
const ETH_P_PPP_SES = 0x8864;
const ETH_P_8021AD = 0x88a8;
const ETH_P_TIPC = 0x88ca;
const ETH_P_1588 = 0x88f7;
const ETH_P_PRP = 0x88fb;
const ETH_P_CFM = 0x8902;
const ETH_P_FCOE = 0x8906;
const ETH_P_HSR = 0x892f;
const GRE_PROTO_PPP = 0x880b;

// IP protocol numbers (include/uapi/linux/in.h, in6.h).
const IPPROTO_HOPOPTS = 0;
const IPPROTO_ICMP = 1;
const IPPROTO_IPIP = 4;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_DCCP = 33;
const IPPROTO_IPV6 = 41;
const IPPROTO_ROUTING = 43;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_GRE = 47;
const IPPROTO_ESP = 50;
const IPPROTO_AH = 51;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_DSTOPTS = 60;
const IPPROTO_SCTP = 132;
const IPPROTO_UDPLITE = 136;
const IPPROTO_MPLS = 137;
/** Bit p set for the IP protocols p (below 32) whose ports the layer3+4 fast paths read. */
const TCP_UDP_BITS = (1 << IPPROTO_TCP) | (1 << IPPROTO_UDP);

// Header sizes the dissectors insist on.
const ETH_HLEN = 14;
const IPV4_HLEN = 20; // sizeof(struct iphdr)
const IPV6_HLEN = 40; // sizeof(struct ipv6hdr)
const ICMP_HLEN = 8; // sizeof(struct icmphdr), sizeof(struct icmp6hdr)
const FCOE_HEADER_LEN = 38;
const PTP_HLEN = 34; // sizeof(struct ptp_header)
const HSR_HLEN = 6; // sizeof(struct hsr_tag)
const PPPOE_SES_HLEN = 8; // struct pppoe_hdr + the 2-byte PPP protocol
const BATADV_HLEN = 24; // struct batadv_unicast_packet (10) + struct ethhdr (14)
const BATADV_UNICAST = 0x40;
const BATADV_COMPAT_VERSION = 15;
/** MAX_FLOW_DISSECT_HDRS: how many times __skb_flow_dissect may go round again. */
const MAX_FLOW_DISSECT_HDRS = 15;
/**
 * NET_IP_ALIGN of the CPU Linux would run on. 0 as on x86; on CPUs where it is 2 the
 * dissector caps its linear length at the end of an Ethernet header carried in GRE (TEB),
 * which only changes the outcome for FCoE carried that way.
 */
const NET_IP_ALIGN: number = 0;

// __skb_flow_dissect's verdicts (enum flow_dissect_ret).
const RET_CONTINUE = 0, RET_PROTO_AGAIN = 1, RET_IPPROTO_AGAIN = 2, RET_OUT_GOOD = 3, RET_OUT_BAD = 4;

/**
 * The parts of struct flow_keys that bond_xmit_hash reads, and the two values bond_flow_ip
 * passes back through pointers. Addresses are kept as flow_get_u32_src/dst return them
 * (IPv4: the LE read of the address; IPv6: ipv6_addr_hash; TIPC: the key as src, 0 as dst).
 */
const K = new Int32Array(6);
const K_SRC = 0, K_DST = 1, K_PORTS = 2, K_ICMP = 3, K_NHOFF = 4, K_IPPROTO = 5;

/** Big-endian 16-bit field (ntohs of a __be16). */
function be16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

/** Four wire bytes as the little-endian CPU loads them (a __be32 used as a u32), int32. */
function le32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

/**
 * ipv6_addr_hash (include/net/ipv6.h): the XOR of the address's four 32-bit words as the
 * CPU loads them (the 64-bit variant folds to the same value).
 */
function ipv6AddrHash(b: Uint8Array, i: number): number {
  return le32(b, i) ^ le32(b, i + 4) ^ le32(b, i + 8) ^ le32(b, i + 12);
}

/**
 * __skb_flow_get_ports / skb_flow_get_ports (flow_dissector.c): the four bytes at the
 * protocol's port offset (proto_ports_offset: 0 for TCP, UDP, DCCP, ESP's SPI, SCTP,
 * UDP-Lite; 4 for AH's SPI), 0 for other protocols or when the frame ends before them.
 */
function flowGetPorts(b: Uint8Array, thoff: number, ipProto: number, end: number): number {
  let at: number;
  switch (ipProto) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
    case IPPROTO_DCCP:
    case IPPROTO_ESP:
    case IPPROTO_SCTP:
    case IPPROTO_UDPLITE:
      at = thoff;
      break;
    case IPPROTO_AH:
      at = thoff + 4;
      break;
    default:
      return 0;
  }
  return at + 4 <= end ? le32(b, at) : 0;
}

/**
 * icmp_has_id (flow_dissector.c): echo, echo reply, timestamp, timestamp reply and the two
 * ICMPv6 echo types. Linux checks these numbers whether the header is ICMP or ICMPv6, and
 * does not count information request/reply or address mask request/reply.
 */
function icmpHasId(type: number): boolean {
  return type === 0 || type === 8 || type === 13 || type === 14 || type === 128 || type === 129;
}

/**
 * skb_flow_get_icmp_tci (flow_dissector.c): type, code and the echo identifier (host
 * order; 1 when it is 0, since 0 means "no identifier") into the flow_keys icmp field,
 * {u8 type; u8 code; u16 id} read as one little-endian u32. Nothing is written when the
 * frame ends inside the 8-byte ICMP header.
 */
function flowGetIcmpTci(b: Uint8Array, thoff: number, end: number): void {
  if (thoff + ICMP_HLEN > end) return;
  const type = b[thoff];
  const id = icmpHasId(type) ? be16(b, thoff + 4) || 1 : 0;
  K[K_ICMP] = type | (b[thoff + 1] << 8) | (id << 16);
}

/** icmp_is_err (include/linux/icmp.h): dest unreachable, source quench, redirect, time exceeded, parameter problem. */
function icmpIsErr(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** icmpv6_is_err (include/linux/icmpv6.h): dest unreachable, packet too big, time exceeded, parameter problem. */
function icmpv6IsErr(type: number): boolean {
  return type >= 1 && type <= 4;
}

/**
 * bond_flow_ip (bond_main.c): the addresses of the IPv4 or IPv6 header at K[K_NHOFF], the
 * offset moved past it and K[K_IPPROTO] set to its protocol (left as it was for an IPv4
 * fragment, so a fragment has no ports); for layer3+4 the ports too. False when the
 * EtherType is neither IPv4 nor IPv6 or the fixed header does not fit. Unlike the flow
 * dissector this neither checks ihl nor walks IPv6 extension headers.
 */
function bondFlowIp(b: Uint8Array, end: number, l2Proto: number, l34: boolean): boolean {
  let nhoff = K[K_NHOFF];
  let ipProto = K[K_IPPROTO];
  if (l2Proto === ETH_P_IP) {
    if (nhoff + IPV4_HLEN > end) return false;
    K[K_SRC] = le32(b, nhoff + 12); // iph_to_flow_copy_v4addrs
    K[K_DST] = le32(b, nhoff + 16);
    const protocol = b[nhoff + 9];
    // ip_is_fragment: MF set or a fragment offset (frag_off & (IP_MF | IP_OFFSET)).
    const fragment = (be16(b, nhoff + 6) & 0x3fff) !== 0;
    nhoff += (b[nhoff] & 15) << 2; // ihl, whatever it says
    if (!fragment) ipProto = protocol;
  } else if (l2Proto === ETH_P_IPV6) {
    if (nhoff + IPV6_HLEN > end) return false;
    K[K_SRC] = ipv6AddrHash(b, nhoff + 8); // iph_to_flow_copy_v6addrs
    K[K_DST] = ipv6AddrHash(b, nhoff + 24);
    ipProto = b[nhoff + 6]; // nexthdr, no extension header walk
    nhoff += IPV6_HLEN;
  } else {
    return false;
  }
  K[K_NHOFF] = nhoff;
  K[K_IPPROTO] = ipProto;
  if (l34 && ipProto >= 0) K[K_PORTS] = flowGetPorts(b, nhoff, ipProto, end);
  return true;
}

/**
 * bond_flow_dissect (bond_main.c) for layer2+3 and layer3+4: bond_flow_ip on the network
 * header; for ICMP/ICMPv6 the type, code and id (skb_flow_get_icmp_tci), and for an ICMP
 * error bond_flow_ip once more on the header it quotes, so that the error is hashed with the
 * flow that caused it (its addresses and, for layer3+4, ports replace the outer ones). A
 * quoted header that does not fit makes the whole dissection fail (eth hash).
 */
function bondFlowDissect(b: Uint8Array, nhoff: number, end: number, l2Proto: number, l34: boolean): boolean {
  K[K_PORTS] = 0;
  K[K_ICMP] = 0;
  K[K_NHOFF] = nhoff;
  K[K_IPPROTO] = -1;
  if (!bondFlowIp(b, end, l2Proto, l34)) return false;
  const ipProto = K[K_IPPROTO];
  if (ipProto !== IPPROTO_ICMP && ipProto !== IPPROTO_ICMPV6) return true;
  const thoff = K[K_NHOFF];
  flowGetIcmpTci(b, thoff, end);
  const type = K[K_ICMP] & 0xff;
  if (ipProto === IPPROTO_ICMP ? !icmpIsErr(type) : !icmpv6IsErr(type)) return true;
  K[K_NHOFF] = thoff + ICMP_HLEN; // sizeof(struct icmphdr) == sizeof(struct icmp6hdr)
  return bondFlowIp(b, end, l2Proto, l34);
}

/**
 * __skb_flow_dissect (flow_dissector.c) with flow_keys_bonding (keys: control, basic, IPv4
 * and IPv6 addresses, TIPC, ports, ICMP, VLAN, flow label, GRE key id) and flags 0, as
 * bond_flow_dissect calls it for encap2+3 and encap3+4: it skips VLAN tags, PPPoE, HSR/PRP
 * and batman-adv headers, walks IPv6 extension headers, and descends into IP-in-IP,
 * IPv6-in-IP and GRE (version 0, or version 1 PPTP carrying PPP), so the addresses and ports
 * are those of the innermost IP header. Fragments stop it with no ports. It does not parse
 * UDP tunnels. Some EtherTypes it knows are a success without any address (ARP, RARP, MPLS,
 * FCoE, PTP, CFM, PPP control): the hash then has no address part. Unknown ones fail.
 * One loop, bounded as Linux bounds it by MAX_FLOW_DISSECT_HDRS.
 *
 * Two Linux details kept: when the frame has a VLAN tag as metadata, the first VLAN
 * EtherType met takes skb->protocol instead of reading a tag (so a tag in the data is read
 * on the next round); TIPC keepalive messages get a random key in Linux, here the same key
 * as other TIPC messages (source node, word 3), since a random number cannot be reproduced.
 */
function flowDissect(b: Uint8Array, nhoff: number, end: number, proto: number, tagged: boolean, skbProtocol: number): boolean {
  K[K_SRC] = 0;
  K[K_DST] = 0;
  K[K_PORTS] = 0;
  K[K_ICMP] = 0;
  let hlen = end;
  let ipProto = 0;
  let numHdrs = 0;
  let vlanKeys = 0; // dissector_vlan: 0 none yet, 1 KEY_VLAN, 2 KEY_CVLAN
  let fragment = false;
  protoAgain: for (;;) {
    let ret = RET_CONTINUE;
    switch (proto) {
      case ETH_P_IP: {
        if (nhoff + IPV4_HLEN > end) return false;
        const ihl = b[nhoff] & 15;
        if (ihl < 5) return false;
        ipProto = b[nhoff + 9];
        K[K_SRC] = le32(b, nhoff + 12);
        K[K_DST] = le32(b, nhoff + 16);
        // Any fragment ends the walk (no FLOW_DISSECTOR_F_PARSE_1ST_FRAG), before the ports.
        if ((be16(b, nhoff + 6) & 0x3fff) !== 0) return true;
        nhoff += ihl << 2;
        break;
      }
      case ETH_P_IPV6:
        if (nhoff + IPV6_HLEN > end) return false;
        ipProto = b[nhoff + 6];
        K[K_SRC] = ipv6AddrHash(b, nhoff + 8);
        K[K_DST] = ipv6AddrHash(b, nhoff + 24);
        nhoff += IPV6_HLEN;
        break;
      case ETH_P_8021Q:
      case ETH_P_8021AD:
        if (vlanKeys === 0 && tagged) {
          proto = skbProtocol;
        } else {
          if (nhoff + 4 > end) return false;
          proto = be16(b, nhoff + 2);
          nhoff += 4;
        }
        if (vlanKeys < 2) vlanKeys++;
        ret = RET_PROTO_AGAIN;
        break;
      case ETH_P_PPP_SES: {
        if (nhoff + PPPOE_SES_HLEN > end) return false;
        // is_pppoe_ses_hdr_valid: version 1, type 1 (one byte 0x11), code 0.
        if (b[nhoff] !== 0x11 || b[nhoff + 1] !== 0) return false;
        const pppProto = be16(b, nhoff + 6);
        nhoff += PPPOE_SES_HLEN;
        if (pppProto === 0x0021) proto = ETH_P_IP;
        else if (pppProto === 0x0057) proto = ETH_P_IPV6;
        else if (pppProto === 0x0281) proto = ETH_P_MPLS_UC;
        else if (pppProto === 0x0283) proto = ETH_P_MPLS_MC;
        else if ((pppProto & 0x0101) === 0x0001) return true; // ppp_proto_is_valid: other PPP traffic
        else return false; // includes a compressed (PFC) protocol field
        ret = RET_PROTO_AGAIN;
        break;
      }
      case ETH_P_TIPC:
        if (nhoff + 16 > end) return false;
        // tipc_hdr_rps_key: the source node (w[3]). For keepalives (w[0] & KEEPALIVE_MSG_MASK
        // all set) Linux takes get_random_bytes instead; see above.
        K[K_SRC] = le32(b, nhoff + 12);
        K[K_DST] = 0; // flow_get_u32_dst has no TIPC case
        return true;
      case ETH_P_MPLS_UC:
      case ETH_P_MPLS_MC:
        // __skb_flow_dissect_mpls stops at once: the bond asks for no MPLS key.
        return true;
      case ETH_P_FCOE:
        return hlen - nhoff >= FCOE_HEADER_LEN;
      case ETH_P_ARP:
      case ETH_P_RARP:
        // __skb_flow_dissect_arp: no ARP key asked for, so a success with nothing read.
        return true;
      case ETH_P_BATMAN:
        // __skb_flow_dissect_batadv: a unicast packet, then an inner Ethernet header.
        if (nhoff + BATADV_HLEN > end) return false;
        if (b[nhoff + 1] !== BATADV_COMPAT_VERSION || b[nhoff] !== BATADV_UNICAST) return false;
        proto = be16(b, nhoff + 22);
        nhoff += BATADV_HLEN;
        ret = RET_PROTO_AGAIN;
        break;
      case ETH_P_1588:
        return nhoff + PTP_HLEN <= end;
      case ETH_P_PRP:
      case ETH_P_HSR:
        if (nhoff + HSR_HLEN > end) return false;
        proto = be16(b, nhoff + 4); // hsr_tag.encap_proto
        nhoff += HSR_HLEN;
        ret = RET_PROTO_AGAIN;
        break;
      case ETH_P_CFM:
        // __skb_flow_dissect_cfm: no CFM key asked for.
        return true;
      default:
        return false;
    }
    if (ret === RET_PROTO_AGAIN) {
      if (++numHdrs <= MAX_FLOW_DISSECT_HDRS) continue protoAgain;
      return true;
    }
    // ip_proto_again
    for (;;) {
      ret = RET_CONTINUE;
      switch (ipProto) {
        case IPPROTO_GRE: {
          // __skb_flow_dissect_gre
          if (nhoff + 4 > end) return false;
          const flags = be16(b, nhoff);
          if (flags & 0x4000) {
            ret = RET_OUT_GOOD; // GRE_ROUTING: not looked into
            break;
          }
          const version = flags & 7;
          if (version > 1) {
            ret = RET_OUT_GOOD;
            break;
          }
          proto = be16(b, nhoff + 2);
          // Version 1 must be PPTP: PPP with a key.
          if (version === 1 && !(proto === GRE_PROTO_PPP && flags & 0x2000)) {
            ret = RET_OUT_GOOD;
            break;
          }
          let offset = 4;
          if (flags & 0x8000) offset += 4; // GRE_CSUM: checksum + reserved1
          if (flags & 0x2000) {
            // GRE_KEY
            if (nhoff + offset + 4 > end) return false;
            offset += 4;
          }
          if (flags & 0x1000) offset += 4; // GRE_SEQ
          if (version === 0) {
            if (proto === ETH_P_TEB) {
              if (nhoff + offset + ETH_HLEN > end) return false;
              proto = be16(b, nhoff + offset + 12);
              offset += ETH_HLEN;
              if (NET_IP_ALIGN) hlen = nhoff + offset;
            }
          } else {
            if (flags & 0x0080) offset += 4; // GRE_ACK
            if (nhoff + offset + 4 > end) return false;
            const ppp = be16(b, nhoff + offset + 2); // PPP_PROTOCOL
            if (ppp === 0x0021) proto = ETH_P_IP;
            else if (ppp === 0x0057) proto = ETH_P_IPV6;
            offset += 4; // PPP_HDRLEN
          }
          nhoff += offset;
          ret = RET_PROTO_AGAIN;
          break;
        }
        case IPPROTO_HOPOPTS:
        case IPPROTO_ROUTING:
        case IPPROTO_DSTOPTS:
          if (proto !== ETH_P_IPV6) break;
          if (nhoff + 2 > end) return false;
          ipProto = b[nhoff];
          nhoff += (b[nhoff + 1] + 1) << 3;
          ret = RET_IPPROTO_AGAIN;
          break;
        case IPPROTO_FRAGMENT:
          if (proto !== ETH_P_IPV6) break;
          if (nhoff + 8 > end) return false;
          fragment = true;
          ipProto = b[nhoff];
          nhoff += 8;
          ret = RET_OUT_GOOD;
          break;
        case IPPROTO_IPIP:
          proto = ETH_P_IP;
          ret = RET_PROTO_AGAIN;
          break;
        case IPPROTO_IPV6:
          proto = ETH_P_IPV6;
          ret = RET_PROTO_AGAIN;
          break;
        case IPPROTO_MPLS:
          proto = ETH_P_MPLS_UC;
          ret = RET_PROTO_AGAIN;
          break;
        case IPPROTO_ICMP:
        case IPPROTO_ICMPV6:
          flowGetIcmpTci(b, nhoff, end); // __skb_flow_dissect_icmp
          break;
        default:
          break;
      }
      // __skb_flow_dissect_ports, on every round that is not a fragment.
      if (!fragment) K[K_PORTS] = flowGetPorts(b, nhoff, ipProto, end);
      if (ret === RET_PROTO_AGAIN) {
        if (++numHdrs <= MAX_FLOW_DISSECT_HDRS) continue protoAgain;
        return true;
      }
      if (ret === RET_IPPROTO_AGAIN) {
        if (++numHdrs <= MAX_FLOW_DISSECT_HDRS) continue;
        return true;
      }
      return ret !== RET_OUT_BAD;
    }
  }
}

/**
 * __bond_xmit_hash (bond_main.c), returned as an int32. `n` is the usable length.
 * - vlan+srcmac, bond_vlan_srcmac_hash: source MAC vendor half ^ device half ^ the VLAN tag
 *   (skb_vlan_tag_get, the whole 16-bit TCI with priority and DEI bits, as Linux uses it).
 * - layer2, bond_eth_hash: h_dest[5] ^ h_source[5] ^ h_proto.
 * - the others: bond_flow_dissect, falling back to bond_eth_hash when it fails; then the
 *   start value (eth hash for 2+3, ICMP id/type/code or ports for 3+4) goes through
 *   bond_ip_hash: ^ daddr ^ saddr, fold the high halves down, and drop bit 0 for 3+4
 *   (ports of many flows differ only in parity).
 * Every policy gives 0 for a frame shorter than an Ethernet header (bond_pull_data fails).
 */
function hashInto(b: Uint8Array, o: number, n: number, policy: number): number {
  if (!(n >= ETH_HLEN)) return 0;
  // The outer 802.1Q tag is skb metadata; it needs room for a whole header after it.
  const tagged = n >= ETH_HLEN + 4 && b[o + 12] === 0x81 && b[o + 13] === 0x00;
  const et = tagged ? o + 16 : o + 12;
  const end = o + n;
  const l2Proto = (b[et] << 8) | b[et + 1];
  const ethHash = b[o + 5] ^ b[o + 11] ^ l2Proto;
  if (policy === XMIT_LAYER2) return ethHash;
  let ok: boolean;
  switch (policy) {
    case XMIT_VLAN_SRCMAC: {
      const vendor = (b[o + 6] << 16) | (b[o + 7] << 8) | b[o + 8];
      const dev = (b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11];
      return (tagged ? be16(b, o + 14) : 0) ^ vendor ^ dev;
    }
    case XMIT_LAYER23:
    case XMIT_LAYER34:
      ok = bondFlowDissect(b, et + 2, end, l2Proto, policy === XMIT_LAYER34);
      break;
    case XMIT_ENCAP23:
    case XMIT_ENCAP34:
      ok = flowDissect(b, et + 2, end, l2Proto, tagged, l2Proto);
      break;
    default: // anything unknown hashes as the default policy, layer2
      ok = false;
      break;
  }
  if (!ok) return ethHash;
  const l34 = policy === XMIT_LAYER34 || policy === XMIT_ENCAP34;
  const icmp = K[K_ICMP];
  let h = !l34 ? ethHash : icmp >>> 16 !== 0 ? icmp : K[K_PORTS];
  // bond_ip_hash
  h ^= K[K_DST] ^ K[K_SRC];
  h ^= h >>> 16;
  h ^= h >>> 8;
  return l34 ? h >>> 1 : h;
}

/** Offsets up to this take the fast paths: no index sum of theirs can then overflow an int32. */
const OFFSET_MAX = 0x3fffffff;

/**
 * bond_xmit_hash for the frame of `length` bytes starting at `offset` in `buf` (frames
 * stored back to back). Returns an unsigned 32-bit number. Never throws; bytes past
 * `length` (or past the end of `buf`) are never read. Linux returns skb->hash instead for
 * encap3+4 when the stack has already computed an L4 hash (skb->l4_hash); frames the gateway
 * builds carry none, so that case does not arise here.
 *
 * The common frames take a fast path, small enough to be inlined into a caller's loop:
 * layer2 (any untagged frame), layer2+3 (untagged IPv4, not ICMP) and layer3+4 (untagged
 * IPv4 TCP/UDP, 20-byte header, not a fragment) through the DataView kept for `buf`
 * (lib/frame-view.ts: the host stack's transmit scratch has one), 2 and 4 bytes a read, or
 * byte by byte for a buffer without one. Everything else, and anything a fast path
 * is unsure of, goes to the full path (xmitHashFull), whose results the fast paths give bit
 * for bit. The fast paths return int32s and the u32 is made here, once (layer2's through the
 * view is 16 bits at most, so it goes out as it is).
 */
export function xmitHashAt(buf: Uint8Array, offset: number, length: number, policy: number): number {
  const view = viewOf(buf);
  // Below 2^30 no index sum of the fast paths can overflow an int32, so the compiler drops
  // its overflow checks; a larger offset takes the full path.
  const o = offset & OFFSET_MAX;
  if (o === offset) {
    if (view !== undefined && policy === LAYER2) {
      // h_dest[5] ^ h_source[5] ^ h_proto of a frame without an outer 802.1Q tag; one read
      // gives h_source[4..5] and h_proto. Bounded by the view's own checks (it spans the
      // whole buffer): a header that runs past the buffer's end, or a buffer detached since,
      // throws here and goes to the full path, which bounds the frame byte by byte. So this
      // path does not touch the typed array at all: no map check, length load or bytes-left
      // compare per frame, which is what brought layer2 from 2.2x to 1.85x C (bench/README.md).
      // Such a throw is a caller's error or a dead buffer; V8 deoptimizes at the first one and
      // then compiles the read with a branch to the throw (no deoptimization loop: checked).
      if (length >= ETH_HLEN) {
        try {
          const w = view.getUint32(o + 10);
          if ((w & 0xffff) !== ETH_P_8021Q) return view.getUint8(o + 5) ^ ((w >>> 16) & 0xff) ^ (w & 0xffff);
        } catch {
          // past the end of the buffer, or the buffer detached: the full path says
        }
      }
    } else {
      // The bytes from `o` to the end of the buffer, its length read as an int32 (one load):
      // exact below 2^31, 0 or less for a larger typed array (the full path then) and 0 once
      // the buffer is detached.
      const avail = ((buf.length | 0) - o) | 0;
      if (avail > 0) {
        if (view !== undefined) {
          if (policy === LAYER34 || policy === LAYER23) return ipv4View(buf, view, o, length < avail ? length : avail, policy) >>> 0;
        } else {
          const n = length < avail ? length : avail;
          if (policy === LAYER2) return layer2At(buf, o, n) >>> 0;
          if (policy === LAYER34 || policy === LAYER23) return ipv4At(buf, o, n, policy) >>> 0;
        }
      }
    }
  }
  return xmitHashFull(buf, offset, length, policy);
}

// The fast paths: arrow functions held in consts (compiled callers need not check on every
// frame that the binding still holds them), each small. V8 counts what a function has
// inlined against its callers' budget, so xmitHashAt and the paths a caller uses must stay
// small together for the caller's loop to inline them; a path V8 leaves as a call still
// costs no allocation: they return int32s (small integers), the u32 is made in xmitHashAt.

/**
 * layer2+3 or layer3+4 of the `n` usable bytes at `o` through a DataView, for the frames of
 * ipv4At: a big-endian getUint32 at 12 gives h_proto, version/ihl and tos in one read, one
 * at 20 frag_off, ttl and protocol; a little-endian getInt32 loads four wire bytes as Linux's
 * u32 loads do (addresses, ports).
 */
const ipv4View = (b: Uint8Array, v: DataView, o: number, n: number, policy: number): number => {
  if (n >= ETH_HLEN + IPV4_HLEN) {
    const l34 = policy === LAYER34;
    const w12 = v.getUint32(o + 12);
    const w20 = v.getUint32(o + 20);
    const proto = w20 & 0xff;
    if (l34
      ? n >= ETH_HLEN + IPV4_HLEN + 4 && w12 >>> 8 === 0x080045 && (w20 & 0x3fff0000) === 0 && ((TCP_UDP_BITS >>> proto) & ((proto - 32) >>> 31)) !== 0
      : w12 >>> 16 === ETH_P_IP && proto !== IPPROTO_ICMP && proto !== IPPROTO_ICMPV6) {
      let h = (l34 ? v.getInt32(o + 34, true) : v.getUint8(o + 5) ^ v.getUint8(o + 11) ^ ETH_P_IP) ^ v.getInt32(o + 26, true) ^ v.getInt32(o + 30, true);
      h ^= h >>> 16;
      h ^= h >>> 8;
      return l34 ? h >>> 1 : h;
    }
  }
  return hashInto(b, o, n, policy);
};

/**
 * layer2+3 or layer3+4 of the `n` usable bytes at `o`, byte by byte (a buffer without a
 * kept DataView), for an untagged IPv4 frame that needs no more than its own header: for 3+4
 * a 20-byte header (version 4, ihl 5: the ports at a fixed place; other lengths take the
 * full path), not a fragment (MF and offset 0), TCP or UDP (tested by arithmetic: a branch
 * per protocol is mispredicted on a mix of the two), ports in the frame; for 2+3 anything
 * but ICMP (only an ICMP error changes the addresses layer2+3 takes; a fragment is hashed
 * like any other datagram). bond_ip_hash of the start value: the ports for 3+4, the eth
 * hash (h_dest[5] ^ h_source[5] ^ 0x0800) for 2+3. Anything else goes to hashInto.
 */
const ipv4At = (b: Uint8Array, o: number, n: number, policy: number): number => {
  if (n >= ETH_HLEN + IPV4_HLEN && b[o + 12] === 0x08 && b[o + 13] === 0x00) {
    const l34 = policy === LAYER34;
    const proto = b[o + 23];
    if (l34
      ? n >= ETH_HLEN + IPV4_HLEN + 4 && b[o + 14] === 0x45 && ((b[o + 20] & 0x3f) | b[o + 21]) === 0 && ((TCP_UDP_BITS >>> proto) & ((proto - 32) >>> 31)) !== 0
      : proto !== IPPROTO_ICMP && proto !== IPPROTO_ICMPV6) {
      // The start value, then ^ daddr ^ saddr: little-endian loads of the wire bytes, XORed
      // bytewise before they are placed; folded.
      let h = (l34 ? b[o + 34] | (b[o + 35] << 8) | (b[o + 36] << 16) | (b[o + 37] << 24) : b[o + 5] ^ b[o + 11] ^ ETH_P_IP)
        ^ ((b[o + 26] ^ b[o + 30]) | ((b[o + 27] ^ b[o + 31]) << 8) | ((b[o + 28] ^ b[o + 32]) << 16) | ((b[o + 29] ^ b[o + 33]) << 24));
      h ^= h >>> 16;
      h ^= h >>> 8;
      return l34 ? h >>> 1 : h;
    }
  }
  return hashInto(b, o, n, policy);
};

/** layer2 read byte by byte, for a buffer without a kept view. */
const layer2At = (b: Uint8Array, o: number, n: number): number => {
  if (n >= ETH_HLEN) {
    const hi = b[o + 12], lo = b[o + 13]; // h_proto, read once
    if (!(hi === 0x81 && lo === 0x00)) return b[o + 5] ^ b[o + 11] ^ ((hi << 8) | lo);
  }
  return hashInto(b, o, n, LAYER2);
};

/** bond_xmit_hash by the full path alone (the fast path of xmitHashAt is held to it in tests). */
export function xmitHashFull(buf: Uint8Array, offset: number, length: number, policy: number): number {
  const avail = buf.length - offset;
  return hashInto(buf, offset, length < avail ? length : avail, policy) >>> 0;
}

/** Linux's bond_xmit_hash for a frame as the bond sees it. Returns an unsigned 32-bit number. */
export function xmitHash(frame: Uint8Array, length: number, policy: number): number {
  return xmitHashAt(frame, 0, length, policy);
}

/**
 * The usable slave a hash selects: `hash % count` on u32 (bond_xmit_3ad_xor_slave_get:
 * `slaves->arr[hash % count]`). `count` must be at least 1.
 */
export function hashToIndex(hash: number, count: number): number {
  // Both sides and the result as u32, so that the compiler divides integers even when it has
  // seen hashes above 2^31 (held as doubles) go by.
  return ((hash >>> 0) % (count >>> 0)) >>> 0;
}
