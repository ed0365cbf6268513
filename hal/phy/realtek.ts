import type { MdioOp } from '../mdio/bus.ts';
import { GenericPhy, UNKNOWN_MODE, type PhyMode } from './generic.ts';
import { runPaged } from './paged.ts';

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
 * RTL8211F: genphy link semantics, speed and duplex from PHYSR. The status poll runs with
 * page 0xA43 selected (the unpaged BMCR/BMSR reads share the batch) and the page restored.
 */
export class RealtekRtl8211fPhy extends GenericPhy {
  override readonly name: string = 'Realtek RTL8211F';

  protected override runStatus(ops: readonly MdioOp[]): Promise<number[]> {
    return runPaged(this.bus, this.addr, RTL_PAGE_SELECT, RTL8211F_PHYSR_PAGE, ops);
  }

  protected override statusOps(): MdioOp[] {
    return [...super.statusOps().slice(0, 3), this.readOp(RTL8211F_PHYSR)];
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
