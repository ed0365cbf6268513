/**
 * The bondfw command line: `run` (the firmware in real time, console on stdin or a serial
 * port), `sim` (the scenario runner, in virtual time) and `boards`.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BOARDS, DEFAULT_BOARD, findBoard } from '../../boards/index.ts';
import { VirtualClock } from '../core/clock.ts';
import { errorText } from '../core/errors.ts';
import { formatLogEntry } from '../core/log.ts';
import { BRIDGE_MODES, DEFAULT_BAUD, bootSim, type BridgeLinks, type BridgeMode } from '../boot.ts';
import { openPtyPair } from '../../hal/transport/pty.ts';
import { SerialLink } from '../../hal/transport/serial-link.ts';
import { PacedLink } from '../../hal/sim/paced-link.ts';
import type { Clock } from '../core/clock.ts';
import { formatPortTable, portRows, FIRMWARE_VERSION } from '../console/system-commands.ts';
import { RealClock, nodeSettle } from '../../hal/clock-real.ts';
import { openCaptureFile } from '../../hal/transport/capture-file.ts';
import { SerialConsole, parseSerialSpec, type ConsoleEndpoint } from '../../hal/transport/serial-console.ts';
import { TOPOLOGIES, type Topology } from '../../hal/sim/world.ts';

const HELP = `bondfw ${FIRMWARE_VERSION}: Linux-compatible bonding firmware for gateway appliances

usage:
  bondfw run [--board <name>] [--console <path>[:<baud>]] [--autoneg <ms>] [--bridge inproc|pty|none]
      boot the firmware in real time; console on stdin, or on a serial port
  bondfw sim [--board <name>] [--topology single|dual] [--script <file>|-] [--bridge inproc|none]
      run a console script on the simulated board in virtual time

  --bridge: how the firmware reaches the simulated switch's MDIO bus: through the emulated
  serial-MDIO bridge microcontroller on an emulated UART (inproc, the default), on a real
  pseudo-terminal pair through the serialport binding (pty, needs socat), or directly (none)
  bondfw boards
      list the boards`;

class CliError extends Error {}

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

function simBoard(name: string) {
  const def = findBoard(name);
  if (def.transport.kind !== 'sim') {
    throw new CliError(`board ${def.name} reaches its switch through a ${def.transport.kind} transport on ${def.transport.path}, which this build cannot open yet; its chips can be exercised through the emulator in the tests, and the simulated board is '${DEFAULT_BOARD}'`);
  }
  return def;
}

function bridgeMode(value: string | undefined, allowed: readonly BridgeMode[]): BridgeMode {
  const mode = (value ?? 'inproc') as BridgeMode;
  if (!allowed.includes(mode)) throw new CliError(`unknown bridge mode '${value}' (modes: ${allowed.join(', ')})`);
  return mode;
}

/** A pseudo-terminal pair: the firmware opens one end, the emulated bridge the other at UART speed. */
async function ptyLinks(clock: Clock, baud: number, cleanup: (() => Promise<void> | void)[]): Promise<BridgeLinks> {
  const pair = await openPtyPair();
  cleanup.push(() => pair.close());
  const host = new SerialLink(pair.a, baud);
  const device = new SerialLink(pair.b, baud);
  await host.open();
  await device.open();
  cleanup.unshift(() => host.close(), () => device.close());
  return { host, device: new PacedLink(device, clock, baud) };
}

async function run(args: string[]): Promise<void> {
  const opts = parseOptions(args, ['board', 'console', 'autoneg', 'bridge']);
  const bridge = bridgeMode(opts.get('bridge'), BRIDGE_MODES);
  const def = simBoard(opts.get('board') ?? DEFAULT_BOARD);
  const autonegMs = opts.has('autoneg') ? Number(opts.get('autoneg')) : 2000;
  if (!Number.isFinite(autonegMs) || autonegMs < 0) throw new CliError('--autoneg takes milliseconds (0 or more)');
  const clock = new RealClock();
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const cleanup: (() => Promise<void> | void)[] = [];
  const sys = await bootSim(def, clock, {
    autonegMs, bridge, baud: DEFAULT_BAUD, wait: sleep, openCapture: openCaptureFile,
    openLinks: () => ptyLinks(clock, DEFAULT_BAUD, cleanup),
  });
  const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

  let consoleEnd: ConsoleEndpoint;
  const serialSpec = opts.get('console');
  const onLine = (source: 'console' | 'serial') => async (line: string) => {
    const r = await sys.firmware.dispatcher.execute(line, source);
    if (r.output) consoleEnd.write(`${r.output}\n`);
    if (prompt) consoleEnd.write(prompt);
  };
  let prompt = '';
  if (serialSpec) {
    const { path, baud } = parseSerialSpec(serialSpec);
    const serial = new SerialConsole(path, baud, onLine('serial'), (t) => out(t));
    try {
      await serial.open();
    } catch (e) {
      throw new CliError(`cannot open serial console ${path}: ${(e as Error).message}`);
    }
    consoleEnd = serial;
    prompt = `${def.name}# `;
  } else {
    const rl = createInterface({ input: process.stdin, terminal: false });
    rl.on('line', onLine('console'));
    prompt = process.stdin.isTTY ? `${def.name}# ` : '';
    consoleEnd = { write: (t) => process.stdout.write(t), close: async () => rl.close() };
  }

  out(`bondfw ${FIRMWARE_VERSION} on ${def.name}: ${def.description}`);
  if (sys.bridge) {
    const how = bridge === 'pty' ? 'a pseudo-terminal' : 'an emulated UART';
    out(`switch MDIO through the serial bridge (${sys.bridge.client.info?.firmwareVersion}) on ${how} at ${DEFAULT_BAUD} baud`);
  }
  out(formatPortTable(portRows(sys.board, sys.firmware.devices)));
  out(serialSpec ? `console on ${serialSpec}; Ctrl-C stops` : "console on stdin ('help' lists commands); Ctrl-C stops");
  sys.log.subscribe((e) => consoleEnd.write(`${formatLogEntry(e)}\n`));
  if (prompt) consoleEnd.write(prompt);

  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      out(`\n${sig}: shutting down`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  sys.firmware.stop();
  sys.bridge?.client.close();
  await consoleEnd.close();
  for (const c of cleanup) await c();
  clock.cancelAll();
  process.stdin.destroy();
}

async function sim(args: string[]): Promise<void> {
  const opts = parseOptions(args, ['board', 'topology', 'script', 'bridge']);
  const bridge = bridgeMode(opts.get('bridge'), ['inproc', 'none']);
  const def = simBoard(opts.get('board') ?? DEFAULT_BOARD);
  const topology = (opts.get('topology') ?? 'single') as Topology;
  if (!TOPOLOGIES.includes(topology)) throw new CliError(`unknown topology '${topology}' (topologies: ${TOPOLOGIES.join(', ')})`);
  const script = opts.get('script') ?? '-';
  const clock = new VirtualClock(nodeSettle);
  const sys = await bootSim(def, clock, {
    topology, autonegMs: 0, bridge, wait: (ms) => clock.advance(ms), openCapture: openCaptureFile, drive: (w) => clock.drive(w),
  });
  let input: NodeJS.ReadableStream;
  if (script === '-') input = process.stdin;
  else {
    try {
      readFileSync(script, { flag: 'r' }).length; // fail early with a clear message
    } catch (e) {
      throw new CliError(`cannot read script ${script}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    input = createReadStream(script);
  }
  const rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
  for await (const line of rl) {
    process.stdout.write(`> ${line}\n`);
    // A command that needs the hardware takes the bus time it takes; only `sim wait` moves
    // time further.
    const r = await clock.drive(sys.firmware.dispatcher.execute(line, 'script'));
    await clock.advance(0);
    if (r.output) process.stdout.write(`${r.output}\n`);
  }
  sys.firmware.stop();
  await sys.firmware.dispatcher.execute('sim pcap off', 'script');
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'run':
        await run(rest);
        return 0;
      case 'sim':
        await sim(rest);
        return 0;
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
