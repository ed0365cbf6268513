import { LineSplitter } from './line-splitter.ts';
import { SerialLink } from './serial-link.ts';

export interface ConsoleEndpoint {
  /** Writes text; lines are separated by "\n" and go out as CR LF. */
  write(text: string): void;
  close(): Promise<void>;
}

/** Parses "<path>[:<baud>]" (default 115200 baud). */
export function parseSerialSpec(spec: string, defaultBaud = 115200): { path: string; baud: number } {
  const m = /^(.+?)(?::(\d+))?$/.exec(spec);
  if (!m) throw new Error(`bad serial console '${spec}' (use <path>[:<baud>])`);
  const baud = m[2] ? Number(m[2]) : defaultBaud;
  if (!(baud >= 50 && baud <= 4_000_000)) throw new Error(`bad baud rate ${m[2]} (50..4000000)`);
  return { path: m[1], baud };
}

/** Ctrl-C as a terminal sends it. */
const ETX = 0x03;

/**
 * The console on a serial port, through the real serialport binding: lines in (CR, LF or
 * CR LF), output out with CR LF. When the device goes away (a USB adapter unplugged) it is
 * reopened when it comes back. Ctrl-C (byte 0x03) goes to `onCtrlC` where given; when that
 * says nothing was running, the byte stays in the line as before.
 */
export class SerialConsole implements ConsoleEndpoint {
  private readonly link: SerialLink;
  private readonly splitter: LineSplitter;
  private readonly encoder = new TextEncoder();

  constructor(
    readonly path: string,
    baud: number,
    onLine: (line: string) => void,
    note: (text: string) => void,
    retryMs = 1000,
    private readonly onCtrlC?: () => boolean,
  ) {
    this.link = new SerialLink(path, baud, retryMs);
    this.splitter = new LineSplitter(onLine, 4096, (n) => this.write(`error: line too long (${n}+ characters; at most 4096)\n`));
    this.link.setReceiver((chunk) => this.receive(chunk));
    this.link.setStateListener((up) => note(`serial console ${path}: ${up ? 'device back' : 'device gone; waiting for it'}`));
  }

  /** Bytes in order: the lines before a Ctrl-C are dispatched before it interrupts. */
  private receive(chunk: Uint8Array): void {
    let from = 0;
    if (this.onCtrlC) {
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] !== ETX) continue;
        this.splitter.push(chunk.subarray(from, i));
        from = this.onCtrlC() ? i + 1 : i;
      }
    }
    this.splitter.push(chunk.subarray(from));
  }

  /** Opens the port; rejects on the first failure. */
  open(): Promise<void> {
    return this.link.open();
  }

  write(text: string): void {
    this.link.write(this.encoder.encode(text.replace(/\r?\n/g, '\r\n')));
  }

  close(): Promise<void> {
    return this.link.close();
  }
}
