/**
 * What a link monitor reads of its bond, and how it hands the bond what it found. The MII and
 * ARP monitors inspect and propose (each slave's `linkNewState`); the bond commits, as
 * bond_miimon_commit and bond_ab_arp_commit do in Linux. The monitors know the bond only
 * through this interface, so they do not import it.
 */
import type { Clock } from '../../lib/clock.ts';
import type { EventLog } from '../../lib/log.ts';
import type { BondOptions } from './options.ts';
import type { Slave } from './slave.ts';

export interface MonitorHost {
  readonly name: string;
  readonly opts: BondOptions;
  readonly slaves: readonly Slave[];
  readonly adminUp: boolean;
  readonly now: number;
  readonly clock: Clock;
  readonly log: EventLog;
  /** The bond's own address (ARP validation accepts frames to it). */
  readonly mac: Uint8Array;
  readonly currActiveSlave: Slave | undefined;
  /** The slaves a hash may pick (bond->usable_slaves). */
  readonly usableSlaves: readonly Slave[];
  /** bond->current_arp_slave: the slave the active-backup ARP monitor probes through. */
  readonly currentArpSlave: Slave | undefined;

  /** bond_should_notify_peers. */
  shouldNotifyPeers(): boolean;
  /** One step of the peer notification countdown (send_peer_notif--). */
  peerNotifyCountdown(): void;
  /** NETDEV_NOTIFY_PEERS: gratuitous ARPs for the bond and its VLAN devices. */
  notifyPeers(): void;
  /** Sends a monitor's own frame out of one slave. */
  sendOnSlave(s: Slave, frame: Uint8Array, length: number): boolean;
  /** bond_has_this_ip. */
  hasIp(ip: number): boolean;
  /** The VLAN and source address a probe to `target` uses (see BondEnv.arpRoute). */
  arpRoute(target: number): { vlan: number; src: number } | null | undefined;
  /** slave_warn under net_ratelimit. */
  warnRatelimited(text: string): void;

  /** bond_miimon_commit: the proposals of the MII monitor's round, for `slaves`. */
  commitMiiLinks(slaves: readonly Slave[]): void;
  /** The commit half of bond_loadbalance_arp_mon. */
  commitLoadBalanceArpLinks(failover: boolean, changed: boolean): void;
  /** bond_ab_arp_commit. */
  commitActiveBackupArpLinks(): void;
  /** bond_ab_arp_probe: a backup marked up whose port is down is down now. */
  backupDown(s: Slave): void;
  /** bond_ab_arp_probe: `s` is the next slave to probe through (BOND_LINK_BACK, active flags). */
  probeThrough(s: Slave): void;
}
