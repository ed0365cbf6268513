import type { Clock, TimerHandle } from '../lib/clock.ts';
import { DeviceError, errorText } from '../lib/errors.ts';
import type { EventLog } from '../lib/log.ts';
import { parseMac } from '../lib/addr.ts';
import type { BoardDefinition } from '../boards/types.ts';
import type { Conduit } from './frames.ts';
import type { MdioBus } from './mdio/bus.ts';
import { probePhy } from './phy/index.ts';
import type { PhyDriver, PhyStatus } from './phy/phy.ts';
import type { PortPollResult, PortStatus, SwitchChip, SwitchFramePort } from './switch/chip.ts';
import { openSwitch } from './switch/index.ts';

export interface PortCounters {
  rxPackets: number;
  rxBytes: number;
  rxDropped: number;
  txPackets: number;
  txBytes: number;
  txDropped: number;
}

/**
 * One front-panel port: its switch port and PHY drivers, and the link state the last poll
 * read. `carrier` is the switch's MAC-side link (port status register); `phy` is what the
 * PHY's own registers said through the PHY driver.
 */
export class BoardPort {
  carrier = false;
  phy: PhyStatus = { link: false, speed: 0, duplex: 'unknown', autoneg: true, dropSeen: false };
  /** Switch-side speed and duplex from the port status register. */
  macSpeed = 0;
  macDuplex: 'full' | 'half' = 'half';
  /** The carrier came up after the last PHY read: `phy` is older than `carrier`. */
  phyBehind = false;
  adminUp = true;
  pollErrors = 0;
  /**
   * The PHY reported a link loss (a poll saw it go down, or its latched-low BMSR bit) since the
   * bond's MII monitor last read the PHY. The latch in the PHY has one reader; this keeps the
   * drop for the second, so a drop shorter than one poll reaches both.
   */
  miiDrop = false;
  readonly counters: PortCounters = { rxPackets: 0, rxBytes: 0, rxDropped: 0, txPackets: 0, txBytes: 0, txDropped: 0 };

  constructor(
    readonly index: number,
    readonly name: string,
    readonly switchPort: number,
    readonly phyAddr: number,
    readonly permanentMac: Uint8Array,
    readonly phyDriver: PhyDriver,
  ) {}
}

export type PortReceiver = (port: BoardPort, frame: Uint8Array, length: number) => void;
/** Frames the switch forwarded from a trunk (hardware LAG): the tag names the trunk, not the member port. */
export type LagReceiver = (trunkId: number, frame: Uint8Array, length: number) => void;

/**
 * A board brought up: the switch probed and configured (CPU port tagging, LACPDU trapping,
 * front ports forwarding), each port's PHY identified, link state polled on the clock, and
 * frames to and from the front ports through the CPU port.
 */
export class Board {
  readonly ports: BoardPort[];
  private pollTimer: TimerHandle | undefined;
  private polling = false;
  private closed = false;
  private receiver: PortReceiver | undefined;
  private readonly changeListeners = new Set<(port: BoardPort) => void>();
  private readonly bySwitchPort = new Map<number, BoardPort>();
  /** Completed polls, for tests that wait "one poll". */
  polls = 0;

  private constructor(
    readonly def: BoardDefinition,
    readonly chip: SwitchChip,
    readonly framePort: SwitchFramePort,
    ports: BoardPort[],
    private readonly clock: Clock,
    private readonly log: EventLog,
  ) {
    this.ports = ports;
    for (const p of ports) this.bySwitchPort.set(p.switchPort, p);
    framePort.setReceiver((sp, frame, length) => this.onFrame(sp, frame, length));
  }

  /** Probes and configures the hardware of `def` over `bus`; throws DeviceError when it does not match. */
  static async open(def: BoardDefinition, bus: MdioBus, conduit: Conduit, clock: Clock, log: EventLog): Promise<Board> {
    const sw = def.switch;
    const chip = await openSwitch(sw, bus, `board ${def.name}`);
    log.info(`${chip.family}: switch ${chip.modelName} found at SMI address 0x${sw.smiAddr.toString(16)}`);
    await chip.setupCpuPort(sw.cpuPort);
    await chip.setupStats();
    if (!chip.lag) log.info(`${chip.family}: no hardware LAG on the ${chip.modelName}: bonds forward through the CPU port`);
    const base = parseMac(def.baseMac);
    if (!base) throw new DeviceError(`board ${def.name}: bad base MAC '${def.baseMac}'`);
    const phyBus = chip.phyBus();
    const ports: BoardPort[] = [];
    for (let i = 0; i < def.ports.length; i++) {
      const p = def.ports[i];
      let driver: PhyDriver;
      try {
        driver = await probePhy(phyBus, p.phyAddr);
      } catch (e) {
        throw new DeviceError(`${p.name}: ${errorText(e)}`);
      }
      const mac = base.slice();
      mac[5] = (mac[5] + i + 1) & 0xff;
      ports.push(new BoardPort(i, p.name, p.switchPort, p.phyAddr, mac, driver));
      log.info(`${p.name}: switch port ${p.switchPort}, PHY ${driver.name} (ID 0x${driver.phyId.toString(16).padStart(8, '0')}) at address ${p.phyAddr}`);
      await chip.setPortState(p.switchPort, 'forwarding');
    }
    const framePort = chip.framePort(conduit);
    const board = new Board(def, chip, framePort, ports, clock, log);
    await board.poll();
    return board;
  }

  port(name: string): BoardPort | undefined {
    return this.ports.find((p) => p.name === name);
  }

  setReceiver(fn: PortReceiver): void {
    this.receiver = fn;
  }

  /**
   * Receives the frames that arrive on trunk members once a hardware LAG is programmed: the
   * switch tags them with the trunk ID instead of the source port, so they belong to the LAG
   * as a whole (Linux's tag_dsa.c hands them to the bond device itself).
   */
  setLagReceiver(fn: LagReceiver): void {
    this.framePort.setTrunkReceiver?.(fn);
  }

  /** Called after a poll changed a port's carrier, PHY link, speed or duplex. */
  onPortChange(fn: (port: BoardPort) => void): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  /** Sends an untagged frame out of a front-panel port; false (counted) when it cannot. */
  send(port: BoardPort, frame: Uint8Array, length: number): boolean {
    if (!port.adminUp || !this.framePort.send(port.switchPort, frame, length)) {
      port.counters.txDropped++;
      return false;
    }
    port.counters.txPackets++;
    port.counters.txBytes += length;
    return true;
  }

  private onFrame(switchPort: number, frame: Uint8Array, length: number): void {
    const port = this.bySwitchPort.get(switchPort);
    if (!port) return; // the CPU port or an unused port: nothing of ours
    if (!port.adminUp) {
      port.counters.rxDropped++;
      return;
    }
    port.counters.rxPackets++;
    port.counters.rxBytes += length;
    this.receiver?.(port, frame, length);
  }

  /**
   * Brings a port administratively up (PHY powered, forwarding) or down (disabled, PHY
   * powered down). As with Linux's phylib (phy_stop suspends the PHY), the link partner sees
   * the link go while the port is down, so it stops sending there; coming up, the link
   * returns after autonegotiation.
   */
  async setAdminUp(port: BoardPort, up: boolean): Promise<void> {
    if (up) {
      await port.phyDriver.setPowerDown(false);
      await this.chip.setPortState(port.switchPort, 'forwarding');
      port.adminUp = true;
      // phy_start runs the PHY state machine at once: a link that is already there (a
      // partner that renegotiates instantly) is seen now, not at the next poll.
      await this.refreshCarrier(port);
      return;
    } else {
      await this.chip.setPortState(port.switchPort, 'disabled');
      await port.phyDriver.setPowerDown(true);
      // phy_stop: the link is gone for us too (phydev->link = 0, carrier off) until polled up.
      port.phy = { ...port.phy, link: false, speed: 0, duplex: 'unknown', dropSeen: false };
      port.carrier = false;
    }
    port.adminUp = up;
  }

  /** Starts polling link state every `def.pollIntervalMs`. */
  start(): void {
    if (this.pollTimer !== undefined || this.closed) return;
    const tick = (): void => {
      this.pollTimer = this.clock.setTimer(this.def.pollIntervalMs, tick);
      void this.poll();
    };
    this.pollTimer = this.clock.setTimer(this.def.pollIntervalMs, tick);
  }

  private pollAgain = false;

  /**
   * Polls as soon as possible (a PHY interrupt said something changed): the MAC-side link of
   * every port first (one short batch, so carrier changes show within a couple of
   * milliseconds even through a serial bridge), then the full poll. If a poll is under way,
   * another follows it, so the change is never missed.
   */
  requestPoll(): void {
    if (this.closed) return;
    if (this.polling) this.pollAgain = true;
    else void this.poll(true);
  }

  /** Takes a port's MAC-side status; logs a carrier change. True when the carrier changed. */
  private applyMac(port: BoardPort, m: PortStatus): boolean {
    const changed = port.carrier !== m.link;
    if (changed && m.link) port.phyBehind = true;
    port.carrier = m.link;
    port.macSpeed = m.speed;
    port.macDuplex = m.duplex;
    if (changed) {
      if (port.carrier) this.log.info(`${port.name}: link up, ${port.phy.link ? port.phy.speed : m.speed} Mb/s, ${port.phy.link ? port.phy.duplex : m.duplex} duplex`);
      else this.log.info(`${port.name}: link down`);
    }
    return changed;
  }

  /**
   * Reads one port's MAC-side status now (the bond's MII monitor with use_carrier=1), applies
   * it as a poll would, and returns the carrier.
   */
  async refreshCarrier(port: BoardPort): Promise<boolean> {
    const m = await this.chip.portStatus(port.switchPort);
    if (this.applyMac(port, m)) for (const l of this.changeListeners) l(port);
    return port.carrier;
  }

  /**
   * Takes a PHY status read (the poll's or the MII monitor's) as the port's: logs a link
   * change and keeps a drop for the MII monitor. Returns whether listeners must hear of it.
   * A drop shorter than the poll interval shows as down for one read (the PHY's latched-low
   * link bit), then up again.
   */
  private applyPhy(port: BoardPort, phy: PhyStatus): boolean {
    const prev = port.phy;
    port.phy = phy;
    if (phy.dropSeen || (prev.link && !phy.link)) port.miiDrop = true;
    if (prev.link !== phy.link) this.log.info(`${port.name}: PHY link ${phy.link ? 'up' : 'down'}`);
    return prev.link !== phy.link || prev.speed !== phy.speed || prev.duplex !== phy.duplex || phy.dropSeen;
  }

  /**
   * The bond's MII monitor with use_carrier=0 (bond_check_dev_link through the MII registers):
   * reads the PHY now and applies it as a poll would. Reports down once if the link was lost
   * since the monitor last asked, even when the board's own poll consumed the latch and the
   * link is back. Throws when the PHY cannot be read.
   */
  async probePhyLink(port: BoardPort): Promise<boolean> {
    const phy = await port.phyDriver.readStatus();
    const changed = this.applyPhy(port, phy);
    port.phyBehind = false;
    const dropped = port.miiDrop;
    port.miiDrop = false;
    if (changed) for (const l of this.changeListeners) l(port);
    return phy.link && !dropped;
  }

  /** Reads only the switch's port status registers, in one batch. */
  private async pollCarrier(): Promise<void> {
    let macs: PortStatus[];
    try {
      macs = await this.chip.portStatusAll(this.ports.map((p) => p.switchPort));
    } catch {
      return; // the full poll that follows reports bus trouble
    }
    for (let i = 0; i < this.ports.length; i++) {
      if (this.applyMac(this.ports[i], macs[i])) for (const l of this.changeListeners) l(this.ports[i]);
    }
  }

  /**
   * Reads every port's MAC-side status and PHY status, all in one bus round trip in the normal
   * case (`Mv88e6xxx.pollPorts` with each driver's `statusOps`); logs and reports changes.
   */
  async poll(carrierFirst = false): Promise<void> {
    if (this.polling || this.closed) return; // a slow bus: skip rather than pile up
    this.polling = true;
    try {
      if (carrierFirst) await this.pollCarrier();
      let polled: PortPollResult[];
      try {
        polled = await this.chip.pollPorts(this.ports.map((p) => ({ port: p.switchPort, phyOps: p.phyDriver.statusOps() })));
      } catch (e) {
        if (this.closed) return; // shutting down: the bus went first
        for (const p of this.ports) p.pollErrors++;
        this.log.error(`${this.chip.family}: port status poll failed: ${errorText(e)}`);
        return;
      }
      for (let i = 0; i < this.ports.length; i++) {
        const port = this.ports[i];
        const { mac: m, phyValues, phyError } = polled[i];
        let phy: PhyStatus | undefined;
        try {
          if (phyValues === undefined) throw phyError;
          phy = await port.phyDriver.statusFromValues(phyValues);
        } catch (e) {
          if (this.closed) return;
          port.pollErrors++;
          this.log.error(`${port.name}: PHY read failed: ${errorText(e)}`);
        }
        const phyChanged = phy ? this.applyPhy(port, phy) : false;
        port.phyBehind = false;
        const carrierChanged = this.applyMac(port, m);
        if (phyChanged || carrierChanged) for (const l of this.changeListeners) l(port);
      }
    } finally {
      this.polls++;
      this.polling = false;
      if (this.pollAgain) {
        this.pollAgain = false;
        void this.poll();
      }
    }
  }

  /** Stops the periodic poll, leaving the board open (polls can still be run by hand, as benchmarks do). */
  stopPolling(): void {
    if (this.pollTimer !== undefined) this.clock.cancel(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** Stops polling; idempotent. */
  close(): void {
    this.closed = true;
    if (this.pollTimer !== undefined) this.clock.cancel(this.pollTimer);
    this.pollTimer = undefined;
  }
}
