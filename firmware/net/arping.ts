/**
 * One arping run as iputils arping does it (arping.c send_pack, recv_pack, event_loop,
 * finish): an ARP request every second, broadcast until the target answers and then unicast
 * to the MAC it answered from; a line per answer; `Sent N probes (B broadcast(s))` and
 * `Received N response(s)` at the end. It stops after the count's interval (count seconds
 * after the first probe), at the -w deadline, once -w is given and the count is answered, or
 * when interrupted.
 *
 * Portable core: time from the injected Clock; the probes are built in the host stack's
 * scratch buffer.
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import type { Interrupt } from '../../lib/interrupt.ts';
import { formatIpv4, readU16, readU32 } from '../../lib/addr.ts';
import type { HostLink, HostStack } from './host.ts';
import { ARP_REPLY, ARP_REQUEST } from './packets.ts';

/** arping's interval: one probe a second. */
const INTERVAL_MS = 1000;

export interface ArpingConfig {
  target: number;
  /** Probes (-c); -1 for no limit. */
  count: number;
  /** -w: seconds before it stops whatever happened; 0 for none. */
  timeoutS: number;
  link: HostLink;
  src: number;
}

/** Runs one arping, writing its lines as they happen; resolves after the summary. */
export function runArping(host: HostStack, clock: Clock, cfg: ArpingConfig, write: (line: string) => void, interrupt?: Interrupt): Promise<void> {
  return new ArpingRun(host, clock, cfg, write).run(interrupt);
}

/** Upper-case hex bytes joined by colons, as arping's print_hex. */
function hexMac(f: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + f[o + i].toString(16).toUpperCase().padStart(2, '0');
  return s;
}

class ArpingRun {
  /** Where probes go: broadcast, then the MAC that answered (he->sll_addr). */
  private readonly he = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
  private unicasting = false;
  private sent = 0;
  private brdSent = 0;
  private received = 0;
  private brdRecv = 0;
  private reqRecv = 0;
  private lastUs = 0;
  private sentAny = false;
  /** Interval timer expirations, counted from 1 as arping's total_expires. */
  private expires = 1;
  private timer: TimerHandle | undefined;
  private exiting = false;
  private cleanup: (() => void)[] = [];
  private done: () => void = () => {};

  constructor(
    private readonly host: HostStack,
    private readonly clock: Clock,
    private readonly cfg: ArpingConfig,
    private readonly write: (line: string) => void,
  ) {}

  run(interrupt?: Interrupt): Promise<void> {
    this.write(`ARPING ${formatIpv4(this.cfg.target)} from ${formatIpv4(this.cfg.src)} ${this.cfg.link.name}`);
    return new Promise<void>((resolve) => {
      this.done = resolve;
      this.cleanup.push(this.host.onArp((link, f, o, unicast) => this.receive(link, f, o, unicast)));
      if (interrupt) this.cleanup.push(interrupt.onInterrupt(() => this.finish()));
      this.timer = this.clock.setTimer(INTERVAL_MS, () => this.tick());
      if (!this.exiting) this.sendProbe();
    });
  }

  private nowUs(): number {
    return Math.floor(this.clock.now() * 1000);
  }

  /**
   * The interval timer: past the count it ends the run, else the next probe. The -w deadline
   * falls on a tick (both are whole seconds from the start); arping reads the interval timer
   * before the deadline one, so that tick still probes.
   */
  private tick(): void {
    this.timer = undefined;
    this.expires++;
    if (this.cfg.count > 0 && this.cfg.count < this.expires) {
      this.finish();
      return;
    }
    this.sendProbe();
    if (this.cfg.timeoutS > 0 && this.expires - 1 >= this.cfg.timeoutS) {
      this.finish();
      return;
    }
    this.timer = this.clock.setTimer(INTERVAL_MS, () => this.tick());
  }

  private sendProbe(): void {
    const { cfg } = this;
    const now = this.nowUs();
    if (!this.host.sendArpProbe(cfg.link, cfg.src, cfg.target, this.he)) return;
    this.lastUs = now;
    this.sentAny = true;
    this.sent++;
    if (!this.unicasting) this.brdSent++;
  }

  /** recv_pack: an answer from the target to our address and MAC. */
  private receive(link: HostLink, f: Uint8Array, o: number, unicast: boolean): void {
    const { cfg } = this;
    if (this.exiting || link.name !== cfg.link.name) return;
    const op = readU16(f, o + 6);
    if (op !== ARP_REQUEST && op !== ARP_REPLY) return;
    if (readU32(f, o + 14) !== cfg.target || readU32(f, o + 24) !== cfg.src) return;
    const me = link.mac;
    for (let i = 0; i < 6; i++) if (f[o + 18 + i] !== me[i]) return;
    let line = `${unicast ? 'Unicast' : 'Broadcast'} ${op === ARP_REPLY ? 'reply' : 'request'} from ${formatIpv4(cfg.target)} [${hexMac(f, o + 8)}] `;
    if (this.sentAny) {
      // arping's own arithmetic, kept digit for digit: it shows the time plus half a millisecond.
      let usecs = this.nowUs() - this.lastUs;
      const msecs = Math.trunc((usecs + 500) / 1000);
      usecs -= msecs * 1000 - 500;
      line += ` ${msecs}.${String(usecs).padStart(3, '0')}ms`;
    } else line += ' UNSOLICITED?';
    this.write(line);
    this.received++;
    if (cfg.timeoutS > 0 && this.received === cfg.count) {
      this.finish();
      return;
    }
    if (!unicast) this.brdRecv++;
    if (op === ARP_REQUEST) this.reqRecv++;
    for (let i = 0; i < 6; i++) this.he[i] = f[o + 8 + i];
    this.unicasting = true;
  }

  private finish(): void {
    if (this.exiting) return;
    this.exiting = true;
    if (this.timer !== undefined) this.clock.cancel(this.timer);
    for (const c of this.cleanup) c();
    this.cleanup = [];
    this.write(`Sent ${this.sent} probes (${this.brdSent} broadcast(s))`);
    let line = `Received ${this.received} response(s)`;
    if (this.brdRecv || this.reqRecv) {
      const parts: string[] = [];
      if (this.reqRecv) parts.push(`${this.reqRecv} request(s)`);
      if (this.brdRecv) parts.push(`${this.brdRecv} broadcast(s)`);
      line += ` (${parts.join(', ')})`;
    }
    this.write(line);
    this.done();
  }
}
