/**
 * The MIB counters of an emulated MT7530/MT7531, per port, as 32-bit registers at
 * 0x4000 + port * 0x100 + offset (the offsets Linux's mt7530.c mt7530_mib lists). Written from
 * the hardware's side; shares no code with the driver.
 *
 * What a frame counts as, on the port it enters (Rx) or leaves (Tx):
 * - bytes (the 64-bit TxBytes at 0x48/0x4c, RxBytes at 0xa8/0xac): its length on the wire,
 *   padded to the 60-byte minimum by the sending MAC, plus the 4-byte FCS; counted while the
 *   MIB control register's good-octet bit for that direction is set (CCR_RX_OCT_CNT_GOOD,
 *   CCR_TX_OCT_CNT_GOOD);
 * - unicast, multicast or broadcast by destination; MAC control frames (EtherType 0x8808) as
 *   pause instead;
 * - a size bucket (64, 65-127, ..., 1024 and up);
 * Received frames the switch drops by policy (port matrix, STP state, trap rules) count as
 * RxFiltering; frames it cannot send (link down, MAC transmit off, port disabled) as TxDrop;
 * frames shorter than an Ethernet header as RxUnderSizeErr; frames longer than the GMACCR
 * limit as RxOverSzErr.
 *
 * Nothing counts while CCR_MIB_ENABLE is clear; writing the control register with it clear
 * clears every counter (Linux writes CCR_MIB_FLUSH, then CCR_MIB_ACTIVATE, to reset them).
 * Not modelled (they stay 0): CRC, alignment, fragment and jabber errors, collisions and the
 * other half-duplex counters (the emulated links are clean and full duplex), RxDrop,
 * RxCtrlDrop, RxIngressDrop, RxArlDrop (no buffers, no address table), TxCrcErr. Counters do
 * not clear when read.
 */
const TX_DROP = 0x00;
const TX_UNICAST = 0x08;
const TX_MULTICAST = 0x0c;
const TX_BROADCAST = 0x10;
const TX_PAUSE = 0x2c;
const TX_PKT_SZ_64 = 0x30;
const TX_BYTES = 0x48;
const RX_FILTERING = 0x64;
const RX_UNICAST = 0x68;
const RX_MULTICAST = 0x6c;
const RX_BROADCAST = 0x70;
const RX_UNDER_SIZE = 0x7c;
const RX_OVER_SIZE = 0x84;
const RX_PAUSE = 0x8c;
const RX_PKT_SZ_64 = 0x90;
const RX_BYTES = 0xa8;

/** Words of one port's MIB block (0x100 bytes). */
const WORDS = 0x40;
const MIN_FRAME = 60;
const FCS = 4;
const ETHERTYPE_MAC_CONTROL = 0x8808;

/** MT7530_MIB_CCR bits. */
export const CCR_MIB_ENABLE = 0x80000000;
export const CCR_RX_OCT_CNT_GOOD = 0x80;
export const CCR_TX_OCT_CNT_GOOD = 0x20;

function bucket(wire: number): number {
  if (wire <= 64) return 0;
  if (wire <= 127) return 1;
  if (wire <= 255) return 2;
  if (wire <= 511) return 3;
  if (wire <= 1023) return 4;
  return 5;
}

function castOffset(frame: Uint8Array, unicast: number, multicast: number, broadcast: number, pause: number): number {
  if (frame.length >= 14 && ((frame[12] << 8) | frame[13]) === ETHERTYPE_MAC_CONTROL) return pause;
  if (frame[0] & 1) return frame[0] === 0xff && frame[1] === 0xff && frame[2] === 0xff && frame[3] === 0xff && frame[4] === 0xff && frame[5] === 0xff ? broadcast : multicast;
  return unicast;
}

export class SimMt7530Mib {
  private readonly ports: Uint32Array[];
  /** MT7530_MIB_CCR as last written. */
  ccr: number;

  constructor(portCount: number, ccrReset: number) {
    this.ports = Array.from({ length: portCount }, () => new Uint32Array(WORDS));
    this.ccr = ccrReset >>> 0;
  }

  private get counting(): boolean {
    return (this.ccr & CCR_MIB_ENABLE) !== 0;
  }

  private bump(port: number, offset: number, n = 1): void {
    const m = this.ports[port];
    m[offset >> 2] = (m[offset >> 2] + n) >>> 0;
  }

  private add64(port: number, offset: number, n: number): void {
    const m = this.ports[port];
    const lo = offset >> 2;
    const sum = m[lo] + n;
    m[lo] = sum >>> 0;
    m[lo + 1] = (m[lo + 1] + Math.floor(sum / 2 ** 32)) >>> 0;
  }

  /** A frame the MAC of `port` received (before any forwarding decision). */
  received(port: number, frame: Uint8Array): void {
    if (!this.counting) return;
    const wire = Math.max(frame.length, MIN_FRAME) + FCS;
    if (this.ccr & CCR_RX_OCT_CNT_GOOD) this.add64(port, RX_BYTES, wire);
    this.bump(port, castOffset(frame, RX_UNICAST, RX_MULTICAST, RX_BROADCAST, RX_PAUSE));
    this.bump(port, RX_PKT_SZ_64 + 4 * bucket(wire));
  }

  /** A frame that left `port`. */
  transmitted(port: number, frame: Uint8Array): void {
    if (!this.counting) return;
    const wire = Math.max(frame.length, MIN_FRAME) + FCS;
    if (this.ccr & CCR_TX_OCT_CNT_GOOD) this.add64(port, TX_BYTES, wire);
    this.bump(port, castOffset(frame, TX_UNICAST, TX_MULTICAST, TX_BROADCAST, TX_PAUSE));
    this.bump(port, TX_PKT_SZ_64 + 4 * bucket(wire));
  }

  filtered(port: number): void {
    if (this.counting) this.bump(port, RX_FILTERING);
  }

  txDrop(port: number): void {
    if (this.counting) this.bump(port, TX_DROP);
  }

  undersize(port: number): void {
    if (this.counting) this.bump(port, RX_UNDER_SIZE);
  }

  oversize(port: number): void {
    if (this.counting) this.bump(port, RX_OVER_SIZE);
  }

  /** The 32-bit counter register at `offset` (0..0xfc) of `port`'s block. */
  read(port: number, offset: number): number {
    return this.ports[port][(offset >> 2) & (WORDS - 1)];
  }

  /** A write of the control register: with MIB_ENABLE clear, counting stops and every counter clears. */
  writeCcr(value: number): void {
    this.ccr = value >>> 0;
    if (!this.counting) for (const m of this.ports) m.fill(0);
  }
}
