/**
 * What a user port's MAC can run, as link modes: mt7530.c mt753x_phylink_get_caps gives every
 * port MAC_ASYM_PAUSE | MAC_SYM_PAUSE | MAC_10 | MAC_100 | MAC_1000FD ("This switch only
 * supports full-duplex at 1Gbps"), and phylink's generic validation lets every port type and
 * Autoneg through. phylink masks the PHY's supported modes with this set, which is what
 * `ethtool` reports as supported. MT7531's ports 5 and 6 add 2500FD; they are CPU ports here.
 */
import { macLinkModes } from '../mac-caps.ts';

export const MT7530_MAC_LINK_MODES: number = macLinkModes(['ASYM_PAUSE', 'SYM_PAUSE', '10', '100', '1000FD']);
