/**
 * Every port's cable flapping on its own rhythm, as clock timers (so a run of virtual time
 * needs only `advance`): down for 50 ms to 2 s, every 2 to 6 s, from a seeded die.
 */
import type { Clock } from '../lib/clock.ts';
import { SeededRandom } from '../lib/random.ts';

export interface Flaps {
  /** Cable pulls so far. */
  readonly count: number;
  /** While false, a port whose turn comes waits for the next one instead of flapping. */
  on: boolean;
}

export function flapPorts(world: { setCable(port: number, plugged: boolean): void }, clock: Clock, ports: number, seed: number): Flaps {
  const dice = new SeededRandom(seed);
  const state = { count: 0, on: true };
  const between = () => 2000 + dice.below(4_000_000) / 1000;
  const downFor = () => 50 + dice.below(1_950_000) / 1000;
  for (let i = 0; i < ports; i++) {
    const cycle = (): void => {
      if (!state.on) {
        clock.setTimer(between(), cycle);
        return;
      }
      state.count++;
      world.setCable(i, false);
      clock.setTimer(downFor(), () => {
        world.setCable(i, true);
        clock.setTimer(between(), cycle);
      });
    };
    clock.setTimer(between(), cycle);
  }
  return state;
}
