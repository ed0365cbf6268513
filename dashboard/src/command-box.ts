/**
 * The console command box: a line sent as NCMD `Node Control/Command` runs through the
 * gateway's one dispatcher exactly as typed on its console, so it can change the gateway;
 * the box says so. Its output comes back as `Node Control/Command Result`. The box is hidden
 * when the gateway says remote commands may not change it (`Properties/Remote Commands`).
 */
import { fill, formatTime, h } from './dom.ts';
import type { NodeState } from './host.ts';
import { acceptsCommands, str } from './model.ts';

export class CommandBox {
  private readonly input = h('input', {
    type: 'text', name: 'line', autocomplete: 'off', spellcheck: 'false', 'aria-label': 'console command',
    placeholder: 'cat /proc/net/bonding/bond0',
  });
  private readonly button = h('button', { type: 'submit', class: 'danger' }, 'Run on the gateway');
  private readonly status = h('p', { class: 'command-status' });
  private readonly result = h('pre', { class: 'command-result', 'data-result': '' });
  private readonly audit = h('p', { class: 'audit' });
  private readonly refused = h('p', { class: 'refused', hidden: true });
  private readonly box = h('div', { class: 'command-body' },
    h('p', { class: 'warning' }, 'Runs on the gateway exactly as typed on its console (', h('code', {}, 'NCMD Node Control/Command'),
      '). Commands that configure take effect at once, with no confirmation.'),
    h('form', { onsubmit: (e: Event) => this.submit(e) }, this.input, this.button),
    this.status, this.result, this.audit);
  /** Hidden until the node's metrics say whether it takes commands. */
  readonly el = h('section', { id: 'command', class: 'card command', hidden: true },
    h('h2', {}, 'Console command ', h('span', { class: 'badge danger' }, 'changes the gateway')), this.box, this.refused);
  private node: NodeState | undefined;
  /** The result we were showing when the last command went out; a different one answers it. */
  private waitingSince: { sentAt: number; before: NodeState['commandResult'] } | undefined;

  constructor(private readonly send: (node: NodeState, line: string) => boolean) {}

  update(node: NodeState): void {
    this.node = node;
    const allowed = acceptsCommands(node);
    const mode = str(node.metrics, 'Properties/Remote Commands');
    this.el.hidden = false;
    this.el.dataset.visible = String(allowed);
    this.box.hidden = !allowed;
    this.refused.hidden = allowed;
    this.el.classList.toggle('refused-box', !allowed);
    fill(this.refused, `Remote commands are off on this gateway (Properties/Remote Commands = ${mode ?? '?'}): it can only be read from here.`);
    this.button.disabled = !node.online;
    const r = node.commandResult;
    if (this.waitingSince && r !== this.waitingSince.before) this.waitingSince = undefined;
    if (this.waitingSince) fill(this.status, `sent at ${formatTime(this.waitingSince.sentAt)}; waiting for the result…`);
    else if (r) fill(this.status, `result at ${formatTime(r.at)}`);
    else fill(this.status, node.online ? '' : 'the gateway is offline');
    this.result.textContent = r?.text ?? '';
    this.result.hidden = !r;
    const audit = str(node.metrics, 'Audit/Last');
    this.audit.hidden = !audit;
    fill(this.audit, audit ? `last change on the gateway: ${audit}` : '');
  }

  private submit(e: Event): void {
    e.preventDefault();
    const node = this.node;
    const line = this.input.value.trim();
    if (!node || !line) return;
    if (!this.send(node, line)) {
      fill(this.status, 'not sent: not connected to the broker');
      return;
    }
    this.waitingSince = { sentAt: Date.now(), before: node.commandResult };
    this.input.select();
    this.update(node);
  }
}
