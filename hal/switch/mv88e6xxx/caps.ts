/**
 * What a port's MAC can run, as link modes: chip.c mv88e6352_phylink_get_caps and
 * mv88e6390_phylink_get_caps give the ports of both families MAC_SYM_PAUSE | MAC_10 |
 * MAC_100 | MAC_1000FD (no 1000 Mb/s half duplex, no asymmetric pause).
 *
 * The 6390's SERDES ports 9 and 10 add 2500BASE-X, which no Clause 22 PHY behind them can
 * offer; they are not front ports on our boards, so that is left out.
 */
import { macLinkModes } from '../mac-caps.ts';

export const MV88E6XXX_MAC_LINK_MODES: number = macLinkModes(['SYM_PAUSE', '10', '100', '1000FD']);
