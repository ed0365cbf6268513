/**
 * A byte stream to the bridge microcontroller: a UART through the serialport binding, or an
 * emulated one. Chunks arrive in order; boundaries mean nothing.
 */
export interface ByteLink {
  /** Queues bytes for transmission; ignored (counted by the link) while the link is down. */
  write(bytes: Uint8Array): void;
  /** Installs the receiver of incoming bytes (one; replaces). */
  setReceiver(fn: (chunk: Uint8Array) => void): void;
  /** Installs the listener for the link going away (device unplugged) and coming back. */
  setStateListener(fn: (up: boolean) => void): void;
  readonly up: boolean;
}

/** UART bits per byte with 8N1 framing: start, 8 data, stop. */
export const UART_BITS_PER_BYTE = 10;
