/**
 * `sim stream` with the firmware in this process: a stream of numbered frames from the
 * gateway's host stack through a bond to the simulated hosts, which echo each one back,
 * running in the board's time while other commands act (cable pulls, LACP changes, slaves
 * coming and going). The gateway's half (instrument/gateway.ts: `StreamSource`) sends and
 * counts the echoes per flow; the world's (instrument/tap.ts: `StreamTap`) sees which cable
 * each frame left on and whether a flow moved from one port to another.
 */
import type { Clock } from '../lib/clock.ts';
import type { NetStack } from '../firmware/net/stack.ts';
import type { Bond } from '../firmware/bonding/bond.ts';
import type { SimWorld } from './world.ts';
import { StreamSource, type StreamOptions } from './instrument/gateway.ts';
import { StreamTap } from './instrument/tap.ts';
import { formatStreamCounts } from './instrument/format.ts';

export { ECHO_PORT, MAX_RATE, MIN_SIZE, MAX_SIZE, parseStreamStart, type StreamOptions } from './instrument/gateway.ts';
export { formatStreamCounts };

export interface StreamEnv {
  net: NetStack;
  world: SimWorld;
  clock: Clock;
  /** Lets `ms` of the board's time pass (works under the scenario runner's drive). */
  sleep(ms: number): Promise<void>;
}

export class SimStream {
  private readonly source: StreamSource;
  private tap: StreamTap | undefined;

  constructor(
    private readonly env: StreamEnv,
    readonly bond: Bond,
    readonly opts: StreamOptions,
  ) {
    this.source = new StreamSource({ net: env.net, hosts: env.world.hosts.map((h) => h.ip), clock: env.clock, sleep: env.sleep }, bond, opts);
  }

  /** Resolves the hosts the flows go to (as a real stack does first), then starts sending. */
  async start(): Promise<void> {
    await this.source.start();
    this.tap = new StreamTap(this.env.world, this.opts);
  }

  get isRunning(): boolean {
    return this.source.isRunning;
  }

  /** Stops sending, waits for the echoes still on their way, and returns what `sim stream stop` prints. */
  async stop(): Promise<string> {
    const c = await this.source.stop();
    this.tap?.close();
    return formatStreamCounts(c, this.tapCounts(), this.env.world.portNames);
  }

  /** Stops at once without waiting (the bond went away, the firmware is shutting down). */
  halt(): void {
    this.source.halt();
  }

  /** What `sim stream` prints: the counts so far (frames younger than 100 ms are in flight, not lost). */
  report(): string {
    return formatStreamCounts(this.source.counts(), this.tapCounts(), this.env.world.portNames);
  }

  private tapCounts() {
    return this.tap?.counts() ?? { perPort: new Array<number>(this.env.world.portNames.length).fill(0), flowsMoved: 0 };
  }
}
