/**
 * `bondfw watch <url>`: subscribes to every Sparkplug B topic and prints each message as a
 * readable line, for people without a Sparkplug host.
 */
import mqtt from 'mqtt';
import { errorText } from '../core/errors.ts';
import { decodePayload } from './sparkplug.ts';

export function formatMessage(topic: string, payload: Uint8Array): string {
  try {
    const p = decodePayload(payload);
    const when = new Date(p.timestamp).toISOString().slice(11, 23);
    const seq = p.seq === undefined ? '' : ` seq ${p.seq}`;
    const metrics = p.metrics.map((m) => `  ${m.name} (${m.type}) = ${m.value instanceof Uint8Array ? `<${m.value.length} bytes>` : JSON.stringify(m.value)}`);
    return [`${when} ${topic}${seq}`, ...metrics].join('\n');
  } catch (e) {
    return `${topic}: undecodable payload (${errorText(e)})`;
  }
}

export function watch(url: string, out: (line: string) => void, topic = 'spBv1.0/#'): () => Promise<void> {
  const c = mqtt.connect(url, { protocolVersion: 4, clean: true, reconnectPeriod: 2000 });
  c.on('connect', () => {
    out(`watching ${topic} on ${url}`);
    c.subscribe(topic, { qos: 1 });
  });
  c.on('error', (e) => out(`mqtt: ${e.message}`));
  c.on('message', (t, payload) => out(formatMessage(t, new Uint8Array(payload))));
  return () => new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
}
