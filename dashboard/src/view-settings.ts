/** The settings form: broker, group, credentials, theme. */
import { h } from './dom.ts';
import type { ServedConfig, Settings, Theme } from './settings.ts';

export function renderSettings(current: Settings, served: ServedConfig | undefined, save: (s: Settings) => void, reset: () => void): HTMLElement {
  const field = (label: string, input: HTMLElement, hint?: string) => h('label', {}, h('span', {}, label), input, hint ? h('small', {}, hint) : null);
  const broker = h('input', { name: 'broker', type: 'text', value: current.broker, placeholder: 'ws://127.0.0.1:8080/mqtt', spellcheck: 'false' });
  const group = h('input', { name: 'group', type: 'text', value: current.group, spellcheck: 'false' });
  const username = h('input', { name: 'username', type: 'text', value: current.username, autocomplete: 'username' });
  const password = h('input', { name: 'password', type: 'password', value: current.password, autocomplete: 'current-password' });
  const theme = h('select', { name: 'theme' }, (['auto', 'light', 'dark'] as const).map((t) => h('option', { value: t, selected: t === current.theme }, t)));
  const servedHint = served
    ? served.broker
      ? `The gateway serving this page publishes to ${served.mqtt ?? 'its embedded broker'}; its WebSocket listener is ${served.broker}.`
      : `The gateway serving this page publishes to ${served.mqtt ?? 'no broker (telemetry off)'}. Give that broker's WebSocket listener here (for mosquitto, a "listener 9001" followed by "protocol websockets").`
    : 'This copy of the dashboard was not served by a gateway: give the broker’s WebSocket URL.';
  return h('section', { class: 'card settings' },
    h('h2', {}, 'Settings'),
    h('p', { class: 'muted' }, servedHint),
    h('form', {
      onsubmit: (e: Event) => {
        e.preventDefault();
        save({ broker: broker.value.trim(), group: group.value.trim(), username: username.value, password: password.value, theme: theme.value as Theme });
      },
    },
    field('Broker (WebSocket URL)', broker, 'ws://host:port/path or wss://…; /mqtt means the server this page came from'),
    field('Sparkplug group', group, '+ shows every group'),
    field('Username', username),
    field('Password', password, 'kept for this browser session only'),
    field('Theme', theme),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit' }, 'Save and connect'),
      h('button', { type: 'button', class: 'secondary', onclick: () => reset() }, 'Use the gateway’s defaults'))));
}
