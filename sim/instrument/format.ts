/**
 * What `sim traffic`, `sim xmit` and `sim stream` print, from the gateway's counts and the
 * cables' (the same text whether the two halves ran in one process or on either side of the
 * engine's host interface).
 */
import type { SourceCounts, TrafficResult } from './gateway.ts';
import type { TapCounts } from './tap.ts';

/** Per slave the frames of this command that left on it, then the answers delivered. */
export function formatTraffic(r: TrafficResult, sentPerPort: readonly number[], portNames: readonly string[]): string {
  const lines = r.slaves.map((s) => `${s} ${sentPerPort[portNames.indexOf(s)] ?? 0}`);
  lines.push(`replies ${r.replies}`);
  return lines.join('\n');
}

/** The ports the frame left on. */
export function formatXmit(ports: readonly number[], portNames: readonly string[]): string {
  return ports.map((i) => portNames[i]).join(' ');
}

/** The counts, then every slave and any port that carried frames of the stream (a slave released meanwhile), then the flows that moved. */
export function formatStreamCounts(c: SourceCounts, tap: TapCounts, portNames: readonly string[]): string {
  const lines = [`sent ${c.sent} received ${c.received} lost ${c.lost} duplicated ${c.duplicated} reordered ${c.reordered}`];
  portNames.forEach((name, i) => {
    if (c.slaves.includes(name) || tap.perPort[i] > 0) lines.push(`${name} ${tap.perPort[i]}`);
  });
  lines.push(`flows-moved ${tap.flowsMoved}`);
  return lines.join('\n');
}
