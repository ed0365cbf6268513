import { formatMac, isMulticastMac } from '../../firmware/net/addr.ts';

/** Where a link-partner switch port leads: a board cable, a host, or an inter-switch link. */
export type PortSink = (frame: Uint8Array) => void;

interface BridgePort {
  name: string;
  sink: PortSink;
  /** `sim peer <port> drop`: the partner stops passing frames on this port (both ways). */
  forwarding: boolean;
  /** False while the cable is out: the partner's port has no link. */
  linkUp: boolean;
}

/**
 * A link-partner switch: an 802.1D learning bridge with no LAG and no spanning tree. It
 * never forwards frames to 01:80:C2:00:00:0x (IEEE 802.1Q 8.6.3 reserved addresses);
 * `slowProtocols` receives those from its board-facing ports.
 */
export class SimBridge {
  private readonly ports: BridgePort[] = [];
  private readonly fdb = new Map<string, number>();
  slowProtocols: ((port: number, frame: Uint8Array) => void) | undefined;
  reservedDropped = 0;

  constructor(readonly name: string) {}

  addPort(name: string, sink: PortSink): number {
    this.ports.push({ name, sink, forwarding: true, linkUp: true });
    return this.ports.length - 1;
  }

  setForwarding(port: number, on: boolean): void {
    this.ports[port].forwarding = on;
  }

  setLinkUp(port: number, up: boolean): void {
    this.ports[port].linkUp = up;
    if (!up) for (const [mac, p] of this.fdb) if (p === port) this.fdb.delete(mac);
  }

  portName(port: number): string {
    return this.ports[port].name;
  }

  /** A frame arriving on `port`. */
  receive(port: number, frame: Uint8Array): void {
    const ingress = this.ports[port];
    if (!ingress.linkUp || !ingress.forwarding) return;
    if (frame[0] === 0x01 && frame[1] === 0x80 && frame[2] === 0xc2 && frame[3] === 0 && frame[4] === 0 && (frame[5] & 0xf0) === 0) {
      if (this.slowProtocols) this.slowProtocols(port, frame);
      else this.reservedDropped++;
      return;
    }
    if (!isMulticastMac(frame, 6)) this.fdb.set(formatMac(frame, 6), port);
    const out = isMulticastMac(frame, 0) ? undefined : this.fdb.get(formatMac(frame, 0));
    if (out !== undefined) {
      if (out !== port) this.emit(out, frame);
      return;
    }
    for (let p = 0; p < this.ports.length; p++) if (p !== port) this.emit(p, frame);
  }

  /** Sends a frame the bridge itself originates (LACP) out of `port`. */
  transmit(port: number, frame: Uint8Array): void {
    this.emit(port, frame);
  }

  private emit(port: number, frame: Uint8Array): void {
    const p = this.ports[port];
    if (p.linkUp && p.forwarding) p.sink(frame);
  }
}
