/**
 * A bond port that carries raw Ethernet frames in UDP datagrams on loopback, one frame per
 * datagram, to and from a socat bridge attached to a Linux interface
 * (`socat INTERFACE:<if> UDP-DATAGRAM:127.0.0.1:<ours>,bind=127.0.0.1:<theirs>`): how the
 * firmware's bonding and LACP meet a real peer (Open vSwitch on a veth) without raw sockets.
 * Link state and the MAC come from the interface's sysfs files.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { BondPort } from '../firmware/bonding/slave.ts';
import { formatMac, parseMac } from '../lib/addr.ts';
import type { Duplex } from '../firmware/net/netdev.ts';

export interface UdpFramePortOptions {
  /** The port name the bond shows (e.g. the interface name). */
  name: string;
  /** The Linux interface socat is attached to (its carrier is our link); omit in tests. */
  ifname?: string;
  /** Our UDP port on 127.0.0.1, and the peer's (socat's source port). */
  localPort: number;
  remotePort: number;
  /** Our MAC; by default the interface's. */
  mac?: Uint8Array;
  speed?: number;
  /**
   * SO_RCVBUF for the socket (bytes; the kernel caps it at net.core.rmem_max). A larger one
   * holds frames while the event loop is busy, as a NIC's receive ring would.
   */
  recvBufferSize?: number;
}

export class UdpFramePort implements BondPort {
  readonly name: string;
  mac: Uint8Array;
  adminUp = false;
  mtu = 1500;
  master: string | undefined;
  promiscuity = 0;
  allmulti = 0;
  readonly duplex: Duplex = 'full';
  readonly speed: number;
  readonly stats = { rx: 0, tx: 0, txDropped: 0, rxDropped: 0 };
  private socket: Socket | undefined;
  private handler: ((frame: Uint8Array, length: number) => void) | undefined;
  /** Forced link state for tests without an interface. */
  linkOverride: boolean | undefined;

  constructor(private readonly opts: UdpFramePortOptions) {
    this.name = opts.name;
    this.speed = opts.speed ?? 1000;
    const mac = opts.mac ?? (opts.ifname ? parseMac(readFileSync(`/sys/class/net/${opts.ifname}/address`, 'utf8')) : undefined);
    if (!mac) throw new Error(`${opts.name}: no MAC address (give one, or an interface to read it from)`);
    this.mac = mac;
  }

  /** Binds the UDP socket; resolves once it listens. */
  open(): Promise<void> {
    if (this.socket) return Promise.resolve();
    const s = createSocket({ type: 'udp4', recvBufferSize: this.opts.recvBufferSize });
    this.socket = s;
    s.on('message', (msg: Buffer) => {
      if (!this.adminUp || !this.handler) {
        this.stats.rxDropped++;
        return;
      }
      this.stats.rx++;
      this.handler(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), msg.byteLength);
    });
    return new Promise((resolve, reject) => {
      s.once('error', reject);
      s.bind(this.opts.localPort, '127.0.0.1', () => {
        s.off('error', reject);
        s.on('error', () => {});
        resolve();
      });
    });
  }

  /** Frames from the wire (one handler; replaces). */
  onFrame(fn: (frame: Uint8Array, length: number) => void): void {
    this.handler = fn;
  }

  get carrier(): boolean {
    if (this.linkOverride !== undefined) return this.linkOverride;
    if (!this.opts.ifname) return true;
    try {
      return readFileSync(`/sys/class/net/${this.opts.ifname}/carrier`, 'utf8').trim() === '1';
    } catch {
      return false; // interface down (carrier reads EINVAL) or gone
    }
  }

  setMac(mac: Uint8Array): void {
    this.mac = mac.slice();
  }

  async setAdminUp(up: boolean): Promise<void> {
    this.adminUp = up;
  }

  async probeLink(): Promise<boolean> {
    return this.adminUp && this.carrier;
  }

  send(frame: Uint8Array, length: number): boolean {
    if (!this.socket || !this.adminUp) {
      this.stats.txDropped++;
      return false;
    }
    // The caller may reuse its buffer at once: send a copy.
    this.socket.send(Buffer.from(frame.subarray(0, length)), this.opts.remotePort, '127.0.0.1');
    this.stats.tx++;
    return true;
  }

  countRxDropped(): void {
    this.stats.rxDropped++;
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }

  toString(): string {
    return `${this.name} (${formatMac(this.mac)}, udp ${this.opts.localPort} <-> ${this.opts.remotePort})`;
  }
}
