import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers/cli.ts';

/** The portable core: what must run unchanged on a microcontroller-class JavaScript engine. */
const CORE = ['firmware/core', 'firmware/net', 'firmware/lacp', 'firmware/bonding', 'firmware/console', 'firmware/system.ts'];

function files(path: string): string[] {
  const full = join(ROOT, path);
  if (statSync(full).isFile()) return [path];
  return readdirSync(full).flatMap((n) => files(join(path, n))).filter((f) => f.endsWith('.ts'));
}

const FORBIDDEN: [RegExp, string][] = [
  [/from ['"](node:|fs|net|os|path|child_process|serialport|mqtt|events|buffer|timers|readline)['"/]/, 'imports a Node module'],
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
  }
  t.deepEqual(found, []);
});
