import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { ByteLink } from '../bridge/link.ts';

/**
 * A ByteLink over a serial device through the real serialport binding. When the device goes
 * away (a USB adapter unplugged, the other end of a pseudo-terminal closed) the link reports
 * down and reopens the path every `retryMs` until it is back.
 */
export class SerialLink implements ByteLink {
  private port: SerialPort | undefined;
  private receiver: (chunk: Uint8Array) => void = () => {};
  private stateListener: (up: boolean) => void = () => {};
  private retry: NodeJS.Timeout | undefined;
  private presence: NodeJS.Timeout | undefined;
  private closed = false;
  lostBytes = 0;
  reopens = 0;

  constructor(
    readonly path: string,
    readonly baud: number,
    private readonly retryMs = 200,
  ) {}

  get up(): boolean {
    return this.port?.isOpen === true;
  }

  /** Opens the device; rejects if it cannot be opened now. */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path: this.path, baudRate: this.baud, autoOpen: false, hupcl: false });
      port.open((err) => {
        if (err) return reject(err);
        this.port = port;
        port.on('data', (chunk: Buffer) => this.receiver(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
        port.on('close', () => this.lost(port));
        port.on('error', () => this.lost(port));
        // A vanished device does not always close the descriptor (a pseudo-terminal whose
        // other side is gone stays open): watch for the device node itself disappearing, as
        // it does when a USB adapter is unplugged.
        if (!this.presence) {
          this.presence = setInterval(() => {
            if (this.port && !existsSync(this.path)) this.lost(this.port);
          }, this.retryMs);
          this.presence.unref();
        }
        resolve();
      });
    });
  }

  private lost(port: SerialPort): void {
    if (this.port !== port) return;
    this.port = undefined;
    if (port.isOpen) port.close(() => {});
    if (this.closed) return;
    this.stateListener(false);
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.open().then(
        () => {
          this.reopens++;
          this.stateListener(true);
        },
        () => this.scheduleReopen(),
      );
    }, this.retryMs);
  }

  write(bytes: Uint8Array): void {
    if (!this.port?.isOpen) {
      this.lostBytes += bytes.length;
      return;
    }
    this.port.write(bytes);
  }

  setReceiver(fn: (chunk: Uint8Array) => void): void {
    this.receiver = fn;
  }

  setStateListener(fn: (up: boolean) => void): void {
    this.stateListener = fn;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.presence) clearInterval(this.presence);
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
  }
}
