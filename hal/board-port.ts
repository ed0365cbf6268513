import type { PhyDriver, PhyStatus } from './phy/phy.ts';
import type { PortStatus } from './switch/chip.ts';

export interface PortCounters {
  rxPackets: number;
  rxBytes: number;
  rxDropped: number;
  txPackets: number;
  txBytes: number;
  txDropped: number;
}

/** A port's carrier as the firmware knows it: `unknown` while the switch cannot be reached. */
export type CarrierState = 'up' | 'down' | 'unknown';

/**
 * One front-panel port: its switch port and PHY drivers, and the one place its link state
 * lives. Two readings make it: the switch's MAC-side status (`carrier`, port status register)
 * and the PHY's own registers (`phy`, through the PHY driver). Every reading is stamped when
 * it is asked for; one older than the reading already taken never replaces it, whatever
 * order the answers come back in (a serial bridge may answer out of order). Speed and duplex
 * are derived here, and everyone (the bonds, show ports, sysfs, telemetry) reads them here.
 *
 * The board's poll reads the PHY only when something says it changed (see `phyWanted`), so a
 * PHY reading may be older than the MAC-side one: it still speaks for the link while the MAC
 * side shows what it showed when the PHY was read (`phyBasis`); once the MAC side has moved,
 * the MAC side speaks until the PHY is read again.
 */
export class BoardPort {
  /** MAC-side link from the newest port status reading. */
  carrier = false;
  /** Switch-side speed and duplex from the same reading. */
  macSpeed = 0;
  macDuplex: 'full' | 'half' = 'half';
  phy: PhyStatus = { link: false, speed: 0, duplex: 'unknown', autoneg: true, dropSeen: false };
  /** Stamps of the readings `carrier` and `phy` come from (0: none yet). */
  macStamp = 0;
  phyStamp = 0;
  /**
   * The MAC-side status read in the same batch as the PHY reading the poll took last; undefined
   * when the PHY must be read at the next poll whatever the switch says (never read, a read
   * that failed, a PHY probed again).
   */
  phyBasis: PortStatus | undefined;
  /** A PHY interrupt for this port came on a bridge interrupt line: the next poll reads the PHY. */
  phyInterrupt = false;
  /**
   * Stamp of the MAC-side reading the bridge took at this port's last link interrupt (its
   * interrupt program), until a link monitor takes it in place of a read of its own (0: none).
   */
  interruptReading = 0;
  /** False while the switch cannot be reached (its path lost, or being set up again). */
  reachable = true;
  adminUp = true;
  pollErrors = 0;
  /**
   * The PHY reported a link loss (a poll saw it go down, or its latched-low BMSR bit) since the
   * bond's MII monitor last read the PHY. The latch in the PHY has one reader; this keeps the
   * drop for the second, so a drop shorter than one poll reaches both.
   */
  miiDrop = false;
  readonly counters: PortCounters = { rxPackets: 0, rxBytes: 0, rxDropped: 0, txPackets: 0, txBytes: 0, txDropped: 0 };

  constructor(
    readonly index: number,
    readonly name: string,
    readonly switchPort: number,
    readonly phyAddr: number,
    readonly permanentMac: Uint8Array,
    public phyDriver: PhyDriver,
  ) {}

  get carrierState(): CarrierState {
    if (!this.reachable) return 'unknown';
    return this.carrier ? 'up' : 'down';
  }

  /** Whether MAC-side status `m` differs from `phyBasis` in link, or (link up) speed or duplex. */
  macMoved(m: PortStatus): boolean {
    const b = this.phyBasis;
    if (b === undefined || b.link !== m.link) return true;
    return m.link && (b.speed !== m.speed || b.duplex !== m.duplex);
  }

  /**
   * Whether the next poll must read the PHY whatever the switch's status and change bits say:
   * no usable reading (`phyBasis`), an interrupt from the bridge, or a reading caught in a
   * change (a drop seen, PHY and MAC side disagreeing, a link whose mode is not resolved yet).
   */
  get phyWanted(): boolean {
    if (this.phyBasis === undefined || this.phyInterrupt) return true;
    const p = this.phy;
    return p.dropSeen || p.link !== this.carrier || (p.link && p.speed === 0);
  }

  /** The PHY reading still describes the link: it is the newer one, or the MAC side has not moved since. */
  private get phyCurrent(): boolean {
    return this.phyStamp >= this.macStamp || !this.macMoved({ link: this.carrier, speed: this.macSpeed, duplex: this.macDuplex });
  }

  /** The PHY's mode speaks for the link. */
  private get phyMode(): boolean {
    return this.phy.link && this.phy.speed > 0 && this.phyCurrent;
  }

  /**
   * The switch's MAC side speaks for the link while its reading is newer than the PHY's and
   * the PHY's has no mode, or one from before the MAC side moved: the switch takes its mode
   * from the same PHY, so a port that just got carrier (or changed speed) has a speed before
   * the PHY is read again.
   */
  private get macStandsIn(): boolean {
    return this.reachable && this.carrier && this.macStamp > this.phyStamp && !this.phyMode && this.macSpeed > 0;
  }

  /** Mb/s as phylib reports it for a DSA user port: the PHY's resolved mode; -1 when unknown. */
  get speed(): number {
    if (!this.reachable) return -1;
    if (this.phyMode) return this.phy.speed;
    return this.macStandsIn ? this.macSpeed : -1;
  }

  get duplex(): 'full' | 'half' | 'unknown' {
    if (!this.reachable) return 'unknown';
    if (this.phyMode) return this.phy.duplex;
    return this.macStandsIn ? this.macDuplex : 'unknown';
  }

  /** Takes a MAC-side reading asked for at `stamp`; false (nothing changes) when a newer one is in. */
  takeMac(m: PortStatus, stamp: number): boolean {
    if (stamp < this.macStamp) return false;
    this.macStamp = stamp;
    this.carrier = m.link;
    this.macSpeed = m.speed;
    this.macDuplex = m.duplex;
    return true;
  }

  /** The PHY link of the reading `phy` replaced. */
  private phyBefore = false;

  /**
   * Takes a PHY reading asked for at `stamp`; false when a newer one is in. An older reading
   * that saw the link down where the one before both saw it up caught a drop the newer one
   * cannot see (reading BMSR clears its latch): the drop is kept for the MII monitor. `basis`:
   * the MAC-side status read with it (a poll's), which becomes `phyBasis`.
   */
  takePhy(phy: PhyStatus, stamp: number, basis?: PortStatus): boolean {
    if (stamp < this.phyStamp) {
      if (this.phyBefore && !phy.link) this.miiDrop = true;
      return false;
    }
    if (phy.dropSeen || (this.phy.link && !phy.link)) this.miiDrop = true;
    this.phyBefore = this.phy.link;
    this.phyStamp = stamp;
    this.phy = phy;
    if (basis) this.phyBasis = basis;
    return true;
  }

  /** The firmware itself knows the state (a port set down): a reading newer than any in flight. */
  forceDown(stamp: number): void {
    this.takeMac({ link: false, speed: 0, duplex: 'half' }, stamp);
    this.phyBefore = false;
    this.phyStamp = stamp;
    this.phy = { ...this.phy, link: false, speed: 0, duplex: 'unknown', dropSeen: false };
  }
}
