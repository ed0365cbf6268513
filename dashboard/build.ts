/**
 * Bundles the dashboard with esbuild: src/main.ts with mqtt.js's browser build, the
 * protobufjs static code of proto/sparkplug_b.js and uPlot into one script and one style
 * sheet, beside the static files. Everything the page loads is in the result, so it works
 * with no network but the broker's.
 *
 * The main job builds it in memory when the page is first asked for (about 0.1 s), so what
 * it serves is always the sources of the checkout; `npm run build:dashboard` writes the same
 * files to dist/dashboard/ for serving from elsewhere.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DASHBOARD_DIST = join(HERE, '..', 'dist', 'dashboard');

export interface Asset {
  type: string;
  body: Uint8Array;
}

/** The page's files by URL path ('/' is index.html). */
export type Assets = Map<string, Asset>;

const STATIC: [string, string, string][] = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/favicon.svg', 'favicon.svg', 'image/svg+xml'],
];

export async function buildDashboard(): Promise<Assets> {
  // Imported here: only a job that serves the page needs esbuild.
  const { build } = await import('esbuild');
  const r = await build({
    entryPoints: { app: join(HERE, 'src', 'main.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    legalComments: 'none',
    outdir: 'out',
    write: false,
    logLevel: 'silent',
  });
  const assets: Assets = new Map();
  for (const [path, file, type] of STATIC) assets.set(path, { type, body: readFileSync(join(HERE, 'static', file)) });
  for (const f of r.outputFiles) {
    const name = f.path.slice(f.path.lastIndexOf('/') + 1);
    if (name === 'app.js') assets.set('/app.js', { type: 'text/javascript; charset=utf-8', body: f.contents });
    else if (name === 'app.css') assets.set('/app.css', { type: 'text/css; charset=utf-8', body: f.contents });
  }
  if (!assets.has('/app.js') || !assets.has('/app.css')) throw new Error('dashboard build: no app.js or app.css in the output');
  return assets;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const assets = await buildDashboard();
  mkdirSync(DASHBOARD_DIST, { recursive: true });
  for (const [path, a] of assets) {
    const file = path === '/' ? 'index.html' : path.slice(1);
    writeFileSync(join(DASHBOARD_DIST, file), a.body);
    process.stdout.write(`${join(DASHBOARD_DIST, file)}: ${a.body.length} bytes (${gzipSync(a.body).length} gzipped)\n`);
  }
}
