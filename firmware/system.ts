import './bonding/modes.ts';
import type { Clock } from './core/clock.ts';
import { EventLog } from './core/log.ts';
import { SeededRandom, type Random } from './core/random.ts';
import { Dispatcher } from './console/dispatcher.ts';
import { registerBondingCommands } from './console/bonding-commands.ts';
import { registerNetCommands } from './console/net-commands.ts';
import { registerSystemCommands } from './console/system-commands.ts';
import { SysFs } from './console/sysfs.ts';
import type { NetDeviceTable } from './net/netdev.ts';
import { NetStack } from './net/stack.ts';
import type { Board } from '../hal/board.ts';

/**
 * The firmware on a board that is up: the network stack (ports, bonds, VLAN devices, host
 * stack), the virtual files, and the one command dispatcher with the commands registered.
 */
export class Firmware {
  readonly dispatcher = new Dispatcher();
  readonly sysfs = new SysFs();
  readonly net: NetStack;

  constructor(
    readonly board: Board,
    readonly clock: Clock,
    readonly log: EventLog,
    random: Random = new SeededRandom(0x626f6e64),
  ) {
    this.net = new NetStack(board, clock, log, random);
    registerNetCommands(this.dispatcher, this.sysfs, this.net);
    registerBondingCommands(this.dispatcher, this.sysfs, this.net);
    registerSystemCommands(this.dispatcher, board, this.net.devices, log);
  }

  get devices(): NetDeviceTable {
    return this.net.devices;
  }

  start(): void {
    this.board.start();
  }

  stop(): void {
    for (const b of this.net.bonding.list()) b.close();
    this.board.close();
  }
}

export { EventLog };
