/**
 * Frame I/O between the board CPU and the switch.
 *
 * A `Conduit` is the CPU's own Ethernet MAC, wired to the switch chip's CPU port: frames on
 * it carry the switch's management tag. A `FramePort` hides the tag: it sends a frame out of
 * one front-panel switch port and delivers received frames with their ingress port.
 *
 * Ownership: `send` copies what it needs before returning (the caller may reuse its buffer at
 * once). A receive handler may read the frame only until it returns.
 */

export interface Conduit {
  /** Sends `length` bytes of `frame` (a complete tagged Ethernet frame, no FCS). */
  send(frame: Uint8Array, length: number): void;
  /** Installs the handler for frames arriving from the switch (one handler; replaces). */
  setReceiver(handler: (frame: Uint8Array, length: number) => void): void;
}

/** Frames through a frame port, and those it dropped by reason. */
export interface FramePortCounters {
  tx: number;
  rx: number;
  txDropped: Record<string, number>;
  rxDropped: Record<string, number>;
}

export type ReceiveHandler = (port: number, frame: Uint8Array, length: number) => void;

export interface FramePort {
  /**
   * Sends an untagged Ethernet frame (no FCS) out of switch port `port`. Returns false,
   * counting a drop, when the frame cannot be sent (bad port, too short, too long).
   */
  send(port: number, frame: Uint8Array, length: number): boolean;
  /** Installs the handler for received frames (one handler; replaces). */
  setReceiver(handler: ReceiveHandler): void;
}

/** What a frame port may send: ports 0 to `maxPort` but the CPU port, frames up to `maxFrame` bytes. Built once, not per frame. */
export interface SendLimits {
  readonly maxPort: number;
  readonly cpuPort: number;
  readonly maxFrame: number;
}

/**
 * Why a frame port refuses to send `length` bytes of `frame` out of `port`, or undefined when it may.
 */
export function sendRefusal(port: number, frame: Uint8Array, length: number, limits: SendLimits): 'bad-port' | 'short' | 'long' | undefined {
  if (!(Number.isInteger(port) && port >= 0 && port <= limits.maxPort) || port === limits.cpuPort) return 'bad-port';
  if (!(length >= ETH_HEADER_LEN && length <= frame.length)) return 'short';
  if (length > limits.maxFrame) return 'long';
  return undefined;
}

/** Minimum Ethernet frame length without FCS (dst, src, EtherType). */
export const ETH_HEADER_LEN = 14;
/** Largest untagged frame we carry without FCS: 1500-byte MTU plus header plus a VLAN tag. */
export const ETH_MAX_FRAME = 1518;
