/**
 * The gateway's network stack: the front-panel port devices, the bonding driver and its
 * bonds, 802.1Q devices, and the IPv4 host stack on top, with the receive path that routes
 * each frame from a port to the device that should see it.
 *
 * Portable core: no Node modules; time and randomness are injected.
 */
import type { Clock } from '../../lib/clock.ts';
import { UsageError } from '../../lib/errors.ts';
import type { EventLog } from '../../lib/log.ts';
import type { Random } from '../../lib/random.ts';
import { Bond, type BondEnv } from '../bonding/bond.ts';
import '../bonding/bond3ad.ts';
import type { BondPort } from '../bonding/slave.ts';
import { BondingDriver } from '../bonding/driver.ts';
import { readU16 } from '../../lib/addr.ts';
import { HostStack, type HostLink } from './host.ts';
import { NetDeviceTable, type NetDevice } from './netdev.ts';
import { ETHERTYPE_VLAN } from './packets.ts';
import { isFrontPort, type FrontPort } from './port-device.ts';
import { VlanDevice, type VlanLower } from './vlan-device.ts';

/** The hardware below the stack: front-panel ports, their frames and link changes. */
export interface PortHardware {
  /** The front-panel ports, in board order. */
  readonly ports: readonly FrontPort[];
  /** Frames received on port `index` (into `ports`). */
  setReceiver(fn: (index: number, frame: Uint8Array, length: number) => void): void;
  /** A port's link, speed or duplex changed. */
  onPortChange(fn: () => void): void;
  /**
   * A PHY interrupt said the link of these ports (indexes into `ports`) changed, before
   * anything was read. Absent, or never called: no interrupt lines, link monitors poll.
   */
  onLinkInterrupt?(fn: (indexes: readonly number[]) => void): void;
  /**
   * The hardware below was set up again (its path was lost, or it was reset): what the stack
   * programmed into it (LAGs) must be programmed again. Absent: it never forgets.
   */
  onReset?(fn: () => void): void;
  /**
   * Hardware LAGs (the switch's trunk tables), where the switch has them: `setLag` programs
   * LAG `id` (from `firstId` to `lastId`) with the bond's ports `members`, of which `active`
   * distribute (port indexes). Absent: an 802.3ad bond's frames all go through the CPU port.
   */
  readonly lag?: {
    readonly firstId: number;
    readonly lastId: number;
    setLag(id: number, members: readonly number[], active: readonly number[]): Promise<void>;
  };
  /**
   * Frames received on a programmed LAG, named by its LAG id only (the switch does not say
   * which member they came in on). Required with `lag`: once a LAG is programmed, the
   * switch delivers every non-trapped frame from its members this way.
   */
  setLagReceiver?(fn: (trunkId: number, frame: Uint8Array, length: number) => void): void;
}

export class NetStack {
  readonly devices = new NetDeviceTable();
  readonly ports: FrontPort[] = [];
  readonly host: HostStack;
  readonly bonding: BondingDriver;
  private readonly vlans = new Map<string, VlanDevice>();

  constructor(
    readonly hardware: PortHardware,
    readonly clock: Clock,
    readonly log: EventLog,
    random: Random,
  ) {
    this.host = new HostStack({ clock, log });
    for (const dev of hardware.ports) {
      this.ports.push(dev);
      this.devices.add(dev);
      this.host.attach(dev);
    }
    const env: BondEnv = {
      clock,
      log,
      random,
      deliver: (bond, frame, length) => this.deliverTo(bond, frame, length),
      notifyPeers: (bond) => this.notifyPeers(bond),
      arpRoute: (bond, target) => this.arpRoute(bond, target),
      hasIp: (bond, ip) => this.ownsIp(bond, ip),
      lagChanged: (bond, ports) => this.lagChanged(bond, ports),
      changed: () => this.notifyChange(),
      deviceMaster: (name) => {
        const dev = this.devices.get(name);
        if (!dev) return undefined;
        return isFrontPort(dev) && dev.master !== undefined ? dev.master : null;
      },
    };
    this.bonding = new BondingDriver(env, {
      nameTaken: (name) => this.devices.get(name) !== undefined,
      added: (bond) => {
        this.devices.add(bond);
        this.host.attach(bond);
        this.notifyChange();
      },
      removed: (bond) => {
        for (const v of this.vlansOn(bond)) this.removeVlan(v.name);
        this.host.detach(bond.name);
        this.devices.remove(bond.name);
        this.notifyChange();
      },
    });
    hardware.setReceiver((index, frame, length) => this.receive(index, frame, length));
    hardware.setLagReceiver?.((trunkId, frame, length) => this.receiveFromLag(trunkId, frame, length));
    hardware.onPortChange(() => {
      for (const b of this.bonding.list()) for (const s of b.slaves) b.slaveChanged(s);
      this.notifyChange();
    });
    hardware.onReset?.(() => this.reprogramLags());
    hardware.onLinkInterrupt?.((indexes) => this.linkInterrupt(indexes));
  }

  /** The MII monitor of each bond with a slave on these ports inspects them now (miimon.ts). */
  private linkInterrupt(indexes: readonly number[]): void {
    const ports = new Set<BondPort>();
    for (const i of indexes) if (this.ports[i]) ports.add(this.ports[i]);
    for (const bond of this.bonding.list()) {
      const slaves = bond.slaves.filter((s) => ports.has(s.port));
      if (slaves.length > 0) bond.miimon.linkInterrupt(slaves);
    }
  }

  private readonly changeListeners = new Set<() => void>();

  /**
   * Called (synchronously, possibly many times in a burst) whenever a port, a bond or a
   * device changes in a way a status display shows. Returns the unsubscribe function.
   */
  onChange(fn: () => void): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  notifyChange(): void {
    for (const l of this.changeListeners) l();
  }

  port(name: string): FrontPort | undefined {
    return this.ports.find((p) => p.name === name);
  }

  bond(name: string): Bond | undefined {
    return this.bonding.get(name);
  }

  // ---------------------------------------------------------------------------------------
  // VLAN devices

  /** `ip link add link <lower> name <name> type vlan id <vid>`. */
  addVlan(lowerName: string, name: string, vid: number): VlanDevice {
    const lower = this.devices.get(lowerName);
    if (!lower) throw new UsageError(`Cannot find device "${lowerName}"`);
    if (lower.kind === 'vlan') throw new UsageError(`${lowerName}: 802.1Q devices go on a bond or a port, not on another VLAN device`);
    if (isFrontPort(lower) && lower.master !== undefined) {
      throw new UsageError(`${lowerName} is enslaved to ${lower.master}: put the VLAN device on ${lower.master}`);
    }
    if (!Number.isInteger(vid) || vid < 1 || vid > 4094) throw new UsageError(`invalid VLAN id ${vid} (1 to 4094)`);
    if (this.devices.get(name)) throw new UsageError('RTNETLINK answers: File exists');
    if (!/^[^\s/:]{1,15}$/.test(name)) throw new UsageError(`invalid device name '${name}' (at most 15 characters, no spaces, '/' or ':')`);
    for (const v of this.vlans.values()) {
      if (v.lower === lower && v.vlan === vid) throw new UsageError(`RTNETLINK answers: File exists (${v.name} already has VLAN ${vid} on ${lowerName})`);
    }
    const dev = new VlanDevice(name, lower as VlanLower, vid);
    this.vlans.set(name, dev);
    this.devices.add(dev);
    this.host.attach(dev);
    if (lower instanceof Bond) lower.vlans.add(vid);
    this.log.info(`${name}: 802.1Q VLAN ${vid} on ${lowerName}`);
    return dev;
  }

  removeVlan(name: string): void {
    const dev = this.vlans.get(name);
    if (!dev) throw new UsageError(`Cannot find device "${name}"`);
    this.vlans.delete(name);
    this.host.detach(name);
    this.devices.remove(name);
    if (dev.lower instanceof Bond) dev.lower.vlans.delete(dev.vlan);
  }

  vlansOn(lower: NetDevice): VlanDevice[] {
    return [...this.vlans.values()].filter((v) => v.lower === lower);
  }

  vlan(name: string): VlanDevice | undefined {
    return this.vlans.get(name);
  }

  /**
   * Back to the state at boot: no bonding module (its bonds release their ports), no VLAN
   * devices or addresses, ports up with their own MAC, MTU 1500, no promiscuity.
   */
  async resetToBoot(): Promise<void> {
    if (this.bonding.loaded) await this.bonding.unload();
    for (const v of [...this.vlans.values()]) this.removeVlan(v.name);
    for (const p of this.ports) {
      for (const a of [...this.host.addresses(p.name)]) this.host.removeAddress(p.name, a.ip, a.prefix);
      p.setMac(p.permanentMac);
      p.mtu = 1500;
      p.userPromisc = false;
      p.userAllmulti = false;
      if (!p.adminUp) await p.setAdminUp(true);
    }
    this.notifyChange();
  }

  /** Brings any device up or down; its VLAN devices follow. */
  async setAdminUp(dev: NetDevice, up: boolean): Promise<void> {
    await dev.setAdminUp(up);
    await this.lowerStateChanged(dev);
  }

  /** A lower device going down takes its VLAN devices down; coming up brings them back (vlan_device_event). */
  async lowerStateChanged(lower: NetDevice): Promise<void> {
    for (const v of this.vlansOn(lower)) {
      if (!lower.adminUp) {
        if (v.adminUp) {
          v.adminUp = false;
          v.followsLower = true;
        }
      } else if (v.followsLower) {
        v.followsLower = false;
        await v.setAdminUp(true);
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Receive

  private receive(index: number, frame: Uint8Array, length: number): void {
    const port = this.ports[index];
    if (!port) return;
    if (port.master !== undefined) {
      const bond = this.bonding.get(port.master);
      const slave = bond?.slave(port.name);
      if (bond && slave) bond.receive(slave, frame, length);
      return;
    }
    this.deliverTo(port, frame, length);
  }

  /** Frames lost because they came from a trunk that no bond owns (a stale switch entry). */
  lagRxUnowned = 0;

  /**
   * A frame the switch forwarded from a hardware LAG: it goes to the bond that owns the trunk,
   * past the per-slave receive path (the member port is unknown), as Linux's DSA does.
   */
  private receiveFromLag(trunkId: number, frame: Uint8Array, length: number): void {
    const trunks = this.trunks;
    for (let i = 0; i < trunks.length; i++) {
      if (trunks[i].id !== trunkId) continue;
      const bond = this.bonding.get(trunks[i].bond);
      if (bond) {
        bond.receiveFromLag(frame, length);
        return;
      }
    }
    this.lagRxUnowned++;
  }

  /** Hands a frame to `dev`, or to its VLAN device when it carries that device's tag. */
  private deliverTo(dev: NetDevice & HostLink, frame: Uint8Array, length: number): void {
    if (length >= 18 && readU16(frame, 12) === ETHERTYPE_VLAN) {
      const vid = readU16(frame, 14) & 0x0fff;
      for (const v of this.vlans.values()) {
        if (v.lower === dev && v.vlan === vid) {
          if (!v.up) return;
          v.countRx(length);
          this.host.receive(v, frame, length);
          return;
        }
      }
      return; // no device for this VLAN: nobody listens
    }
    if (!dev.adminUp) return;
    this.host.receive(dev, frame, length);
  }

  // ---------------------------------------------------------------------------------------
  // What bonds need from the stack

  /** NETDEV_NOTIFY_PEERS reaches the bond and every VLAN device on it. */
  private notifyPeers(bond: Bond): void {
    this.host.sendGratuitousArps(bond.name);
    for (const v of this.vlansOn(bond)) if (v.up) this.host.sendGratuitousArps(v.name);
  }

  private arpRoute(bond: Bond, target: number): { vlan: number; src: number } | null | undefined {
    const r = this.host.route(target);
    if (!r) return undefined;
    if (r.link === (bond as HostLink)) return { vlan: -1, src: r.src };
    const v = this.vlans.get(r.link.name);
    if (v && v.lower === bond) return { vlan: v.vlan, src: r.src };
    return null;
  }

  // ---------------------------------------------------------------------------------------
  // Hardware LAG

  /**
   * Trunk IDs in the order they were given to bonds. An array, walked per received frame by
   * index: iterating a Map's entries allocates an array per entry.
   */
  private readonly trunks: { bond: string; id: number; ports: string[]; members: number[]; active: number[] }[] = [];

  /** The switch LAG an 802.3ad bond has (its id and distributing ports); undefined before it aggregates or without hardware LAG. */
  lagOf(bond: string): { id: number; ports: readonly string[] } | undefined {
    return this.trunks.find((t) => t.bond === bond);
  }

  /** Whether the switch offloads LAGs (else an 802.3ad bond's frames all go through the CPU port). */
  get hardwareLag(): boolean {
    return this.hardware.lag !== undefined;
  }
  private lagWork: Promise<void> = Promise.resolve();

  /**
   * An 802.3ad bond's distributing ports changed: program the switch's LAG so that switched
   * traffic uses the same links (DSA's port_lag_join/lag_change). LAG ids are given to bonds
   * as they first aggregate, from the switch's range; changes are applied in order.
   */
  private lagChanged(bond: Bond, ports: readonly BondPort[]): void {
    const lag = this.hardware.lag;
    if (!lag) return;
    let trunk = this.trunks.find((t) => t.bond === bond.name);
    if (trunk === undefined) {
      const used = new Set(this.trunks.map((t) => t.id));
      let id = lag.firstId;
      while (used.has(id) && id < lag.lastId) id++;
      trunk = { bond: bond.name, id, ports: [], members: [], active: [] };
      this.trunks.push(trunk);
    }
    const indexOf = (name: string): number => this.ports.findIndex((p) => p.name === name);
    // Kept as asked for, so a switch that forgets its tables gets them again (reprogramLags).
    trunk.active = ports.map((p) => indexOf(p.name)).filter((i) => i >= 0);
    trunk.members = bond.slaves.map((s) => indexOf(s.name)).filter((i) => i >= 0);
    trunk.ports = trunk.active.map((i) => this.ports[i].name);
    this.programLag(bond.name, trunk.id, trunk.members, trunk.active);
  }

  private programLag(bond: string, trunkId: number, members: readonly number[], active: readonly number[]): void {
    const lag = this.hardware.lag;
    if (!lag) return;
    this.lagWork = this.lagWork
      .then(async () => {
        await lag.setLag(trunkId, members, active);
        this.log.info(`${bond}: switch trunk ${trunkId}: ${active.length ? active.map((i) => this.ports[i].name).join(' ') : 'no ports'}`);
      })
      .catch((e: unknown) => this.log.error(`${bond}: programming switch trunk ${trunkId} failed: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** The switch was set up again: every LAG a bond asked for, as it last asked for it. */
  private reprogramLags(): void {
    for (const t of this.trunks) if (t.members.length > 0) this.programLag(t.bond, t.id, t.members, t.active);
  }

  private ownsIp(bond: Bond, ip: number): boolean {
    const link = this.host.linkOfAddress(ip);
    if (!link) return false;
    if (link.name === bond.name) return true;
    const v = this.vlans.get(link.name);
    return v !== undefined && v.lower === bond;
  }
}
