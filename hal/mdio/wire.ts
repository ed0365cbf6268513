import { MdioBusBase, checkOp, type MdioOp } from './bus.ts';
import { MdioTimeoutError } from './errors.ts';

/**
 * Something that answers on an MDIO bus at one address: a PHY, or one SMI address of a
 * switch chip. Calls are synchronous: they model the electrical transaction.
 */
export interface MdioTarget {
  read(reg: number): number;
  write(reg: number, value: number): void;
  /** Clause 45 frames; a Clause-22-only device leaves these out and never answers them. */
  read45?(devad: number, reg: number): number;
  write45?(devad: number, reg: number, value: number): void;
}

/** Value read when no device drives the bus (pull-up on MDIO). */
export const MDIO_IDLE = 0xffff;

/**
 * The wires of one MDIO bus with devices at addresses. An address with no device reads
 * 0xFFFF and ignores writes, as a real bus does.
 */
export class MdioWire {
  private readonly targets: (MdioTarget | undefined)[] = new Array(32);
  /** Completed transactions, for tests and for timing models (64 MDC cycles each). */
  transactions = 0;

  attach(addr: number, target: MdioTarget): void {
    if (this.targets[addr]) throw new Error(`mdio address ${addr} is already taken`);
    this.targets[addr] = target;
  }

  detach(addr: number): void {
    this.targets[addr] = undefined;
  }

  read(addr: number, reg: number): number {
    this.transactions++;
    const t = this.targets[addr];
    return t ? t.read(reg) & 0xffff : MDIO_IDLE;
  }

  write(addr: number, reg: number, value: number): void {
    this.transactions++;
    this.targets[addr]?.write(reg, value & 0xffff);
  }

  read45(addr: number, devad: number, reg: number): number {
    this.transactions += 2; // address frame, then data frame
    const t = this.targets[addr];
    return t?.read45 ? t.read45(devad, reg) & 0xffff : MDIO_IDLE;
  }

  write45(addr: number, devad: number, reg: number, value: number): void {
    this.transactions += 2;
    this.targets[addr]?.write45?.(devad, reg, value & 0xffff);
  }
}

/**
 * Executes a batch against synchronous register access. Shared by the local bus and by
 * the far end of the serial bridge, so both give batches the same meaning.
 */
export function executeOps(wire: Pick<MdioWire, 'read' | 'write' | 'read45' | 'write45'>, ops: readonly MdioOp[]): number[] {
  const results: number[] = new Array(ops.length);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    checkOp(op);
    switch (op.op) {
      case 'read':
        results[i] = wire.read(op.phy, op.reg);
        break;
      case 'write':
        wire.write(op.phy, op.reg, op.value);
        results[i] = 0;
        break;
      case 'read45':
        results[i] = wire.read45(op.phy, op.devad, op.reg);
        break;
      case 'write45':
        wire.write45(op.phy, op.devad, op.reg, op.value);
        results[i] = 0;
        break;
      case 'rmw': {
        const old = wire.read(op.phy, op.reg);
        wire.write(op.phy, op.reg, (old & ~op.mask) | (op.value & op.mask));
        results[i] = old;
        break;
      }
      case 'wait': {
        let v = 0;
        let matched = false;
        for (let n = 0; n < op.tries; n++) {
          v = wire.read(op.phy, op.reg);
          if ((v & op.mask) === op.value) {
            matched = true;
            break;
          }
        }
        if (!matched) throw new MdioTimeoutError(op.phy, op.reg, op.tries, v);
        results[i] = v;
        break;
      }
    }
  }
  return results;
}

/** An MdioBus wired straight to an emulated (or memory-mapped) bus in this process. */
export class LocalMdioBus extends MdioBusBase {
  /** Batches run, for tests that count round trips. */
  roundTrips = 0;

  constructor(readonly wire: MdioWire) {
    super();
  }

  async run(ops: readonly MdioOp[]): Promise<number[]> {
    this.roundTrips++;
    return executeOps(this.wire, ops);
  }
}
