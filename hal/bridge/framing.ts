import { BridgeDecodeError, decodeMessage, encodeMessage, type BridgeMessage, type DecodeFailure } from './codec.ts';

/**
 * SLIP framing (RFC 1055) of bridge messages on the UART, both ways our own (serialport's
 * SlipDecoder copies its whole buffer for every byte it takes, which made the reader most of
 * the cost of a poll's answer; its encoder is a Node stream, which an embedded engine has
 * not). Every frame is END, the escaped message bytes and CRC, END (proto/bridge.md).
 */

/** RFC 1055 special bytes. */
const END = 0xc0;
const ESC = 0xdb;
const ESC_END = 0xdc;
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


/**
 * Turns a byte stream from the UART into bridge messages.
 *
 * Frames are cut at every END, even one straight after an ESC (one stray ESC in line noise
 * must not swallow the END in front of the next frame): the dangling ESC stays in its frame
 * as a literal byte, and that frame fails its CRC. ESC followed by anything but ESC_END or
 * ESC_ESC cuts the frame there: what came before is handed on as it is (and fails), and the
 * byte starts what follows, as serialport's SlipDecoder does. A frame longer than
 * MAX_FRAME_BYTES on the wire is dropped as soon as it is.
 *
 * Callbacks: `onMessage` and `onError` run in stream order, synchronously within `push()`
 * for every frame the chunk completes. Empty frames (the END pairs between frames) are
 * skipped silently. Never throws for bad input; an exception thrown by a callback
 * propagates, and frames after it are delivered on the next tick.
 */
export class BridgeFrameReader {
  readonly counters: BridgeFrameCounters = { frames: 0, errors: { crc: 0, decode: 0, empty: 0, program: 0, oversize: 0 } };
  /** The unescaped bytes of the current frame. */
  private buf = new Uint8Array(512);
  private len = 0;
  /** Unescaped frames, and oversize notices, in stream order, not yet handed out. */
  private readonly pending: (Uint8Array | { oversize: number })[] = [];
  /** Wire bytes of the current frame so far. */
  private frameBytes = 0;
  /** The last byte was an escaping ESC. */
  private escaped = false;
  /** Inside a frame already dropped as oversize: skip to the next END. */
  private skipping = false;
  private delivering = false;
  private tickScheduled = false;

  constructor(
    private readonly onMessage: (m: BridgeMessage) => void,
    private readonly onError: (reason: BridgeFrameError, detail: string) => void,
  ) {}

  /** Feeds bytes from the UART; any chunking. */
  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      const end = chunk.indexOf(END, i);
      const stop = end < 0 ? chunk.length : end;
      if (stop > i) this.feed(chunk.subarray(i, stop));
      if (end < 0) break;
      this.endFrame();
      i = end + 1;
    }
    this.deliver();
  }

  /** Bytes of the current frame, no END among them. */
  private feed(part: Uint8Array): void {
    if (this.skipping) return;
    if (this.frameBytes + part.length > MAX_FRAME_BYTES) {
      // The partial frame is thrown away.
      this.len = 0;
      this.pending.push({ oversize: this.frameBytes + part.length });
      this.skipping = true;
      this.escaped = false;
      return;
    }
    this.frameBytes += part.length;
    for (let i = 0; i < part.length; i++) {
      let b = part[i];
      if (this.escaped) {
        this.escaped = false;
        if (b === ESC_END) b = END;
        else if (b === ESC_ESC) b = ESC;
        else this.emit(); // a bad escape: the frame so far goes on as it is (and fails)
      } else if (b === ESC) {
        this.escaped = true;
        continue;
      }
      this.append(b);
    }
  }

  private append(b: number): void {
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = b;
  }

  private emit(): void {
    if (this.len > 0) this.pending.push(this.buf.slice(0, this.len));
    this.len = 0;
  }

  /** An END on the wire: the current frame is complete (a dangling ESC stays in it, literally). */
  private endFrame(): void {
    if (!this.skipping) {
      if (this.escaped) this.append(ESC);
      this.emit();
    }
    this.skipping = false;
    this.escaped = false;
    this.frameBytes = 0;
  }

  private deliverLater(): void {
    if (this.tickScheduled) return;
    this.tickScheduled = true;
    // A microtask: an embedded engine has no process.nextTick.
    void Promise.resolve().then(() => {
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

/**
 * The wire bytes of one message: END, SLIP-escaped message and CRC, END. The END in front
 * (as serialport's SlipEncoder puts with its bluetoothQuirk) closes any line noise ahead of
 * the frame into a frame of its own.
 */
export function frameBytes(m: BridgeMessage): Uint8Array {
  const payload = encodeMessage(m);
  let escapes = 0;
  for (let i = 0; i < payload.length; i++) if (payload[i] === END || payload[i] === ESC) escapes++;
  const out = new Uint8Array(payload.length + escapes + 2);
  let j = 0;
  out[j++] = END;
  for (let i = 0; i < payload.length; i++) {
    const b = payload[i];
    if (b === END) {
      out[j++] = ESC;
      out[j++] = ESC_END;
    } else if (b === ESC) {
      out[j++] = ESC;
      out[j++] = ESC_ESC;
    } else out[j++] = b;
  }
  out[j] = END;
  return out;
}
