/**
 * The scenario runner with the firmware inside the engine (`bondfw sim --engine quickjs`):
 * the same simulated board as `bondfw sim` (switch and PHYs at register level, the bridge
 * microcontroller on an emulated UART, cables, the link partner, the hosts) stays in Node, in
 * virtual time; the firmware image runs in QuickJS over the host interface and reaches that
 * board only through it: bridge UART bytes, CPU-port frames, timers, console lines.
 *
 * `sim` lines act on the world, here in Node, as they do natively; `sim traffic`, `sim xmit`
 * and `sim stream` need the gateway's own host stack, so their gateway half runs in the image
 * (sim/instrument/gateway.ts) and its answer is joined with the cables' counts here.
 */
import type { VirtualClock } from '../../lib/clock.ts';
import { errorText } from '../../lib/errors.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import { Dispatcher } from '../../firmware/console/dispatcher.ts';
import { tokenize } from '../../firmware/console/tokenize.ts';
import type { FlashBlocks } from '../../firmware/config/flash-copies.ts';
import { scryptHasher } from '../../firmware/config/password.ts';
import type { BootConfig, BootReport } from '../../firmware/engine/host.ts';
import type { MqttConnector } from '../../firmware/telemetry/mqtt-session.ts';
import type { BridgeMcu } from '../../hal/sim/bridge-mcu.ts';
import { UartPair } from '../../hal/sim/uart.ts';
import { SimHardware } from '../../sim/hardware.ts';
import type { Topology } from '../../sim/world.ts';
import { registerSimCommands, type CaptureFile } from '../../sim/commands.ts';
import { DEFAULT_BAUD } from '../../sim/boot.ts';
import { InstrumentJoin, isInstrumentLine } from './instrument-join.ts';
import { buildImage } from './build-image.ts';
import { NodeEngineHost } from './node-host.ts';
import { startInProcess, type InProcessEngine, type InProcessFirmware } from './in-process.ts';
import { XsFirmware } from './xs.ts';
import { nodeSettle } from '../../hal/clock-real.ts';
import { VirtualClock as Clock } from '../../lib/clock.ts';

/** The engines the image runs in: QuickJS in this process, or Moddable XS in an xsnap worker. */
export type EngineKind = InProcessEngine | 'xs';

/** What waits, after each timer, for the engine to finish with it (XS answers later). */
const idleHooks = new WeakMap<VirtualClock, { idle: () => Promise<void> }>();

/**
 * A virtual clock for the scenario runner with the firmware in an engine: between timers it
 * lets Node's promise work settle and, for an engine in another process, waits until the
 * engine has answered everything it was sent.
 */
export function engineClock(): VirtualClock {
  const hook = { idle: async (): Promise<void> => {} };
  const clock = new Clock(async () => {
    await nodeSettle();
    await hook.idle();
    await nodeSettle();
  });
  idleHooks.set(clock, hook);
  return clock;
}

/** As the native runner: a line may take as long as the longest `sim wait`. */
const SCENARIO_LINE_LIMIT_MS = 7 * 24 * 3600 * 1000;

export interface EngineSimOptions {
  topology?: Topology;
  autonegMs?: number;
  /** The engine (default QuickJS); XS needs a clock from `engineClock()`. */
  engine?: EngineKind;
  /** Bytes the engine may use (QuickJS's limit); default 4 MiB. */
  memoryLimit?: number;
  /** The flash partition the configuration lives in (absent: no saved configuration). */
  flash?: FlashBlocks;
  openCapture(path: string): CaptureFile;
  /** The image script; built for the board when absent. */
  image?: string;
  /** Where the image's log lines go (the host's log); nowhere by default. */
  log?: (level: string, time: number, text: string) => void;
  /** The image's edge node and the host's MQTT client to its broker (absent: telemetry off). */
  telemetry?: { node: NonNullable<BootConfig['telemetry']>; mqtt: MqttConnector };
}

/** A simulated board with its firmware inside QuickJS, driven line by line in virtual time. */
export class EngineSim {
  private output = '';
  private onPrompt: (() => void) | undefined;
  private readonly join: InstrumentJoin;
  private readonly sim = new Dispatcher();

  private constructor(
    readonly def: BoardDefinition,
    readonly clock: VirtualClock,
    readonly hw: SimHardware,
    readonly mcu: BridgeMcu,
    readonly uart: UartPair,
    readonly host: NodeEngineHost,
    readonly engine: InProcessFirmware | XsFirmware,
    readonly report: BootReport,
    opts: EngineSimOptions,
  ) {
    this.join = new InstrumentJoin(hw.world);
    registerSimCommands(this.sim, { hw, wait: (ms) => clock.advance(ms), openCapture: opts.openCapture, bridge: { mcu, uart } });
  }

  /** Boots the image for `def` on its simulated board, through the emulated bridge at 921600 baud. */
  static async boot(def: BoardDefinition, clock: VirtualClock, opts: EngineSimOptions): Promise<EngineSim> {
    const script = opts.image ?? (await buildImage(def)).text;
    const hw = new SimHardware(def, clock, { topology: opts.topology, autonegMs: opts.autonegMs });
    const uart = new UartPair(clock, DEFAULT_BAUD);
    // A board whose CPU port is reached through its bridge has its frames on the UART too.
    const rawFrames = def.transport.kind === 'serial-bridge' && def.transport.rawFrames === true;
    const mcu = hw.attachBridge(uart.device, { rawFrames });
    mcu.start();
    let sink: EngineSim | undefined;
    const host = new NodeEngineHost({
      clock,
      uarts: { bridge: uart.host },
      conduit: rawFrames ? undefined : hw.conduit,
      flash: opts.flash,
      mqtt: opts.telemetry?.mqtt,
      console: {
        write: (t) => sink?.consoleText(t),
        prompt: () => sink?.prompted(),
        echo: () => {},
      },
      log: opts.log,
      // As the native scenario runner's: computed at once, nothing else runs meanwhile.
      passwords: scryptHasher({ sync: true }),
    });
    const boot: BootConfig = { console: { mode: 'script' }, bridgeBaud: DEFAULT_BAUD, flashConfig: opts.flash !== undefined, telemetry: opts.telemetry?.node, passwords: true };
    let engine: InProcessFirmware | XsFirmware;
    if (opts.engine === 'xs') {
      const hook = idleHooks.get(clock);
      if (!hook) throw new Error('the image in XS needs a clock from engineClock()');
      const xs = await XsFirmware.start(script, host, boot);
      hook.idle = () => xs.idle();
      engine = xs;
    } else engine = await startInProcess(opts.engine ?? 'quickjs', script, host, boot, opts.memoryLimit);
    host.attach(engine.guest);
    let report: BootReport;
    try {
      report = await clock.drive(engine.booted);
    } catch (e) {
      host.detach();
      await engine.dispose();
      mcu.halt();
      throw e;
    }
    sink = new EngineSim(def, clock, hw, mcu, uart, host, engine, report, opts);
    return sink;
  }

  private consoleText(t: string): void {
    this.output += t;
  }

  private prompted(): void {
    const fn = this.onPrompt;
    this.onPrompt = undefined;
    fn?.();
  }

  /** One console line to the firmware in the engine; resolves with what it printed. */
  private async toFirmware(line: string): Promise<string> {
    this.output = '';
    const done = new Promise<void>((resolve) => {
      this.onPrompt = resolve;
    });
    this.engine.guest.consoleLine(line);
    await this.clock.drive(done, SCENARIO_LINE_LIMIT_MS);
    const out = this.output;
    this.output = '';
    return out.endsWith('\n') ? out.slice(0, -1) : out;
  }

  /**
   * One scenario line, as `runScenarioLine` runs it natively: the hardware takes the bus time
   * it takes, only `sim wait` moves time further. Returns what the console prints.
   */
  async run(line: string): Promise<string> {
    let out: string;
    let words: string[] | undefined;
    try {
      words = tokenize(line);
    } catch {
      words = undefined; // the firmware says why
    }
    if (isInstrumentLine(words)) {
      const finish = this.join.begin(words!);
      out = finish(await this.toFirmware(line));
    }
    else if (words?.[0] === 'sim') out = (await this.clock.drive(this.sim.execute(line, 'script'), SCENARIO_LINE_LIMIT_MS)).output;
    else out = await this.toFirmware(line);
    await this.clock.advance(0);
    return out;
  }

  /** Stops the firmware (as a planned shutdown) and frees the engine. */
  async stop(): Promise<void> {
    try {
      await this.clock.drive(this.engine.guest.stop());
    } catch (e) {
      throw new Error(`engine stop: ${errorText(e)}`);
    } finally {
      this.join.close();
      this.host.detach();
      this.mcu.halt();
      await this.engine.dispose();
    }
  }
}
