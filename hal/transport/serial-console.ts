import { SerialPort } from 'serialport';
import { LineSplitter } from './line-splitter.ts';

export interface ConsoleEndpoint {
  /** Writes text; lines are separated by "\n" and go out as CR LF. */
  write(text: string): void;
  close(): Promise<void>;
}

/** Parses "<path>[:<baud>]" (default 115200 baud). */
export function parseSerialSpec(spec: string): { path: string; baud: number } {
  const m = /^(.+?)(?::(\d+))?$/.exec(spec);
  if (!m) throw new Error(`bad serial console '${spec}' (use <path>[:<baud>])`);
  const baud = m[2] ? Number(m[2]) : 115200;
  if (!(baud >= 50 && baud <= 4_000_000)) throw new Error(`bad baud rate ${m[2]} (50..4000000)`);
  return { path: m[1], baud };
}

/**
 * The console on a serial port, through the real serialport binding: lines in (CR, LF or
 * CR LF), output out with CR LF. When the device goes away (a USB adapter unplugged) it is
 * reopened every `retryMs` until it comes back.
 */
export class SerialConsole implements ConsoleEndpoint {
  private port: SerialPort | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly splitter: LineSplitter;

  constructor(
    private readonly path: string,
    private readonly baud: number,
    onLine: (line: string) => void,
    private readonly note: (text: string) => void,
    private readonly retryMs = 1000,
  ) {
    this.splitter = new LineSplitter(onLine, 4096, (n) => this.write(`error: line too long (${n}+ characters; at most 4096)\n`));
  }

  /** Opens the port; resolves once open (or rejects on the first failure). */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path: this.path, baudRate: this.baud, autoOpen: false });
      port.open((err) => {
        if (err) {
          reject(err);
          return;
        }
        this.port = port;
        port.on('data', (chunk: Buffer) => this.splitter.push(chunk));
        port.on('close', () => this.lost());
        port.on('error', (e) => this.note(`serial console ${this.path}: ${e.message}`));
        resolve();
      });
    });
  }

  private lost(): void {
    this.port = undefined;
    if (this.closed) return;
    this.note(`serial console ${this.path}: device gone; reopening`);
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.open().then(
        () => this.note(`serial console ${this.path}: reopened`),
        () => this.scheduleReopen(),
      );
    }, this.retryMs);
  }

  write(text: string): void {
    this.port?.write(text.replace(/\r?\n/g, '\r\n'));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
