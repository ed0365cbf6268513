import { VirtualClock } from '../../firmware/core/clock.ts';
import { bootSim, type SimSystem } from '../../firmware/boot.ts';
import { nodeSettle } from '../../hal/clock-real.ts';
import { simGw4 } from '../../boards/sim-gw4.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import type { Topology } from '../../hal/sim/world.ts';

export interface TestSystem extends SimSystem {
  clock: VirtualClock;
  /** Runs one console line and returns what the console would print. */
  run(line: string): Promise<string>;
  /** Captures written by `sim pcap`, by path. */
  captures: Map<string, Uint8Array[]>;
}

/** Boots the firmware on a simulated board in virtual time, as the scenario runner does. */
export async function bootTest(def: BoardDefinition = simGw4, topology?: Topology): Promise<TestSystem> {
  const clock = new VirtualClock(nodeSettle);
  const captures = new Map<string, Uint8Array[]>();
  const sys = await bootSim(def, clock, {
    topology,
    autonegMs: 0,
    wait: (ms) => clock.advance(ms),
    openCapture: (path) => {
      const chunks: Uint8Array[] = [];
      captures.set(path, chunks);
      return { write: (c) => chunks.push(c.slice()), close: () => {} };
    },
  });
  const run = async (line: string): Promise<string> => {
    const r = await sys.firmware.dispatcher.execute(line, 'script');
    await clock.advance(0);
    return r.output;
  };
  return { ...sys, clock, run, captures };
}
