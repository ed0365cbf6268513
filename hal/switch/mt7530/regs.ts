/**
 * MT7530/MT7531 register map, as far as this driver uses it. Every constant is named after the
 * macro of Linux's drivers/net/dsa/mt7530.h it mirrors; addresses are byte addresses of 32-bit
 * registers (always a multiple of 4).
 */

/** mt7530.h MT7530_NUM_PORTS: ports 0-6 on both models. */
export const MT7530_NUM_PORTS = 7;
/** mt7530.h MT7530_NUM_PHYS: the internal PHYs sit behind ports 0-4. */
export const MT7530_NUM_PHYS = 5;

// Identification.
/** MT7530_CREV: chip name in [31:16] (MT7530_ID 0x7530). */
export const MT7530_CREV = 0x7ffc;
/** MT7531_CREV (MT7531_CHIP_REV): chip name in [31:16] (MT7531_ID 0x7531), revision in [3:0]. */
export const MT7531_CREV = 0x781c;
export const CHIP_NAME_SHIFT = 16;
export const CHIP_REV_M = 0x0f;
export const MT7530_ID = 0x7530;
export const MT7531_ID = 0x7531;

// Forwarding control (global).
/** MT7530_MFC: flood maps for broadcast, unknown multicast, unknown unicast; MT7530's CPU port. */
export const MT7530_MFC = 0x10;
export const BC_FFP = (ports: number): number => ((ports & 0xff) << 24) >>> 0;
export const UNM_FFP = (ports: number): number => (ports & 0xff) << 16;
export const UNU_FFP = (ports: number): number => (ports & 0xff) << 8;
export const BC_FFP_MASK = BC_FFP(0xff);
export const UNM_FFP_MASK = UNM_FFP(0xff);
export const UNU_FFP_MASK = UNU_FFP(0xff);
/** MFC CPU_EN / CPU_PORT(x) / CPU_MASK: where MT7530 sends trapped frames. */
export const CPU_EN = 0x80;
export const CPU_PORT = (port: number): number => (port & 0xf) << 4;
export const CPU_MASK = 0xf << 4;
/** MT7531_CFC: MT7531_CPU_PMAP [7:0], the CPU port bitmap trapped frames go to. */
export const MT7531_CFC = 0x4;
export const MT7531_CPU_PMAP_MASK = 0xff;

// Link-local frame control (mt753x_trap_frames).
/** MT753X_BPC: 802.1X PAE (EtherType 0x888e) in [25:16], BPDUs (:00) in [9:0]. */
export const MT753X_BPC = 0x24;
/** MT753X_RGAC1: frames to 01:80:c2:00:00:02 in [25:16], :01 in [9:0]. */
export const MT753X_RGAC1 = 0x28;
/** MT753X_RGAC2: frames to 01:80:c2:00:00:0e in [25:16], :03 in [9:0]. */
export const MT753X_RGAC2 = 0x2c;
/** Within each half: _BPDU_FR (forward regardless of the port's STP state), _EG_TAG [8:6], _PORT_FW [2:0]. */
export const BPDU_FR = 1 << 9;
export const EG_TAG_MASK = 0x7 << 6;
export const EG_TAG = (x: number): number => (x & 0x7) << 6;
export const PORT_FW_MASK = 0x7;
/** The upper half of BPC/RGAC1/RGAC2 is the lower half's layout shifted by 16. */
export const HIGH_HALF = 16;
/** enum mt753x_bpdu_port_fw. */
export const MT753X_BPDU_FOLLOW_MFC = 0;
export const MT753X_BPDU_CPU_EXCLUDE = 4;
export const MT753X_BPDU_CPU_INCLUDE = 5;
export const MT753X_BPDU_CPU_ONLY = 6;
export const MT753X_BPDU_DROP = 7;
/** enum mt7530_vlan_port_eg_tag: MT7530_VLAN_EG_CONSISTENT, MT7530_VLAN_EG_UNTAGGED. */
export const MT7530_VLAN_EG_CONSISTENT = 1;
export const MT7530_VLAN_EG_UNTAGGED = 4;

// Per-port registers: base + port * 0x100.
const perPort = (base: number) => (port: number): number => base + port * 0x100;
/** MT7530_SSP_P: spanning tree state, 2 bits per FID (FID_PST). */
export const MT7530_SSP_P = perPort(0x2000);
/** MT7530_PCR_P: port matrix [23:16] (the ports this port may send to), VLAN mode [1:0]. */
export const MT7530_PCR_P = perPort(0x2004);
/** MT7530_PSC_P: port security; SA_DIS turns address learning off. */
export const MT7530_PSC_P = perPort(0x200c);
/** MT7530_PVC_P: port VLAN control; PORT_SPEC_TAG puts the special tag on the port. */
export const MT7530_PVC_P = perPort(0x2010);
/** MT7530_PPBV1_P: G0_PORT_VID [11:0], the port VID. */
export const MT7530_PPBV1_P = perPort(0x2014);
/** MT7530_PMCR_P: port MAC control. */
export const MT7530_PMCR_P = perPort(0x3000);
/** MT7530_PMSR_P: port MAC status (read-only). */
export const MT7530_PMSR_P = perPort(0x3008);
/** MT7531_DBG_CNT: MT7531_DIS_CLR stops the port's debug counters clearing when read. */
export const MT7531_DBG_CNT = perPort(0x3018);
/** MT7530_PORT_MIB_COUNTER: the MIB counters of a port, at the offsets of the mib table. */
export const MT7530_PORT_MIB_COUNTER = perPort(0x4000);

export const PCR_MATRIX = (ports: number): number => (ports & 0xff) << 16;
export const PCR_MATRIX_MASK = PCR_MATRIX(0xff);
export const PCR_PORT_VLAN_MASK = 0x3;
/** enum mt7530_port_mode. */
export const MT7530_PORT_MATRIX_MODE = 0;
export const MT7530_PORT_FALLBACK_MODE = 1;
export const SA_DIS = 1 << 4;
export const PORT_SPEC_TAG = 1 << 5;
export const PVC_EG_TAG = (x: number): number => (x & 0x7) << 8;
export const PVC_EG_TAG_MASK = PVC_EG_TAG(7);
export const G0_PORT_VID_MASK = 0xfff;
export const MT7531_DIS_CLR = 1 << 31;

/** FID_PST(fid, state): the 2-bit STP state of one filtering ID in SSP_P. */
export const FID_PST = (fid: number, state: number): number => (state & 0x3) << (fid * 2);
export const FID_PST_MASK = (fid: number): number => FID_PST(fid, 0x3);
/** enum mt7530_fid: standalone ports and VLAN-unaware bridges. */
export const FID_STANDALONE = 0;
export const FID_BRIDGED = 1;
/** enum mt7530_stp_state (LISTENING shares BLOCKING's value). */
export const MT7530_STP_DISABLED = 0;
export const MT7530_STP_BLOCKING = 1;
export const MT7530_STP_LEARNING = 2;
export const MT7530_STP_FORWARDING = 3;

// PMCR bits.
export const PMCR_IFG_XMIT = (x: number): number => (x & 0x3) << 18;
export const PMCR_MAC_MODE = 1 << 16;
export const PMCR_FORCE_MODE = 1 << 15;
export const PMCR_TX_EN = 1 << 14;
export const PMCR_RX_EN = 1 << 13;
export const PMCR_BACKOFF_EN = 1 << 9;
export const PMCR_BACKPR_EN = 1 << 8;
export const PMCR_TX_FC_EN = 1 << 5;
export const PMCR_RX_FC_EN = 1 << 4;
export const PMCR_FORCE_SPEED_1000 = 1 << 3;
export const PMCR_FORCE_SPEED_100 = 1 << 2;
export const PMCR_FORCE_FDX = 1 << 1;
export const PMCR_FORCE_LNK = 1 << 0;
/** MT7531_FORCE_MODE: MT7531 forces link, speed, duplex and flow control with bits 31-27. */
export const MT7531_FORCE_MODE = (0x1f << 27) >>> 0;

// PMSR bits.
export const PMSR_RX_FC = 1 << 5;
export const PMSR_TX_FC = 1 << 4;
export const PMSR_SPEED_1000 = 1 << 3;
export const PMSR_SPEED_100 = 1 << 2;
export const PMSR_SPEED_MASK = PMSR_SPEED_100 | PMSR_SPEED_1000;
export const PMSR_DPX = 1 << 1;
export const PMSR_LINK = 1 << 0;

// MIB.
/** MT7530_MIB_CCR: CCR_MIB_FLUSH then CCR_MIB_ACTIVATE (mt7530_mib_reset). */
export const MT7530_MIB_CCR = 0x4fe0;
export const CCR_MIB_ENABLE = (1 << 31) >>> 0;
export const CCR_MIB_FLUSH = 0xf0;
export const CCR_MIB_ACTIVATE = (CCR_MIB_ENABLE | CCR_MIB_FLUSH) >>> 0;

// MT7531 PHY indirect access (mt7531_ind_c22/c45_phy_read/write).
/**
 * MT7530_SYS_INT_STS: interrupt status, write 1 to clear (mt7530_irq_thread_fn); bit n is the
 * internal PHY at address n (mt7530_setup_mdio_irq maps PHY n to hwirq n).
 */
export const MT7530_SYS_INT_STS = 0x700c;
export const MT7530_SYS_INT_PHY = (1 << 5) - 1; // MT7530_NUM_PHYS bits

/** MT7531_PHY_IAC: command [31] ACS_ST, [29:25] register or MMD, [24:20] PHY, [19:18] command, [17:16] start, [15:0] data. */
export const MT7531_PHY_IAC = 0x701c;
export const MT7531_PHY_ACS_ST = (1 << 31) >>> 0;
export const MT7531_MDIO_REG_ADDR = (x: number): number => (x & 0x1f) << 25;
export const MT7531_MDIO_DEV_ADDR = MT7531_MDIO_REG_ADDR;
export const MT7531_MDIO_PHY_ADDR = (x: number): number => (x & 0x1f) << 20;
export const MT7531_MDIO_CMD = (x: number): number => (x & 0x3) << 18;
export const MT7531_MDIO_ST = (x: number): number => (x & 0x3) << 16;
export const MT7531_MDIO_RW_DATA_MASK = 0xffff;
/** enum mt7531_phy_iac_cmd and enum mt7531_mdio_st. */
export const MT7531_MDIO_ADDR = 0;
export const MT7531_MDIO_WRITE = 1;
export const MT7531_MDIO_READ = 2;
export const MT7531_MDIO_READ_CL45 = 3;
export const MT7531_MDIO_ST_CL45 = 0;
export const MT7531_MDIO_ST_CL22 = 1;
export const MT7531_MDIO_CL22_READ = MT7531_MDIO_ST(MT7531_MDIO_ST_CL22) | MT7531_MDIO_CMD(MT7531_MDIO_READ);
export const MT7531_MDIO_CL22_WRITE = MT7531_MDIO_ST(MT7531_MDIO_ST_CL22) | MT7531_MDIO_CMD(MT7531_MDIO_WRITE);
export const MT7531_MDIO_CL45_ADDR = MT7531_MDIO_ST(MT7531_MDIO_ST_CL45) | MT7531_MDIO_CMD(MT7531_MDIO_ADDR);
export const MT7531_MDIO_CL45_READ = MT7531_MDIO_ST(MT7531_MDIO_ST_CL45) | MT7531_MDIO_CMD(MT7531_MDIO_READ_CL45);
export const MT7531_MDIO_CL45_WRITE = MT7531_MDIO_ST(MT7531_MDIO_ST_CL45) | MT7531_MDIO_CMD(MT7531_MDIO_WRITE);

export function hex(v: number, digits = 4): string {
  return '0x' + (v >>> 0).toString(16).padStart(digits, '0');
}
