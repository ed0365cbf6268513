import { ProtocolError } from '../../lib/errors.ts';
import type { MdioOp } from '../mdio/bus.ts';
import { bondfw } from '../../proto/bridge.js';
import { decodeProgram, encodeProgram } from './program.ts';

/**
 * Bridge messages as plain TypeScript values, and their bytes: the protobuf encoding of
 * `bondfw.bridge.Message` (proto/bridge.proto) followed by a CRC-16, before SLIP framing.
 * Pure: no streams, no timers. Callers never touch protobufjs.
 */

const pb = bondfw.bridge;

/** What a bridge says about itself (Info). */
export interface BridgeInfo {
  firmwareVersion: string;
  mdioClockHz: number;
  capabilities: number;
  maxOps: number;
  bootId: number;
  irqLines: number;
  /** Random per boot, never 0; 0 from a bridge that predates it (bridge.md section 6). */
  bootNonce: number;
}

/** Info.capabilities bits (bridge.proto). */
export const CAP_C22 = 1, CAP_C45 = 2, CAP_PROGRAMS = 4, CAP_LINK_EVENTS = 8, CAP_RAW_FRAMES = 16;
/** Opcode 6: Marvell SMI indirect and Global2 SMI PHY access run by the bridge (bridge.md section 4). */
export const CAP_SMI = 32;
/** IrqProgram: the bridge reads what the host asked for when a line is asserted, into the LinkEvent (bridge.md section 7.1). */
export const CAP_IRQ_PROGRAMS = 64;

export type ResultStatus = 'ok' | 'wait-timeout' | 'bad-program' | 'too-long' | 'unit-timeout';

export type BridgeMessage =
  | { kind: 'hello'; seq: number }
  | { kind: 'info'; seq: number; info: BridgeInfo }
  | { kind: 'program'; seq: number; ops: MdioOp[] }
  | { kind: 'result'; seq: number; status: ResultStatus; values: number[]; failedAt: number }
  /** `read`: the outcome of the line's interrupt program (capability 64); absent when none ran. */
  | { kind: 'linkEvent'; seq: number; line: number; asserted: boolean; read?: IrqRead }
  | { kind: 'rawFrame'; seq: number; data: Uint8Array }
  /** The program to run whenever `line` is asserted (capability 64); no ops removes it. */
  | { kind: 'irqProgram'; seq: number; line: number; ops: MdioOp[] };

/** What an interrupt program read: a Result's fields. */
export interface IrqRead {
  status: ResultStatus;
  values: number[];
  failedAt: number;
}

/** Why bytes did not become a message; the prefix of every decode error's message. */
export type DecodeFailure = 'crc' | 'decode' | 'empty' | 'program';

/** A frame that does not decode. `seq` is set when it was readable (a bad program's request). */
export class BridgeDecodeError extends ProtocolError {
  override name = 'BridgeDecodeError';
  constructor(
    readonly reason: DecodeFailure,
    detail: string,
    readonly seq?: number,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** Bytes of CRC after the protobuf bytes. */
export const CRC_BYTES = 2;

const STATUS_TO_WIRE: Record<ResultStatus, bondfw.bridge.Result.Status> = {
  ok: pb.Result.Status.OK,
  'wait-timeout': pb.Result.Status.WAIT_TIMEOUT,
  'bad-program': pb.Result.Status.BAD_PROGRAM,
  'too-long': pb.Result.Status.TOO_LONG,
  'unit-timeout': pb.Result.Status.UNIT_TIMEOUT,
};
const STATUS_FROM_WIRE: readonly ResultStatus[] = ['ok', 'wait-timeout', 'bad-program', 'too-long', 'unit-timeout'];

const U16 = 0xffff;
const U32 = 0xffffffff;

/** Protobuf bytes of `m` followed by its CRC-16, big-endian. Throws RangeError for a field out of range. */
export function encodeMessage(m: BridgeMessage): Uint8Array {
  const body = pb.Message.encode(toWire(m)).finish();
  const out = new Uint8Array(body.length + CRC_BYTES);
  out.set(body);
  const crc = crc16(body);
  out[body.length] = crc >> 8;
  out[body.length + 1] = crc & 0xff;
  return out;
}

/**
 * The message in `bytes` (protobuf bytes and CRC, already unescaped). Checks the length
 * and CRC before parsing. Throws BridgeDecodeError (a ProtocolError) whose message starts
 * with its reason: "crc" (too short, or a CRC mismatch), "decode" (not a Message, or a
 * field out of range), "empty" (no body), "program" (a Program whose code does not decode).
 */
export function decodeMessage(bytes: Uint8Array): BridgeMessage {
  if (bytes.length < CRC_BYTES) throw new BridgeDecodeError('crc', `frame of ${bytes.length} byte(s) is shorter than its CRC`);
  const n = bytes.length - CRC_BYTES;
  const sent = (bytes[n] << 8) | bytes[n + 1];
  const actual = crc16(bytes, 0, n);
  if (sent !== actual) throw new BridgeDecodeError('crc', `frame of ${bytes.length} bytes carries CRC 0x${hex4(sent)}, its bytes give 0x${hex4(actual)}`);

  let w: bondfw.bridge.Message;
  try {
    w = pb.Message.decode(bytes.subarray(0, n));
  } catch (e) {
    throw new BridgeDecodeError('decode', e instanceof Error ? e.message : String(e));
  }
  const seq = w.seq;
  if (seq > U16) throw new BridgeDecodeError('decode', `seq ${seq} is above 65535`);
  switch (w.body) {
    case 'hello':
      return { kind: 'hello', seq };
    case 'info': {
      const i = w.info!;
      return {
        kind: 'info',
        seq,
        info: {
          firmwareVersion: i.firmwareVersion ?? '',
          mdioClockHz: i.mdioClockHz ?? 0,
          capabilities: i.capabilities ?? 0,
          maxOps: i.maxOps ?? 0,
          bootId: i.bootId ?? 0,
          irqLines: i.irqLines ?? 0,
          bootNonce: i.bootNonce ?? 0,
        },
      };
    }
    case 'program':
      return { kind: 'program', seq, ops: programFromWire(w.program!.code, seq) };
    case 'result': {
      const r = w.result!;
      return { kind: 'result', seq, status: statusFromWire(r.status, seq), values: valuesFromWire(r.values, seq), failedAt: r.failedAt ?? 0 };
    }
    case 'linkEvent': {
      const l = w.linkEvent!;
      const event: BridgeMessage = { kind: 'linkEvent', seq, line: l.line ?? 0, asserted: l.asserted ?? false };
      const values = valuesFromWire(l.values, seq);
      const status = statusFromWire(l.status, seq);
      // No values and OK: no program ran (a bridge without interrupt programs sends neither).
      if (values.length > 0 || status !== 'ok') event.read = { status, values, failedAt: l.failedAt ?? 0 };
      return event;
    }
    case 'irqProgram': {
      const q = w.irqProgram!;
      return { kind: 'irqProgram', seq, line: q.line ?? 0, ops: programFromWire(q.code, seq) };
    }
    case 'rawFrame':
      // A copy: protobufjs hands out a view of the frame buffer.
      return { kind: 'rawFrame', seq, data: new Uint8Array(w.rawFrame!.data ?? new Uint8Array(0)) };
    default:
      throw new BridgeDecodeError('empty', `message (seq ${seq}) has no body`, seq);
  }
}

function programFromWire(code: number[] | null | undefined, seq: number): MdioOp[] {
  try {
    return decodeProgram(code ?? []);
  } catch (e) {
    // decodeProgram's messages already start with "program: ".
    const detail = e instanceof Error ? e.message.replace(/^program: /, '') : String(e);
    throw new BridgeDecodeError('program', detail, seq);
  }
}

function statusFromWire(wire: number | null | undefined, seq: number): ResultStatus {
  const status = STATUS_FROM_WIRE[wire ?? 0];
  if (status === undefined) throw new BridgeDecodeError('decode', `unknown result status ${wire}`, seq);
  return status;
}

function valuesFromWire(values: number[] | null | undefined, seq: number): number[] {
  const v = values ?? [];
  for (const x of v) if (x > U16) throw new BridgeDecodeError('decode', `result value ${x} is above 0xFFFF`, seq);
  return [...v];
}

function toWire(m: BridgeMessage): bondfw.bridge.Message.$Properties {
  const seq = check('seq', m.seq, U16);
  switch (m.kind) {
    case 'hello':
      return { seq, hello: {} };
    case 'info': {
      const i = m.info;
      return {
        seq,
        info: {
          firmwareVersion: i.firmwareVersion,
          mdioClockHz: check('mdioClockHz', i.mdioClockHz, U32),
          capabilities: check('capabilities', i.capabilities, U32),
          maxOps: check('maxOps', i.maxOps, U32),
          bootId: check('bootId', i.bootId, U32),
          irqLines: check('irqLines', i.irqLines, U32),
          // Absent rather than 0, so an old bridge's Info is byte for byte what it was.
          ...(i.bootNonce ? { bootNonce: check('bootNonce', i.bootNonce, U32) } : {}),
        },
      };
    }
    case 'program':
      return { seq, program: { code: encodeProgram(m.ops) } };
    case 'result':
      return {
        seq,
        result: {
          status: STATUS_TO_WIRE[m.status],
          values: m.values.map((v) => check('value', v, U16)),
          failedAt: check('failedAt', m.failedAt, U32),
        },
      };
    case 'linkEvent':
      return {
        seq,
        linkEvent: {
          line: check('line', m.line, U32),
          asserted: m.asserted,
          // Absent when no program ran: what a bridge without interrupt programs sends.
          ...(m.read
            ? { values: m.read.values.map((v) => check('value', v, U16)), status: STATUS_TO_WIRE[m.read.status], failedAt: check('failedAt', m.read.failedAt, U32) }
            : {}),
        },
      };
    case 'rawFrame':
      return { seq, rawFrame: { data: m.data } };
    case 'irqProgram':
      return { seq, irqProgram: { line: check('line', m.line, U32), code: encodeProgram(m.ops) } };
  }
}

function check(name: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`bridge message: ${name} ${v} out of range 0..${max}`);
  return v;
}

/** CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, MSB first, no final xor. */
const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1;
    t[i] = c & 0xffff;
  }
  return t;
})();

/**
 * CRC-16/CCITT-FALSE of `bytes[start, end)` (poly 0x1021, init 0xFFFF, no reflection, no
 * xorout; check value 0x29B1 for "123456789").
 */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >> 8) ^ bytes[i]) & 0xff]) & 0xffff;
  return crc;
}

function hex4(v: number): string {
  return v.toString(16).toUpperCase().padStart(4, '0');
}
