/**
 * `bondfw run --engine quickjs|quickjs-ng|xs`: the firmware image inside an engine in real time, on the same
 * board as `bondfw run` (a simulated one with its bridge emulated in-process or on a
 * pseudo-terminal, or a board behind a real serial bridge), with Node hosting the interface:
 * the UARTs, the switch's CPU port, a flash partition in a file, MQTT.js to the broker, and
 * the console on stdin.
 *
 * The console: lines go to the image one at a time (the next once the image prompts again,
 * as a terminal user would type them); `sim` lines act on the simulated world, which is here
 * in Node, and `sim traffic|xmit|stream` are joined with the image's half as the scenario
 * runner joins them (engine-sim.ts).
 *
 * In XS (an xsnap worker process) the host's calls into the image are answered later. SIGINT
 * waits for the image's answer (`interruptOnSignal`); a terminal's Ctrl-C key, whose handler
 * answers at once, is answered from what the host has seen of the console, which says the
 * same: a line handed to the image whose prompt has not come back is a running command, and
 * echo off is a password or another secret being typed. Either is interrupted; at a prompt
 * with echo on, nothing is.
 */
import type { Clock } from '../../lib/clock.ts';
import type { ByteLink } from '../../hal/bridge/link.ts';
import type { Conduit } from '../../hal/frames.ts';
import { Dispatcher } from '../../firmware/console/dispatcher.ts';
import { tokenize } from '../../firmware/console/tokenize.ts';
import type { FlashBlocks } from '../../firmware/config/flash-copies.ts';
import type { MqttConnector } from '../../firmware/telemetry/mqtt-session.ts';
import type { PasswordHasher } from '../../firmware/console/users.ts';
import type { BootConfig, BootReport } from '../../firmware/engine/host.ts';
import { registerSimCommands, type CaptureFile, type SimBridge } from '../../sim/commands.ts';
import type { SimHardware } from '../../sim/hardware.ts';
import { InstrumentJoin, isInstrumentLine } from './instrument-join.ts';
import { XsFirmware } from './xs.ts';
import { NodeEngineHost, type HostConsole } from './node-host.ts';
import { startInProcess, type InProcessEngine, type InProcessFirmware } from './in-process.ts';

/** The board as the host has it: the bridge's UART, and for a simulated board its world. */
export interface EngineBoard {
  bridge: ByteLink;
  /** The CPU's MAC to the switch's CPU port; absent when the frames go through the bridge. */
  conduit?: Conduit;
  /** A simulated board's hardware and world, for `sim` lines. */
  sim?: { hw: SimHardware; bridge: SimBridge; wait(ms: number): Promise<void>; openCapture(path: string): CaptureFile };
  close(): Promise<void>;
}

export interface EngineRunOptions {
  clock: Clock;
  board: EngineBoard;
  image: string;
  boot: BootConfig;
  flash?: FlashBlocks;
  mqtt?: MqttConnector;
  /** A serial console's device (for `console.source` 'serial'). */
  consoleUart?: ByteLink;
  /** Where the console's text goes. */
  out: { write(text: string): void; prompt(text: string): void; echo(on: boolean): void };
  /** The engine the image runs in (QuickJS, the default; QuickJS-ng with the image as stripped bytecode; XS in an xsnap worker). */
  engine?: RunEngine;
  memoryLimit?: number;
  log?: (level: string, time: number, text: string) => void;
  /** The host's password KDF (`boot.passwords` says the image may use it). */
  passwords?: PasswordHasher;
}

export type RunEngine = InProcessEngine | 'xs';

/** The image in its engine, whichever it is. */
type RunningImage = Pick<InProcessFirmware, 'guest' | 'booted'> & { dispose(): void | Promise<void> };

/** The firmware image running in real time, with its console fed line by line. */
export class EngineRun {
  private readonly queue: string[] = [];
  /** A line is running (the image's, until its prompt comes back, or a `sim` line here): the next one waits. */
  private waiting = false;
  private lastPrompt: string | undefined;
  /** A line was handed to the image and its prompt has not come back yet. */
  private imageLine = false;
  /** Whether the image has the console echo what is typed (off while a password or secret is typed). */
  private echoing = true;
  /** Output of an instrument line (`sim traffic|xmit|stream`), held until its prompt. */
  private held: { text: string; finish: (out: string) => string } | undefined;
  private readonly join: InstrumentJoin | undefined;
  private readonly sim: Dispatcher | undefined;

  private constructor(
    readonly engine: RunningImage,
    readonly host: NodeEngineHost,
    readonly report: BootReport,
    private readonly opts: EngineRunOptions,
  ) {
    const s = opts.board.sim;
    if (s) {
      this.sim = new Dispatcher();
      this.join = new InstrumentJoin(s.hw.world);
      registerSimCommands(this.sim, { hw: s.hw, bridge: s.bridge, wait: s.wait, openCapture: s.openCapture });
    }
  }

  static async start(opts: EngineRunOptions): Promise<EngineRun> {
    let run: EngineRun | undefined;
    const console: HostConsole = {
      write: (t) => (run ? run.consoleText(t) : opts.out.write(t)),
      prompt: (t) => (run ? run.prompted(t) : opts.out.prompt(t)),
      echo: (on) => {
        if (run) run.echoing = on;
        opts.out.echo(on);
      },
    };
    const host = new NodeEngineHost({
      clock: opts.clock,
      uarts: { bridge: opts.board.bridge, ...(opts.consoleUart ? { console: opts.consoleUart } : {}) },
      conduit: opts.board.conduit,
      flash: opts.flash,
      mqtt: opts.mqtt,
      console,
      log: opts.log,
      wallClock: () => Date.now(),
      passwords: opts.passwords,
    });
    const engine: RunningImage = opts.engine === 'xs'
      ? await XsFirmware.start(opts.image, host, opts.boot)
      : await startInProcess(opts.engine ?? 'quickjs', opts.image, host, opts.boot, opts.memoryLimit);
    host.attach(engine.guest);
    let report: BootReport;
    try {
      report = await engine.booted;
    } catch (e) {
      host.detach();
      await engine.dispose();
      throw e;
    }
    run = new EngineRun(engine, host, report, opts);
    return run;
  }

  /** The console is on: the image shows its prompt or login. */
  startConsole(): void {
    // Lines wait for the console's first prompt (or login), as for every later one: an
    // engine that answers later (XS) shows it after this returns.
    this.waiting = true;
    this.engine.guest.consoleStart();
  }

  /** A line typed at the console. */
  line(line: string): void {
    this.queue.push(line);
    this.pump();
  }

  /** Ctrl-C: true when the image interrupted something; lines typed after it are dropped, as a terminal flushes its input. */
  interrupt(): boolean {
    // XS answers later (see the header): the answer is what the console shows.
    const seen = this.imageLine || !this.echoing;
    const answered = this.engine.guest.consoleInterrupt();
    const done = this.engine instanceof XsFirmware ? seen : answered;
    if (done) this.queue.length = 0;
    return done;
  }

  /**
   * SIGINT (a piped stdin has no Ctrl-C key): the image's own answer, which XS gives later.
   * Lines typed before it are dropped once it interrupted something.
   */
  interruptOnSignal(): boolean | Promise<boolean> {
    const e = this.engine;
    if (!(e instanceof XsFirmware)) return this.interrupt();
    return e.interrupt().then((done) => {
      if (done) this.queue.length = 0;
      return done;
    }, () => false);
  }

  /** A planned shutdown: the image says NDEATH, closes the board; then the host lets go. */
  async stop(): Promise<void> {
    try {
      await this.engine.guest.stop();
    } finally {
      this.join?.close();
      this.host.detach();
      await this.engine.dispose();
    }
  }

  private consoleText(t: string): void {
    if (this.held) this.held.text += t;
    else this.opts.out.write(t);
  }

  private prompted(t: string): void {
    this.lastPrompt = t;
    this.imageLine = false;
    const held = this.held;
    if (held) {
      this.held = undefined;
      const body = held.text.endsWith('\n') ? held.text.slice(0, -1) : held.text;
      const out = held.finish(body);
      if (out) this.opts.out.write(`${out}\n`);
    }
    this.opts.out.prompt(t);
    this.waiting = false;
    this.pump();
  }

  /** The next line: to the world here, or to the image (and wait for its prompt). */
  private pump(): void {
    while (!this.waiting && this.queue.length > 0) {
      const line = this.queue.shift()!;
      let words: string[] | undefined;
      try {
        words = tokenize(line);
      } catch {
        words = undefined;
      }
      // At the shell only: at a login or password prompt a line is the image's to read.
      const atShell = this.lastPrompt === (this.opts.boot.console.mode === 'session' ? this.opts.boot.console.prompt : '');
      if (this.sim && atShell && words?.[0] === 'sim') {
        if (isInstrumentLine(words)) {
          this.instrument(line, words);
          return;
        }
        this.waiting = true;
        void this.sim.execute(line, 'console').then((r) => {
          if (r.output) this.opts.out.write(`${r.output}\n`);
          this.waiting = false;
          if (this.lastPrompt !== undefined) this.opts.out.prompt(this.lastPrompt);
          this.pump();
        });
        return;
      }
      this.waiting = true;
      this.imageLine = true;
      this.engine.guest.consoleLine(line);
    }
  }

  /** `sim traffic|xmit|stream`: the image's half answers in JSON, held until its prompt; the cables' counts are here. */
  private instrument(line: string, words: string[]): void {
    this.held = { text: '', finish: this.join!.begin(words) };
    this.waiting = true;
    this.imageLine = true;
    this.engine.guest.consoleLine(line);
  }
}

