/**
 * Names that end up in topics or on a screen: Sparkplug's rules for ids, and broker URLs
 * printed without their password.
 */

/**
 * Sparkplug B 3.0 (tck-id-topic-structure-namespace-valid-group-id and the edge node, device
 * and host id rules): a non-empty UTF-8 string without `+`, `/` or `#`, which are MQTT's
 * level separator and wildcards. Control characters are refused too: an id is printed.
 */
// eslint-disable-next-line no-control-regex
const INVALID = /[+/#\x00-\x1f\x7f]/;

/** A surrogate without its pair: not valid UTF-16, so not encodable as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isSparkplugId(id: string): boolean {
  return id.length > 0 && id.length <= 256 && !INVALID.test(id) && !LONE_SURROGATE.test(id);
}

/** Throws a message saying which id is wrong and why. */
export function checkSparkplugId(what: string, id: string): void {
  if (!isSparkplugId(id)) throw new Error(`${what} '${id.replace(INVALID, '?')}' is not a valid Sparkplug id (non-empty, no '+', '/', '#' or control characters)`);
}

/** `mqtt://gw:s3cret@host:1883` as `mqtt://gw:***@host:1883`: credentials never printed. */
/** The URL without its user and password, for whoever must not get them (the dashboard page). */
export function urlWithoutCredentials(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^@/?#]*)@/.exec(url);
  return m ? `${m[1]}${url.slice(m[0].length)}` : url;
}

export function maskUrl(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^@/?#]*)@/.exec(url);
  if (!m) return url;
  const colon = m[2].indexOf(':');
  const user = colon < 0 ? m[2] : m[2].slice(0, colon);
  return `${m[1]}${user}${colon < 0 ? '' : ':***'}@${url.slice(m[0].length)}`;
}
