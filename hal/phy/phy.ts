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
