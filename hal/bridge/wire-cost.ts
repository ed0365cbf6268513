/**
 * What a bridge program costs on the wire, estimated before it is sent: its request and
 * answer bytes on the UART and its MDIO transactions on the bus (proto/bridge.md sections 4
 * and 10). The client cuts and merges ordinary work by it, so that a link monitor's read
 * never waits behind more than a bounded amount of it.
 */
import type { MdioOp } from '../mdio/bus.ts';
import { UART_BITS_PER_BYTE } from './link.ts';

/** IEEE 802.3 22.2.4.5: a Clause 22 frame is 32 preamble bits plus 32 frame bits. */
const MDC_CYCLES_PER_TRANSACTION = 64;

/**
 * Framing of one program each way (bridge.md section 10: 12 + 2N bytes out, at most 12 + 3N
 * back for N reads): two ENDs, the tags and lengths, a 3-byte seq, the CRC.
 */
const FRAME_BYTES_EACH_WAY = 12;

/**
 * Per operation: bytes in the request (opcode word and operands as varints, operands above
 * 0x3FFF taking 3 bytes), bytes of its value in the answer (at most 3), and MDIO transactions.
 * A wait is counted as one read, which is what a unit that is not busy costs.
 */
const COST: Record<string, { out: number; back: number; mdio: number }> = {
  read: { out: 2, back: 3, mdio: 1 },
  write: { out: 5, back: 1, mdio: 1 },
  read45: { out: 5, back: 3, mdio: 2 },
  write45: { out: 8, back: 1, mdio: 2 },
  rmw: { out: 8, back: 3, mdio: 2 },
  wait: { out: 9, back: 3, mdio: 1 },
  // Opcode 6 (bridge.md section 4.1), multi-chip mode, the unit found idle by the access before.
  smiRead: { out: 3, back: 3, mdio: 4 },
  smiWrite: { out: 7, back: 1, mdio: 4 },
  smiPhyRead: { out: 4, back: 3, mdio: 16 },
  smiPhyWrite: { out: 7, back: 1, mdio: 16 },
};
/** An operation this table does not know: as an indirect access through a unit. */
const OTHER = { out: 8, back: 3, mdio: 16 };

export interface WireRates {
  /** UART speed, bits per second. */
  baud: number;
  /** The bridge's MDC frequency. */
  mdioClockHz: number;
}

/** Estimated wire time (ms) of ops[from..to) sent as one program: UART both ways plus the MDIO bus. */
export function programWireMs(ops: readonly MdioOp[], from: number, to: number, rates: WireRates): number {
  return framingMs(rates) + opsWireMs(ops, from, to, rates);
}

/** The framing part of a program's wire time (ms). */
export function framingMs(rates: WireRates): number {
  return (2 * FRAME_BYTES_EACH_WAY * UART_BITS_PER_BYTE * 1000) / rates.baud;
}

/** Estimated wire time (ms) of ops[from..to) inside a program, framing excluded. */
export function opsWireMs(ops: readonly MdioOp[], from: number, to: number, rates: WireRates): number {
  let bytes = 0;
  let mdio = 0;
  for (let i = from; i < to; i++) {
    const c = COST[ops[i].op] ?? OTHER;
    bytes += c.out + c.back;
    mdio += c.mdio;
  }
  return (bytes * UART_BITS_PER_BYTE * 1000) / rates.baud + (mdio * MDC_CYCLES_PER_TRANSACTION * 1000) / rates.mdioClockHz;
}

/**
 * Cuts a batch into programs at its allowed `cuts` (RunOptions.cuts): consecutive segments
 * joined while the program, with the operations that resume it at its cut (`resume`), stays
 * within `budgetMs`. A segment longer than the budget by itself (no cut inside it) becomes one
 * program, longer than the budget. Returns [from, to) op ranges, in order, covering the batch.
 */
export function cutProgram(ops: readonly MdioOp[], cuts: readonly number[], budgetMs: number, rates: WireRates, resume?: ReadonlyMap<number, readonly MdioOp[]>): [number, number][] {
  const pieces: [number, number][] = [];
  const frame = framingMs(rates);
  const resumeMs = (at: number): number => {
    const r = resume?.get(at);
    return r ? opsWireMs(r, 0, r.length, rates) : 0;
  };
  let from = 0;
  let ms = frame;
  let at = 0;
  for (let k = 0; k <= cuts.length; k++) {
    const end = k < cuts.length ? cuts[k] : ops.length;
    if (end <= at || end > ops.length) continue; // out of order or out of range: not a cut
    const seg = opsWireMs(ops, at, end, rates);
    if (at > from && ms + seg > budgetMs) {
      pieces.push([from, at]);
      from = at;
      ms = frame + resumeMs(at);
    }
    ms += seg;
    at = end;
  }
  pieces.push([from, at]);
  return pieces;
}
