/**
 * The host's UARTs, CPU conduit and flash as the firmware's own interfaces: a `ByteLink` per
 * UART (the bridge client and the serial console read and write it), the switch CPU port's
 * `Conduit`, and the configuration's `FlashBlocks`.
 */
import type { ByteLink } from '../../hal/bridge/link.ts';
import type { Conduit } from '../../hal/frames.ts';
import type { FlashBlocks } from '../config/flash-copies.ts';
import type { EngineHost, UartId } from './host.ts';

export class HostUart implements ByteLink {
  private receiver: (chunk: Uint8Array) => void = () => {};
  private stateListener: (up: boolean) => void = () => {};
  private linkUp: boolean;

  constructor(
    private readonly host: EngineHost,
    readonly id: UartId,
  ) {
    this.linkUp = host.uartUp(id);
  }

  get up(): boolean {
    return this.linkUp;
  }

  write(bytes: Uint8Array): void {
    if (this.linkUp) this.host.uartWrite(this.id, bytes);
  }

  setReceiver(fn: (chunk: Uint8Array) => void): void {
    this.receiver = fn;
  }

  setStateListener(fn: (up: boolean) => void): void {
    this.stateListener = fn;
  }

  /** Bytes from the host. */
  data(bytes: Uint8Array): void {
    this.receiver(bytes);
  }

  /** The host says the device went or came back. */
  state(up: boolean): void {
    if (up === this.linkUp) return;
    this.linkUp = up;
    this.stateListener(up);
  }
}

export class HostConduit implements Conduit {
  private handler: (frame: Uint8Array, length: number) => void = () => {};

  constructor(private readonly host: EngineHost) {}

  send(frame: Uint8Array, length: number): void {
    this.host.conduitSend(frame, length);
  }

  setReceiver(handler: (frame: Uint8Array, length: number) => void): void {
    this.handler = handler;
  }

  /** A frame from the switch's CPU port. */
  receive(frame: Uint8Array): void {
    this.handler(frame, frame.length);
  }
}

/** The host's flash partition, or undefined when it has none. */
export function hostFlash(host: EngineHost): FlashBlocks | undefined {
  const g = host.flashGeometry();
  if (!(g.blocks > 0 && g.blockSize > 0)) return undefined;
  return {
    blockSize: g.blockSize,
    blocks: g.blocks,
    read: (block, offset, length) => host.flashRead(block, offset, length),
    erase: (block) => host.flashErase(block),
    write: (block, offset, bytes) => host.flashWrite(block, offset, bytes.slice()),
  };
}
