import { DsaFramePort } from '../hal/switch/mv88e6xxx/frame-port.ts';
import { encodeForward } from '../hal/switch/mv88e6xxx/dsa.ts';
import { bestNsPer, type Benchmark } from './types.ts';

const N = 1_000_000;
const FRAME = 64;

/**
 * The frame path through the CPU port: FROM_CPU tagging on send and TO_CPU/FORWARD untagging
 * on receive, over 1,000,000 distinct 64-byte frames stored back to back; nanoseconds per
 * frame (best of 5) and heap bytes allocated per frame (should be 0).
 */
export const dsaFrames: Benchmark = {
  name: 'dsa-frames',
  async run(report) {
    const frames = new Uint8Array(N * FRAME);
    for (let i = 0; i < N; i++) {
      const o = i * FRAME;
      frames.fill(0xff, o, o + 6);
      frames[o + 6] = 0x02;
      frames[o + 10] = (i >> 8) & 255;
      frames[o + 11] = i & 255;
      frames[o + 12] = 0x08;
    }
    let sent = 0;
    let received = 0;
    let rxHandler: (frame: Uint8Array, length: number) => void = () => {};
    const fp = new DsaFramePort(
      { send: () => void sent++, setReceiver: (h) => (rxHandler = h) },
      { mode: 'dsa', portCount: 7, cpuPort: 5 },
    );
    fp.setReceiver(() => void received++);
    const views: Uint8Array[] = Array.from({ length: N }, (_, i) => frames.subarray(i * FRAME, (i + 1) * FRAME));
    const sendAll = () => {
      for (let i = 0; i < N; i++) fp.send(i & 3, views[i], FRAME);
    };
    // Tagged copies of the same frames as the switch would deliver them (FORWARD, port i & 3).
    const tagged = new Uint8Array(N * (FRAME + 4));
    const tviews: Uint8Array[] = [];
    for (let i = 0; i < N; i++) {
      const out = tagged.subarray(i * (FRAME + 4), (i + 1) * (FRAME + 4));
      encodeForward(out, views[i], FRAME, 'dsa', i & 3);
      tviews.push(out);
    }
    const receiveAll = () => {
      for (let i = 0; i < N; i++) rxHandler(tviews[i], FRAME + 4);
    };
    sendAll();
    receiveAll();
    report('dsa-tx-ns-per-frame', await bestNsPer(5, N, sendAll), 'ns');
    report('dsa-rx-ns-per-frame', await bestNsPer(5, N, receiveAll), 'ns');
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      const before = process.memoryUsage().heapUsed;
      sendAll();
      receiveAll();
      const after = process.memoryUsage().heapUsed;
      report('dsa-heap-bytes-per-frame', Math.max(0, after - before) / (2 * N), 'bytes');
    } else {
      process.stderr.write('dsa-frames: run with --expose-gc to measure allocation per frame\n');
    }
    if (sent === 0 || received === 0) throw new Error('dsa-frames: no frames went through');
  },
};
