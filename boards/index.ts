import { UsageError } from '../lib/errors.ts';
import { gw5_mt7621 } from './gw5-mt7621.ts';
import { gw8_6390 } from './gw8-6390.ts';
import { simGw4 } from './sim-gw4.ts';
import { simMt7531 } from './sim-mt7531.ts';
import type { BoardDefinition } from './types.ts';

export const BOARDS: readonly BoardDefinition[] = [simGw4, simMt7531, gw8_6390, gw5_mt7621];
export const DEFAULT_BOARD = simGw4.name;

export function findBoard(name: string): BoardDefinition {
  const b = BOARDS.find((x) => x.name === name);
  if (!b) throw new UsageError(`unknown board '${name}' (boards: ${BOARDS.map((x) => x.name).join(', ')})`);
  return b;
}

export type { BoardDefinition } from './types.ts';
