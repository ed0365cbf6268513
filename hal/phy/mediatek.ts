import type { MdioBus } from '../mdio/bus.ts';
import { GenericPhy } from './generic.ts';

/**
 * The internal gigabit PHYs of the MediaTek MT7530 and MT7531 (drivers/net/phy/mediatek-ge.c,
 * PHY_ID_MATCH_EXACT). Linux's driver only tunes analog settings at init (mtk_gephy_config_init)
 * and reads status the genphy way, so this one is the generic driver under its Linux name.
 */
export const MTK_GPHY_ID_MT7530 = 0x03a29412;
export const MTK_GPHY_ID_MT7531 = 0x03a29441;

export class MediatekGePhy extends GenericPhy {
  override readonly name: string;

  constructor(bus: MdioBus, addr: number, phyId: number) {
    super(bus, addr, phyId);
    this.name = phyId === MTK_GPHY_ID_MT7531 ? 'MediaTek MT7531 PHY' : 'MediaTek MT7530 PHY';
  }
}
