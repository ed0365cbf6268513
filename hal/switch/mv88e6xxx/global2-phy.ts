/**
 * The internal PHYs behind Global2 SMI PHY Command/Data (global2.c mv88e6xxx_g2_smi_phy_*):
 * PHY batches run as optimistic SMI batches (global2-phy-batch.ts), what those cannot vouch
 * for on a slow path that waits for the unit, and the MdioBus the PHY drivers see. A bus that
 * runs the indirect operations itself (a bridge announcing them) gets one smiPhyRead or
 * smiPhyWrite per access instead, busy waits done on its side: nothing to vouch for.
 */
import { MdioBusBase, checkOp, type MdioOp, type RunOptions } from '../../mdio/bus.ts';
import { MdioTimeoutError } from '../../mdio/errors.ts';
import { DeviceError } from '../../../lib/errors.ts';
import {
  G2_SMI_PHY_CMD,
  G2_SMI_PHY_CMD_BUSY,
  G2_SMI_PHY_DATA,
  g2PhyCmd,
  planG2PhyRun,
  queueG2PhyRun,
  settleG2PhyRun,
  storeG2PhyRun,
  type G2PhyAccess,
} from './global2-phy-batch.ts';
import type { RegisterLocks } from './lock.ts';
import type { Mv88e6xxxSmi, SmiBatch } from './smi.ts';

/** Polls of G2 SMI PHY BUSY before giving up (bounded like smi.c's 16). */
const G2_PHY_BUSY_TRIES = 16;
/**
 * Multi-chip mode: status/data read pairs queued after the command in its own batch. A
 * command that needs one poll (the usual case) then still costs a single round trip.
 */
const G2_POLLS_IN_FIRST_BATCH = 2;

/**
 * The Global2 PHY unit of one chip. Every sequence runs holding the chip's 'phy' lock (the
 * unit takes one command at a time); `runOps` takes it, the link-state poll (chip.ts) takes
 * it around `exec` and `finish` itself.
 */
export class Global2Phy {
  constructor(
    private readonly smi: Mv88e6xxxSmi,
    /** Device address of Global2. */
    private readonly g2: number,
    private readonly locks: RegisterLocks,
  ) {}

  /** Whether the sequence running now is the link monitor's (call holding the phy lock). */
  private get urgent(): boolean {
    return this.locks.holderUrgent('phy');
  }

  /** Runs a PHY batch under the lock. */
  runOps(ops: readonly MdioOp[], urgent = false): Promise<number[]> {
    this.checkOps(ops);
    return this.locks.run('phy', () => this.exec(ops, new Array<number>(ops.length), 0), urgent);
  }

  /** Field checks, and no Clause 45: G2 SMI PHY access is used in Clause 22 mode only. */
  checkOps(ops: readonly MdioOp[]): void {
    for (const op of ops) {
      checkOp(op);
      if (op.op === 'read45' || op.op === 'write45') {
        throw new DeviceError(`${this.smi.label}: Clause 45 access to internal PHYs through Global2 is not supported`);
      }
    }
  }

  /** Runs ops[from..] of a PHY batch into `results`; call holding the phy lock. */
  async exec(ops: readonly MdioOp[], results: number[], from: number): Promise<number[]> {
    let i = from;
    while (i < ops.length) {
      const run = planG2PhyRun(ops, i);
      if (run.end > i) {
        storeG2PhyRun(run, await this.run(run.accesses), results);
        i = run.end;
        continue;
      }
      const op = ops[i];
      switch (op.op) {
        case 'rmw': {
          // The new value depends on the old: two round trips.
          const [old] = await this.run([{ phy: op.phy, reg: op.reg, data: undefined }]);
          await this.run([{ phy: op.phy, reg: op.reg, data: (old & ~op.mask) | (op.value & op.mask) }]);
          results[i] = old;
          break;
        }
        case 'wait': {
          let v = 0;
          let matched = false;
          for (let n = 0; n < op.tries && !matched; n++) {
            [v] = await this.run([{ phy: op.phy, reg: op.reg, data: undefined }]);
            matched = (v & op.mask) === op.value;
          }
          if (!matched) throw new MdioTimeoutError(op.phy, op.reg, op.tries, v);
          results[i] = v;
          break;
        }
        default:
          throw new Error(`mv88e6xxx: PHY op ${op.op} cannot be run through Global2`); // checkOps refused it
      }
      i++;
    }
    return results;
  }

  /**
   * Queues G2 PHY accesses into `b`; the function returned takes the batch's results and gives
   * the values of the accesses it saw done, in order (a prefix: `finish` completes the rest).
   * A bus that runs the indirect operations does each access whole.
   */
  queue(b: SmiBatch, accesses: readonly G2PhyAccess[]): (r: readonly number[]) => number[] {
    if (b.smiOps) {
      const idx = accesses.map((a) => b.phyAccess(this.g2, a.phy, a.reg, a.data, 'Global2 PHY command'));
      return (r) => idx.map((i) => (i < 0 ? 0 : r[i]));
    }
    const q = queueG2PhyRun(b, this.g2, accesses);
    return (r) => settleG2PhyRun(q, r);
  }

  /** Runs G2 PHY accesses: one SMI batch, then the slow path for what it left undone. */
  private async run(accesses: readonly G2PhyAccess[]): Promise<number[]> {
    const b = this.smi.batch();
    const settle = this.queue(b, accesses);
    return this.finish(accesses, settle(await this.smi.run(b, this.urgent)));
  }

  /**
   * Completes `accesses` given the values of those an optimistic batch saw done (a prefix).
   * The rest are issued again, one by one, after waiting for the unit to go idle. A command
   * that was still running, or one taken after it completed, may have done its work already, so
   * those accesses run twice: harmless for plain reads and writes, but a latched-low BMSR read
   * twice loses a drop shorter than the poll interval. Only a slow or busy unit gets here.
   */
  async finish(accesses: readonly G2PhyAccess[], values: number[]): Promise<number[]> {
    if (values.length === accesses.length) return values;
    // Multi-chip: wait out the command in flight first, or reissuing it would be lost again.
    // Single-chip: access waits on the bus side anyway.
    if (this.smi.multiChip) await this.pollIdle(0);
    for (let k = values.length; k < accesses.length; k++) values.push(await this.access(accesses[k].phy, accesses[k].reg, accesses[k].data));
    return values;
  }

  /** One Clause 22 read (data undefined) or write through G2; resolves with the data read (0 for writes). */
  private async access(phy: number, reg: number, data: number | undefined): Promise<number> {
    const g2 = this.g2;
    const cmd = g2PhyCmd(phy, reg, data);
    if (this.smi.smiOps) {
      // The bus waits for the unit itself: one operation.
      const b = this.smi.batch();
      const i = b.phyAccess(g2, phy, reg, data, 'Global2 PHY command');
      const r = await this.smi.run(b, this.urgent);
      return i < 0 ? 0 : r[i];
    }
    if (!this.smi.multiChip) {
      // The bus polls G2 directly: wait, (data), command, wait, data: one round trip.
      const b = this.smi.batch();
      b.wait(g2, G2_SMI_PHY_CMD, G2_SMI_PHY_CMD_BUSY, 0, G2_PHY_BUSY_TRIES, 'Global2 PHY command');
      if (data !== undefined) b.write(g2, G2_SMI_PHY_DATA, data);
      b.write(g2, G2_SMI_PHY_CMD, cmd, data === undefined);
      b.wait(g2, G2_SMI_PHY_CMD, G2_SMI_PHY_CMD_BUSY, 0, G2_PHY_BUSY_TRIES, 'Global2 PHY command');
      const d = data === undefined ? b.read(g2, G2_SMI_PHY_DATA) : -1;
      const r = await this.smi.run(b, this.urgent);
      return d >= 0 ? r[d] : 0;
    }
    // Multi-chip: each G2 poll is an SMI access, which the bus cannot loop on. Queue the
    // command with a status read before it (was the unit idle, or was our command ignored?)
    // and status/data pairs after it; poll further in small batches only when needed.
    for (let attempt = 0; attempt < 2; attempt++) {
      const b = this.smi.batch();
      const before = b.read(g2, G2_SMI_PHY_CMD);
      if (data !== undefined) b.write(g2, G2_SMI_PHY_DATA, data);
      b.write(g2, G2_SMI_PHY_CMD, cmd, data === undefined);
      const polls: [number, number][] = [];
      for (let k = 0; k < G2_POLLS_IN_FIRST_BATCH; k++) polls.push([b.read(g2, G2_SMI_PHY_CMD), b.read(g2, G2_SMI_PHY_DATA)]);
      const r = await this.smi.run(b, this.urgent);
      if (r[before] & G2_SMI_PHY_CMD_BUSY) {
        // An earlier command still ran, so ours was lost and the polls saw the old one.
        await this.pollIdle(0);
        continue;
      }
      for (const [s, d] of polls) if (!(r[s] & G2_SMI_PHY_CMD_BUSY)) return data === undefined ? r[d] : 0;
      const v = await this.pollIdle(G2_POLLS_IN_FIRST_BATCH);
      return data === undefined ? v : 0;
    }
    throw new DeviceError(`${this.smi.label}: Global2 PHY command unit stays busy; command not accepted`);
  }

  /** Polls G2 0x18 until idle (one status/data pair per round trip); resolves with the data. */
  private async pollIdle(alreadyPolled: number): Promise<number> {
    const g2 = this.g2;
    for (let n = alreadyPolled; n < G2_PHY_BUSY_TRIES; n++) {
      const b: SmiBatch = this.smi.batch();
      const s = b.read(g2, G2_SMI_PHY_CMD);
      const d = b.read(g2, G2_SMI_PHY_DATA);
      const r = await this.smi.run(b, this.urgent);
      if (!(r[s] & G2_SMI_PHY_CMD_BUSY)) return r[d];
    }
    throw new DeviceError(`${this.smi.label}: Global2 PHY command stays busy after ${G2_PHY_BUSY_TRIES} polls`);
  }
}

/**
 * The internal PHYs' MDIO bus (address = switch port), reached through Global2. Each batch
 * holds the chip's phy lock, so it stays atomic with respect to every other user of the chip.
 */
export class Global2PhyBus extends MdioBusBase {
  constructor(private readonly unit: Global2Phy) {
    super();
  }

  run(ops: readonly MdioOp[], opts?: RunOptions): Promise<number[]> {
    return this.unit.runOps(ops, opts?.urgent);
  }
}
