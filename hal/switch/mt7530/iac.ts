/**
 * MT7531 PHY access through PHY_IAC (mt7530.c mt7531_ind_c22_phy_read/_write,
 * mt7531_ind_c45_phy_read/_write): one 32-bit register takes a command with ACS_ST set, and
 * clears ACS_ST when the internal MDIO frame is done, leaving read data in [15:0]. Linux polls
 * ACS_ST before and after each command. Through the page window a poll is a register read the
 * bus cannot loop on, so commands are queued optimistically: one status read first (the unit
 * must be idle, or the first command is lost), then per command the command write and
 * `IAC_STATUS_READS` reads of PHY_IAC, the last of which carries the data. Only what those
 * reads cannot vouch for is redone with explicit polling.
 */
import { checkOp, type MdioOp } from '../../mdio/bus.ts';
import { MdioTimeoutError } from '../../mdio/errors.ts';
import { DeviceError } from '../../../lib/errors.ts';
import {
  MT7531_MDIO_CL22_READ,
  MT7531_MDIO_CL22_WRITE,
  MT7531_MDIO_CL45_ADDR,
  MT7531_MDIO_CL45_READ,
  MT7531_MDIO_CL45_WRITE,
  MT7531_MDIO_DEV_ADDR,
  MT7531_MDIO_PHY_ADDR,
  MT7531_MDIO_REG_ADDR,
  MT7531_MDIO_RW_DATA_MASK,
  MT7531_PHY_ACS_ST,
  MT7531_PHY_IAC,
} from './regs.ts';
import type { Mt7530Mdio, WindowBatch } from './window.ts';

/**
 * PHY_IAC reads queued after each command. The emulator shows ACS_ST for one read (its default
 * `busyPolls`); on hardware the reads alone, two MDIO frames each, outlast the internal frame.
 */
export const IAC_STATUS_READS = 2;
/** Polls of ACS_ST before giving up on the slow path (Linux polls for 100 ms). */
export const IAC_BUSY_TRIES = 16;

/** One PHY_IAC command (without ACS_ST); `select`: running it twice changes nothing. */
export interface IacCommand {
  word: number;
  select: boolean;
}

export const c22Read = (phy: number, reg: number): IacCommand => ({ word: (MT7531_MDIO_CL22_READ | MT7531_MDIO_PHY_ADDR(phy) | MT7531_MDIO_REG_ADDR(reg)) >>> 0, select: true });
export const c22Write = (phy: number, reg: number, data: number): IacCommand => ({ word: (MT7531_MDIO_CL22_WRITE | MT7531_MDIO_PHY_ADDR(phy) | MT7531_MDIO_REG_ADDR(reg) | data) >>> 0, select: false });
const c45Addr = (phy: number, devad: number, reg: number): IacCommand => ({ word: (MT7531_MDIO_CL45_ADDR | MT7531_MDIO_PHY_ADDR(phy) | MT7531_MDIO_DEV_ADDR(devad) | reg) >>> 0, select: true });
const c45Read = (phy: number, devad: number): IacCommand => ({ word: (MT7531_MDIO_CL45_READ | MT7531_MDIO_PHY_ADDR(phy) | MT7531_MDIO_DEV_ADDR(devad)) >>> 0, select: true });
const c45Write = (phy: number, devad: number, data: number): IacCommand => ({ word: (MT7531_MDIO_CL45_WRITE | MT7531_MDIO_PHY_ADDR(phy) | MT7531_MDIO_DEV_ADDR(devad) | data) >>> 0, select: false });

/**
 * Ops `from` to `end` of a PHY batch whose commands are all known before any runs: reads,
 * writes, Clause 45 accesses (address, then data command) and rmw of all 16 bits.
 * `resultOf[k]` is the command whose value op `from + k` returns, or -1 (a write: 0).
 */
export interface IacRun {
  from: number;
  end: number;
  commands: IacCommand[];
  resultOf: number[];
}

/** The longest run of queueable ops starting at `from` (empty at a partial rmw or a wait). */
export function planIacRun(ops: readonly MdioOp[], from: number): IacRun {
  const run: IacRun = { from, end: from, commands: [], resultOf: [] };
  for (; run.end < ops.length; run.end++) {
    const op = ops[run.end];
    if (op.op === 'read') {
      run.resultOf.push(run.commands.length);
      run.commands.push(c22Read(op.phy, op.reg));
    } else if (op.op === 'write') {
      run.resultOf.push(-1);
      run.commands.push(c22Write(op.phy, op.reg, op.value));
    } else if (op.op === 'read45') {
      run.commands.push(c45Addr(op.phy, op.devad, op.reg));
      run.resultOf.push(run.commands.length);
      run.commands.push(c45Read(op.phy, op.devad));
    } else if (op.op === 'write45') {
      run.commands.push(c45Addr(op.phy, op.devad, op.reg));
      run.resultOf.push(-1);
      run.commands.push(c45Write(op.phy, op.devad, op.value));
    } else if (op.op === 'rmw' && op.mask === 0xffff) {
      run.resultOf.push(run.commands.length);
      run.commands.push(c22Read(op.phy, op.reg), c22Write(op.phy, op.reg, op.value));
    } else {
      break;
    }
  }
  return run;
}

/** Copies a run's command values into the batch results. */
export function storeIacRun(run: IacRun, values: readonly number[], results: number[]): void {
  run.resultOf.forEach((c, k) => {
    results[run.from + k] = c < 0 ? 0 : values[c];
  });
}

/** Where an optimistic run's reads sit among the batch's values. */
export interface QueuedIacRun {
  idle: number;
  status: number[];
}

/** Queues the commands optimistically (see the file comment). */
export function queueIacRun(b: WindowBatch, commands: readonly IacCommand[]): QueuedIacRun {
  const q: QueuedIacRun = { idle: -1, status: [] };
  if (commands.length === 0) return q;
  q.idle = b.read(MT7531_PHY_IAC);
  for (const c of commands) {
    b.write(MT7531_PHY_IAC, (c.word | MT7531_PHY_ACS_ST) >>> 0, c.select);
    let s = -1;
    for (let k = 0; k < IAC_STATUS_READS; k++) s = b.read(MT7531_PHY_IAC);
    q.status.push(s);
  }
  return q;
}

/**
 * The data of the queued commands that certainly completed, in order, up to the first that may
 * not have: the status read before the first showed the unit idle, and a command whose last
 * status read shows ACS_ST clear finished (so the next one was taken). A command written while
 * the unit was busy is lost, so nothing from the first busy read on can be trusted.
 */
export function settleIacRun(q: QueuedIacRun, v: readonly number[]): number[] {
  const values: number[] = [];
  if (q.idle < 0 || v[q.idle] & MT7531_PHY_ACS_ST) return values;
  for (const s of q.status) {
    if (v[s] & MT7531_PHY_ACS_ST) break;
    values.push(v[s] & MT7531_MDIO_RW_DATA_MASK);
  }
  return values;
}

/** Field checks; every op type has a PHY_IAC form. */
export function checkIacOps(ops: readonly MdioOp[]): void {
  for (const op of ops) checkOp(op);
}

/** The slow path and whole PHY batches through PHY_IAC, for a caller holding the chip's PHY lock. */
export class Mt7531Iac {
  constructor(
    private readonly regs: Mt7530Mdio,
    /** Whether the sequence running now is the link monitor's. */
    private readonly urgent: () => boolean,
  ) {}

  /** Completes `commands` given the values an optimistic batch vouched for (a prefix). */
  async finish(commands: readonly IacCommand[], values: number[]): Promise<number[]> {
    for (let k = values.length; k < commands.length; k++) values.push(await this.command(commands[k]));
    return values;
  }

  /** One command the careful way: wait for idle, issue it, poll until done. */
  private async command(c: IacCommand): Promise<number> {
    await this.pollIdle();
    const b = this.regs.batch();
    b.write(MT7531_PHY_IAC, (c.word | MT7531_PHY_ACS_ST) >>> 0, c.select);
    let s = -1;
    for (let k = 0; k < IAC_STATUS_READS; k++) s = b.read(MT7531_PHY_IAC);
    const v = (await this.regs.run(b, this.urgent()))[s];
    if (!(v & MT7531_PHY_ACS_ST)) return v & MT7531_MDIO_RW_DATA_MASK;
    return (await this.pollIdle()) & MT7531_MDIO_RW_DATA_MASK;
  }

  /** Reads PHY_IAC until ACS_ST is clear (a round trip each); resolves with the register. */
  private async pollIdle(): Promise<number> {
    for (let n = 0; n < IAC_BUSY_TRIES; n++) {
      const v = await this.regs.read(MT7531_PHY_IAC, this.urgent());
      if (!(v & MT7531_PHY_ACS_ST)) return v;
    }
    throw new DeviceError(`${this.regs.label}: PHY indirect access (PHY_IAC) stays busy after ${IAC_BUSY_TRIES} polls`);
  }

  /** Runs the queueable part of `commands` in one batch, then the rest on the slow path. */
  async runCommands(commands: readonly IacCommand[]): Promise<number[]> {
    const b = this.regs.batch();
    const q = queueIacRun(b, commands);
    return this.finish(commands, settleIacRun(q, await this.regs.run(b, this.urgent())));
  }

  /** Runs ops[from..] of a PHY batch into `results`. */
  async execOps(ops: readonly MdioOp[], results: number[], from: number): Promise<number[]> {
    let i = from;
    while (i < ops.length) {
      const run = planIacRun(ops, i);
      if (run.end > i) {
        storeIacRun(run, await this.runCommands(run.commands), results);
        i = run.end;
        continue;
      }
      const op = ops[i];
      if (op.op === 'rmw') {
        // The new value depends on the old: two round trips.
        const [old] = await this.runCommands([c22Read(op.phy, op.reg)]);
        await this.runCommands([c22Write(op.phy, op.reg, (old & ~op.mask) | (op.value & op.mask))]);
        results[i] = old;
      } else if (op.op === 'wait') {
        let v = 0;
        let matched = false;
        for (let n = 0; n < op.tries && !matched; n++) {
          [v] = await this.runCommands([c22Read(op.phy, op.reg)]);
          matched = (v & op.mask) === op.value;
        }
        if (!matched) throw new MdioTimeoutError(op.phy, op.reg, op.tries, v);
        results[i] = v;
      }
      i++;
    }
    return results;
  }
}
