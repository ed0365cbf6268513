/**
 * The MediaTek special tag (Linux net/dsa/tag_mtk.c): 4 bytes at offset 12, after the source
 * MAC, on frames between the CPU and a MT7530/MT7531 CPU port whose PVC has PORT_SPEC_TAG.
 * Pure codec: no allocation; callers pass the output buffer.
 *
 * To the switch (mtk_tag_xmit):
 *   byte 0: MTK_HDR_XMIT_UNTAGGED (0), or TAGGED_TPID_8100 (1) / TAGGED_TPID_88A8 (2) when the
 *           frame carries a VLAN header: the tag then takes the TPID's place and bytes 2-3 are
 *           the VLAN TCI, kept as they were (a tagged frame keeps its length)
 *   byte 1: destination port bitmap, BIT(port) & MTK_HDR_XMIT_DP_BIT_MASK (ports 0-5)
 *   bytes 2-3: 0 for an untagged frame (the tag is inserted: the frame grows by 4)
 * From the switch (mtk_tag_rcv): the tag is inserted; the source port is
 *   (bytes 0-1 as a big-endian 16-bit word) & MTK_HDR_RECV_SOURCE_PORT_MASK (bits 2:0),
 *   and the tag's 4 bytes are removed.
 */
export const MTK_HDR_LEN = 4;
export const MTK_HDR_XMIT_UNTAGGED = 0;
export const MTK_HDR_XMIT_TAGGED_TPID_8100 = 1;
export const MTK_HDR_XMIT_TAGGED_TPID_88A8 = 2;
export const MTK_HDR_RECV_SOURCE_PORT_MASK = 0x7;
export const MTK_HDR_XMIT_DP_BIT_MASK = 0x3f;
/** Ports a transmit tag can name: bits 5:0 of the bitmap. */
export const MTK_XMIT_MAX_PORT = 5;

const TAG_OFFSET = 12;
const ETH_P_8021Q = 0x8100;
const ETH_P_8021AD = 0x88a8;

/** decodeRecv failures. */
export const MTK_ERR_SHORT = -1;
export const MTK_ERR_LENGTH = -2;

function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, from: number, to: number): void {
  if (dst === src) {
    dst.copyWithin(at, from, to);
    return;
  }
  for (let i = from; i < to; i++) dst[at++] = src[i];
}

/**
 * Writes `frame` with a transmit tag for `port` into `out`; returns the tagged length, or -1
 * when the frame is shorter than an Ethernet header, the port cannot be named (0-5 only) or
 * `out` is too small. `out` may be `frame` when it has room for 4 more bytes.
 */
export function encodeXmit(out: Uint8Array, frame: Uint8Array, length: number, port: number): number {
  if (!(length >= 14 && length <= frame.length) || !(port >= 0 && port <= MTK_XMIT_MAX_PORT && (port | 0) === port)) return -1;
  const tpid = (frame[12] << 8) | frame[13];
  const vlan = length >= 18 && (tpid === ETH_P_8021Q || tpid === ETH_P_8021AD);
  const newLength = vlan ? length : length + MTK_HDR_LEN;
  if (out.length < newLength) return -1;
  if (vlan) {
    if (out !== frame) copyBytes(out, 0, frame, 0, length);
    out[TAG_OFFSET] = tpid === ETH_P_8021Q ? MTK_HDR_XMIT_TAGGED_TPID_8100 : MTK_HDR_XMIT_TAGGED_TPID_88A8;
    out[TAG_OFFSET + 1] = (1 << port) & MTK_HDR_XMIT_DP_BIT_MASK;
    return newLength;
  }
  copyBytes(out, TAG_OFFSET + MTK_HDR_LEN, frame, TAG_OFFSET, length);
  if (out !== frame) copyBytes(out, 0, frame, 0, TAG_OFFSET);
  out[TAG_OFFSET] = MTK_HDR_XMIT_UNTAGGED;
  out[TAG_OFFSET + 1] = (1 << port) & MTK_HDR_XMIT_DP_BIT_MASK;
  out[TAG_OFFSET + 2] = 0;
  out[TAG_OFFSET + 3] = 0;
  return newLength;
}

/**
 * The source port of a frame from the switch (0-7), or a negative MTK_ERR_* code when it is
 * too short to carry the tag and an EtherType after it. Never throws.
 */
export function decodeRecv(frame: Uint8Array, length: number): number {
  if (!(length >= 0 && length <= frame.length && (length | 0) === length)) return MTK_ERR_LENGTH;
  if (length < TAG_OFFSET + MTK_HDR_LEN + 2) return MTK_ERR_SHORT;
  return ((frame[TAG_OFFSET] << 8) | frame[TAG_OFFSET + 1]) & MTK_HDR_RECV_SOURCE_PORT_MASK;
}

/** Writes the frame without its tag into `out`; returns the new length, or -1 when `out` is too small. */
export function stripRecv(frame: Uint8Array, length: number, out: Uint8Array): number {
  const newLength = length - MTK_HDR_LEN;
  if (newLength < TAG_OFFSET || out.length < newLength) return -1;
  copyBytes(out, 0, frame, 0, TAG_OFFSET);
  copyBytes(out, TAG_OFFSET, frame, TAG_OFFSET + MTK_HDR_LEN, length);
  return newLength;
}
