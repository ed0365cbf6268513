/**
 * The second engine: the same firmware image inside Moddable's XS (the engine of ESP32-class
 * devices, run by @agoric/xsnap as a worker process) prints what the native firmware prints
 * for every scenario script, as QuickJS does (engine-scenarios.test.ts).
 */
import test from 'ava';
import { join } from 'node:path';
import { simGw4 } from '../boards/sim-gw4.ts';
import { ROOT, runCli } from './helpers/cli.ts';
import { xsUnavailable } from '../cli/engine/xs.ts';
import { runEngineScenario, runNativeScenario, scenarioFiles, scenarioLines } from './helpers/engine.ts';

const unavailable = await xsUnavailable();

for (const file of unavailable === undefined ? scenarioFiles() : []) {
  test.serial(`scenario ${file}: the same output with the firmware inside XS as natively`, async (t) => {
    const lines = scenarioLines(file);
    const native = await runNativeScenario(simGw4, lines);
    const xs = await runEngineScenario(simGw4, lines, 'xs');
    t.is(xs.output, native);
    t.false(/internal error/.test(native), native);
  });
}

test.serial('bondfw sim --engine xs prints what bondfw sim prints', (t) => {
  if (unavailable !== undefined) {
    t.log(`skipped: ${unavailable}`);
    t.pass();
    return;
  }
  const file = join(ROOT, 'test', 'scenarios', 'howto', '3.4-sysfs-two-bonds.txt');
  const native = runCli(['sim', '--script', file]);
  const xs = runCli(['sim', '--engine', 'xs', '--script', file]);
  t.is(xs.status, 0, xs.stderr);
  t.is(xs.stdout, native.stdout);
});
