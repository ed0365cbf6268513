/**
 * The supported 88E6xxx families and what differs between them (chip.c mv88e6xxx_table):
 * what probe matches a Switch ID against, and where each register block sits.
 */
export type Mv88e6xxxModel = '6352' | '6390';

/** What differs between the supported families (chip.c mv88e6xxx_table). */
export interface Mv88e6xxxInfo {
  model: Mv88e6xxxModel;
  name: string;
  /** Switch ID with the revision masked off (port.h MV88E6XXX_PORT_SWITCH_ID_PROD_*). */
  productId: number;
  portCount: number;
  /** Device address of port 0's registers (chip.c .port_base_addr). */
  portBase: number;
  global1: number;
  global2: number;
  /** Switch ports with an internal PHY; the PHY's Global2 address equals the port number. */
  internalPhyPorts: readonly number[];
  /**
   * The Global2 Interrupt Source bits that follow the internal PHYs' interrupt outputs, bit n
   * for the PHY at address n (global2.h MV88E6352_G2_INT_SRC_PHY, MV88E6390_G2_INT_SRC_PHY).
   */
  g2IntSrcPhy: number;
}

export const MV88E6XXX_MODELS: Readonly<Record<Mv88e6xxxModel, Mv88e6xxxInfo>> = {
  '6352': { model: '6352', name: '88E6352', productId: 0x3520, portCount: 7, portBase: 0x10, global1: 0x1b, global2: 0x1c, internalPhyPorts: [0, 1, 2, 3, 4], g2IntSrcPhy: 0x001f },
  '6390': { model: '6390', name: '88E6390', productId: 0x3900, portCount: 11, portBase: 0x00, global1: 0x1b, global2: 0x1c, internalPhyPorts: [1, 2, 3, 4, 5, 6, 7, 8], g2IntSrcPhy: 0x07fe },
};
