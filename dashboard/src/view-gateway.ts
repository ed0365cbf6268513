/**
 * One gateway: its front panel drawn as ports (link, speed, duplex, bond and role), each bond
 * with its slaves and, for 802.3ad, the aggregator, the partner and the LACP state bits spelled
 * out; frame-rate charts, the command box, its events and every metric it published.
 */
import { PortCharts } from './charts.ts';
import { CommandBox } from './command-box.ts';
import { fill, formatTime, h } from './dom.ts';
import type { NodeState, SparkplugHost } from './host.ts';
import { hex2, spellState } from './lacp-state.ts';
import { bondViews, formatValue, portViews, type BondView, type PortView, type SlaveView } from './model.ts';
import { nodeState, stateText } from './view-fleet.ts';
import { timelineList } from './view-timeline.ts';

function port(p: PortView): HTMLElement {
  const link = p.link === undefined ? 'unknown' : p.link ? 'up' : 'down';
  return h('div', { class: `port ${link}`, 'data-port': p.name, 'data-link': link, 'data-bond': p.bond, 'data-role': p.role },
    h('div', { class: 'socket' }, h('span', { class: 'led link', title: `link ${link}` }), h('span', { class: 'led role' })),
    h('span', { class: 'name' }, p.name),
    h('span', { class: 'speed' }, p.link === undefined ? 'switch unreachable' : p.link ? `${p.speed ? `${p.speed >= 1000 ? `${p.speed / 1000}G` : `${p.speed}M`}` : '?'} ${p.duplex ?? ''}` : 'no link'),
    h('span', { class: 'member' }, p.bond ? `${p.bond} · ${p.role ?? ''}` : 'not bonded'));
}

function stateBits(label: string, state: number | undefined): HTMLElement {
  if (state === undefined) return h('div', { class: 'bits' }, h('span', { class: 'bits-label' }, `${label} –`));
  return h('div', { class: 'bits', 'data-state': label, 'data-value': state },
    h('span', { class: 'bits-label' }, `${label} ${hex2(state)}`),
    spellState(state).map(({ bit, on }) => h('span', { class: `bit ${on ? 'on' : 'off'}`, 'data-bit': bit.name, 'data-on': String(on), title: `${bit.name} ${on ? '1' : '0'}` }, on ? bit.set : bit.clear)));
}

function slaveRow(s: SlaveView): HTMLElement {
  return h('tr', { 'data-slave': s.name, 'data-mii': s.miiStatus, 'data-role': s.role },
    h('td', {}, s.name),
    h('td', { class: s.miiStatus === 'up' ? 'good' : 'bad' }, s.miiStatus ?? '–'),
    h('td', { class: 'num' }, s.linkFailureCount ?? '–'),
    h('td', { class: 'num' }, s.speed ? `${s.speed}` : '–'),
    h('td', {}, s.role));
}

function bondCard(b: BondView, now: number, open: ReadonlySet<string>): HTMLElement {
  const up = b.online && b.miiStatus === 'up';
  return h('article', {
    class: `card bond ${b.online ? '' : 'gone'}`, 'data-bond': b.name, 'data-mode': b.mode, 'data-mii': b.miiStatus,
    'data-active-slave': b.activeSlave ?? '', 'data-online': String(b.online),
  },
  h('h3', {}, b.name, ' ', h('span', { class: `pill ${up ? 'good' : 'bad'}` }, b.online ? `MII ${b.miiStatus ?? '?'}` : `gone since ${formatTime(b.since, now)}`), ' ', h('span', { class: 'mode' }, b.mode ?? '')),
  h('dl', {},
    b.mode === '802.3ad' ? null : [h('dt', {}, 'active slave'), h('dd', { class: 'active-slave' }, b.activeSlave ?? 'none')],
    h('dt', {}, 'failovers'), h('dd', {}, b.failoverCount ?? '–'),
    b.lacp ? [
      h('dt', {}, 'aggregator'), h('dd', { 'data-aggregator': b.lacp.aggregator }, `${b.lacp.aggregator || 'none'}, ${b.lacp.ports ?? 0} port(s)`),
      h('dt', {}, 'partner system'), h('dd', { 'data-partner': b.lacp.partnerSystem ?? '' }, b.lacp.partnerSystem ?? 'none'),
    ] : null),
  b.slaves.length
    ? h('div', { class: 'scroll' }, h('table', { class: 'slaves' },
      h('thead', {}, h('tr', {}, h('th', {}, 'slave'), h('th', {}, 'MII'), h('th', { class: 'num' }, 'link failures'), h('th', { class: 'num' }, 'Mb/s'), h('th', {}, 'role'))),
      h('tbody', {}, b.slaves.map(slaveRow))))
    : h('p', { class: 'muted' }, 'no slaves'),
  b.lacp ? h('div', { class: 'lacp' }, b.slaves.map((s) => h('div', { class: 'lacp-port', 'data-slave': s.name },
    h('h4', {}, s.name), stateBits('actor', s.actorState), stateBits('partner', s.partnerState)))) : null,
  b.config.length ? h('details', { class: 'config', 'data-key': b.name, open: open.has(b.name) }, h('summary', {}, 'options'),
    h('dl', {}, b.config.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))) : null);
}

export class GatewayView {
  readonly el: HTMLElement;
  private readonly head = h('section', { class: 'card gw-head' });
  private readonly panel = h('div', { class: 'ports' });
  private readonly bonds = h('div', { class: 'bonds' });
  private readonly charts: PortCharts;
  private readonly command: CommandBox;
  private readonly timeline = h('div');
  private readonly metrics = h('div', { class: 'scroll' });

  constructor(
    readonly group: string,
    readonly id: string,
    send: (node: NodeState, line: string) => boolean,
    periodHint: string,
  ) {
    this.charts = new PortCharts(periodHint);
    this.command = new CommandBox(send);
    this.el = h('div', { class: 'gateway', 'data-gateway': id },
      this.head,
      h('section', { class: 'card panel' }, h('h2', {}, 'Front panel'), h('div', { class: 'chassis' }, this.panel)),
      this.bonds,
      h('section', { class: 'card' }, h('h2', {}, 'Frame rates'), this.charts.el),
      this.command.el,
      h('section', { class: 'card' }, h('h2', {}, 'Events'), this.timeline),
      h('details', { class: 'card all-metrics' }, h('summary', {}, 'All metrics'), this.metrics));
  }

  update(host: SparkplugHost, node: NodeState | undefined, now: number): void {
    if (!node) {
      fill(this.head, h('h2', {}, this.id), h('p', { class: 'muted' }, 'Not heard from yet: waiting for its birth (a rebirth was requested).'));
      return;
    }
    const state = nodeState(node);
    const bonds = bondViews(node);
    const ports = portViews(node, bonds);
    const props = [...node.metrics.entries()].filter(([n]) => n.startsWith('Properties/'));
    fill(this.head,
      h('h2', {}, node.id, ' ', h('span', { class: `pill ${state}`, 'data-node-state': state }, state)),
      h('p', { class: 'muted' }, stateText(node, now), ` · group ${node.group} · bdSeq ${node.bdSeq ?? '?'}`),
      h('dl', {}, props.map(([n, m]) => [h('dt', {}, n.slice('Properties/'.length)), h('dd', {}, formatValue(m.value))])));
    this.el.dataset.state = state;
    fill(this.panel, ports.length ? ports.map(port) : h('p', { class: 'muted' }, 'no ports published'));
    // Redrawn with every change: keep the option lists the user opened open.
    const open = new Set([...this.bonds.querySelectorAll<HTMLDetailsElement>('details[open]')].map((d) => d.dataset.key ?? ''));
    fill(this.bonds, bonds.length ? bonds.map((b) => bondCard(b, now, open)) : h('section', { class: 'card muted' }, 'No bonds. On the console: modprobe bonding mode=active-backup miimon=100, then ifenslave bond0 eth0 eth1.'));
    this.charts.update(node, ports.map((p) => p.name));
    this.command.update(node);
    fill(this.timeline, timelineList(host.eventsOf(node), { showNode: false, limit: 50, now }));
    fill(this.metrics, h('table', { class: 'metrics' },
      h('thead', {}, h('tr', {}, h('th', {}, 'metric'), h('th', {}, 'type'), h('th', {}, 'value'))),
      h('tbody', {}, [
        ...[...node.metrics.values()].map((m) => h('tr', {}, h('td', {}, m.name), h('td', {}, m.type), h('td', {}, formatValue(m.value)))),
        ...[...node.devices.values()].flatMap((d) => [...d.metrics.values()].map((m) => h('tr', {}, h('td', {}, `${d.id}: ${m.name}`), h('td', {}, m.type), h('td', {}, formatValue(m.value))))),
      ])));
  }

  destroy(): void {
    this.charts.destroy();
  }
}
