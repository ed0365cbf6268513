import { SlipDecoder, SlipEncoder } from '@serialport/parser-slip-encoder';
import { BridgeDecodeError, decodeMessage, encodeMessage, type BridgeMessage, type DecodeFailure } from './codec.ts';

/**
 * SLIP framing (RFC 1055) of bridge messages on the UART, with serialport's SlipEncoder and
 * SlipDecoder. Every frame is END, the escaped message bytes and CRC, END (proto/bridge.md).
 */

/** RFC 1055 special bytes. */
const END = 0xc0;
const ESC = 0xdb;
const ESC_ESC = 0xdd;

/**
 * Longest frame the reader accepts, counted in wire bytes between two ENDs (escapes
 * included). Far above any real message: a 1024-op program of waits is about 11 KiB and an
 * Ethernet frame about 1.5 KiB. Also bounds what the SLIP decoder buffers.
 */
export const MAX_FRAME_BYTES = 16 * 1024;

export type BridgeFrameError = DecodeFailure | 'oversize';

/** Valid frames delivered and bad ones dropped, by reason. */
export interface BridgeFrameCounters {
  frames: number;
  errors: Record<BridgeFrameError, number>;
}

const FLUSH = Buffer.from([END]);
/** ESC_ESC completes a dangling escape (as a literal ESC byte), so END still ends the frame. */
const FLUSH_AFTER_ESC = Buffer.from([ESC_ESC, END]);

/**
 * Turns a byte stream from the UART into bridge messages.
 *
 * serialport's SlipDecoder does the unescaping and cuts frames; this class watches the raw
 * stream for END bytes itself, because the decoder on its own (a) buffers a frame without
 * bound, and (b) takes an END straight after an ESC as data, so one stray ESC in line noise
 * would swallow the END in front of the next frame and lose it. The reader drops a frame
 * longer than MAX_FRAME_BYTES as soon as it is, and completes a dangling escape before
 * handing an END to the decoder (that frame then fails its CRC).
 *
 * Callbacks: `onMessage` and `onError` run in stream order, synchronously within `push()`
 * for every frame the chunk completes (the decoder runs in object mode, flowing, and emits
 * during the write). Should a frame ever come out of the decoder outside a `push()` it is
 * delivered on process.nextTick, still in order. Empty frames (the END pairs between
 * frames) are skipped silently. Never throws for bad input; an exception thrown by a
 * callback propagates, and frames after it are delivered on the next tick.
 */
export class BridgeFrameReader {
  readonly counters: BridgeFrameCounters = { frames: 0, errors: { crc: 0, decode: 0, empty: 0, program: 0, oversize: 0 } };
  private readonly decoder = new SlipDecoder({ readableObjectMode: true });
  /** Unescaped frames, and oversize notices, in stream order, not yet handed out. */
  private readonly pending: (Uint8Array | { oversize: number })[] = [];
  /** Wire bytes of the current frame given to the decoder. */
  private frameBytes = 0;
  /** The decoder's last byte was an escaping ESC. */
  private escaped = false;
  /** Inside a frame already dropped as oversize: skip to the next END. */
  private skipping = false;
  private inPush = false;
  private delivering = false;
  private tickScheduled = false;

  constructor(
    private readonly onMessage: (m: BridgeMessage) => void,
    private readonly onError: (reason: BridgeFrameError, detail: string) => void,
  ) {
    this.decoder.on('data', (frame: Buffer) => {
      this.pending.push(frame);
      if (!this.inPush) this.deliverLater();
    });
  }

  /** Feeds bytes from the UART; any chunking. */
  push(chunk: Uint8Array): void {
    this.inPush = true;
    try {
      let i = 0;
      while (i < chunk.length) {
        const end = chunk.indexOf(END, i);
        const stop = end < 0 ? chunk.length : end;
        if (stop > i) this.feed(chunk.subarray(i, stop));
        if (end < 0) break;
        this.endFrame();
        i = end + 1;
      }
    } finally {
      this.inPush = false;
    }
    this.deliver();
  }

  /** Bytes of the current frame, no END among them. */
  private feed(part: Uint8Array): void {
    if (this.skipping) return;
    if (this.frameBytes + part.length > MAX_FRAME_BYTES) {
      // Flush the decoder's partial frame and throw it away. The decoder emits it during
      // this write, so it is the last thing in `pending`.
      const before = this.pending.length;
      this.decoder.write(this.escaped ? FLUSH_AFTER_ESC : FLUSH);
      this.pending.length = before;
      this.pending.push({ oversize: this.frameBytes + part.length });
      this.skipping = true;
      this.escaped = false;
      return;
    }
    this.decoder.write(part);
    this.frameBytes += part.length;
    this.escaped = escapedAfter(part, this.escaped);
  }

  /** An END on the wire: the current frame is complete. */
  private endFrame(): void {
    if (!this.skipping) this.decoder.write(this.escaped ? FLUSH_AFTER_ESC : FLUSH);
    this.skipping = false;
    this.escaped = false;
    this.frameBytes = 0;
  }

  private deliverLater(): void {
    if (this.tickScheduled) return;
    this.tickScheduled = true;
    process.nextTick(() => {
      this.tickScheduled = false;
      this.deliver();
    });
  }

  private deliver(): void {
    if (this.delivering) return; // a callback pushed more bytes: the outer loop delivers them, in order
    this.delivering = true;
    try {
      while (this.pending.length > 0) this.handle(this.pending.shift()!);
    } catch (e) {
      if (this.pending.length > 0) this.deliverLater();
      throw e;
    } finally {
      this.delivering = false;
    }
  }

  private handle(item: Uint8Array | { oversize: number }): void {
    if (!(item instanceof Uint8Array)) {
      this.fail('oversize', `frame longer than ${MAX_FRAME_BYTES} bytes dropped (${item.oversize} so far)`);
      return;
    }
    if (item.length === 0) return;
    let m: BridgeMessage;
    try {
      m = decodeMessage(item);
    } catch (e) {
      if (e instanceof BridgeDecodeError) this.fail(e.reason, e.message);
      else this.fail('decode', e instanceof Error ? e.message : String(e));
      return;
    }
    this.counters.frames++;
    this.onMessage(m);
  }

  private fail(reason: BridgeFrameError, detail: string): void {
    this.counters.errors[reason]++;
    this.onError(reason, detail);
  }
}

/**
 * Whether the decoder is inside an escape after `part` (no END in it), given whether it was
 * before: ESC starts an escape, and the byte after an ESC ends it, even another ESC.
 */
function escapedAfter(part: Uint8Array, before: boolean): boolean {
  let run = 0;
  for (let i = part.length - 1; i >= 0 && part[i] === ESC; i--) run++;
  return run === part.length ? before !== (run % 2 === 1) : run % 2 === 1;
}

/** Encodes messages into SLIP frames for the UART. */
export class BridgeFrameWriter {
  /** Frames written. */
  frames = 0;

  constructor(private readonly sink: (bytes: Uint8Array) => void) {}

  /** Frames and hands the bytes to the sink, synchronously. Throws RangeError for a field out of range. */
  write(m: BridgeMessage): void {
    const bytes = frameBytes(m);
    this.frames++;
    this.sink(bytes);
  }
}

// SlipEncoder keeps no state between packets, so one serves every writer. bluetoothQuirk
// puts an END before each frame too, so line noise ahead of it ends up in a frame of its own.
const encoder = new SlipEncoder({ bluetoothQuirk: true, readableObjectMode: true });
let encoded: Buffer | undefined;
encoder.on('data', (b: Buffer) => {
  encoded = b;
});

/** The wire bytes of one message: END, SLIP-escaped message and CRC, END. */
export function frameBytes(m: BridgeMessage): Uint8Array {
  const payload = encodeMessage(m);
  encoded = undefined;
  encoder.write(payload);
  const out = encoded as Buffer | undefined;
  encoded = undefined;
  // SlipEncoder emits during the write; an emit deferred to later would be a change in Node streams.
  if (!out) throw new Error('SlipEncoder did not emit synchronously');
  return new Uint8Array(out);
}
