/**
 * Where the dashboard connects: the broker's WebSocket URL, the Sparkplug group and the
 * credentials. The firmware that serves the page says its defaults in `config.json`; the
 * page's settings (kept in this browser) and the query string (`?broker=...&group=...`)
 * override them. The password is kept for this browser session only.
 */
export type Theme = 'auto' | 'light' | 'dark';

export interface Settings {
  /** ws:// or wss:// URL, or a path on the page's own server (`/mqtt`); empty: none known. */
  broker: string;
  group: string;
  username: string;
  password: string;
  theme: Theme;
}

/** What the firmware serving the page says (GET config.json). */
export interface ServedConfig {
  broker: string | null;
  group: string;
  node: string | null;
  /** The broker the firmware publishes to, for the settings' hint. */
  mqtt: string | null;
}

/** What localStorage and sessionStorage offer (so that this file needs no DOM types). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const DEFAULT_GROUP = 'gateways';
const STORE_KEY = 'bondfw-dashboard.settings';
const PASSWORD_KEY = 'bondfw-dashboard.password';
const THEMES: readonly Theme[] = ['auto', 'light', 'dark'];

interface Stored {
  broker?: string;
  group?: string;
  username?: string;
  theme?: string;
}

function readStored(store: KeyValueStore): Stored {
  try {
    const v = JSON.parse(store.getItem(STORE_KEY) ?? '{}') as unknown;
    return typeof v === 'object' && v !== null ? (v as Stored) : {};
  } catch {
    return {};
  }
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function loadSettings(served: ServedConfig | undefined, search: string, local: KeyValueStore, session: KeyValueStore): Settings {
  const q = new URLSearchParams(search);
  const s = readStored(local);
  const theme = text(q.get('theme')) ?? text(s.theme) ?? 'auto';
  return {
    broker: q.get('broker') ?? text(s.broker) ?? served?.broker ?? '',
    group: q.get('group') ?? text(s.group) ?? served?.group ?? DEFAULT_GROUP,
    username: text(s.username) ?? '',
    password: session.getItem(PASSWORD_KEY) ?? '',
    theme: (THEMES as readonly string[]).includes(theme) ? (theme as Theme) : 'auto',
  };
}

export function saveSettings(s: Settings, local: KeyValueStore, session: KeyValueStore): void {
  local.setItem(STORE_KEY, JSON.stringify({ broker: s.broker, group: s.group, username: s.username, theme: s.theme }));
  if (s.password) session.setItem(PASSWORD_KEY, s.password);
  else session.removeItem(PASSWORD_KEY);
}

export function forgetSettings(local: KeyValueStore, session: KeyValueStore): void {
  local.removeItem(STORE_KEY);
  session.removeItem(PASSWORD_KEY);
}

/** The URL to connect to: a path is on the page's own server (ws, or wss under https). */
export function brokerUrl(broker: string, page: { protocol: string; host: string }): string {
  if (!broker) return '';
  if (/^wss?:\/\//i.test(broker)) return broker;
  if (broker.startsWith('/')) return `${page.protocol === 'https:' ? 'wss' : 'ws'}://${page.host}${broker}`;
  return '';
}
