/**
 * The whole firmware inside an engine (`npm run bench -- engine`): the image's size (minified,
 * gzipped, as stripped bytecode), and its heap on sim-gw4 with two bonds (802.3ad over
 * eth0/eth1 with the partner's LACP, active-backup over eth2/eth3), the Sparkplug edge node
 * publishing to an embedded broker, over 10 minutes of virtual time with every port's cable
 * flapping (down for 50 ms to 2 s every 2 to 6 s, each port its own rhythm).
 *
 * First in QuickJS-ng (quickjs-wasi) with the image loaded as a device loads it: bytecode
 * without source or debug information. Then the same run under a memory limit of 1 MiB
 * (counted in the allocator's bytes), which says whether the engine refused an allocation;
 * then in QuickJS (quickjs-emscripten) with the image loaded from its source; then in Moddable
 * XS (xsnap), with XS's slot counts and the bytes of a snapshot of its machine.
 *
 * Heap figures are QuickJS's `memory_used_size` (its own count of the bytes its structures
 * take: the image's bytecode, atoms and function objects, the firmware's objects and strings),
 * sampled every 256 calls into the engine and every 5 s of virtual time, and taken as each
 * minute's median (QuickJS frees by reference count at once; cycles wait for its collector).
 * The first minutes fill what is bounded (the event log keeps its first 100 and newest 1,000
 * lines: about four minutes of these flaps): `engine-heap-fill-bytes` is minute 5 less minute
 * 1, and growth, `engine-heap-growth-bytes`, is minute 10 less minute 5, once everything
 * bounded is full. QuickJS-ng also gives the allocator's bytes, read at every call.
 */
import mqtt from 'mqtt';
import { flapPorts } from './flaps.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { buildImage } from '../cli/engine/build-image.ts';
import { EngineSim, engineClock, type EngineKind } from '../cli/engine/engine-sim.ts';
import { QuickJsNgFirmware } from '../cli/engine/quickjs-ng.ts';
import { XsFirmware, xsUnavailable } from '../cli/engine/xs.ts';
import { startEmbeddedBroker } from '../firmware/telemetry/broker.ts';
import { mqttJsConnector } from '../firmware/telemetry/edge-node.ts';
import type { Benchmark } from './types.ts';

const MINUTE = 60_000;
const RUN_MS = 10 * MINUTE;
const SAMPLE_MS = 5000;
const LIMIT = 1024 * 1024;

const SETUP = [
  'modprobe bonding mode=802.3ad miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4',
  'echo +bond1 > /sys/class/net/bonding_masters',
  'echo active-backup > /sys/class/net/bond1/bonding/mode',
  'echo 100 > /sys/class/net/bond1/bonding/miimon',
  'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
  'ifconfig bond1 10.0.0.1 netmask 255.255.255.0 up',
  'ifenslave bond0 eth0 eth1',
  'ifenslave bond1 eth2 eth3',
  'sim lacp eth0 active fast',
  'sim lacp eth1 active fast',
  'sim wait 5s',
];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
};

interface RunFigures {
  /** Bytes the first five minutes added (bounded rings filling). */
  fill: number;
  /** QuickJS: heap bytes once the image was loaded; XS: slots in use then. */
  loaded: number;
  peak: number;
  growth: number;
  flaps: number;
  failovers: number;
  publishes: number;
  wallMs: number;
  /** QuickJS-ng: the most bytes its allocator held, and held once the image was loaded. */
  peakAllocated?: number;
  loadedAllocated?: number;
  /** QuickJS-ng: the image's bytecode. */
  bytecodeBytes?: number;
  /** XS: a snapshot's bytes at the end. */
  snapshot?: number;
}

/** One run of the firmware image as the header says, in `kind` (QuickJS under `memoryLimit`). */
async function runImage(image: string, memoryLimit: number, kind: EngineKind = 'quickjs'): Promise<RunFigures> {
  const broker = await startEmbeddedBroker(0);
  let publishes = 0;
  const watcher = mqtt.connect(broker.url, { protocolVersion: 4 });
  await new Promise<void>((resolve) => watcher.on('connect', () => watcher.subscribe('spBv1.0/bench/#', () => resolve())));
  watcher.on('message', () => publishes++);
  const clock = engineClock();
  const wall0 = performance.now();
  let sys: EngineSim | undefined;
  try {
    sys = await EngineSim.boot(simGw4, clock, {
      engine: kind, autonegMs: 0, image, memoryLimit, openCapture: () => ({ write() {}, close() {} }),
      telemetry: { node: { group: 'bench', node: 'engine', brokerLabel: broker.url, periodMs: 1000 }, mqtt: mqttJsConnector({ url: broker.url }) },
    });
    for (const line of SETUP) {
      const out = await sys.run(line);
      if (out.startsWith('error:')) throw new Error(`${line}: ${out}`);
    }
    const world = sys.hw.world;
    const flapping = flapPorts(world, clock, 4, 0x656e6769);
    const samples: { t: number; used: number }[] = [];
    const start = clock.now();
    const engine = sys.engine;
    const sample = (): void => {
      samples.push({ t: clock.now() - start, used: engine instanceof XsFirmware ? 0 : engine.heap().used });
      if (clock.now() - start < RUN_MS) clock.setTimer(SAMPLE_MS, sample);
    };
    sample();
    await clock.advance(RUN_MS);
    flapping.on = false;
    await clock.advance(3000);
    const bonds = await sys.run('cat /proc/net/bonding/bond1');
    const failovers = (await sys.run('log 1000')).split('\n').filter((l) => l.includes('making interface the new active one')).length;
    if (!/Slave Interface: eth2/.test(bonds)) throw new Error(`bond1 lost its slaves:\n${bonds}`);
    const inMinute = (m: number) => samples.filter((s) => s.t >= (m - 1) * MINUTE && s.t < m * MINUTE).map((s) => s.used);
    if (process.env.ENGINE_BENCH_VERBOSE) for (let m = 1; m <= 10; m++) process.stdout.write(`engine: minute ${m}: median heap ${median(inMinute(m))} bytes\n`);
    if (!(engine instanceof XsFirmware)) {
      const fill = median(inMinute(5)) - median(inMinute(1));
      const growth = median(inMinute(10)) - median(inMinute(5));
      const ng = engine instanceof QuickJsNgFirmware ? engine : undefined;
      return {
        loaded: engine.loadedBytes, peak: engine.heap().peak, fill, growth, flaps: flapping.count, failovers, publishes, wallMs: performance.now() - wall0,
        peakAllocated: ng?.heap().peakAllocated, loadedAllocated: ng?.loadedAllocated, bytecodeBytes: ng?.bytecodeBytes,
      };
    }
    // XS: what its collector leaves live at the end, and the most its meter showed between collections.
    const live = await engine.collect();
    const snapshot = await engine.snapshotBytes();
    return { loaded: engine.loadedSlots, peak: live, fill: 0, growth: 0, flaps: flapping.count, failovers, publishes, wallMs: performance.now() - wall0, snapshot };
  } finally {
    await sys?.stop().catch(() => {});
    await new Promise<void>((resolve) => watcher.end(true, {}, () => resolve()));
    await broker.close();
  }
}

export const engine: Benchmark = {
  name: 'engine',
  async run(report) {
    const built = await buildImage(simGw4);
    report('image-bytes', built.bytes, 'bytes');
    report('image-gzip-bytes', built.gzipBytes, 'bytes');
    // As a device runs it: QuickJS-ng, the image loaded as bytecode without source or debug information.
    const r = await runImage(built.text, 8 * LIMIT, 'quickjs-ng');
    report('image-bytecode-bytes', r.bytecodeBytes ?? 0, 'bytes');
    report('engine-peak-heap-bytes', r.peak, 'bytes');
    report('engine-peak-allocated-bytes', r.peakAllocated ?? 0, 'bytes');
    report('engine-heap-growth-bytes', r.growth, 'bytes');
    report('engine-heap-fill-bytes', r.fill, 'bytes');
    report('engine-image-loaded-bytes', r.loaded, 'bytes');
    report('engine-image-loaded-allocated-bytes', r.loadedAllocated ?? 0, 'bytes');
    report('engine-state-peak-bytes', r.peak - r.loaded, 'bytes');
    report('engine-flaps', r.flaps, 'flaps');
    report('engine-failovers', r.failovers, 'failovers');
    report('engine-mqtt-publishes', r.publishes, 'messages');
    report('engine-virtual-seconds-per-wall-second', (RUN_MS + 3000) / r.wallMs, 's/s');
    // The same under a memory limit of 1 MiB, counted in the allocator's bytes.
    let refused = 0;
    let limited: RunFigures | undefined;
    try {
      limited = await runImage(built.text, LIMIT, 'quickjs-ng');
    } catch (e) {
      refused = 1;
      process.stdout.write(`engine: under a memory limit of ${LIMIT} bytes: ${String((e as Error).message).split('\n')[0]}\n`);
    }
    report('engine-1mib-limit-refused', refused, 'boolean');
    if (limited) report('engine-1mib-peak-allocated-bytes', limited.peakAllocated ?? 0, 'bytes');
    // QuickJS (quickjs-emscripten) with the image loaded from its source, which QuickJS keeps
    // for every function (Function.prototype.toString) unless it is stripped.
    const q = await runImage(built.text, 8 * LIMIT, 'quickjs');
    report('quickjs-source-peak-heap-bytes', q.peak, 'bytes');
    report('quickjs-source-image-loaded-bytes', q.loaded, 'bytes');
    report('quickjs-source-heap-growth-bytes', q.growth, 'bytes');
    report('quickjs-source-failovers', q.failovers, 'failovers');
    // The second engine, Moddable XS (xsnap): slots (16 bytes each on a 32-bit MCU, 32 here)
    // in use once the image is loaded, and live after the same 10 minutes and a collection.
    // Its chunks (strings, bytecode, buffers) are not in xsnap's meter; a snapshot holds both,
    // so one of a machine that has only loaded the image and one of the firmware's at the end
    // say what the image takes and what the firmware's state adds to it (a device that keeps
    // the loaded image in flash, as Moddable's preload does, holds the latter in RAM).
    const noXs = await xsUnavailable();
    if (noXs !== undefined) {
      process.stdout.write(`engine: XS skipped: ${noXs}\n`);
      return;
    }
    const xs = await runImage(built.text, 0, 'xs');
    const imageSnapshot = await XsFirmware.imageSnapshotBytes(built.text);
    report('xs-image-slots', xs.loaded, 'slots');
    report('xs-live-slots', xs.peak, 'slots');
    report('xs-image-snapshot-bytes', imageSnapshot, 'bytes');
    report('xs-snapshot-bytes', xs.snapshot ?? 0, 'bytes');
    report('xs-state-snapshot-bytes', (xs.snapshot ?? 0) - imageSnapshot, 'bytes');
    report('xs-failovers', xs.failovers, 'failovers');
    report('xs-virtual-seconds-per-wall-second', (RUN_MS + 3000) / xs.wallMs, 's/s');
  },
};
