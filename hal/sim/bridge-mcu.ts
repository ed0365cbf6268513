import type { Clock } from '../../lib/clock.ts';
import { SeededRandom, type Random } from '../../lib/random.ts';
import { isSmiOp, type MdioOp } from '../mdio/bus.ts';
import { MdioTimeoutError, MdioUnitTimeoutError } from '../mdio/errors.ts';
import { OpRunner, type MdioWire } from '../mdio/wire.ts';
import type { ByteLink } from '../bridge/link.ts';
import { BridgeFrameReader, BridgeFrameWriter } from '../bridge/framing.ts';
import {
  CAP_C22, CAP_C45, CAP_IRQ_PROGRAMS, CAP_LINK_EVENTS, CAP_PROGRAMS, CAP_RAW_FRAMES, CAP_SMI, type BridgeInfo, type BridgeMessage, type ResultStatus,
} from '../bridge/codec.ts';

/** IEEE 802.3 22.2.4.5: a Clause 22 frame is 32 preamble bits plus 32 frame bits. */
const MDC_CYCLES_PER_TRANSACTION = 64;

export interface BridgeMcuOptions {
  clock: Clock;
  /** The MDIO bus the bridge drives (the switch and PHYs hang on it). */
  wire: MdioWire;
  /** The UART to the board CPU. */
  link: ByteLink;
  mdioClockHz?: number;
  maxOps?: number;
  firmwareVersion?: string;
  /** Interrupt inputs wired to PHY interrupt pins: line n follows source n. */
  irqSources?: readonly { onLinkChange(cb: (up: boolean) => void): void }[];
  /** The switch's CPU port, for boards whose CPU reaches it only through the bridge. */
  cpuPort?: { send(frame: Uint8Array): void; setReceiver(fn: (frame: Uint8Array) => void): void };
  /** Time from reset to the first message. */
  bootMs?: number;
  /** First boot_id; each reboot adds one (a process that plays the bridge starts at it again). */
  bootId?: number;
  /**
   * Where each boot's boot_nonce comes from (bridge.md section 6); seeded, so a run in virtual
   * time repeats itself. A process playing the bridge seeds it from a true random source.
   */
  nonceSeed?: number;
  /** A bridge from before boot_nonce: its Info carries none. */
  noBootNonce?: boolean;
  /**
   * False: a bridge from before the indirect operations (opcode 6): it does not announce
   * CAP_SMI and refuses them as an unknown opcode (BAD_PROGRAM), as such firmware does.
   */
  smiOps?: boolean;
  /**
   * False: a bridge from before interrupt programs (capability 64): it does not announce them
   * and drops an IrqProgram as a message it cannot read (no answer), as such firmware does.
   */
  irqPrograms?: boolean;
}

interface Job {
  seq: number;
  ops: MdioOp[];
  /** An interrupt program's run for this line: its values go out in the LinkEvent. */
  irqLine?: number;
}

/**
 * The bridge microcontroller, emulated: it speaks the bridge protocol on its UART and drives
 * the MDIO bus, one program at a time, taking the time the bus takes (64 MDC cycles a
 * Clause 22 transaction). Product code: the simulated board's firmware reaches its switch
 * through it.
 */
export class BridgeMcu {
  readonly info: BridgeInfo;
  private readonly reader: BridgeFrameReader;
  private readonly writer: BridgeFrameWriter;
  private readonly queue: Job[] = [];
  private busy = false;
  private running = false;
  /** False models a board whose PHY interrupt pins are not wired to the bridge. */
  irqEnabled = true;
  private epoch = 0;
  /** Extra time the next program's answer waits (a fault); later programs do not wait for it. */
  private hold: { ms: number; match: (ops: readonly MdioOp[]) => boolean } | undefined;
  private readonly nonces: Random;
  /** Stuck (a fault): it hears nothing and says nothing, and keeps its state for when it resumes. */
  hung = false;
  /** Fraction of answers lost on the way (a fault): the program runs, its Result never arrives. */
  answerLoss = 0;
  private readonly lossDice = new SeededRandom(0x6c6f7373);
  /** Interrupt programs by line (capability 64); a reboot forgets them. */
  readonly irqPrograms = new Map<number, MdioOp[]>();
  readonly counters = { programs: 0, transactions: 0, badFrames: 0, linkEvents: 0, rawToHost: 0, rawFromHost: 0, boots: 0, answersLost: 0, irqPrograms: 0, irqRuns: 0 };

  constructor(private readonly opts: BridgeMcuOptions) {
    this.info = {
      firmwareVersion: opts.firmwareVersion ?? 'mdio-bridge-sim 1.0',
      mdioClockHz: opts.mdioClockHz ?? 2_500_000,
      capabilities: CAP_C22 | CAP_C45 | CAP_PROGRAMS | CAP_LINK_EVENTS | (opts.cpuPort ? CAP_RAW_FRAMES : 0) | (opts.smiOps === false ? 0 : CAP_SMI)
        | (opts.irqPrograms === false ? 0 : CAP_IRQ_PROGRAMS),
      maxOps: opts.maxOps ?? 1024,
      bootId: opts.bootId ?? 1,
      irqLines: opts.irqSources?.length ?? 0,
      bootNonce: 0,
    };
    this.nonces = new SeededRandom(opts.nonceSeed ?? 0x626f6f74);
    this.writer = new BridgeFrameWriter((bytes) => opts.link.write(bytes));
    this.reader = new BridgeFrameReader(
      (m) => this.onMessage(m),
      () => this.counters.badFrames++,
    );
    opts.link.setReceiver((chunk) => {
      if (this.running && !this.hung) this.reader.push(chunk);
    });
    opts.irqSources?.forEach((src, line) =>
      src.onLinkChange(() => {
        if (!this.running || !this.irqEnabled) return;
        this.counters.linkEvents++;
        const program = this.irqPrograms.get(line);
        if (!program) {
          this.send({ kind: 'linkEvent', seq: 0, line, asserted: true });
          return;
        }
        // Its program runs as soon as the bus is free, before any queued host program.
        this.queue.unshift({ seq: 0, ops: program, irqLine: line });
        this.next();
      }),
    );
    opts.cpuPort?.setReceiver((frame) => {
      if (!this.running) return;
      this.counters.rawToHost++;
      this.send({ kind: 'rawFrame', seq: 0, data: frame });
    });
  }

  /** Powers the bridge up: after `bootMs` it announces itself with an unsolicited Info. */
  start(): void {
    const epoch = ++this.epoch;
    this.running = false;
    this.opts.clock.setTimer(this.opts.bootMs ?? 0, () => {
      if (epoch !== this.epoch) return;
      this.running = true;
      this.counters.boots++;
      // Never 0: 0 means "no nonce" to the host.
      if (!this.opts.noBootNonce) this.info.bootNonce = this.nonces.nextU32() || 1;
      this.send({ kind: 'info', seq: 0, info: this.info });
    });
  }

  /** A reset: queued and running programs are lost, the boot id changes, it boots again. */
  reboot(): void {
    this.queue.length = 0;
    this.irqPrograms.clear();
    this.busy = false;
    this.info.bootId++;
    this.start();
  }

  /** Stops answering (power off); `start()` brings it back. */
  halt(): void {
    this.epoch++;
    this.running = false;
    this.queue.length = 0;
    this.busy = false;
  }

  /**
   * Sends the answer to the next program (that `match` accepts) `ms` after it would have gone, while the programs
   * after it run and answer as usual: answers out of order, which the protocol allows
   * (bridge.md section 3). The program itself runs when it arrives, so its answer is that
   * much older than the ones that overtake it.
   */
  delayNextAnswer(ms: number, match: (ops: readonly MdioOp[]) => boolean = () => true): void {
    this.hold = { ms, match };
  }

  /** Line noise on the UART towards the host (a fault): `bytes` as they are, no framing. */
  sendGarbage(bytes: Uint8Array): void {
    if (this.running) this.opts.link.write(bytes);
  }

  /** True while the bridge is powered and has booted. */
  get isRunning(): boolean {
    return this.running;
  }

  /** True while a `delayNextAnswer` waits for its program. */
  get answerDelayArmed(): boolean {
    return this.hold !== undefined;
  }

  private send(m: BridgeMessage): void {
    if (!this.hung) this.writer.write(m);
  }

  private onMessage(m: BridgeMessage): void {
    switch (m.kind) {
      case 'hello':
        this.send({ kind: 'info', seq: m.seq, info: this.info });
        break;
      case 'program':
        this.queue.push({ seq: m.seq, ops: m.ops });
        this.next();
        break;
      case 'rawFrame':
        this.counters.rawFromHost++;
        this.opts.cpuPort?.send(m.data);
        break;
      case 'irqProgram':
        if (!(this.info.capabilities & CAP_IRQ_PROGRAMS)) {
          this.counters.badFrames++; // an older bridge cannot read it: dropped, unanswered
          break;
        }
        this.send({ kind: 'result', seq: m.seq, ...this.storeIrqProgram(m.line, m.ops) });
        break;
      default:
        this.counters.badFrames++; // a message only a bridge sends
    }
  }

  /** Keeps (or with no ops, removes) the interrupt program of `line`, as bridge.md section 7.1 says to answer. */
  private storeIrqProgram(line: number, ops: MdioOp[]): { status: ResultStatus; values: number[]; failedAt: number } {
    if (line >= this.info.irqLines) return { status: 'bad-program', values: [], failedAt: 0 };
    const refused = this.refusal(ops);
    if (refused) return refused;
    if (ops.length === 0) this.irqPrograms.delete(line);
    else this.irqPrograms.set(line, ops);
    this.counters.irqPrograms++;
    return { status: 'ok', values: [], failedAt: 0 };
  }

  private next(): void {
    if (this.busy) return;
    const job = this.queue.shift();
    if (!job) return;
    this.busy = true;
    const epoch = this.epoch;
    const { status, values, failedAt, transactions } = this.execute(job.ops);
    if (job.irqLine === undefined) this.counters.programs++;
    else this.counters.irqRuns++;
    this.counters.transactions += transactions;
    const busMs = (transactions * MDC_CYCLES_PER_TRANSACTION * 1000) / this.info.mdioClockHz;
    let hold = 0;
    if (job.irqLine === undefined && this.hold?.match(job.ops)) {
      hold = this.hold.ms;
      this.hold = undefined;
    }
    const answer = () => {
      if (job.irqLine !== undefined) {
        this.send({ kind: 'linkEvent', seq: 0, line: job.irqLine, asserted: true, read: { status, values, failedAt } });
        return;
      }
      if (this.answerLoss > 0 && this.lossDice.below(1_000_000) < this.answerLoss * 1_000_000) {
        this.counters.answersLost++;
        return;
      }
      this.send({ kind: 'result', seq: job.seq, status, values, failedAt });
    };
    if (hold > 0) {
      this.opts.clock.setTimer(busMs + hold, () => {
        if (epoch === this.epoch) answer();
      });
    }
    this.opts.clock.setTimer(busMs, () => {
      if (epoch !== this.epoch) return;
      this.busy = false;
      if (hold <= 0) answer();
      this.next();
    });
  }

  /**
   * Why a program is refused whole before anything runs: more operations than max_ops, or
   * (an older bridge, which does not know opcode 6) an indirect operation.
   */
  private refusal(ops: readonly MdioOp[]): { status: ResultStatus; values: number[]; failedAt: number } | undefined {
    if (ops.length > this.info.maxOps) return { status: 'too-long', values: [], failedAt: this.info.maxOps };
    if (!(this.info.capabilities & CAP_SMI)) {
      const unknown = ops.findIndex(isSmiOp);
      if (unknown >= 0) return { status: 'bad-program', values: [], failedAt: unknown };
    }
    return undefined;
  }

  /** Runs a program atomically on the bus: ops in order, stopping at the first failure. */
  private execute(ops: MdioOp[]): { status: ResultStatus; values: number[]; failedAt: number; transactions: number } {
    const before = this.opts.wire.transactions;
    const done = () => this.opts.wire.transactions - before;
    const refused = this.refusal(ops);
    if (refused) return { ...refused, transactions: 0 };
    const values: number[] = [];
    const runner = new OpRunner(this.opts.wire);
    for (let i = 0; i < ops.length; i++) {
      try {
        values.push(runner.run(ops[i]));
      } catch (e) {
        if (e instanceof MdioTimeoutError) {
          values.push(e.lastValue);
          return { status: e instanceof MdioUnitTimeoutError ? 'unit-timeout' : 'wait-timeout', values, failedAt: i, transactions: done() };
        }
        return { status: 'bad-program', values, failedAt: i, transactions: done() };
      }
    }
    return { status: 'ok', values, failedAt: 0, transactions: done() };
  }
}
