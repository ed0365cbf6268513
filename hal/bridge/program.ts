import { ProtocolError } from '../../lib/errors.ts';
import { checkOp, type MdioOp } from '../mdio/bus.ts';

/**
 * Bridge programs: an MdioOp batch as the packed `uint32 code` words of a Program message.
 * Each operation is one opcode word, `opcode | phy << 3 | regOrDevad << 8` (bits 13-31
 * zero), then its operand words, all 0..0xFFFF. The table lives in proto/bridge.md. The
 * indirect (Marvell SMI) operations are opcode 6, which a host sends only to a bridge that
 * announces it (CAP_SMI).
 */

/** Opcode numbers (bits 0-2 of an opcode word); the wire contract, see proto/bridge.md. */
export const OPCODES = { read: 0, write: 1, read45: 2, write45: 3, rmw: 4, wait: 5, smi: 6 } as const;

/**
 * Operand words after the opcode word, by opcode; `smi` has one more for a write (its control
 * word says which).
 */
const OPERAND_WORDS = [0, 1, 1, 2, 2, 3, 1] as const;
const OP_NAMES = ['read', 'write', 'read45', 'write45', 'rmw', 'wait', 'smi'] as const;

/**
 * The control word of an `smi` operation (bridge.md section 4): bits 4-0 the internal device
 * (through the PHY unit: Global2's device), bits 9-5 the PHY address (PHY unit only), bit 10
 * through the Global2 SMI PHY unit, bit 11 a write; bits 12-15 zero.
 */
export const SMI_CTL_PHY_UNIT = 0x0400;
export const SMI_CTL_WRITE = 0x0800;
const SMI_CTL_RESERVED = 0xf000;

const opcodeWord = (opcode: number, phy: number, regOrDevad: number): number => opcode | (phy << 3) | (regOrDevad << 8);

/** Encodes a batch; throws RangeError (from checkOp) for a field out of range. */
export function encodeProgram(ops: readonly MdioOp[]): number[] {
  const code: number[] = [];
  for (const op of ops) {
    checkOp(op);
    switch (op.op) {
      case 'read':
        code.push(opcodeWord(OPCODES.read, op.phy, op.reg));
        break;
      case 'write':
        code.push(opcodeWord(OPCODES.write, op.phy, op.reg), op.value);
        break;
      case 'read45':
        code.push(opcodeWord(OPCODES.read45, op.phy, op.devad), op.reg);
        break;
      case 'write45':
        code.push(opcodeWord(OPCODES.write45, op.phy, op.devad), op.reg, op.value);
        break;
      case 'rmw':
        code.push(opcodeWord(OPCODES.rmw, op.phy, op.reg), op.mask, op.value);
        break;
      case 'wait':
        code.push(opcodeWord(OPCODES.wait, op.phy, op.reg), op.mask, op.value, op.tries);
        break;
      case 'smiRead':
        code.push(opcodeWord(OPCODES.smi, op.phy, op.reg), op.dev);
        break;
      case 'smiWrite':
        code.push(opcodeWord(OPCODES.smi, op.phy, op.reg), op.dev | SMI_CTL_WRITE, op.value);
        break;
      case 'smiPhyRead':
        code.push(opcodeWord(OPCODES.smi, op.phy, op.reg), op.g2 | (op.phyAddr << 5) | SMI_CTL_PHY_UNIT);
        break;
      case 'smiPhyWrite':
        code.push(opcodeWord(OPCODES.smi, op.phy, op.reg), op.g2 | (op.phyAddr << 5) | SMI_CTL_PHY_UNIT | SMI_CTL_WRITE, op.value);
        break;
    }
  }
  return code;
}

/**
 * Decodes program words back into operations. Throws ProtocolError, message starting with
 * "program:", naming the operation and word at fault: unknown opcode, reserved bits set,
 * missing operand, or an operand above 0xFFFF.
 */
export function decodeProgram(code: readonly number[]): MdioOp[] {
  const ops: MdioOp[] = [];
  let i = 0;
  while (i < code.length) {
    const w = code[i];
    if (!Number.isInteger(w) || w < 0 || w > 0x1fff) {
      throw new ProtocolError(`program: ${at(ops, i)}: opcode word 0x${hex(w)} has bits above 12 set`);
    }
    const opcode = w & 7;
    const phy = (w >> 3) & 31;
    const sub = (w >> 8) & 31; // reg for Clause 22 ops, devad for Clause 45
    if (opcode >= OP_NAMES.length) throw new ProtocolError(`program: ${at(ops, i)}: unknown opcode ${opcode}`);
    let n: number = OPERAND_WORDS[opcode];
    if (opcode === OPCODES.smi && i + 1 < code.length && Number.isInteger(code[i + 1]) && code[i + 1] & SMI_CTL_WRITE) n++;
    if (i + 1 + n > code.length) {
      throw new ProtocolError(`program: ${at(ops, i)}: ${OP_NAMES[opcode]} needs ${n} operand word(s), ${code.length - i - 1} left`);
    }
    switch (opcode) {
      case OPCODES.read:
        ops.push({ op: 'read', phy, reg: sub });
        break;
      case OPCODES.write:
        ops.push({ op: 'write', phy, reg: sub, value: operandAt(code, ops, i, opcode, 0) });
        break;
      case OPCODES.read45:
        ops.push({ op: 'read45', phy, devad: sub, reg: operandAt(code, ops, i, opcode, 0) });
        break;
      case OPCODES.write45:
        ops.push({ op: 'write45', phy, devad: sub, reg: operandAt(code, ops, i, opcode, 0), value: operandAt(code, ops, i, opcode, 1) });
        break;
      case OPCODES.rmw:
        ops.push({ op: 'rmw', phy, reg: sub, mask: operandAt(code, ops, i, opcode, 0), value: operandAt(code, ops, i, opcode, 1) });
        break;
      case OPCODES.wait:
        ops.push({ op: 'wait', phy, reg: sub, mask: operandAt(code, ops, i, opcode, 0), value: operandAt(code, ops, i, opcode, 1), tries: operandAt(code, ops, i, opcode, 2) });
        break;
      case OPCODES.smi:
        ops.push(decodeSmi(code, ops, i, phy, sub));
        break;
    }
    i += 1 + n;
  }
  return ops;
}

/**
 * True when the batch only reads (read, read45, wait): running it twice has the effect of
 * running it once, so a lost answer may be recovered by resending. (A clear-on-read register,
 * such as BMSR's latched link bit, is the exception a resend can hide; the MdioBus contract
 * counts reads as safe, see RunOptions.idempotent.)
 */
export function isIdempotent(ops: readonly MdioOp[]): boolean {
  // An indirect read writes a command that only selects what it reads.
  return ops.every((o) => o.op === 'read' || o.op === 'read45' || o.op === 'wait' || o.op === 'smiRead' || o.op === 'smiPhyRead');
}

/** An `smi` operation from its opcode word's fields and its control (and value) words. */
function decodeSmi(code: readonly number[], ops: readonly MdioOp[], i: number, phy: number, reg: number): MdioOp {
  const ctl = operandAt(code, ops, i, OPCODES.smi, 0);
  if (ctl & SMI_CTL_RESERVED) throw new ProtocolError(`program: ${at(ops, i)}: smi control word 0x${hex(ctl)} has bits 12-15 set`);
  const dev = ctl & 31;
  const phyAddr = (ctl >> 5) & 31;
  const write = (ctl & SMI_CTL_WRITE) !== 0;
  if (ctl & SMI_CTL_PHY_UNIT) {
    return write ? { op: 'smiPhyWrite', phy, g2: dev, phyAddr, reg, value: operandAt(code, ops, i, OPCODES.smi, 1) } : { op: 'smiPhyRead', phy, g2: dev, phyAddr, reg };
  }
  if (phyAddr !== 0) throw new ProtocolError(`program: ${at(ops, i)}: smi control word 0x${hex(ctl)} names a PHY address without the PHY unit bit`);
  return write ? { op: 'smiWrite', phy, dev, reg, value: operandAt(code, ops, i, OPCODES.smi, 1) } : { op: 'smiRead', phy, dev, reg };
}

/** Where in the program a fault is, for its message. */
function at(ops: readonly MdioOp[], word: number): string {
  return `op ${ops.length} (word ${word})`;
}

/** Operand `k` of the operation whose opcode word is at `i`, checked to be 16 bits. */
function operandAt(code: readonly number[], ops: readonly MdioOp[], i: number, opcode: number, k: number): number {
  const v = code[i + 1 + k];
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
    throw new ProtocolError(`program: ${at(ops, i)}: ${OP_NAMES[opcode]} operand ${k} is 0x${hex(v)}, above 0xFFFF`);
  }
  return v;
}

function hex(v: number): string {
  return Number.isFinite(v) ? Math.trunc(v).toString(16).toUpperCase() : String(v);
}
