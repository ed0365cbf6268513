/**
 * The world's half of `sim traffic`, `sim xmit` and `sim stream`: which cable each of the
 * gateway's frames left the board on, seen where the cables meet the link partner. The
 * gateway's half (gateway.ts) sends and counts the answers; format.ts joins the two.
 */
import { readU16 } from '../../lib/addr.ts';
import { ETHERTYPE_IPV4, IPPROTO_TCP, etherTypeOffset, parseIpv4Frame } from '../../firmware/net/packets.ts';
import { flowOfPort } from '../flows.ts';
import type { SimWorld } from '../world.ts';
import { DISCARD_PORT, ECHO_PORT, TAG_BYTES, type StreamOptions, type TrafficOptions } from './gateway.ts';

/** Frames of one `sim traffic` per cable: UDP or TCP to the discard port from a flow's source port. */
export class TrafficTap {
  readonly sent: number[];
  private readonly stop: () => void;

  constructor(world: SimWorld, opts: Pick<TrafficOptions, 'flows' | 'protocol'>) {
    this.sent = new Array<number>(world.portNames.length).fill(0);
    const hosts = world.hosts.length;
    this.stop = world.observe((i, frame, dir) => {
      if (dir !== 'out') return;
      const ip = parseIpv4Frame(frame);
      if (ip && ip.protocol === opts.protocol && flowOfPort(ip.srcPort, hosts, opts.flows) >= 0 && ip.dstPort === DISCARD_PORT) this.sent[i]++;
    });
  }

  close(): void {
    this.stop();
  }
}

/** The cables one exact frame (`sim xmit`'s) left on. */
export class XmitTap {
  private readonly out: { port: number; frame: Uint8Array }[] = [];
  private readonly stop: () => void;

  constructor(world: SimWorld) {
    this.stop = world.observe((i, frame, dir) => {
      if (dir === 'out') this.out.push({ port: i, frame });
    });
  }

  close(): void {
    this.stop();
  }

  /** The cables `frame` left on, in cable order. */
  ports(frame: Uint8Array): number[] {
    const left = new Set<number>();
    for (const o of this.out) {
      if (o.frame.length === frame.length && o.frame.every((b, k) => b === frame[k])) left.add(o.port);
    }
    return [...left].sort((a, b) => a - b);
  }
}

/** What the cables say of a stream. */
export interface TapCounts {
  /** Frames of the stream that left on each cable, by world port index. */
  perPort: number[];
  flowsMoved: number;
}

/** Per cable, the frames of one `sim stream`, and the flows that changed cables. */
export class StreamTap {
  private readonly perPort: number[];
  /** Per flow: the sequence last seen on a cable, the ports it left on, and the previous frame's. */
  private readonly curSeq: Int32Array;
  private readonly curMask: Int32Array;
  private readonly prevMask: Int32Array;
  private readonly moved: Uint8Array;
  private readonly hosts: number;
  private flowOfTag = 0;
  private unobserve: (() => void) | undefined;

  constructor(
    world: SimWorld,
    private readonly opts: Pick<StreamOptions, 'flows' | 'protocol'>,
  ) {
    const f = opts.flows;
    this.hosts = world.hosts.length;
    this.curSeq = new Int32Array(f).fill(-1);
    this.curMask = new Int32Array(f);
    this.prevMask = new Int32Array(f);
    this.moved = new Uint8Array(f);
    this.perPort = new Array<number>(world.portNames.length).fill(0);
    this.unobserve = world.observe((i, frame, dir) => {
      if (dir === 'out') this.left(i, frame);
    });
  }

  close(): void {
    this.unobserve?.();
    this.unobserve = undefined;
  }

  counts(): TapCounts {
    let flowsMoved = 0;
    for (let flow = 0; flow < this.opts.flows; flow++) {
      const done = this.moved[flow] === 1 || (this.prevMask[flow] !== 0 && this.curMask[flow] !== 0 && this.prevMask[flow] !== this.curMask[flow]);
      if (done) flowsMoved++;
    }
    return { perPort: this.perPort.slice(), flowsMoved };
  }

  /** A frame left the board on cable `port`: one of the stream's? */
  private left(port: number, frame: Uint8Array): void {
    const seq = this.tagOf(frame);
    if (seq < 0) return;
    const flow = this.flowOfTag;
    this.perPort[port]++;
    if (seq !== this.curSeq[flow]) {
      if (this.curMask[flow] !== 0) {
        if (this.prevMask[flow] !== 0 && this.prevMask[flow] !== this.curMask[flow]) this.moved[flow] = 1;
        this.prevMask[flow] = this.curMask[flow];
      }
      this.curMask[flow] = 0;
      this.curSeq[flow] = seq;
    }
    this.curMask[flow] |= 1 << port;
  }

  /** The sequence number of an outgoing frame of the stream (its flow in `flowOfTag`), or -1. */
  private tagOf(frame: Uint8Array): number {
    const len = frame.length;
    const et = etherTypeOffset(frame, len);
    if (et < 0 || readU16(frame, et) !== ETHERTYPE_IPV4) return -1;
    const ip = et + 2;
    if (ip + 20 > len || frame[ip + 9] !== this.opts.protocol) return -1;
    const l4 = ip + (frame[ip] & 15) * 4;
    if (l4 + 20 > len) return -1;
    const dstPort = readU16(frame, l4 + 2);
    const srcPort = readU16(frame, l4);
    if (dstPort !== ECHO_PORT) return -1;
    const data = l4 + (this.opts.protocol === IPPROTO_TCP ? Math.max(20, (frame[l4 + 12] >> 4) * 4) : 8);
    if (data + TAG_BYTES > len) return -1;
    const flow = readU16(frame, data + 4);
    if (flow >= this.opts.flows || flowOfPort(srcPort, this.hosts, this.opts.flows) !== flow) return -1;
    this.flowOfTag = flow;
    return ((frame[data] << 24) | (frame[data + 1] << 16) | (frame[data + 2] << 8) | frame[data + 3]) >>> 0;
  }
}
