/**
 * The firmware image inside QuickJS-ng, loaded as a device loads it: bytecode compiled
 * beforehand without source text or debug information. Every scenario prints what the native
 * runner prints (frames counted the same), the stripping is real (functions keep no source),
 * and a memory limit the image cannot fit in stops the boot with the engine's own error.
 */
import test from 'ava';
import { join } from 'node:path';
import { QuickJS } from 'quickjs-wasi';
import { simGw4 } from '../boards/sim-gw4.ts';
import { simMt7531 } from '../boards/sim-mt7531.ts';
import { onBoard } from './helpers/boards.ts';
import { compileImage } from '../cli/engine/quickjs-ng.ts';
import { EngineSim, engineClock } from '../cli/engine/engine-sim.ts';
import { ROOT, runCli } from './helpers/cli.ts';
import { imageOf, runEngineScenario, runNativeScenario, scenarioFiles, scenarioLines } from './helpers/engine.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

for (const board of [simGw4, simMt7531]) {
  for (const file of scenarioFiles()) {
    test.serial(onBoard(board, `scenario ${file}: the same output with the firmware inside QuickJS-ng (stripped bytecode) as natively`), async (t) => {
      const lines = scenarioLines(file);
      const native = await runNativeScenario(board, lines);
      const engine = await runEngineScenario(board, lines, 'quickjs-ng');
      t.is(engine.output, native);
      t.true(native.split('\n').length > lines.length, 'the scenario prints something');
      for (const m of native.matchAll(/^sent (\d+) received (\d+)/gm)) t.true(Number(m[2]) > 0, m[0]);
      t.log(`${file}: engine peak heap ${engine.peakHeapBytes} bytes`);
    });
  }
}

test('the image is loaded without its source: a function from the bytecode has no text to show', async (t) => {
  const script = 'globalThis.shown = (function answer(a, b) { return a + b + 40; }).toString();';
  const wasm = readFileSync(fileURLToPath(import.meta.resolve('quickjs-wasi/quickjs.wasm')));
  const vm = await QuickJS.create({ wasm });
  try {
    vm.evalBytecode(await compileImage(script)).dispose();
    const stripped = vm.global.getProp('shown');
    t.false(stripped.toString().includes('a + b + 40'), stripped.toString());
    stripped.dispose();
    vm.evalBytecode(await compileImage(script, true)).dispose();
    const kept = vm.global.getProp('shown');
    t.true(kept.toString().includes('a + b + 40'), kept.toString());
    kept.dispose();
  } finally {
    vm.dispose();
  }
});

test.serial('under a memory limit the image cannot fit in, the boot fails with the engine saying so', async (t) => {
  const e = await t.throwsAsync(EngineSim.boot(simGw4, engineClock(), { engine: 'quickjs-ng', autonegMs: 0, image: await imageOf(simGw4), memoryLimit: 512 * 1024, openCapture: () => ({ write() {}, close() {} }) }));
  t.regex(e!.message, /out of memory/);
});

test.serial('bondfw sim --engine quickjs-ng prints what bondfw sim prints', (t) => {
  const file = join(ROOT, 'test', 'scenarios', 'traffic', 'readme-check-traffic.txt');
  const native = runCli(['sim', '--script', file]);
  const engine = runCli(['sim', '--engine', 'quickjs-ng', '--script', file]);
  t.is(engine.status, 0, engine.stderr);
  t.is(engine.stdout, native.stdout);
  t.regex(runCli(['sim', '--engine', 'quickjs-ng', '--bridge', 'none'], '').stderr, /--engine quickjs-ng: the firmware image reaches its switch through the serial bridge only/);
});
