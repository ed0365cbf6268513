import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { MDIO_IDLE, type MdioTarget } from '../mdio/wire.ts';
import {
  ADVERTISE_1000FULL,
  ADVERTISE_1000HALF,
  ADVERTISE_100FULL,
  ADVERTISE_100HALF,
  ADVERTISE_10FULL,
  ADVERTISE_10HALF,
  ADVERTISE_CSMA,
  BMCR_ANENABLE,
  BMCR_ANRESTART,
  BMCR_FULLDPLX,
  BMCR_LOOPBACK,
  BMCR_PDOWN,
  BMCR_RESET,
  BMCR_SPEED100,
  BMCR_SPEED1000,
  BMSR_100FULL,
  BMSR_100HALF,
  BMSR_10FULL,
  BMSR_10HALF,
  BMSR_ANEGCAPABLE,
  BMSR_ANEGCOMPLETE,
  BMSR_ERCAP,
  BMSR_ESTATEN,
  BMSR_LSTATUS,
  BMSR_MFPRESUPP,
  CTL1000_AS_MASTER,
  CTL1000_ENABLE_MASTER,
  ESTATUS_1000_TFULL,
  ESTATUS_1000_THALF,
  EXPANSION_ENABLENPAGE,
  EXPANSION_LCWP,
  EXPANSION_NPCAPABLE,
  EXPANSION_NWAY,
  LPA_1000FULL,
  LPA_1000HALF,
  LPA_1000LOCALRXOK,
  LPA_1000MSRES,
  LPA_1000REMRXOK,
  LPA_LPACK,
  MDIO_AN_EEE_ADV,
  MDIO_AN_EEE_LPABLE,
  MDIO_EEE_1000T,
  MDIO_EEE_100TX,
  MDIO_MMD_AN,
  MDIO_MMD_PCS,
  MDIO_PCS_EEE_ABLE,
  MII_ADVERTISE,
  MII_BMCR,
  MII_BMSR,
  MII_CTRL1000,
  MII_ESTATUS,
  MII_EXPANSION,
  MII_LPA,
  MII_MMD_CTRL,
  MII_MMD_CTRL_DEVAD_MASK,
  MII_MMD_CTRL_FUNC_MASK,
  MII_MMD_DATA,
  MII_NPLP,
  MII_NPTX,
  MII_PHYSID1,
  MII_PHYSID2,
  MII_STAT1000,
} from '../phy/mii.ts';

export type PhyModel = 'generic' | 'marvell-88e151x' | 'marvell-6390-internal' | 'realtek-rtl8211f' | 'mediatek-mt7530' | 'mediatek-mt7531';

export type PhySpeed = 10 | 100 | 1000;
export type PhyDuplex = 'full' | 'half';

/** What the far end of the cable can do; it advertises every mode up to this one. */
export interface LinkPartner {
  speed: PhySpeed;
  duplex: PhyDuplex;
}

export interface SimPhyOptions {
  model: PhyModel;
  clock: Clock;
  /** Time from cable-in or AN restart to link up; 0 (the default) brings the link up synchronously. */
  autonegMs?: number;
  /** PHYSID1/2 value; defaults to the model's ID (`SIM_PHY_IDS`). */
  phyId?: number;
  /** The link partner; defaults to a 1000/full partner. */
  partner?: LinkPartner;
}

/**
 * Default PHY IDs per model. The generic model uses 0x0007C0F1, an SMSC/Microchip LAN8710A-like
 * ID that none of our vendor drivers claim, so it exercises the generic driver as an unknown
 * but well-behaved Clause 22 PHY would.
 */
export const SIM_PHY_IDS: Readonly<Record<PhyModel, number>> = {
  generic: 0x0007c0f1,
  'marvell-88e151x': 0x01410dd1,
  'marvell-6390-internal': 0x01410f90, // what mv88e6xxx reports for the 6390's internal PHYs
  'realtek-rtl8211f': 0x001cc916,
  // drivers/net/phy/mediatek-ge.c: the internal gigabit PHYs of the MT7530 and MT7531.
  'mediatek-mt7530': 0x03a29412,
  'mediatek-mt7531': 0x03a29441,
};

// Reset values. BMCR 0x1140 = AN enable, full duplex, speed 1000 (as on the 88E151x and
// RTL8211F; QEMU's Marvell-like PHY model uses the same).
const BMCR_DEFAULT = BMCR_ANENABLE | BMCR_FULLDPLX | BMCR_SPEED1000;
const ANAR_DEFAULT = ADVERTISE_100FULL | ADVERTISE_100HALF | ADVERTISE_10FULL | ADVERTISE_10HALF | ADVERTISE_CSMA; // 0x01E1
const CTRL1000_DEFAULT = ADVERTISE_1000FULL;
const NPTX_DEFAULT = 0x2001; // 802.3 28.2.4.1.6: message page, null message code
/** Writable BMCR bits; 5:0 are reserved (unidirectional enable is not modelled). */
const BMCR_WRITABLE = 0xffc0;
/** 10/100 half and full, AN-capable, extended status, MF preamble suppression (cf. QEMU's 0x7969). */
const BMSR_ABILITIES = BMSR_100FULL | BMSR_100HALF | BMSR_10FULL | BMSR_10HALF | BMSR_ESTATEN | BMSR_MFPRESUPP | BMSR_ANEGCAPABLE | BMSR_ERCAP;
/** 802.3 45.2.3.10: EEE for 100BASE-TX and 1000BASE-T. */
const EEE_ABILITY = MDIO_EEE_100TX | MDIO_EEE_1000T;

// Marvell 88E151x (drivers/net/phy/marvell.c): page register and page 0 copper status.
const MARVELL_PAGE_REG = 22;
const MARVELL_COPPER_STATUS = 17;
const MII_M1011_PHY_STATUS_1000 = 0x8000;
const MII_M1011_PHY_STATUS_100 = 0x4000;
const MII_M1011_PHY_STATUS_FULLDUPLEX = 0x2000;
const MII_M1011_PHY_STATUS_RESOLVED = 0x0800;
const MII_M1011_PHY_STATUS_LINK = 0x0400;
/** Page 0 registers 18 (interrupt enable) and 19 (interrupt status, latched, clear on read). */
const MARVELL_IMASK = 18;
const MARVELL_IEVENT = 19;
const IEVENT_SPEED_CHANGED = 0x4000;
const IEVENT_DUPLEX_CHANGED = 0x2000;
const IEVENT_LINK_CHANGED = 0x0400;

// Realtek RTL8211F (drivers/net/phy/realtek.c): page select and PHYSR.
const RTL_PAGE_REG = 0x1f;
const RTL8211F_PHYSR_PAGE = 0xa43;
const RTL8211F_PHYSR = 0x1a;
const RTL_PHYSR_LINK = 0x0004;
const RTL_PHYSR_DUPLEX = 0x0008;
const RTL_PHYSR_SPEED_1000 = 0x0020;
const RTL_PHYSR_SPEED_100 = 0x0010;
const RTL_PHYSR_MASTER = 0x0800;

// MediaTek gigabit PHYs (mediatek-ge.c): MTK_EXT_PAGE_ACCESS selects the page of the
// extended registers. Which registers the page governs is not public; like the RTL8211F's,
// 0-15 stay the IEEE ones here and 0x10-0x1E are paged.
const MTK_EXT_PAGE_ACCESS = 0x1f;

interface Mode {
  speed: PhySpeed;
  duplex: PhyDuplex;
}

/** 802.3 Annex 28B.3 priority resolution, highest first. */
const MODES_BY_PRIORITY: readonly Mode[] = [
  { speed: 1000, duplex: 'full' },
  { speed: 1000, duplex: 'half' },
  { speed: 100, duplex: 'full' },
  { speed: 100, duplex: 'half' },
  { speed: 10, duplex: 'full' },
  { speed: 10, duplex: 'half' },
];
const MODE_10_HALF = MODES_BY_PRIORITY[5];

function partnerHas(p: LinkPartner, m: Mode): boolean {
  return m.speed <= p.speed && (m.duplex === 'half' || p.duplex === 'full');
}

function checkPartner(p: LinkPartner): LinkPartner {
  if (p.speed !== 10 && p.speed !== 100 && p.speed !== 1000) throw new RangeError(`sim phy: partner speed ${String(p.speed)} is not 10, 100 or 1000`);
  if (p.duplex !== 'full' && p.duplex !== 'half') throw new RangeError(`sim phy: partner duplex ${String(p.duplex)} is not full or half`);
  return { speed: p.speed, duplex: p.duplex };
}

function checkMs(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`sim phy: autoneg time ${ms} must be a finite number of ms >= 0`);
  return ms;
}

/**
 * A Clause 22 PHY at register level: the IEEE registers 0-15 (802.3 22.2.4), Clause 45 MMDs
 * reached through registers 13/14 (Annex 22D), a cable with a link partner, autonegotiation
 * timed on the injected clock, and each model's vendor status registers.
 *
 * Link state has three inputs: the cable (`setCable`), the PHY's own configuration (BMCR:
 * AN, loopback, power-down, reset) and the world's override (`forceLink`). `mediaLinkUp` is
 * what the wire says (the switch's MAC side follows it); `linkUp` is what the registers say.
 *
 * Direct Clause 45 frames are not answered (no read45/write45): these are Clause 22 PHYs.
 */
export class SimPhy implements MdioTarget {
  readonly model: PhyModel;
  readonly phyId: number;
  /** False: the PHY does not drive MDIO; reads return 0xFFFF and writes are lost, as at an empty address. */
  answers = true;

  private readonly clock: Clock;
  private autonegTime: number;
  private partnerModes: LinkPartner;
  private cablePlugged = false;
  private override: boolean | null = null;

  // IEEE registers with state of their own.
  private bmcr = BMCR_DEFAULT;
  private anar = ANAR_DEFAULT;
  private ctrl1000 = CTRL1000_DEFAULT;
  private nptx = NPTX_DEFAULT;
  /** 802.3 22.2.4.2.13: link status is latched low; true = a drop happened since BMSR was last read. */
  private linkDropLatched = false;
  /** 802.3 28.2.4.1.5: ANER page received is latched high, cleared by reading ANER. */
  private pageReceivedLatched = false;

  // Link machinery.
  private mediaUp = false;
  private anComplete = false;
  /** The mode agreed when AN completed, kept until the next renegotiation as real silicon does. */
  private hcd: Mode | null = null;
  private timer: TimerHandle | null = null;
  private prevLinkUp = false;
  private prevMediaUp = false;
  private readonly listeners: ((up: boolean) => void)[] = [];

  // MMD access (Annex 22D): control register, one address register per MMD, and the MMD store.
  private mmdCtrl = 0;
  private readonly mmdAddr = new Map<number, number>();
  private readonly mmd = new Map<number, number>();

  // Vendor registers: page select and a plain store keyed by page and register.
  private page = 0;
  private readonly vendor = new Map<number, number>();
  /** Marvell interrupt status (page 0 register 19): events latched since it was last read. */
  private ievent = 0;
  /** Speed and duplex of the last link up, for the Marvell speed and duplex changed events. */
  private lastUpMode: Mode | null = null;

  constructor(opts: SimPhyOptions) {
    this.model = opts.model;
    if (!(opts.model in SIM_PHY_IDS)) throw new RangeError(`sim phy: unknown model '${String(opts.model)}'`);
    this.phyId = (opts.phyId ?? SIM_PHY_IDS[opts.model]) >>> 0;
    this.clock = opts.clock;
    this.autonegTime = checkMs(opts.autonegMs ?? 0);
    this.partnerModes = checkPartner(opts.partner ?? { speed: 1000, duplex: 'full' });
    this.resetMmd();
  }

  // ---- The world's side -------------------------------------------------------------------

  /** Plugs (starting autonegotiation) or pulls (dropping the link at once) the cable. */
  setCable(up: boolean): void {
    if (up === this.cablePlugged) return;
    this.cablePlugged = up;
    if (up) this.restartLink();
    else this.dropMedia();
  }

  /** Whether the cable is plugged. */
  get cable(): boolean {
    return this.cablePlugged;
  }

  /**
   * Overrides the link the PHY's registers report (`sim phy <port> up|down`); null follows
   * the cable again. The media side, and so the switch's MAC, is unaffected. A forced up also
   * reports autonegotiation complete, so that a driver reading the registers sees a link.
   */
  forceLink(state: boolean | null): void {
    this.override = state;
    this.update();
  }

  /** The link partner changes what it can do: it renegotiates, so the link drops and returns. */
  setPartner(partner: LinkPartner): void {
    this.partnerModes = checkPartner(partner);
    if (this.cablePlugged) this.restartLink();
  }

  /** The current link partner. */
  get partner(): LinkPartner {
    return { ...this.partnerModes };
  }

  /** Time from cable-in (or AN restart) to link up, for links that come up from now on. */
  get autonegMs(): number {
    return this.autonegTime;
  }
  set autonegMs(ms: number) {
    this.autonegTime = checkMs(ms);
  }

  /** The cable's resolved link after autonegotiation, ignoring the override. */
  get mediaLinkUp(): boolean {
    return this.mediaUp;
  }

  /** The link the PHY's registers report: the override if any, else the media link; never in power-down. */
  get linkUp(): boolean {
    if (this.bmcr & BMCR_PDOWN) return false;
    if (this.override !== null) return this.override;
    // Loopback reports link up without a partner, as Linux genphy_loopback waits for.
    return (this.bmcr & BMCR_LOOPBACK) !== 0 || this.mediaUp;
  }

  /** Resolved speed: AN's highest common mode, or BMCR's forced speed when AN is off or in loopback. */
  get speed(): PhySpeed {
    return this.mode().speed;
  }

  /** Resolved duplex, as for `speed`. */
  get duplex(): PhyDuplex {
    return this.mode().duplex;
  }

  /**
   * Calls `cb` whenever `linkUp` or `mediaLinkUp` changes, with the new `linkUp`; listeners
   * that follow the media side read `mediaLinkUp`.
   */
  onLinkChange(cb: (up: boolean) => void): void {
    this.listeners.push(cb);
  }

  /**
   * The PHY's interrupt output: an event latched in its interrupt status that its interrupt
   * enable lets through (Marvell models; the others model no interrupt registers). Events
   * latch whether enabled or not, as the status register shows them either way.
   */
  get interruptAsserted(): boolean {
    if (this.model !== 'marvell-88e151x' && this.model !== 'marvell-6390-internal') return false;
    return (this.ievent & (this.vendor.get(MARVELL_IMASK) ?? 0)) !== 0;
  }

  /** Removes a listener added by `onLinkChange`. */
  offLinkChange(cb: (up: boolean) => void): void {
    const i = this.listeners.indexOf(cb);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  // ---- MDIO ----------------------------------------------------------------------------------

  /** A Clause 22 read frame: the register on the selected page (vendor models), or 0xFFFF when not answering. */
  read(reg: number): number {
    if (!this.answers) return MDIO_IDLE;
    reg &= 0x1f;
    switch (this.model) {
      case 'marvell-88e151x':
      case 'marvell-6390-internal':
        // marvell.c: register 22 selects the page of every other register; page 0 is copper.
        if (reg === MARVELL_PAGE_REG) return this.page;
        if (this.page !== 0) return this.vendorRead(reg);
        if (reg === MARVELL_COPPER_STATUS) return this.marvellCopperStatus();
        if (reg === MARVELL_IEVENT) {
          const v = this.ievent;
          this.ievent = 0;
          return v;
        }
        return reg < 16 ? this.readIeee(reg) : this.vendorRead(reg);
      case 'realtek-rtl8211f':
        // Registers 0-15 are not paged; 0x10-0x1E are, through register 0x1F.
        if (reg === RTL_PAGE_REG) return this.page;
        if (reg < 16) return this.readIeee(reg);
        if (reg === RTL8211F_PHYSR && (this.page === RTL8211F_PHYSR_PAGE || this.page === 0)) return this.realtekPhysr();
        return this.vendorRead(reg);
      case 'mediatek-mt7530':
      case 'mediatek-mt7531':
        if (reg === MTK_EXT_PAGE_ACCESS) return this.page;
        return reg < 16 ? this.readIeee(reg) : this.vendorRead(reg);
      case 'generic':
        return reg < 16 ? this.readIeee(reg) : this.vendorRead(reg);
    }
  }

  /** A Clause 22 write frame; read-only and reserved registers ignore it. */
  write(reg: number, value: number): void {
    if (!this.answers) return;
    reg &= 0x1f;
    value &= 0xffff;
    switch (this.model) {
      case 'marvell-88e151x':
      case 'marvell-6390-internal':
        if (reg === MARVELL_PAGE_REG) {
          this.page = value & 0xff; // bits 15:8 reserved
          return;
        }
        if (this.page !== 0) return this.vendorWrite(reg, value);
        if (reg === MARVELL_COPPER_STATUS || reg === MARVELL_IEVENT) return; // read-only status
        return reg < 16 ? this.writeIeee(reg, value) : this.vendorWrite(reg, value);
      case 'realtek-rtl8211f':
        if (reg === RTL_PAGE_REG) {
          this.page = value;
          return;
        }
        if (reg < 16) return this.writeIeee(reg, value);
        if (reg === RTL8211F_PHYSR && (this.page === RTL8211F_PHYSR_PAGE || this.page === 0)) return; // read-only
        return this.vendorWrite(reg, value);
      case 'mediatek-mt7530':
      case 'mediatek-mt7531':
        if (reg === MTK_EXT_PAGE_ACCESS) {
          this.page = value;
          return;
        }
        return reg < 16 ? this.writeIeee(reg, value) : this.vendorWrite(reg, value);
      case 'generic':
        return reg < 16 ? this.writeIeee(reg, value) : this.vendorWrite(reg, value);
    }
  }

  // ---- IEEE registers --------------------------------------------------------------------

  private readIeee(reg: number): number {
    switch (reg) {
      case MII_BMCR:
        return this.bmcr;
      case MII_BMSR: {
        let v = BMSR_ABILITIES;
        // 802.3 22.2.4.2.13: link status is latched low until read, then shows the current link.
        if (this.linkUp && !this.linkDropLatched) v |= BMSR_LSTATUS;
        this.linkDropLatched = false;
        if (this.anCompleteShown) v |= BMSR_ANEGCOMPLETE;
        return v;
      }
      case MII_PHYSID1:
        return this.phyId >>> 16;
      case MII_PHYSID2:
        return this.phyId & 0xffff;
      case MII_ADVERTISE:
        return this.anar;
      case MII_LPA:
        return this.anCompleteShown ? this.partnerAnar() : 0;
      case MII_EXPANSION: {
        // 1000BASE-T needs next pages, so both ends are NP-able.
        let v = EXPANSION_ENABLENPAGE;
        if (this.anCompleteShown) {
          v |= EXPANSION_NWAY | EXPANSION_NPCAPABLE;
          if (this.pageReceivedLatched) v |= EXPANSION_LCWP;
        }
        this.pageReceivedLatched = false;
        return v;
      }
      case MII_NPTX:
        return this.nptx;
      case MII_NPLP:
        return 0;
      case MII_CTRL1000:
        return this.ctrl1000;
      case MII_STAT1000:
        return this.stat1000();
      case MII_MMD_CTRL:
        return this.mmdCtrl;
      case MII_MMD_DATA:
        return this.mmdDataAccess(null);
      case MII_ESTATUS:
        return ESTATUS_1000_TFULL | ESTATUS_1000_THALF;
      default:
        return 0; // 11, 12: reserved
    }
  }

  private writeIeee(reg: number, value: number): void {
    switch (reg) {
      case MII_BMCR:
        this.writeBmcr(value);
        return;
      case MII_ADVERTISE:
        this.anar = value; // takes effect at the next negotiation, as on hardware
        return;
      case MII_NPTX:
        this.nptx = value;
        return;
      case MII_CTRL1000:
        this.ctrl1000 = value;
        return;
      case MII_MMD_CTRL:
        this.mmdCtrl = value & (MII_MMD_CTRL_FUNC_MASK | MII_MMD_CTRL_DEVAD_MASK);
        return;
      case MII_MMD_DATA:
        this.mmdDataAccess(value);
        return;
      default:
        return; // read-only or reserved
    }
  }

  private writeBmcr(value: number): void {
    // 802.3 22.2.4.1.1: reset returns the control registers to their defaults and self-clears.
    if (value & BMCR_RESET) {
      this.softReset();
      return;
    }
    const old = this.bmcr;
    // AN restart is self-clearing: writing 0 does not stop a negotiation in progress, and it
    // has no effect while AN is disabled (22.2.4.1.7).
    const restart = (value & BMCR_ANRESTART) !== 0 && (value & BMCR_ANENABLE) !== 0;
    let next = (value & BMCR_WRITABLE & ~BMCR_ANRESTART) | (old & BMCR_ANRESTART);
    if (restart) next |= BMCR_ANRESTART;
    if (!(next & BMCR_ANENABLE)) next &= ~BMCR_ANRESTART;
    this.bmcr = next;
    const changed = old ^ next;
    const forcedModeChanged = !(next & BMCR_ANENABLE) && (changed & (BMCR_SPEED100 | BMCR_SPEED1000 | BMCR_FULLDPLX)) !== 0;
    if (restart || (changed & (BMCR_ANENABLE | BMCR_PDOWN | BMCR_LOOPBACK)) !== 0 || forcedModeChanged) this.restartLink();
  }

  private softReset(): void {
    this.bmcr = BMCR_DEFAULT;
    this.anar = ANAR_DEFAULT;
    this.ctrl1000 = CTRL1000_DEFAULT;
    this.nptx = NPTX_DEFAULT;
    this.resetMmd();
    this.restartLink();
  }

  private resetMmd(): void {
    this.mmdCtrl = 0;
    this.mmdAddr.clear();
    this.mmd.set(MDIO_MMD_AN * 0x10000 + MDIO_AN_EEE_ADV, EEE_ABILITY);
  }

  private stat1000(): number {
    let v = 0;
    if (this.anCompleteShown) {
      if (partnerHas(this.partnerModes, { speed: 1000, duplex: 'full' })) v |= LPA_1000FULL;
      if (partnerHas(this.partnerModes, { speed: 1000, duplex: 'half' })) v |= LPA_1000HALF;
    }
    // 802.3 40.5.1.1: receiver status and master/slave resolution exist only on a 1000BASE-T link.
    if (this.linkUp && this.anEffective && this.speed === 1000) {
      v |= LPA_1000LOCALRXOK | LPA_1000REMRXOK;
      if (this.isMaster) v |= LPA_1000MSRES;
    }
    return v;
  }

  /** Master only when configured so by hand (CTRL1000 bits 12/11); the partner is then the slave. */
  private get isMaster(): boolean {
    return (this.ctrl1000 & (CTL1000_ENABLE_MASTER | CTL1000_AS_MASTER)) === (CTL1000_ENABLE_MASTER | CTL1000_AS_MASTER);
  }

  private partnerAnar(): number {
    const p = this.partnerModes;
    let v = ADVERTISE_CSMA | LPA_LPACK;
    if (partnerHas(p, { speed: 10, duplex: 'half' })) v |= ADVERTISE_10HALF;
    if (partnerHas(p, { speed: 10, duplex: 'full' })) v |= ADVERTISE_10FULL;
    if (partnerHas(p, { speed: 100, duplex: 'half' })) v |= ADVERTISE_100HALF;
    if (partnerHas(p, { speed: 100, duplex: 'full' })) v |= ADVERTISE_100FULL;
    return v;
  }

  // ---- MMD through registers 13/14 (802.3 22.2.4.3.11-12, Annex 22D) -------------------

  /** Reads (value null) or writes MMD_DATA, applying the function in MMD_CTRL[15:14]. */
  private mmdDataAccess(value: number | null): number {
    const devad = this.mmdCtrl & MII_MMD_CTRL_DEVAD_MASK;
    const fn = this.mmdCtrl >>> 14;
    const addr = this.mmdAddr.get(devad) ?? 0;
    if (fn === 0) {
      if (value !== null) this.mmdAddr.set(devad, value);
      return addr;
    }
    let result = 0;
    if (value === null) result = this.mmdRead(devad, addr);
    else this.mmdWrite(devad, addr, value);
    // 01 no increment; 10 increment after read or write; 11 increment after write only.
    if (fn === 2 || (fn === 3 && value !== null)) this.mmdAddr.set(devad, (addr + 1) & 0xffff);
    return result;
  }

  private mmdRead(devad: number, reg: number): number {
    if (devad === MDIO_MMD_PCS && reg === MDIO_PCS_EEE_ABLE) return EEE_ABILITY;
    if (devad === MDIO_MMD_AN && reg === MDIO_AN_EEE_LPABLE) {
      if (!this.anCompleteShown) return 0;
      // The partner is EEE-capable in the modes it can do.
      return (this.partnerModes.speed >= 100 ? MDIO_EEE_100TX : 0) | (this.partnerModes.speed >= 1000 ? MDIO_EEE_1000T : 0);
    }
    return this.mmd.get(devad * 0x10000 + reg) ?? 0;
  }

  private mmdWrite(devad: number, reg: number, value: number): void {
    if (devad === MDIO_MMD_PCS && reg === MDIO_PCS_EEE_ABLE) return; // read-only
    if (devad === MDIO_MMD_AN && reg === MDIO_AN_EEE_LPABLE) return; // read-only
    this.mmd.set(devad * 0x10000 + reg, value);
  }

  // ---- Vendor registers --------------------------------------------------------------------

  private vendorRead(reg: number): number {
    return this.vendor.get(this.page * 32 + reg) ?? 0;
  }

  private vendorWrite(reg: number, value: number): void {
    this.vendor.set(this.page * 32 + reg, value);
  }

  /**
   * Marvell page 0 register 17, copper specific status (marvell.c): speed and duplex are
   * valid only with "resolved" set, which needs link up and AN complete (or AN off: the
   * forced mode is resolved by definition, as the datasheet has it); bit 10 is the real-time link.
   */
  private marvellCopperStatus(): number {
    const m = this.mode();
    let v = m.speed === 1000 ? MII_M1011_PHY_STATUS_1000 : m.speed === 100 ? MII_M1011_PHY_STATUS_100 : 0;
    if (m.duplex === 'full') v |= MII_M1011_PHY_STATUS_FULLDUPLEX;
    const up = this.linkUp;
    if (up) v |= MII_M1011_PHY_STATUS_LINK;
    if (up && (this.anCompleteShown || !this.anEffective)) v |= MII_M1011_PHY_STATUS_RESOLVED;
    return v; // bit 6 MDI-X stays 0: the model's cable is always straight
  }

  /**
   * RTL8211F PHYSR at page 0xA43 register 0x1A, as current Linux realtek.c reads it; also
   * answered with the page at 0, where code that never selects a page reads it. Page 0xA43
   * register 0x12 (OCP 0xA434, the PHYSR of Realtek's 2.5G PHYs that older generic code read)
   * is not modelled: it is a plain store here. Speed and duplex are reported only with link up.
   */
  private realtekPhysr(): number {
    if (!this.linkUp) return 0;
    const m = this.mode();
    let v = RTL_PHYSR_LINK;
    if (m.duplex === 'full') v |= RTL_PHYSR_DUPLEX;
    if (m.speed === 1000) v |= RTL_PHYSR_SPEED_1000;
    else if (m.speed === 100) v |= RTL_PHYSR_SPEED_100;
    if (m.speed === 1000 && this.isMaster) v |= RTL_PHYSR_MASTER;
    return v;
  }

  // ---- Link machinery -----------------------------------------------------------------------

  /** AN runs only when enabled and not in loopback (loopback disconnects the line side). */
  private get anEffective(): boolean {
    return (this.bmcr & BMCR_ANENABLE) !== 0 && (this.bmcr & BMCR_LOOPBACK) === 0;
  }

  /** AN complete as the registers show it: a forced-up override looks negotiated. */
  private get anCompleteShown(): boolean {
    if (this.bmcr & BMCR_PDOWN) return false;
    if (this.override === true) return this.anEffective;
    return this.anComplete;
  }

  private mode(): Mode {
    if (!this.anEffective) {
      // Forced mode, decoded as Linux genphy_read_status_fixed does (1000 wins over 100).
      const speed: PhySpeed = this.bmcr & BMCR_SPEED1000 ? 1000 : this.bmcr & BMCR_SPEED100 ? 100 : 10;
      return { speed, duplex: this.bmcr & BMCR_FULLDPLX ? 'full' : 'half' };
    }
    return this.hcd ?? this.highestCommonMode() ?? MODE_10_HALF;
  }

  /** 802.3 Annex 28B.3: the highest mode both ends advertise, or null when there is none. */
  private highestCommonMode(): Mode | null {
    const ours = (m: Mode): boolean => {
      if (m.speed === 1000) return (this.ctrl1000 & (m.duplex === 'full' ? ADVERTISE_1000FULL : ADVERTISE_1000HALF)) !== 0;
      if (m.speed === 100) return (this.anar & (m.duplex === 'full' ? ADVERTISE_100FULL : ADVERTISE_100HALF)) !== 0;
      return (this.anar & (m.duplex === 'full' ? ADVERTISE_10FULL : ADVERTISE_10HALF)) !== 0;
    };
    return MODES_BY_PRIORITY.find((m) => ours(m) && partnerHas(this.partnerModes, m)) ?? null;
  }

  /**
   * Drops the media link and starts bringing it up again: autonegotiation, or link training
   * at the forced speed when AN is off. Both take `autonegMs`; nothing starts without a
   * cable, in power-down or in loopback.
   */
  private restartLink(): void {
    this.cancelTimer();
    this.mediaUp = false;
    this.anComplete = false;
    this.hcd = null;
    const idle = (this.bmcr & (BMCR_PDOWN | BMCR_LOOPBACK)) !== 0;
    if (idle) this.bmcr &= ~BMCR_ANRESTART;
    this.update();
    if (idle || !this.cablePlugged) return;
    if (this.autonegTime === 0) this.linkTrained();
    else
      this.timer = this.clock.setTimer(this.autonegTime, () => {
        this.timer = null;
        this.linkTrained();
      });
  }

  private linkTrained(): void {
    if (this.anEffective) {
      this.anComplete = true;
      this.pageReceivedLatched = true;
      this.bmcr &= ~BMCR_ANRESTART;
      this.hcd = this.highestCommonMode();
      this.mediaUp = this.hcd !== null; // AN completes, but no common mode means no link
    } else {
      // A forced PHY links with a partner that can run at that speed (parallel detection).
      this.mediaUp = this.partnerModes.speed >= this.mode().speed;
    }
    this.update();
  }

  private dropMedia(): void {
    this.cancelTimer();
    this.mediaUp = false;
    this.anComplete = false;
    this.hcd = null;
    this.update();
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clock.cancel(this.timer);
    this.timer = null;
  }

  /** Latches a drop of the reported link and the interrupt events, and tells listeners about any change. */
  private update(): void {
    const up = this.linkUp;
    const media = this.mediaUp;
    if (this.prevLinkUp && !up) this.linkDropLatched = true;
    if (up !== this.prevLinkUp) this.ievent |= IEVENT_LINK_CHANGED;
    if (up && up !== this.prevLinkUp) {
      const m = this.mode();
      if (this.lastUpMode && m.speed !== this.lastUpMode.speed) this.ievent |= IEVENT_SPEED_CHANGED;
      if (this.lastUpMode && m.duplex !== this.lastUpMode.duplex) this.ievent |= IEVENT_DUPLEX_CHANGED;
      this.lastUpMode = m;
    }
    if (up === this.prevLinkUp && media === this.prevMediaUp) return;
    this.prevLinkUp = up;
    this.prevMediaUp = media;
    for (const cb of this.listeners.slice()) cb(up);
  }
}
