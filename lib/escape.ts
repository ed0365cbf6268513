/**
 * Text from outside (metric names, topics, command lines, MQTT client ids) made safe to put
 * into the event log or onto a terminal: a newline would forge a log line, an escape
 * sequence would move the cursor or clear the screen, a bidirectional override would show
 * a line other than the one stored. Those characters are written as visible escapes.
 */

/** Control characters (C0, DEL, C1), Unicode line/paragraph separators and bidi controls. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\\]/g;

function escapeChar(c: string): string {
  switch (c) {
    case '\\': return '\\\\';
    case '\n': return '\\n';
    case '\r': return '\\r';
    case '\t': return '\\t';
    case '\x1b': return '\\e';
  }
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with unsafe characters escaped and a backslash doubled, at most `max` characters
 * of the original kept (the rest said as `...(<n> more)`).
 */
export function escapeText(text: string, max = 200): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  const safe = cut.replace(UNSAFE, escapeChar);
  return text.length > max ? `${safe}...(${text.length - max} more)` : safe;
}

/** True when `text` has nothing `escapeText` would change (bounds aside). */
export function isSafeText(text: string): boolean {
  UNSAFE.lastIndex = 0;
  return !UNSAFE.test(text);
}

/**
 * For text that is already ours (log lines): only what would break a line or drive the
 * terminal is escaped; a backslash stays as it is.
 */
// eslint-disable-next-line no-control-regex
const LINE_BREAKERS = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function escapeLine(text: string): string {
  return text.replace(LINE_BREAKERS, escapeChar);
}
