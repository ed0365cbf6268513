/**
 * The RMON MIB counters of an emulated 88E6xxx, per port, and the capture the statistics
 * unit reads them from. Written from the hardware's side (counter numbers as the Stats
 * Operation register addresses them; Linux chip.c mv88e6xxx_hw_stats lists the same), and
 * shares no code with the driver.
 *
 * What a frame counts as, on the port it enters (received) or leaves (transmitted):
 * - octets: its length on the wire, padded to the 60-byte minimum by the sending MAC, plus
 *   the 4-byte FCS (frames in the emulator carry no FCS);
 * - unicast, broadcast or multicast by destination; MAC control frames (EtherType 0x8808,
 *   01:80:C2:00:00:01) as pause instead;
 * - a size bucket of the histogram (64, 65-127, ..., 1024 and up), kept for each direction:
 *   which directions a read returns is the histogram mode (Stats Operation bits 11:10 on the
 *   6352 family, Global Control 2 bits 7:6 on the 6390).
 * Frames the switch drops by policy after receiving them (port state, port VLAN map,
 * reserved multicast, trap destination, a CPU frame whose tag it cannot use) count as
 * filtered on ingress; frames it cannot send (link down, port disabled or not forwarding)
 * as filtered on egress. CPU frames for a trunk that maps to no port are dropped uncounted. Frames offered while
 * the MAC has no link are not received at all; frames shorter than an Ethernet header, which
 * the emulator refuses, count as undersize. Trapped management frames count as management.
 *
 * Not modelled (they stay 0): errors (bad octets, FCS, fragments, jabber, oversize,
 * collisions and the other half-duplex counters: the emulated links are clean and full
 * duplex), discards for lack of buffers, AVB, TCAM, per-queue and cut-through counters,
 * unknown destinations (there is no address table).
 */

// Bank 0 counter numbers.
const IN_GOOD_OCTETS_LO = 0x00;
const IN_UNICAST = 0x04;
const IN_BROADCASTS = 0x06;
const IN_MULTICASTS = 0x07;
const HIST_64 = 0x08;
const OUT_OCTETS_LO = 0x0e;
const OUT_UNICAST = 0x10;
const OUT_MULTICASTS = 0x12;
const OUT_BROADCASTS = 0x13;
const OUT_PAUSE = 0x15;
const IN_PAUSE = 0x16;
const IN_UNDERSIZE = 0x18;
// Bank 1 counter numbers.
const B1_IN_FILTERED = 0x01;
const B1_IN_MANAGEMENT = 0x0f;

const HIST_BUCKETS = 6;
/** Shortest frame a MAC sends, without FCS (802.3 minFrameSize 64 octets with it). */
const MIN_FRAME = 60;
const FCS = 4;
const ETHERTYPE_MAC_CONTROL = 0x8808;

/** Histogram mode: which directions the size buckets count. */
export const HIST_RX = 1;
export const HIST_TX = 2;

class PortMib {
  readonly bank0 = new Uint32Array(32);
  readonly bank1 = new Uint32Array(32);
  readonly rxHist = new Uint32Array(HIST_BUCKETS);
  readonly txHist = new Uint32Array(HIST_BUCKETS);
  /** 6352-family port registers 0x10/0x11 (32 bits), 0x12 and 0x13 (16 bits each). */
  inDiscards = 0;
  inFiltered = 0;
  outFiltered = 0;

  clear(): void {
    this.bank0.fill(0);
    this.bank1.fill(0);
    this.rxHist.fill(0);
    this.txHist.fill(0);
  }
}

/** Adds to the 64-bit counter held in two 32-bit words (low at `lo`, high at `lo + 1`). */
function add64(bank: Uint32Array, lo: number, n: number): void {
  const sum = bank[lo] + n;
  bank[lo] = sum >>> 0;
  bank[lo + 1] = (bank[lo + 1] + Math.floor(sum / 2 ** 32)) >>> 0;
}

function bucket(wireLength: number): number {
  if (wireLength <= 64) return 0;
  if (wireLength <= 127) return 1;
  if (wireLength <= 255) return 2;
  if (wireLength <= 511) return 3;
  if (wireLength <= 1023) return 4;
  return 5;
}

type Cast = 'unicast' | 'broadcast' | 'multicast' | 'pause';

function castOf(frame: Uint8Array): Cast {
  if (frame.length >= 14 && ((frame[12] << 8) | frame[13]) === ETHERTYPE_MAC_CONTROL) return 'pause';
  if (frame[0] & 1) return frame.subarray(0, 6).every((b) => b === 0xff) ? 'broadcast' : 'multicast';
  return 'unicast';
}

/** The MIB of every port of one chip, and the statistics unit's capture. */
export class SimMib {
  private readonly ports: PortMib[];
  private readonly captured = new PortMib();

  constructor(portCount: number) {
    this.ports = Array.from({ length: portCount }, () => new PortMib());
  }

  /** A frame the MAC of `port` received (before any forwarding decision). */
  received(port: number, frame: Uint8Array): void {
    const m = this.ports[port];
    const wire = Math.max(frame.length, MIN_FRAME) + FCS;
    add64(m.bank0, IN_GOOD_OCTETS_LO, wire);
    const c = castOf(frame);
    m.bank0[c === 'pause' ? IN_PAUSE : c === 'broadcast' ? IN_BROADCASTS : c === 'multicast' ? IN_MULTICASTS : IN_UNICAST]++;
    m.rxHist[bucket(wire)]++;
  }

  /** A frame that left `port`. */
  transmitted(port: number, frame: Uint8Array): void {
    const m = this.ports[port];
    const wire = Math.max(frame.length, MIN_FRAME) + FCS;
    add64(m.bank0, OUT_OCTETS_LO, wire);
    const c = castOf(frame);
    m.bank0[c === 'pause' ? OUT_PAUSE : c === 'broadcast' ? OUT_BROADCASTS : c === 'multicast' ? OUT_MULTICASTS : OUT_UNICAST]++;
    m.txHist[bucket(wire)]++;
  }

  /** A frame shorter than a header arrived on `port`. */
  undersize(port: number): void {
    this.ports[port].bank0[IN_UNDERSIZE]++;
  }

  /** A received frame was dropped by ingress policy. */
  filteredIn(port: number): void {
    const m = this.ports[port];
    m.bank1[B1_IN_FILTERED]++;
    m.inFiltered = (m.inFiltered + 1) & 0xffff;
  }

  /** A frame for `port` was dropped because it could not leave. */
  filteredOut(port: number): void {
    const m = this.ports[port];
    m.outFiltered = (m.outFiltered + 1) & 0xffff;
  }

  /** A received frame was trapped to the CPU as a management frame. */
  management(port: number): void {
    this.ports[port].bank1[B1_IN_MANAGEMENT]++;
  }

  /** 6352-family port register 0x10-0x13 (In Discards low/high, In Filtered, Out Filtered). */
  portCounter(port: number, reg: number): number {
    const m = this.ports[port];
    if (reg === 0x10) return m.inDiscards & 0xffff;
    if (reg === 0x11) return m.inDiscards >>> 16;
    return reg === 0x12 ? m.inFiltered : m.outFiltered;
  }

  /** Stats Operation "capture port": the counters of `port` as they are now. */
  capture(port: number): void {
    const m = this.ports[port];
    this.captured.bank0.set(m.bank0);
    this.captured.bank1.set(m.bank1);
    this.captured.rxHist.set(m.rxHist);
    this.captured.txHist.set(m.txHist);
  }

  /**
   * Stats Operation "read captured": counter `n` of bank 0 or 1. The histogram counters
   * return the directions `histMode` selects (HIST_RX | HIST_TX; 0, reserved, as both).
   */
  readCaptured(bank: 0 | 1, n: number, histMode: number): number {
    const c = this.captured;
    if (bank === 1) return c.bank1[n];
    const b = n - HIST_64;
    if (b < 0 || b >= HIST_BUCKETS) return c.bank0[n];
    const mode = histMode === 0 ? HIST_RX | HIST_TX : histMode;
    return ((mode & HIST_RX ? c.rxHist[b] : 0) + (mode & HIST_TX ? c.txHist[b] : 0)) >>> 0;
  }

  /** Stats Operation "flush": the MIB counters of one port, or of all, back to 0. */
  flush(port?: number): void {
    if (port === undefined) for (const m of this.ports) m.clear();
    else this.ports[port]?.clear();
  }
}
