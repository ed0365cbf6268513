/**
 * `sim traffic`, `sim xmit` and `sim stream` with the firmware inside the engine: the image's
 * half (sim/instrument/gateway.ts) answers the line with one JSON line; the cables' half, here
 * with the world, watches what left the board while the line ran; the two make the text the
 * native firmware prints. An `error:` line from the image is passed on as it is.
 */
import { parseStreamOptions, type InstrumentResult } from '../../sim/instrument/gateway.ts';
import { StreamTap, XmitTap } from '../../sim/instrument/tap.ts';
import { formatStreamCounts, formatTraffic, formatXmit } from '../../sim/instrument/format.ts';
import { trafficTap } from '../../sim/traffic.ts';
import type { SimWorld } from '../../sim/world.ts';

/** True for the `sim` lines whose gateway half is in the image. */
export function isInstrumentLine(words: readonly string[] | undefined): boolean {
  return words?.[0] === 'sim' && ['traffic', 'xmit', 'stream'].includes(words[1] ?? '');
}

function answer(out: string): InstrumentResult | undefined {
  if (!out.startsWith('{')) return undefined;
  try {
    return JSON.parse(out) as InstrumentResult;
  } catch {
    return undefined;
  }
}

export class InstrumentJoin {
  /** The running stream's tap, from its start to its stop. */
  private stream: StreamTap | undefined;

  constructor(private readonly world: SimWorld) {}

  /**
   * Called before the line goes to the image (`words` from `sim` on): the cables are watched
   * from now on. `finish` takes what the image printed and returns what the console prints.
   */
  begin(words: readonly string[]): (out: string) => string {
    const names = this.world.portNames;
    const [, sub, ...args] = words;
    if (sub === 'traffic') {
      const tap = trafficTap(this.world, args);
      return (out) => {
        tap?.close();
        const r = answer(out);
        return r && 'traffic' in r ? formatTraffic(r.traffic, tap?.sent ?? [], names) : out;
      };
    }
    if (sub === 'xmit') {
      const tap = new XmitTap(this.world);
      return (out) => {
        tap.close();
        const r = answer(out);
        return r && 'xmit' in r ? formatXmit(tap.ports(Uint8Array.from(r.xmit)), names) : out;
      };
    }
    // stream: start opens the cables' tap before the first frame can leave; stop closes it.
    const what = args[0];
    let fresh: StreamTap | undefined;
    if (what === 'start' && !this.stream) {
      try {
        fresh = new StreamTap(this.world, parseStreamOptions(args.slice(2), this.world.hosts.length));
      } catch {
        fresh = undefined; // the image says what is wrong with the line
      }
    }
    return (out) => {
      const r = answer(out);
      if (!r || !('stream' in r)) {
        fresh?.close();
        return out;
      }
      if (r.stream === null) {
        this.stream = fresh;
        return '';
      }
      const tap = this.stream;
      if (what === 'stop') {
        tap?.close();
        this.stream = undefined;
      }
      return formatStreamCounts(r.stream, tap?.counts() ?? { perPort: new Array<number>(names.length).fill(0), flowsMoved: 0 }, names);
    };
  }

  close(): void {
    this.stream?.close();
    this.stream = undefined;
  }
}
