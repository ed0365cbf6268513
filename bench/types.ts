export type Report = (name: string, value: number, unit: string) => void;

export interface Benchmark {
  name: string;
  run(report: Report): Promise<void>;
}

/** Best (lowest) of `rounds` timings of `fn`, in nanoseconds per `n` iterations. */
export async function bestNsPer(rounds: number, n: number, fn: () => void | Promise<void>): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    await fn();
    const ns = Number(process.hrtime.bigint() - t0) / n;
    if (ns < best) best = ns;
  }
  return best;
}
