/**
 * The scenario runner both ways, in-process, as `bondfw sim` and `bondfw sim --engine quickjs`
 * run it: natively (the firmware in Node, its switch behind the emulated serial bridge, the
 * CLI's default) and with the firmware image inside QuickJS over the host interface.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { VirtualClock } from '../../lib/clock.ts';
import { nodeSettle } from '../../hal/clock-real.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import { bootSim, runScenarioLine } from '../../sim/boot.ts';
import { scryptHasher } from '../../firmware/config/password.ts';
import { buildImage } from '../../cli/engine/build-image.ts';
import { EngineSim, engineClock, type EngineKind } from '../../cli/engine/engine-sim.ts';
import { XsFirmware } from '../../cli/engine/xs.ts';
import { ROOT } from './cli.ts';

const noCapture = () => ({ write() {}, close() {} });

/** Every scenario script under test/scenarios, subfolders included, as paths from there. */
export function scenarioFiles(dir = join(ROOT, 'test', 'scenarios')): string[] {
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.txt') ? [p] : [];
  });
  return walk(dir).map((p) => relative(dir, p)).sort();
}

export function scenarioLines(file: string): string[] {
  return readFileSync(join(ROOT, 'test', 'scenarios', file), 'utf8').split('\n').filter((l) => l.trim() !== '');
}

/** The output `bondfw sim --board <def> --script <file>` prints for these lines. */
export async function runNativeScenario(def: BoardDefinition, lines: readonly string[]): Promise<string> {
  const clock = new VirtualClock(nodeSettle);
  const sys = await bootSim(def, clock, {
    autonegMs: 0, bridge: 'inproc', wait: (ms) => clock.advance(ms), openCapture: noCapture, drive: (w) => clock.drive(w),
    security: { hasher: scryptHasher({ sync: true }) },
  });
  let out = '';
  for (const line of lines) {
    out += `> ${line}\n`;
    const o = await runScenarioLine(sys.firmware, clock, line);
    if (o) out += `${o}\n`;
  }
  sys.firmware.stop();
  return out;
}

const images = new Map<string, string>();

/** The built image of `def` (built once per test process). */
export async function imageOf(def: BoardDefinition): Promise<string> {
  let s = images.get(def.name);
  if (s === undefined) {
    s = (await buildImage(def)).text;
    images.set(def.name, s);
  }
  return s;
}

/** The output `bondfw sim --engine <engine> --board <def> --script <file>` prints, and QuickJS's peak heap. */
export async function runEngineScenario(def: BoardDefinition, lines: readonly string[], engine: EngineKind = 'quickjs'): Promise<{ output: string; peakHeapBytes: number }> {
  const sys = await EngineSim.boot(def, engineClock(), { engine, autonegMs: 0, openCapture: noCapture, image: await imageOf(def) });
  let out = '';
  let peak = 0;
  try {
    for (const line of lines) {
      out += `> ${line}\n`;
      const o = await sys.run(line);
      if (o) out += `${o}\n`;
    }
  } finally {
    peak = sys.engine instanceof XsFirmware ? 0 : sys.engine.heap().peak;
    await sys.stop();
  }
  return { output: out, peakHeapBytes: peak };
}
