/**
 * What iputils ping counts and how it prints it (ping/ping_common.c gather_statistics,
 * ping/ping_output.c ping_print_finish and ping_print_statistics, ping/ping.h acknowledge):
 * the per-reply time with its precision by size, duplicates by a bitmap of sequence numbers,
 * the summary line with `%g` loss, and min/avg/max/mdev computed in the same integer and
 * floating-point steps, so the digits match Linux's. Times are whole microseconds, as
 * iputils keeps them. Pure: no clock, no I/O.
 */

/** iputils MAX_DUP_CHK: sequence numbers tracked for duplicates. */
const MAX_DUP_CHK = 0x10000;

/** C's `%ld.%03ld` of (v / 1000, v % 1000), both truncated toward zero as C divides. */
export function cMillis(us: number): string {
  const q = Math.trunc(us / 1000);
  const r = us - q * 1000;
  return `${q}.${cPad3(r)}`;
}

/** C's `%03ld`: zero-padded to three characters, a minus sign counting as one. */
function cPad3(n: number): string {
  return n < 0 ? `-${String(-n).padStart(2, '0')}` : String(n).padStart(3, '0');
}

/** A reply's ` time=` value: 3 decimals under 1 ms, 2 under 10, 1 under 100, none above (rounded as iputils does). */
export function formatTriptime(us: number): string {
  if (us >= 100_000 - 50) return String(Math.trunc((us + 500) / 1000));
  if (us >= 10_000 - 5) return `${Math.trunc((us + 50) / 1000)}.${Math.trunc(((us + 50) % 1000) / 100)}`;
  if (us >= 1000) return `${Math.trunc((us + 5) / 1000)}.${String(Math.trunc(((us + 5) % 1000) / 10)).padStart(2, '0')}`;
  return cMillis(us);
}

/**
 * C's `%g` (precision 6) of a non-negative finite double, digit for digit: the exact binary
 * value rounded half-to-even, trailing zeros dropped, exponent form below 1e-4 or from 1e6.
 */
export function formatG(x: number, precision = 6): string {
  if (x === 0) return '0';
  const m = /^(\d)\.(\d+)e([+-]\d+)$/.exec(x.toExponential(99));
  if (!m) return String(x);
  const exact = m[1] + m[2];
  let exp = Number(m[3]);
  const digits = exact.slice(0, precision).split('').map(Number);
  const next = Number(exact[precision]);
  const rest = exact.slice(precision + 1);
  const up = next > 5 || (next === 5 && (/[1-9]/.test(rest) || digits[precision - 1] % 2 === 1));
  if (up) {
    let i = precision - 1;
    for (; i >= 0 && digits[i] === 9; i--) digits[i] = 0;
    if (i < 0) {
      digits.unshift(1);
      digits.pop();
      exp++;
    } else digits[i]++;
  }
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  const d = digits.join('');
  if (exp < -4 || exp >= precision) {
    const mant = trim(`${d[0]}.${d.slice(1)}`);
    return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp >= 0) return trim(`${d.slice(0, exp + 1)}.${d.slice(exp + 1)}`);
  return trim(`0.${'0'.repeat(-exp - 1)}${d}`);
}

/** iputils llsqrt: Newton's method in integers, returning where it stops (not always the floor). */
function llsqrt(a: number): number {
  let prev = Number.MAX_SAFE_INTEGER;
  let x = a;
  if (x > 0) {
    while (x < prev) {
      prev = x;
      x = Math.trunc((x + Math.trunc(a / x)) / 2);
    }
  }
  return x;
}

/** The counters of one ping run (iputils struct ping_rts, the statistics part). */
export class PingStats {
  ntransmitted = 0;
  nreceived = 0;
  nrepeats = 0;
  nerrors = 0;
  /** Highest sequence acknowledged by a reply or an error. */
  acked = 0;
  /** Most probes in flight at once, as `pipe N` reports it (-1 until the first acknowledgement). */
  pipesize = -1;
  tmin = Number.MAX_SAFE_INTEGER;
  tmax = 0;
  tsum = 0;
  tsum2 = 0;
  /** Exponentially weighted RTT in microseconds times 8 (iputils fixed point). */
  rtt = 0;
  private readonly received = new Uint32Array(MAX_DUP_CHK / 32);

  /** A probe with this sequence number is going out: forget any old reply to the same number. */
  sending(seq: number): void {
    const bit = seq % MAX_DUP_CHK;
    this.received[bit >>> 5] &= ~(1 << (bit & 31));
  }

  /** Probes sent and not yet answered (iputils in_flight). */
  inFlight(): number {
    const diff = (this.ntransmitted - this.acked) & 0xffff;
    return diff <= 0x7fff ? diff : this.ntransmitted - this.nreceived - this.nerrors;
  }

  /** A reply or an error for `seq` arrived: the pipe size and the highest acknowledged sequence. */
  acknowledge(seq: number): void {
    const diff = (this.ntransmitted - seq) & 0xffff;
    if (diff > 0x7fff) return;
    if (diff + 1 > this.pipesize) this.pipesize = diff + 1;
    if (((seq - this.acked) << 16 >> 16) > 0 || (this.ntransmitted & 0xffff) - this.acked > 0x7fff) this.acked = seq;
  }

  /** A reply to `seq` that took `triptime` µs (when timed); returns true when it is a duplicate. */
  reply(seq: number, triptime: number, timed: boolean): boolean {
    this.nreceived++;
    this.acknowledge(seq);
    if (timed) {
      this.tsum += triptime;
      this.tsum2 += triptime * triptime;
      if (triptime < this.tmin) this.tmin = triptime;
      if (triptime > this.tmax) this.tmax = triptime;
      this.rtt = this.rtt === 0 ? triptime * 8 : this.rtt + triptime - Math.floor(this.rtt / 8);
    }
    const bit = seq % MAX_DUP_CHK;
    const word = bit >>> 5;
    const mask = 1 << (bit & 31);
    if (this.received[word] & mask) {
      this.nrepeats++;
      this.nreceived--;
      return true;
    }
    this.received[word] |= mask;
    return false;
  }

  /** An ICMP error (Destination Host Unreachable) for `seq`. */
  error(seq: number): void {
    this.acknowledge(seq);
    this.nerrors++;
  }

  /**
   * The lines after the blank one: `--- <host> ping statistics ---`, the counts, and the
   * rtt line (with `pipe N` and, for interval 0, `ipg/ewma`), which is empty when there is
   * nothing to put on it, as iputils prints a bare newline. `elapsedUs` is from the start to
   * the last probe sent.
   */
  summary(host: string, elapsedUs: number, timed: boolean, intervalMs: number): string[] {
    let counts = `${this.ntransmitted} packets transmitted, ${this.nreceived} received`;
    if (this.nrepeats) counts += `, +${this.nrepeats} duplicates`;
    if (this.nerrors) counts += `, +${this.nerrors} errors`;
    if (this.ntransmitted) {
      const loss = Math.fround(((this.ntransmitted - this.nreceived) * 100.0) / this.ntransmitted);
      counts += `, ${formatG(loss)}% packet loss, time ${Math.floor((elapsedUs + 500) / 1000)}ms`;
    }
    const parts: string[] = [];
    if (this.nreceived && timed) parts.push(this.rttLine());
    if (this.pipesize > 1) parts.push(`pipe ${this.pipesize}`);
    if (this.nreceived && intervalMs === 0 && this.ntransmitted > 1) {
      const ipg = Math.trunc(elapsedUs / (this.ntransmitted - 1));
      parts.push(`ipg/ewma ${Math.trunc(ipg / 1000)}.${cPad3(ipg % 1000)}/${Math.floor(this.rtt / 8000)}.${cPad3(Math.floor(this.rtt / 8) % 1000)} ms`);
    }
    return [`--- ${host} ping statistics ---`, counts, parts.join(', ')];
  }

  /** `rtt min/avg/max/mdev = ...` with iputils' order of integer and floating-point steps. */
  private rttLine(): string {
    const total = this.nreceived + this.nrepeats;
    const tmavg = Math.trunc(this.tsum / total);
    const tmvar = this.tsum < 0x7fffffff
      ? Math.trunc((this.tsum2 - (this.tsum * this.tsum) / total) / total)
      : Math.trunc(this.tsum2 / total - tmavg * tmavg);
    const tmdev = llsqrt(tmvar);
    return `rtt min/avg/max/mdev = ${cMillis(this.tmin)}/${cMillis(tmavg)}/${cMillis(this.tmax)}/${cMillis(tmdev)} ms`;
  }
}
