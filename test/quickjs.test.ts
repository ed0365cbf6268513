/**
 * The portable core bundled into one script and run inside QuickJS under a 2 MiB memory
 * limit: two 802.3ad bonds of two ports each, back to back, converge as under Node.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCoreInQuickJs } from '../tools/quickjs-core.ts';
import { runScenarioInNode, runScenarioInQuickJs } from '../tools/quickjs-host.ts';
import { ROOT } from './helpers/cli.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';

test('the core bundle runs in QuickJS within 2 MiB: two LACP bonds converge', async (t) => {
  let r: Awaited<ReturnType<typeof runCoreInQuickJs>>;
  try {
    r = await runCoreInQuickJs(2 * 1024 * 1024);
  } catch (e) {
    if (/Cannot find (module|package) 'quickjs-emscripten'/.test(String(e))) {
      t.log(`quickjs-emscripten is not installed: ${String(e)}; QuickJS check skipped`);
      t.pass();
      return;
    }
    throw e;
  }
  t.deepEqual(r.states[0], [[0x3f, 0x3f], [0x3f, 0x3f]], 'every port collecting and distributing within 3 s');
  t.deepEqual(r.states[1], [[0x3f, 0x3f], [0x3f, 0x3f]]);
  t.deepEqual(r.usable, [2, 2]);
  t.true(r.proc > 20, '/proc/net/bonding text formatted in the guest');
  t.true(r.peakHeapBytes > 0 && r.peakHeapBytes <= 2 * 1024 * 1024, `peak heap ${r.peakHeapBytes} bytes`);
  t.log(`QuickJS peak heap ${r.peakHeapBytes} bytes; bundle ${r.bundleBytes} bytes`);
});

/** The scenario scripts in test/scenarios: the same output under Node and under QuickJS. */
const SCENARIOS = readdirSync(join(ROOT, 'test', 'scenarios')).filter((f) => f.endsWith('.txt')).sort();

for (const board of SCENARIO_BOARDS)
for (const file of SCENARIOS) {
  test.serial(onBoard(board, `scenario ${file}: identical output under Node and with the core inside QuickJS (2 MiB)`), async (t) => {
    const lines = readFileSync(join(ROOT, 'test', 'scenarios', file), 'utf8').split('\n').filter((l) => l.trim() !== '');
    const node = await runScenarioInNode(board, lines);
    const qjs = await runScenarioInQuickJs(board, lines, 2 * 1024 * 1024);
    t.is(qjs.output, node);
    t.true(node.split('\n').length > lines.length, 'the scenario prints something');
    t.false(/internal error/.test(node), node);
    t.true(qjs.peakHeapBytes <= 2 * 1024 * 1024);
    t.log(`${file}: QuickJS peak heap ${qjs.peakHeapBytes} bytes`);
  });
}
