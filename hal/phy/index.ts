import { DeviceError } from '../../lib/errors.ts';
import type { MdioBus } from '../mdio/bus.ts';
import { GenericPhy } from './generic.ts';
import { MARVELL_PHY_ID_88E1510, MARVELL_PHY_ID_88E6390, MarvellPhy } from './marvell.ts';
import { MTK_GPHY_ID_MT7530, MTK_GPHY_ID_MT7531, MediatekGePhy } from './mediatek.ts';
import { MII_PHYSID1, MII_PHYSID2, PHY_ID_MASK } from './mii.ts';
import type { PhyDriver } from './phy.ts';
import { RTL_8211F_PHY_ID, RealtekRtl8211fPhy } from './realtek.ts';

export type { PhyDriver, PhyStatus } from './phy.ts';

interface DriverEntry {
  id: number;
  mask: number;
  create: (bus: MdioBus, addr: number, phyId: number) => PhyDriver;
}

/** Vendor drivers by PHY ID, first match wins (as Linux phy_bus_match walks its drivers). */
const DRIVERS: readonly DriverEntry[] = [
  { id: MARVELL_PHY_ID_88E1510, mask: PHY_ID_MASK, create: (b, a, id) => new MarvellPhy(b, a, id) },
  { id: MARVELL_PHY_ID_88E6390, mask: PHY_ID_MASK, create: (b, a, id) => new MarvellPhy(b, a, id) },
  { id: RTL_8211F_PHY_ID, mask: 0xffffffff, create: (b, a, id) => new RealtekRtl8211fPhy(b, a, id) },
  { id: MTK_GPHY_ID_MT7530, mask: 0xffffffff, create: (b, a, id) => new MediatekGePhy(b, a, id) },
  { id: MTK_GPHY_ID_MT7531, mask: 0xffffffff, create: (b, a, id) => new MediatekGePhy(b, a, id) },
];

/**
 * Reads PHYSID1/2 at `addr` (one batch) and returns the driver for that ID; an unknown ID
 * gets the generic Clause 22 driver, as Linux's genphy takes any PHY nobody claims.
 * Throws DeviceError when nothing answers: an ID that is all ones (Linux get_phy_c22_id
 * treats "mostly Fs", ID & 0x1fffffff all ones, as no device) or all zeros (a bus stuck low).
 */
export async function probePhy(bus: MdioBus, addr: number): Promise<PhyDriver> {
  const [id1, id2] = await bus.run([
    { op: 'read', phy: addr, reg: MII_PHYSID1 },
    { op: 'read', phy: addr, reg: MII_PHYSID2 },
  ]);
  const phyId = ((id1 << 16) | id2) >>> 0;
  if ((phyId & 0x1fffffff) === 0x1fffffff || phyId === 0) {
    throw new DeviceError(`no PHY answers at MDIO address ${addr} (ID 0x${phyId.toString(16).padStart(8, '0')})`);
  }
  const entry = DRIVERS.find((d) => ((phyId & d.mask) >>> 0) === d.id);
  return entry ? entry.create(bus, addr, phyId) : new GenericPhy(bus, addr, phyId);
}
