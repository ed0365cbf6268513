/**
 * The firmware's whole receive-and-answer path on one core, in frames per second: an ICMP
 * echo request arrives DSA-tagged from the switch's CPU port (the conduit), the DSA frame port
 * untags it, the board delivers it, the network stack hands it to the bond, the host stack
 * answers it, the bond transmits the echo reply, and the frame port tags it back out to the
 * conduit. Real objects throughout: the sim-gw4 board opened with `Board.open` on the emulated
 * switch, the `Firmware` over it configured by console lines, the emulated LACP partner.
 *
 * The conduit is a tap (the edge of the world): while the bond is set up it passes frames to
 * and from the emulated switch; the request frames are then captured as the switch tags them
 * (per port for active-backup, with the trunk ID once 802.3ad has programmed the hardware
 * LAG); in the timed loop it feeds those frames straight into the frame port and only counts
 * the answers, so the loop holds the firmware's path and nothing of the emulator's.
 * Virtual time stands still during the loop, so no timer (monitor, LACP, poll) runs in it.
 *
 * Prints frames per second per bond mode (the headline `cpu-port-fps` is 802.3ad), the
 * headline's ratio to 1 GbE line rate with 64-byte frames, and heap bytes per frame (the
 * headline is the larger of the two modes; the goal is 0).
 */
import { VirtualClock } from '../lib/clock.ts';
import { EventLog } from '../lib/log.ts';
import { runScenarioLine } from '../sim/boot.ts';
import { Firmware } from '../firmware/system.ts';
import { macEquals } from '../lib/addr.ts';
import { buildIpv4, IPPROTO_ICMP, parseIpv4Frame } from '../firmware/net/packets.ts';
import { Board } from '../hal/board.ts';
import type { Conduit } from '../hal/frames.ts';
import { nodeSettle } from '../hal/clock-real.ts';
import { registerSimCommands } from '../sim/commands.ts';
import { SimHardware } from '../sim/hardware.ts';
import { DSA_CMD_FORWARD, DSA_CMD_FROM_CPU } from '../hal/switch/mv88e6xxx/dsa.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { bestNsPer, type Benchmark } from './types.ts';

/** Frames through the path before timing (warm-up, every one checked answered). */
const N = 1_000_000;
/** Timed rounds and frames per round: the best round counts, so short rounds ride out a busy machine. */
const ROUNDS = 12;
const ROUND = 250_000;
/** Distinct request frames (sources, ICMP identifiers), cycled through. */
const DISTINCT = 1024;
/** 1 GbE with 64-byte frames: 10^9 b/s / ((64 + 8 preamble + 12 gap) bytes * 8). */
const LINE_RATE_FPS = 1_488_095;
/** Frames between heap readings: small enough that the young generation never fills (no scavenge hides bytes). */
const HEAP_CHUNK = 1000;
const HEAP_CHUNKS = 100;

const BOND_IP = 0xc0a80101; // 192.168.1.1, a /16 so every source below is on the subnet

/** The CPU's MAC as the firmware sees it, with a switch to take the emulated switch out of the loop. */
class TapConduit implements Conduit {
  /** 'live': frames cross to and from the emulated switch; 'capture': frames from the switch are kept, not delivered; 'bench': sends are only counted. */
  mode: 'live' | 'capture' | 'bench' = 'live';
  answers = 0;
  readonly captured: Uint8Array[] = [];
  /** The last answer sent in 'bench' mode (the frame port's buffer: valid until its next send). */
  lastAnswer: Uint8Array = new Uint8Array(0);
  lastAnswerLength = 0;
  private handler: (frame: Uint8Array, length: number) => void = () => {};

  constructor(private readonly inner: Conduit) {}

  send(frame: Uint8Array, length: number): void {
    if (this.mode === 'bench') {
      this.answers++;
      this.lastAnswer = frame;
      this.lastAnswerLength = length;
      return;
    }
    this.inner.send(frame, length);
  }

  setReceiver(handler: (frame: Uint8Array, length: number) => void): void {
    this.handler = handler;
    this.inner.setReceiver((frame, length) => {
      if (this.mode === 'live') handler(frame, length);
      else if (this.mode === 'capture') this.captured.push(frame.slice(0, length));
    });
  }

  /** A tagged frame from the switch, straight to the firmware. */
  deliver(frame: Uint8Array, length: number): void {
    this.handler(frame, length);
  }
}

interface BenchSystem {
  clock: VirtualClock;
  hw: SimHardware;
  board: Board;
  firmware: Firmware;
  tap: TapConduit;
  run(line: string): Promise<string>;
}

/** The sim-gw4 board on the emulated hardware, with the firmware and the `sim` commands, in virtual time. */
async function boot(): Promise<BenchSystem> {
  const clock = new VirtualClock(nodeSettle);
  const log = new EventLog(clock);
  const hw = new SimHardware(simGw4, clock, { autonegMs: 0 });
  const tap = new TapConduit(hw.conduit);
  const board = await clock.drive(Board.open(simGw4, hw.bus, tap, clock, log));
  const firmware = new Firmware(board, clock, log);
  registerSimCommands(firmware.dispatcher, {
    hw, net: firmware.net, wait: (ms) => clock.advance(ms),
    openCapture: () => ({ write: () => {}, close: () => {} }),
  });
  firmware.start();
  const run = async (line: string): Promise<string> => {
    const out = await runScenarioLine(firmware, clock, line);
    if (out.startsWith('error:')) throw new Error(`cpu-port: ${line}: ${out}`);
    return out;
  };
  return { clock, hw, board, firmware, tap, run };
}

const SETUPS: Record<'active-backup' | '802.3ad', string[]> = {
  'active-backup': [
    'modprobe bonding mode=active-backup miimon=100',
    'ifconfig bond0 192.168.1.1 netmask 255.255.0.0 up',
    'ifenslave bond0 eth0 eth1',
    'sim wait 1s',
  ],
  '802.3ad': [
    'modprobe bonding mode=802.3ad miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4',
    'ifconfig bond0 192.168.1.1 netmask 255.255.0.0 up',
    'ifenslave bond0 eth0 eth1',
    'sim lacp eth0 active fast',
    'sim lacp eth1 active fast',
    'sim wait 5s',
  ],
};

/**
 * The request frames as the switch hands them to the CPU: each untagged echo request goes
 * in through a cable (`ports`, in turn) and is captured tagged at the conduit.
 */
async function captureRequests(sys: BenchSystem, ports: number[]): Promise<{ frames: Uint8Array[]; tagged: number }> {
  const bond = sys.firmware.net.bond('bond0')!;
  const frames: Uint8Array[] = [];
  let tagged = 0;
  sys.tap.mode = 'capture';
  for (let i = 0; i < DISTINCT; i++) {
    const src = Uint8Array.of(0x02, 0x00, 0x00, 0x02, i >> 8, i & 0xff);
    const request = buildIpv4({
      dst: bond.mac, src, protocol: IPPROTO_ICMP, kind: 8, icmpIdSeq: ((0x100 + i) << 16) | 1,
      srcIp: 0xc0a81000 + i, dstIp: BOND_IP, // 192.168.16.0 onwards
    });
    sys.tap.captured.length = 0;
    sys.hw.world.injectToBoard(ports[i % ports.length], request);
    await sys.clock.advance(0);
    // Other frames (an LACPDU due now) may cross too: take the one with our source address.
    const f = sys.tap.captured.find((c) => c.length >= 12 && src.every((b, k) => c[6 + k] === b));
    if (!f) throw new Error(`cpu-port: the switch did not pass request ${i} to the CPU`);
    if (f[12] >> 6 === DSA_CMD_FORWARD && (f[13] & 0x04) !== 0) tagged++; // FORWARD with the Trunk bit
    frames.push(f);
  }
  sys.tap.mode = 'bench';
  return { frames, tagged };
}

/** A DSA-tagged frame without its tag: the 12 address bytes, then what follows the 4-byte tag. */
function untag(frame: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length - 4);
  out.set(frame.subarray(0, 12));
  out.set(frame.subarray(16, length), 12);
  return out;
}

/** Checks the last answer: a FROM_CPU-tagged echo reply from the bond to the source of `request` (tagged), same identifier and sequence. */
function checkAnswer(sys: BenchSystem, request: Uint8Array): void {
  const tap = sys.tap;
  const answer = untag(tap.lastAnswer, tap.lastAnswerLength);
  const asked = untag(request, request.length);
  const reply = parseIpv4Frame(answer);
  const echo = parseIpv4Frame(asked);
  const bond = sys.firmware.net.bond('bond0')!;
  const ok = tap.lastAnswer[12] >> 6 === DSA_CMD_FROM_CPU && reply !== undefined && echo !== undefined &&
    reply.protocol === IPPROTO_ICMP && reply.kind === 0 && reply.src === BOND_IP && reply.dst === echo.src && reply.icmpIdSeq === echo.icmpIdSeq &&
    macEquals(answer, 0, asked, 6) && macEquals(answer, 6, bond.mac);
  if (!ok) throw new Error('cpu-port: the answer is not an echo reply from the bond to the requester');
}

async function benchMode(mode: keyof typeof SETUPS): Promise<{ fps: number; heapBytes: number | undefined }> {
  const sys = await boot();
  for (const line of SETUPS[mode]) await sys.run(line);
  const bond = sys.firmware.net.bond('bond0')!;
  let ports: number[];
  if (mode === 'active-backup') {
    const active = bond.currActiveSlave;
    if (!active) throw new Error('cpu-port: active-backup has no active slave');
    ports = [sys.hw.portIndex(active.name)];
  } else {
    if (bond.usableSlaves.length !== 2) throw new Error(`cpu-port: 802.3ad distributes on ${bond.usableSlaves.length} ports, expected 2`);
    ports = [0, 1];
  }
  const { frames, tagged } = await captureRequests(sys, ports);
  if (mode === '802.3ad' && tagged !== DISTINCT) throw new Error(`cpu-port: ${DISTINCT - tagged} requests came without the trunk tag`);
  if (mode === 'active-backup' && tagged !== 0) throw new Error('cpu-port: active-backup requests came with a trunk tag');
  const lengths = frames.map((f) => f.length);
  const tap = sys.tap;
  const loop = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const k = i & (DISTINCT - 1);
      tap.deliver(frames[k], lengths[k]);
    }
  };
  const host = sys.firmware.net.host.stats;
  const replies0 = host.icmpEchoRepliesOut;
  const answers0 = tap.answers;
  loop(N);
  if (tap.answers - answers0 !== N || host.icmpEchoRepliesOut - replies0 !== N) {
    throw new Error(`cpu-port: ${mode}: ${N} requests gave ${tap.answers - answers0} answers (${host.icmpEchoRepliesOut - replies0} echo replies); drops ${JSON.stringify(host.drops)}`);
  }
  checkAnswer(sys, frames[(N - 1) & (DISTINCT - 1)]);
  const ns = await bestNsPer(ROUNDS, ROUND, () => loop(ROUND));
  let heapBytes: number | undefined;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    // The reading itself allocates a little: measured with nothing in between and taken off.
    let overhead = 0;
    let total = 0;
    for (let c = 0; c < HEAP_CHUNKS; c++) {
      gc();
      const b0 = process.memoryUsage().heapUsed;
      const b1 = process.memoryUsage().heapUsed;
      overhead = b1 - b0;
      gc();
      const before = process.memoryUsage().heapUsed;
      loop(HEAP_CHUNK);
      const after = process.memoryUsage().heapUsed;
      total += Math.max(0, after - before - overhead);
    }
    heapBytes = total / (HEAP_CHUNK * HEAP_CHUNKS);
  }
  sys.firmware.stop();
  return { fps: 1e9 / ns, heapBytes };
}

export const cpuPort: Benchmark = {
  name: 'cpu-port',
  async run(report) {
    const results: Record<string, { fps: number; heapBytes: number | undefined }> = {};
    for (const mode of ['active-backup', '802.3ad'] as const) {
      const r = await benchMode(mode);
      results[mode] = r;
      report(`cpu-port-fps-${mode}`, Math.round(r.fps), 'fps');
      if (r.heapBytes !== undefined) report(`cpu-port-heap-bytes-per-frame-${mode}`, r.heapBytes, 'bytes');
    }
    const head = results['802.3ad'];
    report('cpu-port-fps', Math.round(head.fps), 'fps');
    report('cpu-port-ratio-to-line-rate', head.fps / LINE_RATE_FPS, 'ratio');
    const heaps = Object.values(results).map((r) => r.heapBytes);
    if (heaps.every((h) => h !== undefined)) report('cpu-port-heap-bytes-per-frame', Math.max(...(heaps as number[])), 'bytes');
    else process.stderr.write('cpu-port: run with --expose-gc to measure allocation per frame\n');
  },
};
