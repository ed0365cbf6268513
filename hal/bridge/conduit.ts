import type { Conduit } from '../frames.ts';
import type { BridgeClient } from './client.ts';

/**
 * The switch's CPU port reached through the bridge microcontroller, for boards whose CPU has
 * no Ethernet path to the switch: tagged frames travel as RawFrame messages on the UART.
 */
export class BridgeConduit implements Conduit {
  constructor(private readonly client: BridgeClient) {}

  send(frame: Uint8Array, length: number): void {
    this.client.sendRawFrame(frame.subarray(0, length));
  }

  setReceiver(handler: (frame: Uint8Array, length: number) => void): void {
    this.client.setRawFrameReceiver((frame) => handler(frame, frame.length));
  }
}
