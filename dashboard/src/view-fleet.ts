/** The fleet: every edge node of the group at a glance, and the latest events. */
import { formatAgo, formatTime, h } from './dom.ts';
import type { NodeState, SparkplugHost } from './host.ts';
import { bondViews, bool, portViews, str, type BondView } from './model.ts';
import { timelineList } from './view-timeline.ts';

export function nodeHref(n: { group: string; id: string }): string {
  return `#/node/${encodeURIComponent(n.group)}/${encodeURIComponent(n.id)}`;
}

export function nodeState(n: NodeState): 'online' | 'offline' | 'stale' | 'unknown' {
  if (!n.born) return 'unknown';
  if (n.online) return n.stale ? 'stale' : 'online';
  return 'offline';
}

export function stateText(n: NodeState, now: number): string {
  switch (nodeState(n)) {
    case 'unknown': return 'waiting for its birth';
    case 'online': return `online since ${formatTime(n.since, now)}`;
    case 'stale': return `online since ${formatTime(n.since, now)}, state may be out of date`;
    case 'offline': return `offline since ${formatTime(n.since, now)} (${formatAgo(n.since, now)})`;
  }
}

function bondLine(b: BondView): HTMLElement {
  const up = b.online && b.miiStatus === 'up';
  return h('li', { 'data-bond': b.name, class: up ? 'good' : 'bad' },
    h('strong', {}, b.name), ` ${b.mode ?? '?'} `,
    h('span', { class: `pill ${up ? 'good' : 'bad'}` }, b.online ? (b.miiStatus ?? '?') : 'gone'),
    b.activeSlave ? ` active ${b.activeSlave}` : '',
    b.lacp ? ` · ${b.lacp.ports ?? 0} in aggregator ${b.lacp.aggregator ?? '-'}` : '');
}

export function renderFleet(host: SparkplugHost, group: string, now: number): HTMLElement {
  const nodes = [...host.nodes.values()].sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  const cards = nodes.map((n) => {
    const state = nodeState(n);
    const bonds = bondViews(n);
    const ports = portViews(n, bonds);
    const up = ports.filter((p) => p.link).length;
    const failovers = host.failoversLastHour(n);
    return h('article', { class: `card node-card ${state}`, 'data-node': n.id, 'data-state': state },
      h('h2', {}, h('a', { href: nodeHref(n) }, n.id), ' ', h('span', { class: `pill ${state}` }, state)),
      h('p', { class: 'muted' }, stateText(n, now)),
      h('dl', {},
        h('dt', {}, 'board'), h('dd', {}, str(n.metrics, 'Properties/Board') ?? '–'),
        h('dt', {}, 'firmware'), h('dd', {}, str(n.metrics, 'Properties/Firmware Version') ?? '–'),
        h('dt', {}, 'ports up'), h('dd', { 'data-ports-up': up }, `${up} of ${ports.length}`),
        h('dt', {}, 'failovers, last hour'), h('dd', { 'data-failovers': failovers }, String(failovers))),
      h('div', { class: 'mini-ports' }, ports.map((p) => h('span', { class: `mini ${bool(n.metrics, `Ports/${p.name}/Link`) ? 'up' : 'down'}`, title: p.name }))),
      bonds.length ? h('ul', { class: 'bond-lines' }, bonds.map(bondLine)) : h('p', { class: 'muted' }, 'no bonds'),
      n.group !== group ? h('p', { class: 'muted' }, `group ${n.group}`) : null);
  });
  return h('div', { class: 'fleet' },
    h('section', { class: 'nodes' }, cards.length ? cards : h('p', { class: 'empty card' }, `No gateway has spoken in group '${group}' yet.`)),
    h('section', { class: 'card' }, h('h2', {}, 'Latest events'), timelineList(host.events, { showNode: true, limit: 15, now })));
}
