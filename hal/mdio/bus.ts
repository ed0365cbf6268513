/**
 * The MDIO bus contract. Every driver talks to hardware through it, whether the bus is
 * local, emulated, or behind a serial bridge. Operations are grouped into batches that run
 * atomically (no other user's operation interleaves) and cost one round trip on a remote
 * bus; `wait` and `rmw` let busy polling and read-modify-write happen on the far side.
 */

export type MdioOp =
  /** Clause 22 read; the result is the register value. */
  | { op: 'read'; phy: number; reg: number }
  /** Clause 22 write; the result is 0. */
  | { op: 'write'; phy: number; reg: number; value: number }
  /** Clause 45 read of MMD `devad`; the result is the register value. */
  | { op: 'read45'; phy: number; devad: number; reg: number }
  /** Clause 45 write; the result is 0. */
  | { op: 'write45'; phy: number; devad: number; reg: number; value: number }
  /** Clause 22 read-modify-write: new = (old & ~mask) | (value & mask); the result is the old value. */
  | { op: 'rmw'; phy: number; reg: number; mask: number; value: number }
  /**
   * Clause 22 poll until (register & mask) === value, reading at most `tries` times; the
   * result is the last value read. Fails the batch with an MdioTimeoutError when the
   * register never matches.
   */
  | { op: 'wait'; phy: number; reg: number; mask: number; value: number; tries: number }
  /**
   * Marvell SMI indirect read (smi.c mv88e6xxx_smi_indirect_read): register `reg` of the
   * switch's internal device `dev`, through the SMI Command/Data pair of the switch strapped at
   * MDIO address `phy` (multi-chip mode; `phy` 0 is single-chip mode, a plain read of address
   * `dev`). Run on the bus's far side, busy waits included; only where `features.smi` says so.
   */
  | { op: 'smiRead'; phy: number; dev: number; reg: number }
  /** Marvell SMI indirect write of `value` (mv88e6xxx_smi_indirect_write); as smiRead. */
  | { op: 'smiWrite'; phy: number; dev: number; reg: number; value: number }
  /**
   * Clause 22 read of register `reg` of the PHY at `phyAddr` behind the switch's Global2 SMI PHY
   * unit (global2.c mv88e6xxx_g2_smi_phy_read_c22), Global2 being internal device `g2` of the
   * switch at `phy` (0: single-chip). Every busy wait is done on the far side.
   */
  | { op: 'smiPhyRead'; phy: number; g2: number; phyAddr: number; reg: number }
  /** Clause 22 write through the Global2 SMI PHY unit; as smiPhyRead. */
  | { op: 'smiPhyWrite'; phy: number; g2: number; phyAddr: number; reg: number; value: number };

/**
 * Operations beyond plain Clause 22/45 access that a bus runs on its far side. A serial bridge
 * announces them in its Info (bridge.md); a bus without `features` runs plain operations only.
 */
export interface MdioBusFeatures {
  /** smiRead, smiWrite, smiPhyRead, smiPhyWrite: Marvell indirection done by the bus itself. */
  readonly smi: boolean;
}

/** The indirect (Marvell SMI) operations, which only a bus with `features.smi` runs. */
export function isSmiOp(op: MdioOp): op is Extract<MdioOp, { op: 'smiRead' | 'smiWrite' | 'smiPhyRead' | 'smiPhyWrite' }> {
  return op.op === 'smiRead' || op.op === 'smiWrite' || op.op === 'smiPhyRead' || op.op === 'smiPhyWrite';
}

export interface RunOptions {
  /**
   * Running the batch twice has the same effect as running it once, so a remote bus may
   * resend it when an answer is lost. Batches of reads and waits are that by themselves; a
   * caller asserts it for sequences whose writes only select what to read (an indirect read).
   */
  idempotent?: boolean;
  /**
   * Link-monitor work (the board's link poll, a bond's MII probe): on a bus with a queue (the
   * serial bridge) it goes ahead of every ordinary batch still waiting, and is never merged
   * behind one, so that console and remote commands never make a monitor round late. A bus
   * without a queue ignores it.
   */
  urgent?: boolean;
  /**
   * Op indices (ascending, inside the batch) where it may be cut into separate programs: at
   * each, the batch has finished every access it began and relies on nothing the far side
   * holds for it, so another user's batch may run there (units that span accesses, such as
   * an indirect PHY or statistics unit, are held by the driver's register locks). A remote
   * bus with a queue cuts long ordinary batches that only read (`idempotent`) there, so that
   * urgent work never waits long behind them; the parts still run in order, each atomically,
   * and a failure stops the rest. A batch that writes stays whole (atomic, as without cuts),
   * so that a lost answer never leaves it half done. A local bus ignores them.
   */
  cuts?: readonly number[];
  /**
   * For a cut that needs it, what a program starting there runs first to set the far side up
   * again (a register window's page written again); their values are dropped. Keyed by the
   * cut's op index.
   */
  resume?: ReadonlyMap<number, readonly MdioOp[]>;
}

export interface MdioBus {
  /**
   * The most operations one batch may hold (a remote bus's program limit), or undefined for
   * no limit. Callers that build large batches split them to fit.
   */
  readonly maxBatchOps?: number;
  /** What the bus runs beyond plain operations (read when building a batch: a bridge may change). */
  readonly features?: MdioBusFeatures;
  /** Runs `ops` in order, atomically; resolves with one number per op. */
  run(ops: readonly MdioOp[], opts?: RunOptions): Promise<number[]>;
  read(phy: number, reg: number): Promise<number>;
  write(phy: number, reg: number, value: number): Promise<void>;
  read45(phy: number, devad: number, reg: number): Promise<number>;
  write45(phy: number, devad: number, reg: number, value: number): Promise<void>;
}

/** Read/write helpers for any bus that implements `run`. */
export abstract class MdioBusBase implements MdioBus {
  abstract run(ops: readonly MdioOp[], opts?: RunOptions): Promise<number[]>;

  async read(phy: number, reg: number): Promise<number> {
    return (await this.run([{ op: 'read', phy, reg }]))[0];
  }
  async write(phy: number, reg: number, value: number): Promise<void> {
    await this.run([{ op: 'write', phy, reg, value }]);
  }
  async read45(phy: number, devad: number, reg: number): Promise<number> {
    return (await this.run([{ op: 'read45', phy, devad, reg }]))[0];
  }
  async write45(phy: number, devad: number, reg: number, value: number): Promise<void> {
    await this.run([{ op: 'write45', phy, devad, reg, value }]);
  }
}

/** One field of an op in range, or a RangeError naming it. At module level: it runs per op. */
function checkField(op: MdioOp, name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`mdio ${op.op}: ${name} ${v} out of range 0..${max}`);
}

/** Checks an op's fields before it reaches any hardware; throws RangeError naming the field. */
export function checkOp(op: MdioOp): void {
  checkField(op, 'phy', op.phy, 31);
  if (op.op === 'read45' || op.op === 'write45') {
    checkField(op, 'devad', op.devad, 31);
    checkField(op, 'reg', op.reg, 0xffff);
  } else if (op.op === 'smiRead' || op.op === 'smiWrite') {
    checkField(op, 'dev', op.dev, 31);
    checkField(op, 'reg', op.reg, 31);
  } else if (op.op === 'smiPhyRead' || op.op === 'smiPhyWrite') {
    checkField(op, 'g2', op.g2, 31);
    checkField(op, 'phyAddr', op.phyAddr, 31);
    checkField(op, 'reg', op.reg, 31);
  } else {
    checkField(op, 'reg', op.reg, 31);
  }
  if ('value' in op) checkField(op, 'value', op.value, 0xffff);
  if ('mask' in op) checkField(op, 'mask', op.mask, 0xffff);
  if (op.op === 'wait') checkField(op, 'tries', op.tries, 0xffff);
}
