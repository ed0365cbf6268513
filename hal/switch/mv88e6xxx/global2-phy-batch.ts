/**
 * The batch planner of the Global2 SMI PHY unit (global2.c mv88e6xxx_g2_smi_phy_*): how
 * Clause 22 accesses to the internal PHYs are laid out in one SMI batch, and what its results
 * prove. Linux waits for BUSY to clear before and after each command; through multi-chip SMI
 * every G2 read is itself an SMI sequence the bus cannot loop on, so a batch queues the
 * accesses optimistically and then keeps only what it saw done. global2-phy.ts runs the
 * batches and completes the rest on a slow path.
 */
import type { MdioOp } from '../../mdio/bus.ts';
import type { SmiBatch } from './smi.ts';

export const G2_SMI_PHY_CMD = 0x18;
export const G2_SMI_PHY_DATA = 0x19;
export const G2_SMI_PHY_CMD_BUSY = 0x8000; // MV88E6XXX_G2_SMI_PHY_CMD_BUSY
const G2_SMI_PHY_CMD_MODE_22 = 0x1000; // MV88E6XXX_G2_SMI_PHY_CMD_MODE_22
const G2_SMI_PHY_CMD_OP_22_WRITE = 0x0400; // ..._OP_22_WRITE_DATA
const G2_SMI_PHY_CMD_OP_22_READ = 0x0800; // ..._OP_22_READ_DATA

/**
 * Optimistic batches (see `queueG2PhyRun`): status reads queued after each command before its
 * data is read. The emulator shows BUSY for `busyPolls` reads (default 1) and completes on the
 * next; on hardware the reads alone, each a full SMI access through multi-chip mode, take
 * longer than the command's internal MDIO frame.
 */
const G2_OPTIMISTIC_STATUS_READS = 2;

/** G2 SMI PHY Command for a Clause 22 read (data undefined) or write (global2.c mv88e6xxx_g2_smi_phy_access_c22). */
export function g2PhyCmd(phy: number, reg: number, data: number | undefined): number {
  return G2_SMI_PHY_CMD_BUSY | G2_SMI_PHY_CMD_MODE_22 | (data === undefined ? G2_SMI_PHY_CMD_OP_22_READ : G2_SMI_PHY_CMD_OP_22_WRITE) | (phy << 5) | reg;
}

/** One Clause 22 access to an internal PHY through G2 SMI PHY Command/Data; `data` set = a write. */
export interface G2PhyAccess {
  phy: number;
  reg: number;
  data: number | undefined;
}

/**
 * Ops `from` to `end` (exclusive) of a PHY batch whose G2 accesses are all known before any of
 * them runs, so they can be queued in one SMI batch: reads, writes, and rmw of all 16 bits (a
 * read, then a write that does not depend on it). `resultOf[k]` is the access whose value op
 * `from + k` returns, or -1 (a write: 0).
 */
export interface G2PhyRun {
  from: number;
  end: number;
  accesses: G2PhyAccess[];
  resultOf: number[];
}

/** The longest run of queueable ops starting at `from` (empty when ops[from] is a partial rmw or a wait). */
export function planG2PhyRun(ops: readonly MdioOp[], from: number): G2PhyRun {
  const run: G2PhyRun = { from, end: from, accesses: [], resultOf: [] };
  for (; run.end < ops.length; run.end++) {
    const op = ops[run.end];
    if (op.op === 'read') {
      run.resultOf.push(run.accesses.length);
      run.accesses.push({ phy: op.phy, reg: op.reg, data: undefined });
    } else if (op.op === 'write') {
      run.resultOf.push(-1);
      run.accesses.push({ phy: op.phy, reg: op.reg, data: op.value });
    } else if (op.op === 'rmw' && op.mask === 0xffff) {
      run.resultOf.push(run.accesses.length);
      run.accesses.push({ phy: op.phy, reg: op.reg, data: undefined }, { phy: op.phy, reg: op.reg, data: op.value });
    } else {
      break;
    }
  }
  return run;
}

/** Copies a run's access values into the batch results. */
export function storeG2PhyRun(run: G2PhyRun, values: readonly number[], results: number[]): void {
  run.resultOf.forEach((a, k) => {
    results[run.from + k] = a < 0 ? 0 : values[a];
  });
}

/** Where an optimistic run's reads sit in its SMI batch (result indexes; -1 for none). */
export interface QueuedG2PhyRun {
  idle: number;
  status: number[];
  data: number[];
}

/**
 * Queues G2 PHY accesses optimistically into `b` (Global2 at device `g2`): one status read
 * (the unit must be idle, or our first command is lost), then per access [data,] command,
 * `G2_OPTIMISTIC_STATUS_READS` status reads and, for a read, the data register.
 * `settleG2PhyRun` keeps only values whose command was seen done; single-chip mode uses the
 * same shape, so that a poll never fails as a whole on a busy G2 unit.
 */
export function queueG2PhyRun(b: SmiBatch, g2: number, accesses: readonly G2PhyAccess[]): QueuedG2PhyRun {
  const q: QueuedG2PhyRun = { idle: -1, status: [], data: [] };
  if (accesses.length === 0) return q;
  q.idle = b.read(g2, G2_SMI_PHY_CMD);
  for (const a of accesses) {
    if (a.data !== undefined) b.write(g2, G2_SMI_PHY_DATA, a.data);
    b.write(g2, G2_SMI_PHY_CMD, g2PhyCmd(a.phy, a.reg, a.data), a.data === undefined);
    let status = -1;
    for (let k = 0; k < G2_OPTIMISTIC_STATUS_READS; k++) status = b.read(g2, G2_SMI_PHY_CMD);
    q.status.push(status);
    q.data.push(a.data === undefined ? b.read(g2, G2_SMI_PHY_DATA) : -1);
  }
  return q;
}

/**
 * The values of the optimistically queued accesses that certainly completed, in order, up to
 * the first that may not have. The status read before the first command showed the unit idle,
 * and it starts nothing by itself, so that command was taken; it finished if the last status
 * read after it shows BUSY clear, and then the next command was taken too. A command written
 * while BUSY is lost, so nothing from the first BUSY on can be trusted, data or not.
 */
export function settleG2PhyRun(q: QueuedG2PhyRun, r: readonly number[]): number[] {
  const values: number[] = [];
  if (q.idle < 0 || r[q.idle] & G2_SMI_PHY_CMD_BUSY) return values;
  for (let k = 0; k < q.status.length; k++) {
    if (r[q.status[k]] & G2_SMI_PHY_CMD_BUSY) break;
    values.push(q.data[k] < 0 ? 0 : r[q.data[k]]);
  }
  return values;
}
