/**
 * Mode 802.3ad (bond_3ad.c): the LACP engine drives which slaves collect and distribute;
 * transmit hashes over the distributing slaves of the active aggregator only; LACPDUs and
 * Markers are taken off the receive path; the switch's trunk tables follow the aggregator.
 */
import { formatMac, isZeroMac, parseMac, readU16 } from '../../lib/addr.ts';
import { ETHERTYPE_SLOW } from '../net/packets.ts';
import { Lacp, type LacpPort, type LacpSettings } from '../lacp/engine.ts';
import { registerBondMode, type Bond, type ModeExtension } from './bond.ts';
import { hashToIndex as hashToIndexImport, xmitHash as xmitHashImport } from './hash.ts';
import { BOND_MODE_8023AD, valueName } from './options.ts';
import { BOND_LINK_UP, type LinkState, type Slave } from './slave.ts';

// Per-frame calls go through module constants: compiled code folds them, where it loads and
// checks an imported binding on every call (firmware/bonding/hash.ts).
const xmitHash = xmitHashImport, hashToIndex = hashToIndexImport;

const CHURN_TEXT = { monitoring: 'monitoring', none: 'none', churned: 'churned' } as const;

export class Mode8023ad implements ModeExtension {
  readonly lacp: Lacp;
  private readonly ports = new Map<Slave, LacpPort>();
  private nextPortNumber = 1;
  private lastLag = '';

  constructor(private readonly bond: Bond) {
    this.lacp = new Lacp(bond.env.clock, () => this.settings(), {
      distributionChanged: () => this.updateDistribution(),
      warn: (text) => bond.warnRatelimited(`${bond.name}: ${text}`),
    });
    this.lacp.stop();
  }

  /** One settings object, refreshed from the options at every read (the engine reads often). */
  private readonly current: LacpSettings = {
    active: true, fast: false, systemPriority: 0, system: new Uint8Array(6), userPortKey: 0, adSelect: 0, coupled: true,
  };
  private systemText = '';
  private readonly fixedSystem = new Uint8Array(6);
  private systemFixed = false;

  private settings(): LacpSettings {
    const o = this.bond.opts;
    const c = this.current;
    if (o.ad_actor_system !== this.systemText) {
      this.systemText = o.ad_actor_system;
      this.fixedSystem.set(parseMac(o.ad_actor_system) ?? new Uint8Array(6));
      this.systemFixed = !isZeroMac(this.fixedSystem);
    }
    // ad_actor_system all zeros: the bond's own address.
    c.system.set(this.systemFixed ? this.fixedSystem : this.bond.mac);
    c.active = o.lacp_active === 1;
    c.fast = o.lacp_rate === 1;
    c.systemPriority = o.ad_actor_sys_prio;
    c.userPortKey = o.ad_user_port_key;
    c.adSelect = o.ad_select;
    c.coupled = o.coupled_control === 1;
    return c;
  }

  port(s: Slave): LacpPort | undefined {
    return this.ports.get(s);
  }

  slaveAdded(s: Slave): void {
    const bond = this.bond;
    const p = this.lacp.addPort({ name: s.name, mac: s.port.mac, send: (f, n) => bond.sendOnSlave(s, f, n) }, this.nextPortNumber++);
    this.ports.set(s, p);
    // Nothing is collected or distributed until LACP says so.
    s.backup = true;
    s.inactive = true;
    this.lacp.setPortLink(p, s.link === BOND_LINK_UP && s.isUp, s.speed, s.duplex === 'full');
  }

  slaveRemoved(s: Slave): void {
    const p = this.ports.get(s);
    if (!p) return;
    this.ports.delete(s);
    this.lacp.removePort(p);
    this.updateDistribution();
  }

  /** ad_actor_port_prio of a slave, 0..65535 (Linux sets it through netlink only). */
  setActorPortPrio(s: Slave, prio: number): void {
    const p = this.ports.get(s);
    if (p) this.lacp.setPortPriority(p, prio);
  }

  /** /sys/class/net/<bond>/bonding/ad_* (bond_sysfs.c): the active aggregator's, 0 (the MAC: nothing) without one. */
  sysfsFile(file: string): string {
    const agg = this.lacp.activeAggregator;
    if (!agg) return file === 'ad_partner_mac' ? '' : '0';
    switch (file) {
      case 'ad_aggregator':
        return String(agg.id);
      case 'ad_num_ports':
        return String(agg.ports.length);
      case 'ad_actor_key':
        return String(agg.actorKey);
      case 'ad_partner_key':
        return String(agg.partnerKey);
      case 'ad_partner_mac':
        return formatMac(agg.partnerSystem);
      default:
        return '';
    }
  }

  /** /sys/class/net/<port>/bonding_slave/ad_* (bond_sysfs_slave.c). */
  slaveSysfsFile(s: Slave, file: string): string {
    const p = this.ports.get(s);
    if (!p) return '';
    switch (file) {
      case 'ad_aggregator_id':
        return p.aggregator ? String(p.aggregator.id) : '';
      case 'ad_actor_oper_port_state':
        return String(p.actor.state);
      case 'ad_partner_oper_port_state':
        return String(p.partner.state);
      default:
        return '';
    }
  }

  linkChanged(s: Slave, link: LinkState): void {
    const p = this.ports.get(s);
    if (!p) return;
    s.updateSpeedDuplex();
    this.lacp.setPortLink(p, link === BOND_LINK_UP && s.isUp, s.speed, s.duplex === 'full');
    this.updateDistribution();
  }

  speedChanged(s: Slave): void {
    const p = this.ports.get(s);
    if (!p) return;
    this.lacp.setPortLink(p, s.link === BOND_LINK_UP && s.isUp, s.speed, s.duplex === 'full');
    this.updateDistribution();
  }

  /**
   * The settings are read live (settings()); the ports start over with them. Only lacp_rate
   * (while down) and the actor system and priority come here: the options that need the bond
   * down take effect when it comes up, min_links through bond_set_carrier.
   */
  lacpSettingsChanged(): void {
    this.lacp.reconfigure();
  }

  open(): void {
    this.lacp.start();
  }

  close(): void {
    this.lacp.stop();
  }

  dispose(): void {
    this.lacp.stop();
  }

  /** Which slaves carry traffic: the bond's flags, usable list, carrier, and the hardware LAG. */
  private updateDistribution(): void {
    const bond = this.bond;
    for (const [s, p] of this.ports) {
      s.backup = !this.lacp.mayDistribute(p);
      s.inactive = !this.lacp.mayCollect(p);
    }
    bond.updateSlaveArr();
    bond.setCarrier();
    bond.env.changed?.(bond);
    const lag = `${bond.usableSlaves.map((s) => s.name).join(' ')}|${bond.slaves.map((s) => s.name).join(' ')}`;
    if (lag !== this.lastLag) {
      this.lastLag = lag;
      bond.env.lagChanged?.(bond, bond.usableSlaves.map((s) => s.port));
    }
  }

  /** bond_3ad_set_carrier: an active aggregator with at least min_links ports up. */
  carrier(): boolean {
    const agg = this.lacp.activeAggregator;
    if (!agg) return false;
    return agg.activePorts >= Math.max(1, this.bond.opts.min_links);
  }

  xmit(frame: Uint8Array, length: number): boolean {
    const usable = this.bond.usableSlaves;
    const n = usable.length;
    if (n === 0) return false;
    const s = usable[hashToIndex(xmitHash(frame, length, this.bond.opts.xmit_hash_policy), n)];
    return this.bond.sendOnSlave(s, frame, length);
  }

  receive(s: Slave, frame: Uint8Array, length: number): 'consumed' | 'deliver' | 'drop' {
    const p = this.ports.get(s);
    if (length >= 15 && readU16(frame, 12) === ETHERTYPE_SLOW) {
      if (p) this.lacp.receive(p, frame, length);
      return 'consumed';
    }
    return p && this.lacp.mayCollect(p) ? 'deliver' : 'drop';
  }

  /** The 802.3ad block of /proc/net/bonding/<bond> (bond_info_show_master). */
  procBond(): string[] {
    const o = this.bond.opts;
    const st = this.settings();
    const lines = [
      '',
      '802.3ad info',
      `LACP active: ${o.lacp_active ? 'on' : 'off'}`,
      `LACP rate: ${o.lacp_rate ? 'fast' : 'slow'}`,
      `Min links: ${o.min_links}`,
      `Aggregator selection policy (ad_select): ${valueName('ad_select', o.ad_select)}`,
      `System priority: ${st.systemPriority}`,
      `System MAC address: ${formatMac(st.system)}`,
    ];
    const agg = this.lacp.activeAggregator;
    if (!agg) lines.push(`bond ${this.bond.name} has no active aggregator`);
    else {
      lines.push(
        'Active Aggregator Info:',
        `\tAggregator ID: ${agg.id}`,
        `\tNumber of ports: ${agg.ports.length}`,
        `\tActor Key: ${agg.actorKey}`,
        `\tPartner Key: ${agg.partnerKey}`,
        `\tPartner Mac Address: ${formatMac(agg.partnerSystem)}`,
      );
    }
    return lines;
  }

  /** The 802.3ad block of a slave (bond_info_show_slave). */
  procSlave(s: Slave): string[] {
    const p = this.ports.get(s);
    if (!p || !p.aggregator) return ['Aggregator ID: N/A'];
    const a = p.actor;
    const q = p.partner;
    return [
      `Aggregator ID: ${p.aggregator.id}`,
      `Actor Churn State: ${CHURN_TEXT[p.actorChurn]}`,
      `Partner Churn State: ${CHURN_TEXT[p.partnerChurn]}`,
      `Actor Churned Count: ${p.actorChurnCount}`,
      `Partner Churned Count: ${p.partnerChurnCount}`,
      'details actor lacp pdu:',
      `    system priority: ${a.systemPriority}`,
      `    system mac address: ${formatMac(a.system)}`,
      `    port key: ${a.key}`,
      `    port priority: ${a.portPriority}`,
      `    port number: ${a.port}`,
      `    port state: ${a.state}`,
      'details partner lacp pdu:',
      `    system priority: ${q.systemPriority}`,
      `    system mac address: ${formatMac(q.system)}`,
      `    oper key: ${q.key}`,
      `    port priority: ${q.portPriority}`,
      `    port number: ${q.port}`,
      `    port state: ${q.state}`,
    ];
  }
}

registerBondMode(BOND_MODE_8023AD, (bond) => new Mode8023ad(bond));
