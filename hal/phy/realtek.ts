import type { MdioOp } from '../mdio/bus.ts';
import { GenericPhy, UNKNOWN_MODE, type PhyMode } from './generic.ts';
import { runPaged } from './paged.ts';
import type { PhyStatus } from './phy.ts';

/**
 * Realtek RTL8211F (drivers/net/phy/realtek.c, PHY_ID_MATCH_EXACT(0x001cc916)). Matched
 * exactly rather than with PHY_ID_MASK: the revision nibble tells Realtek models apart
 * (0x001cc915 is an RTL8211E, whose status register is elsewhere).
 */
export const RTL_8211F_PHY_ID = 0x001cc916;

/** Page select register; pages registers 0x10-0x1E, registers 0-15 are not paged. */
export const RTL_PAGE_SELECT = 0x1f;
/** PHYSR, the PHY specific status register: page 0xA43, register 0x1A (realtek.c RTL8211F_PHYSR). */
export const RTL8211F_PHYSR_PAGE = 0xa43;
export const RTL8211F_PHYSR = 0x1a;
const RTL_PHYSR_LINK = 0x0004;
const RTL_PHYSR_DUPLEX = 0x0008;
const RTL_PHYSR_SPEED_MASK = 0x0030;
const RTL_PHYSR_SPEED_10 = 0x0000;
const RTL_PHYSR_SPEED_100 = 0x0010;
const RTL_PHYSR_SPEED_1000 = 0x0020;

/**
 * Pages at which register 0x1A is PHYSR: 0xA43, and page 0, the reset default, whose registers
 * 0x18-0x1F are those of page 0xA43 (the emulator answers both; current Linux has found that
 * the page register governs only 0x10-0x17 on this part). Any other page: select 0xA43.
 */
function physrVisible(page: number): boolean {
  return page === RTL8211F_PHYSR_PAGE || page === 0;
}

/**
 * RTL8211F: genphy link semantics, speed and duplex from PHYSR. The status poll reads the page
 * register with BMCR, BMSR and PHYSR in one batch, without selecting a page; only when the
 * page selected is one where 0x1A is not PHYSR does it read PHYSR again with page 0xA43
 * selected and the page restored.
 */
export class RealtekRtl8211fPhy extends GenericPhy {
  override readonly name: string = 'Realtek RTL8211F';

  /** The page register, BMCR, BMSR, BMSR, PHYSR. */
  override statusOps(): MdioOp[] {
    return [this.readOp(RTL_PAGE_SELECT), ...super.statusOps().slice(0, 3), this.readOp(RTL8211F_PHYSR)];
  }

  override async statusFromValues(values: readonly number[]): Promise<PhyStatus> {
    const [page, bmcr, bmsrFirst, bmsrSecond] = values;
    if (physrVisible(page)) return this.decodeStatus(values.slice(1));
    // Registers 0-15 are not paged, so BMCR and BMSR stand; reading BMSR again would lose a
    // latched drop. Only PHYSR needs its page.
    const [paged] = await runPaged(this.bus, this.addr, RTL_PAGE_SELECT, RTL8211F_PHYSR_PAGE, [this.readOp(RTL8211F_PHYSR)], page);
    return this.decodeStatus([bmcr, bmsrFirst, bmsrSecond, paged]);
  }

  /** Decodes PHYSR (as realtek.c does for the 8211F); unknown when PHYSR itself has no link. */
  protected override resolveMode(values: readonly number[]): PhyMode {
    const physr = values[3];
    if (!(physr & RTL_PHYSR_LINK)) return UNKNOWN_MODE;
    const bits = physr & RTL_PHYSR_SPEED_MASK;
    const speed = bits === RTL_PHYSR_SPEED_1000 ? 1000 : bits === RTL_PHYSR_SPEED_100 ? 100 : bits === RTL_PHYSR_SPEED_10 ? 10 : 0;
    if (speed === 0) return UNKNOWN_MODE; // 11 is reserved
    return { speed, duplex: physr & RTL_PHYSR_DUPLEX ? 'full' : 'half' };
  }

  override async readVendorLink(): Promise<boolean | null> {
    const [physr] = await runPaged(this.bus, this.addr, RTL_PAGE_SELECT, RTL8211F_PHYSR_PAGE, [this.readOp(RTL8211F_PHYSR)]);
    return (physr & RTL_PHYSR_LINK) !== 0;
  }
}
