/**
 * The far side of the indirect operations (smiRead, smiWrite, smiPhyRead, smiPhyWrite): what a
 * bus that runs them does on the wire, busy waits included. The bridge microcontroller does
 * this (proto/bridge.md section 4 gives the same steps for its authors); a local bus may too.
 * Written from the bus's side, apart from the switch driver (hal/switch/mv88e6xxx), with the
 * register facts of Linux's smi.c / global2.c.
 *
 * Within one batch a unit seen idle after our own command stays idle until something else may
 * have started it (it starts nothing by itself, and a batch is atomic), so the wait before the
 * next command on it is skipped: one MDIO read less per access.
 */
import type { MdioOp } from './bus.ts';
import { MdioTimeoutError, MdioUnitTimeoutError } from './errors.ts';

/** smi.h: SMI Command and Data at the switch's address, and the command's fields. */
const SMI_CMD = 0x00;
const SMI_DATA = 0x01;
const BUSY = 0x8000;
const MODE_22 = 0x1000;
const OP_22_WRITE = 0x0400;
const OP_22_READ = 0x0800;
/** global2.h: SMI PHY Command and Data, with the same command layout (MODE_22, opcodes, BUSY). */
const G2_SMI_PHY_CMD = 0x18;
const G2_SMI_PHY_DATA = 0x19;
/** Polls of a BUSY bit before giving up: smi.c polls 16 times. */
export const INDIRECT_BUSY_TRIES = 16;

/** The wire operations the indirect ones are made of. */
export interface WireAccess {
  read(addr: number, reg: number): number;
  write(addr: number, reg: number, value: number): void;
}

/** Runs the indirect operations of one batch, remembering which units it left idle. */
export class IndirectUnits {
  /** SMI address whose SMI unit our last access left idle (-1: none known). */
  private smiIdle = -1;
  /** The Global2 PHY unit our last access left idle, as "smiAddr:g2" ('': none known). */
  private phyUnitIdle = '';

  constructor(private readonly wire: WireAccess) {}

  /** An operation that is not one of ours ran: forget what a write could have changed. */
  otherOp(op: MdioOp): void {
    if (op.op === 'read' || op.op === 'read45' || op.op === 'wait') return; // reads start nothing
    this.smiIdle = -1;
    this.phyUnitIdle = '';
  }

  /** Runs one indirect op; returns the value read (0 for writes). Throws MdioTimeoutError / MdioUnitTimeoutError. */
  run(op: Extract<MdioOp, { op: 'smiRead' | 'smiWrite' | 'smiPhyRead' | 'smiPhyWrite' }>): number {
    switch (op.op) {
      case 'smiRead':
        return this.smiRead(op.phy, op.dev, op.reg);
      case 'smiWrite':
        this.phyUnitIdle = ''; // a write to Global2 could start its PHY unit
        this.smiWrite(op.phy, op.dev, op.reg, op.value);
        return 0;
      case 'smiPhyRead':
        return this.phyAccess(op.phy, op.g2, op.phyAddr, op.reg, undefined);
      case 'smiPhyWrite':
        this.phyAccess(op.phy, op.g2, op.phyAddr, op.reg, op.value);
        return 0;
    }
  }

  /** mv88e6xxx_smi_indirect_read: wait, command, wait, data. Single-chip (address 0): a plain read. */
  private smiRead(addr: number, dev: number, reg: number): number {
    if (addr === 0) return this.wire.read(dev, reg);
    if (this.smiIdle !== addr) this.smiWait(addr);
    this.wire.write(addr, SMI_CMD, BUSY | MODE_22 | OP_22_READ | (dev << 5) | reg);
    this.smiWait(addr);
    this.smiIdle = addr;
    return this.wire.read(addr, SMI_DATA);
  }

  /** mv88e6xxx_smi_indirect_write: wait, data, command, wait. */
  private smiWrite(addr: number, dev: number, reg: number, value: number): void {
    if (addr === 0) return this.wire.write(dev, reg, value);
    if (this.smiIdle !== addr) this.smiWait(addr);
    this.wire.write(addr, SMI_DATA, value);
    this.wire.write(addr, SMI_CMD, BUSY | MODE_22 | OP_22_WRITE | (dev << 5) | reg);
    this.smiWait(addr);
    this.smiIdle = addr;
  }

  private smiWait(addr: number): void {
    let v = 0;
    for (let n = 0; n < INDIRECT_BUSY_TRIES; n++) {
      v = this.wire.read(addr, SMI_CMD);
      if (!(v & BUSY)) return;
    }
    this.smiIdle = -1;
    throw new MdioTimeoutError(addr, SMI_CMD, INDIRECT_BUSY_TRIES, v);
  }

  /**
   * mv88e6xxx_g2_smi_phy_read_c22 / _write_c22: wait for the unit, (data,) command, wait, (data).
   * Each Global2 register access is itself an SMI access in multi-chip mode.
   */
  private phyAccess(addr: number, g2: number, phyAddr: number, reg: number, data: number | undefined): number {
    const unit = `${addr}:${g2}`;
    if (this.phyUnitIdle !== unit) this.phyUnitWait(addr, g2);
    if (data !== undefined) this.smiWrite(addr, g2, G2_SMI_PHY_DATA, data);
    this.smiWrite(addr, g2, G2_SMI_PHY_CMD, BUSY | MODE_22 | (data === undefined ? OP_22_READ : OP_22_WRITE) | (phyAddr << 5) | reg);
    this.phyUnitWait(addr, g2);
    this.phyUnitIdle = unit;
    return data === undefined ? this.smiRead(addr, g2, G2_SMI_PHY_DATA) : 0;
  }

  private phyUnitWait(addr: number, g2: number): void {
    let v = 0;
    for (let n = 0; n < INDIRECT_BUSY_TRIES; n++) {
      v = this.smiRead(addr, g2, G2_SMI_PHY_CMD);
      if (!(v & BUSY)) return;
    }
    this.phyUnitIdle = '';
    throw new MdioUnitTimeoutError(g2, G2_SMI_PHY_CMD, INDIRECT_BUSY_TRIES, v);
  }
}

/**
 * What a far side's busy timeout on indirect op `op` means, as the error the local run would
 * have thrown: `unit` when the inner Global2 PHY unit stayed busy, else the SMI unit (for a
 * bus that reports only the status and the last value read, as the bridge does).
 */
export function indirectTimeout(op: Extract<MdioOp, { op: 'smiRead' | 'smiWrite' | 'smiPhyRead' | 'smiPhyWrite' }>, unit: boolean, lastValue: number): MdioTimeoutError {
  if (unit && (op.op === 'smiPhyRead' || op.op === 'smiPhyWrite')) return new MdioUnitTimeoutError(op.g2, G2_SMI_PHY_CMD, INDIRECT_BUSY_TRIES, lastValue);
  return new MdioTimeoutError(op.phy, SMI_CMD, INDIRECT_BUSY_TRIES, lastValue);
}
