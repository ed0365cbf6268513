/**
 * A pcapng writer: one Section Header, one Interface Description per cable (named after the
 * board's port), and one Enhanced Packet Block per frame, with the direction as seen from
 * the board in epb_flags. Readable by Wireshark and tshark.
 * Format: draft-ietf-opsawg-pcapng (blocks 0x0A0D0D0A, 1, 6), little-endian.
 */

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const LINKTYPE_ETHERNET = 1;
const OPT_ENDOFOPT = 0;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_EPB_FLAGS = 2;

export type Direction = 'in' | 'out';

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Serialises options (code, bytes) into the 4-byte-aligned option list, closed by opt_endofopt. */
function encodeOptions(options: [number, Uint8Array][]): Uint8Array {
  if (options.length === 0) return new Uint8Array(0); // the option list may be absent
  let size = 4;
  for (const [, v] of options) size += 4 + pad4(v.length);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const [code, v] of options) {
    dv.setUint16(o, code, true);
    dv.setUint16(o + 2, v.length, true);
    out.set(v, o + 4);
    o += 4 + pad4(v.length);
  }
  dv.setUint16(o, OPT_ENDOFOPT, true);
  return out;
}

function block(type: number, body: Uint8Array): Uint8Array {
  const total = 12 + body.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, total, true);
  out.set(body, 8);
  dv.setUint32(total - 4, total, true);
  return out;
}

export class PcapngWriter {
  private readonly encoder = new TextEncoder();

  /**
   * @param sink receives the file's bytes in order.
   * @param interfaces interface names, in interface-id order (one per port).
   */
  constructor(
    private readonly sink: (chunk: Uint8Array) => void,
    interfaces: readonly string[],
  ) {
    const shb = new Uint8Array(16);
    const dv = new DataView(shb.buffer);
    dv.setUint32(0, BYTE_ORDER_MAGIC, true);
    dv.setUint16(4, 1, true); // major version
    dv.setUint16(6, 0, true); // minor version
    dv.setInt32(8, -1, true); // section length unknown (64-bit -1)
    dv.setInt32(12, -1, true);
    this.sink(block(SHB, concat(shb, encodeOptions([]))));
    for (const name of interfaces) {
      const head = new Uint8Array(8);
      const hv = new DataView(head.buffer);
      hv.setUint16(0, LINKTYPE_ETHERNET, true);
      hv.setUint32(4, 0, true); // snaplen: no limit
      const opts = encodeOptions([
        [OPT_IF_NAME, this.encoder.encode(name)],
        [OPT_IF_TSRESOL, Uint8Array.of(6)], // microseconds
      ]);
      this.sink(block(IDB, concat(head, opts)));
    }
  }

  /** Records one frame (no FCS) on interface `ifIndex` at `timeMs` milliseconds. */
  write(ifIndex: number, timeMs: number, frame: Uint8Array, direction: Direction): void {
    const micros = BigInt(Math.round(timeMs * 1000));
    const head = new Uint8Array(20);
    const dv = new DataView(head.buffer);
    dv.setUint32(0, ifIndex, true);
    dv.setUint32(4, Number(micros >> 32n), true);
    dv.setUint32(8, Number(micros & 0xffffffffn), true);
    dv.setUint32(12, frame.length, true);
    dv.setUint32(16, frame.length, true);
    const data = new Uint8Array(pad4(frame.length));
    data.set(frame);
    const flags = new Uint8Array(4);
    new DataView(flags.buffer).setUint32(0, direction === 'in' ? 1 : 2, true);
    this.sink(block(EPB, concat(head, data, encodeOptions([[OPT_EPB_FLAGS, flags]]))));
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface PcapngPacket {
  ifIndex: number;
  ifName: string;
  timeUs: bigint;
  direction: Direction | undefined;
  data: Uint8Array;
}

/** Reads back what PcapngWriter writes (little-endian sections); throws on a malformed file. */
export function readPcapng(bytes: Uint8Array): PcapngPacket[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const names: string[] = [];
  const packets: PcapngPacket[] = [];
  const decoder = new TextDecoder();
  let o = 0;
  while (o < bytes.length) {
    if (o + 12 > bytes.length) throw new Error(`pcapng: truncated block at ${o}`);
    const type = dv.getUint32(o, true);
    const len = dv.getUint32(o + 4, true);
    if (len < 12 || len % 4 !== 0 || o + len > bytes.length) throw new Error(`pcapng: bad block length ${len} at ${o}`);
    if (dv.getUint32(o + len - 4, true) !== len) throw new Error(`pcapng: trailing length mismatch at ${o}`);
    const body = o + 8;
    const readOpts = (start: number, end: number): Map<number, Uint8Array> => {
      const m = new Map<number, Uint8Array>();
      let p = start;
      while (p + 4 <= end) {
        const code = dv.getUint16(p, true);
        const olen = dv.getUint16(p + 2, true);
        if (code === OPT_ENDOFOPT) break;
        m.set(code, bytes.subarray(p + 4, p + 4 + olen));
        p += 4 + pad4(olen);
      }
      return m;
    };
    if (type === SHB) {
      if (dv.getUint32(body, true) !== BYTE_ORDER_MAGIC) throw new Error('pcapng: not a little-endian section');
    } else if (type === IDB) {
      const opts = readOpts(body + 8, o + len - 4);
      const name = opts.get(OPT_IF_NAME);
      names.push(name ? decoder.decode(name) : `if${names.length}`);
    } else if (type === EPB) {
      const ifIndex = dv.getUint32(body, true);
      const timeUs = (BigInt(dv.getUint32(body + 4, true)) << 32n) | BigInt(dv.getUint32(body + 8, true));
      const capLen = dv.getUint32(body + 12, true);
      const data = bytes.slice(body + 20, body + 20 + capLen);
      const opts = readOpts(body + 20 + pad4(capLen), o + len - 4);
      const f = opts.get(OPT_EPB_FLAGS);
      const dir = f ? new DataView(f.buffer, f.byteOffset, 4).getUint32(0, true) & 3 : 0;
      packets.push({ ifIndex, ifName: names[ifIndex] ?? '?', timeUs, direction: dir === 1 ? 'in' : dir === 2 ? 'out' : undefined, data });
    }
    o += len;
  }
  return packets;
}
