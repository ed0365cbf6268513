import type { Clock } from '../../lib/clock.ts';
import { UART_BITS_PER_BYTE, type ByteLink } from '../bridge/link.ts';

/**
 * An emulated UART between the board CPU and the bridge microcontroller, paced by the clock:
 * each direction sends one byte every 10 bit times at `baud`, so a chunk arrives when its
 * last byte would have. Faults for tests: drop or corrupt bytes, unplug and replug.
 */
export class UartPair {
  readonly host: UartEnd;
  readonly device: UartEnd;

  constructor(clock: Clock, baud: number) {
    this.host = new UartEnd(clock, baud);
    this.device = new UartEnd(clock, baud);
    this.host.peer = this.device;
    this.device.peer = this.host;
  }

  /** Pulls or replugs the cable (a USB adapter vanishing): both ends see the link change. */
  setConnected(up: boolean): void {
    this.host.setUp(up);
    this.device.setUp(up);
  }
}

export class UartEnd implements ByteLink {
  peer!: UartEnd;
  private receiver: (chunk: Uint8Array) => void = () => {};
  private stateListener: (up: boolean) => void = () => {};
  private busyUntil = 0;
  private linkUp = true;
  /** Fault hook: may return a changed chunk (corrupted, truncated) or undefined to drop it. */
  fault: ((chunk: Uint8Array) => Uint8Array | undefined) | undefined;
  /** Bytes written while the link was down. */
  lostBytes = 0;
  txBytes = 0;

  constructor(
    private readonly clock: Clock,
    readonly baud: number,
  ) {}

  get up(): boolean {
    return this.linkUp;
  }

  setUp(up: boolean): void {
    if (this.linkUp === up) return;
    this.linkUp = up;
    this.stateListener(up);
  }

  write(bytes: Uint8Array): void {
    if (!this.linkUp) {
      this.lostBytes += bytes.length;
      return;
    }
    this.txBytes += bytes.length;
    const now = this.clock.now();
    const start = Math.max(now, this.busyUntil);
    this.busyUntil = start + (bytes.length * UART_BITS_PER_BYTE * 1000) / this.baud;
    let chunk: Uint8Array | undefined = bytes.slice();
    if (this.fault) chunk = this.fault(chunk);
    if (!chunk) return;
    const data = chunk;
    this.clock.setTimer(this.busyUntil - now, () => {
      if (this.linkUp) this.peer.receiver(data);
    });
  }

  /** Bytes as if they had arrived from the far end now (line noise, a rogue frame). */
  inject(bytes: Uint8Array): void {
    this.receiver(bytes.slice());
  }

  setReceiver(fn: (chunk: Uint8Array) => void): void {
    this.receiver = fn;
  }

  setStateListener(fn: (up: boolean) => void): void {
    this.stateListener = fn;
  }
}
