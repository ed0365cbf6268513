/**
 * IEEE 802.3 Clause 22 register numbers and bits, named as in Linux `include/uapi/linux/mii.h`
 * so that a reader can grep either. Shared by the PHY drivers and the PHY emulator.
 */

// Clause 22 registers (802.3 22.2.4, Table 22-6).
export const MII_BMCR = 0x00;
export const MII_BMSR = 0x01;
export const MII_PHYSID1 = 0x02;
export const MII_PHYSID2 = 0x03;
export const MII_ADVERTISE = 0x04;
export const MII_LPA = 0x05;
export const MII_EXPANSION = 0x06;
export const MII_NPTX = 0x07;
export const MII_NPLP = 0x08;
export const MII_CTRL1000 = 0x09;
export const MII_STAT1000 = 0x0a;
export const MII_MMD_CTRL = 0x0d;
export const MII_MMD_DATA = 0x0e;
export const MII_ESTATUS = 0x0f;

// BMCR, 802.3 22.2.4.1.
export const BMCR_RESET = 0x8000;
export const BMCR_LOOPBACK = 0x4000;
export const BMCR_SPEED100 = 0x2000;
export const BMCR_ANENABLE = 0x1000;
export const BMCR_PDOWN = 0x0800;
export const BMCR_ISOLATE = 0x0400;
export const BMCR_ANRESTART = 0x0200;
export const BMCR_FULLDPLX = 0x0100;
export const BMCR_CTST = 0x0080;
export const BMCR_SPEED1000 = 0x0040;

// BMSR, 802.3 22.2.4.2.
export const BMSR_ERCAP = 0x0001;
export const BMSR_JCD = 0x0002;
export const BMSR_LSTATUS = 0x0004;
export const BMSR_ANEGCAPABLE = 0x0008;
export const BMSR_RFAULT = 0x0010;
export const BMSR_ANEGCOMPLETE = 0x0020;
export const BMSR_MFPRESUPP = 0x0040;
export const BMSR_ESTATEN = 0x0100;
export const BMSR_10HALF = 0x0800;
export const BMSR_10FULL = 0x1000;
export const BMSR_100HALF = 0x2000;
export const BMSR_100FULL = 0x4000;

// ANAR / ANLPAR, 802.3 28.2.4.1.3 and Annex 28B.
export const ADVERTISE_CSMA = 0x0001;
export const ADVERTISE_10HALF = 0x0020;
export const ADVERTISE_10FULL = 0x0040;
export const ADVERTISE_100HALF = 0x0080;
export const ADVERTISE_100FULL = 0x0100;
export const ADVERTISE_PAUSE_CAP = 0x0400;
export const ADVERTISE_PAUSE_ASYM = 0x0800;
export const ADVERTISE_RFAULT = 0x2000;
export const LPA_LPACK = 0x4000;
export const ADVERTISE_NPAGE = 0x8000;

// ANER, 802.3 28.2.4.1.5.
export const EXPANSION_NWAY = 0x0001;
export const EXPANSION_LCWP = 0x0002;
export const EXPANSION_ENABLENPAGE = 0x0004;
export const EXPANSION_NPCAPABLE = 0x0008;

// 1000BASE-T control / status, 802.3 40.5.1.1.
export const ADVERTISE_1000HALF = 0x0100;
export const ADVERTISE_1000FULL = 0x0200;
export const CTL1000_PREFER_MASTER = 0x0400;
export const CTL1000_AS_MASTER = 0x0800;
export const CTL1000_ENABLE_MASTER = 0x1000;
export const LPA_1000HALF = 0x0400;
export const LPA_1000FULL = 0x0800;
export const LPA_1000REMRXOK = 0x1000;
export const LPA_1000LOCALRXOK = 0x2000;
export const LPA_1000MSRES = 0x4000;
export const LPA_1000MSFAIL = 0x8000;

// Extended status, 802.3 22.2.4.4.
export const ESTATUS_1000_THALF = 0x1000;
export const ESTATUS_1000_TFULL = 0x2000;

// MMD access through Clause 22, 802.3 22.2.4.3.11-12 and Annex 22D.
export const MII_MMD_CTRL_DEVAD_MASK = 0x001f;
export const MII_MMD_CTRL_ADDR = 0x0000;
export const MII_MMD_CTRL_NOINCR = 0x4000;
export const MII_MMD_CTRL_INCR_RDWT = 0x8000;
export const MII_MMD_CTRL_INCR_ON_WT = 0xc000;
export const MII_MMD_CTRL_FUNC_MASK = 0xc000;

// EEE registers, 802.3 45.2.3.10 and 45.2.7.13-14.
export const MDIO_MMD_PCS = 3;
export const MDIO_MMD_AN = 7;
export const MDIO_PCS_EEE_ABLE = 20;
export const MDIO_AN_EEE_ADV = 60;
export const MDIO_AN_EEE_LPABLE = 61;
export const MDIO_EEE_100TX = 0x0002;
export const MDIO_EEE_1000T = 0x0004;

/** Mask for matching PHY IDs: the low four bits are the silicon revision (802.3 22.2.4.3.1). */
export const PHY_ID_MASK = 0xfffffff0;
