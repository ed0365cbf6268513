/**
 * The network stack's hardware made of UDP frame ports (udp-frame-port.ts): each port a
 * front-panel port device whose frames travel as UDP datagrams on loopback, to a socat bridge
 * on a Linux interface or to another stack's port. How the whole firmware (`NetStack`:
 * ports, bonding, host stack, VLAN devices) meets real peers without raw sockets, as
 * `board-hardware.ts` attaches it to a hal board.
 *
 * Link changes are found by polling each port's carrier (the interface's sysfs file, or
 * `linkOverride`) on the firmware's clock: nothing pushes them here.
 */
import { PeriodicTimer, type Clock } from '../lib/clock.ts';
import type { Duplex, NetCounters } from '../firmware/net/netdev.ts';
import { frontPortFlags, type FrontPort } from '../firmware/net/port-device.ts';
import type { PortHardware } from '../firmware/net/stack.ts';
import type { UdpFramePort } from './udp-frame-port.ts';

/** A UDP frame port as a network device: the wire's state, the device's counters and flags. */
export class UdpPortDevice implements FrontPort {
  readonly kind = 'port';
  readonly vlan = -1;
  readonly txqueuelen = 1000;
  userPromisc = false;
  userAllmulti = false;
  readonly permanentMac: Uint8Array;
  readonly counters: NetCounters = { rxPackets: 0, rxBytes: 0, rxDropped: 0, txPackets: 0, txBytes: 0, txDropped: 0 };
  /** The wire's link as last read: the per-frame paths read this, not the sysfs file. */
  private link: boolean;

  constructor(
    readonly wire: UdpFramePort,
    private readonly linkChanged: () => void = () => {},
  ) {
    this.permanentMac = wire.mac.slice();
    this.link = wire.carrier;
  }

  /** Reads the wire's link afresh; reports a change. */
  refreshLink(): boolean {
    const now = this.wire.carrier;
    if (now === this.link) return false;
    this.link = now;
    this.linkChanged();
    return true;
  }

  get name(): string {
    return this.wire.name;
  }
  get mac(): Uint8Array {
    return this.wire.mac;
  }
  get mtu(): number {
    return this.wire.mtu;
  }
  set mtu(v: number) {
    this.wire.mtu = v;
  }
  get master(): string | undefined {
    return this.wire.master;
  }
  set master(v: string | undefined) {
    this.wire.master = v;
  }
  get promiscuity(): number {
    return this.wire.promiscuity;
  }
  set promiscuity(v: number) {
    this.wire.promiscuity = v;
  }
  get allmulti(): number {
    return this.wire.allmulti;
  }
  set allmulti(v: number) {
    this.wire.allmulti = v;
  }
  get adminUp(): boolean {
    return this.wire.adminUp;
  }
  get carrier(): boolean {
    return this.wire.adminUp && this.link;
  }
  /** Up and running, for the host stack. */
  get up(): boolean {
    return this.carrier;
  }
  get speed(): number {
    return this.carrier ? this.wire.speed : -1;
  }
  get duplex(): Duplex {
    return this.carrier ? this.wire.duplex : 'unknown';
  }
  get extraFlags(): string[] {
    return frontPortFlags(this);
  }
  setMac(mac: Uint8Array): void {
    this.wire.setMac(mac);
  }
  setAdminUp(up: boolean): Promise<void> {
    return this.wire.setAdminUp(up);
  }
  /** The MII monitor's reading: the carrier read now, not the poll's last (use_carrier either way: there is no PHY). */
  async probeLink(): Promise<boolean> {
    this.refreshLink();
    return this.carrier;
  }
  send(frame: Uint8Array, length: number): boolean {
    if (this.wire.send(frame, length)) {
      this.counters.txPackets++;
      this.counters.txBytes += length;
      return true;
    }
    this.counters.txDropped++;
    return false;
  }
  /** The host stack's transmit entry for a port that is not enslaved. */
  xmit(frame: Uint8Array, length: number): boolean {
    return this.send(frame, length);
  }
  countRxDropped(): void {
    this.counters.rxDropped++;
  }
  /** A frame the wire delivered (the wire drops what arrives while the port is down). */
  countRx(length: number): void {
    this.counters.rxPackets++;
    this.counters.rxBytes += length;
  }
}

/** How often a port's carrier is read for link changes (a board's PHY poll runs at this order). */
export const LINK_POLL_MS = 100;

/**
 * `PortHardware` over UDP frame ports. The ports come up admin-up, as a board's do; the
 * caller opens their sockets (`UdpFramePort.open`) and closes them. `start()` begins the
 * link poll, `close()` ends it (both idempotent).
 */
export class UdpPortHardware implements PortHardware {
  readonly ports: UdpPortDevice[];
  private receiver: ((index: number, frame: Uint8Array, length: number) => void) | undefined;
  private readonly changeListeners: (() => void)[] = [];
  private readonly poll: PeriodicTimer;

  constructor(
    wires: readonly UdpFramePort[],
    clock: Clock,
    private readonly pollMs = LINK_POLL_MS,
  ) {
    const changed = (): void => {
      for (const l of this.changeListeners) l();
    };
    this.ports = wires.map((w) => new UdpPortDevice(w, changed));
    for (const w of wires) w.adminUp = true;
    this.ports.forEach((p, i) =>
      p.wire.onFrame((frame, length) => {
        p.countRx(length);
        this.receiver?.(i, frame, length);
      }),
    );
    this.poll = new PeriodicTimer(clock, () => pollMs, () => {
      for (const p of this.ports) p.refreshLink();
    });
  }

  setReceiver(fn: (index: number, frame: Uint8Array, length: number) => void): void {
    this.receiver = fn;
  }

  onPortChange(fn: () => void): void {
    this.changeListeners.push(fn);
  }

  start(): void {
    if (!this.poll.running) this.poll.start(this.pollMs);
  }

  close(): void {
    this.poll.stop();
  }
}
