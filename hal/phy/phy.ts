/**
 * The PHY driver contract: what the board and the link monitors need from a PHY, whatever
 * its vendor. Drivers take `(bus: MdioBus, addr: number, phyId: number)`; `probePhy` in
 * `index.ts` picks one by PHY ID.
 */
import type { MdioOp } from '../mdio/bus.ts';

/** One poll of a PHY's link state. */
export interface PhyStatus {
  /** Link up, with Linux genphy semantics (latched-low BMSR, AN restart and AN complete considered). */
  link: boolean;
  /** Mb/s; 0 when unknown (link down, or the PHY has not resolved it). */
  speed: number;
  duplex: 'full' | 'half' | 'unknown';
  /** BMCR: autonegotiation enabled. */
  autoneg: boolean;
  /** The link was lost at some point since the previous poll, even if it is up again. */
  dropSeen: boolean;
}

/** MDI or MDI-X as the PHY resolved it; 'invalid' when it does not tell (ethtool ETH_TP_MDI_INVALID). */
export type MdiX = 'mdi' | 'mdi-x' | 'invalid';

/** 1000BASE-T master/slave, as genphy_read_master_slave reads CTRL1000 and STAT1000. */
export interface MasterSlave {
  cfg: 'preferred master' | 'preferred slave' | 'forced master' | 'forced slave';
  state: 'master' | 'slave' | 'resolution error' | 'unknown';
}

/**
 * What phylib knows of a PHY's link modes (struct phy_device: supported, advertising,
 * lp_advertising, speed, duplex, autoneg, mdix), read from the registers. Link-mode sets are
 * masks over the ethtool bits of `link-modes.ts`.
 */
export interface PhyLinkModes {
  /** genphy_read_abilities (BMSR, ESTATUS), plus Pause and Asym_Pause, which phylib assumes of every PHY. */
  supported: number;
  /** ANAR and CTRL1000, with Autoneg when BMCR has it on. */
  advertising: number;
  /** ANLPAR and STAT1000 once autonegotiation completed; empty otherwise (genphy_read_lpa). */
  lpAdvertising: number;
  /** BMCR autonegotiation enable. */
  autoneg: boolean;
  /** The link as the last status poll saw it. */
  link: boolean;
  /** Mb/s, 0 when unknown: resolved by autonegotiation, or forced by BMCR (then even without link). */
  speed: number;
  duplex: 'full' | 'half' | 'unknown';
  mdix: MdiX;
  /** Reported by drivers built on genphy_read_status; null for those that do not (Marvell). */
  masterSlave: MasterSlave | null;
}

export interface PhyDriver {
  /** Driver name for logs and `show` output ("generic" for the Clause 22 fallback). */
  readonly name: string;
  /** PHYSID1 << 16 | PHYSID2 as read at probe time. */
  readonly phyId: number;
  /** MDIO address on its bus. */
  readonly addr: number;
  /**
   * Reads link, speed and duplex; one bus round trip in the common case. The same as
   * `statusFromValues(await bus.run(statusOps()))`.
   */
  readStatus(): Promise<PhyStatus>;
  /**
   * The reads a status poll starts with, as one batch at this PHY's address, so that a caller
   * can put the polls of several PHYs into one bus round trip. Run them once, atomically, in
   * order, and hand the results to `statusFromValues`.
   */
  statusOps(): MdioOp[];
  /**
   * Finishes a status poll from the results of `statusOps()`. Without bus traffic when those
   * reads were usable; when they were not (a vendor page other than the one needed was
   * selected), reads what is missing with the page selected and put back. Call it exactly once
   * per run of `statusOps()`: it advances the latched-link state (see `updateLink`).
   */
  statusFromValues(values: readonly number[]): Promise<PhyStatus>;
  /**
   * Supported, advertised and partner link modes, speed, duplex and MDI-X, for `ethtool`: one
   * batch of the registers that reading leaves unchanged (BMCR, ADVERTISE, LPA, CTRL1000,
   * STAT1000, ESTATUS, the vendor status). BMSR, whose link bit is latched low, is the one the
   * last status poll read, so that asking never hides a drop from the link monitor; before the
   * first poll this polls once.
   */
  readLinkModes(): Promise<PhyLinkModes>;
  /**
   * Unmasks the PHY's link, speed and duplex change interrupt, after acknowledging what is
   * pending (Linux .config_intr). Absent where the driver knows no interrupt of the PHY's.
   */
  enableInterrupt?(): Promise<void>;
  /**
   * The reads that acknowledge the PHY's interrupt (its latched event register), for a caller
   * to run in the same batch just before `statusOps()`, so that a change after them raises it
   * again (Linux .handle_interrupt, then the status read). Present with `enableInterrupt`.
   */
  interruptAckOps?(): MdioOp[];
  /** The vendor's real-time (not latched) link bit; null if the PHY has none. */
  readVendorLink(): Promise<boolean | null>;
  /** Enables and restarts autonegotiation (Linux genphy_restart_aneg). */
  restartAutoneg(): Promise<void>;
  /**
   * Powers the PHY down (BMCR power-down: the link partner sees the link go) or back up
   * (Linux genphy_suspend / genphy_resume, as phylib does when the interface goes down or up).
   */
  setPowerDown(on: boolean): Promise<void>;
  /** Loops transmit back to receive inside the PHY, or returns to normal operation. */
  setLoopback(on: boolean): Promise<void>;
  /** Software reset (BMCR bit 15), waiting for it to self-clear. */
  reset(): Promise<void>;
  /** Reads a Clause 45 MMD register through Clause 22 registers 13/14. */
  readMmd(devad: number, reg: number): Promise<number>;
  /** Writes a Clause 45 MMD register through Clause 22 registers 13/14. */
  writeMmd(devad: number, reg: number, value: number): Promise<void>;
}
