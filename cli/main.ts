/**
 * The bondfw command line: `run` (the firmware in real time, console on stdin or a serial
 * port), `sim` (the scenario runner, in virtual time) and `boards`.
 */
import { randomInt } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BOARDS, DEFAULT_BOARD, findBoard } from '../boards/index.ts';
import { VirtualClock } from '../lib/clock.ts';
import { errorText } from '../lib/errors.ts';
import { formatLogEntry } from '../lib/log.ts';
import { BRIDGE_MODES, DEFAULT_BAUD, bootSim, runScenarioLine, type BridgeMode } from '../sim/boot.ts';
import { Board } from '../hal/board.ts';
import { followBridge } from '../hal/board-bridge.ts';
import { BridgeClient } from '../hal/bridge/client.ts';
import { BridgeConduit } from '../hal/bridge/conduit.ts';
import { CAP_RAW_FRAMES } from '../hal/bridge/codec.ts';
import { registerSimCommands } from '../sim/commands.ts';
import { SimHardware } from '../sim/hardware.ts';
import { EventLog } from '../lib/log.ts';
import { Dispatcher } from '../firmware/console/dispatcher.ts';
import { registerBridgeCommands } from '../firmware/console/bridge-commands.ts';
import { Firmware } from '../firmware/system.ts';
import type { BoardDefinition } from '../boards/types.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
import { openBridgePty } from '../hal/transport/bridge-pty.ts';
import { SerialLink } from '../hal/transport/serial-link.ts';
import { PacedLink } from '../hal/sim/paced-link.ts';
import { formatPortTable, portRows, FIRMWARE_VERSION } from '../firmware/console/system-commands.ts';
import { RealClock, nodeSettle } from '../hal/clock-real.ts';
import { openCaptureFile } from '../sim/capture-file.ts';
import { SerialConsole, parseSerialSpec, type ConsoleEndpoint } from '../hal/transport/serial-console.ts';
import { TOPOLOGIES, type Topology } from '../sim/world.ts';
import { ConfigFile } from '../firmware/config/store.ts';
import { FileFlash } from '../firmware/config/flash-file.ts';
import { EngineSim, engineClock, type EngineKind } from './engine/engine-sim.ts';
import { EngineRun, type EngineBoard, type EngineRunOptions, type RunEngine } from './engine/engine-run.ts';
import { buildImage } from './engine/build-image.ts';
import { xsUnavailable } from './engine/xs.ts';
import { mqttJsConnector } from '../firmware/telemetry/edge-node.ts';
import { UartPair } from '../hal/sim/uart.ts';
import type { ByteLink } from '../hal/bridge/link.ts';
import type { BootConfig } from '../firmware/engine/host.ts';
import { complete } from '../firmware/console/completion.ts';
import { openTerminal } from './terminal.ts';
import { EdgeNode } from '../firmware/telemetry/edge-node.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../firmware/telemetry/broker.ts';
import { watch } from '../firmware/telemetry/watch.ts';
import { ConsoleSession, type Terminal } from '../firmware/console/console-session.ts';
import { isGrant } from '../firmware/console/access.ts';
import type { Security, SecurityOptions } from '../firmware/console/security.ts';
import type { Clock } from '../lib/clock.ts';
import { scryptHasher } from '../firmware/config/password.ts';
import { maskUrl } from '../firmware/telemetry/sparkplug-ids.ts';
import { httpOption, startDashboard, type DashboardTelemetry } from './http/dashboard.ts';
import { CliError, RUN_OPTIONS, checkRunOptions } from './run-options.ts';

const HELP = `bondfw ${FIRMWARE_VERSION}: Linux-compatible bonding firmware for gateway appliances

usage:
  bondfw run [--board <name>] [--console <path>[:<baud>]] [--autoneg <ms>] [--bridge inproc|pty|none] [--config <path>]
      boot the firmware in real time; console on stdin, or on a serial port; --config loads
      the saved configuration at boot and is where 'config save' writes
  bondfw sim [--board <name>] [--topology single|dual] [--script <file>|-] [--bridge inproc|none] [--config <path>]
      run a console script on the simulated board in virtual time

  --engine native|quickjs|quickjs-ng|xs: where the firmware runs: in Node (native, the
  default), or as its image (npm run build:image) inside QuickJS, inside QuickJS-ng loaded as
  bytecode without source or debug information (as a device loads it), or inside Moddable
  XS (an xsnap worker), reaching the board through the host interface only; --config
  then names the flash partition's file (docs/porting.md)

  --bridge: how the firmware reaches the simulated switch's MDIO bus: through the emulated
  serial-MDIO bridge microcontroller on an emulated UART (inproc, the default), on a real
  pseudo-terminal pair through the serialport binding (pty, needs socat), or directly (none)
  bondfw run --board <real board> [--mdio <path>[:<baud>]] [--console <path>[:<baud>]]
      boot on a board whose switch sits behind a serial-MDIO bridge (default: the board's UART)
  bondfw bridge-sim [--board <name>] --tty <path> [--baud <n>] [--ops all|smi|basic]
      emulate a board's bridge microcontroller, switch, PHYs and world on a serial device;
      sim commands on stdin; --ops smi plays a bridge without interrupt programs, --ops basic
      one without the indirect SMI operations either
  bondfw watch <mqtt url>
      print the Sparkplug B messages on a broker as readable lines
  bondfw boards
      list the boards

  run, telemetry: --mqtt <url> (default: an embedded broker on 127.0.0.1:1883; none: off)
  [--group <g>] [--node <id>] [--mqtt-user <u> --mqtt-password-file <file>] [--mqtt-ca <pem>]
  [--mqtt-cert <pem> --mqtt-key <pem>] [--telemetry-period <ms>] [--primary-host <id>]
  [--mqtt-commands none|read|operate|admin]   what NCMD/DCMD may do (default: the saved
      setting, else read); the password also from BONDFW_MQTT_PASSWORD (--mqtt-password <p>
      works but shows in ps), the TLS key also from BONDFW_MQTT_KEY (PEM)

  run, console: [--login on|off] (default: on for --console once a user exists, off on
  stdin) [--idle-timeout <s>] (log out after this long idle; default 600, 0: never)

  run, dashboard: --http <addr>:<port> (default 127.0.0.1:8080, a free port if taken; none: off)`;


function parseOptions(args: string[], allowed: readonly string[]): Map<string, string> {
  const opts = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--') || !allowed.includes(a.slice(2))) throw new CliError(`unknown option '${a}' (options: ${allowed.map((o) => `--${o}`).join(' ')})`);
    const v = args[i + 1];
    if (v === undefined) throw new CliError(`${a} needs a value`);
    opts.set(a.slice(2), v);
    i++;
  }
  return opts;
}

function bridgeMode(value: string | undefined, allowed: readonly BridgeMode[]): BridgeMode {
  const mode = (value ?? 'inproc') as BridgeMode;
  if (!allowed.includes(mode)) throw new CliError(`unknown bridge mode '${value}' (modes: ${allowed.join(', ')})`);
  return mode;
}


interface Running {
  board: Board;
  firmware: Firmware;
  log: EventLog;
  /** The banner line saying how the switch is reached. */
  via: string;
  stop(): Promise<void>;
}

/** Opens a serial device, or says which one could not be opened and why. */
async function openSerial(path: string, baud: number, what: string): Promise<SerialLink> {
  const link = new SerialLink(path, baud);
  try {
    await link.open();
  } catch (e) {
    throw new CliError(`cannot open ${what} ${path}: ${(e as Error).message}`);
  }
  return link;
}

/** Users' passwords hashed off the main thread; audit times from the wall clock. */
const REAL_TIME_SECURITY: SecurityOptions = { hasher: scryptHasher(), wallClock: () => Date.now() };

/** The firmware on the simulated board, in real time. */
async function startSim(def: BoardDefinition, opts: Map<string, string>, clock: RealClock): Promise<Running> {
  const bridge = bridgeMode(opts.get('bridge'), BRIDGE_MODES);
  const autonegMs = opts.has('autoneg') ? Number(opts.get('autoneg')) : 2000;
  if (!Number.isFinite(autonegMs) || autonegMs < 0) throw new CliError('--autoneg takes milliseconds (0 or more)');
  const cleanup: (() => Promise<void> | void)[] = [];
  const sys = await bootSim(def, clock, {
    autonegMs, bridge, baud: DEFAULT_BAUD, wait: sleep, openCapture: openCaptureFile, security: REAL_TIME_SECURITY,
    openLinks: async () => {
      const pty = await openBridgePty(clock, DEFAULT_BAUD);
      cleanup.push(() => pty.close());
      return pty;
    },
  });
  const how = bridge === 'pty' ? 'a pseudo-terminal' : 'an emulated UART';
  return {
    ...sys,
    via: sys.bridge
      ? `switch MDIO through the serial bridge (${sys.bridge.client.info?.firmwareVersion}) on ${how} at ${DEFAULT_BAUD} baud`
      : 'switch registers wired straight to the firmware (no bridge)',
    stop: async () => {
      sys.firmware.stop();
      sys.bridge?.client.close();
      for (const c of cleanup) await c();
    },
  };
}

/** The firmware on a board whose switch is reached through a serial-MDIO bridge on a UART. */
async function startBridged(def: BoardDefinition, opts: Map<string, string>, clock: RealClock): Promise<Running> {
  if (def.transport.kind !== 'serial-bridge') throw new CliError(`board ${def.name} has no serial bridge`);
  for (const o of ['bridge', 'autoneg']) if (opts.has(o)) throw new CliError(`--${o} is for simulated boards; ${def.name} is real hardware`);
  const spec = opts.get('mdio');
  // Without a speed, the board's: its bridge runs at that.
  const { path, baud } = spec ? parseSerialSpec(spec, def.transport.baud) : def.transport;
  const log = new EventLog(clock);
  const link = await openSerial(path, baud, "the MDIO bridge's serial port");
  const client = new BridgeClient({ clock, link, baud, log });
  const info = await Promise.race([client.open(), sleep(5000).then(() => undefined)]);
  if (!info) {
    client.close();
    await link.close();
    throw new CliError(`no serial-MDIO bridge answers on ${path} at ${baud} baud`);
  }
  if (def.transport.rawFrames && !(info.capabilities & CAP_RAW_FRAMES)) {
    throw new CliError(`the bridge on ${path} cannot carry the switch CPU port's frames, which board ${def.name} needs`);
  }
  const board = await Board.open(def, client, new BridgeConduit(client), clock, log);
  followBridge(board, client);
  const firmware = new Firmware(board, clock, log, undefined, REAL_TIME_SECURITY);
  registerBridgeCommands(firmware.dispatcher, client);
  firmware.start();
  return {
    board, firmware, log,
    via: `switch MDIO${def.transport.rawFrames ? ' and CPU-port frames' : ''} through the serial bridge (${info.firmwareVersion}) on ${path} at ${baud} baud`,
    stop: async () => {
      firmware.stop();
      client.close();
      await link.close();
    },
  };
}

interface ServedConsole {
  end: ConsoleEndpoint;
  /** For a console with no Ctrl-C key of its own (stdin from a pipe): SIGINT interrupts its running command; false when idle. */
  interruptOnSignal?: () => boolean;
  session: ConsoleSession;
}

/** The users and clock a console's login needs; without them the console asks for none. */
interface ConsoleAccess {
  security: Security;
  clock: Clock;
}

/** How long an idle console stays logged in by default (s). */
const DEFAULT_IDLE_S = 600;

/**
 * Serves `dispatcher` on stdin or a serial port until SIGINT/SIGTERM. A command's lines are
 * printed as it writes them; Ctrl-C (a terminal's key, a serial line's 0x03) interrupts a
 * running command, and at an idle terminal prompt stops the job. With `access`, the console
 * asks for a login once a user exists (a serial console by default, stdin with --login on).
 */
async function serveConsole(
  name: string,
  opts: Map<string, string>,
  dispatcher: Dispatcher,
  banner: string[],
  log?: EventLog,
  completer?: (line: string) => [string[], string],
  access?: ConsoleAccess,
): Promise<ServedConsole> {
  const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  let consoleEnd: ConsoleEndpoint;
  let session: ConsoleSession;
  let interruptOnSignal: (() => boolean) | undefined;
  let term: Terminal;
  let prompt = '';
  let deferStart = false;
  const serialSpec = opts.get('console');
  const login = opts.get('login');
  if (login !== undefined && login !== 'on' && login !== 'off') throw new CliError(`--login takes on or off (got '${login}')`);
  const idle = Number(opts.get('idle-timeout') ?? DEFAULT_IDLE_S);
  if (!Number.isFinite(idle) || idle < 0) throw new CliError('--idle-timeout takes seconds (0: never)');
  if (serialSpec) {
    const { path, baud } = parseSerialSpec(serialSpec);
    const serial = new SerialConsole(path, baud, (line) => session.input(line), (t) => out(t), 1000, () => session.interrupt());
    // Nothing typed is echoed on the serial console, passwords included.
    term = { print: (t) => serial.write(t), prompt: (t) => serial.write(t), echo: () => {} };
    try {
      await serial.open();
    } catch (e) {
      throw new CliError(`cannot open serial console ${path}: ${(e as Error).message}`);
    }
    consoleEnd = serial;
    prompt = `${name}# `;
  } else if (process.stdin.isTTY) {
    // An interactive terminal: line editing, history (up/down) and tab completion; a
    // running command is interrupted by Ctrl-C (its summary follows, as iputils prints on
    // SIGINT), a password prompt abandoned; at the idle prompt the job stops, as the banner says.
    const t = openTerminal({
      prompt: `${name}# `,
      completer,
      onLine: (line) => session.input(line),
      onInterrupt: () => {
        if (!session.busy && !session.prompting) return false;
        session.interrupt();
        return true;
      },
    });
    term = { print: t.print, prompt: t.prompt, echo: t.echo };
    consoleEnd = { write: t.print, close: t.close };
    prompt = `${name}# `;
    deferStart = true;
  } else {
    // Pipes and scripts: plain lines, no prompt, no echo.
    const rl = createInterface({ input: process.stdin, terminal: false });
    rl.on('line', (line) => session.input(line));
    term = { print: (t) => process.stdout.write(t), prompt: (t) => process.stdout.write(t), echo: () => {} };
    consoleEnd = { write: (t) => process.stdout.write(t), close: async () => rl.close() };
    interruptOnSignal = () => session.interrupt();
  }
  const source = serialSpec ? 'serial' : 'console';
  if (access) {
    session = new ConsoleSession(dispatcher, source, access.security, access.clock, term, {
      login: login === undefined ? source === 'serial' : login === 'on', prompt, idleMs: idle * 1000,
    });
  } else {
    session = new ConsoleSession(dispatcher, source, undefined, undefined, term, { login: false, prompt });
  }
  for (const line of banner) out(line);
  out(serialSpec ? `console on ${serialSpec}; Ctrl-C stops` : "console on stdin ('help' lists commands); Ctrl-C stops");
  // Kernel messages only for someone logged in: a login prompt tells nothing of the gateway.
  log?.subscribe((e) => {
    if (session.loggedIn) consoleEnd.write(`${formatLogEntry(e)}\n`);
  });
  if (deferStart) setImmediate(() => session.start());
  else session.start();
  return { end: consoleEnd, interruptOnSignal, session };
}

/**
 * Resolves on SIGTERM, or on a SIGINT that `interrupt` (a running console command) did not
 * take; its answer may come later (the firmware inside XS).
 */
function untilSignal(interrupt?: () => boolean | Promise<boolean>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onInt = () => {
      const took = interrupt?.() ?? false;
      if (took === true) return;
      if (took === false) stop('SIGINT');
      else void took.then((t) => t || stop('SIGINT'));
    };
    const onTerm = () => stop('SIGTERM');
    let stopped = false;
    const stop = (sig: string) => {
      if (stopped) return;
      stopped = true;
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.stdout.write(`\n${sig}: shutting down\n`);
      resolve();
    };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

async function run(args: string[]): Promise<void> {
  const opts = parseOptions(args, RUN_OPTIONS);
  // Every option checked before anything starts: a bad one must not leave a half-started job
  // (no console, no telemetry) that a supervisor would take for a healthy one.
  const checked = checkRunOptions(opts);
  const engine = opts.get('engine');
  if (engine === 'quickjs' || engine === 'quickjs-ng' || engine === 'xs') return runInEngine(checked.board, opts, checked.mdio, engine);
  const remoteRole = opts.get('mqtt-commands');
  const def = checked.board;
  const started: { stop(): Promise<void> }[] = [];
  let sys: Running;
  let telemetry: Awaited<ReturnType<typeof startTelemetry>>;
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  let consoleEnd: ServedConsole;
  let served: ServedConsole | undefined;
  const clock = new RealClock();
  let signalled: Promise<void>;
  try {
    dashboard = await startDashboard(httpOption(opts.get('http')));
    started.push(dashboard);
    sys = def.transport.kind === 'sim' ? await startSim(def, opts, clock) : await startBridged(def, opts, clock);
    started.push(sys);
    const configPath = opts.get('config');
    const configLines = configPath ? await sys.firmware.loadConfig(new ConfigFile(configPath)) : [];
    // The command line wins over the saved setting, for this run.
    if (remoteRole !== undefined && isGrant(remoteRole)) sys.firmware.dispatcher.setRole('mqtt', remoteRole);
    telemetry = await startTelemetry(def, opts, sys.firmware);
    started.push(telemetry);
    // Listening before the banner says the console is up: a signal right after it is a
    // shutdown, never the default kill.
    signalled = untilSignal(() => served?.interruptOnSignal?.() ?? false);
    const running = sys;
    consoleEnd = await serveConsole(def.name, opts, sys.firmware.dispatcher, [
      `bondfw ${FIRMWARE_VERSION} on ${def.name}: ${def.description}`,
      sys.via,
      ...configLines,
      telemetry.banner,
      ...dashboard.wire(telemetry),
      formatPortTable(portRows(sys.board, sys.firmware.devices)),
    ], sys.log, (line) => complete(line, running.firmware.dispatcher, running.firmware.net), { security: sys.firmware.security, clock });
  } catch (e) {
    // Whatever started goes down again, newest first; main() then exits non-zero.
    for (const s of started.reverse()) await s.stop().catch(() => {});
    clock.cancelAll();
    throw e;
  }
  served = consoleEnd;
  await signalled;
  consoleEnd.session.close();
  await telemetry.stop();
  await dashboard.stop();
  await sys.stop();
  await consoleEnd.end.close();
  clock.cancelAll();
  process.stdin.destroy();
}

/** The board the engine's host gives the image: a simulated one (its bridge in-process or on a pseudo-terminal) or one behind a real bridge. */
async function engineBoard(def: BoardDefinition, opts: Map<string, string>, mdio: { path: string; baud: number } | undefined, clock: RealClock): Promise<EngineBoard & { via: (bridgeVersion: string) => string }> {
  if (def.transport.kind === 'sim') {
    const autonegMs = opts.has('autoneg') ? Number(opts.get('autoneg')) : 2000;
    const hw = new SimHardware(def, clock, { autonegMs });
    const mode = bridgeMode(opts.get('bridge'), ['inproc', 'pty']);
    let link: ByteLink;
    let device: ByteLink;
    let uart: UartPair | undefined;
    let close = async (): Promise<void> => {};
    if (mode === 'inproc') {
      uart = new UartPair(clock, DEFAULT_BAUD);
      link = uart.host;
      device = uart.device;
    } else {
      const pty = await openBridgePty(clock, DEFAULT_BAUD);
      link = pty.host;
      device = pty.device;
      close = () => pty.close();
    }
    const mcu = hw.attachBridge(device);
    mcu.start();
    const how = mode === 'pty' ? 'a pseudo-terminal' : 'an emulated UART';
    return {
      bridge: link,
      conduit: hw.conduit,
      sim: { hw, bridge: { mcu, uart }, wait: sleep, openCapture: openCaptureFile },
      via: (v) => `switch MDIO through the serial bridge (${v}) on ${how} at ${DEFAULT_BAUD} baud`,
      close: async () => {
        mcu.halt();
        await close();
      },
    };
  }
  if (!mdio) throw new CliError(`board ${def.name} has no serial bridge`);
  const link = await openSerial(mdio.path, mdio.baud, "the MDIO bridge's serial port");
  return {
    bridge: link,
    via: (v) => `switch MDIO and CPU-port frames through the serial bridge (${v}) on ${mdio.path} at ${mdio.baud} baud`,
    close: () => link.close(),
  };
}

/** How long a board's bridge has to say hello before `run --engine quickjs` gives up (as natively). */
const ENGINE_BRIDGE_WAIT_MS = 5000;

/**
 * `bondfw run --engine quickjs`: the firmware image inside QuickJS in real time, hosted by
 * Node (cli/engine/engine-run.ts): the same board, broker, dashboard and console as natively.
 * `--config` names the flash partition's file (the image keeps its configuration in flash).
 */
/** The engine as the banner and errors name it. */
const ENGINE_NAMES: Record<RunEngine, { short: string; long: string }> = {
  'quickjs': { short: 'QuickJS', long: 'QuickJS' },
  'quickjs-ng': { short: 'QuickJS-ng', long: 'QuickJS-ng (stripped bytecode)' },
  'xs': { short: 'XS', long: 'Moddable XS (xsnap worker)' },
};

async function runInEngine(def: BoardDefinition, opts: Map<string, string>, mdio: { path: string; baud: number } | undefined, engine: RunEngine): Promise<void> {
  if (engine === 'xs') {
    const why = await xsUnavailable();
    if (why !== undefined) throw new CliError(`--engine xs: ${why}`);
  }
  const clock = new RealClock();
  const started: { stop(): Promise<void> }[] = [];
  let run: EngineRun | undefined;
  let flash: FileFlash | undefined;
  let signalled: Promise<void>;
  let stopTerminal = async (): Promise<void> => {};
  try {
    const dashboard = await startDashboard(httpOption(opts.get('http')));
    started.push(dashboard);
    const board = await engineBoard(def, opts, mdio, clock);
    started.push({ stop: () => board.close() });
    const configPath = opts.get('config');
    if (configPath) {
      try {
        flash = FileFlash.open(configPath);
      } catch (e) {
        throw new CliError(`cannot open the flash partition ${configPath}: ${(e as Error).message}`);
      }
    }
    const t = await telemetrySettings(def, opts, () => {});
    if (t.broker) started.push({ stop: () => t.broker!.close() });
    const serialSpec = opts.get('console');
    const login = opts.get('login');
    const idleMs = Number(opts.get('idle-timeout') ?? DEFAULT_IDLE_S) * 1000;
    const tty = !serialSpec && process.stdin.isTTY === true;
    let consoleUart: SerialLink | undefined;
    if (serialSpec) {
      const { path, baud } = parseSerialSpec(serialSpec);
      consoleUart = await openSerial(path, baud, 'serial console');
      started.push({ stop: () => consoleUart!.close() });
    }
    // Lines typed (or piped) while the image boots wait for its console.
    const early: string[] = [];
    const terminal = engineTerminal(tty, (line) => (run ? run.line(line) : early.push(line)), () => run?.interrupt() ?? false);
    stopTerminal = terminal.close;
    const remoteRole = opts.get('mqtt-commands');
    const boot: BootConfig = {
      console: {
        mode: 'session',
        source: serialSpec ? 'serial' : 'console',
        login: login === undefined ? serialSpec !== undefined : login === 'on',
        idleMs,
        prompt: serialSpec || tty ? `${def.name}# ` : '',
      },
      flashConfig: flash !== undefined,
      passwords: true,
      ...(remoteRole !== undefined && isGrant(remoteRole) ? { remoteRole } : {}),
      ...(t.url !== undefined ? { telemetry: { group: t.group, node: t.node, brokerLabel: maskUrl(t.url), periodMs: t.periodMs, primaryHost: t.primaryHost } } : {}),
    };
    const image = (await buildImage(def)).text;
    const starting = EngineRun.start({
      clock, board, image, boot, flash, consoleUart, out: terminal.out, engine, passwords: REAL_TIME_SECURITY.hasher,
      mqtt: t.url !== undefined ? mqttJsConnector({ url: t.url, username: t.username, password: t.password, ca: t.ca, cert: t.cert, key: t.key }) : undefined,
    });
    const hello = sleep(ENGINE_BRIDGE_WAIT_MS).then(() => undefined);
    const up = await Promise.race([starting, hello]);
    if (!up) throw new CliError(`no serial-MDIO bridge answers ${mdio ? `on ${mdio.path} at ${mdio.baud} baud` : 'the emulated board'} (the firmware inside ${ENGINE_NAMES[engine].short} waited ${ENGINE_BRIDGE_WAIT_MS / 1000} s)`);
    run = up;
    started.push({ stop: () => run!.stop() });
    signalled = untilSignal(() => (tty ? false : run?.interruptOnSignal() ?? false));
    const r = run.report;
    const telemetry: DashboardTelemetry = { url: t.url, broker: t.broker, group: t.group, node: t.node };
    for (const line of [
      `bondfw ${FIRMWARE_VERSION} on ${def.name}: ${def.description}`,
      `${board.via(r.bridgeVersion ?? 'unknown')}; the firmware inside ${ENGINE_NAMES[engine].long}`,
      ...r.configLines,
      t.url === undefined ? 'telemetry off (--mqtt none)' : telemetryBanner(t, r.remoteRole),
      ...dashboard.wire(telemetry),
      r.portTable,
      serialSpec ? `console on ${serialSpec}; Ctrl-C stops` : "console on stdin ('help' lists commands); Ctrl-C stops",
    ]) process.stdout.write(`${line}\n`);
    run.startConsole();
    for (const line of early.splice(0)) run.line(line);
  } catch (e) {
    await stopTerminal();
    for (const s of started.reverse()) await s.stop().catch(() => {});
    flash?.close();
    clock.cancelAll();
    throw e;
  }
  await signalled;
  await stopTerminal();
  for (const s of started.reverse()) await s.stop().catch(() => {});
  flash?.close();
  clock.cancelAll();
  process.stdin.destroy();
}

/**
 * The stdin console for the image: a terminal's line editing (the image's prompts, echo off
 * for passwords, Ctrl-C to the running command or, at the prompt, to stop the job), or plain
 * lines from a pipe.
 */
function engineTerminal(tty: boolean, line: (l: string) => void, interrupt: () => boolean): { out: EngineRunOptions['out']; close(): Promise<void> } {
  if (!tty) {
    const rl = createInterface({ input: process.stdin, terminal: false });
    rl.on('line', line);
    return {
      out: { write: (t) => process.stdout.write(t), prompt: (t) => process.stdout.write(t), echo: () => {} },
      close: async () => rl.close(),
    };
  }
  const t = openTerminal({ prompt: '', onLine: line, onInterrupt: interrupt });
  return { out: { write: t.print, prompt: t.prompt, echo: t.echo }, close: t.close };
}

/** What --mqtt and its companions say, checked, with the embedded broker started when no --mqtt names one. */
interface TelemetrySettings {
  group: string;
  node: string;
  /** Where the node publishes; undefined: telemetry off (--mqtt none). */
  url?: string;
  broker?: EmbeddedBroker;
  username?: string;
  password?: string;
  ca?: string;
  cert?: string;
  key?: string;
  periodMs: number;
  primaryHost?: string;
  /** Warnings to show on the console at start (they are logged too). */
  warnings: string[];
}

/**
 * The Sparkplug B edge node's settings: to --mqtt <url>, or (without it) to an embedded broker
 * on 127.0.0.1:1883 (a free port if taken); `--mqtt none` turns telemetry off.
 */
async function telemetrySettings(def: BoardDefinition, opts: Map<string, string>, warnLog: (text: string) => void): Promise<TelemetrySettings> {
  const url = opts.get('mqtt');
  const mac = def.baseMac.split(/[:-]/).slice(3).join('').toLowerCase();
  const ids = { group: opts.get('group') ?? 'gateways', node: opts.get('node') ?? `${def.name}-${mac}` };
  const period = opts.has('telemetry-period') ? Number(opts.get('telemetry-period')) : 10_000;
  if (url === 'none') return { ...ids, periodMs: period, warnings: [] };
  const read = (key: string): string | undefined => {
    const path = opts.get(key);
    if (!path) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read --${key} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  };
  // Said on the console at start (the event log is shown only from then on) and logged.
  const warnings: string[] = [];
  const warn = (text: string) => {
    warnings.push(`warning: ${text}`);
    warnLog(text);
  };
  const { password, key } = mqttSecrets(opts, read, warn);
  if (!Number.isFinite(period) || period < 100) throw new CliError('--telemetry-period takes milliseconds (100 or more)');
  let broker: EmbeddedBroker | undefined;
  let target = url;
  if (!target) {
    broker = await startEmbeddedBroker(1883);
    target = broker.url;
  } else if (!/^(mqtts?|wss?|tcp|ssl):\/\//.test(target)) throw new CliError(`--mqtt takes a URL such as mqtt://host:1883 or mqtts://host:8883 (got '${maskUrl(target)}')`);
  else if (maskUrl(target) !== target) warn('mqtt: the --mqtt URL carries a password, which ps shows to every user; use --mqtt-user with --mqtt-password-file or BONDFW_MQTT_PASSWORD');
  return {
    ...ids, url: target, broker, username: opts.get('mqtt-user'), password, ca: read('mqtt-ca'), cert: read('mqtt-cert'), key,
    periodMs: period, primaryHost: opts.get('primary-host'), warnings,
  };
}

/** The banner line of a running edge node. */
function telemetryBanner(t: TelemetrySettings, remoteRole: string): string {
  const where = t.broker ? `embedded broker ${t.broker.url}` : maskUrl(t.url ?? '');
  return `${t.warnings.map((w) => `${w}\n`).join('')}telemetry: Sparkplug B edge node ${t.group}/${t.node} on ${where}; remote commands: ${remoteRole}${t.primaryHost !== undefined ? `; primary host ${t.primaryHost}` : ''}`;
}

/** The Sparkplug B edge node of the native firmware. */
async function startTelemetry(def: BoardDefinition, opts: Map<string, string>, firmware: Firmware): Promise<{ banner: string; stop(): Promise<void> } & DashboardTelemetry> {
  const t = await telemetrySettings(def, opts, (text) => firmware.log.warn(text));
  if (t.url === undefined) return { banner: 'telemetry off (--mqtt none)', stop: async () => {}, group: t.group, node: t.node };
  let node: EdgeNode;
  try {
    node = new EdgeNode(firmware, {
      url: t.url,
      group: t.group,
      node: t.node,
      username: t.username,
      password: t.password,
      ca: t.ca,
      cert: t.cert,
      key: t.key,
      periodMs: t.periodMs,
      primaryHost: t.primaryHost,
    });
  } catch (e) {
    await t.broker?.close();
    throw new CliError((e as Error).message);
  }
  node.start();
  return {
    banner: telemetryBanner(t, firmware.dispatcher.roleOf('mqtt')),
    stop: async () => {
      await node.stop();
      await t.broker?.close();
    },
    url: t.url, broker: t.broker, group: t.group, node: t.node,
  };
}

/**
 * The MQTT password and TLS key, kept out of `ps`: from a file (--mqtt-password-file, or
 * --mqtt-key naming a PEM file) or the environment (BONDFW_MQTT_PASSWORD, BONDFW_MQTT_KEY).
 * --mqtt-password on the command line still works, with a warning.
 */
function mqttSecrets(opts: Map<string, string>, read: (key: string) => string | undefined, warn: (text: string) => void): { password?: string; key?: string } {
  const sources = [opts.has('mqtt-password-file'), opts.has('mqtt-password'), process.env.BONDFW_MQTT_PASSWORD !== undefined].filter(Boolean).length;
  if (sources > 1) throw new CliError('give the MQTT password one way: --mqtt-password-file, BONDFW_MQTT_PASSWORD or --mqtt-password');
  let password: string | undefined;
  const file = opts.get('mqtt-password-file');
  if (file !== undefined) {
    password = read('mqtt-password-file')!.replace(/\r?\n$/, '');
    try {
      if (statSync(file).mode & 0o044) warn(`mqtt: ${file} is readable by other users (chmod 600 it)`);
    } catch {
      // read() already said why a file cannot be read
    }
  } else if (process.env.BONDFW_MQTT_PASSWORD !== undefined) {
    password = process.env.BONDFW_MQTT_PASSWORD;
  } else if (opts.has('mqtt-password')) {
    password = opts.get('mqtt-password');
    warn('mqtt: --mqtt-password shows the password to every user of ps; use --mqtt-password-file or BONDFW_MQTT_PASSWORD');
  }
  // Not inherited by anything this process starts.
  delete process.env.BONDFW_MQTT_PASSWORD;
  let key = read('mqtt-key');
  if (key === undefined && process.env.BONDFW_MQTT_KEY !== undefined) key = process.env.BONDFW_MQTT_KEY;
  delete process.env.BONDFW_MQTT_KEY;
  return { password, key };
}

/**
 * The bridge microcontroller emulated in a process of its own, on a serial device (one end of
 * a pseudo-terminal pair), with the board's switch, PHYs and world behind it; `sim` commands
 * on stdin act on that world.
 */
async function bridgeSim(args: string[]): Promise<void> {
  const opts = parseOptions(args, ['board', 'tty', 'baud', 'autoneg', 'ops']);
  const def = findBoard(opts.get('board') ?? DEFAULT_BOARD);
  // Older bridge firmware, to try a host against: 'smi', from before interrupt programs
  // (bridge.md section 7.1); 'basic', from before the indirect SMI operations too (section 4.1).
  const ops = opts.get('ops') ?? 'all';
  if (ops !== 'all' && ops !== 'smi' && ops !== 'basic') {
    throw new CliError(`unknown --ops '${ops}' (smi: the indirect SMI operations too, basic: plain operations only); the default, all, adds interrupt programs`);
  }
  const tty = opts.get('tty');
  if (!tty) throw new CliError('bridge-sim needs --tty <path> (the serial device the bridge sits on)');
  // The board's bridge speed unless told otherwise: the firmware opens the other end at it.
  const baud = opts.has('baud') ? Number(opts.get('baud')) : def.transport.kind === 'serial-bridge' ? def.transport.baud : DEFAULT_BAUD;
  if (!Number.isInteger(baud) || baud < 50) throw new CliError('--baud takes a whole number of bits per second');
  const clock = new RealClock();
  const hw = new SimHardware(def, clock, { autonegMs: opts.has('autoneg') ? Number(opts.get('autoneg')) : 2000 });
  const link = await openSerial(tty, baud, 'the serial device');
  const rawFrames = def.transport.kind === 'serial-bridge' && def.transport.rawFrames === true;
  // A process started again is a new boot with the same boot id: its nonce must differ.
  const mcu = hw.attachBridge(new PacedLink(link, clock, baud), { rawFrames, nonceSeed: randomInt(0x1_0000_0000), smiOps: ops !== 'basic', irqPrograms: ops === 'all' });
  mcu.start();
  const dispatcher = new Dispatcher();
  registerSimCommands(dispatcher, { hw, wait: sleep, openCapture: openCaptureFile, bridge: { mcu } });
  const consoleEnd = await serveConsole(`${def.name}-bridge`, new Map(), dispatcher, [
    `bridge emulator (${mcu.info.firmwareVersion}) for ${def.name} on ${tty} at ${baud} baud${rawFrames ? ', carrying CPU-port frames' : ''}${ops === 'basic' ? ', plain operations only (no indirect SMI)' : ops === 'smi' ? ', no interrupt programs' : ''}`,
  ]);
  await untilSignal(consoleEnd.interruptOnSignal);
  mcu.halt();
  await link.close();
  await consoleEnd.end.close();
  clock.cancelAll();
  process.stdin.destroy();
}

/** Where the firmware runs: natively in Node, or as its image inside QuickJS (or Moddable XS, for the scenario runner). */
function engineOption(value: string | undefined): 'native' | EngineKind {
  const e = value ?? 'native';
  if (e !== 'native' && e !== 'quickjs' && e !== 'quickjs-ng' && e !== 'xs') throw new CliError(`unknown engine '${e}' (engines: native, quickjs, quickjs-ng, xs)`);
  return e;
}

/** Fails early, with a clear message, for a script that cannot be read. */
function checkScript(script: string): void {
  if (script === '-') return;
  try {
    readFileSync(script, { flag: 'r' }).length;
  } catch (e) {
    throw new CliError(`cannot read script ${script}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** The scenario script's lines: a file, or stdin for '-' (read from when this is called: lines before are not buffered). */
function scriptLines(script: string): AsyncIterable<string> {
  const input = script === '-' ? process.stdin : createReadStream(script);
  return createInterface({ input, terminal: false, crlfDelay: Infinity });
}

/**
 * The scenario runner with the firmware image inside QuickJS: the same board, world and
 * output as natively; `--config` names the flash partition's file (the image keeps its
 * configuration in flash).
 */
async function simInEngine(def: BoardDefinition, opts: Map<string, string>, topology: Topology, script: string, engine: EngineKind): Promise<void> {
  if (opts.has('bridge') && opts.get('bridge') !== 'inproc') throw new CliError(`--engine ${engine}: the firmware image reaches its switch through the serial bridge only (--bridge inproc)`);
  if (engine === 'xs') {
    const why = await xsUnavailable();
    if (why !== undefined) throw new CliError(`--engine xs: ${why}`);
  }
  const configPath = opts.get('config');
  let flash: FileFlash | undefined;
  if (configPath) {
    try {
      flash = FileFlash.open(configPath);
    } catch (e) {
      throw new CliError(`cannot open the flash partition ${configPath}: ${(e as Error).message}`);
    }
  }
  checkScript(script);
  const sys = await EngineSim.boot(def, engineClock(), { engine, topology, autonegMs: 0, flash, openCapture: openCaptureFile });
  for (const line of sys.report.configLines) process.stdout.write(`${line}\n`);
  for await (const line of scriptLines(script)) {
    process.stdout.write(`> ${line}\n`);
    const output = await sys.run(line);
    if (output) process.stdout.write(`${output}\n`);
  }
  await sys.run('sim pcap off');
  await sys.stop();
  flash?.close();
}

async function sim(args: string[]): Promise<void> {
  const opts = parseOptions(args, ['board', 'topology', 'script', 'bridge', 'config', 'engine']);
  const engine = engineOption(opts.get('engine'));
  // Any board runs in the scenario runner: its hardware is emulated whatever its transport.
  const def = findBoard(opts.get('board') ?? DEFAULT_BOARD);
  const topology = (opts.get('topology') ?? 'single') as Topology;
  if (!TOPOLOGIES.includes(topology)) throw new CliError(`unknown topology '${topology}' (topologies: ${TOPOLOGIES.join(', ')})`);
  const script = opts.get('script') ?? '-';
  if (engine !== 'native') return simInEngine(def, opts, topology, script, engine);
  const bridge = bridgeMode(opts.get('bridge'), ['inproc', 'none']);
  checkScript(script);
  const clock = new VirtualClock(nodeSettle);
  const sys = await bootSim(def, clock, {
    topology, autonegMs: 0, bridge, wait: (ms) => clock.advance(ms), openCapture: openCaptureFile, drive: (w) => clock.drive(w),
    // Hashed on the calling thread and timed by the virtual clock: runs stay repeatable.
    security: { hasher: scryptHasher({ sync: true }) },
  });
  const configPath = opts.get('config');
  if (configPath) {
    // The files are read in real time; the commands then run in virtual time.
    const store = new ConfigFile(configPath);
    const loaded = await store.load();
    for (const line of await clock.drive(sys.firmware.loadConfig(store, loaded))) process.stdout.write(`${line}\n`);
  }
  for await (const line of scriptLines(script)) {
    process.stdout.write(`> ${line}\n`);
    const output = await runScenarioLine(sys.firmware, clock, line);
    if (output) process.stdout.write(`${output}\n`);
  }
  sys.firmware.stop();
  await sys.firmware.dispatcher.execute('sim pcap off', 'script');
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  // `bondfw <command> --help`: the usage, whatever else is on the line.
  if (cmd !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  try {
    switch (cmd) {
      case 'run':
        await run(rest);
        return 0;
      case 'sim':
        await sim(rest);
        return 0;
      case 'bridge-sim':
        await bridgeSim(rest);
        return 0;
      case 'watch': {
        const url = rest[0];
        if (!url) throw new CliError('watch needs the broker URL (bondfw watch mqtt://127.0.0.1:1883)');
        const stop = watch(url, (line) => process.stdout.write(`${line}\n`));
        await untilSignal();
        await stop();
        return 0;
      }
      case 'boards':
        for (const b of BOARDS) process.stdout.write(`${b.name.padEnd(10)} ${b.description}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${HELP}\n`);
        return cmd === undefined ? 2 : 0;
      default:
        throw new CliError(`unknown command '${cmd}'\n\n${HELP}`);
    }
  } catch (e) {
    process.stderr.write(`bondfw: ${e instanceof CliError ? e.message : errorText(e)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
// A failed start may leave handles behind (a serial port, a timer): nothing must keep a job
// that could not start looking alive.
if (process.exitCode !== 0) process.exit(process.exitCode);
