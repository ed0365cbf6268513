/**
 * The ARP link monitor (bond_activebackup_arp_mon, bond_loadbalance_arp_mon, bond_arp_rcv):
 * every `arp_interval` ms it sends ARP requests to the `arp_ip_target`s and judges each slave
 * by when it last sent and last received, so it catches a partner that stops forwarding while
 * the link stays up (HOWTO 11.2.2), which the MII monitor cannot see (HOWTO 8.3).
 */
import { PeriodicTimer } from '../../lib/clock.ts';
import { macEquals, parseIpv4, readU16, readU32 } from '../../lib/addr.ts';
import { ARP_REPLY, ARP_REQUEST, BROADCAST_MAC, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_VLAN, writeArpPayload, writeEthernetHeader } from '../net/packets.ts';
import { BOND_ARP_FILTER, BOND_ARP_TARGETS_ALL, BOND_MODE_ACTIVEBACKUP } from './options.ts';
import { BOND_LINK_BACK, BOND_LINK_DOWN, BOND_LINK_FAIL, BOND_LINK_NOCHANGE, BOND_LINK_UP, type Slave } from './slave.ts';
import type { MonitorHost } from './monitor-host.ts';


/** Rounds every `arp_interval` ms; `start()` runs the first at once. */
export class ArpMonitor extends PeriodicTimer {
  /** One ARP request frame, rewritten for every probe (no allocation per probe). */
  private readonly frame = new Uint8Array(64);
  private warnedNoRoute = false;
  rounds = 0;
  /** Probes sent, for tests and telemetry. */
  probesSent = 0;
  /** arp_ip_target as numbers, parsed again only when the option's list is replaced. */
  private targetText: readonly string[] | undefined;
  private targetIps: number[] = [];

  constructor(private readonly bond: MonitorHost) {
    super(bond.clock, () => bond.opts.arp_interval);
  }

  protected override work(): void {
    if (!this.bond.adminUp) return;
    this.rounds++;
    if (this.bond.opts.mode === BOND_MODE_ACTIVEBACKUP) this.activeBackupRound();
    else this.loadBalanceRound();
  }

  /** The ARP targets as numbers (the option table keeps them as text). */
  private targets(): readonly number[] {
    const list = this.bond.opts.arp_ip_target;
    if (list !== this.targetText) {
      this.targetText = list;
      this.targetIps = list.map((t) => parseIpv4(t) ?? 0);
    }
    return this.targetIps;
  }

  /** bond_time_in_interval: `last` within [now - delta, now + mod*delta + delta/2] seen from now. */
  private inInterval(last: number, mod: number): boolean {
    const delta = this.bond.opts.arp_interval;
    const now = this.bond.now;
    return now >= last - delta && now <= last + mod * delta + Math.floor(delta / 2);
  }

  /** slave_do_arp_validate: arp_validate applies to the slave's current role. */
  private validates(s: Slave): boolean {
    return (this.bond.opts.arp_validate & (1 << (s.backup ? 1 : 0))) !== 0;
  }

  /** slave_last_rx: with arp_all_targets=all and validation, the oldest target's time. */
  private lastRx(s: Slave): number {
    const n = this.bond.opts.arp_ip_target.length;
    if (this.bond.opts.arp_all_targets === BOND_ARP_TARGETS_ALL && this.validates(s) && n > 0) {
      let oldest = s.targetLastArpRx[0];
      for (let i = 1; i < n; i++) if (s.targetLastArpRx[i] < oldest) oldest = s.targetLastArpRx[i];
      return oldest;
    }
    return s.lastRx;
  }

  // ---------------------------------------------------------------------------------------
  // Sending

  /** bond_arp_send_all: one request per target, routed as the host stack routes it. */
  sendAll(s: Slave): void {
    const bond = this.bond;
    const targets = this.targets();
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i];
      const text = bond.opts.arp_ip_target[i];
      const route = bond.arpRoute(target);
      if (route === undefined) {
        // No route: probe from 0.0.0.0 to make some traffic (arp_validate=0 can still work).
        if (bond.opts.arp_validate && !this.warnedNoRoute) {
          this.warnedNoRoute = true; // pr_warn_once
          bond.log.warn(`${bond.name}: no route to arp_ip_target ${text} and arp_validate is set`);
        }
        this.send(s, target, 0, -1);
        continue;
      }
      if (route === null) continue; // the route leaves through another device: not ours to probe
      this.send(s, target, route.src, route.vlan);
    }
  }

  /** bond_arp_send: an ARP request from the slave's address, tagged for a VLAN device. */
  private send(s: Slave, target: number, src: number, vlan: number): void {
    const f = this.frame;
    const mac = s.port.mac;
    f.fill(0);
    writeArpPayload(f, writeEthernetHeader(f, BROADCAST_MAC, 0, mac, vlan, ETHERTYPE_ARP), ARP_REQUEST, mac, src, undefined, 0, target);
    this.bond.sendOnSlave(s, f, vlan >= 0 ? 64 : 60);
    s.lastTx = this.bond.now;
    this.probesSent++;
  }

  // ---------------------------------------------------------------------------------------
  // Receiving

  /** bond_rcv_validate: every frame on a slave, before the bond decides to deliver it. */
  receiveProbe(s: Slave, frame: Uint8Array, length: number): void {
    const bond = this.bond;
    let et = 12;
    if (length >= 18 && readU16(frame, 12) === ETHERTYPE_VLAN) et = 16;
    const isArp = length >= et + 2 && readU16(frame, et) === ETHERTYPE_ARP;
    const filterOnly = (bond.opts.arp_validate & BOND_ARP_FILTER) !== 0;
    if (!this.validates(s)) {
      if ((filterOnly && isArp) || !filterOnly) s.lastRx = bond.now;
      return;
    }
    if (isArp) this.arpRcv(s, frame, et + 2, length);
  }

  /** bond_arp_rcv: which ARPs prove the slave works. */
  private arpRcv(s: Slave, frame: Uint8Array, o: number, length: number): void {
    const bond = this.bond;
    if (o + 28 > length) return;
    // Frames addressed to another host's MAC (PACKET_OTHERHOST) prove nothing.
    const unicast = (frame[0] & 1) === 0;
    if (unicast && !macEquals(frame, 0, s.port.mac) && !macEquals(frame, 0, bond.mac)) return;
    if (readU16(frame, o) !== 1 || readU16(frame, o + 2) !== ETHERTYPE_IPV4 || frame[o + 4] !== 6 || frame[o + 5] !== 4) return;
    const op = readU16(frame, o + 6);
    const sip = readU32(frame, o + 14);
    const tip = readU32(frame, o + 24);
    const active = bond.currActiveSlave;
    const arpSlave = bond.currentArpSlave;
    if (s.isActive) this.validate(s, sip, tip);
    else if (active && this.lastRx(active) > active.lastLinkUp) this.validate(s, tip, sip);
    else if (arpSlave && op === ARP_REPLY && this.inInterval(arpSlave.lastTx, 1)) this.validate(s, sip, tip);
  }

  /** bond_validate_arp: the sender is one of our targets and the target one of our addresses. */
  private validate(s: Slave, sip: number, tip: number): void {
    const bond = this.bond;
    if (!sip || !bond.hasIp(tip)) return;
    const i = this.targets().indexOf(sip);
    if (i < 0) return;
    s.lastRx = bond.now;
    s.targetLastArpRx[i] = bond.now;
  }

  // ---------------------------------------------------------------------------------------
  // Load-balancing modes

  /** bond_loadbalance_arp_mon. */
  private loadBalanceRound(): void {
    const bond = this.bond;
    if (bond.slaves.length === 0) return;
    const missedMax = bond.opts.arp_missed_max;
    const oldCurrent = bond.currActiveSlave;
    let failover = false;
    let changed = false;
    for (const s of bond.slaves) {
      s.linkNewState = BOND_LINK_NOCHANGE;
      if (s.link !== BOND_LINK_UP) {
        if (this.inInterval(s.lastTx, 1) && this.inInterval(s.lastRx, 1)) {
          s.linkNewState = BOND_LINK_UP;
          changed = true;
          if (!oldCurrent) {
            bond.log.info(`${bond.name}: (slave ${s.name}): link status definitely up`);
            failover = true;
          } else {
            bond.log.info(`${bond.name}: (slave ${s.name}): interface is now up`);
          }
        }
      } else if (!this.inInterval(s.lastTx, missedMax) || !this.inInterval(s.lastRx, missedMax)) {
        s.linkNewState = BOND_LINK_DOWN;
        changed = true;
        s.linkFailureCount++;
        bond.log.info(`${bond.name}: (slave ${s.name}): interface is now down`);
        if (s === oldCurrent) failover = true;
      }
      if (s.isUp) this.sendAll(s);
    }
    if (failover || changed) bond.commitLoadBalanceArpLinks(failover, changed);
  }

  // ---------------------------------------------------------------------------------------
  // Active-backup

  /** bond_activebackup_arp_mon. */
  private activeBackupRound(): void {
    const bond = this.bond;
    if (bond.slaves.length === 0) return;
    const shouldNotifyPeers = bond.shouldNotifyPeers();
    if (this.abInspect()) bond.commitActiveBackupArpLinks();
    this.abProbe();
    if (shouldNotifyPeers) {
      bond.peerNotifyCountdown();
      bond.notifyPeers();
    }
  }

  /** bond_ab_arp_inspect. */
  private abInspect(): number {
    const bond = this.bond;
    const missedMax = bond.opts.arp_missed_max;
    let commit = 0;
    for (const s of bond.slaves) {
      s.linkNewState = BOND_LINK_NOCHANGE;
      const lastRx = this.lastRx(s);
      if (s.link !== BOND_LINK_UP) {
        if (this.inInterval(lastRx, 1)) {
          s.linkNewState = BOND_LINK_UP;
          commit++;
        } else if (s.link === BOND_LINK_BACK) {
          s.linkNewState = BOND_LINK_FAIL;
          commit++;
        }
        continue;
      }
      // Two intervals of grace after being enslaved or made active: the receive times need
      // a whole round to be updated.
      if (this.inInterval(s.lastLinkUp, 2)) continue;
      if (!s.isActive && !bond.currentArpSlave && !this.inInterval(lastRx, missedMax + 1)) {
        s.linkNewState = BOND_LINK_DOWN;
        commit++;
      }
      if (s.isActive && (!this.inInterval(s.lastTx, missedMax) || !this.inInterval(lastRx, missedMax))) {
        s.linkNewState = BOND_LINK_DOWN;
        commit++;
      }
    }
    return commit;
  }

  /** bond_ab_arp_probe: probe through the active slave, or try the next candidate in turn. */
  private abProbe(): void {
    const bond = this.bond;
    const active = bond.currActiveSlave;
    if (active) {
      this.sendAll(active);
      return;
    }
    const arpSlave = bond.currentArpSlave ?? bond.slaves[0];
    if (!arpSlave) return;
    let before: Slave | undefined;
    let next: Slave | undefined;
    let found = false;
    for (const s of bond.slaves) {
      if (!found && !before && s.isUp) before = s;
      if (found && !next && s.isUp) next = s;
      // A slave marked up whose port is down (simultaneous failures): mark it down now.
      if (!s.isUp && s.link === BOND_LINK_UP) bond.backupDown(s);
      if (s === arpSlave) found = true;
    }
    if (!next && before) next = before;
    if (!next) return;
    bond.probeThrough(next);
    this.sendAll(next);
    next.lastLinkUp = bond.now;
  }
}
