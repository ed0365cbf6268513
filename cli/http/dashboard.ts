/**
 * `bondfw run` serves the dashboard (dashboard/): on 127.0.0.1:8080 by default (a free port
 * if that one is taken), on `--http <addr>:<port>`, or not at all with `--http none`. With
 * the embedded broker, MQTT over WebSocket is on the same server at /mqtt and the page
 * connects there by itself; with an external broker the page is told that broker's URL when
 * it is a WebSocket one, else its settings ask for it.
 *
 * The server binds before the firmware boots (an address in use stops the job before
 * anything runs); the telemetry it points the page to is wired once it has started.
 */
import { buildDashboard } from '../../dashboard/build.ts';
import type { EmbeddedBroker } from '../../firmware/telemetry/broker.ts';
import { DEFAULT_HTTP, isLoopback, parseHttpSpec, startWebServer, type HttpEndpoint } from './server.ts';
import { urlWithoutCredentials } from '../../firmware/telemetry/sparkplug-ids.ts';

export const MQTT_WS_PATH = '/mqtt';

export interface DashboardTelemetry {
  /** Where the edge node publishes; absent when telemetry is off. */
  url?: string;
  group: string;
  node: string;
  broker?: EmbeddedBroker;
}

/** What the page is told by GET config.json (dashboard/src/settings.ts, ServedConfig). */
export interface DashboardConfig {
  /** A WebSocket URL, or a path on this server; null: the page's settings must say. */
  broker: string | null;
  group: string;
  /** The node to ask for a birth at once; null with telemetry off. */
  node: string | null;
  mqtt: string | null;
}

export interface Dashboard {
  /** Points the page at the telemetry; returns the banner lines. */
  wire(t: DashboardTelemetry): string[];
  stop(): Promise<void>;
}

/** The `--http` option, checked before anything starts; undefined: the default. */
export function httpOption(spec: string | undefined): HttpEndpoint | 'none' | undefined {
  return spec === undefined ? undefined : parseHttpSpec(spec);
}

export function dashboardConfig(t: DashboardTelemetry): DashboardConfig {
  // The page gets the broker's address, never the credentials in it: it asks for its own.
  const external = t.broker || !t.url ? undefined : urlWithoutCredentials(t.url);
  return {
    broker: t.broker ? MQTT_WS_PATH : external && /^wss?:\/\//.test(external) ? external : null,
    group: t.group,
    node: t.url ? t.node : null,
    mqtt: t.broker ? t.broker.url : (external ?? null),
  };
}

export async function startDashboard(option: HttpEndpoint | 'none' | undefined): Promise<Dashboard> {
  const endpoint = option ?? DEFAULT_HTTP;
  if (endpoint === 'none') return { wire: () => ['dashboard off (--http none)'], stop: async () => {} };
  let telemetry: DashboardTelemetry | undefined;
  const web = await startWebServer({
    endpoint,
    fallbackToFreePort: option === undefined,
    assets: buildDashboard,
    config: () => (telemetry ? dashboardConfig(telemetry) : undefined),
    upgrade: () => (telemetry?.broker ? { path: MQTT_WS_PATH, handle: telemetry.broker.upgrade } : undefined),
  });
  return {
    wire: (t) => {
      telemetry = t;
      const config = dashboardConfig(t);
      const banner = [`dashboard: ${web.url}${t.broker ? ` (MQTT over WebSocket on ${web.url.replace(/^http/, 'ws').replace(/\/$/, MQTT_WS_PATH)})` : ''}`];
      if (t.url && !config.broker) banner.push(`  the page needs the WebSocket URL of ${urlWithoutCredentials(t.url)}: give it in its settings`);
      if (t.broker && !isLoopback(endpoint.host)) banner.push(`  warning: the embedded broker takes MQTT from any host that reaches ${web.url}, with no credentials`);
      return banner;
    },
    stop: () => web.close(),
  };
}
