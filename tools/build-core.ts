/**
 * `npm run build:core`: bundles the portable core (firmware/portable.ts) into one ES2020
 * script with no imports, dist/bondfw-core.js (an IIFE that defines `bondfw`), checks that
 * nothing in it reaches for Node, and reports its size.
 */
import { build } from 'esbuild';
import { readFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CORE_BUNDLE = join(ROOT, 'dist', 'bondfw-core.js');

export async function buildCore(): Promise<{ path: string; bytes: number; gzipBytes: number }> {
  mkdirSync(dirname(CORE_BUNDLE), { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'firmware', 'portable.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'bondfw',
    target: 'es2020',
    platform: 'neutral',
    minify: true,
    legalComments: 'none',
    outfile: CORE_BUNDLE,
    logLevel: 'silent',
  });
  const text = readFileSync(CORE_BUNDLE, 'utf8');
  for (const bad of [/\brequire\(/, /\bimport\s*\(/, /\bprocess\./, /\bBuffer\b/, /\bsetTimeout\(/]) {
    if (bad.test(text)) throw new Error(`build:core: the bundle uses ${bad} (not portable)`);
  }
  return { path: CORE_BUNDLE, bytes: Buffer.byteLength(text), gzipBytes: gzipSync(text).length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await buildCore();
  process.stdout.write(`${r.path}: ${r.bytes} bytes (${r.gzipBytes} gzipped)\n`);
  process.stdout.write(`BENCH core-bundle-bytes ${r.bytes} bytes\nBENCH core-bundle-gzip-bytes ${r.gzipBytes} bytes\n`);
}
