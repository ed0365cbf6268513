import { VirtualClock } from '../../lib/clock.ts';
import { bootSim, runScenarioLine, type BridgeMode, type SimSystem } from '../../sim/boot.ts';
import { nodeSettle } from '../../hal/clock-real.ts';
import { simGw4 } from '../../boards/sim-gw4.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import type { Topology } from '../../sim/world.ts';
import { scryptHasher } from '../../firmware/config/password.ts';

export interface TestSystem extends SimSystem {
  clock: VirtualClock;
  /** Runs one console line, letting virtual time pass as the hardware needs, as the scenario runner does. */
  run(line: string): Promise<string>;
  /** Captures written by `sim pcap`, by path. */
  captures: Map<string, Uint8Array[]>;
}

export interface TestOptions {
  topology?: Topology;
  /** Default 'none' (registers straight on the emulated bus); 'inproc' goes through the serial bridge. */
  bridge?: BridgeMode;
}

/** Boots the firmware on a simulated board in virtual time. */
export async function bootTest(def: BoardDefinition = simGw4, opts: TestOptions = {}): Promise<TestSystem> {
  const clock = new VirtualClock(nodeSettle);
  const captures = new Map<string, Uint8Array[]>();
  const sys = await bootSim(def, clock, {
    topology: opts.topology,
    bridge: opts.bridge ?? 'none',
    autonegMs: 0,
    wait: (ms) => clock.advance(ms),
    drive: (w) => clock.drive(w),
    // Hashing on the calling thread: no real time passes under the virtual clock.
    security: { hasher: scryptHasher({ sync: true }) },
    openCapture: (path) => {
      const chunks: Uint8Array[] = [];
      captures.set(path, chunks);
      return { write: (c) => chunks.push(c.slice()), close: () => {} };
    },
  });
  const run = async (line: string): Promise<string> => {
    return runScenarioLine(sys.firmware, clock, line);
  };
  return { ...sys, clock, run, captures };
}
