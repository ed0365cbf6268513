import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { XMIT_LAYER2, XMIT_LAYER23, XMIT_LAYER34, hashToIndex, xmitHashAt } from '../firmware/bonding/hash.ts';
import { bestNsPer, type Benchmark, type Report } from './types.ts';

const N = 1_000_000;
const FRAME = 64;
const SLAVES = 4;
const ROUNDS = 7;
const POLICIES = [
  { name: 'layer2', policy: XMIT_LAYER2 },
  { name: 'layer2+3', policy: XMIT_LAYER23 },
  { name: 'layer3+4', policy: XMIT_LAYER34 },
];

/**
 * Slave selection on transmit for balance-xor/802.3ad: xmitHash then hashToIndex over 4
 * usable slaves, for 1,000,000 distinct 64-byte IPv4 TCP/UDP frames stored back to back,
 * per policy: nanoseconds per frame (best of 7), heap bytes allocated per frame (should be
 * 0), and the same loop compiled from bench/tx-select.c with `cc -O2` for comparison (same
 * generator, same checksum of the chosen indices, which must agree).
 */
export const txSelect: Benchmark = {
  name: 'tx-select',
  async run(report) {
    const frames = generate();
    const results = new Map<string, { ns: number; checksum: number }>();
    for (const { name, policy } of POLICIES) {
      const checksum = selectAll(frames, policy); // warms up; the checksum C must match
      let again = checksum;
      const ns = await bestNsPer(ROUNDS, N, () => void (again = selectAll(frames, policy)));
      if (again !== checksum) throw new Error(`tx-select: ${name} checksum changed between rounds`);
      results.set(name, { ns, checksum });
      report(`tx-select-${name}-ns-per-frame`, ns, 'ns');
      const bytes = await heapBytesPerFrame(() => void selectAll(frames, policy));
      if (bytes !== undefined) report(`tx-select-${name}-heap-bytes-per-frame`, bytes, 'bytes');
    }
    compareWithC(report, results);
  },
};

/** The deterministic frames, as generate() in tx-select.c builds them (xorshift32 from 0x12345678). */
function generate(): Uint8Array {
  const buf = new Uint8Array(N * FRAME);
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
  for (let i = 0; i < N; i++) {
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

/** Select a slave for every frame; the checksum of the chosen indices keeps the work alive. */
function selectAll(frames: Uint8Array, policy: number): number {
  let acc = 0;
  for (let i = 0, o = 0; i < N; i++, o += FRAME) {
    acc = (Math.imul(acc, 31) + hashToIndex(xmitHashAt(frames, o, FRAME, policy), SLAVES)) | 0;
  }
  return acc >>> 0;
}

/**
 * Heap growth over one run of `fn` after a full collection, per frame. A garbage collection
 * during the run would hide what it freed, so the run is watched for one: the figure is then
 * said to be a lower bound.
 */
async function heapBytesPerFrame(fn: () => void): Promise<number | undefined> {
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
  return Math.max(0, after - before) / N;
}

/** Build and run tx-select.c; report its times and the ratios, and insist the checksums agree. */
function compareWithC(report: Report, results: Map<string, { ns: number; checksum: number }>): void {
  const cc = process.env.CC ?? 'cc';
  const probe = spawnSync(cc, ['--version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    process.stdout.write(`tx-select: C comparison skipped: no C compiler (${cc}: ${probe.error?.message ?? `exit ${probe.status}`})\n`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tx-select-'));
  try {
    const exe = join(dir, 'tx-select');
    execFileSync(cc, ['-O2', '-o', exe, fileURLToPath(new URL('./tx-select.c', import.meta.url))], { stdio: 'inherit' });
    const c = new Map<string, { ns: number; checksum: number }>();
    for (const line of execFileSync(exe, { encoding: 'utf8' }).trim().split('\n')) {
      const [name, ns, checksum] = line.split(' ');
      c.set(name, { ns: Number(ns), checksum: Number(checksum) });
    }
    for (const [name, js] of results) {
      const native = c.get(name);
      if (native?.checksum !== js.checksum) {
        // Thrown: the runner then exits non-zero (after the temporary build is removed).
        throw new Error(`tx-select: ${name}: C checksum ${native?.checksum} differs from the TypeScript checksum ${js.checksum}`);
      }
      report(`tx-select-c-${name}-ns-per-frame`, native.ns, 'ns');
      report(`tx-select-${name}-ratio-to-c`, js.ns / native.ns, 'x');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
