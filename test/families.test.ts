/**
 * Everything above the HAL is the same on either switch-chip family: every scenario script
 * prints the same on sim-gw4 (Marvell 88E6352) and sim-mt7531 (MediaTek MT7531), once each
 * board's own MAC addresses are named by port. Registers on the emulated bus directly
 * (bridge none), so that no command's bus time differs between the families; what only the
 * hardware shows (ethtool -S counter names, version) is not in these scripts.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScenarioInNode } from '../tools/quickjs-host.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { SCENARIO_BOARDS, portMac } from './helpers/boards.ts';
import { ROOT } from './helpers/cli.ts';

/** The board's MACs (base + 1 + port index) replaced by `mac<n>`. */
function neutral(board: BoardDefinition, text: string): string {
  let out = text;
  board.ports.forEach((_, i) => {
    const mac = portMac(board, i);
    out = out.split(mac).join(`mac${i}`).split(mac.toUpperCase()).join(`mac${i}`);
  });
  return out;
}

const SCENARIOS = readdirSync(join(ROOT, 'test', 'scenarios')).filter((f) => f.endsWith('.txt')).sort();

for (const file of SCENARIOS) {
  test.serial(`scenario ${file}: the same output on every switch-chip family`, async (t) => {
    const lines = readFileSync(join(ROOT, 'test', 'scenarios', file), 'utf8').split('\n').filter((l) => l.trim() !== '');
    const [first, ...others] = SCENARIO_BOARDS;
    const expected = neutral(first, await runScenarioInNode(first, lines));
    t.false(/internal error/.test(expected), expected);
    for (const board of others) t.is(neutral(board, await runScenarioInNode(board, lines)), expected, board.name);
  });
}
