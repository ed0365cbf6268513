import type { MdioBus, MdioOp } from '../mdio/bus.ts';
import {
  ADVERTISE_1000FULL,
  ADVERTISE_1000HALF,
  ADVERTISE_100FULL,
  ADVERTISE_100HALF,
  ADVERTISE_10FULL,
  ADVERTISE_10HALF,
  BMCR_ANENABLE,
  BMCR_ANRESTART,
  BMCR_FULLDPLX,
  BMCR_ISOLATE,
  BMCR_LOOPBACK,
  BMCR_PDOWN,
  BMCR_RESET,
  BMCR_SPEED100,
  BMCR_SPEED1000,
  BMSR_ANEGCOMPLETE,
  BMSR_ESTATEN,
  BMSR_LSTATUS,
  CTL1000_AS_MASTER,
  CTL1000_ENABLE_MASTER,
  CTL1000_PREFER_MASTER,
  ESTATUS_1000_TFULL,
  ESTATUS_1000_THALF,
  MII_ADVERTISE,
  MII_BMCR,
  MII_BMSR,
  MII_CTRL1000,
  MII_ESTATUS,
  MII_LPA,
  MII_MMD_CTRL,
  MII_MMD_CTRL_NOINCR,
  MII_MMD_DATA,
  MII_STAT1000,
  LPA_1000MSFAIL,
  LPA_1000MSRES,
} from './mii.ts';
import {
  abilitiesFromRegisters,
  advertisingFromRegisters,
  isGigabitCapable,
  LINK_MODE_Asym_Pause,
  LINK_MODE_Pause,
  linkModeBit,
  partnerFromRegisters,
} from './link-modes.ts';
import type { MasterSlave, PhyDriver, PhyLinkModes, PhyStatus } from './phy.ts';

/** Speed and duplex as a driver reports them. */
export interface PhyMode {
  speed: number;
  duplex: 'full' | 'half' | 'unknown';
}

export const UNKNOWN_MODE: PhyMode = { speed: 0, duplex: 'unknown' };

/**
 * Reads allowed while waiting for BMCR reset to self-clear. Linux phy_poll_reset allows
 * 600 ms; one Clause 22 read at the 2.5 MHz MDC limit takes 64 x 400 ns = 25.6 us.
 */
export const RESET_POLL_TRIES = 24_000;

/**
 * Linux genphy_update_link over two BMSR reads taken back to back.
 *
 * IEEE 802.3 22.2.4.2.13: link status is latched low. When the previous poll saw the link
 * up, the first read decides, so a drop since then is reported (once) even if the link is
 * back; when it saw the link down, a 1 on either read is the current state. AN restart
 * pending, or AN enabled but not complete, also means down.
 */
export function updateLink(bmcr: number, bmsrFirst: number, bmsrSecond: number, wasUp: boolean): { link: boolean; dropSeen: boolean } {
  const bmsr = wasUp || bmsrFirst & BMSR_LSTATUS ? bmsrFirst : bmsrSecond;
  let link = (bmsr & BMSR_LSTATUS) !== 0;
  if (bmcr & BMCR_ANRESTART) link = false;
  if (bmcr & BMCR_ANENABLE && !(bmsr & BMSR_ANEGCOMPLETE)) link = false;
  // With wasUp the first read decides, so any loss since the previous poll shows as !link.
  return { link, dropSeen: wasUp && !link };
}

/** Forced speed and duplex from BMCR (Linux genphy_read_status_fixed). */
export function forcedMode(bmcr: number): PhyMode {
  return {
    speed: bmcr & BMCR_SPEED1000 ? 1000 : bmcr & BMCR_SPEED100 ? 100 : 10,
    duplex: bmcr & BMCR_FULLDPLX ? 'full' : 'half',
  };
}

/**
 * The highest mode both ends advertise (802.3 Annex 28B.3; Linux genphy_read_lpa then
 * phy_resolve_aneg_linkmode). `common1000` is CTRL1000 & STAT1000 >> 2, whose partner bits
 * sit two above our advertisement bits; `common` is ANAR & ANLPAR.
 */
export function resolveAneg(common1000: number, common: number): PhyMode {
  if (common1000 & ADVERTISE_1000FULL) return { speed: 1000, duplex: 'full' };
  if (common1000 & ADVERTISE_1000HALF) return { speed: 1000, duplex: 'half' };
  if (common & ADVERTISE_100FULL) return { speed: 100, duplex: 'full' };
  if (common & ADVERTISE_100HALF) return { speed: 100, duplex: 'half' };
  if (common & ADVERTISE_10FULL) return { speed: 10, duplex: 'full' };
  if (common & ADVERTISE_10HALF) return { speed: 10, duplex: 'half' };
  return UNKNOWN_MODE;
}

/**
 * phy_device.c genphy_read_master_slave: the configuration from CTRL1000, the resolution
 * from STAT1000 (meaningful only with the link up).
 */
export function masterSlaveFromRegisters(ctrl1000: number, stat1000: number, link: boolean): MasterSlave {
  let cfg: MasterSlave['cfg'];
  if (ctrl1000 & CTL1000_ENABLE_MASTER) cfg = ctrl1000 & CTL1000_AS_MASTER ? 'forced master' : 'forced slave';
  else cfg = ctrl1000 & CTL1000_PREFER_MASTER ? 'preferred master' : 'preferred slave';
  let state: MasterSlave['state'] = 'unknown';
  if (stat1000 & LPA_1000MSFAIL) state = 'resolution error';
  else if (link) state = stat1000 & LPA_1000MSRES ? 'master' : 'slave';
  return { cfg, state };
}

/** phylib sets both pause bits in every PHY's supported modes (phy_probe); the MAC narrows them. */
const PHYLIB_PAUSE = linkModeBit(LINK_MODE_Pause) + linkModeBit(LINK_MODE_Asym_Pause);

function checkMmd(devad: number, reg: number): void {
  if (!Number.isInteger(devad) || devad < 0 || devad > 31) throw new RangeError(`mmd: devad ${devad} out of range 0..31`);
  if (!Number.isInteger(reg) || reg < 0 || reg > 0xffff) throw new RangeError(`mmd: reg ${reg} out of range 0..0xffff`);
}

/**
 * The Clause 22 driver that any PHY gets when no vendor driver claims its ID, with Linux
 * genphy semantics (drivers/net/phy/phy_device.c). Vendor drivers extend it: they override
 * how IEEE registers are reached (`runIeee`, for paged PHYs), what a status poll reads and how
 * it is finished (`statusOps`, `statusFromValues`) and how speed and duplex are resolved
 * (`resolveMode`).
 *
 * Every operation is one batch in the common case, so that a serial bridge costs one round
 * trip per call; a status poll can even share its batch with other PHYs' (`statusOps`).
 */
export class GenericPhy implements PhyDriver {
  readonly name: string = 'generic';
  /** The link the previous poll reported; decides which BMSR read is trusted. */
  protected linkWasUp = false;
  /** Speed and duplex of the last poll with link up, for entering loopback at that speed. */
  protected lastMode: PhyMode = UNKNOWN_MODE;
  /** BMSR as the last status poll used it (abilities, AN complete); undefined before the first poll. */
  protected lastBmsr: number | undefined;
  /** BMCR before loopback, put back when loopback ends. */
  private bmcrBeforeLoopback: number | null = null;

  constructor(
    protected readonly bus: MdioBus,
    readonly addr: number,
    readonly phyId: number,
  ) {}

  /** Runs ops on the IEEE registers 0-15; a PHY that pages them selects the IEEE page. */
  protected runIeee(ops: readonly MdioOp[]): Promise<number[]> {
    return this.bus.run(ops);
  }

  protected readOp(reg: number): MdioOp {
    return { op: 'read', phy: this.addr, reg };
  }

  protected writeOp(reg: number, value: number): MdioOp {
    return { op: 'write', phy: this.addr, reg, value };
  }

  /**
   * The status poll's reads: BMCR, BMSR, BMSR, then what `resolveMode` needs. Both BMSR reads
   * are taken every time: in one batch they cost nothing, and `updateLink` picks the one Linux
   * would.
   */
  statusOps(): MdioOp[] {
    return [
      this.readOp(MII_BMCR),
      this.readOp(MII_BMSR),
      this.readOp(MII_BMSR),
      this.readOp(MII_ADVERTISE),
      this.readOp(MII_LPA),
      this.readOp(MII_CTRL1000),
      this.readOp(MII_STAT1000),
      this.readOp(MII_ESTATUS),
    ];
  }

  /** Speed and duplex of an up link from [BMCR, BMSR, BMSR, ...] as `decodeStatus` gets them (Linux genphy_read_status). */
  protected resolveMode(values: readonly number[]): PhyMode {
    const [bmcr, , bmsr, anar, lpa, ctrl1000, stat1000, estatus] = values;
    if (!(bmcr & BMCR_ANENABLE)) return forcedMode(bmcr);
    // Only a PHY with 1000BASE-T abilities (BMSR extended status, then ESTATUS) has meaningful registers 9/10.
    const gigabit = (bmsr & BMSR_ESTATEN) !== 0 && (estatus & (ESTATUS_1000_TFULL | ESTATUS_1000_THALF)) !== 0;
    const common1000 = gigabit ? ctrl1000 & (stat1000 >> 2) : 0;
    return resolveAneg(common1000, anar & lpa);
  }

  async readStatus(): Promise<PhyStatus> {
    // The link monitor's read (use_carrier=0): ahead of queued console work.
    return this.statusFromValues(await this.bus.run(this.statusOps(), { urgent: true }));
  }

  async statusFromValues(values: readonly number[]): Promise<PhyStatus> {
    return this.decodeStatus(values);
  }

  /**
   * The poll's result from [BMCR, BMSR, BMSR, ...what `resolveMode` reads], BMCR and BMSR
   * taken in one batch; advances the latched-link state.
   */
  protected decodeStatus(values: readonly number[]): PhyStatus {
    const bmcr = values[0];
    // The BMSR read updateLink trusts: the first when it shows link or the link was up.
    this.lastBmsr = this.linkWasUp || values[1] & BMSR_LSTATUS ? values[1] : values[2];
    const { link, dropSeen } = updateLink(bmcr, values[1], values[2], this.linkWasUp);
    this.linkWasUp = link;
    // Speed and duplex are reported for an up link only: that is when they mean something.
    const mode = link ? this.resolveMode(values) : UNKNOWN_MODE;
    if (link && mode.speed !== 0) this.lastMode = mode;
    return { link, speed: mode.speed, duplex: mode.duplex, autoneg: (bmcr & BMCR_ANENABLE) !== 0, dropSeen };
  }

  async readVendorLink(): Promise<boolean | null> {
    return null;
  }

  /** The registers `readLinkModes` reads: BMCR, ADVERTISE, LPA, CTRL1000, STAT1000, ESTATUS (none changes when read). */
  protected linkModeOps(): MdioOp[] {
    return [MII_BMCR, MII_ADVERTISE, MII_LPA, MII_CTRL1000, MII_STAT1000, MII_ESTATUS].map((r) => this.readOp(r));
  }

  async readLinkModes(): Promise<PhyLinkModes> {
    if (this.lastBmsr === undefined) await this.readStatus();
    const values = await this.runIeee(this.linkModeOps());
    return this.decodeLinkModes(this.lastBmsr ?? 0, values);
  }

  /**
   * Linux genphy_read_status with genphy_read_lpa and genphy_read_master_slave, from the
   * last poll's BMSR and the values of `linkModeOps()`: the partner's modes and the resolved
   * speed once autonegotiation completed; with autonegotiation off, the forced mode.
   */
  protected decodeLinkModes(bmsr: number, values: readonly number[]): PhyLinkModes {
    const [bmcr, anar, lpa, ctrl1000, stat1000, estatus] = values;
    const supported = abilitiesFromRegisters(bmsr, estatus) + PHYLIB_PAUSE;
    const gigabit = isGigabitCapable(supported);
    const autoneg = (bmcr & BMCR_ANENABLE) !== 0;
    const complete = autoneg && (bmsr & BMSR_ANEGCOMPLETE) !== 0;
    const mode = !autoneg ? forcedMode(bmcr) : complete ? resolveAneg(gigabit ? ctrl1000 & (stat1000 >> 2) : 0, anar & lpa) : UNKNOWN_MODE;
    return {
      supported,
      advertising: advertisingFromRegisters(anar, ctrl1000, gigabit, autoneg),
      lpAdvertising: complete ? partnerFromRegisters(lpa, stat1000, gigabit) : 0,
      autoneg,
      link: this.linkWasUp,
      speed: mode.speed,
      duplex: mode.duplex,
      mdix: 'invalid', // genphy does not know the crossover
      masterSlave: gigabit ? masterSlaveFromRegisters(ctrl1000, stat1000, this.linkWasUp) : null,
    };
  }

  /** Linux genphy_restart_aneg: AN enable and restart, and no isolation while negotiating. */
  async restartAutoneg(): Promise<void> {
    await this.runIeee([{ op: 'rmw', phy: this.addr, reg: MII_BMCR, mask: BMCR_ISOLATE | BMCR_ANENABLE | BMCR_ANRESTART, value: BMCR_ANENABLE | BMCR_ANRESTART }]);
  }

  /**
   * Linux genphy_suspend / genphy_resume: BMCR power-down set or cleared, nothing else
   * touched. Powering down forgets the link (phylib's PHY_HALTED sets phydev->link = 0), so
   * the first poll after power-up is not taken for a drop of a link that was up.
   */
  async setPowerDown(on: boolean): Promise<void> {
    await this.runIeee([{ op: 'rmw', phy: this.addr, reg: MII_BMCR, mask: BMCR_PDOWN, value: on ? BMCR_PDOWN : 0 }]);
    if (on) this.linkWasUp = false;
  }

  /**
   * Linux genphy_loopback: loopback at the speed and duplex of the last link (1000/full if
   * none was seen: our switch ports are gigabit), AN off. Leaving loopback puts back BMCR as
   * it was, restarting AN if it was on. The caller polls for the link.
   */
  async setLoopback(on: boolean): Promise<void> {
    if (on) {
      const m = this.lastMode.speed === 0 ? { speed: 1000, duplex: 'full' } : this.lastMode;
      let ctl = BMCR_LOOPBACK;
      if (m.speed === 1000) ctl |= BMCR_SPEED1000;
      else if (m.speed === 100) ctl |= BMCR_SPEED100;
      if (m.duplex === 'full') ctl |= BMCR_FULLDPLX;
      const [before] = await this.runIeee([this.readOp(MII_BMCR), this.writeOp(MII_BMCR, ctl)]);
      if (!(before & BMCR_LOOPBACK)) this.bmcrBeforeLoopback = before;
      return;
    }
    const saved = this.bmcrBeforeLoopback;
    this.bmcrBeforeLoopback = null;
    if (saved === null) {
      await this.runIeee([{ op: 'rmw', phy: this.addr, reg: MII_BMCR, mask: BMCR_LOOPBACK, value: 0 }]);
      return;
    }
    let bmcr = saved & ~(BMCR_RESET | BMCR_LOOPBACK | BMCR_ANRESTART);
    if (bmcr & BMCR_ANENABLE) bmcr |= BMCR_ANRESTART;
    await this.runIeee([this.writeOp(MII_BMCR, bmcr)]);
  }

  /** Linux genphy_soft_reset: set BMCR reset and poll (on the bus side) until it self-clears. */
  async reset(): Promise<void> {
    await this.runIeee([
      { op: 'rmw', phy: this.addr, reg: MII_BMCR, mask: BMCR_RESET, value: BMCR_RESET },
      { op: 'wait', phy: this.addr, reg: MII_BMCR, mask: BMCR_RESET, value: 0, tries: RESET_POLL_TRIES },
    ]);
    this.bmcrBeforeLoopback = null;
  }

  /** 802.3 Annex 22D (Linux mmd_phy_indirect): select devad, set the address, then data without increment. */
  private mmdOps(devad: number, reg: number): MdioOp[] {
    checkMmd(devad, reg);
    return [this.writeOp(MII_MMD_CTRL, devad), this.writeOp(MII_MMD_DATA, reg), this.writeOp(MII_MMD_CTRL, devad | MII_MMD_CTRL_NOINCR)];
  }

  async readMmd(devad: number, reg: number): Promise<number> {
    const values = await this.runIeee([...this.mmdOps(devad, reg), this.readOp(MII_MMD_DATA)]);
    return values[3];
  }

  async writeMmd(devad: number, reg: number, value: number): Promise<void> {
    await this.runIeee([...this.mmdOps(devad, reg), this.writeOp(MII_MMD_DATA, value)]);
  }
}
