/**
 * Link modes as ethtool and phylib name them (include/uapi/linux/ethtool.h
 * ETHTOOL_LINK_MODE_*_BIT), and the translation of the Clause 22 registers into them
 * (include/linux/mii.h: mii_adv_to_linkmode_adv_t, mii_lpa_mod_linkmode_lpa_t,
 * mii_stat1000_mod_linkmode_lpa_t; phy_device.c genphy_read_abilities). A set of link modes
 * is a bit mask over these bit numbers (all below 53, so a plain number holds it exactly).
 */
import {
  ADVERTISE_1000FULL,
  ADVERTISE_1000HALF,
  ADVERTISE_100FULL,
  ADVERTISE_100HALF,
  ADVERTISE_10FULL,
  ADVERTISE_10HALF,
  ADVERTISE_PAUSE_ASYM,
  ADVERTISE_PAUSE_CAP,
  BMSR_100FULL,
  BMSR_100HALF,
  BMSR_10FULL,
  BMSR_10HALF,
  BMSR_ANEGCAPABLE,
  BMSR_ESTATEN,
  ESTATUS_1000_TFULL,
  ESTATUS_1000_THALF,
  LPA_1000FULL,
  LPA_1000HALF,
  LPA_LPACK,
} from './mii.ts';

// ethtool.h enum ethtool_link_mode_bit_indices (the ones a copper PHY behind a switch uses).
export const LINK_MODE_10baseT_Half = 0;
export const LINK_MODE_10baseT_Full = 1;
export const LINK_MODE_100baseT_Half = 2;
export const LINK_MODE_100baseT_Full = 3;
export const LINK_MODE_1000baseT_Half = 4;
export const LINK_MODE_1000baseT_Full = 5;
export const LINK_MODE_Autoneg = 6;
export const LINK_MODE_TP = 7;
export const LINK_MODE_AUI = 8;
export const LINK_MODE_MII = 9;
export const LINK_MODE_FIBRE = 10;
export const LINK_MODE_BNC = 11;
export const LINK_MODE_Pause = 13;
export const LINK_MODE_Asym_Pause = 14;
export const LINK_MODE_Backplane = 16;
export const LINK_MODE_1000baseX_Full = 41;

/** 802.3 22.2.4.4: ESTATUS 1000BASE-X full duplex (mii.h ESTATUS_1000_XFULL). */
export const ESTATUS_1000_XFULL = 0x8000;

/** The mask with bit `b` set (bits above 31 need arithmetic, not shifts). */
export function linkModeBit(b: number): number {
  return 2 ** b;
}

/** Whether `mask` has link mode `b`. */
export function hasLinkMode(mask: number, b: number): boolean {
  return Math.floor(mask / 2 ** b) % 2 === 1;
}

/** The link modes of `mask`, lowest bit first. */
export function linkModeBits(mask: number): number[] {
  const bits: number[] = [];
  for (let b = 0; 2 ** b <= mask; b++) if (hasLinkMode(mask, b)) bits.push(b);
  return bits;
}

/** The modes of both masks. */
export function linkModesAnd(a: number, b: number): number {
  let r = 0;
  for (const bit of linkModeBits(a)) if (hasLinkMode(b, bit)) r += 2 ** bit;
  return r;
}

const bit = linkModeBit;

/** phy_device.c phy_basic_ports_array: every Clause 22 PHY reports these ports. */
const BASIC_PORTS = bit(LINK_MODE_TP) + bit(LINK_MODE_MII);

/**
 * genphy_read_abilities: the ports, autonegotiation and the 10/100 modes from BMSR, the
 * gigabit modes from ESTATUS when BMSR says it exists. `estatus` is ignored otherwise.
 */
export function abilitiesFromRegisters(bmsr: number, estatus: number): number {
  let m = BASIC_PORTS;
  if (bmsr & BMSR_ANEGCAPABLE) m += bit(LINK_MODE_Autoneg);
  if (bmsr & BMSR_10HALF) m += bit(LINK_MODE_10baseT_Half);
  if (bmsr & BMSR_10FULL) m += bit(LINK_MODE_10baseT_Full);
  if (bmsr & BMSR_100HALF) m += bit(LINK_MODE_100baseT_Half);
  if (bmsr & BMSR_100FULL) m += bit(LINK_MODE_100baseT_Full);
  if (bmsr & BMSR_ESTATEN) {
    if (estatus & ESTATUS_1000_THALF) m += bit(LINK_MODE_1000baseT_Half);
    if (estatus & ESTATUS_1000_TFULL) m += bit(LINK_MODE_1000baseT_Full);
    if (estatus & ESTATUS_1000_XFULL) m += bit(LINK_MODE_1000baseX_Full);
  }
  return m;
}

/** True when the abilities include a 1000BASE-T mode (phylib's is_gigabit_capable). */
export function isGigabitCapable(supported: number): boolean {
  return hasLinkMode(supported, LINK_MODE_1000baseT_Half) || hasLinkMode(supported, LINK_MODE_1000baseT_Full);
}

/** The 10/100 and pause modes of an ANAR or ANLPAR value (mii_adv_to_linkmode_adv_t). */
function fromAnar(anar: number): number {
  let m = 0;
  if (anar & ADVERTISE_10HALF) m += bit(LINK_MODE_10baseT_Half);
  if (anar & ADVERTISE_10FULL) m += bit(LINK_MODE_10baseT_Full);
  if (anar & ADVERTISE_100HALF) m += bit(LINK_MODE_100baseT_Half);
  if (anar & ADVERTISE_100FULL) m += bit(LINK_MODE_100baseT_Full);
  if (anar & ADVERTISE_PAUSE_CAP) m += bit(LINK_MODE_Pause);
  if (anar & ADVERTISE_PAUSE_ASYM) m += bit(LINK_MODE_Asym_Pause);
  return m;
}

/**
 * What this PHY advertises: ANAR, and CTRL1000 on a gigabit PHY (mii_adv_to_linkmode_adv_t,
 * mii_ctrl1000_mod_linkmode_adv_t), with Autoneg when BMCR has autonegotiation on.
 */
export function advertisingFromRegisters(anar: number, ctrl1000: number, gigabit: boolean, autoneg: boolean): number {
  let m = fromAnar(anar);
  if (gigabit && ctrl1000 & ADVERTISE_1000HALF) m += bit(LINK_MODE_1000baseT_Half);
  if (gigabit && ctrl1000 & ADVERTISE_1000FULL) m += bit(LINK_MODE_1000baseT_Full);
  if (autoneg) m += bit(LINK_MODE_Autoneg);
  return m;
}

/**
 * What the link partner advertised (mii_lpa_mod_linkmode_lpa_t, and
 * mii_stat1000_mod_linkmode_lpa_t on a gigabit PHY): Autoneg when it acknowledged our page.
 */
export function partnerFromRegisters(lpa: number, stat1000: number, gigabit: boolean): number {
  let m = fromAnar(lpa);
  if (lpa & LPA_LPACK) m += bit(LINK_MODE_Autoneg);
  if (gigabit && stat1000 & LPA_1000HALF) m += bit(LINK_MODE_1000baseT_Half);
  if (gigabit && stat1000 & LPA_1000FULL) m += bit(LINK_MODE_1000baseT_Full);
  return m;
}
