/**
 * The whole firmware over the host interface (host.ts): what `bondfwImage.boot` does. The
 * board comes up through the serial-MDIO bridge on the `bridge` UART (the board's switch,
 * PHYs, link poll and the bridge's PHY interrupts, exactly as `bondfw run` brings up a board
 * behind a bridge), frames cross the CPU conduit (or the bridge, on boards whose CPU port is
 * reached through it), the configuration lives in flash, the Sparkplug node talks through
 * the host's MQTT client, and the console takes lines in and gives text out.
 */
import type { BoardDefinition } from '../../boards/types.ts';
import { EventLog, formatLogEntry } from '../../lib/log.ts';
import { DeviceError, errorText } from '../../lib/errors.ts';
import { Board } from '../../hal/board.ts';
import { followBridge } from '../../hal/board-bridge.ts';
import { BridgeClient } from '../../hal/bridge/client.ts';
import { BridgeConduit } from '../../hal/bridge/conduit.ts';
import { CAP_RAW_FRAMES } from '../../hal/bridge/codec.ts';
import type { Conduit } from '../../hal/frames.ts';
import { LineSplitter } from '../../hal/transport/line-splitter.ts';
import { Firmware } from '../system.ts';
import { registerBridgeCommands } from '../console/bridge-commands.ts';
import { ConsoleSession } from '../console/console-session.ts';
import { isGrant } from '../console/access.ts';
import { formatPortTable, portRows } from '../console/system-commands.ts';
import { FlashConfig } from '../config/flash-copies.ts';
import { SparkplugNode } from '../telemetry/sparkplug-node.ts';
import { HostClock } from './host-clock.ts';
import { HostConduit, HostUart, hostFlash } from './host-io.ts';
import { HostMqtt } from './host-mqtt.ts';
import { HostPasswords } from './host-passwords.ts';
import type { BootConfig, BootReport, EngineGuest, EngineHost, EngineImage, UartId } from './host.ts';

/** The bridge's UART speed when the board names none (the emulated board's). */
const DEFAULT_BRIDGE_BAUD = 921_600;
/** Ctrl-C as a terminal sends it on a serial console. */
const ETX = 0x03;

/**
 * What a board's image adds to the firmware once it is up (the simulated boards' instrument:
 * the gateway's half of `sim traffic`, `sim stream` and `sim xmit`).
 */
export type ImageExtension = (fw: Firmware) => void;

/** The image for `def`: one per board. */
export function defineImage(def: BoardDefinition, extend?: ImageExtension): EngineImage {
  return { board: def.name, boot: (host, config) => boot(def, host, config, extend) };
}

function boot(def: BoardDefinition, host: EngineHost, config: BootConfig, extend?: ImageExtension): { guest: EngineGuest; booted: Promise<BootReport> } {
  const clock = new HostClock(host);
  const log = new EventLog(clock);
  log.subscribe((e) => host.log(e.level, e.time, e.text));
  const uarts: Record<UartId, HostUart> = { bridge: new HostUart(host, 'bridge'), console: new HostUart(host, 'console') };
  const conduit = new HostConduit(host);
  const mqtt = new HostMqtt(host);
  const passwords = config.passwords === true ? new HostPasswords(host) : undefined;
  const wall = (): number | undefined => {
    const t = host.wallClock();
    return Number.isFinite(t) ? t : undefined;
  };
  let fw: Firmware | undefined;
  let client: BridgeClient | undefined;
  let node: SparkplugNode | undefined;
  const consoleIn = new ConsoleIn(host, config, uarts.console, () => fw, log);

  const guest: EngineGuest = {
    timerFired: (id) => clock.fire(id),
    uartData: (uart, bytes) => uarts[uart]?.data(bytes),
    uartState: (uart, up) => uarts[uart]?.state(up),
    conduitFrame: (frame) => conduit.receive(frame),
    mqttConnected: (s) => mqtt.connected(s),
    mqttMessage: (s, topic, payload, sender) => mqtt.message(s, topic, payload, sender),
    mqttError: (s, text) => mqtt.error(s, text),
    mqttClosed: (s) => mqtt.closed(s),
    mqttDone: (s, token, error) => mqtt.done(s, token, error),
    mqttOversized: (s, bytes, type, qos) => mqtt.oversized(s, bytes, type, qos),
    consoleLine: (line) => consoleIn.line(line),
    consoleInterrupt: () => consoleIn.interrupt(),
    consoleStart: () => consoleIn.start(),
    passwordDone: (token, result, error) => passwords?.done(token, result, error),
    stop: async () => {
      consoleIn.close();
      passwords?.close();
      await node?.stop();
      fw?.stop();
      client?.close();
    },
  };

  const booted = (async (): Promise<BootReport> => {
    const transport = def.transport;
    const baud = config.bridgeBaud ?? (transport.kind === 'serial-bridge' ? transport.baud : DEFAULT_BRIDGE_BAUD);
    client = new BridgeClient({ clock, link: uarts.bridge, log, baud });
    const info = await client.open();
    const rawFrames = transport.kind === 'serial-bridge' && transport.rawFrames === true;
    if (rawFrames && !(info.capabilities & CAP_RAW_FRAMES)) throw new DeviceError(`the bridge cannot carry the switch CPU port's frames, which board ${def.name} needs`);
    const frames: Conduit = rawFrames ? new BridgeConduit(client) : conduit;
    const board = await Board.open(def, client, frames, clock, log);
    followBridge(board, client);
    const w = wall();
    fw = new Firmware(board, clock, log, undefined, {
      ...(w === undefined ? {} : { wallClock: () => host.wallClock() }),
      ...(passwords ? { hasher: passwords } : {}),
    });
    registerBridgeCommands(fw.dispatcher, client);
    extend?.(fw);
    fw.start();
    const flash = config.flashConfig ? hostFlash(host) : undefined;
    if (config.flashConfig && !flash) throw new DeviceError('the configuration is to be kept in flash, but the host has no flash partition');
    const configLines = flash ? await fw.loadConfig(new FlashConfig(flash)) : [];
    if (config.remoteRole !== undefined && isGrant(config.remoteRole)) fw.dispatcher.setRole('mqtt', config.remoteRole);
    let telemetry = 'telemetry off';
    const t = config.telemetry;
    if (t) {
      node = new SparkplugNode(fw, {
        group: t.group, node: t.node, brokerLabel: t.brokerLabel, periodMs: t.periodMs, primaryHost: t.primaryHost, maxBackoffMs: t.maxBackoffMs,
      }, { connect: mqtt.connect, clock, wallClock: () => wall() ?? clock.now() });
      node.start();
      telemetry = `telemetry: Sparkplug B edge node ${t.group}/${t.node} on ${t.brokerLabel}; remote commands: ${fw.dispatcher.roleOf('mqtt')}${t.primaryHost !== undefined ? `; primary host ${t.primaryHost}` : ''}`;
    }
    consoleIn.ready();
    return { bridgeVersion: info.firmwareVersion, configLines, telemetry, remoteRole: fw.dispatcher.roleOf('mqtt'), portTable: formatPortTable(portRows(board, fw.devices)) };
  })();
  // The host hears of a failed boot through `booted`; a boot that fails after the host stopped waiting is not unhandled.
  booted.catch(() => {});
  return { guest, booted };
}

/**
 * The console's way in: lines from the host's console, or bytes from the `console` UART
 * split into lines (CR, LF or CR LF; Ctrl-C is byte 0x03). In `script` mode each line runs as
 * the scenario runner runs it, whole output then an empty prompt; in `session` mode a
 * ConsoleSession serves it (login, prompts, live output, Ctrl-C, idle timeout).
 */
class ConsoleIn {
  private session: ConsoleSession | undefined;
  private readonly queue: string[] = [];
  private running = false;
  private up = false;
  private started = false;
  private unlog: (() => void) | undefined;

  constructor(
    private readonly host: EngineHost,
    private readonly config: BootConfig,
    private readonly uart: HostUart,
    private readonly firmware: () => Firmware | undefined,
    private readonly log: EventLog,
  ) {
    const c = config.console;
    if (c.mode === 'session' && c.source === 'serial') {
      const encoder = new TextEncoder();
      const splitter = new LineSplitter((line) => this.line(line), 4096, (n) => this.uart.write(encoder.encode(`error: line too long (${n}+ characters; at most 4096)\r\n`)));
      uart.setReceiver((chunk) => {
        // Bytes in order: the lines before a Ctrl-C are dispatched before it interrupts.
        let from = 0;
        for (let i = 0; i < chunk.length; i++) {
          if (chunk[i] !== ETX) continue;
          splitter.push(chunk.subarray(from, i));
          from = this.interrupt() ? i + 1 : i;
        }
        splitter.push(chunk.subarray(from));
      });
    }
  }

  private write(text: string): void {
    const c = this.config.console;
    if (c.mode === 'session' && c.source === 'serial') this.uart.write(new TextEncoder().encode(text.replace(/\r?\n/g, '\r\n')));
    else this.host.consoleWrite(text);
  }

  /** The firmware is up: lines can run. */
  ready(): void {
    this.up = true;
    const fw = this.firmware();
    const c = this.config.console;
    if (fw && c.mode === 'session') {
      const serial = c.source === 'serial';
      this.session = new ConsoleSession(fw.dispatcher, c.source, fw.security, fw.clock, {
        print: (t) => this.write(t),
        prompt: (t) => (serial ? this.write(t) : this.host.consolePrompt(t)),
        echo: (on) => {
          if (!serial) this.host.consoleEcho(on);
        },
      }, { login: c.login, prompt: c.prompt, idleMs: c.idleMs });
    }
    this.pump();
  }

  /** The host's console is ready (its banner shown): the session shows its prompt, kernel messages follow. */
  start(): void {
    if (this.started || !this.session) return;
    this.started = true;
    const session = this.session;
    // Kernel messages only for someone logged in: a login prompt tells nothing of the gateway.
    this.unlog = this.log.subscribe((e) => {
      if (session.loggedIn) this.write(`${formatLogEntry(e)}\n`);
    });
    session.start();
  }

  line(line: string): void {
    if (this.session) {
      this.session.input(line);
      return;
    }
    this.queue.push(line);
    this.pump();
  }

  interrupt(): boolean {
    return this.session?.interrupt() ?? false;
  }

  close(): void {
    this.unlog?.();
    this.session?.close();
  }

  /** Script mode: one line at a time, its whole output, then the empty prompt that says it is done. */
  private pump(): void {
    const fw = this.firmware();
    if (!this.up || !fw || this.running || this.session) return;
    const next = this.queue.shift();
    if (next === undefined) return;
    this.running = true;
    void fw.dispatcher.execute(next, 'script').then(
      (r) => r.output,
      (e: unknown) => `error: internal error: ${errorText(e)}`,
    ).then((output) => {
      if (output) this.write(`${output}\n`);
      this.running = false;
      this.host.consolePrompt('');
      this.pump();
    });
  }
}
