/**
 * A switch port MAC's capabilities as phylink states them (MAC_SYM_PAUSE, MAC_10, ...), and
 * the link modes they allow: phylink_caps_to_linkmodes for the copper and 1000BASE-X modes,
 * plus every port type and Autoneg, which phylink's generic validation never masks
 * (phylink.c phylink_generic_validate). phylink masks the PHY's supported modes with this
 * set, and that is what `ethtool` reports as supported.
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
} from '../phy/link-modes.ts';

export type MacCap = 'SYM_PAUSE' | 'ASYM_PAUSE' | '10' | '100' | '1000FD';

const MODES_OF: Readonly<Record<MacCap, readonly number[]>> = {
  SYM_PAUSE: [LINK_MODE_Pause],
  ASYM_PAUSE: [LINK_MODE_Asym_Pause],
  '10': [LINK_MODE_10baseT_Half, LINK_MODE_10baseT_Full],
  '100': [LINK_MODE_100baseT_Half, LINK_MODE_100baseT_Full],
  '1000FD': [LINK_MODE_1000baseT_Full, LINK_MODE_1000baseX_Full],
};

/** phylink_set_port_modes and Autoneg: never masked. */
const PORTS_AND_AUTONEG = [LINK_MODE_TP, LINK_MODE_AUI, LINK_MODE_MII, LINK_MODE_FIBRE, LINK_MODE_BNC, LINK_MODE_Backplane, LINK_MODE_Autoneg];

/** The link-mode mask a MAC with `caps` accepts. */
export function macLinkModes(caps: readonly MacCap[]): number {
  const bits = new Set([...PORTS_AND_AUTONEG, ...caps.flatMap((c) => MODES_OF[c])]);
  return [...bits].reduce((m, b) => m + linkModeBit(b), 0);
}
