import type { Clock } from '../../lib/clock.ts';
import type { ByteLink } from '../bridge/link.ts';
import { PacedLink } from '../sim/paced-link.ts';
import { openPtyPair } from './pty.ts';
import { SerialLink } from './serial-link.ts';

export interface BridgePty {
  /** The firmware's end: a real tty through the serialport binding. */
  host: SerialLink;
  /** The emulated bridge's end, paced at `baud` as a real UART would be. */
  device: ByteLink;
  close(): Promise<void>;
}

/** A pseudo-terminal pair for running the firmware against the emulated bridge on a real tty. */
export async function openBridgePty(clock: Clock, baud: number): Promise<BridgePty> {
  const pair = await openPtyPair();
  const host = new SerialLink(pair.a, baud);
  const device = new SerialLink(pair.b, baud);
  try {
    await host.open();
    await device.open();
  } catch (e) {
    await host.close();
    await device.close();
    await pair.close();
    throw e;
  }
  return {
    host,
    device: new PacedLink(device, clock, baud),
    close: async () => {
      await host.close();
      await device.close();
      await pair.close();
    },
  };
}
