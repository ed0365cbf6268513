import type { MdioOp } from '../mdio/bus.ts';
import { forcedMode, GenericPhy, UNKNOWN_MODE, type PhyMode } from './generic.ts';
import { BMCR_ANENABLE, PHY_ID_MASK } from './mii.ts';
import { runPaged } from './paged.ts';
import type { PhyLinkModes, PhyStatus } from './phy.ts';

/** Marvell 88E151x family (drivers/net/phy/marvell.c MARVELL_PHY_ID_88E1510), match with PHY_ID_MASK. */
export const MARVELL_PHY_ID_88E1510 = 0x01410dd0;
/** The 88E6390 switch's internal PHYs, as mv88e6xxx reports them (MARVELL_PHY_ID_88E6390_FAMILY). */
export const MARVELL_PHY_ID_88E6390 = 0x01410f90;

/** Register 22 selects the page of every other register (marvell.c MII_MARVELL_PHY_PAGE). */
export const MII_MARVELL_PHY_PAGE = 22;
/** Page 0 is copper: the IEEE registers and the copper status below. */
export const MII_MARVELL_COPPER_PAGE = 0;
/** Page 0 register 17, copper specific status (marvell.c MII_M1011_PHY_STATUS). */
export const MII_M1011_PHY_STATUS = 17;
const MII_M1011_PHY_STATUS_SPEED_MASK = 0xc000;
const MII_M1011_PHY_STATUS_1000 = 0x8000;
const MII_M1011_PHY_STATUS_100 = 0x4000;
const MII_M1011_PHY_STATUS_FULLDUPLEX = 0x2000;
/** Speed and duplex bits are valid only with this set (marvell_read_status_page_an). */
const MII_M1011_PHY_STATUS_RESOLVED = 0x0800;
/** Real-time link, not latched. */
const MII_M1011_PHY_STATUS_LINK = 0x0400;
/** Page 0 register 18, copper interrupt enable (marvell.c MII_M1011_IMASK). */
export const MII_M1011_IMASK = 0x12;
/** Page 0 register 19, copper interrupt status: latched, cleared by reading (MII_M1011_IEVENT). */
export const MII_M1011_IEVENT = 0x13;
/** marvell.c MII_M1011_IMASK_INIT: speed changed, duplex changed, link status changed. */
const MII_M1011_IMASK_INIT = 0x6400;
/** Crossover resolved to MDI-X; valid with "resolved" set (marvell.c MII_M1011_PHY_STATUS_MDIX). */
const MII_M1011_PHY_STATUS_MDIX = 0x0040;

/**
 * Marvell 88E151x and the 6390's internal PHYs: genphy link semantics, speed and duplex from
 * the copper specific status register. Everything runs with the copper page selected and the
 * caller's page put back afterwards. The status poll does not select the page: it reads the
 * page register in its batch and falls back to the paged reads only when another page was
 * selected (page 22 pages every register, so those reads were not the copper ones).
 */
export class MarvellPhy extends GenericPhy {
  override readonly name: string;

  constructor(...args: ConstructorParameters<typeof GenericPhy>) {
    super(...args);
    this.name = ((this.phyId & PHY_ID_MASK) >>> 0) === MARVELL_PHY_ID_88E6390 ? 'Marvell 88E6390 internal' : 'Marvell 88E151x';
  }

  protected override runIeee(ops: readonly MdioOp[]): Promise<number[]> {
    return runPaged(this.bus, this.addr, MII_MARVELL_PHY_PAGE, MII_MARVELL_COPPER_PAGE, ops);
  }

  /** BMCR, BMSR, BMSR and copper status, as `decodeStatus` takes them; on page 0. */
  private copperStatusOps(): MdioOp[] {
    return [...super.statusOps().slice(0, 3), this.readOp(MII_M1011_PHY_STATUS)];
  }

  /** The page register, then the copper status reads without selecting a page. */
  override statusOps(): MdioOp[] {
    return [this.readOp(MII_MARVELL_PHY_PAGE), ...this.copperStatusOps()];
  }

  override async statusFromValues(values: readonly number[]): Promise<PhyStatus> {
    const page = values[0];
    if (page === MII_MARVELL_COPPER_PAGE) return this.decodeStatus(values.slice(1));
    // Someone left another page selected: read again on page 0 and put theirs back, in the
    // same batch when it is still the page just read.
    return this.decodeStatus(await runPaged(this.bus, this.addr, MII_MARVELL_PHY_PAGE, MII_MARVELL_COPPER_PAGE, this.copperStatusOps(), page));
  }

  /** marvell_read_status_page: forced mode from BMCR (genphy_read_status_fixed), else register 17 once resolved. */
  protected override resolveMode(values: readonly number[]): PhyMode {
    const bmcr = values[0];
    if (!(bmcr & BMCR_ANENABLE)) return forcedMode(bmcr);
    const status = values[3];
    if (!(status & MII_M1011_PHY_STATUS_RESOLVED)) return UNKNOWN_MODE;
    const speedBits = status & MII_M1011_PHY_STATUS_SPEED_MASK;
    const speed = speedBits === MII_M1011_PHY_STATUS_1000 ? 1000 : speedBits === MII_M1011_PHY_STATUS_100 ? 100 : speedBits === 0 ? 10 : 0;
    if (speed === 0) return UNKNOWN_MODE; // 11 is reserved
    return { speed, duplex: status & MII_M1011_PHY_STATUS_FULLDUPLEX ? 'full' : 'half' };
  }

  /** The generic link-mode registers, then the copper specific status; all on page 0. */
  protected override linkModeOps(): MdioOp[] {
    return [...super.linkModeOps(), this.readOp(MII_M1011_PHY_STATUS)];
  }

  /**
   * marvell_read_status_page (copper): with autonegotiation on, nothing is known until the
   * status register says resolved (no link, no partner modes); then speed and duplex come
   * from it and the partner's modes from LPA and STAT1000. MDI-X is reported once resolved,
   * whatever the autonegotiation setting (Linux 6.13 "marvell: Add mdix status reporting").
   * Marvell's read_status does not read master/slave.
   */
  protected override decodeLinkModes(bmsr: number, values: readonly number[]): PhyLinkModes {
    const generic = super.decodeLinkModes(bmsr, values);
    const status = values[6];
    const resolved = (status & MII_M1011_PHY_STATUS_RESOLVED) !== 0;
    const mdix = resolved ? (status & MII_M1011_PHY_STATUS_MDIX ? 'mdi-x' : 'mdi') : 'invalid';
    const out: PhyLinkModes = { ...generic, mdix, masterSlave: null };
    if (!generic.autoneg) return out;
    if (!resolved) return { ...out, link: false, lpAdvertising: 0, speed: 0, duplex: 'unknown' };
    const mode = this.resolveMode([values[0], bmsr, bmsr, status]);
    return { ...out, speed: mode.speed, duplex: mode.duplex };
  }

  /** marvell_config_intr: acknowledge (read IEVENT), then unmask link, speed and duplex changes; on page 0. */
  async enableInterrupt(): Promise<void> {
    await this.runIeee([this.readOp(MII_M1011_IEVENT), this.writeOp(MII_M1011_IMASK, MII_M1011_IMASK_INIT)]);
  }

  /**
   * marvell_ack_interrupt: IEVENT read on page 0 without selecting it, as the status poll
   * reads. With another page selected this reads that page's register instead and the
   * interrupt stays raised: the next poll reads the PHY again, until the page is back.
   */
  interruptAckOps(): MdioOp[] {
    return [this.readOp(MII_M1011_IEVENT)];
  }

  override async readVendorLink(): Promise<boolean | null> {
    const [status] = await this.runIeee([this.readOp(MII_M1011_PHY_STATUS)]);
    return (status & MII_M1011_PHY_STATUS_LINK) !== 0;
  }
}
