/**
 * Marvell DSA and EtherType-DSA (EDSA) management tags: the 4-byte tag the switch puts in
 * place of the EtherType on frames to and from its CPU port. Pure codec, no allocation:
 * callers pass reusable `DsaTag` objects and output buffers.
 *
 * Layout (`net/dsa/tag_dsa.c`), at byte 12, after the source MAC:
 *   byte 0: 7:6 command, 5 original frame was 802.1Q-tagged, 4:0 source/target device
 *   byte 1: 7:3 port (or trunk ID), 2 trunk flag (FORWARD) / code bit 2 (TO_CPU),
 *           1 code bit 1 (TO_CPU), 0 CFI of the original 802.1Q tag
 *   byte 2: 7:5 PCP, 4 code bit 0 (TO_CPU; otherwise 0), 3:0 VID[11:8]
 *   byte 3: VID[7:0]
 * EDSA puts 0xDADA 0x0000 (EtherType, reserved) before those 4 bytes.
 */

/** tag_dsa.c: enum dsa_cmd. */
export const DSA_CMD_TO_CPU = 0;
export const DSA_CMD_FROM_CPU = 1;
export const DSA_CMD_TO_SNIFFER = 2;
export const DSA_CMD_FORWARD = 3;

/** tag_dsa.c: enum dsa_code (TO_CPU reasons). */
export const DSA_CODE_MGMT_TRAP = 0;
export const DSA_CODE_FRAME2REG = 1;
export const DSA_CODE_IGMP_MLD_TRAP = 2;
export const DSA_CODE_POLICY_TRAP = 3;
export const DSA_CODE_ARP_MIRROR = 4;
export const DSA_CODE_POLICY_MIRROR = 5;

/** tag_dsa.c: DSA_HLEN. */
export const DSA_HLEN = 4;
/** tag_dsa.c: EDSA_HLEN (EtherType + 2 reserved bytes + the DSA tag). */
export const EDSA_HLEN = 8;
/** include/uapi/linux/if_ether.h: ETH_P_EDSA. */
export const ETH_P_EDSA = 0xdada;
const ETH_P_8021Q = 0x8100;
/** Offset of the tag: right after destination and source MAC. */
const TAG_OFFSET = 12;

export type TagMode = 'dsa' | 'edsa';

/** decodeTag failures (negative return values). */
export const TAG_ERR_SHORT = -1;
export const TAG_ERR_ETHERTYPE = -2;
export const TAG_ERR_LENGTH = -3;

/** Name of a decodeTag failure, for counters and logs. */
export function tagErrorName(code: number): 'short' | 'bad-ethertype' | 'bad-length' | 'ok' {
  switch (code) {
    case TAG_ERR_SHORT:
      return 'short';
    case TAG_ERR_ETHERTYPE:
      return 'bad-ethertype';
    case TAG_ERR_LENGTH:
      return 'bad-length';
    default:
      return 'ok';
  }
}

/** Decoded tag fields. Reuse one object per receive path; decodeTag overwrites every field. */
export class DsaTag {
  /** DSA_CMD_*. */
  command = 0;
  /** Source (TO_CPU, FORWARD) or target (FROM_CPU) device number. */
  device = 0;
  /** Source or target port; the trunk ID when `trunk` is set. */
  port = 0;
  /** FORWARD only: `port` is a trunk ID (the frame came in on, or goes to, a trunk). */
  trunk = false;
  /** TO_CPU only: DSA_CODE_*; 0 otherwise. */
  code = 0;
  /** The original frame carried an 802.1Q tag; vid/pcp/cfi are its TCI. */
  tagged = false;
  vid = 0;
  pcp = 0;
  cfi = false;
}

/**
 * Copies src[from, to) to dst at `at` without allocating (subarray would create a view per
 * frame). Overlap within one buffer is handled as memmove does.
 */
function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, from: number, to: number): void {
  if (dst === src) {
    dst.copyWithin(at, from, to);
    return;
  }
  if (dst.buffer === src.buffer) {
    dst.set(src.subarray(from, to), at); // distinct views of one buffer: rare, let set() sort out overlap
    return;
  }
  for (let i = from; i < to; i++) dst[at++] = src[i];
}

/** Length of the tag for `mode`. */
export function tagLength(mode: TagMode): number {
  return mode === 'edsa' ? EDSA_HLEN : DSA_HLEN;
}

/**
 * Decodes the tag of a frame received from the CPU port. Returns the number of tag bytes at
 * offset 12 (4 for DSA, 8 for EDSA) or a negative TAG_ERR_* code; never throws. Every
 * command is decoded: deciding which commands are acceptable is the caller's business.
 */
export function decodeTag(frame: Uint8Array, length: number, mode: TagMode, out: DsaTag): number {
  if (!(length >= 0 && length <= frame.length && (length | 0) === length)) return TAG_ERR_LENGTH;
  const hlen = mode === 'edsa' ? EDSA_HLEN : DSA_HLEN;
  // The tag must be followed by at least the (inner) EtherType.
  if (length < TAG_OFFSET + hlen + 2) return TAG_ERR_SHORT;
  let o = TAG_OFFSET;
  if (mode === 'edsa') {
    // Linux does not check the reserved bytes either; they carry nothing we use.
    if (((frame[o] << 8) | frame[o + 1]) !== ETH_P_EDSA) return TAG_ERR_ETHERTYPE;
    o += 4;
  }
  const b0 = frame[o];
  const b1 = frame[o + 1];
  const b2 = frame[o + 2];
  const b3 = frame[o + 3];
  const command = b0 >> 6;
  out.command = command;
  out.tagged = (b0 & 0x20) !== 0;
  out.device = b0 & 0x1f;
  out.port = b1 >> 3;
  out.trunk = command === DSA_CMD_FORWARD && (b1 & 0x04) !== 0;
  // tag_dsa.c dsa_rcv_ll: code = (dsa_header[1] & 0x6) | ((dsa_header[2] >> 4) & 1)
  out.code = command === DSA_CMD_TO_CPU ? (b1 & 0x06) | ((b2 >> 4) & 1) : 0;
  out.cfi = (b1 & 0x01) !== 0;
  out.pcp = b2 >> 5;
  out.vid = ((b2 & 0x0f) << 8) | b3;
  return hlen;
}

/**
 * Writes the frame without its tag into `out` (from offset 0) and returns the new length, or
 * -1 when `out` is too small. When the tag says the original frame was 802.1Q-tagged, the
 * 802.1Q tag is rebuilt from the tag's TCI (tag_dsa.c moves CFI back from byte 1 bit 0).
 * `hlen` is decodeTag's return value.
 */
export function stripTag(frame: Uint8Array, length: number, hlen: number, tag: DsaTag, out: Uint8Array): number {
  const rest = length - TAG_OFFSET - hlen;
  if (rest < 0) return -1;
  const newLength = TAG_OFFSET + (tag.tagged ? 4 : 0) + rest;
  if (out.length < newLength) return -1;
  copyBytes(out, 0, frame, 0, TAG_OFFSET);
  let o = TAG_OFFSET;
  if (tag.tagged) {
    out[o++] = ETH_P_8021Q >> 8;
    out[o++] = ETH_P_8021Q & 0xff;
    out[o++] = (tag.pcp << 5) | (tag.cfi ? 0x10 : 0) | ((tag.vid >> 8) & 0x0f);
    out[o++] = tag.vid & 0xff;
  }
  copyBytes(out, o, frame, TAG_OFFSET + hlen, length);
  return newLength;
}

/**
 * Writes `frame` with a tag into `out` and returns the tagged length, or -1 when the frame is
 * shorter than an Ethernet header or `out` is too small. As tag_dsa.c dsa_xmit_ll does, an
 * 802.1Q-tagged frame keeps its TCI in the tag (tagged bit set, CFI moved to byte 1 bit 0)
 * and loses the 0x8100 TPID; an untagged frame gets `tag.vid`/`tag.pcp` and the tagged bit
 * clear. `tag.command`, `device`, `port`, `trunk` and `code` are written as given. `out` may
 * be `frame` (encoding in place) when the buffer has room for the tag.
 */
export function encodeTag(out: Uint8Array, frame: Uint8Array, length: number, mode: TagMode, tag: DsaTag): number {
  if (!(length >= 14 && length <= frame.length)) return -1;
  const extra = mode === 'edsa' ? EDSA_HLEN - DSA_HLEN : 0;
  const dot1q = length >= 18 && frame[12] === ETH_P_8021Q >> 8 && frame[13] === (ETH_P_8021Q & 0xff);
  // A tagged frame's 802.1Q tag becomes the DSA tag; an untagged frame grows by 4.
  const newLength = length + extra + (dot1q ? 0 : DSA_HLEN);
  if (out.length < newLength) return -1;
  const restFrom = dot1q ? 16 : 12;
  // Read the TCI before moving bytes, so that `out` may be `frame` itself.
  const t2 = frame[14];
  const t3 = frame[15];
  copyBytes(out, TAG_OFFSET + extra + DSA_HLEN, frame, restFrom, length);
  if (out !== frame) copyBytes(out, 0, frame, 0, TAG_OFFSET);
  let o = TAG_OFFSET;
  if (extra) {
    out[o++] = ETH_P_EDSA >> 8;
    out[o++] = ETH_P_EDSA & 0xff;
    out[o++] = 0;
    out[o++] = 0;
  }
  const command = tag.command & 3;
  let b1 = (tag.port & 0x1f) << 3;
  if (command === DSA_CMD_FORWARD && tag.trunk) b1 |= 0x04;
  let b2: number;
  let b3: number;
  let tagged: boolean;
  if (dot1q) {
    tagged = true;
    b3 = t3;
    if (t2 & 0x10) b1 |= 0x01; // CFI/DEI moves to byte 1 bit 0
    b2 = t2 & ~0x10;
  } else {
    tagged = false;
    if (tag.cfi) b1 |= 0x01;
    b2 = ((tag.pcp & 7) << 5) | ((tag.vid >> 8) & 0x0f);
    b3 = tag.vid & 0xff;
  }
  if (command === DSA_CMD_TO_CPU) {
    b1 = (b1 & ~0x06) | (tag.code & 0x06);
    b2 |= (tag.code & 1) << 4;
  }
  out[o++] = (command << 6) | (tagged ? 0x20 : 0) | (tag.device & 0x1f);
  out[o++] = b1;
  out[o++] = b2;
  out[o++] = b3;
  return newLength;
}

const scratchTag = new DsaTag();

function fillScratch(command: number, device: number, port: number, trunk: boolean, vid: number): DsaTag {
  const t = scratchTag;
  t.command = command;
  t.device = device;
  t.port = port;
  t.trunk = trunk;
  t.code = 0;
  t.tagged = false;
  t.vid = vid;
  t.pcp = 0;
  t.cfi = false;
  return t;
}

/**
 * FROM_CPU: send `frame` out of switch port `port` of device `device`. The switch bypasses
 * VLAN and STP state for it (tag_dsa.c). `vid` applies to untagged frames only: Linux uses 0
 * for standalone ports (MV88E6XXX_VID_STANDALONE). Returns the tagged length or -1.
 */
export function encodeFromCpu(out: Uint8Array, frame: Uint8Array, length: number, mode: TagMode, port: number, device = 0, vid = 0): number {
  return encodeTag(out, frame, length, mode, fillScratch(DSA_CMD_FROM_CPU, device, port, false, vid));
}

/**
 * FORWARD: a frame the switch handles as if it had come in on `port` (or on trunk `port`
 * when `trunk` is set) of device `device`. Returns the tagged length or -1.
 */
export function encodeForward(out: Uint8Array, frame: Uint8Array, length: number, mode: TagMode, port: number, trunk = false, device = 0, vid = 0): number {
  return encodeTag(out, frame, length, mode, fillScratch(DSA_CMD_FORWARD, device, port, trunk, vid));
}
