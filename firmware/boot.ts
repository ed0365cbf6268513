import type { Clock } from './core/clock.ts';
import { EventLog } from './core/log.ts';
import { Firmware } from './system.ts';
import { Board } from '../hal/board.ts';
import { registerSimCommands, type CaptureFile } from '../hal/sim/commands.ts';
import { SimHardware } from '../hal/sim/hardware.ts';
import type { Topology } from '../hal/sim/world.ts';
import type { BoardDefinition } from '../boards/types.ts';

export interface SimBootOptions {
  topology?: Topology;
  autonegMs?: number;
  wait(ms: number): Promise<void>;
  openCapture(path: string): CaptureFile;
}

export interface SimSystem {
  hw: SimHardware;
  board: Board;
  firmware: Firmware;
  log: EventLog;
}

/** Brings the firmware up on the emulated hardware of `def`, with the `sim` commands. */
export async function bootSim(def: BoardDefinition, clock: Clock, opts: SimBootOptions): Promise<SimSystem> {
  const log = new EventLog(clock);
  const hw = new SimHardware(def, clock, { topology: opts.topology, autonegMs: opts.autonegMs });
  const board = await Board.open(def, hw.bus, hw.conduit, clock, log);
  const firmware = new Firmware(board, clock, log);
  registerSimCommands(firmware.dispatcher, { hw, wait: opts.wait, openCapture: opts.openCapture });
  firmware.start();
  return { hw, board, firmware, log };
}
