import type { Clock } from '../../lib/clock.ts';
import { UART_BITS_PER_BYTE, type ByteLink } from '../bridge/link.ts';

/**
 * The bridge's UART at its real speed over a link that has none (a pseudo-terminal moves
 * bytes as fast as memory): bytes written leave one every 10 bit times, and bytes received
 * are handed on only when they would have finished arriving.
 */
export class PacedLink implements ByteLink {
  private txBusyUntil = 0;
  private rxBusyUntil = 0;
  private receiver: (chunk: Uint8Array) => void = () => {};

  constructor(
    private readonly inner: ByteLink,
    private readonly clock: Clock,
    readonly baud: number,
  ) {
    inner.setReceiver((chunk) => {
      const now = this.clock.now();
      this.rxBusyUntil = Math.max(now, this.rxBusyUntil) + this.byteTime(chunk.length);
      const data = chunk.slice();
      this.clock.setTimer(this.rxBusyUntil - now, () => this.receiver(data));
    });
  }

  private byteTime(n: number): number {
    return (n * UART_BITS_PER_BYTE * 1000) / this.baud;
  }

  get up(): boolean {
    return this.inner.up;
  }

  write(bytes: Uint8Array): void {
    const now = this.clock.now();
    const start = Math.max(now, this.txBusyUntil);
    this.txBusyUntil = start + this.byteTime(bytes.length);
    const data = bytes.slice();
    this.clock.setTimer(this.txBusyUntil - now, () => this.inner.write(data));
  }

  setReceiver(fn: (chunk: Uint8Array) => void): void {
    this.receiver = fn;
  }

  setStateListener(fn: (up: boolean) => void): void {
    this.inner.setStateListener(fn);
  }
}
