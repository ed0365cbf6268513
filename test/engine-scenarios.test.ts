/**
 * Acceptance of the firmware image inside QuickJS: every scenario script in test/scenarios
 * (the HOWTO examples and the data-plane scripts in its subfolders included) prints, line for
 * line, what the native scenario runner prints, on a board of each switch-chip family. Frames
 * cross: the data-plane scripts' counts (sim traffic, sim stream, sim stats) are the same.
 */
import test from 'ava';
import { simGw4 } from '../boards/sim-gw4.ts';
import { simMt7531 } from '../boards/sim-mt7531.ts';
import { onBoard } from './helpers/boards.ts';
import { join } from 'node:path';
import { ROOT, runCli } from './helpers/cli.ts';
import { runEngineScenario, runNativeScenario, scenarioFiles, scenarioLines } from './helpers/engine.ts';

const FILES = scenarioFiles();

test('the scenarios include the HOWTO examples and scripts whose frames are counted', (t) => {
  t.true(FILES.some((f) => f.startsWith('howto/')));
  t.true(FILES.filter((f) => scenarioLines(f).some((l) => /^sim (traffic|stream start)/.test(l))).length >= 3);
});

for (const board of [simGw4, simMt7531]) {
  for (const file of FILES) {
    test.serial(onBoard(board, `scenario ${file}: the same output with the firmware inside QuickJS as natively`), async (t) => {
      const lines = scenarioLines(file);
      const native = await runNativeScenario(board, lines);
      const engine = await runEngineScenario(board, lines);
      t.is(engine.output, native);
      t.false(/internal error/.test(native), native);
      t.true(native.split('\n').length > lines.length, 'the scenario prints something');
      // Frames crossed the host interface both ways: answers came back to the image's stack.
      for (const m of native.matchAll(/^replies (\d+)$/gm)) t.true(Number(m[1]) > 0, m[0]);
      for (const m of native.matchAll(/^sent (\d+) received (\d+)/gm)) t.true(Number(m[2]) > 0, m[0]);
      t.log(`${file}: engine peak heap ${engine.peakHeapBytes} bytes`);
    });
  }
}

test.serial('bondfw sim --engine quickjs prints what bondfw sim prints (the CLI both ways)', (t) => {
  const file = join(ROOT, 'test', 'scenarios', 'traffic', 'readme-check-traffic.txt');
  const native = runCli(['sim', '--script', file]);
  const engine = runCli(['sim', '--engine', 'quickjs', '--script', file]);
  t.is(native.status, 0, native.stderr);
  t.is(engine.status, 0, engine.stderr);
  t.is(engine.stdout, native.stdout);
  t.regex(native.stdout, /^replies 100$/m);
  t.regex(runCli(['sim', '--engine', 'quickjs', '--bridge', 'none'], '').stderr, /--engine quickjs: the firmware image reaches its switch through the serial bridge only/);
  t.regex(runCli(['sim', '--engine', 'v8'], '').stderr, /unknown engine 'v8' \(engines: native, quickjs, quickjs-ng, xs\)/);
});
