/**
 * Typed errors whose message is what the console prints after "error: " and what a remote
 * command answers. Anything else thrown is a bug and is reported as "internal error".
 */
export class FirmwareError extends Error {
  override name = 'FirmwareError';
}

/** The command or its arguments are wrong: the message says what is allowed. */
export class UsageError extends FirmwareError {
  override name = 'UsageError';
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
