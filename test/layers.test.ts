/**
 * The layers point one way (ARCHITECTURE.md): lib/ below everything; hal/ and boards/ above
 * lib/ only; firmware/ above them; the simulated world (sim/) and the command line (cli/) on
 * top. And the firmware sees the switch-chip interface only: no code in firmware/ names a
 * chip family.
 */
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './helpers/cli.ts';

function files(dir: string): string[] {
  const full = join(ROOT, dir);
  return readdirSync(full).flatMap((n) => {
    const p = join(dir, n);
    return statSync(join(ROOT, p)).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The top-level folder each relative import of `file` reaches. */
function importedLayers(file: string): { spec: string; layer: string }[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: { spec: string; layer: string }[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = relative(ROOT, resolve(ROOT, dirname(file), m[1]));
    out.push({ spec: m[1], layer: target.split('/')[0] });
  }
  return out;
}

const MAY_IMPORT: Record<string, readonly string[]> = {
  lib: ['lib'],
  boards: ['lib', 'boards'],
  hal: ['lib', 'boards', 'hal', 'proto'],
  firmware: ['lib', 'boards', 'hal', 'firmware', 'proto'],
};

for (const [layer, allowed] of Object.entries(MAY_IMPORT)) {
  test(`${layer}/ imports only from ${allowed.join(', ')}`, (t) => {
    const wrong = files(layer).flatMap((f) => importedLayers(f).filter((i) => !allowed.includes(i.layer)).map((i) => `${f}: ${i.spec}`));
    t.deepEqual(wrong, []);
  });
}

test('no code in firmware/ names a switch-chip family (comments may)', (t) => {
  const family = /mv88e6xxx|Mv88e6xxx|88E6\d{3}|\bmt753\d|MT753\d|DsaFramePort|SimMv88e6xxx/;
  const found: string[] = [];
  for (const f of files('firmware')) {
    const code = readFileSync(join(ROOT, f), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    code.split('\n').forEach((line, i) => {
      if (family.test(line)) found.push(`${f}:${i + 1}: ${line.trim()}`);
    });
  }
  t.deepEqual(found, []);
});
