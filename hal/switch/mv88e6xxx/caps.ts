/**
 * What a port's MAC can run, as link modes: chip.c mv88e6352_phylink_get_caps and
 * mv88e6390_phylink_get_caps give the ports of both families MAC_SYM_PAUSE | MAC_10 |
 * MAC_100 | MAC_1000FD (no 1000 Mb/s half duplex, no asymmetric pause), and phylink's
 * generic validation (phylink.c phylink_generic_validate) lets every port type and Autoneg
 * through. phylink masks the PHY's supported modes with this set, and that is what
 * `ethtool` reports as supported.
 *
 * The 6390's SERDES ports 9 and 10 add 2500BASE-X, which no Clause 22 PHY behind them can
 * offer; they are not front ports on our boards, so that is left out.
 */
import {
  LINK_MODE_1000baseT_Full,
  LINK_MODE_1000baseX_Full,
  LINK_MODE_100baseT_Full,
  LINK_MODE_100baseT_Half,
  LINK_MODE_10baseT_Full,
  LINK_MODE_10baseT_Half,
  LINK_MODE_AUI,
  LINK_MODE_Autoneg,
  LINK_MODE_Backplane,
  LINK_MODE_BNC,
  LINK_MODE_FIBRE,
  LINK_MODE_MII,
  LINK_MODE_Pause,
  LINK_MODE_TP,
  linkModeBit,
} from '../../phy/link-modes.ts';

/** phylink_set_port_modes and Autoneg: never masked. */
const PORTS_AND_AUTONEG = [LINK_MODE_TP, LINK_MODE_AUI, LINK_MODE_MII, LINK_MODE_FIBRE, LINK_MODE_BNC, LINK_MODE_Backplane, LINK_MODE_Autoneg];

/** phylink_caps_to_linkmodes for MAC_SYM_PAUSE | MAC_10 | MAC_100 | MAC_1000FD (the copper and 1000BASE-X modes of them). */
const CAPS = [
  LINK_MODE_Pause,
  LINK_MODE_10baseT_Half,
  LINK_MODE_10baseT_Full,
  LINK_MODE_100baseT_Half,
  LINK_MODE_100baseT_Full,
  LINK_MODE_1000baseT_Full,
  LINK_MODE_1000baseX_Full,
];

/** The link modes the MAC of a 6352- or 6390-family port with an internal PHY accepts. */
export const MV88E6XXX_MAC_LINK_MODES: number = [...PORTS_AND_AUTONEG, ...CAPS].reduce((m, b) => m + linkModeBit(b), 0);
