import type { Clock } from './core/clock.ts';
import { EventLog } from './core/log.ts';
import { Dispatcher } from './console/dispatcher.ts';
import { registerNetCommands } from './console/net-commands.ts';
import { registerSystemCommands } from './console/system-commands.ts';
import { SysFs } from './console/sysfs.ts';
import { NetDeviceTable } from './net/netdev.ts';
import { PortDevice } from './net/port-device.ts';
import type { Board } from '../hal/board.ts';

/**
 * The firmware on a board that is up: network devices for its ports, the virtual files, and
 * the one command dispatcher with the commands registered.
 */
export class Firmware {
  readonly dispatcher = new Dispatcher();
  readonly sysfs = new SysFs();
  readonly devices = new NetDeviceTable();

  constructor(
    readonly board: Board,
    readonly clock: Clock,
    readonly log: EventLog,
  ) {
    for (const p of board.ports) this.devices.add(new PortDevice(board, p));
    registerNetCommands(this.dispatcher, this.sysfs, this.devices);
    registerSystemCommands(this.dispatcher, board, this.devices, log);
  }

  start(): void {
    this.board.start();
  }

  stop(): void {
    this.board.close();
  }
}

export { EventLog };
