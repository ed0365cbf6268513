import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './helpers/cli.ts';

/** The portable core: what must run unchanged on a microcontroller-class JavaScript engine. */
const CORE = ['lib', 'firmware/net', 'firmware/lacp', 'firmware/bonding', 'firmware/console', 'firmware/system.ts'];

function files(path: string): string[] {
  const full = join(ROOT, path);
  if (statSync(full).isFile()) return [path];
  return readdirSync(full).flatMap((n) => files(join(path, n))).filter((f) => f.endsWith('.ts'));
}

const NODE_MODULES = new Set(builtinModules);

const FORBIDDEN: [RegExp, string][] = [
  [/from ['"](node:|serialport|mqtt|aedes)/, 'imports a Node module'],
  [/\bBuffer\b/, 'uses Buffer'],
  [/\bprocess\./, 'uses process'],
  [/\bset(Timeout|Interval|Immediate)\(/, 'sets a timer of its own'],
  [/\bDate\.now\(|new Date\(|performance\.now\(/, 'reads the wall clock'],
];

test('the portable core imports no Node built-ins and keeps no time of its own', (t) => {
  const found: string[] = [];
  const all = CORE.flatMap(files);
  t.true(all.length > 5);
  for (const f of all) {
    const text = readFileSync(join(ROOT, f), 'utf8');
    for (const [re, what] of FORBIDDEN) {
      if (re.test(text)) found.push(`${f} ${what}`);
    }
    // Any Node built-in by its bare name too (fs, crypto, dgram, util, worker_threads...).
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"./][^'"]*)['"]/g)) {
      if (NODE_MODULES.has(m[1].split('/')[0])) found.push(`${f} imports the Node module '${m[1]}'`);
    }
  }
  t.deepEqual(found, []);
});

test('the check itself catches what it is for', (t) => {
  const probe = (text: string) => [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"./][^'"]*)['"]/g)].some((m) => NODE_MODULES.has(m[1].split('/')[0]));
  t.true(probe("import { randomBytes } from 'crypto';"));
  t.true(probe("const u = await import('util');"));
  t.false(probe("import { Bond } from './bond.ts';"));
  t.true(FORBIDDEN.some(([re]) => re.test("import x from 'node:dgram';")));
  t.true(FORBIDDEN.some(([re]) => re.test('const t = setTimeout(f, 5);')));
  t.true(FORBIDDEN.some(([re]) => re.test('const b = Buffer.from(x);')));
});
