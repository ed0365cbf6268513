/**
 * Typed errors whose message is what the console prints after "error: " and what a remote
 * command answers. Anything else thrown is a bug and is reported as "internal error".
 */
export class FirmwareError extends Error {
  override name = 'FirmwareError';
}

/**
 * The command or its arguments are wrong: the message says what is allowed. `text` is the
 * message without the hint, as a kernel log line would say it.
 */
export class UsageError extends FirmwareError {
  override name = 'UsageError';
  readonly text: string;

  constructor(text: string, hint?: string) {
    super(hint ? `${text} (${hint})` : text);
    this.text = text;
  }

  /** The same refusal said by `who` ("bond0: ..."), as netdev_err prefixes it. */
  by(who: string): UsageError {
    const e = new UsageError(`${who}: ${this.text}`);
    e.message = `${who}: ${this.message}`;
    return e;
  }
}

/** Hardware did not behave: a bus timeout, an unexpected ID, a chip that does not answer. */
export class DeviceError extends FirmwareError {
  override name = 'DeviceError';
}

/** Bytes from outside that do not decode (frames, tags, protocol messages). */
export class ProtocolError extends FirmwareError {
  override name = 'ProtocolError';
}

/** The message to print for any thrown value. */
export function errorText(e: unknown): string {
  if (e instanceof FirmwareError) return e.message;
  if (e instanceof Error) return `internal error: ${e.message}`;
  return `internal error: ${String(e)}`;
}
