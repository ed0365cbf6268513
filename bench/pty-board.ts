/**
 * The sim board in real time with its switch behind the serial-MDIO bridge on a
 * pseudo-terminal, through the real serialport binding: how the failover benchmarks run the
 * firmware, as a gateway with its switch behind a bridge runs it.
 */
import { RealClock } from '../hal/clock-real.ts';
import { bootSim, DEFAULT_BAUD, type SimSystem } from '../sim/boot.ts';
import { openBridgePty } from '../hal/transport/bridge-pty.ts';
import { haveSocat } from '../hal/transport/pty.ts';
import { openCaptureFile } from '../sim/capture-file.ts';
import { simGw4 } from '../boards/sim-gw4.ts';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface PtyBoard {
  sys: SimSystem;
  clock: RealClock;
  /** Runs a console line; throws on an `error:` answer. */
  run(line: string): Promise<string>;
  close(): Promise<void>;
}

/** Boots sim-gw4 over a pty bridge; undefined (with the reason printed) without socat. */
export async function openPtyBoard(bench: string): Promise<PtyBoard | undefined> {
  if (!haveSocat()) {
    process.stdout.write(`${bench}: skipped: socat is not installed (apt-get install socat), needed for the pseudo-terminal pair\n`);
    return undefined;
  }
  const clock = new RealClock();
  const cleanup: (() => Promise<void>)[] = [];
  const sys = await bootSim(simGw4, clock, {
    bridge: 'pty', baud: DEFAULT_BAUD, autonegMs: 0, wait: sleep, openCapture: openCaptureFile,
    openLinks: async () => {
      const pty = await openBridgePty(clock, DEFAULT_BAUD);
      cleanup.push(() => pty.close());
      return pty;
    },
  });
  const run = async (line: string): Promise<string> => {
    const r = await sys.firmware.dispatcher.execute(line, 'script');
    if (!r.ok) throw new Error(`${line}: ${r.output}`);
    return r.output;
  };
  return {
    sys, clock, run,
    close: async () => {
      sys.firmware.stop();
      sys.bridge?.client.close();
      for (const c of cleanup) await c();
      clock.cancelAll();
    },
  };
}

/** The value at quantile `q` of sorted `xs`. */
export function quantile(xs: readonly number[], q: number): number {
  return xs[Math.min(xs.length - 1, Math.floor(q * xs.length))];
}
