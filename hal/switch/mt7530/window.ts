/**
 * 32-bit register access to an MT7530/MT7531 over MDIO, through the page window the chip opens
 * at its MDIO address (Linux drivers/net/dsa/mt7530-mdio.c mt7530_regmap_read/_write):
 *
 *   page = (reg >> 6) & 0x3ff  written to PHY register 0x1f
 *   low half   at PHY register (reg >> 2) & 0xf  (read first / written first)
 *   high half  at PHY register 0x10              (read second / written second)
 *
 * so one register read costs three MDIO transactions (page write, two reads) and one write
 * three (page write, two writes). Accesses are queued into a `WindowBatch` that runs as one
 * bus round trip; within a batch the page is written only when it changes (the chip keeps it),
 * so registers of one page cost two transactions each after the first. Every batch writes the
 * page before its first access: another user may have moved it in between.
 */
import type { MdioBus, MdioOp } from '../../mdio/bus.ts';
import { UsageError } from '../../../lib/errors.ts';
import { hex } from './regs.ts';

/** PHY register 0x1f of the switch's address: the page of the register window. */
export const WINDOW_PAGE_REG = 0x1f;
/** PHY register 0x10: the high half of the register selected by the low-half access. */
export const WINDOW_HIGH_REG = 0x10;
/** The highest register address the window reaches (10-bit page, 16-bit regmap addresses). */
export const WINDOW_MAX_REG = 0xfffc;

export function windowPage(reg: number): number {
  return (reg >> 6) & 0x3ff;
}

export function windowLowReg(reg: number): number {
  return (reg >> 2) & 0xf;
}

export function checkRegister(reg: number): void {
  if (!Number.isInteger(reg) || reg < 0 || reg > WINDOW_MAX_REG || reg & 3) {
    throw new UsageError(`mt7530: register ${Number.isInteger(reg) ? hex(reg) : String(reg)} is not a 32-bit register address (0 to ${hex(WINDOW_MAX_REG)}, a multiple of 4)`);
  }
}

/**
 * Queues register accesses, and raw MDIO operations for devices beside the switch on the same
 * bus (the MT7530's PHYs), into one MDIO batch. `read` and `raw` return the index of their
 * value in what `Mt7530Mdio.run` resolves with.
 */
export class WindowBatch {
  readonly ops: MdioOp[] = [];
  /** True while every write only selects what to read (the page, a PHY read command): safe to resend. */
  idempotent = true;
  /** Per value: the op index of its low half (or of the raw op) and of its high half (-1 for raw ops and low halves alone). */
  private readonly slots: number[] = [];
  private page = -1;
  /**
   * Where the batch may be cut into separate programs (RunOptions.cuts): before each register
   * access, and between raw operations on different devices (a PHY's own sequence, such as its
   * BMSR read twice, stays whole); never right after a write that selects what the next read
   * returns (a PHY_IAC command). Another user may move the window at a cut, so a program that
   * starts at one inside a page writes the page again first (`resume`).
   */
  readonly cuts: number[] = [];
  readonly resume = new Map<number, MdioOp[]>();
  private selecting = false;
  /** The device of the last raw operation (-1: none since the last register access). */
  private rawPhy = -1;

  constructor(readonly addr: number) {}

  /** How many values `run` will return. */
  get length(): number {
    return this.slots.length >> 1;
  }

  /**
   * A cut before the access about to be queued (unless glued to a select before it);
   * `resume` when the access does not write the page itself.
   */
  private cut(resume: boolean): void {
    if (this.ops.length === 0 || this.selecting) return;
    const at = this.ops.length;
    this.cuts.push(at);
    if (resume && this.page >= 0) this.resume.set(at, [{ op: 'write', phy: this.addr, reg: WINDOW_PAGE_REG, value: this.page }]);
  }

  /** Before an access to `reg`: the cut, and the page written when it changes. */
  private select(reg: number): void {
    checkRegister(reg);
    const page = windowPage(reg);
    this.rawPhy = -1;
    this.cut(page === this.page);
    if (page === this.page) return;
    this.ops.push({ op: 'write', phy: this.addr, reg: WINDOW_PAGE_REG, value: page });
    this.page = page;
  }

  /** Queues a read of 32-bit register `reg`; returns the index of its value. */
  read(reg: number): number {
    this.select(reg);
    this.selecting = false;
    this.ops.push({ op: 'read', phy: this.addr, reg: windowLowReg(reg) });
    this.ops.push({ op: 'read', phy: this.addr, reg: WINDOW_HIGH_REG });
    this.slots.push(this.ops.length - 2, this.ops.length - 1);
    return this.length - 1;
  }

  /**
   * Queues a read of the low half of register `reg` only (its value is bits 15-0): enough for a
   * register whose fields all sit there (PMSR), one MDIO transaction less.
   */
  readLow(reg: number): number {
    this.select(reg);
    this.ops.push({ op: 'read', phy: this.addr, reg: windowLowReg(reg) });
    this.slots.push(this.ops.length - 1, -1);
    return this.length - 1;
  }

  /**
   * Queues a write of `value` to register `reg`. `select` says the write only selects what a
   * following read returns (a PHY read command), so running the batch twice is harmless.
   */
  write(reg: number, value: number, select = false): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`mt7530: value ${value} is not a 32-bit value`);
    if (!select) this.idempotent = false;
    this.select(reg);
    this.selecting = select;
    this.ops.push({ op: 'write', phy: this.addr, reg: windowLowReg(reg), value: value & 0xffff });
    this.ops.push({ op: 'write', phy: this.addr, reg: WINDOW_HIGH_REG, value: value >>> 16 });
  }

  /** Queues an MDIO operation for another device on the bus; returns the index of its result. */
  raw(op: MdioOp): number {
    if (op.phy === this.addr) throw new UsageError(`mt7530: MDIO address ${hex(op.phy, 2)} is the switch's register window`);
    if (op.op !== 'read' && op.op !== 'wait' && op.op !== 'read45') this.idempotent = false;
    if (this.rawPhy !== -1 && this.rawPhy !== op.phy) this.cut(true);
    this.rawPhy = op.phy;
    this.selecting = false;
    this.ops.push(op);
    this.slots.push(this.ops.length - 1, -1);
    return this.length - 1;
  }

  /** The values of the batch from the MDIO results: 32-bit register values and raw results. */
  values(results: readonly number[]): number[] {
    const out = new Array<number>(this.length);
    for (let i = 0; i < out.length; i++) {
      const lo = this.slots[2 * i];
      const hi = this.slots[2 * i + 1];
      out[i] = hi < 0 ? results[lo] : ((results[hi] << 16) | (results[lo] & 0xffff)) >>> 0;
    }
    return out;
  }
}

/** Register access to one MT7530/MT7531 at one MDIO address. */
export class Mt7530Mdio {
  /** "mt7530 at MDIO 0x1f": the prefix of every error about this chip. */
  readonly label: string;

  constructor(
    readonly bus: MdioBus,
    readonly addr: number,
  ) {
    if (!Number.isInteger(addr) || addr < 0 || addr > 31) throw new UsageError(`mt7530: MDIO address ${addr} out of range 0..31`);
    this.label = `mt7530 at MDIO ${hex(addr, 2)}`;
  }

  batch(): WindowBatch {
    return new WindowBatch(this.addr);
  }

  /** Runs a batch in one bus round trip; resolves with one value per `read`/`raw`. */
  async run(batch: WindowBatch, urgent = false): Promise<number[]> {
    if (batch.ops.length === 0) return [];
    const results = await this.bus.run(batch.ops, { idempotent: batch.idempotent, urgent, cuts: batch.cuts, resume: batch.resume });
    return batch.values(results);
  }

  async read(reg: number, urgent = false): Promise<number> {
    const b = this.batch();
    const i = b.read(reg);
    return (await this.run(b, urgent))[i];
  }

  async write(reg: number, value: number): Promise<void> {
    const b = this.batch();
    b.write(reg, value);
    await this.run(b);
  }
}
