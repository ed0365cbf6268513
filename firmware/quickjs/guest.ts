/**
 * The firmware core as it runs inside an embedded JavaScript engine (QuickJS): the network
 * stack, bonding, LACP, host stack and the HOWTO's console commands, over ports, a clock and
 * a log that the embedding provides through one `host` object. The hardware (registers,
 * cables, the world) stays outside; frames and console lines cross the boundary.
 *
 * Portable core: no Node modules; everything outside comes through `GuestHost`.
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { EventLog } from '../../lib/log.ts';
import { SeededRandom } from '../../lib/random.ts';
import { Dispatcher } from '../console/dispatcher.ts';
import { SysFs } from '../console/sysfs.ts';
import { registerNetCommands } from '../console/net-commands.ts';
import { registerBondingCommands } from '../console/bonding-commands.ts';
import { NetStack, type PortHardware } from '../net/stack.ts';
import { frontPortFlags, type FrontPort } from '../net/port-device.ts';
import type { NetCounters, Duplex } from '../net/netdev.ts';
import '../bonding/bond3ad.ts';
import '../bonding/modes.ts';

/** What the embedding gives the core. Synchronous calls, or promises it settles later. */
export interface GuestHost {
  now(): number;
  setTimer(id: number, ms: number): void;
  cancelTimer(id: number): void;
  log(level: string, time: number, text: string): void;
  /** Sends a frame out of port `index`; false when it could not. */
  send(index: number, frame: Uint8Array): boolean;
  /** A port's state as the hardware last reported it. */
  portState(index: number): { carrier: boolean; adminUp: boolean; speed: number; duplex: string };
  setAdminUp(index: number, up: boolean): Promise<void>;
  /** A fresh link reading for the MII monitor (the embedding reads the registers). */
  probeLink(index: number, useCarrier: boolean): Promise<boolean>;
}

export interface GuestPortInfo {
  name: string;
  permanentMac: Uint8Array;
}

class HostClock implements Clock {
  private nextId = 1;
  private readonly fns = new Map<number, () => void>();

  constructor(private readonly host: GuestHost) {}

  now(): number {
    return this.host.now();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.fns.set(id, fn);
    this.host.setTimer(id, ms);
    return id;
  }

  cancel(handle: TimerHandle): void {
    if (this.fns.delete(handle)) this.host.cancelTimer(handle);
  }

  fire(id: number): void {
    const fn = this.fns.get(id);
    if (!fn) return;
    this.fns.delete(id);
    fn();
  }
}

class GuestPort implements FrontPort {
  readonly kind = 'port';
  readonly vlan = -1;
  readonly txqueuelen = 1000;
  mac: Uint8Array;
  mtu = 1500;
  master: string | undefined;
  promiscuity = 0;
  allmulti = 0;
  userPromisc = false;
  userAllmulti = false;
  readonly counters: NetCounters = { rxPackets: 0, rxBytes: 0, rxDropped: 0, txPackets: 0, txBytes: 0, txDropped: 0 };

  constructor(
    private readonly host: GuestHost,
    readonly index: number,
    readonly name: string,
    readonly permanentMac: Uint8Array,
  ) {
    this.mac = permanentMac.slice();
  }

  private get state() {
    return this.host.portState(this.index);
  }
  get adminUp(): boolean {
    return this.state.adminUp;
  }
  get carrier(): boolean {
    const s = this.state;
    return s.adminUp && s.carrier;
  }
  get up(): boolean {
    return this.carrier;
  }
  get speed(): number {
    return this.state.speed;
  }
  get duplex(): Duplex {
    return this.state.duplex as Duplex;
  }
  get extraFlags(): string[] {
    return frontPortFlags(this);
  }
  setMac(mac: Uint8Array): void {
    this.mac = mac.slice();
  }
  setAdminUp(up: boolean): Promise<void> {
    return this.host.setAdminUp(this.index, up);
  }
  probeLink(useCarrier: boolean): Promise<boolean> {
    return this.host.probeLink(this.index, useCarrier);
  }
  send(frame: Uint8Array, length: number): boolean {
    const ok = this.state.adminUp && this.host.send(this.index, frame.slice(0, length));
    if (ok) {
      this.counters.txPackets++;
      this.counters.txBytes += length;
    } else this.counters.txDropped++;
    return ok;
  }
  xmit(frame: Uint8Array, length: number): boolean {
    return this.send(frame, length);
  }
  countRxDropped(): void {
    this.counters.rxDropped++;
  }
}

/** The core inside the engine; the embedding calls these. */
export class Guest {
  private readonly clock: HostClock;
  readonly log: EventLog;
  readonly net: NetStack;
  readonly dispatcher = new Dispatcher();
  private receiver: ((index: number, frame: Uint8Array, length: number) => void) | undefined;
  private readonly changeListeners: (() => void)[] = [];
  private readonly ports: GuestPort[];

  constructor(host: GuestHost, ports: readonly GuestPortInfo[]) {
    this.clock = new HostClock(host);
    this.log = new EventLog(this.clock, 200);
    this.log.subscribe((e) => host.log(e.level, e.time, e.text));
    this.ports = ports.map((p, i) => new GuestPort(host, i, p.name, p.permanentMac));
    const hw: PortHardware = {
      ports: this.ports,
      setReceiver: (fn) => {
        this.receiver = fn;
      },
      onPortChange: (fn) => {
        this.changeListeners.push(fn);
      },
    };
    this.net = new NetStack(hw, this.clock, this.log, new SeededRandom(0x626f6e64));
    const sysfs = new SysFs();
    registerNetCommands(this.dispatcher, sysfs, this.net);
    registerBondingCommands(this.dispatcher, sysfs, this.net);
  }

  /** A timer the embedding ran on its clock. */
  fire(id: number): void {
    this.clock.fire(id);
  }

  /** A frame from the hardware on port `index`. */
  receive(index: number, frame: Uint8Array): void {
    const p = this.ports[index];
    if (!p || !p.adminUp) return;
    p.counters.rxPackets++;
    p.counters.rxBytes += frame.length;
    this.receiver?.(index, frame, frame.length);
  }

  /** A port's link, speed or duplex changed. */
  portChanged(): void {
    for (const l of this.changeListeners) l();
  }

  /** Runs one console line; resolves with what the console prints. */
  async execute(line: string): Promise<string> {
    return (await this.dispatcher.execute(line, 'script')).output;
  }
}
