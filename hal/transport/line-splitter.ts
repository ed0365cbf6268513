/**
 * Splits a byte stream into console lines the way terminal programs send them: CR (screen,
 * minicom, picocom), LF (pipes) or CR LF all end a line. Backspace and DEL erase; other
 * control bytes and non-UTF-8 garbage are kept for the dispatcher to refuse. A line longer
 * than `maxLine` is cut off and reported as overlong instead of growing without bound.
 */
export class LineSplitter {
  private buf: number[] = [];
  private lastWasCr = false;
  private overlong = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = 4096,
    private readonly onOverlong: (length: number) => void = () => {},
  ) {}

  push(chunk: Uint8Array): void {
    for (const b of chunk) {
      if (b === 0x0a && this.lastWasCr) {
        this.lastWasCr = false;
        continue;
      }
      this.lastWasCr = b === 0x0d;
      if (b === 0x0d || b === 0x0a) {
        this.flush();
      } else if (b === 0x08 || b === 0x7f) {
        this.buf.pop();
      } else if (this.buf.length < this.maxLine) {
        this.buf.push(b);
      } else {
        this.overlong = true;
      }
    }
  }

  private flush(): void {
    const bytes = Uint8Array.from(this.buf);
    this.buf = [];
    if (this.overlong) {
      this.overlong = false;
      this.onOverlong(bytes.length);
      return;
    }
    this.onLine(this.decoder.decode(bytes));
  }
}
