import { DeviceError } from '../../lib/errors.ts';
import { MdioBusBase, checkOp, isSmiOp, type MdioBusFeatures, type MdioOp } from './bus.ts';
import { MdioTimeoutError } from './errors.ts';
import { IndirectUnits } from './indirect.ts';

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
 * Runs the operations of one batch in order against synchronous register access, keeping what
 * one operation learned for the next (an indirect unit it left idle, see indirect.ts). Shared by
 * the local bus and by the far end of the serial bridge, so both give batches the same meaning.
 */
export class OpRunner {
  private readonly indirect: IndirectUnits;

  constructor(private readonly wire: Pick<MdioWire, 'read' | 'write' | 'read45' | 'write45'>) {
    this.indirect = new IndirectUnits(wire);
  }

  /** Runs one op; its result (the value read, 0 for writes). Throws MdioTimeoutError for a wait that never matched. */
  run(op: MdioOp): number {
    checkOp(op);
    const wire = this.wire;
    if (isSmiOp(op)) return this.indirect.run(op);
    this.indirect.otherOp(op);
    switch (op.op) {
      case 'read':
        return wire.read(op.phy, op.reg);
      case 'write':
        wire.write(op.phy, op.reg, op.value);
        return 0;
      case 'read45':
        return wire.read45(op.phy, op.devad, op.reg);
      case 'write45':
        wire.write45(op.phy, op.devad, op.reg, op.value);
        return 0;
      case 'rmw': {
        const old = wire.read(op.phy, op.reg);
        wire.write(op.phy, op.reg, (old & ~op.mask) | (op.value & op.mask));
        return old;
      }
      case 'wait': {
        let v = 0;
        for (let n = 0; n < op.tries; n++) {
          v = wire.read(op.phy, op.reg);
          if ((v & op.mask) === op.value) return v;
        }
        throw new MdioTimeoutError(op.phy, op.reg, op.tries, v);
      }
    }
  }
}

/** Executes a batch against synchronous register access (see OpRunner). */
export function executeOps(wire: Pick<MdioWire, 'read' | 'write' | 'read45' | 'write45'>, ops: readonly MdioOp[]): number[] {
  const runner = new OpRunner(wire);
  const results: number[] = new Array(ops.length);
  for (let i = 0; i < ops.length; i++) results[i] = runner.run(ops[i]);
  return results;
}

/**
 * An MdioBus wired straight to an emulated (or memory-mapped) bus in this process. Like a
 * CPU's own MDIO controller it runs plain operations; with `smi` it also runs the indirect
 * ones (as a bridge microcontroller does), for tests that compare the two.
 */
export class LocalMdioBus extends MdioBusBase {
  /** Batches run, for tests that count round trips. */
  roundTrips = 0;
  readonly features: MdioBusFeatures;

  constructor(
    readonly wire: MdioWire,
    opts: { smi?: boolean } = {},
  ) {
    super();
    this.features = { smi: opts.smi ?? false };
  }

  async run(ops: readonly MdioOp[]): Promise<number[]> {
    this.roundTrips++;
    if (!this.features.smi) {
      const op = ops.find(isSmiOp);
      if (op) throw new DeviceError(`mdio: this bus does not run ${op.op} operations`);
    }
    return executeOps(this.wire, ops);
  }
}
