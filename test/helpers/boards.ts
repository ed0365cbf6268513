/**
 * The boards every scenario runs on, one per switch-chip family: the scenario tests are
 * parameterised by these, so that the firmware above the HAL is shown to behave the same on
 * either family. A test of what only one family has (Marvell trunk tables) stays on that
 * family's board and says why.
 */
import { simGw4 } from '../../boards/sim-gw4.ts';
import { simMt7531 } from '../../boards/sim-mt7531.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import { formatMac, parseMac } from '../../lib/addr.ts';

export const SCENARIO_BOARDS: readonly BoardDefinition[] = [simGw4, simMt7531];

/** A test title on `board`: sim-gw4's titles stay as they were, others say their board. */
export function onBoard(board: BoardDefinition, title: string): string {
  return board === simGw4 ? title : `${board.name}: ${title}`;
}

/** Front-panel port `index`'s own MAC on `board`: the base MAC plus index + 1 (boards/types.ts), lower case. */
export function portMac(board: BoardDefinition, index: number): string {
  const base = parseMac(board.baseMac);
  if (!base) throw new Error(`${board.name}: bad base MAC '${board.baseMac}'`);
  base[5] = (base[5] + index + 1) & 0xff;
  return formatMac(base);
}
