/**
 * `bondfw watch <url>`: subscribes to every Sparkplug B topic and prints each message as a
 * readable line, for people without a Sparkplug host.
 */
import { errorText } from '../../lib/errors.ts';
import { escapeLine, escapeText } from '../../lib/escape.ts';
import { connectGuarded } from './guarded-stream.ts';
import { maskUrl } from './sparkplug-ids.ts';
import { decodePayload } from './sparkplug.ts';

/** Births are the largest messages: a few hundred metrics. Anything larger is not read. */
const WATCH_MAX_PACKET = 1 << 20;

/**
 * One message as lines. Anyone may publish on the broker: topics, names and values are
 * escaped, so that no message can forge a line or drive the terminal.
 */
export function formatMessage(topic: string, payload: Uint8Array): string {
  const t = escapeText(topic, 200);
  try {
    const p = decodePayload(payload);
    const when = new Date(p.timestamp).toISOString().slice(11, 23);
    const seq = p.seq === undefined ? '' : ` seq ${p.seq}`;
    const value = (v: unknown) => {
      if (v instanceof Uint8Array) return `<${v.length} bytes>`;
      // JSON escapes the C0 controls; DEL, C1, line separators and bidi controls are left to escapeLine.
      const json = JSON.stringify(v);
      return escapeLine(json.length > 500 ? `${json.slice(0, 500)}...` : json);
    };
    const metrics = p.metrics.map((m) => `  ${escapeText(m.name, 200)} (${m.type}) = ${value(m.value)}`);
    return [`${when} ${t}${seq}`, ...metrics].join('\n');
  } catch (e) {
    return `${t}: undecodable payload (${escapeText(errorText(e), 200)})`;
  }
}

export function watch(url: string, out: (line: string) => void, topic = 'spBv1.0/#'): () => Promise<void> {
  const c = connectGuarded(url, { protocolVersion: 4, clean: true, reconnectPeriod: 2000 }, WATCH_MAX_PACKET, (p) => out(`(a ${p.bytes}-byte message not read: over ${WATCH_MAX_PACKET} bytes)`));
  c.on('connect', () => {
    out(`watching ${topic} on ${maskUrl(url)}`);
    c.subscribe(topic, { qos: 1 });
  });
  c.on('error', (e) => out(`mqtt: ${e.message}`));
  c.on('message', (t, payload) => out(formatMessage(t, new Uint8Array(payload))));
  return () => new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
}
