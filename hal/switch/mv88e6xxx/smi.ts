/**
 * Register access to a Marvell 88E6xxx switch over MDIO (`drivers/net/dsa/mv88e6xxx/smi.c`).
 *
 * Single-chip mode (SMI address 0): the switch answers all 32 MDIO addresses and a device
 * register is a plain Clause 22 register. Multi-chip mode (SMI address != 0, strapped even):
 * the switch answers only at its SMI address, through the SMI Command (reg 0) and SMI Data
 * (reg 1) registers, and every device register access is a short program of MDIO operations.
 * Accesses are queued into an `SmiBatch` so that any number of them costs one bus round trip.
 * A bus that runs the indirect operations itself (a serial bridge announcing them,
 * `MdioBus.features.smi`) gets one operation per access instead of the sequence.
 */
import type { MdioBus, MdioOp } from '../../mdio/bus.ts';
import { MdioTimeoutError, MdioUnitTimeoutError } from '../../mdio/errors.ts';
import { DeviceError, UsageError } from '../../../lib/errors.ts';

/** smi.h: MV88E6XXX_SMI_CMD / MV88E6XXX_SMI_DATA. */
export const SMI_CMD = 0x00;
export const SMI_DATA = 0x01;
/** smi.h: MV88E6XXX_SMI_CMD_BUSY. */
export const SMI_CMD_BUSY = 0x8000;
/** smi.h: MV88E6XXX_SMI_CMD_MODE_22 (Clause 22 frames). */
export const SMI_CMD_MODE_22 = 0x1000;
/** smi.h: MV88E6XXX_SMI_CMD_OP_22_WRITE / _READ. */
export const SMI_CMD_OP_22_WRITE = 0x0400;
export const SMI_CMD_OP_22_READ = 0x0800;
/**
 * smi.c mv88e6xxx_smi_direct_wait: Linux polls BUSY 16 times (no delay) before -ETIMEDOUT.
 * Our polls run inside one batch, on the far side of a remote bus.
 */
export const SMI_BUSY_TRIES = 16;

function hex(v: number, digits = 2): string {
  return '0x' + v.toString(16).padStart(digits, '0');
}

/** A device register access in a batch, by index into the batch's results. */
export type ResultIndex = number;

/**
 * Queues device-register accesses; `Mv88e6xxxSmi.run` executes them as one MDIO batch.
 * `read` returns the index of its value in the results array.
 */
export class SmiBatch {
  /** The MDIO operations built so far. */
  readonly ops: MdioOp[] = [];
  /** What each direct `wait` polls for, keyed "addr:reg", to word a timeout. */
  readonly waitNames = new Map<string, string>();

  /**
   * The previous access ended waiting for SMI BUSY to clear, and the unit starts nothing by
   * itself: the next access need not wait before its command. Saves one MDIO read per access.
   */
  private smiIdle = false;

  /**
   * True while every write queued only selects what to read (an indirect command, a table
   * pointer): running the batch twice then changes nothing, so a remote bus may resend it.
   */
  idempotent = true;

  /**
   * Where the batch may be cut into separate programs (RunOptions.cuts): before each access,
   * except right after a write that selects what the next access reads (a table pointer, a
   * unit's read command), which must stay with it. A unit that spans accesses is held by the
   * driver's register lock, so nothing else touches it at a cut.
   */
  readonly cuts: number[] = [];
  private selecting = false;

  constructor(
    readonly smiAddr: number,
    /** The bus runs smiRead/smiWrite/smiPhyRead/smiPhyWrite itself: one operation per access. */
    readonly smiOps = false,
  ) {}

  /** A new access begins: a cut point unless the previous one selected what this one reads. */
  private beginAccess(): void {
    if (this.ops.length > 0 && !this.selecting) this.cuts.push(this.ops.length);
    this.selecting = false;
  }

  private get multiChip(): boolean {
    return this.smiAddr !== 0;
  }

  private waitSmiIdle(): void {
    this.ops.push({ op: 'wait', phy: this.smiAddr, reg: SMI_CMD, mask: SMI_CMD_BUSY, value: 0, tries: SMI_BUSY_TRIES });
  }

  /** smi.c waits before each command; within a batch only the first access needs to. */
  private waitSmiIdleBefore(): void {
    if (!this.smiIdle) this.waitSmiIdle();
  }

  private waitSmiIdleAfter(): void {
    this.waitSmiIdle();
    this.smiIdle = true;
  }

  /** Queues a read of register `reg` of internal device `dev`; returns its result index. */
  read(dev: number, reg: number): ResultIndex {
    checkDevReg(dev, reg);
    this.beginAccess();
    if (!this.multiChip) {
      this.ops.push({ op: 'read', phy: dev, reg });
      return this.ops.length - 1;
    }
    if (this.smiOps) {
      this.ops.push({ op: 'smiRead', phy: this.smiAddr, dev, reg });
      return this.ops.length - 1;
    }
    // smi.c mv88e6xxx_smi_indirect_read: wait, command, wait, data.
    this.waitSmiIdleBefore();
    this.ops.push({ op: 'write', phy: this.smiAddr, reg: SMI_CMD, value: SMI_CMD_BUSY | SMI_CMD_MODE_22 | SMI_CMD_OP_22_READ | (dev << 5) | reg });
    this.waitSmiIdleAfter();
    this.ops.push({ op: 'read', phy: this.smiAddr, reg: SMI_DATA });
    return this.ops.length - 1;
  }

  /**
   * Queues a write of `value` to register `reg` of internal device `dev`. `select` says the
   * write only selects what a following read returns (a PHY read command, a table pointer).
   */
  write(dev: number, reg: number, value: number, select = false): void {
    checkDevReg(dev, reg);
    if (!select) this.idempotent = false;
    this.beginAccess();
    this.selecting = select;
    if (!this.multiChip) {
      this.ops.push({ op: 'write', phy: dev, reg, value });
      return;
    }
    if (this.smiOps) {
      this.ops.push({ op: 'smiWrite', phy: this.smiAddr, dev, reg, value });
      return;
    }
    // smi.c mv88e6xxx_smi_indirect_write: wait, data before command, wait.
    this.waitSmiIdleBefore();
    this.ops.push({ op: 'write', phy: this.smiAddr, reg: SMI_DATA, value });
    this.ops.push({ op: 'write', phy: this.smiAddr, reg: SMI_CMD, value: SMI_CMD_BUSY | SMI_CMD_MODE_22 | SMI_CMD_OP_22_WRITE | (dev << 5) | reg });
    this.waitSmiIdleAfter();
  }

  /**
   * Queues a Clause 22 access to the PHY at `phyAddr` through the Global2 SMI PHY unit (Global2
   * at device `g2`), done whole by the bus (`smiOps` only): a read (data undefined) returns its
   * result index, a write -1. `what` names the unit for a timeout message.
   */
  phyAccess(g2: number, phyAddr: number, reg: number, data: number | undefined, what: string): ResultIndex {
    if (!this.smiOps) throw new Error('SmiBatch.phyAccess: the bus does not run indirect operations');
    checkDevReg(g2, reg);
    checkDevReg(phyAddr, reg);
    this.beginAccess();
    this.waitNames.set(`${g2}:unit`, what);
    if (data === undefined) {
      this.ops.push({ op: 'smiPhyRead', phy: this.smiAddr, g2, phyAddr, reg });
      return this.ops.length - 1;
    }
    this.idempotent = false;
    this.ops.push({ op: 'smiPhyWrite', phy: this.smiAddr, g2, phyAddr, reg, value: data });
    return -1;
  }

  /**
   * About how many MDIO transactions the batch costs on the wire (a wait counted as two reads,
   * an SMI access as four frames, a Global2 PHY access as sixteen; see indirect.ts), for
   * sizing batches by bus time rather than by operations.
   */
  get transactions(): number {
    let n = 0;
    for (const op of this.ops) {
      if (op.op === 'smiRead' || op.op === 'smiWrite') n += 4;
      else if (op.op === 'smiPhyRead' || op.op === 'smiPhyWrite') n += 16;
      else if (op.op === 'wait' || op.op === 'rmw' || op.op === 'read45' || op.op === 'write45') n += 2;
      else n += 1;
    }
    return n;
  }

  /** Whether `wait` can be queued: only registers the bus reaches directly can be polled by the bus. */
  get canWait(): boolean {
    return !this.multiChip;
  }

  /**
   * Single-chip mode only: polls `reg` of `dev` until (value & mask) === value, at most
   * `tries` reads, on the bus side. `what` names the busy bit for the timeout message.
   */
  wait(dev: number, reg: number, mask: number, value: number, tries: number, what: string): ResultIndex {
    if (this.multiChip) throw new Error('SmiBatch.wait: device registers cannot be polled by the bus in multi-chip mode');
    checkDevReg(dev, reg);
    this.beginAccess();
    this.ops.push({ op: 'wait', phy: dev, reg, mask, value, tries });
    this.waitNames.set(`${dev}:${reg}`, what);
    return this.ops.length - 1;
  }
}

function checkDevReg(dev: number, reg: number): void {
  if (!Number.isInteger(dev) || dev < 0 || dev > 31) throw new RangeError(`mv88e6xxx: device address ${dev} out of range 0..31`);
  if (!Number.isInteger(reg) || reg < 0 || reg > 31) throw new RangeError(`mv88e6xxx: register ${reg} out of range 0..31`);
}

/** Device-register access to one switch chip at one SMI address. */
export class Mv88e6xxxSmi {
  /** "mv88e6xxx at SMI 0x10": the prefix of every error about this chip. */
  readonly label: string;

  constructor(
    readonly bus: MdioBus,
    readonly smiAddr: number,
  ) {
    if (!Number.isInteger(smiAddr) || smiAddr < 0 || smiAddr > 31) throw new UsageError(`mv88e6xxx: SMI address ${smiAddr} out of range 0..31`);
    // smi.c mv88e6xxx_smi_init: the strap sets ADDR[4:1]; an odd address cannot exist.
    if (smiAddr & 1) throw new UsageError(`mv88e6xxx: SMI address ${hex(smiAddr)} is odd; multi-chip addresses are even`);
    this.label = `mv88e6xxx at SMI ${hex(smiAddr)}`;
  }

  /** True when the chip answers only at its SMI address (indirect access). */
  get multiChip(): boolean {
    return this.smiAddr !== 0;
  }

  /** True when the bus does the indirection itself (`features.smi`): asked per batch, as a bridge may change. */
  get smiOps(): boolean {
    return this.bus.features?.smi === true;
  }

  /** A new, empty batch for this chip. */
  batch(): SmiBatch {
    return new SmiBatch(this.smiAddr, this.smiOps);
  }

  /**
   * Runs a batch in one round trip. A BUSY that never clears becomes a DeviceError naming
   * the chip; a batch that fails leaves earlier accesses done, as hardware would.
   */
  async run(batch: SmiBatch, urgent = false): Promise<number[]> {
    if (batch.ops.length === 0) return [];
    try {
      return await this.bus.run(batch.ops, { idempotent: batch.idempotent, urgent, cuts: batch.cuts });
    } catch (e) {
      throw this.translate(e, batch);
    }
  }

  /** Reads one device register (one round trip). */
  async read(dev: number, reg: number, urgent = false): Promise<number> {
    const b = this.batch();
    const i = b.read(dev, reg);
    return (await this.run(b, urgent))[i];
  }

  /** Writes one device register (one round trip). */
  async write(dev: number, reg: number, value: number): Promise<void> {
    const b = this.batch();
    b.write(dev, reg, value);
    await this.run(b);
  }

  /**
   * Read-modify-write of a device register; resolves with the old value. Call holding the
   * lock of the register's group (lock.ts): multi-chip, it takes two round trips.
   */
  async modify(dev: number, reg: number, mask: number, value: number): Promise<number> {
    if (!this.multiChip) {
      // The bus does it in one operation.
      return (await this.bus.run([{ op: 'rmw', phy: dev, reg, mask, value }]))[0];
    }
    const old = await this.read(dev, reg);
    await this.write(dev, reg, (old & ~mask) | (value & mask));
    return old;
  }

  private translate(e: unknown, batch: SmiBatch): unknown {
    if (!(e instanceof MdioTimeoutError)) return e;
    if (e instanceof MdioUnitTimeoutError) {
      const unit = batch.waitNames.get(`${e.phy}:unit`);
      if (unit) return new DeviceError(`${this.label}: ${unit} stays busy after ${e.tries} polls`);
    }
    if (this.multiChip && e.phy === this.smiAddr && e.reg === SMI_CMD) {
      // Nothing drives MDIO: the pull-up reads all ones, which also looks like BUSY.
      if (e.lastValue === 0xffff) return new DeviceError(`${this.label}: no switch answers (SMI command register reads 0xffff)`);
      return new DeviceError(`${this.label}: SMI command stays busy after ${e.tries} polls`);
    }
    const what = batch.waitNames.get(`${e.phy}:${e.reg}`);
    if (what) return new DeviceError(`${this.label}: ${what} stays busy after ${e.tries} polls`);
    return e;
  }
}
