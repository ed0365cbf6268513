/**
 * A seeded pseudo-random source (SplitMix32-style mixing over a 32-bit state), so that every
 * run with the same seed makes the same choices. Not for cryptography.
 */
export interface Random {
  /** A uniformly distributed unsigned 32-bit integer. */
  nextU32(): number;
  /** A uniformly distributed integer in [0, n). */
  below(n: number): number;
}

export class SeededRandom implements Random {
  private state: number;

  constructor(seed = 1) {
    this.state = seed >>> 0;
  }

  nextU32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  below(n: number): number {
    if (!(n > 0)) throw new RangeError(`below(${n}): n must be positive`);
    return Math.floor((this.nextU32() / 0x1_0000_0000) * n);
  }
}
