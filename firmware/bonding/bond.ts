/**
 * One bond device: its slaves, the active-slave logic, MAC and flag rules, and the transmit
 * and receive paths of balance-rr, active-backup, balance-xor and broadcast, after Linux's
 * drivers/net/bonding/bond_main.c. The link monitors live in miimon.ts and arpmon.ts; the
 * 802.3ad, balance-tlb and balance-alb modes plug in through `ModeExtension`.
 *
 * Portable core: no Node modules, time from the injected Clock, no allocation per frame on
 * the transmit path.
 */
import type { Clock } from '../../lib/clock.ts';
import { Ratelimit } from '../../lib/ratelimit.ts';
import { UsageError } from '../../lib/errors.ts';
import type { EventLog } from '../../lib/log.ts';
import type { Random } from '../../lib/random.ts';
import { formatMac, macEquals, readU16 } from '../../lib/addr.ts';
import type { Duplex, NetCounters, NetDevice } from '../net/netdev.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_VLAN } from '../net/packets.ts';
import { hashToIndex as hashToIndexImport, xmitHash as xmitHashImport } from './hash.ts';
export { isLb, needsSpeedDuplex, usesPrimary, usesXmitHash } from './options.ts';
import {
  BOND_MODE_8023AD,
  isLb,
  modeName,
  needsSpeedDuplex,
  usesPrimary,
  usesXmitHash,
  parseOptionValue,
  setBondOption,
  type OptionHost,
  type Via,
  BOND_MODE_ACTIVEBACKUP,
  BOND_MODE_ALB,
  BOND_MODE_BROADCAST,
  BOND_MODE_ROUNDROBIN,
  BOND_MODE_TLB,
  BOND_MODE_XOR,
  BOND_FOM_ACTIVE,
  BOND_FOM_FOLLOW,
  BOND_PRI_RESELECT_ALWAYS,
  BOND_PRI_RESELECT_BETTER,
  BOND_PRI_RESELECT_FAILURE,
  defaultBondOptions,
  type BondMode,
  type BondOptions,
} from './options.ts';
import {
  BOND_LINK_BACK,
  BOND_LINK_DOWN,
  BOND_LINK_FAIL,
  BOND_LINK_NOCHANGE,
  BOND_LINK_UP,
  Slave,
  type BondPort,
  type LinkState,
} from './slave.ts';
import { MiiMonitor } from './miimon.ts';
import type { MonitorHost } from './monitor-host.ts';
import { ArpMonitor } from './arpmon.ts';

// Per-frame calls go through module constants: compiled code folds them, where it loads and
// checks an imported binding on every call (firmware/bonding/hash.ts).
const xmitHash = xmitHashImport, hashToIndex = hashToIndexImport;

/** What the bond needs from the firmware around it: time, the log, and the host stack above. */
export interface BondEnv {
  clock: Clock;
  log: EventLog;
  random: Random;
  /** A frame the bond accepted, for the host stack on the bond or on one of its VLAN devices. */
  deliver(bond: Bond, frame: Uint8Array, length: number): void;
  /** NETDEV_NOTIFY_PEERS: gratuitous ARPs for the bond's addresses and its VLAN devices'. */
  notifyPeers(bond: Bond): void;
  /**
   * How the ARP monitor reaches `target` (bond_arp_send_all's route lookup): the VLAN tag to
   * use (-1 for none) and the source address; null when the route leaves through a device
   * that is not this bond or one of its VLAN devices; undefined when there is no route.
   */
  arpRoute(bond: Bond, target: number): { vlan: number; src: number } | null | undefined;
  /** bond_has_this_ip: `ip` is an address of the bond or of a device stacked on it. */
  hasIp(bond: Bond, ip: number): boolean;
  /**
   * The ports that distribute the bond's traffic changed (802.3ad): the switch chip's trunk
   * tables follow, so switched traffic uses the same links (hardware LAG). Optional.
   */
  lagChanged?(bond: Bond, ports: readonly BondPort[]): void;
  /** Something a status display shows changed (links, roles, options, slaves). Optional. */
  changed?(bond: Bond): void;
  /**
   * What `name` is, for active_slave's refusals: undefined when no such device exists, null
   * when it exists but is no bond's slave, else the name of its bond. Optional.
   */
  deviceMaster?(name: string): string | null | undefined;
}

/**
 * A mode that needs more than the bond core gives (802.3ad, balance-tlb, balance-alb)
 * registers these hooks; the core calls them where Linux calls bond_3ad_* / bond_alb_*.
 */
export interface ModeExtension {
  /** Transmits one frame; false when it was dropped. No allocation. */
  xmit(frame: Uint8Array, length: number): boolean;
  /** A frame arrived on `slave`; 'consumed' (a protocol frame the mode took), 'deliver' or 'drop'. */
  receive(slave: Slave, frame: Uint8Array, length: number): 'consumed' | 'deliver' | 'drop';
  slaveAdded(slave: Slave): void;
  slaveRemoved(slave: Slave): void;
  linkChanged(slave: Slave, link: LinkState): void;
  open(): void;
  close(): void;
  /**
   * The active slave changes (bond_alb_handle_active_change): the mode moves addresses; the
   * core has already set `currActiveSlave` to `next`.
   */
  activeChanged?(next: Slave | undefined, old: Slave | undefined): void;
  /** A slave's speed or duplex changed (bond_3ad_adapter_speed_duplex_changed). */
  speedChanged?(slave: Slave): void;
  /** bond_3ad_update_lacp_rate / bond_3ad_update_ad_actor_settings: the ports take the bond's new LACP settings. */
  lacpSettingsChanged?(): void;
  /** bond_option_actor_port_prio_set: one slave's 802.3ad port priority. */
  setActorPortPrio?(slave: Slave, prio: number): void;
  /** The user sets the bond's MAC (bond_alb_set_mac_address); replaces the core's rule. */
  setMac?(mac: Uint8Array): void;
  /** bond_set_carrier for the mode (802.3ad: min_links and the active aggregator). */
  carrier?(): boolean;
  /** Lines the mode adds to /proc/net/bonding/<bond>, after the bond part. */
  procBond?(): string[];
  procSlave?(slave: Slave): string[];
  dispose(): void;
}

export type ModeFactory = (bond: Bond) => ModeExtension;
const MODE_FACTORIES = new Map<BondMode, ModeFactory>();

/** Plugs a mode implementation in (802.3ad, balance-tlb, balance-alb). */
export function registerBondMode(mode: BondMode, factory: ModeFactory): void {
  MODE_FACTORIES.set(mode, factory);
}

/** Whether a mode can run: the four built into the core, or one that registered. */
export function bondModeAvailable(mode: BondMode): boolean {
  return mode <= BOND_MODE_BROADCAST || MODE_FACTORIES.has(mode);
}

/** "balance-rr 0, active-backup 1, ..." for the modes this firmware runs. */
export function availableModesText(): string {
  const out: string[] = [];
  for (let m = 0; m <= 6; m++) if (bondModeAvailable(m as BondMode)) out.push(`${modeName(m as BondMode)} ${m}`);
  return out.join(', ');
}

const IPPROTO_IGMP = 2;

export class Bond implements NetDevice, OptionHost, MonitorHost {
  readonly kind = 'bond';
  readonly opts: BondOptions = defaultBondOptions();
  readonly slaves: Slave[] = [];
  mac: Uint8Array;
  /** NET_ADDR_RANDOM until a slave or the user sets the address. */
  macRandom = true;
  mtu = 1500;
  readonly txqueuelen = 1000;
  /** The bond's own frames are untagged (HostLink). */
  readonly vlan = -1;
  adminUp = false;
  private carrierOn = false;
  readonly counters: NetCounters = { rxPackets: 0, rxBytes: 0, rxDropped: 0, txPackets: 0, txBytes: 0, txDropped: 0 };
  /** IFF_PROMISC / IFF_ALLMULTI set on the bond by the user. */
  promisc = false;
  allmultiFlag = false;
  /** VLAN IDs of the 802.1Q devices on this bond (the bond tags its own frames with them). */
  readonly vlans = new Set<number>();

  currActiveSlave: Slave | undefined;
  primarySlave: Slave | undefined;
  /** The slave the ARP monitor is probing while no slave is active (active-backup). */
  currentArpSlave: Slave | undefined;
  forcePrimary = false;
  /** Slaves a hash may pick (bond->usable_slaves), in slave-list order. */
  usableSlaves: Slave[] = [];
  /** Times the active slave moved from one slave to another (telemetry's Failover Count). */
  failoverCount = 0;
  /** Peer notifications still to send (bond->send_peer_notif), in monitor rounds. */
  sendPeerNotif = 0;
  private rrTxCounter = 0;
  private mode: ModeExtension | undefined;
  readonly miimon: MiiMonitor;
  readonly arpmon: ArpMonitor;

  constructor(
    readonly name: string,
    readonly env: BondEnv,
  ) {
    this.mac = randomMac(env.random);
    this.miimon = new MiiMonitor(this);
    this.arpmon = new ArpMonitor(this);
  }

  get log(): EventLog {
    return this.env.log;
  }

  get now(): number {
    return this.env.clock.now();
  }

  // ---------------------------------------------------------------------------------------
  // NetDevice

  get carrier(): boolean {
    return this.carrierOn;
  }

  /** Up and running, for the host stack. */
  get up(): boolean {
    return this.adminUp && this.carrierOn;
  }

  /** bond_ethtool_get_link_ksettings: the sum over slaves that can send (broadcast: the slowest). */
  get speed(): number {
    let speed = 0;
    for (const s of this.slaves) {
      if (!s.canTx || s.speed <= 0) continue;
      if (this.opts.mode === BOND_MODE_BROADCAST) speed = speed === 0 || s.speed < speed ? s.speed : speed;
      else speed += s.speed;
    }
    return speed > 0 ? speed : -1;
  }

  get duplex(): Duplex {
    for (const s of this.slaves) if (s.canTx && s.duplex !== 'unknown') return s.duplex;
    return 'unknown';
  }

  get extraFlags(): string[] {
    const f = ['MASTER'];
    if (this.promisc) f.unshift('PROMISC');
    if (this.allmultiFlag) f.unshift('ALLMULTI');
    return f;
  }

  async setAdminUp(up: boolean): Promise<void> {
    if (up === this.adminUp) return;
    if (up) this.open();
    else this.close();
  }

  /** The slave named `name`, if it is one of ours. */
  slave(name: string): Slave | undefined {
    return this.slaves.find((s) => s.name === name);
  }

  // ---------------------------------------------------------------------------------------
  // Options: the table's setters (options.ts) store the value and call back here

  /**
   * Sets one option from text through the option table: a sysfs write, `ip link set ... type
   * bond` (netlink), MQTT or the saved configuration. Returns the warnings, as the log has them;
   * a refusal is logged too (netdev_err) and thrown.
   */
  setOptionText(name: string, text: string, via: Via = 'sysfs'): string[] {
    let warnings: string[];
    try {
      if (name === 'mode') {
        // Parse first so a bad value is reported as such, then refuse modes not built in.
        const p = parseOptionValue(name, text, { mode: this.opts.mode, up: this.adminUp, slaveCount: this.slaves.length });
        const mode = (p.kind === 'number' ? p.value : 0) as BondMode;
        if (!bondModeAvailable(mode)) throw new UsageError(`option mode: ${modeName(mode)} is not available in this firmware`, `available: ${availableModesText()}`);
      }
      warnings = setBondOption(this, this.opts, name, text, { up: this.adminUp, slaveCount: this.slaves.length }, via);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      const err = e.by(this.name);
      this.log.error(err.text);
      throw err;
    }
    const said = warnings.map((w) => `${this.name}: ${w}`);
    for (const w of said) this.log.warn(w);
    this.env.changed?.(this);
    return said;
  }

  /** Creates the mode extension for the mode the bond starts in (module parameters). */
  initMode(): void {
    this.mode?.dispose();
    const f = MODE_FACTORIES.get(this.opts.mode);
    this.mode = f ? f(this) : undefined;
  }

  get slaveCount(): number {
    return this.slaves.length;
  }

  modeChanged(): void {
    this.initMode();
  }

  monitorsChanged(): void {
    if (this.adminUp) this.startMonitors();
  }

  arpTargetAdded(slot: number): void {
    for (const s of this.slaves) s.targetLastArpRx[slot] = this.now;
  }

  arpTargetRemoved(slot: number): void {
    for (const s of this.slaves) {
      const rx = s.targetLastArpRx;
      rx.copyWithin(slot, slot + 1);
      rx[rx.length - 1] = 0;
    }
  }

  /** bond_option_primary_set, after the name is stored. */
  primaryChanged(): void {
    const name = this.opts.primary;
    const s = name === '' ? undefined : this.slave(name);
    if (s) {
      this.primarySlave = s;
      this.forcePrimary = true;
      this.selectActiveSlave();
      return;
    }
    // Cleared, or not enslaved yet (recorded for when it is).
    if (this.primarySlave || name === '') {
      this.primarySlave = undefined;
      this.selectActiveSlave();
    }
  }

  /** bond_option_active_slave_set. */
  setActiveSlave(name: string): void {
    if (name === '') {
      this.changeActiveSlave(undefined);
      this.selectActiveSlave();
      return;
    }
    const s = this.slave(name);
    if (!s) {
      const where = this.env.deviceMaster?.(name);
      if (where === undefined) throw new UsageError(`option active_slave: interface ${name} does not exist!`);
      throw new UsageError(where === null ? `(slave ${name}): Device is not bonding slave` : `(slave ${name}): Device is not our slave`);
    }
    const old = this.currActiveSlave;
    if (s === old) return;
    if (old && s.link === BOND_LINK_UP && s.isUp) {
      this.changeActiveSlave(s);
      return;
    }
    throw new UsageError(`(slave ${s.name}): Could not set as active slave; either ${s.name} is down or the link is down`);
  }

  /** bond_option_active_slave_get: the current active slave, in the modes that have one. */
  activeSlaveName(): string {
    const s = this.currActiveSlave;
    return s && usesPrimary(this.opts.mode) ? s.name : '';
  }

  allSlavesActiveChanged(): void {
    for (const s of this.slaves) {
      if (!s.isActive) s.inactive = this.opts.all_slaves_active === 0;
    }
  }

  lacpRateChanged(): void {
    this.mode?.lacpSettingsChanged?.();
  }

  lacpActorChanged(): void {
    this.mode?.lacpSettingsChanged?.();
  }

  /** bond_option_queue_id_set: every refusal is the same EPERM. */
  setQueueId(slave: string, qid: number): void {
    const s = this.slave(slave);
    if (!s || (qid !== 0 && this.slaves.some((x) => x !== s && x.queueId === qid))) {
      throw new UsageError('invalid input for queue_id set', `${s ? `queue id ${qid} is already used` : `${slave} is not a slave of ${this.name}`}`);
    }
    s.queueId = qid;
  }

  queueIds(): string {
    return this.slaves.map((s) => `${s.name}:${s.queueId}`).join(' ');
  }

  /** bond_option_prio_set: with a primary set the new priority waits; without, the bond reselects. */
  setSlavePrio(slave: string, prio: number): void {
    const s = this.slave(slave);
    if (!s) throw new UsageError(`option prio: ${slave} is not a slave of ${this.name}`);
    s.prio = prio;
    if (this.primarySlave) this.log.warn(`${this.name}: (slave ${s.name}): prio updated, but will not affect failover re-selection as primary slave have been set`);
    else this.selectActiveSlave();
  }

  /** bond_option_actor_port_prio_set: the port's priority, then bond_3ad_update_ad_actor_settings. */
  setActorPortPrio(slave: string, prio: number): void {
    const s = this.slave(slave);
    if (!s) throw new UsageError(`option ad_actor_port_prio: ${slave} is not a slave of ${this.name}`);
    this.mode?.setActorPortPrio?.(s, prio);
  }

  info(text: string): void {
    this.log.info(`${this.name}: ${text}`);
  }

  // ---------------------------------------------------------------------------------------
  // Up and down

  /** bond_open. */
  open(): void {
    this.adminUp = true;
    for (const s of this.slaves) {
      if (usesPrimary(this.opts.mode) && s !== this.currActiveSlave) this.setSlaveInactive(s);
      else if (this.opts.mode !== BOND_MODE_8023AD) this.setSlaveActive(s);
    }
    this.mode?.open();
    if (usesXmitHash(this.opts.mode)) this.updateSlaveArr();
    this.startMonitors();
    this.setCarrier();
  }

  /** bond_close: monitors stop; the slaves stay (current Linux; the old HOWTO released them). */
  close(): void {
    this.adminUp = false;
    this.miimon.stop();
    this.arpmon.stop();
    this.mode?.close();
    this.sendPeerNotif = 0;
    this.setCarrier();
  }

  startMonitors(): void {
    this.miimon.stop();
    this.arpmon.stop();
    if (!this.adminUp) return;
    if (this.opts.miimon > 0) this.miimon.start();
    else if (this.opts.arp_interval > 0) this.arpmon.start();
  }

  // ---------------------------------------------------------------------------------------
  // Enslave and release

  /** bond_enslave. The caller has checked that the port is a free front-panel port. */
  async enslave(port: BondPort): Promise<Slave> {
    if (port.master !== undefined) throw new UsageError(`${this.name}: ${port.name}: Device is already in use (enslaved to ${port.master})`);
    if (port.adminUp) throw new UsageError(`${this.name}: ${port.name}: Device can not be enslaved while up (set it down first)`);
    const first = this.slaves.length === 0;
    if (first && this.macRandom) {
      this.mac = port.mac.slice();
      this.macRandom = false;
    }
    const slave = new Slave(port);
    port.master = this.name;
    port.mtu = this.mtu;
    if (!this.opts.fail_over_mac || this.opts.mode !== BOND_MODE_ACTIVEBACKUP) port.setMac(this.mac);
    await port.setAdminUp(true);
    this.slaves.push(slave);
    slave.updateSpeedDuplex();

    const now = this.now;
    slave.lastRx = now - (this.opts.arp_interval + 1);
    slave.targetLastArpRx.fill(slave.lastRx);
    slave.lastTx = slave.lastRx;

    // The promiscuity of the bond goes to every slave, or only to the active one.
    if (!usesPrimary(this.opts.mode)) {
      if (this.promisc) port.promiscuity++;
      if (this.allmultiFlag) port.allmulti++;
    }

    if (this.opts.miimon) {
      const up = await port.probeLink(this.opts.use_carrier === 1);
      if (up) {
        if (this.opts.updelay) {
          slave.link = BOND_LINK_BACK;
          slave.delay = this.opts.updelay / this.opts.miimon;
        } else {
          slave.link = BOND_LINK_UP;
        }
      } else {
        slave.link = BOND_LINK_DOWN;
      }
    } else if (this.opts.arp_interval) {
      slave.link = port.carrier ? BOND_LINK_UP : BOND_LINK_DOWN;
    } else {
      slave.link = BOND_LINK_UP;
    }
    if (slave.link !== BOND_LINK_DOWN) slave.lastLinkUp = now;

    switch (this.opts.mode) {
      case BOND_MODE_ACTIVEBACKUP:
        this.setSlaveInactive(slave);
        break;
      case BOND_MODE_8023AD:
        // The LACP machines decide when the slave collects and distributes.
        this.setSlaveInactive(slave);
        break;
      case BOND_MODE_TLB:
      case BOND_MODE_ALB:
        // Active for transmit, but receiving only on the active slave (unless all_slaves_active).
        slave.backup = false;
        this.setSlaveInactive(slave);
        break;
      default:
        // Always active in the trunk modes; curr_active_slave only names the first up one.
        this.setSlaveActive(slave);
        if (!this.currActiveSlave && slave.link === BOND_LINK_UP) this.currActiveSlave = slave;
    }

    if (usesPrimary(this.opts.mode) && this.opts.primary === slave.name) {
      this.primarySlave = slave;
      this.forcePrimary = true;
    }
    this.mode?.slaveAdded(slave);
    if (usesPrimary(this.opts.mode)) this.selectActiveSlave();
    if (usesXmitHash(this.opts.mode)) this.updateSlaveArr();
    this.log.info(
      `${this.name}: (slave ${slave.name}): Enslaving as ${slave.isActive ? 'an active' : 'a backup'} interface with ${slave.link !== BOND_LINK_DOWN ? 'an up' : 'a down'} link`,
    );
    this.setCarrier();
    this.env.changed?.(this);
    return slave;
  }

  /** __bond_release_one. */
  async release(slave: Slave): Promise<void> {
    const port = slave.port;
    const wasActive = slave.isActive;
    this.setSlaveInactive(slave);
    const i = this.slaves.indexOf(slave);
    if (i < 0) throw new UsageError(`${this.name}: (slave ${slave.name}): interface not enslaved`);
    this.slaves.splice(i, 1);
    if (usesXmitHash(this.opts.mode)) this.updateSlaveArr();
    this.mode?.slaveRemoved(slave);
    this.log.info(`${this.name}: (slave ${slave.name}): Releasing ${wasActive ? 'active' : 'backup'} interface`);
    const oldCurrent = this.currActiveSlave;
    this.currentArpSlave = undefined;
    if ((!this.opts.fail_over_mac || this.opts.mode !== BOND_MODE_ACTIVEBACKUP) && this.slaves.length > 0 && macEquals(this.mac, 0, slave.permHwaddr)) {
      this.log.warn(
        `${this.name}: (slave ${slave.name}): the permanent HWaddr of slave - ${formatMac(slave.permHwaddr)} - is still in use by bond - set the HWaddr of slave to a different address to avoid conflicts`,
      );
    }
    if (this.primarySlave === slave) this.primarySlave = undefined;
    if (oldCurrent === slave) {
      this.changeActiveSlave(undefined);
      this.selectActiveSlave();
    }
    this.setCarrier();
    if (this.slaves.length === 0) {
      // Current Linux gives a bond without slaves a fresh random address.
      this.mac = randomMac(this.env.random);
      this.macRandom = true;
    }
    if (!usesPrimary(this.opts.mode)) {
      if (this.promisc && port.promiscuity > 0) port.promiscuity--;
      if (this.allmultiFlag && port.allmulti > 0) port.allmulti--;
    }
    port.master = undefined;
    this.env.changed?.(this);
    // Linux closes the slave before restoring its address and MTU.
    await port.setAdminUp(false);
    if (this.opts.fail_over_mac !== BOND_FOM_ACTIVE || this.opts.mode !== BOND_MODE_ACTIVEBACKUP) port.setMac(slave.permHwaddr);
    port.mtu = slave.originalMtu;
  }

  // ---------------------------------------------------------------------------------------
  // Slave roles

  /** bond_set_slave_inactive_flags. */
  setSlaveInactive(s: Slave): void {
    if (!isLb(this.opts.mode)) s.backup = true;
    if (!this.opts.all_slaves_active) s.inactive = true;
    if (this.opts.mode === BOND_MODE_8023AD) s.inactive = true;
  }

  /** bond_set_active_slave: a role change only; the receive flag stays as it is. */
  setActiveRole(s: Slave): void {
    s.backup = false;
  }

  /** bond_set_slave_active_flags. */
  setSlaveActive(s: Slave): void {
    s.backup = false;
    s.inactive = false;
  }

  /** bond_update_slave_arr: the slaves a hash may choose (can transmit, in list order). */
  updateSlaveArr(): void {
    const arr: Slave[] = [];
    for (const s of this.slaves) if (s.canTx) arr.push(s);
    this.usableSlaves = arr;
  }

  /** bond_set_carrier; returns true when the carrier changed. */
  setCarrier(): boolean {
    let on = false;
    if (this.adminUp && this.slaves.length > 0) {
      if (this.mode?.carrier) on = this.mode.carrier();
      else on = this.slaves.some((s) => s.link === BOND_LINK_UP);
    }
    if (on === this.carrierOn) return false;
    this.carrierOn = on;
    this.env.changed?.(this);
    return true;
  }

  /**
   * bond_choose_primary_or_current. Without a primary that is up, the up slave with the
   * highest prio (the first of equals) stands in for it and primary_reselect decides between
   * it and the current slave: with the default (always) a reselection moves back to it.
   */
  private choosePrimaryOrCurrent(): Slave | undefined {
    let prim = this.primarySlave;
    const curr = this.currActiveSlave;
    if (!prim || prim.link !== BOND_LINK_UP) {
      let hprio: Slave | undefined;
      for (const s of this.slaves) {
        if (s.link !== BOND_LINK_UP) continue;
        if (!hprio || s.prio > hprio.prio) hprio = s;
      }
      if (!hprio || hprio === curr) {
        if (!curr || curr.link !== BOND_LINK_UP) return undefined;
        return curr;
      }
      prim = hprio;
    } else if (this.forcePrimary) {
      this.forcePrimary = false;
      return prim;
    }
    if (!curr || curr.link !== BOND_LINK_UP) return prim;
    switch (this.opts.primary_reselect) {
      case BOND_PRI_RESELECT_ALWAYS:
        return prim;
      case BOND_PRI_RESELECT_BETTER:
        if (prim.speed < curr.speed) return curr;
        if (prim.speed === curr.speed && duplexRank(prim.duplex) <= duplexRank(curr.duplex)) return curr;
        return prim;
      case BOND_PRI_RESELECT_FAILURE:
      default:
        return curr;
    }
  }

  /** bond_find_best_slave: the primary or current if fit, else the first up slave, else the going-back slave nearest to up. */
  private findBestSlave(): Slave | undefined {
    const s = this.choosePrimaryOrCurrent();
    if (s) return s;
    let best: Slave | undefined;
    let mintime = this.opts.miimon ? this.opts.updelay / this.opts.miimon : 0;
    for (const x of this.slaves) {
      if (x.link === BOND_LINK_UP) return x;
      if (x.link === BOND_LINK_BACK && x.isUp && x.delay < mintime) {
        mintime = x.delay;
        best = x;
      }
    }
    return best;
  }

  /**
   * bond_select_active_slave. Every mode keeps a current slave (the trunk modes send IGMP on
   * it); only the modes with a primary give it a role.
   */
  selectActiveSlave(): void {
    const best = this.findBestSlave();
    if (best === this.currActiveSlave) return;
    this.changeActiveSlave(best);
    if (!this.setCarrier()) return;
    if (this.carrierOn) this.log.info(`${this.name}: active interface up!`);
    else this.log.info(`${this.name}: now running without any active interface!`);
  }

  /** bond_change_active_slave. */
  changeActiveSlave(next: Slave | undefined): void {
    const old = this.currActiveSlave;
    if (old === next) return;
    const uses = usesPrimary(this.opts.mode);
    if (next) {
      next.lastLinkUp = this.now;
      if (next.link === BOND_LINK_BACK) {
        if (uses) {
          const earlier = this.opts.miimon ? this.opts.updelay - next.delay * this.opts.miimon : 0;
          this.log.info(`${this.name}: (slave ${next.name}): making interface the new active one ${earlier} ms earlier`);
        }
        next.delay = 0;
        next.link = BOND_LINK_UP;
        this.mode?.linkChanged(next, BOND_LINK_UP);
      } else if (uses) {
        this.log.info(`${this.name}: (slave ${next.name}): making interface the new active one`);
      }
    }
    if (uses) this.swapPromisc(next, old);
    if (uses && old && next) this.failoverCount++;
    this.currActiveSlave = next;
    this.env.changed?.(this);
    if (isLb(this.opts.mode)) this.mode?.activeChanged?.(next, old);

    if (this.opts.mode === BOND_MODE_ACTIVEBACKUP) {
      if (old) this.setSlaveInactive(old);
      if (next) {
        this.setSlaveActive(next);
        if (this.opts.fail_over_mac) this.doFailOverMac(next, old);
        if (this.adminUp) {
          const delay = Math.max(1, this.peerNotifDelayRounds());
          this.sendPeerNotif = this.opts.num_grat_arp * delay;
          if (this.shouldNotifyPeers()) {
            this.sendPeerNotif--;
            this.env.notifyPeers(this);
          }
        }
      }
    }
  }

  /** peer_notif_delay in monitor rounds (Linux keeps it as a multiple of miimon). */
  peerNotifDelayRounds(): number {
    return this.opts.miimon ? this.opts.peer_notif_delay / this.opts.miimon : 0;
  }

  /** bond_should_notify_peers. */
  shouldNotifyPeers(): boolean {
    const s = this.currActiveSlave;
    if (!s || this.sendPeerNotif <= 0) return false;
    if (this.sendPeerNotif % Math.max(1, this.peerNotifDelayRounds()) !== 0) return false;
    return this.carrierOn;
  }

  /** bond_hw_addr_swap: the bond's promiscuity and allmulti follow the active slave. */
  private swapPromisc(next: Slave | undefined, old: Slave | undefined): void {
    if (old) {
      if (this.promisc && old.port.promiscuity > 0) old.port.promiscuity--;
      if (this.allmultiFlag && old.port.allmulti > 0) old.port.allmulti--;
    }
    if (next) {
      if (this.promisc) next.port.promiscuity++;
      if (this.allmultiFlag) next.port.allmulti++;
    }
  }

  /** bond_do_fail_over_mac. */
  private doFailOverMac(next: Slave, old: Slave | undefined): void {
    switch (this.opts.fail_over_mac) {
      case BOND_FOM_ACTIVE:
        this.mac = next.port.mac.slice();
        this.macRandom = false;
        break;
      case BOND_FOM_FOLLOW: {
        // Swap addresses: the new active takes the bond's address, the old one the new one's.
        const prev = old ?? this.slaves.find((s) => s !== next && macEquals(s.port.mac, 0, this.mac));
        const nextMac = next.port.mac.slice();
        next.port.setMac(prev ? prev.port.mac : this.mac);
        if (prev) prev.port.setMac(nextMac);
        break;
      }
    }
  }

  /** Sets the bond's MAC (ifconfig hw ether / ip link set address): bond_set_mac_address. */
  setMac(mac: Uint8Array): void {
    if (this.opts.fail_over_mac && this.opts.mode === BOND_MODE_ACTIVEBACKUP) return; // Linux: success, nothing done
    if (this.mode?.setMac) {
      this.mode.setMac(mac);
      this.macRandom = false;
      return;
    }
    for (const s of this.slaves) s.port.setMac(mac);
    this.mac = mac.slice();
    this.macRandom = false;
  }

  /** IFF_PROMISC on the bond: every slave, or only the active one (HOWTO 10). */
  setPromisc(on: boolean): void {
    if (on === this.promisc) return;
    this.promisc = on;
    const d = on ? 1 : -1;
    const targets = usesPrimary(this.opts.mode) ? (this.currActiveSlave ? [this.currActiveSlave] : []) : this.slaves;
    for (const s of targets) s.port.promiscuity = Math.max(0, s.port.promiscuity + d);
  }

  setAllmulti(on: boolean): void {
    if (on === this.allmultiFlag) return;
    this.allmultiFlag = on;
    const d = on ? 1 : -1;
    const targets = usesPrimary(this.opts.mode) ? (this.currActiveSlave ? [this.currActiveSlave] : []) : this.slaves;
    for (const s of targets) s.port.allmulti = Math.max(0, s.port.allmulti + d);
  }

  /** MTU for the bond and every slave (bond_change_mtu). */
  setMtu(mtu: number): void {
    for (const s of this.slaves) s.port.mtu = mtu;
    this.mtu = mtu;
  }

  // ---------------------------------------------------------------------------------------
  // Link state changes the monitors commit

  /**
   * bond_slave_netdev_event NETDEV_CHANGE: a port's speed or duplex may have changed (the
   * PHY was read after its carrier came up, or renegotiated). The slave takes the new values;
   * 802.3ad re-keys the port.
   */
  slaveChanged(s: Slave): void {
    // An unknown carrier says nothing of speed: the slave keeps what it knew until the monitor decides.
    if (s.port.carrierUnknown) return;
    if (s.speed === s.port.speed && s.duplex === s.port.duplex) return;
    s.updateSpeedDuplex();
    this.mode?.speedChanged?.(s);
    if (usesXmitHash(this.opts.mode)) this.updateSlaveArr();
    this.env.changed?.(this);
  }

  private readonly warnLimit = new Ratelimit();

  /** A warning under net_ratelimit, for what repeats every monitor round. */
  warnRatelimited(text: string): void {
    if (this.warnLimit.allow(this.now)) this.log.warn(text);
  }

  /** The shared part of a slave going up or down for the trunk modes (bond_miimon_link_change). */
  linkChanged(s: Slave, link: LinkState): void {
    this.env.changed?.(this);
    this.mode?.linkChanged(s, link);
    if (usesXmitHash(this.opts.mode)) this.updateSlaveArr();
  }

  // ---------------------------------------------------------------------------------------
  // What the link monitors propose, committed (MonitorHost)

  get clock(): Clock {
    return this.env.clock;
  }

  peerNotifyCountdown(): void {
    if (this.sendPeerNotif > 0) this.sendPeerNotif--;
  }

  notifyPeers(): void {
    this.env.notifyPeers(this);
  }

  hasIp(ip: number): boolean {
    return this.env.hasIp(this, ip);
  }

  arpRoute(target: number): { vlan: number; src: number } | null | undefined {
    return this.env.arpRoute(this, target);
  }

  /** bond_miimon_commit. */
  commitMiiLinks(slaves: readonly Slave[]): void {
    let failover = false;
    for (const s of slaves) {
      if (!this.slaves.includes(s)) continue;
      const next = s.linkNewState;
      s.linkNewState = BOND_LINK_NOCHANGE;
      if (next === BOND_LINK_UP) {
        s.updateSpeedDuplex();
        if (!s.speedDuplexKnown && needsSpeedDuplex(this.opts.mode)) {
          // The carrier came up before the PHY's speed was read: stay down and let the next
          // round try again.
          s.link = BOND_LINK_DOWN;
          this.warnRatelimited(`${this.name}: (slave ${s.name}): failed to get link speed/duplex`);
          continue;
        }
        s.link = BOND_LINK_UP;
        s.lastLinkUp = this.now;
        if (this.opts.mode === BOND_MODE_8023AD) s.backup = true;
        else if (this.opts.mode !== BOND_MODE_ACTIVEBACKUP) this.setActiveRole(s);
        this.log.info(`${this.name}: (slave ${s.name}): link status definitely up, ${s.speed > 0 ? s.speed : 0} Mbps ${s.duplex === 'full' ? 'full' : 'half'} duplex`);
        this.linkChanged(s, BOND_LINK_UP);
        const active = this.currActiveSlave;
        if (!active || s === this.primarySlave || s.prio > active.prio) failover = true;
      } else if (next === BOND_LINK_DOWN) {
        s.linkFailureCount++;
        s.link = BOND_LINK_DOWN;
        if (this.opts.mode === BOND_MODE_ACTIVEBACKUP || this.opts.mode === BOND_MODE_8023AD) this.setSlaveInactive(s);
        this.log.info(`${this.name}: (slave ${s.name}): link status definitely down, disabling slave`);
        this.linkChanged(s, BOND_LINK_DOWN);
        if (s === this.currActiveSlave) failover = true;
      }
    }
    if (failover) this.selectActiveSlave();
    this.setCarrier();
    this.env.changed?.(this);
  }

  /** The commit half of bond_loadbalance_arp_mon. */
  commitLoadBalanceArpLinks(failover: boolean, changed: boolean): void {
    for (const s of this.slaves) {
      if (s.linkNewState !== BOND_LINK_NOCHANGE) s.link = s.linkNewState;
      s.linkNewState = BOND_LINK_NOCHANGE;
    }
    if (changed) {
      // bond_slave_state_change
      for (const s of this.slaves) {
        if (s.link === BOND_LINK_UP) this.setActiveRole(s);
        else if (s.link === BOND_LINK_DOWN) s.backup = true;
      }
      if (this.opts.mode === BOND_MODE_XOR) this.updateSlaveArr();
    }
    if (failover) this.selectActiveSlave();
    this.setCarrier();
    this.env.changed?.(this);
  }

  /** bond_ab_arp_commit. */
  commitActiveBackupArpLinks(): void {
    const inInterval = (last: number, mod: number): boolean => {
      const delta = this.opts.arp_interval;
      return this.now >= last - delta && this.now <= last + mod * delta + Math.floor(delta / 2);
    };
    for (const s of this.slaves) {
      const next = s.linkNewState;
      s.linkNewState = BOND_LINK_NOCHANGE;
      let failover = false;
      switch (next) {
        case BOND_LINK_UP: {
          const active = this.currActiveSlave;
          if (active !== s || (!active && inInterval(s.lastTx, 1))) {
            s.link = BOND_LINK_UP;
            const arpSlave = this.currentArpSlave;
            if (arpSlave) {
              this.setSlaveInactive(arpSlave);
              this.currentArpSlave = undefined;
            }
            this.log.info(`${this.name}: (slave ${s.name}): link status definitely up`);
            const curr = this.currActiveSlave;
            if (!curr || s === this.primarySlave || s.prio > curr.prio) failover = true;
          }
          break;
        }
        case BOND_LINK_DOWN:
          s.linkFailureCount++;
          s.link = BOND_LINK_DOWN;
          this.setSlaveInactive(s);
          this.log.info(`${this.name}: (slave ${s.name}): link status definitely down, disabling slave`);
          if (s === this.currActiveSlave) {
            this.currentArpSlave = undefined;
            failover = true;
          }
          break;
        case BOND_LINK_FAIL:
          s.link = BOND_LINK_FAIL;
          this.setSlaveInactive(s);
          // A slave just enslaved has become the active one.
          if (this.currActiveSlave) this.currentArpSlave = undefined;
          break;
      }
      if (failover) this.selectActiveSlave();
    }
    this.setCarrier();
    this.env.changed?.(this);
  }

  backupDown(s: Slave): void {
    s.link = BOND_LINK_DOWN;
    s.linkFailureCount++;
    this.setSlaveInactive(s);
    this.log.info(`${this.name}: (slave ${s.name}): backup interface is now down`);
  }

  probeThrough(s: Slave): void {
    s.link = BOND_LINK_BACK;
    this.setSlaveActive(s);
    this.currentArpSlave = s;
  }

  // ---------------------------------------------------------------------------------------
  // Transmit

  /**
   * Sends one frame the host stack built (already tagged for a VLAN device). Returns false
   * when it was dropped. Reads the frame in place; allocates nothing.
   */
  xmit(frame: Uint8Array, length: number): boolean {
    if (!this.adminUp || !this.carrierOn || length < 14) return this.txDrop();
    let ok: boolean;
    switch (this.opts.mode) {
      case BOND_MODE_ROUNDROBIN:
        ok = this.xmitTo(this.rrSlave(frame, length), frame, length);
        break;
      case BOND_MODE_ACTIVEBACKUP:
        ok = this.xmitTo(this.currActiveSlave, frame, length);
        break;
      case BOND_MODE_XOR: {
        const n = this.usableSlaves.length;
        ok = n > 0 && this.xmitTo(this.usableSlaves[hashToIndex(xmitHash(frame, length, this.opts.xmit_hash_policy), n)], frame, length);
        break;
      }
      case BOND_MODE_BROADCAST:
        ok = this.xmitBroadcast(frame, length);
        break;
      default:
        ok = this.mode !== undefined && this.mode.xmit(frame, length);
    }
    if (!ok) return this.txDrop();
    this.counters.txPackets++;
    this.counters.txBytes += length;
    return true;
  }

  private txDrop(): false {
    this.counters.txDropped++;
    return false;
  }

  private xmitTo(s: Slave | undefined, frame: Uint8Array, length: number): boolean {
    // The caller chose among slaves that can send; active-backup sends on the active slave as is.
    if (!s) return false;
    if (!s.port.send(frame, length)) return false;
    s.txFrames++;
    return true;
  }

  /** Sends a frame out of one slave directly (the monitors' and modes' own frames). */
  sendOnSlave(s: Slave, frame: Uint8Array, length: number): boolean {
    if (!s.port.send(frame, length)) return false;
    s.txFrames++;
    return true;
  }

  private xmitBroadcast(frame: Uint8Array, length: number): boolean {
    let sent = false;
    for (let i = 0; i < this.slaves.length; i++) {
      const s = this.slaves[i];
      if (s.canTx && s.port.send(frame, length)) {
        s.txFrames++;
        sent = true;
      }
    }
    return sent;
  }

  /** bond_xmit_roundrobin_slave_get: IGMP to the active slave, else the next slave that can send. */
  private rrSlave(frame: Uint8Array, length: number): Slave | undefined {
    let et = 12;
    if (length >= 18 && readU16(frame, 12) === ETHERTYPE_VLAN) et = 16;
    if (length >= et + 2 + 20 && readU16(frame, et) === ETHERTYPE_IPV4 && frame[et + 2 + 9] === IPPROTO_IGMP) {
      return this.currActiveSlave ?? this.slaveById(0);
    }
    const n = this.slaves.length;
    if (n === 0) return undefined;
    return this.slaveById(this.rrGenSlaveId() % n);
  }

  /** bond_rr_gen_slave_id: random for packets_per_slave 0, else counter / packets_per_slave. */
  private rrGenSlaveId(): number {
    const pps = this.opts.packets_per_slave;
    if (pps === 0) return this.env.random.nextU32();
    this.rrTxCounter = (this.rrTxCounter + 1) >>> 0;
    return pps === 1 ? this.rrTxCounter : Math.floor(this.rrTxCounter / pps);
  }

  /** bond_get_slave_by_id: from slave `id` on, then from the start, the first that can send. */
  private slaveById(id: number): Slave | undefined {
    const n = this.slaves.length;
    for (let i = id; i < n; i++) if (this.slaves[i].canTx) return this.slaves[i];
    for (let i = 0; i < id && i < n; i++) if (this.slaves[i].canTx) return this.slaves[i];
    return undefined;
  }

  // ---------------------------------------------------------------------------------------
  // Receive

  /**
   * bond_handle_frame: a frame arrived on a slave. The ARP monitor's probe sees it first;
   * frames on inactive slaves are not delivered to the bond (except in balance-alb, unicast).
   */
  receive(s: Slave, frame: Uint8Array, length: number): void {
    if (this.opts.arp_interval > 0) this.arpmon.receiveProbe(s, frame, length);
    if (this.mode) {
      const verdict = this.mode.receive(s, frame, length);
      if (verdict === 'consumed') return;
      if (verdict === 'drop') {
        s.port.countRxDropped();
        return;
      }
    }
    if (s.inactive) {
      const multicast = (frame[0] & 1) === 1;
      if (!(this.opts.mode === BOND_MODE_ALB && !multicast)) {
        s.port.countRxDropped();
        return;
      }
    }
    if (!this.adminUp) return;
    s.rxFrames++;
    this.counters.rxPackets++;
    this.counters.rxBytes += length;
    this.env.deliver(this, frame, length);
  }

  /**
   * A frame that reached the bond from its hardware LAG rather than from one slave (the
   * switch tagged it with the trunk, as DSA switches do once a LAG is offloaded): Linux's
   * tag_dsa.c injects it into the bond device directly, so no per-slave rule applies.
   */
  receiveFromLag(frame: Uint8Array, length: number): void {
    if (!this.adminUp) {
      this.counters.rxDropped++;
      return;
    }
    this.counters.rxPackets++;
    this.counters.rxBytes += length;
    this.env.deliver(this, frame, length);
  }

  /** Releases every slave and stops everything (the bond is being deleted). */
  async destroy(): Promise<void> {
    this.close();
    for (const s of [...this.slaves]) await this.release(s);
    this.mode?.dispose();
    this.mode = undefined;
  }

  get modeExtension(): ModeExtension | undefined {
    return this.mode;
  }
}

function duplexRank(d: Duplex): number {
  return d === 'full' ? 1 : 0;
}

/** eth_hw_addr_random: a locally administered unicast address. */
export function randomMac(random: Random): Uint8Array {
  const mac = new Uint8Array(6);
  for (let i = 0; i < 6; i++) mac[i] = random.below(256);
  mac[0] = (mac[0] & 0xfe) | 0x02;
  return mac;
}
