/**
 * Frame rates per port from the periodic `Ports/<port>/RX Frames` and `TX Frames` counters:
 * the difference between two readings over the time between them. A counter that goes back
 * (the gateway restarted) starts over from the new reading.
 */
export interface RateSeries {
  /** Seconds since the epoch (uPlot's x axis). */
  t: number[];
  /** Frames per second; null where this reading had no counter. */
  rx: (number | null)[];
  tx: (number | null)[];
}

export type Direction = 'rx' | 'tx';

interface Reading {
  at: number;
  value: number;
}

export class FrameRates {
  readonly ports = new Map<string, RateSeries>();
  private readonly last = new Map<string, Reading>();
  /** Goes up with every point added, so that a chart redraws only when it has to. */
  version = 0;

  constructor(private readonly maxPoints = 360) {}

  /** One reading of some counters, all taken at `at` (ms). */
  sample(at: number, counters: Iterable<{ port: string; dir: Direction; value: number }>): void {
    const points = new Map<string, { rx: number | null; tx: number | null }>();
    for (const { port, dir, value } of counters) {
      if (!Number.isFinite(value) || value < 0) continue;
      const key = `${port}\u0000${dir}`;
      const prev = this.last.get(key);
      this.last.set(key, { at, value });
      if (!prev || at <= prev.at || value < prev.value) continue;
      const p = points.get(port) ?? { rx: null, tx: null };
      p[dir] = ((value - prev.value) * 1000) / (at - prev.at);
      points.set(port, p);
    }
    for (const [port, p] of points) {
      let s = this.ports.get(port);
      if (!s) {
        s = { t: [], rx: [], tx: [] };
        this.ports.set(port, s);
      }
      s.t.push(at / 1000);
      s.rx.push(p.rx);
      s.tx.push(p.tx);
      if (s.t.length > this.maxPoints) {
        s.t.shift();
        s.rx.shift();
        s.tx.shift();
      }
    }
    if (points.size) this.version++;
  }

  /** The newest rates of a port. */
  latest(port: string): { rx: number | null; tx: number | null } | undefined {
    const s = this.ports.get(port);
    if (!s || !s.t.length) return undefined;
    return { rx: s.rx[s.rx.length - 1], tx: s.tx[s.tx.length - 1] };
  }
}
