/**
 * One ping run as iputils ping does it (ping/ping_common.c pinger, main_loop,
 * __schedule_exit, gather_statistics; ping/ping.c ping4_receive_error_msg): a probe every
 * interval, the reply lines, `Destination Host Unreachable` for the probes waiting on a
 * neighbour that never answered ARP, and the summary when the count is answered, the wait
 * after the last probe runs out, or the user interrupts.
 *
 * Time comes from the injected Clock only: the real one in the main job, the virtual one in
 * the scenario runner, where an echo takes the virtual time it takes through the emulated
 * switch (0 µs when nothing on the path takes time). Each probe carries its send time in its
 * data, as iputils' does, so a reply's time is read from the reply.
 *
 * Portable core: no Node built-ins; the transmit path allocates nothing per probe (a probe
 * held for ARP keeps two numbers).
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import type { Interrupt } from '../../lib/interrupt.ts';
import { formatIpv4 } from '../../lib/addr.ts';
import { ECHO_STAMP_BYTES, readEchoStamp, type DeliveredPacket, type HostLink, type HostStack } from './host.ts';
import { IPPROTO_ICMP } from './packets.ts';
import { PingStats, formatTriptime } from './ping-stats.ts';

/** iputils MIN_INTERVAL_MS: with interval 0, an unanswered probe holds the next one back this long. */
const MIN_INTERVAL_MS = 10;
/** iputils MAXWAIT: seconds to wait after the last probe when nothing was answered (-W). */
export const DEFAULT_LINGER_US = 10_000_000;
/** Probes held while the neighbour is being resolved (Linux's old unres_qlen; the oldest go first). */
const UNRESOLVED_QUEUE = 101;

export interface PingConfig {
  dst: number;
  /** Probes to send (-c); 0 runs until interrupted. */
  count: number;
  /** Milliseconds between probes (-i, whole ms as iputils keeps it); 0 sends as replies come, at least every 10 ms. */
  intervalMs: number;
  /** Data bytes per probe (-s). */
  dataLen: number;
  /** Wait after the last probe when nothing was answered (-W), µs; 0 waits for ever. */
  lingerUs: number;
  /** -q: only the first line and the summary. */
  quiet: boolean;
  /** The link the probes go out of, and the source address. */
  link: HostLink;
  src: number;
  /** -I: the first line names the source and this device ('' when -I gave an address). */
  bind?: string;
  /** Only replies on `link` count (-I with a device: SO_BINDTODEVICE). */
  boundToLink: boolean;
  /** The ICMP identifier of this run. */
  ident: number;
}

/** Runs one ping, writing its lines as they happen; resolves after the summary. */
export function runPing(host: HostStack, clock: Clock, cfg: PingConfig, write: (line: string) => void, interrupt?: Interrupt): Promise<void> {
  return new PingRun(host, clock, cfg, write).run(interrupt);
}

class PingRun {
  private readonly stats = new PingStats();
  private readonly timed: boolean;
  private readonly target: string;
  private startUs = 0;
  private lastSendUs = 0;
  private sendTimer: TimerHandle | undefined;
  private exitTimer: TimerHandle | undefined;
  private exitArmed = false;
  private exiting = false;
  /** Probes waiting for the neighbour: sequence and send time, in pairs. */
  private pending: number[] = [];
  private resolving = false;
  private cleanup: (() => void)[] = [];
  private done: () => void = () => {};

  constructor(
    private readonly host: HostStack,
    private readonly clock: Clock,
    private readonly cfg: PingConfig,
    private readonly write: (line: string) => void,
  ) {
    // Only data with room for the send time is timed (iputils: datalen >= sizeof(struct timeval)).
    this.timed = cfg.dataLen >= ECHO_STAMP_BYTES;
    this.target = formatIpv4(cfg.dst);
  }

  run(interrupt?: Interrupt): Promise<void> {
    const { cfg } = this;
    const from = cfg.bind !== undefined ? `from ${formatIpv4(cfg.src)} ${cfg.bind}: ` : '';
    this.write(`PING ${this.target} (${this.target}) ${from}${cfg.dataLen}(${cfg.dataLen + 28}) bytes of data.`);
    return new Promise<void>((resolve) => {
      this.done = resolve;
      this.startUs = this.nowUs();
      this.cleanup.push(this.host.onDelivered((link, protocol, src, id, seq, packet) => this.onReply(link, protocol, src, id, seq, packet)));
      if (interrupt) this.cleanup.push(interrupt.onInterrupt(() => this.finish()));
      this.pinger();
    });
  }

  private nowUs(): number {
    return Math.floor(this.clock.now() * 1000);
  }

  /** iputils pinger: the next probe, unless enough went or (interval 0) one is still unanswered. */
  private pinger(): void {
    this.sendTimer = undefined;
    const { cfg, stats } = this;
    if (this.exiting || (cfg.count && stats.ntransmitted >= cfg.count)) return;
    const now = this.nowUs();
    if (cfg.intervalMs === 0 && stats.ntransmitted > 0) {
      const sinceMs = (now - this.lastSendUs) / 1000;
      if (sinceMs < MIN_INTERVAL_MS && stats.inFlight() >= 1) {
        this.sendTimer = this.clock.setTimer(MIN_INTERVAL_MS - sinceMs, () => this.pinger());
        return;
      }
    }
    const seq = (stats.ntransmitted + 1) & 0xffff;
    stats.sending(seq);
    this.transmit(seq, now);
    stats.ntransmitted++;
    this.lastSendUs = now;
    if (cfg.count && stats.ntransmitted >= cfg.count) this.scheduleExit();
    else this.sendTimer = this.clock.setTimer(cfg.intervalMs === 0 ? MIN_INTERVAL_MS : cfg.intervalMs, () => this.pinger());
  }

  /**
   * A probe to the resolved neighbour, or held until ARP resolves it, as Linux queues a packet
   * on an incomplete neighbour: sent when the answer comes (with its original send time), or
   * reported unreachable when resolution fails (ipv4_link_failure's ICMP host unreachable).
   */
  private transmit(seq: number, stampUs: number): void {
    const { cfg, host } = this;
    const mac = host.neighbour(cfg.link.name, cfg.dst);
    if (mac) {
      // A link that drops the frame loses the probe silently, as a Linux driver does.
      host.sendEchoRequest(cfg.link, mac, cfg.src, cfg.dst, cfg.ident, seq, cfg.dataLen, stampUs);
      return;
    }
    this.pending.push(seq, stampUs);
    if (this.pending.length > 2 * UNRESOLVED_QUEUE) this.pending.splice(0, 2);
    if (this.resolving) return;
    this.resolving = true;
    void host.resolveOn(cfg.link.name, cfg.dst).then((resolved) => {
      this.resolving = false;
      if (this.exiting) return;
      const held = this.pending;
      this.pending = [];
      for (let i = 0; i < held.length && !this.exiting; i += 2) {
        if (resolved) host.sendEchoRequest(cfg.link, resolved, cfg.src, cfg.dst, cfg.ident, held[i], cfg.dataLen, held[i + 1]);
        else this.unreachable(held[i]);
      }
    });
  }

  private unreachable(seq: number): void {
    this.stats.error(seq);
    if (!this.cfg.quiet) this.write(`From ${formatIpv4(this.cfg.src)} icmp_seq=${seq} Destination Host Unreachable`);
    this.afterAnswer();
  }

  private onReply(link: HostLink, protocol: number, src: number, id: number, seq: number, packet: DeliveredPacket): void {
    const { cfg, stats } = this;
    if (this.exiting || protocol !== IPPROTO_ICMP || id !== cfg.ident) return;
    if (cfg.boundToLink && link.name !== cfg.link.name) return;
    const cc = packet.length;
    const timedReply = this.timed && cc >= 8 + ECHO_STAMP_BYTES;
    let triptime = 0;
    if (timedReply) {
      // A reply claiming a send time in the future counts as 0, as iputils' countermeasure does.
      triptime = Math.max(0, this.nowUs() - readEchoStamp(packet.frame, packet.offset + 8));
    }
    const dup = stats.reply(seq, triptime, timedReply);
    if (!cfg.quiet) {
      let line = `${cc} bytes from ${formatIpv4(src)}: icmp_seq=${seq} ttl=${packet.ttl}`;
      if (cc < cfg.dataLen + 8) line += ' (truncated)';
      else {
        if (this.timed) line += ` time=${formatTriptime(triptime)} ms`;
        if (dup) line += ' (DUP!)';
        if (src !== cfg.dst) line += ' (DIFFERENT ADDRESS!)';
      }
      this.write(line);
    }
    this.afterAnswer();
  }

  /** main_loop's checks after a reply or an error: done when the count is answered; interval 0 sends on. */
  private afterAnswer(): void {
    const { cfg, stats } = this;
    if (this.exiting) return;
    if (cfg.count && stats.nreceived + stats.nerrors >= cfg.count) {
      this.finish();
      return;
    }
    if (cfg.count && stats.ntransmitted >= cfg.count && !this.exitArmed) this.scheduleExit();
    if (cfg.intervalMs === 0 && stats.inFlight() === 0 && (!cfg.count || stats.ntransmitted < cfg.count)) {
      if (this.sendTimer !== undefined) this.clock.cancel(this.sendTimer);
      this.pinger();
    }
  }

  /**
   * __schedule_exit: after the last probe, wait two of the longest round trips (at least the
   * interval) when something was answered, else the -W time; -W 0 waits for ever. A measured
   * RTT of 0 µs (possible in virtual time, never on Linux) gives no wait at all.
   */
  private scheduleExit(): void {
    const { cfg, stats } = this;
    let waitUs: number;
    if (stats.nreceived) waitUs = Math.max(2 * stats.tmax, cfg.intervalMs * 1000);
    else if (cfg.lingerUs === 0) return;
    else waitUs = cfg.lingerUs;
    this.exitArmed = true;
    this.exitTimer = this.clock.setTimer(waitUs / 1000, () => this.finish());
  }

  /** The summary, after a blank line, as iputils prints it on exit or SIGINT. */
  private finish(): void {
    if (this.exiting) return;
    this.exiting = true;
    if (this.sendTimer !== undefined) this.clock.cancel(this.sendTimer);
    if (this.exitTimer !== undefined) this.clock.cancel(this.exitTimer);
    for (const c of this.cleanup) c();
    this.cleanup = [];
    this.write('');
    for (const line of this.stats.summary(this.target, this.lastSendUs - this.startUs, this.timed, this.cfg.intervalMs)) this.write(line);
    this.done();
  }
}
