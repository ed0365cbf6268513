import { formatMac, isMulticastMac } from '../lib/addr.ts';

/** Where a link-partner switch port leads: a board cable, a host, or an inter-switch link. */
export type PortSink = (frame: Uint8Array) => void;

interface BridgePort {
  name: string;
  sink: PortSink;
  /** `sim peer <port> drop`: the partner stops passing frames on this port (both ways). */
  forwarding: boolean;
  /** False while the cable is out: the partner's port has no link. */
  linkUp: boolean;
  /** The link aggregation this port belongs to (its LACP selected it), or -1. */
  lag: number;
  /** In a LAG: frames received on it are accepted (802.1AX collecting). */
  collecting: boolean;
  /** In a LAG: frames may be sent on it (802.1AX distributing). */
  distributing: boolean;
}

/**
 * A link-partner switch: an 802.1D learning bridge with no spanning tree. It never forwards
 * frames to 01:80:C2:00:00:0x (IEEE 802.1Q 8.6.3 reserved addresses); `slowProtocols`
 * receives those from its ports. Ports its LACP aggregates act as one bridge port: learned
 * addresses point at the LAG, and a frame for the LAG leaves on one distributing member
 * chosen by a hash of its addresses (so a flood reaches the board once, not per member).
 */
export class SimBridge {
  private readonly ports: BridgePort[] = [];
  /** MAC -> port, or -(lag + 2) for an aggregation. */
  private readonly fdb = new Map<string, number>();
  /** Times each address was learned on a port other than the one it was on (a MAC move). */
  private readonly moves = new Map<string, number>();
  /** MAC moves of all addresses since the bridge started. */
  macMoves = 0;
  slowProtocols: ((port: number, frame: Uint8Array) => void) | undefined;
  reservedDropped = 0;

  constructor(readonly name: string) {}

  addPort(name: string, sink: PortSink): number {
    this.ports.push({ name, sink, forwarding: true, linkUp: true, lag: -1, collecting: false, distributing: false });
    return this.ports.length - 1;
  }

  setForwarding(port: number, on: boolean): void {
    this.ports[port].forwarding = on;
  }

  setLinkUp(port: number, up: boolean): void {
    this.ports[port].linkUp = up;
    if (!up) this.forget(port);
  }

  /** Puts `port` in aggregation `lag` (or none, with -1), collecting and distributing as given. */
  setLagMember(port: number, lag: number, collecting: boolean, distributing: boolean): void {
    const p = this.ports[port];
    if (p.lag !== lag) this.forget(port);
    p.lag = lag;
    p.collecting = lag >= 0 && collecting;
    p.distributing = lag >= 0 && distributing;
  }

  private forget(port: number): void {
    const id = this.ports[port].lag >= 0 ? -(this.ports[port].lag + 2) : port;
    for (const [mac, p] of this.fdb) if (p === id || p === port) this.fdb.delete(mac);
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
    if (ingress.lag >= 0 && !ingress.collecting) return;
    const from = ingress.lag >= 0 ? -(ingress.lag + 2) : port;
    if (!isMulticastMac(frame, 6)) this.learn(formatMac(frame, 6), from);
    const to = isMulticastMac(frame, 0) ? undefined : this.fdb.get(formatMac(frame, 0));
    if (to !== undefined) {
      if (to !== from) this.emitTo(to, frame);
      return;
    }
    const lagsDone = new Set<number>();
    for (let p = 0; p < this.ports.length; p++) {
      const lag = this.ports[p].lag;
      if (lag >= 0) {
        if (lag === ingress.lag || lagsDone.has(lag)) continue;
        lagsDone.add(lag);
        this.emitTo(-(lag + 2), frame);
      } else if (p !== port) {
        this.emit(p, frame);
      }
    }
  }

  /**
   * Learns `mac` on `from`. An address that shows up on another port while its entry is
   * live is a MAC move: a switch sees the bond's address flap between ports when the bond
   * spreads one source address over links that are not one aggregation on this side.
   */
  private learn(mac: string, from: number): void {
    const was = this.fdb.get(mac);
    if (was !== undefined && was !== from) {
      this.macMoves++;
      this.moves.set(mac, (this.moves.get(mac) ?? 0) + 1);
    }
    this.fdb.set(mac, from);
  }

  /** The address table: each learned MAC, where it is (a port name, or `lag<n>`), and its moves. */
  table(): { mac: string; where: string; moves: number }[] {
    return [...this.fdb].map(([mac, at]) => ({ mac, where: at >= 0 ? this.ports[at].name : `lag${-at - 1}`, moves: this.moves.get(mac) ?? 0 }));
  }

  /** Sends a frame the bridge itself originates (LACP) out of `port`, whatever its LAG state. */
  transmit(port: number, frame: Uint8Array): void {
    this.emit(port, frame);
  }

  /** To a port, or (negative id) to one distributing member of a LAG by address hash. */
  private emitTo(id: number, frame: Uint8Array): void {
    if (id >= 0) {
      this.emit(id, frame);
      return;
    }
    const lag = -id - 2;
    const members: number[] = [];
    for (let p = 0; p < this.ports.length; p++) {
      const x = this.ports[p];
      if (x.lag === lag && x.distributing && x.linkUp && x.forwarding) members.push(p);
    }
    if (members.length === 0) return;
    this.emit(members[(frame[5] ^ frame[11]) % members.length], frame);
  }

  private emit(port: number, frame: Uint8Array): void {
    const p = this.ports[port];
    if (p.linkUp && p.forwarding) p.sink(frame);
  }
}
