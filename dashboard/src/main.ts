/**
 * The dashboard page: settings, the broker link, the Sparkplug host, and the views behind
 * the location's hash (`#/` the fleet, `#/node/<group>/<node>` one gateway, `#/events`,
 * `#/settings`). Views redraw at most once per animation frame, whatever the message rate.
 */
import './style.css';
import { BrokerLink } from './connection.ts';
import { fill, h } from './dom.ts';
import { SparkplugHost, nodeKey, type NodeState } from './host.ts';
import { brokerUrl, forgetSettings, loadSettings, saveSettings, type ServedConfig, type Settings } from './settings.ts';
import { renderFleet } from './view-fleet.ts';
import { GatewayView } from './view-gateway.ts';
import { renderSettings } from './view-settings.ts';
import { timelineList } from './view-timeline.ts';

type Route = { view: 'fleet' } | { view: 'events' } | { view: 'settings' } | { view: 'node'; group: string; id: string };

function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts[0] === 'node' && parts.length === 3 && parts[1] && parts[2]) return { view: 'node', group: parts[1], id: parts[2] };
  if (parts[0] === 'events') return { view: 'events' };
  if (parts[0] === 'settings') return { view: 'settings' };
  return { view: 'fleet' };
}

async function fetchConfig(): Promise<ServedConfig | undefined> {
  try {
    const r = await fetch('config.json', { cache: 'no-store' });
    return r.ok ? ((await r.json()) as ServedConfig) : undefined;
  } catch {
    return undefined; // a static copy of the page, not served by a gateway
  }
}

class App {
  private readonly host: SparkplugHost;
  private readonly link: BrokerLink;
  private settings: Settings;
  private route: Route = parseRoute(location.hash);
  private gateway: GatewayView | undefined;
  /** What the last frame showed: a frame is drawn only when one of these moved. */
  private drawn = { host: -1, link: -1, route: '', at: 0 };
  private linkVersion = 0;
  private frame = 0;
  private readonly main = document.getElementById('view')!;
  private readonly status = document.getElementById('link-status')!;
  private readonly stats = document.getElementById('stats')!;

  constructor(private readonly served: ServedConfig | undefined) {
    this.settings = loadSettings(served, location.search, localStorage, sessionStorage);
    this.host = new SparkplugHost({ now: () => Date.now(), requestRebirth: (g, n) => this.link.rebirth(g, n) });
    this.link = new BrokerLink(this.host, () => {
      this.linkVersion++;
      this.schedule();
    });
  }

  start(): void {
    this.applyTheme();
    window.addEventListener('hashchange', () => {
      this.route = parseRoute(location.hash);
      this.schedule();
    });
    // Times shown relative to now ("5 min ago", the last hour's failovers) move on by themselves.
    window.setInterval(() => {
      if (Date.now() - this.drawn.at >= 10_000) this.schedule(true);
    }, 1000);
    this.connect();
    if (!this.settings.broker && this.route.view !== 'settings') location.hash = '#/settings';
  }

  private connect(): void {
    const ask = this.served?.node ? [{ group: this.served.group, node: this.served.node }] : [];
    this.link.open({ url: brokerUrl(this.settings.broker, location), group: this.settings.group, username: this.settings.username, password: this.settings.password, ask });
  }

  private applyTheme(): void {
    document.documentElement.dataset.theme = this.settings.theme;
  }

  /** Something may have changed (a message, the link, the route): draw in the next frame if it did. */
  schedule(always = false): void {
    if (always) this.drawn.host = -1;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const r = JSON.stringify(this.route);
      if (this.drawn.host === this.host.version && this.drawn.link === this.linkVersion && this.drawn.route === r) return;
      this.render();
    });
  }

  private render(): void {
    const now = Date.now();
    fill(this.status, this.link.detail);
    this.status.dataset.state = this.link.state;
    const s = this.host.stats;
    fill(this.stats, `${s.messages} messages · ignored: ${s.badPayloads} undecodable, ${s.unknownMetrics} unknown metrics, ${s.wrongTypes} wrong types, ${s.badTopics} bad topics · ${s.seqGaps} seq gaps · ${s.rebirthRequests} rebirth requests`);
    for (const [k, v] of Object.entries(s)) this.stats.dataset[k] = String(v);
    for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) a.classList.toggle('here', a.getAttribute('href') === `#/${this.route.view === 'node' ? '' : this.route.view === 'fleet' ? '' : this.route.view}`);
    const r = this.route;
    const routeKey = JSON.stringify(r);
    if (r.view !== 'node' && this.gateway) {
      this.gateway.destroy();
      this.gateway = undefined;
    }
    switch (r.view) {
      case 'fleet':
        fill(this.main, renderFleet(this.host, this.settings.group, now));
        break;
      case 'events':
        fill(this.main, h('section', { class: 'card' }, h('h2', {}, 'Events'), timelineList(this.host.events, { showNode: true, limit: 500, now })));
        break;
      case 'settings':
        // A form being typed into is not redrawn under the user's hands.
        if (this.drawn.route !== routeKey) fill(this.main, renderSettings(this.settings, this.served, (next) => this.save(next), () => this.reset()));
        break;
      case 'node': {
        if (!this.gateway || this.gateway.group !== r.group || this.gateway.id !== r.id) {
          this.gateway?.destroy();
          this.gateway = new GatewayView(r.group, r.id, (node, line) => this.send(node, line), 'the gateway sends them every telemetry period');
          fill(this.main, this.gateway.el);
        }
        this.gateway.update(this.host, this.host.nodes.get(nodeKey(r.group, r.id)), now);
        break;
      }
    }
    document.title = r.view === 'node' ? `${r.id} · bondfw` : 'bondfw dashboard';
    this.drawn = { host: this.host.version, link: this.linkVersion, route: routeKey, at: now };
  }

  private send(node: NodeState, line: string): boolean {
    return this.link.command(node.group, node.id, line);
  }

  private save(next: Settings): void {
    this.settings = next;
    saveSettings(next, localStorage, sessionStorage);
    this.applyTheme();
    this.connect();
    location.hash = '#/';
  }

  private reset(): void {
    forgetSettings(localStorage, sessionStorage);
    this.settings = loadSettings(this.served, '', localStorage, sessionStorage);
    this.applyTheme();
    this.connect();
    this.drawn.route = '';
    this.schedule(true);
  }
}

void fetchConfig().then((served) => new App(served).start());
