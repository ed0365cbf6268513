/**
 * What `ethtool <port>` reports of a front-panel port, read from the hardware as Linux
 * gathers it for a DSA user port (phylink_ethtool_ksettings_get over phylib's
 * phy_ethtool_ksettings_get, and ethtool_op_get_link): the PHY's link modes through its
 * driver, on the same MDIO path as the link poll; the supported modes masked by what the
 * switch port's MAC accepts, as phylink masks them; the carrier from the switch's port
 * status register.
 */
import type { Board, BoardPort } from './board.ts';
import { linkModesAnd } from './phy/link-modes.ts';
import type { PhyLinkModes } from './phy/phy.ts';

export interface PortLinkSettings extends PhyLinkModes {
  /** PHY address on the switch's MDIO bus (ethtool PHYAD). */
  phyAddress: number;
  /**
   * Every board port's PHY sits on the switch's internal MDIO bus, which mv88e6xxx reports
   * as an internal PHY (the port's interface mode is "internal"): ethtool XCVR_INTERNAL.
   */
  transceiver: 'internal';
  /** Copper: phylib's PORT_TP. */
  connector: 'tp';
  /** netif_carrier_ok: the port is up and the switch's MAC has link, read now. */
  linkDetected: boolean;
}

export async function readLinkSettings(board: Board, port: BoardPort): Promise<PortLinkSettings> {
  const modes = await port.phyDriver.readLinkModes();
  const carrier = await board.refreshCarrier(port);
  return {
    ...modes,
    supported: linkModesAnd(modes.supported, board.chip.macLinkModes(port.switchPort)),
    phyAddress: port.phyAddr,
    transceiver: 'internal',
    connector: 'tp',
    linkDetected: port.adminUp && carrier,
  };
}
