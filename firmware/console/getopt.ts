/**
 * Option parsing as the Linux tools get it from glibc: getopt(3) with argument permutation
 * (options may follow operands, `-c3` and `-c 3` both work, `--` ends the options), and the
 * number conversions iputils uses (strtol_or_err, ping_strtod), with their messages.
 */
import { UsageError } from '../../lib/errors.ts';

export type OptionEvent = { opt: string; arg: string | undefined } | { error: string };

/**
 * The options of `args` in order, as getopt returns them for the option string `spec`
 * ("c:i:q": a letter, a colon when it takes an argument), with the operands apart. A bad
 * option is an event in its place, so that the options before it are checked first.
 */
export function getopt(prog: string, args: readonly string[], spec: string): { events: OptionEvent[]; operands: string[] } {
  const events: OptionEvent[] = [];
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (a.length < 2 || a[0] !== '-') {
      operands.push(a);
      continue;
    }
    for (let k = 1; k < a.length; k++) {
      const c = a[k];
      const at = c === ':' ? -1 : spec.indexOf(c);
      if (at < 0) {
        events.push({ error: `${prog}: invalid option -- '${c}'` });
        break;
      }
      if (spec[at + 1] !== ':') {
        events.push({ opt: c, arg: undefined });
        continue;
      }
      if (k + 1 < a.length) events.push({ opt: c, arg: a.slice(k + 1) });
      else if (i + 1 < args.length) events.push({ opt: c, arg: args[++i] });
      else events.push({ error: `${prog}: option requires an argument -- '${c}'` });
      break;
    }
  }
  return { events, operands };
}

const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;
const ERANGE = 'Numerical result out of range';

/** iputils strtol_or_err: a whole decimal number within [min, max], or its error. */
export function strtolOrErr(prog: string, text: string, what: string, min: bigint, max: bigint): number {
  const m = /^\s*[+-]?\d+/.exec(text);
  if (!m) throw new UsageError(`${prog}: ${what}: '${text}'`);
  const v = BigInt(m[0].trim());
  if (v > LONG_MAX || v < LONG_MIN) throw new UsageError(`${prog}: ${what}: '${text}': ${ERANGE}`);
  if (m[0].length !== text.length) throw new UsageError(`${prog}: ${what}: '${text}'`);
  if (v < min || v > max) throw new UsageError(`${prog}: ${what}: '${text}': out of range: ${min} <= value <= ${max}`);
  return Number(v);
}

/** What strtod reads at the start of a string: decimal or hex floating point, infinity, NaN. */
const FLOAT_PREFIX = /^\s*[+-]?(?:0x(?:[\da-f]+\.?[\da-f]*|\.[\da-f]+)(?:p[+-]?\d+)?|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf(?:inity)?|nan)/i;

function hexFloat(text: string): number {
  const m = /^([+-]?)0x([\da-f]*)\.?([\da-f]*)(?:p([+-]?\d+))?$/i.exec(text.trim())!;
  let v = m[2] ? parseInt(m[2], 16) : 0;
  for (let i = 0; i < m[3].length; i++) v += parseInt(m[3][i], 16) / 16 ** (i + 1);
  v *= 2 ** Number(m[4] ?? 0);
  return m[1] === '-' ? -v : v;
}

/**
 * iputils ping_strtod: a real number, or its error. Where iputils only warns about trailing
 * garbage ("this will become fatal error in the future"), it is refused here now: bad input
 * from outside changes nothing.
 */
export function strtod(prog: string, text: string, what: string): number {
  if (text === '') throw new UsageError(`${prog}: ${what}: `);
  const m = FLOAT_PREFIX.exec(text);
  if (!m) throw new UsageError(`${prog}: option argument contains garbage: ${text}`);
  if (m[0].length !== text.length) throw new UsageError(`${prog}: option argument contains garbage: ${text.slice(m[0].length)}`);
  const s = m[0].trim();
  const v = /0x/i.test(s) ? hexFloat(s) : /inf/i.test(s) ? (s[0] === '-' ? -Infinity : Infinity) : /nan/i.test(s) ? NaN : Number(s);
  if (!Number.isFinite(v)) throw new UsageError(`${prog}: ${what}: ${text}: ${ERANGE}`);
  return v;
}
