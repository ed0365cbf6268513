/**
 * The event timeline: what changed on a gateway, in words (link down/up, failovers, MII and
 * LACP state changes, births and deaths), derived from the metrics the host applies.
 */
import type { MetricValue } from '../../firmware/telemetry/sparkplug.ts';
import { hex2, stateDiff } from './lacp-state.ts';

export type EventKind = 'online' | 'offline' | 'link' | 'failover' | 'mii' | 'lacp' | 'bond' | 'command' | 'rebirth' | 'warning';
export type EventLevel = 'good' | 'info' | 'warn' | 'bad';

export interface TimelineEvent {
  id: number;
  /** ms since the epoch */
  at: number;
  group: string;
  node: string;
  device?: string;
  kind: EventKind;
  level: EventLevel;
  text: string;
  /** The same warning repeated is counted, not listed again. */
  count: number;
}

export type EventDraft = Pick<TimelineEvent, 'kind' | 'level' | 'text'> & { device?: string };

export interface Change {
  name: string;
  before: MetricValue | undefined;
  after: MetricValue;
}

const str = (v: MetricValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: MetricValue | undefined): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Events for changes of node metrics. */
export function nodeEvents(changes: readonly Change[]): EventDraft[] {
  const out: EventDraft[] = [];
  for (const c of changes) {
    const link = /^Ports\/(.+)\/Link$/.exec(c.name);
    if (link && typeof c.after === 'boolean') {
      out.push(c.after ? { kind: 'link', level: 'good', text: `${link[1]} link up` } : { kind: 'link', level: 'bad', text: `${link[1]} link down` });
    } else if (c.name === 'Properties/Remote Commands' && str(c.after) !== undefined) {
      out.push({ kind: 'command', level: 'info', text: `remote commands: ${str(c.before) ?? '(not set)'} → ${str(c.after)}` });
    }
  }
  return out;
}

function miiLevel(status: string): EventLevel {
  return status === 'up' ? 'good' : status === 'down' ? 'bad' : 'warn';
}

/** Events for changes of one bond's metrics (a Sparkplug device). */
export function deviceEvents(bond: string, changes: readonly Change[]): EventDraft[] {
  const out: EventDraft[] = [];
  const add = (kind: EventKind, level: EventLevel, text: string) => out.push({ kind, level, text: `${bond}: ${text}`, device: bond });
  for (const c of changes) {
    const after = str(c.after);
    const before = str(c.before);
    const slave = /^Slaves\/(.+)\/(MII Status|LACP\/Actor State|LACP\/Partner State)$/.exec(c.name);
    if (c.name === 'Active Slave' && after !== undefined) {
      if (before && after) add('failover', 'warn', `failover from ${before} to ${after}`);
      else if (before) add('failover', 'bad', `no active slave (was ${before})`);
      else if (after) add('failover', 'good', `active slave ${after}`);
    } else if (c.name === 'MII Status' && after !== undefined) {
      add('mii', miiLevel(after), `MII status ${after}`);
    } else if (c.name === 'Slaves' && after !== undefined) {
      add('bond', 'info', `slaves ${after || '(none)'}`);
    } else if (c.name === 'Mode' && after !== undefined) {
      add('bond', 'info', `mode ${after}`);
    } else if (c.name === 'LACP/Active Aggregator' && int(c.after) !== undefined) {
      add('lacp', 'info', `active aggregator ${int(c.after) || 'none'}`);
    } else if (c.name === 'LACP/Partner System' && after !== undefined) {
      add('lacp', after ? 'info' : 'warn', after ? `LACP partner ${after}` : 'no LACP partner');
    } else if (slave && slave[2] === 'MII Status' && after !== undefined) {
      add('mii', miiLevel(after), `slave ${slave[1]} MII ${after}`);
    } else if (slave && int(c.after) !== undefined) {
      const who = slave[2] === 'LACP/Actor State' ? 'actor' : 'partner';
      const now = int(c.after)!;
      const was = int(c.before);
      const diff = was === undefined ? '' : stateDiff(was, now);
      add('lacp', 'info', `${slave[1]} ${who} state ${was === undefined ? '' : `${hex2(was)} → `}${hex2(now)}${diff ? ` (${diff})` : ''}`);
    }
  }
  return out;
}
