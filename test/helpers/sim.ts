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
  /** The emulated bridge: an older one without boot nonces, or without the indirect SMI operations. */
  bridgeMcu?: { noBootNonce?: boolean; smiOps?: boolean; irqPrograms?: boolean };
}

/** Boots the firmware on a simulated board in virtual time. */
export async function bootTest(def: BoardDefinition = simGw4, opts: TestOptions = {}): Promise<TestSystem> {
  const clock = new VirtualClock(nodeSettle);
  const captures = new Map<string, Uint8Array[]>();
  const sys = await bootSim(def, clock, {
    topology: opts.topology,
    bridge: opts.bridge ?? 'none',
    bridgeMcu: opts.bridgeMcu,
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

/** The board's switch driver as the Marvell driver, for tests of what only that family has. */
export function marvellChip(s: TestSystem): import('../../hal/switch/mv88e6xxx/chip.ts').Mv88e6xxx {
  const chip = s.board.chip;
  if (chip.family !== 'mv88e6xxx') throw new Error(`${s.board.def.name}: not a Marvell switch (${chip.modelName})`);
  return chip as import('../../hal/switch/mv88e6xxx/chip.ts').Mv88e6xxx;
}

/** The board's switch emulator as the Marvell one. */
export function marvellSim(s: TestSystem): import('../../hal/sim/mv88e6xxx.ts').SimMv88e6xxx {
  if (s.board.def.switch.driver !== 'mv88e6xxx') throw new Error(`${s.board.def.name}: not a Marvell switch`);
  return s.hw.chip as import('../../hal/sim/mv88e6xxx.ts').SimMv88e6xxx;
}
