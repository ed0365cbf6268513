/** The event timeline, newest first. */
import { formatTime, h } from './dom.ts';
import type { TimelineEvent } from './events.ts';

const KIND_LABEL: Record<TimelineEvent['kind'], string> = {
  online: 'online', offline: 'offline', link: 'link', failover: 'failover', mii: 'MII', lacp: 'LACP',
  bond: 'bond', command: 'command', rebirth: 'rebirth', warning: 'warning',
};

export function timelineList(events: readonly TimelineEvent[], opts: { showNode: boolean; limit: number; now: number }): HTMLElement {
  if (!events.length) return h('p', { class: 'empty' }, 'No events yet.');
  const shown = events.slice(-opts.limit).reverse();
  return h('ol', { class: 'timeline' }, shown.map((e) =>
    h('li', { 'data-kind': e.kind, 'data-level': e.level, 'data-node': e.node, 'data-event': e.id },
      h('time', { datetime: new Date(e.at).toISOString() }, formatTime(e.at, opts.now)),
      h('span', { class: `kind ${e.level}` }, KIND_LABEL[e.kind]),
      opts.showNode ? h('a', { class: 'node', href: `#/node/${encodeURIComponent(e.group)}/${encodeURIComponent(e.node)}` }, e.node) : null,
      h('span', { class: 'text' }, e.text, e.count > 1 ? ` (×${e.count})` : ''),
    )));
}
