import { UsageError } from '../../lib/errors.ts';

/** Longest console line accepted; longer lines are refused whole. */
export const MAX_LINE = 4096;

/**
 * Splits a console line into words the way a shell would for our purposes: whitespace
 * separates, single and double quotes group, `>` is a word of its own (echo redirection),
 * `#` outside quotes starts a comment. Control characters are refused.
 */
export function tokenize(line: string): string[] {
  if (line.length > MAX_LINE) throw new UsageError(`line too long (${line.length} characters; at most ${MAX_LINE})`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(line)) throw new UsageError('line contains control characters');
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | '' = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '#' && !inWord) {
      break;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '>') {
      if (inWord) words.push(cur);
      words.push('>');
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new UsageError('unterminated quote');
  if (inWord) words.push(cur);
  return words;
}
