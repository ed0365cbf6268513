/**
 * `npm run build:image`: the whole firmware as one ES2020 script per board, with no imports,
 * `dist/image/<board>.js` (an IIFE that sets the global `bondfwImage`: firmware/engine/host.ts
 * says what it needs from its host). Fails when the script reaches for anything an embedded
 * engine has not: a Node module or API, `Buffer`, timers of its own, the wall clock.
 */
import { build, type Plugin } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOARDS } from '../../boards/index.ts';
import type { BoardDefinition } from '../../boards/types.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const IMAGE_DIR = join(ROOT, 'dist', 'image');

export interface BuiltImage {
  board: string;
  path: string;
  /** The script itself. */
  text: string;
  bytes: number;
  gzipBytes: number;
  /** Bytes each source contributes, largest first. */
  inputs: { path: string; bytes: number }[];
}

/**
 * What the script must not contain, as the minified code uses it (property names and words
 * in strings do not match): Node's module loader and APIs, Buffer, timers, the wall clock.
 */
export const FORBIDDEN_IN_IMAGE: [RegExp, string][] = [
  [/(?<![\w$.])require\s*\(/, "Node's require"],
  [/(?<![\w$.])import\s*\(/, 'a dynamic import'],
  [/(?<![\w$.])process\s*\.|\bglobalThis\.process\b/, "Node's process"],
  [/(?<![\w$.])global\s*\./, "Node's global"],
  [/(?<![\w$.])Buffer\s*[.(]|\bnew\s+Buffer\b/, 'Buffer'],
  [/(?<![\w$.])(set|clear)(Timeout|Interval|Immediate)\s*\(/, 'a timer of its own'],
  [/\bqueueMicrotask\s*\(/, 'queueMicrotask (not in every engine)'],
  [/\bDate\.now\s*\(|\bnew\s+Date\s*\(\s*\)|\bperformance\.now\s*\(/, 'the wall clock'],
];

/** Why `text` (a built script) is not portable; [] when it is. */
export function imageProblems(text: string): string[] {
  return FORBIDDEN_IN_IMAGE.filter(([re]) => re.test(text)).map(([re, what]) => `uses ${what} (${re})`);
}

/**
 * What of protobufjs's minimal runtime the image leaves out: Long.js (`require("long")`; 64-bit
 * values are plain numbers here, sparkplug.ts converts at the codec) and the RPC service base
 * (our schemas have no services; it defers errors with setTimeout). An engine has no Node
 * `global` either (define below).
 */
const protobufTrim: Plugin = {
  name: 'protobuf-trim',
  setup(b) {
    b.onResolve({ filter: /^long$/ }, () => ({ path: 'long', namespace: 'trimmed' }));
    b.onResolve({ filter: /^\.\/rpc$/ }, (a) => (/protobufjs[\\/]src$/.test(a.resolveDir) ? { path: 'rpc', namespace: 'trimmed' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'trimmed' }, (a) => ({ contents: a.path === 'rpc' ? 'module.exports = {};' : 'module.exports = null;', loader: 'js' }));
  },
};

/** The switch-chip driver families, by the class hal/switch/index.ts imports from each. */
const SWITCH_DRIVERS: Record<string, string> = { mv88e6xxx: 'Mv88e6xxx', mt7530: 'Mt7530' };

/**
 * Only the board's own switch driver in its image: hal/switch/index.ts's import of another
 * family resolves to a class whose probe says that driver is not in this image (a board's
 * family is fixed, so nothing reaches it).
 */
function onlyBoardDriver(def: BoardDefinition): Plugin {
  const index = join(ROOT, 'hal', 'switch', 'index.ts');
  return {
    name: 'only-board-driver',
    setup(b) {
      b.onResolve({ filter: /^\.\/[\w-]+\/chip\.ts$/ }, (a) => {
        const family = a.path.split('/')[1];
        if (a.importer !== index || family === def.switch.driver || !(family in SWITCH_DRIVERS)) return undefined;
        return { path: family, namespace: 'absent-driver' };
      });
      b.onLoad({ filter: /.*/, namespace: 'absent-driver' }, (a) => ({
        contents: `export class ${SWITCH_DRIVERS[a.path]} { static probe() { throw new Error(${JSON.stringify(`the ${a.path} switch driver is not in the image for ${def.name}`)}); } }`,
        loader: 'js',
      }));
    },
  };
}

/** The entry for `def`: the prelude first (text codecs), then the image for the board. */
function entry(def: BoardDefinition): string {
  const sim = def.transport.kind === 'sim';
  return [
    `import ${JSON.stringify(join(ROOT, 'firmware/engine/prelude.ts'))};`,
    `import { defineImage } from ${JSON.stringify(join(ROOT, 'firmware/engine/image.ts'))};`,
    `import { findBoard } from ${JSON.stringify(join(ROOT, 'boards/index.ts'))};`,
    sim ? `import { registerSimInstrument } from ${JSON.stringify(join(ROOT, 'sim/instrument/gateway.ts'))};` : '',
    `globalThis.bondfwImage = defineImage(findBoard(${JSON.stringify(def.name)})${sim ? ', registerSimInstrument' : ''});`,
  ].join('\n');
}

/** Builds the image of one board; `minify` false keeps it readable (for debugging). */
export async function buildImage(def: BoardDefinition, opts: { minify?: boolean; outDir?: string } = {}): Promise<BuiltImage> {
  const dir = opts.outDir ?? IMAGE_DIR;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${def.name}.js`);
  const r = await build({
    stdin: { contents: entry(def), resolveDir: ROOT, sourcefile: `image-${def.name}.ts`, loader: 'ts' },
    bundle: true,
    format: 'iife',
    target: 'es2020',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    minify: opts.minify ?? true,
    legalComments: 'none',
    define: { global: 'undefined' },
    plugins: [protobufTrim, onlyBoardDriver(def)],
    outfile: path,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const text = r.outputFiles[0].text;
  const problems = imageProblems(text);
  if (problems.length) throw new Error(`build:image: ${def.name}: the script is not portable: ${problems.join('; ')}`);
  // Replaced whole: another process reading the image meanwhile sees the old one or the new.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  const out = Object.values(r.metafile.outputs)[0];
  const inputs = Object.entries(out.inputs).map(([p, v]) => ({ path: p, bytes: v.bytesInOutput })).sort((a, b) => b.bytes - a.bytes);
  return { board: def.name, path, text, bytes: Buffer.byteLength(text), gzipBytes: gzipSync(text).length, inputs };
}

export async function buildImages(): Promise<BuiltImage[]> {
  const out: BuiltImage[] = [];
  for (const def of BOARDS) out.push(await buildImage(def));
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const r of await buildImages()) {
    process.stdout.write(`${r.path}: ${r.bytes} bytes (${r.gzipBytes} gzipped)\n`);
  }
}
