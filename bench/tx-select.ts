import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { XMIT_LAYER2, XMIT_LAYER23, XMIT_LAYER34, hashToIndex as hashToIndexImport, xmitHashAt as xmitHashAtImport } from '../firmware/bonding/hash.ts';
import { forgetFrameView, keepFrameView } from '../lib/frame-view.ts';
import { bestNsPer, type Benchmark, type Report } from './types.ts';

// Called per frame through module constants, as the bond's transmit path calls them (bond.ts).
const xmitHashAt = xmitHashAtImport, hashToIndex = hashToIndexImport;

const FRAME = 64;
const SLAVES = 4;
const ROUNDS = 7;
/** Passes over the policies, JS and C taking turns, so that both see the same spells of load. */
const TURNS = 3;
const POLICIES = [
  { name: 'layer2', policy: XMIT_LAYER2 },
  { name: 'layer2+3', policy: XMIT_LAYER23 },
  { name: 'layer3+4', policy: XMIT_LAYER34 },
];
/**
 * The frame sets. `cache`: 16,384 distinct frames (1 MiB, within a core's L2 here) selected
 * 64 times over, as the transmit path sees a frame the host stack has just written; its
 * figures carry the plain names. `dram`: 1,000,000 distinct frames (64 MiB) once each, a
 * stream from main memory, where the figures measure how much of the memory latency each
 * loop hides as much as the selection itself.
 */
const SETS = [
  { name: 'cache', prefix: 'tx-select', distinct: 16_384, passes: 64 },
  { name: 'dram', prefix: 'tx-select-dram', distinct: 1_000_000, passes: 1 },
];

/**
 * Slave selection on transmit for balance-xor/802.3ad: xmitHashAt then hashToIndex over 4
 * usable slaves, for distinct 64-byte IPv4 TCP/UDP frames stored back to back in one buffer
 * with a DataView kept for it (as the host stack's transmit scratch), per policy and frame
 * set: nanoseconds per selection (best of 7 rounds, in each of 3 turns), heap
 * bytes allocated per selection (should be 0), and the same loop compiled from
 * bench/tx-select.c with `cc -O2` (same generator, same loop, same checksum of the chosen
 * indices, which must agree), run in turns with the TypeScript one.
 */
export const txSelect: Benchmark = {
  name: 'tx-select',
  async run(report) {
    const exe = buildC();
    try {
      for (const set of SETS) await runSet(report, set, exe?.path);
    } finally {
      exe?.remove();
    }
  },
};

async function runSet(report: Report, set: (typeof SETS)[number], exe: string | undefined): Promise<void> {
  const frames = generate(set.distinct);
  // The frames sit in one long-lived buffer, as the host stack's transmit scratch does, and
  // like it the buffer has a DataView kept for it (lib/frame-view.ts).
  keepFrameView(frames);
  try {
    await measureSet(report, set, exe, frames);
  } finally {
    forgetFrameView(frames);
  }
}

async function measureSet(report: Report, set: (typeof SETS)[number], exe: string | undefined, frames: Uint8Array): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const n = set.distinct * set.passes;
  const js = new Map<string, { ns: number; checksum: number }>();
  const c = new Map<string, { ns: number; checksum: number }>();
  for (let turn = 0; turn < TURNS; turn++) {
    for (const { name, policy } of POLICIES) {
      const checksum = selectAll(frames, set.distinct, set.passes, policy); // warms up; the checksum C must match
      gc?.(); // no collection work left over from building the frames or the last policy
      let again = checksum;
      const ns = await bestNsPer(ROUNDS, n, () => void (again = selectAll(frames, set.distinct, set.passes, policy)));
      if (again !== checksum) throw new Error(`tx-select: ${name} checksum changed between rounds`);
      const prev = js.get(name);
      if (prev !== undefined && prev.checksum !== checksum) throw new Error(`tx-select: ${name} checksum changed between turns`);
      if (prev === undefined || ns < prev.ns) js.set(name, { ns, checksum });
    }
    if (exe !== undefined) {
      const out = execFileSync(exe, [String(set.distinct), String(set.passes), String(ROUNDS), ...POLICIES.map((p) => p.name)], { encoding: 'utf8' });
      for (const line of out.trim().split('\n')) {
        const [name, ns, checksum] = line.split(' ');
        const prev = c.get(name);
        if (prev === undefined || Number(ns) < prev.ns) c.set(name, { ns: Number(ns), checksum: Number(checksum) });
      }
    }
  }
  for (const { name, policy } of POLICIES) {
    report(`${set.prefix}-${name}-ns-per-frame`, js.get(name)!.ns, 'ns');
    const bytes = await heapBytesPerFrame(n, () => void selectAll(frames, set.distinct, set.passes, policy));
    if (bytes !== undefined) report(`${set.prefix}-${name}-heap-bytes-per-frame`, bytes, 'bytes');
  }
  if (exe === undefined) return;
  for (const [name, ts] of js) {
    const native = c.get(name);
    if (native?.checksum !== ts.checksum) {
      // Thrown: the runner then exits non-zero (after the temporary build is removed).
      throw new Error(`tx-select: ${set.name} ${name}: C checksum ${native?.checksum} differs from the TypeScript checksum ${ts.checksum}`);
    }
    report(`${set.prefix}-c-${name}-ns-per-frame`, native.ns, 'ns');
    report(`${set.prefix}-${name}-ratio-to-c`, ts.ns / native.ns, 'x');
  }
}

/** The first `n` deterministic frames, as generate() in tx-select.c builds them (xorshift32 from 0x12345678). */
function generate(n: number): Uint8Array {
  const buf = new Uint8Array(n * FRAME);
  let x = 0x12345678;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const be32 = (at: number, v: number) => {
    buf[at] = v >>> 24;
    buf[at + 1] = v >>> 16;
    buf[at + 2] = v >>> 8;
    buf[at + 3] = v;
  };
  for (let i = 0; i < n; i++) {
    const f = i * FRAME;
    const mac = next();
    const kind = next();
    const saddr = next();
    const daddr = next();
    const ports = next();
    buf.set([2, 0, 0, 0, mac >>> 8, mac, 2, 0, 0, 1, mac >>> 24, mac >>> 16, 0x08, 0x00], f);
    const ip = f + 14;
    buf.set([0x45, 0, 0, FRAME - 14, i >>> 8, i, 0x40, 0, 64, kind & 1 ? 6 : 17], ip);
    be32(ip + 12, saddr);
    be32(ip + 16, daddr);
    be32(ip + 20, ports);
  }
  return buf;
}

/** Select a slave for every frame, `passes` times over; the checksum of the chosen indices keeps the work alive. */
function selectAll(frames: Uint8Array, distinct: number, passes: number, policy: number): number {
  let acc = 0;
  for (let p = 0; p < passes; p++) {
    for (let i = 0, o = 0; i < distinct; i++, o += FRAME) {
      acc = (Math.imul(acc, 31) + hashToIndex(xmitHashAt(frames, o, FRAME, policy), SLAVES)) | 0;
    }
  }
  return acc >>> 0;
}

/**
 * Heap growth over one run of `fn` after a full collection, per frame. A garbage collection
 * during the run would hide what it freed, so the run is watched for one: the figure is then
 * said to be a lower bound.
 */
async function heapBytesPerFrame(n: number, fn: () => void): Promise<number | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    process.stderr.write('tx-select: run with --expose-gc to measure allocation per frame\n');
    return undefined;
  }
  let collections = 0;
  let t0 = Infinity;
  let t1 = Infinity;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.startTime >= t0 && e.startTime <= t1) collections++;
  });
  obs.observe({ entryTypes: ['gc'] });
  gc();
  t0 = performance.now();
  const before = process.memoryUsage().heapUsed;
  fn();
  const after = process.memoryUsage().heapUsed;
  t1 = performance.now();
  await new Promise((r) => setTimeout(r, 10)); // gc entries arrive asynchronously
  obs.disconnect();
  if (collections > 0) process.stderr.write(`tx-select: ${collections} garbage collection(s) during the run; heap bytes per frame is a lower bound\n`);
  return Math.max(0, after - before) / n;
}

/** Build tx-select.c into a temporary directory; undefined (said on stdout) without a C compiler. */
function buildC(): { path: string; remove: () => void } | undefined {
  const cc = process.env.CC ?? 'cc';
  const probe = spawnSync(cc, ['--version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    process.stdout.write(`tx-select: C comparison skipped: no C compiler (${cc}: ${probe.error?.message ?? `exit ${probe.status}`})\n`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tx-select-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const path = join(dir, 'tx-select');
    execFileSync(cc, ['-O2', '-o', path, fileURLToPath(new URL('./tx-select.c', import.meta.url))], { stdio: 'inherit' });
    return { path, remove };
  } catch (e) {
    remove();
    throw e;
  }
}
