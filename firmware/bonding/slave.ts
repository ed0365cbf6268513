/**
 * A port enslaved to a bond: what the bond needs from the port below it, and the per-slave
 * state Linux keeps in `struct slave` (include/net/bonding.h).
 */
import type { Duplex } from '../net/netdev.ts';
import { BOND_MAX_ARP_TARGETS } from './options.ts';

/** The lower device under a bond: a front-panel port. */
export interface BondPort {
  readonly name: string;
  /** Current MAC address; the bond sets it with `setMac`. */
  readonly mac: Uint8Array;
  readonly adminUp: boolean;
  /** Carrier as last reported (netif_carrier_ok). */
  readonly carrier: boolean;
  /** Nobody knows the carrier (the port's hardware cannot be reached); `carrier` is then false. */
  readonly carrierUnknown?: boolean;
  /** Mb/s, -1 when unknown. */
  readonly speed: number;
  readonly duplex: Duplex;
  mtu: number;
  /** The bond this port is enslaved to, for flags and `master` lookups. */
  master: string | undefined;
  /** Promiscuity and allmulti reference counts, as dev_set_promiscuity keeps them. */
  promiscuity: number;
  allmulti: number;
  setMac(mac: Uint8Array): void;
  setAdminUp(up: boolean): Promise<void>;
  /**
   * A fresh link reading for the MII monitor (bond_check_dev_link): with `useCarrier` the
   * switch's MAC-side status, otherwise the PHY's own registers (falling back to the PHY's
   * vendor status, and to "up" when nothing answers: HOWTO 7.3). False when the port is down.
   * `atInterrupt`: asked at the port's link interrupt, where a port whose interrupt brought its
   * MAC-side status along (a bridge's interrupt program) may answer with that reading.
   */
  probeLink(useCarrier: boolean, atInterrupt?: boolean): Promise<boolean>;
  /** Sends one frame; false (counted by the port) when it could not. Copies before returning. */
  send(frame: Uint8Array, length: number): boolean;
  /** Counts a received frame the bond refused (Linux counts these on the slave). */
  countRxDropped(): void;
}

/** Slave link states, numbered as Linux's BOND_LINK_* (include/net/bonding.h). */
export const BOND_LINK_UP = 0; // link is up and running
export const BOND_LINK_FAIL = 1; // link has just gone down (downdelay running)
export const BOND_LINK_DOWN = 2; // link has been down for too long
export const BOND_LINK_BACK = 3; // link is going back (updelay running)
export const BOND_LINK_NOCHANGE = -1;
export type LinkState = 0 | 1 | 2 | 3;

export const LINK_STATE_NAMES = ['up', 'going down', 'down', 'going back'] as const;

export class Slave {
  link: LinkState = BOND_LINK_DOWN;
  /** The state the monitor proposes this round (bond_propose_link_state). */
  linkNewState: LinkState | typeof BOND_LINK_NOCHANGE = BOND_LINK_NOCHANGE;
  /** Monitor rounds left before an up/down delay expires. */
  delay = 0;
  /** BOND_STATE_BACKUP: not the active slave (modes with one active slave). */
  backup = false;
  /** Frames received on this slave are not delivered to the bond (bond_is_slave_inactive). */
  inactive = false;
  linkFailureCount = 0;
  lastLinkUp = 0;
  lastRx = 0;
  lastTx = 0;
  readonly targetLastArpRx: number[] = new Array<number>(BOND_MAX_ARP_TARGETS).fill(0);
  /** The MAC the port had when it was enslaved, restored on release. */
  readonly permHwaddr: Uint8Array;
  readonly originalMtu: number;
  /** Speed and duplex as the bond last read them (bond_update_speed_duplex). */
  speed = -1;
  duplex: Duplex = 'unknown';
  queueId = 0;
  /** Link priority for failover re-selection (the prio option): higher wins when no primary is set. */
  prio = 0;
  /** Frames sent and received through the bond on this slave. */
  txFrames = 0;
  rxFrames = 0;

  constructor(readonly port: BondPort) {
    this.permHwaddr = port.mac.slice();
    this.originalMtu = port.mtu;
  }

  get name(): string {
    return this.port.name;
  }

  /**
   * MII status as /proc and sysfs print it (bond_slave_link_status). A slave held down because
   * its port's carrier is unknown says `unknown`, the word Linux prints for a state it cannot
   * name, so the reason shows.
   */
  get miiStatus(): string {
    if (this.link === BOND_LINK_DOWN && this.port.carrierUnknown) return 'unknown';
    return LINK_STATE_NAMES[this.link];
  }

  /**
   * bond_slave_is_up: the port is running and has carrier. A carrier nobody knows (the port's
   * hardware cannot be reached) is not taken for a loss here: the link monitor counts it down
   * after its delays, as it would a carrier loss it read.
   */
  get isUp(): boolean {
    return this.port.adminUp && (this.port.carrier || this.port.carrierUnknown === true);
  }

  /** bond_is_active_slave. */
  get isActive(): boolean {
    return !this.backup;
  }

  /** bond_slave_can_tx: up, link monitor says up, and active. */
  get canTx(): boolean {
    return this.isUp && this.link === BOND_LINK_UP && !this.backup;
  }

  /** bond_update_speed_duplex: what the port reports now. */
  updateSpeedDuplex(): void {
    this.speed = this.port.speed;
    this.duplex = this.port.duplex;
  }

  /** The last read gave a usable speed and duplex (bond_update_speed_duplex returned 0). */
  get speedDuplexKnown(): boolean {
    return this.speed > 0 && this.duplex !== 'unknown';
  }
}
