import type { Clock } from '../lib/clock.ts';
import { ETHERTYPE_ARP, ETHERTYPE_SLOW, etherTypeOffset } from '../firmware/net/packets.ts';
import { readU16 } from '../lib/addr.ts';
import { SimBridge } from './partner-bridge.ts';
import { SimHost } from './host.ts';
import { PartnerLacp } from './lacp-partner.ts';
import type { PcapngWriter } from './pcapng.ts';
import { SIM_HOST_BASE, SIM_HOST_COUNT } from './instrument/hosts.ts';

export type Topology = 'single' | 'dual';
export const TOPOLOGIES: readonly Topology[] = ['single', 'dual'];

/** What the world needs from the board's end of a cable: the PHY's media side. */
export interface CableEnd {
  setCable(plugged: boolean): void;
  /** The cable's resolved link (after autonegotiation), ignoring any PHY override. */
  readonly mediaLinkUp: boolean;
  onLinkChange(cb: (up: boolean) => void): void;
}

export interface PortStats {
  tx: number;
  rx: number;
  arpTx: number;
  lacpTx: number;
}

interface Cable {
  name: string;
  end: CableEnd;
  plugged: boolean;
  bridge: SimBridge;
  bridgePort: number;
  lacp: PartnerLacp;
  toBoard: (frame: Uint8Array) => void;
  stats: PortStats;
}

export interface WorldOptions {
  clock: Clock;
  /** Board port names, in cable order (pcapng interface order too). */
  ports: readonly string[];
  topology?: Topology;
  /** Number of hosts behind the partner, from 192.168.1.100 up. */
  hosts?: number;
  hostBase?: number;
}


/**
 * The world around the simulated board: one cable per front-panel port to a link-partner
 * switch (or two switches joined by an inter-switch link), hosts behind it, and a capture
 * of everything crossing the cables. Frames move through one FIFO drained from a zero-delay
 * timer, so nothing re-enters the firmware while it is sending, and virtual time stays exact.
 */
export class SimWorld {
  readonly bridges: SimBridge[] = [];
  /** The LACP of each link-partner switch, off on every port until `sim lacp`. */
  readonly lacps: PartnerLacp[] = [];
  readonly hosts: SimHost[] = [];
  private readonly cables: Cable[] = [];
  private readonly queue: (() => void)[] = [];
  private drainScheduled = false;
  private pcap: PcapngWriter | undefined;

  constructor(private readonly opts: WorldOptions) {
    const topology = opts.topology ?? 'single';
    const a = new SimBridge('partner');
    this.bridges.push(a);
    let b = a;
    if (topology === 'dual') {
      b = new SimBridge('partner-b');
      this.bridges.push(b);
      // Inter-switch link.
      let aIsl = 0, bIsl = 0;
      aIsl = a.addPort('isl', (f) => this.enqueue(() => b.receive(bIsl, f)));
      bIsl = b.addPort('isl', (f) => this.enqueue(() => a.receive(aIsl, f)));
    }
    const hostCount = opts.hosts ?? SIM_HOST_COUNT;
    for (let i = 0; i < hostCount; i++) {
      const bridge = topology === 'dual' && i >= hostCount / 2 ? b : a;
      const ip = ((opts.hostBase ?? SIM_HOST_BASE) + i) >>> 0;
      const mac = Uint8Array.of(0x02, 0x00, 0x00, 0x01, (i >> 8) & 255, i & 255);
      let port = 0;
      const host = new SimHost(ip, mac, (f) => this.enqueue(() => bridge.receive(port, f)));
      port = bridge.addPort(`host-${i}`, (f) => this.enqueue(() => host.receive(f)));
      this.hosts.push(host);
    }
    this.portBridges = opts.ports.map((_, i) => (topology === 'dual' && i % 2 === 1 ? b : a));
    this.bridges.forEach((br, n) => this.lacps.push(new PartnerLacp(opts.clock, br, Uint8Array.of(0x02, 0x00, 0x00, 0xfe, n, 0x00))));
  }

  private readonly portBridges: SimBridge[];

  /**
   * Connects the board's side of cable `index`: `end` is the board port's PHY, `toBoard`
   * hands a frame to the board's switch port. The cable starts plugged.
   */
  connectBoard(index: number, end: CableEnd, toBoard: (frame: Uint8Array) => void): void {
    const name = this.opts.ports[index];
    const bridge = this.portBridges[index];
    const n = this.bridges.indexOf(bridge);
    const lacp = this.lacps[n];
    const cable: Cable = { name, end, plugged: true, bridge, bridgePort: 0, lacp, toBoard, stats: { tx: 0, rx: 0, arpTx: 0, lacpTx: 0 } };
    cable.bridgePort = bridge.addPort(name, (f) => this.deliverToBoard(cable, f));
    this.cables[index] = cable;
    // The partner's port facing this cable: number 1, 2... on its switch, a MAC of its own.
    const number = this.cables.filter((c) => c && c.bridge === bridge).length;
    lacp.addPort(cable.bridgePort, number, Uint8Array.of(0x02, 0x00, 0x00, 0xfe, n, number));
    let wasUp = end.mediaLinkUp;
    end.onLinkChange(() => {
      const up = cable.end.mediaLinkUp;
      bridge.setLinkUp(cable.bridgePort, up);
      if (up === wasUp) return;
      wasUp = up;
      if (up) lacp.linkUp(cable.bridgePort);
      else lacp.linkDown(cable.bridgePort);
    });
    end.setCable(true);
    bridge.setLinkUp(cable.bridgePort, end.mediaLinkUp);
  }

  portIndex(name: string): number {
    return this.opts.ports.indexOf(name);
  }

  get portNames(): readonly string[] {
    return this.opts.ports;
  }

  private readonly observers = new Set<(index: number, frame: Uint8Array, dir: 'in' | 'out') => void>();

  /**
   * Watches every frame crossing a cable ('out': the board sent it; 'in': the partner did),
   * alongside any capture. The frame may be read only during the call. Returns the unsubscribe.
   */
  observe(fn: (index: number, frame: Uint8Array, dir: 'in' | 'out') => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  /** The board sent `frame` out of cable `index` (called by the switch emulator). */
  fromBoard(index: number, frame: Uint8Array): void {
    const cable = this.cables[index];
    if (!cable || !cable.end.mediaLinkUp) return;
    const copy = frame.slice();
    for (const o of this.observers) o(index, copy, 'out');
    const s = cable.stats;
    s.tx++;
    const et = etherTypeOffset(copy, copy.length);
    if (et >= 0) {
      const type = readU16(copy, et);
      if (type === ETHERTYPE_ARP) s.arpTx++;
      else if (type === ETHERTYPE_SLOW && copy[et + 2] === 0x01) s.lacpTx++;
    }
    this.pcap?.write(index, this.opts.clock.now(), copy, 'out');
    this.enqueue(() => cable.bridge.receive(cable.bridgePort, copy));
  }

  /** A frame the link partner sends to the board on cable `index` (`sim inject` too). */
  injectToBoard(index: number, frame: Uint8Array): void {
    this.deliverToBoard(this.cables[index], frame);
  }

  private deliverToBoard(cable: Cable, frame: Uint8Array): void {
    if (!cable.end.mediaLinkUp) return;
    cable.stats.rx++;
    for (const o of this.observers) o(this.cables.indexOf(cable), frame, 'in');
    this.pcap?.write(this.cables.indexOf(cable), this.opts.clock.now(), frame, 'in');
    this.enqueue(() => cable.toBoard(frame));
  }

  setCable(index: number, plugged: boolean): void {
    const cable = this.cables[index];
    cable.plugged = plugged;
    cable.end.setCable(plugged);
  }

  isPlugged(index: number): boolean {
    return this.cables[index].plugged;
  }

  setPeerForwarding(index: number, on: boolean): void {
    const c = this.cables[index];
    c.bridge.setForwarding(c.bridgePort, on);
  }

  /** The partner's LACP on the port facing cable `index`. */
  lacp(index: number): { lacp: PartnerLacp; bridgePort: number } {
    const c = this.cables[index];
    return { lacp: c.lacp, bridgePort: c.bridgePort };
  }

  host(ip: number): SimHost | undefined {
    return this.hosts.find((h) => h.ip === ip);
  }

  stats(index: number): PortStats {
    return { ...this.cables[index].stats };
  }

  /** Starts (or, with undefined, stops) recording every frame crossing every cable. */
  setCapture(writer: PcapngWriter | undefined): void {
    this.pcap = writer;
  }

  get capturing(): boolean {
    return this.pcap !== undefined;
  }

  /** Queues world work; the queue drains in order on a zero-delay timer. */
  enqueue(fn: () => void): void {
    this.queue.push(fn);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      this.opts.clock.setTimer(0, () => this.drain());
    }
  }

  /** Work items that threw (a world bug or a firmware handler fault); the world carries on. */
  faults = 0;
  lastFault: unknown;

  private drain(): void {
    this.drainScheduled = false;
    // Work queued while draining runs in this same pass, in order; a bound keeps a
    // forwarding loop from starving the clock (the rest drains on the next turn).
    let i = 0;
    for (; i < this.queue.length && i < 100_000; i++) {
      try {
        this.queue[i]();
      } catch (e) {
        this.faults++;
        this.lastFault = e;
      }
    }
    this.queue.splice(0, i);
    if (this.queue.length > 0 && !this.drainScheduled) {
      this.drainScheduled = true;
      this.opts.clock.setTimer(0, () => this.drain());
    }
  }
}
