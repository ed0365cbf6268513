import type { Clock, VirtualClock } from '../lib/clock.ts';
import { EventLog } from '../lib/log.ts';
import { Firmware } from '../firmware/system.ts';
import { registerBridgeCommands } from '../firmware/console/bridge-commands.ts';
import { Board } from '../hal/board.ts';
import { followBridge } from '../hal/board-bridge.ts';
import { BridgeClient } from '../hal/bridge/client.ts';
import type { ByteLink } from '../hal/bridge/link.ts';
import type { MdioBus } from '../hal/mdio/bus.ts';
import type { BridgeMcu } from '../hal/sim/bridge-mcu.ts';
import { registerSimCommands, type CaptureFile } from './commands.ts';
import { SimHardware } from './hardware.ts';
import { UartPair } from '../hal/sim/uart.ts';
import type { Topology } from './world.ts';
import type { BoardDefinition } from '../boards/types.ts';
import type { SecurityOptions } from '../firmware/console/security.ts';

/** How the firmware reaches the simulated board's MDIO bus. */
export type BridgeMode = 'none' | 'inproc' | 'pty';
export const BRIDGE_MODES: readonly BridgeMode[] = ['none', 'inproc', 'pty'];

/** The two ends of the bridge's UART for `pty` mode: the firmware's and the bridge's. */
export interface BridgeLinks {
  host: ByteLink;
  device: ByteLink;
}

export interface SimBootOptions {
  topology?: Topology;
  autonegMs?: number;
  /** 'inproc' (default): the bridge microcontroller emulated in-process on an emulated UART. */
  bridge?: BridgeMode;
  baud?: number;
  /** For `pty` mode: opens the real serial links (the CLI makes a pseudo-terminal pair). */
  openLinks?: () => Promise<BridgeLinks>;
  wait(ms: number): Promise<void>;
  openCapture(path: string): CaptureFile;
  /** Runs boot-time work that needs time to pass (the virtual clock drives it). */
  drive?<T>(work: Promise<T>): Promise<T>;
  /**
   * How the emulated bridge microcontroller is built: an older one without boot nonces, or
   * without the indirect SMI operations (`smiOps: false`), say.
   */
  bridgeMcu?: { noBootNonce?: boolean; nonceSeed?: number; smiOps?: boolean; irqPrograms?: boolean };
  /** The platform's password hasher and wall clock (for users and audit times). */
  security?: SecurityOptions;
}

export interface SimSystem {
  hw: SimHardware;
  board: Board;
  firmware: Firmware;
  log: EventLog;
  bus: MdioBus;
  bridge?: { client: BridgeClient; mcu: BridgeMcu; uart?: UartPair };
}

export const DEFAULT_BAUD = 921_600;

/** Brings the firmware up on the emulated hardware of `def`, with the `sim` commands. */
export async function bootSim(def: BoardDefinition, clock: Clock, opts: SimBootOptions): Promise<SimSystem> {
  const log = new EventLog(clock);
  const drive = opts.drive ?? (<T>(w: Promise<T>) => w);
  const hw = new SimHardware(def, clock, { topology: opts.topology, autonegMs: opts.autonegMs });
  let bus: MdioBus = hw.bus;
  let bridge: SimSystem['bridge'];
  const mode = opts.bridge ?? 'inproc';
  if (mode !== 'none') {
    const baud = opts.baud ?? DEFAULT_BAUD;
    let links: BridgeLinks;
    let uart: UartPair | undefined;
    if (mode === 'inproc') {
      uart = new UartPair(clock, baud);
      links = { host: uart.host, device: uart.device };
    } else {
      if (!opts.openLinks) throw new Error('bridge mode pty needs serial links');
      links = await opts.openLinks();
    }
    const mcu = hw.attachBridge(links.device, opts.bridgeMcu);
    const client = new BridgeClient({ clock, link: links.host, log, baud });
    mcu.start();
    await drive(client.open());
    bus = client;
    bridge = { client, mcu, uart };
  }
  const board = await drive(Board.open(def, bus, hw.conduit, clock, log));
  if (bridge) followBridge(board, bridge.client);
  const firmware = new Firmware(board, clock, log, undefined, opts.security);
  registerSimCommands(firmware.dispatcher, { hw, net: firmware.net, wait: opts.wait, openCapture: opts.openCapture, bridge });
  if (bridge) registerBridgeCommands(firmware.dispatcher, bridge.client);
  firmware.start();
  return { hw, board, firmware, log, bus, bridge };
}

/**
 * The most virtual time one scenario line may take: as long as the longest `sim wait` (a
 * `ping -c 1000` takes 999 s; the drive's default of 10 minutes would cut it off).
 */
const SCENARIO_LINE_LIMIT_MS = 7 * 24 * 3600 * 1000;

/**
 * One scenario line in virtual time, as the scenario runner runs it: a command that needs the
 * hardware takes the bus time it takes; only `sim wait` moves time further. Returns what the
 * console prints.
 */
export async function runScenarioLine(firmware: Firmware, clock: VirtualClock, line: string): Promise<string> {
  const r = await clock.drive(firmware.dispatcher.execute(line, 'script'), SCENARIO_LINE_LIMIT_MS);
  await clock.advance(0);
  return r.output;
}
