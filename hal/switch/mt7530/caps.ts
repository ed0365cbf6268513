/**
 * What a user port's MAC can run, as link modes: mt7530.c mt753x_phylink_get_caps gives every
 * port MAC_ASYM_PAUSE | MAC_SYM_PAUSE | MAC_10 | MAC_100 | MAC_1000FD ("This switch only
 * supports full-duplex at 1Gbps"), and phylink's generic validation lets every port type and
 * Autoneg through. phylink masks the PHY's supported modes with this set, which is what
 * `ethtool` reports as supported. MT7531's ports 5 and 6 add 2500FD; they are CPU ports here.
 */
import {
  LINK_MODE_1000baseT_Full,
  LINK_MODE_1000baseX_Full,
  LINK_MODE_100baseT_Full,
  LINK_MODE_100baseT_Half,
  LINK_MODE_10baseT_Full,
  LINK_MODE_10baseT_Half,
  LINK_MODE_AUI,
  LINK_MODE_Asym_Pause,
  LINK_MODE_Autoneg,
  LINK_MODE_Backplane,
  LINK_MODE_BNC,
  LINK_MODE_FIBRE,
  LINK_MODE_MII,
  LINK_MODE_Pause,
  LINK_MODE_TP,
  linkModeBit,
} from '../../phy/link-modes.ts';

const PORTS_AND_AUTONEG = [LINK_MODE_TP, LINK_MODE_AUI, LINK_MODE_MII, LINK_MODE_FIBRE, LINK_MODE_BNC, LINK_MODE_Backplane, LINK_MODE_Autoneg];

/** phylink_caps_to_linkmodes for MAC_ASYM_PAUSE | MAC_SYM_PAUSE | MAC_10 | MAC_100 | MAC_1000FD. */
const CAPS = [
  LINK_MODE_Pause,
  LINK_MODE_Asym_Pause,
  LINK_MODE_10baseT_Half,
  LINK_MODE_10baseT_Full,
  LINK_MODE_100baseT_Half,
  LINK_MODE_100baseT_Full,
  LINK_MODE_1000baseT_Full,
  LINK_MODE_1000baseX_Full,
];

export const MT7530_MAC_LINK_MODES: number = [...PORTS_AND_AUTONEG, ...CAPS].reduce((m, b) => m + linkModeBit(b), 0);
