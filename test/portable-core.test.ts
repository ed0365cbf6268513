import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './helpers/cli.ts';

/**
 * The portable core, and everything else the firmware image (firmware/engine) carries: what
 * must run unchanged on a microcontroller-class JavaScript engine.
 */
const CORE = [
  'lib', 'firmware/net', 'firmware/lacp', 'firmware/bonding', 'firmware/console', 'firmware/system.ts',
  // The whole firmware inside the engine: board, drivers, bridge client, link poll, tag codecs,
  // the Sparkplug node and codec, the configuration store in flash, the image itself.
  'boards', 'hal', 'firmware/board-hardware.ts', 'firmware/engine', 'firmware/quickjs',
  'firmware/telemetry/sparkplug-node.ts', 'firmware/telemetry/mqtt-session.ts', 'firmware/telemetry/sparkplug.ts',
  'firmware/telemetry/metrics.ts', 'firmware/telemetry/remote-commands.ts', 'firmware/telemetry/sparkplug-ids.ts',
  'firmware/config/generations.ts', 'firmware/config/flash-copies.ts', 'firmware/config/memory-flash.ts',
  'hal/transport/line-splitter.ts',
  // The gateway's half of sim traffic/xmit/stream, in the image of a simulated board.
  'sim/instrument/gateway.ts', 'sim/instrument/spec.ts', 'sim/instrument/hosts.ts', 'sim/flows.ts',
];
/** Inside those folders, what stays in Node: the emulators, the Node transports, the wall-clock Clock. */
const NOT_CORE = ['hal/sim/', 'hal/transport/', 'hal/clock-real.ts'];

function files(path: string): string[] {
  const full = join(ROOT, path);
  if (statSync(full).isFile()) return [path];
  return readdirSync(full).flatMap((n) => files(join(path, n))).filter((f) => f.endsWith('.ts') && !NOT_CORE.some((x) => f.startsWith(x)));
}

/** The text without comments (a comment may say "process." or name Buffer). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const NODE_MODULES = new Set(builtinModules);

const FORBIDDEN: [RegExp, string][] = [
  [/from ['"](node:|serialport|@serialport|mqtt|aedes|ws['"])/, 'imports a Node module'],
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
    const text = code(readFileSync(join(ROOT, f), 'utf8'));
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
  t.true(FORBIDDEN.some(([re]) => re.test(code('const u = "mqtt://x"; Buffer.from(u); // a comment'))));
  t.false(FORBIDDEN.some(([re]) => re.test(code('/** in this process. */ const x = 1; // Buffer'))));
});
