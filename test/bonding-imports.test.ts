/**
 * The bonding driver's files import each other without cycles (type-only imports count too):
 * the link monitors know their bond through monitor-host.ts, the option setters through the
 * OptionHost interface, so neither imports bond.ts back.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../firmware/bonding/', import.meta.url));

test('no import cycle in firmware/bonding', (t) => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
  const edges = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(DIR + f, 'utf8');
    edges.set(f, [...text.matchAll(/from '\.\/([a-z0-9-]+\.ts)'/g)].map((m) => m[1]));
  }
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (f: string, path: string[]): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      cycles.push([...path.slice(path.indexOf(f)), f].join(' -> '));
      return;
    }
    state.set(f, 'open');
    for (const g of edges.get(f) ?? []) visit(g, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of files) visit(f, []);
  t.deepEqual(cycles, []);
  t.true(files.length > 10, 'the folder was read');
});
