import { rmSync } from 'node:fs';
import type { Clock } from '../../lib/clock.ts';
import type { ByteLink } from '../bridge/link.ts';
import { PacedLink } from '../sim/paced-link.ts';
import { openPtyPair, type PtyPair } from './pty.ts';
import { SerialLink } from './serial-link.ts';

export interface BridgePty {
  /** The firmware's end: a real tty through the serialport binding. */
  host: SerialLink;
  /** The emulated bridge's end, paced at `baud` as a real UART would be. */
  device: ByteLink;
  /** The socat process holding the pair now (a new one after each replug). */
  readonly socatPid: number | undefined;
  /** Times the pair was made again after its socat went away. */
  readonly replugs: number;
  close(): Promise<void>;
}

/** How long a pair whose socat went away stays gone before it is made again (ms). */
export const REPLUG_MS = 1000;

/**
 * A pseudo-terminal pair for running the firmware against the emulated bridge on a real tty.
 * The pair is the cable between them: if its socat goes away (killed), both ttys vanish, and
 * after REPLUG_MS the pair is made again on the same paths, as a cable plugged back in; both
 * serial links reopen by themselves.
 */
export async function openBridgePty(clock: Clock, baud: number): Promise<BridgePty> {
  let pair: PtyPair = await openPtyPair();
  const paths = { a: pair.a, b: pair.b };
  const host = new SerialLink(pair.a, baud);
  const device = new SerialLink(pair.b, baud);
  let closing = false;
  let replugs = 0;
  let timer: NodeJS.Timeout | undefined;
  const watch = (p: PtyPair): void => {
    void p.exited.then(() => {
      if (closing || p !== pair) return;
      // The links a killed socat leaves point at pseudo-terminals the system hands out again,
      // to anyone: gone at once, so that nothing reopening these paths meanwhile opens (and
      // locks) someone else's.
      for (const path of [paths.a, paths.b]) rmSync(path, { force: true });
      timer = setTimeout(async () => {
        timer = undefined;
        if (closing) return;
        try {
          pair = await openPtyPair(paths);
          replugs++;
          if (closing) await pair.close();
          else watch(pair);
        } catch {
          watch(p); // try again after another REPLUG_MS
        }
      }, REPLUG_MS);
      timer.unref();
    });
  };
  try {
    await host.open();
    await device.open();
  } catch (e) {
    await host.close();
    await device.close();
    await pair.close();
    throw e;
  }
  watch(pair);
  return {
    host,
    device: new PacedLink(device, clock, baud),
    get socatPid() {
      return pair.pid;
    },
    get replugs() {
      return replugs;
    },
    close: async () => {
      closing = true;
      if (timer) clearTimeout(timer);
      await host.close();
      await device.close();
      await pair.close();
    },
  };
}
