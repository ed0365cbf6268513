import type { Clock, TimerHandle } from '../lib/clock.ts';
import { DeviceError, errorText } from '../lib/errors.ts';
import type { EventLog } from '../lib/log.ts';
import { parseMac } from '../lib/addr.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { BoardPort } from './board-port.ts';
import type { Conduit } from './frames.ts';
import type { IrqRead } from './bridge/codec.ts';
import type { MdioBus, MdioOp } from './mdio/bus.ts';
import { probePhy } from './phy/index.ts';
import type { PhyDriver, PhyStatus } from './phy/phy.ts';
import type { LinkPoll, PortPollResult, PortStatus, PortStatusProgram, SwitchChip, SwitchFramePort } from './switch/chip.ts';
import { openSwitch } from './switch/index.ts';

export { BoardPort, type CarrierState, type PortCounters } from './board-port.ts';

export type PortReceiver = (port: BoardPort, frame: Uint8Array, length: number) => void;
/** Frames the switch forwarded from a trunk (hardware LAG): the tag names the trunk, not the member port. */
export type LagReceiver = (trunkId: number, frame: Uint8Array, length: number) => void;

/** Polls in a row that fail before the switch counts as unreachable (at the default 100 ms poll: 0.3 s). */
export const SILENT_POLLS = 3;
/** A set-up that failed is tried again after this long (ms). */
export const REPROBE_RETRY_MS = 1000;

/**
 * A board brought up: the switch probed and configured (CPU port tagging, LACPDU trapping,
 * front ports forwarding), each port's PHY identified, link state polled on the clock, and
 * frames to and from the front ports through the CPU port.
 *
 * A poll reads what the hardware needs: every port's MAC-side status and the switch's PHY
 * change (interrupt) bits in one short batch; then, in a second batch only when needed, the
 * PHYs that changed by either account, that a bridge interrupt line named, or whose last
 * reading was caught in a change (BoardPort.phyWanted). The bond's MII monitor with
 * use_carrier=0 reads the PHY itself (`probePhyLink`).
 *
 * The path to the switch can be lost (a serial bridge that stops answering, a switch that
 * stops answering its polls): while it is, every port's carrier is unknown. When it returns
 * the switch is probed again and set up as at boot, and `onReset` listeners program again
 * what they had programmed (LAGs), since a switch that was reset has forgotten it.
 */
export class Board {
  readonly ports: BoardPort[];
  private pollTimer: TimerHandle | undefined;
  private polling = false;
  private closed = false;
  private receiver: PortReceiver | undefined;
  private readonly changeListeners = new Set<(port: BoardPort) => void>();
  private readonly interruptListeners = new Set<(ports: readonly BoardPort[]) => void>();
  /** Link interrupts taken (linkInterrupt), for tests and benchmarks. */
  linkInterrupts = 0;
  private readonly resetListeners = new Set<() => void>();
  private readonly bySwitchPort = new Map<number, BoardPort>();
  /** Completed polls, for tests that wait "one poll". */
  polls = 0;
  /** Times the switch was probed and set up again after its path was lost. */
  reprobes = 0;
  /** Stamps of readings, in the order they are asked for (BoardPort.takeMac/takePhy). */
  private readSeq = 0;
  /** Why the bus says the switch cannot be reached (a lost bridge); undefined while it can. */
  private busLost: string | undefined;
  /** Polls failing in a row; SILENT_POLLS of them make the switch unreachable. */
  private failedPolls = 0;
  private silent = false;
  private reprobing: Promise<void> | undefined;
  private reprobeAgain: string | undefined;
  private reprobeTimer: TimerHandle | undefined;
  /** Set up again: the first poll asked for after this stamp makes the ports' state known. */
  private knownAfter: number | undefined;

  private constructor(
    readonly def: BoardDefinition,
    readonly chip: SwitchChip,
    readonly framePort: SwitchFramePort,
    ports: BoardPort[],
    private readonly bus: MdioBus,
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
      // The switch's PHY change bits follow the PHY's interrupt output (where it has one).
      await driver.enableInterrupt?.();
      ports.push(new BoardPort(i, p.name, p.switchPort, p.phyAddr, mac, driver));
      log.info(`${p.name}: switch port ${p.switchPort}, PHY ${driver.name} (ID 0x${driver.phyId.toString(16).padStart(8, '0')}) at address ${p.phyAddr}`);
      await chip.setPortState(p.switchPort, 'forwarding');
    }
    const framePort = chip.framePort(conduit);
    const board = new Board(def, chip, framePort, ports, bus, clock, log);
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

  /** Called after a port's carrier, PHY link, speed or duplex changed, or became unknown or known. */
  onPortChange(fn: (port: BoardPort) => void): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  /**
   * Called when a PHY's interrupt line says its link changed, with the ports on that line,
   * before anything is read: a link monitor may read them at once rather than at its next
   * round. Boards whose interrupt lines are not wired never call it.
   */
  onLinkInterrupt(fn: (ports: readonly BoardPort[]) => void): () => void {
    this.interruptListeners.add(fn);
    return () => this.interruptListeners.delete(fn);
  }

  /**
   * A PHY interrupt line was asserted (a bridge's LinkEvent): line n is front-panel port n's
   * PHY, as the bridge's `irq_lines` are wired (proto/bridge.md section 7); a line beyond the
   * ports is taken as shared by all of them. `read`: the port's MAC-side status, read by the
   * bridge with the interrupt (armInterruptReads). Its listeners hear of it, then the board
   * polls at once (that PHY read whatever the switch says).
   */
  linkInterrupt(line: number, read?: IrqRead): void {
    if (this.closed) return;
    this.linkInterrupts++;
    const ports = line >= 0 && line < this.ports.length ? [this.ports[line]] : this.ports;
    if (read !== undefined && ports.length === 1) this.takeInterruptRead(ports[0], line, read);
    for (const l of this.interruptListeners) l(ports);
    this.requestPoll(line);
  }

  /** The interrupt programs stored on the bridge, by line: how their values become a port's reading. */
  private irqPrograms = new Map<number, PortStatusProgram>();
  /** Bumped at each arming, so that an answer to an older one arms nothing. */
  private irqArming = 0;
  /** Link interrupts that came with the port's status read by the bridge, and those whose reading could not be used. */
  interruptReads = 0;
  interruptReadsRefused = 0;

  /**
   * Has the bridge read each port's MAC-side status itself when the port's interrupt line is
   * asserted (`store`: its interrupt programs, bridge.md section 7.1), so that a link monitor
   * has the reading with the interrupt and fails over without a bus round trip. Called each
   * time the bridge is (again) ready: a rebooted bridge has forgotten them. A port whose
   * program the bridge refuses is read as before.
   */
  async armInterruptReads(store: (line: number, ops: readonly MdioOp[]) => Promise<void>, lines: number): Promise<void> {
    const arming = ++this.irqArming;
    this.irqPrograms.clear();
    const make = this.chip.portStatusProgram?.bind(this.chip);
    if (!make || this.closed) return;
    await Promise.all(this.ports.slice(0, lines).map(async (port, line) => {
      const program = make(port.switchPort);
      try {
        await store(line, program.ops);
      } catch (e) {
        if (arming === this.irqArming && !this.closed) this.log.warn(`${port.name}: the bridge reads nothing at its interrupt: ${errorText(e)}`);
        return;
      }
      if (arming === this.irqArming) this.irqPrograms.set(line, program);
    }));
  }

  /**
   * A port's MAC-side status as the bridge read it at its interrupt: applied as a reading taken
   * now, and kept for the link monitors' reads of this interrupt (`takeInterruptReading`). One
   * that does not fit the program the line has (a bridge that kept another, a failed read) is
   * dropped: the monitors read the port themselves, as without it.
   */
  private takeInterruptRead(port: BoardPort, line: number, read: IrqRead): void {
    const program = this.irqPrograms.get(line);
    if (!program || read.status !== 'ok' || read.values.length !== program.ops.length) {
      this.interruptReadsRefused++;
      return;
    }
    const stamp = ++this.readSeq;
    const speed = port.speed;
    if (this.applyMac(port, program.decode(read.values), stamp) || port.speed !== speed) this.notify(port);
    port.interruptReading = stamp;
    this.interruptReads++;
  }

  /**
   * For a link monitor inspecting `port` at its interrupt: true (once) when the bridge read the
   * port's MAC-side status with that interrupt and nothing newer has been read since, so that
   * `port.carrier` is that reading and no read of its own is needed.
   */
  takeInterruptReading(port: BoardPort): boolean {
    const fresh = port.interruptReading !== 0 && port.interruptReading === port.macStamp;
    port.interruptReading = 0;
    return fresh;
  }

  /** Called after the switch was set up again (its path returned): program again what was programmed. */
  onReset(fn: () => void): () => void {
    this.resetListeners.add(fn);
    return () => this.resetListeners.delete(fn);
  }

  /** True while the switch can be reached and every port's carrier is known. */
  get reachable(): boolean {
    return this.ports.every((p) => p.reachable);
  }

  /**
   * True when a read now would be of a switch that is there and set up (it may still wait for
   * the poll that makes the ports' state known again): a link monitor may read it.
   */
  get readable(): boolean {
    return this.busLost === undefined && !this.silent && this.reprobing === undefined && this.reprobeTimer === undefined;
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
      // phy_stop: the link is gone for us too (phydev->link = 0, carrier off) until polled up;
      // newer than any reading still on its way.
      port.forceDown(++this.readSeq);
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
   * Polls as soon as possible: a PHY interrupt said something changed. `line`: the bridge's
   * interrupt line, wired to front-panel port `line`'s PHY (the boards wire them so, see
   * sim/hardware.ts): that PHY is read whatever the switch says. If a poll is under way,
   * another follows it, so the change is never missed.
   */
  requestPoll(line?: number): void {
    if (this.closed) return;
    if (line !== undefined && this.ports[line]) this.ports[line].phyInterrupt = true;
    if (this.polling) this.pollAgain = true;
    else void this.poll();
  }

  private notify(port: BoardPort): void {
    for (const l of this.changeListeners) l(port);
  }

  /** Takes a port's MAC-side reading asked for at `stamp`; logs a carrier change. True when the carrier changed. */
  private applyMac(port: BoardPort, m: PortStatus, stamp: number): boolean {
    const before = port.carrier;
    if (!port.takeMac(m, stamp)) return false;
    const changed = before !== port.carrier;
    if (changed) {
      if (port.carrier) this.log.info(`${port.name}: link up, ${port.phy.link ? port.phy.speed : m.speed} Mb/s, ${port.phy.link ? port.phy.duplex : m.duplex} duplex`);
      else this.log.info(`${port.name}: link down`);
    }
    return changed;
  }

  /**
   * Reads one port's MAC-side status now (the bond's MII monitor with use_carrier=1), applies
   * it as a poll would, and returns the carrier (the newest reading's, which may be one that
   * overtook this one).
   */
  async refreshCarrier(port: BoardPort): Promise<boolean> {
    const stamp = ++this.readSeq;
    const m = await this.chip.portStatus(port.switchPort);
    const speed = port.speed;
    if (this.applyMac(port, m, stamp) || port.speed !== speed) this.notify(port);
    return port.carrier;
  }

  /**
   * Takes a PHY status reading asked for at `stamp` (the poll's or the MII monitor's) as the
   * port's: logs a link change and keeps a drop for the MII monitor. Returns whether listeners
   * must hear of it. A drop shorter than the poll interval shows as down for one read (the
   * PHY's latched-low link bit), then up again.
   */
  private applyPhy(port: BoardPort, phy: PhyStatus, stamp: number, basis?: PortStatus): boolean {
    const prev = port.phy;
    if (!port.takePhy(phy, stamp, basis)) return false;
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
    const stamp = ++this.readSeq;
    const phy = await port.phyDriver.readStatus();
    const speed = port.speed;
    const changed = this.applyPhy(port, phy, stamp);
    const dropped = port.miiDrop;
    port.miiDrop = false;
    if (changed || port.speed !== speed) this.notify(port);
    return port.phy.link && !dropped;
  }

  /**
   * Settles before a link monitor reads: while the switch is being set up again, a read waits
   * for that (it takes a few bus round trips) rather than take the brief unknown for a loss.
   */
  async settled(): Promise<void> {
    if (this.reprobing) await this.reprobing;
  }

  /**
   * One poll (see the class comment): the MAC side and the switch's PHY change bits of every
   * port, applied at once, so carrier changes show after one short bus round trip; then the
   * PHYs that need reading, in one more. Logs and reports changes. Nothing is read while the
   * bus says the switch cannot be reached.
   */
  async poll(): Promise<void> {
    if (this.polling || this.closed || this.busLost !== undefined || this.reprobing) return; // a slow bus: skip rather than pile up
    this.polling = true;
    try {
      const stamp = ++this.readSeq;
      let links: LinkPoll;
      try {
        links = await this.chip.pollLinks(this.ports.map((p) => p.switchPort));
      } catch (e) {
        if (this.closed) return; // shutting down: the bus went first
        for (const p of this.ports) p.pollErrors++;
        this.log.error(`${this.chip.family}: port status poll failed: ${errorText(e)}`);
        if (++this.failedPolls >= SILENT_POLLS && !this.silent && this.busLost === undefined) {
          this.silent = true;
          this.unreachable(`${SILENT_POLLS} polls in a row failed`);
        }
        return;
      }
      this.failedPolls = 0;
      if (this.silent) {
        // It answers again: it may have been reset meanwhile, so it is set up again first.
        this.silent = false;
        this.reprobe('the switch answers again');
        return;
      }
      const events = links.phyEvents;
      const wanted: BoardPort[] = [];
      for (let i = 0; i < this.ports.length; i++) {
        const port = this.ports[i];
        const mac = links.macs[i];
        // Without change bits from the switch only reading the PHY tells of a PHY-side change.
        if (events === undefined || port.phyWanted || port.macMoved(mac) || (events >>> port.phyAddr) & 1) wanted.push(port);
        const speed = port.speed;
        if (this.applyMac(port, mac, stamp) || port.speed !== speed) this.notify(port);
      }
      // Change bits of PHYs that are no port's are acknowledged too, or they would stay raised.
      if (wanted.length > 0 || events) await this.readPhys(wanted, events ?? 0);
      if (this.closed) return;
      if (this.knownAfter !== undefined && stamp > this.knownAfter) {
        this.knownAfter = undefined;
        for (const p of this.ports) {
          p.reachable = true;
          this.notify(p);
        }
        this.log.info(`${this.chip.family}: switch reachable again: port state known`);
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

  /**
   * The second part of a poll: `ports`' PHYs (each acknowledging its interrupt first, then its
   * status reads) and their MAC side again, in one batch as the chip allows, the switch's
   * change bits `ack` acknowledged first. A port whose PHY cannot be read is read again at
   * the next poll; its MAC side stays as the first part read it.
   */
  private async readPhys(ports: readonly BoardPort[], ack: number): Promise<void> {
    const stamp = ++this.readSeq;
    const acks = ports.map((p) => p.phyDriver.interruptAckOps?.() ?? []);
    // An interrupt arriving from now on is after these reads: it asks for another.
    for (const p of ports) p.phyInterrupt = false;
    let polled: PortPollResult[];
    try {
      // A PHY read because something said it changed is a link read; PHYs read afresh (after
      // set-up, or after a read failed) are bulk, which link reads go ahead of.
      const urgent = ports.every((p) => p.phyBasis !== undefined);
      polled = await this.chip.pollPorts(ports.map((p, i) => ({ port: p.switchPort, phyOps: [...acks[i], ...p.phyDriver.statusOps()] })), ack, urgent);
    } catch (e) {
      if (this.closed) return;
      for (const p of ports) {
        p.pollErrors++;
        p.phyBasis = undefined;
        this.log.error(`${p.name}: PHY read failed: ${errorText(e)}`);
      }
      return;
    }
    for (let i = 0; i < ports.length; i++) {
      const port = ports[i];
      const { mac: m, phyValues, phyError } = polled[i];
      const speed = port.speed;
      let phy: PhyStatus | undefined;
      try {
        if (phyValues === undefined) throw phyError;
        phy = await port.phyDriver.statusFromValues(phyValues.slice(acks[i].length));
      } catch (e) {
        if (this.closed) return;
        port.pollErrors++;
        port.phyBasis = undefined;
        this.log.error(`${port.name}: PHY read failed: ${errorText(e)}`);
      }
      const phyChanged = phy ? this.applyPhy(port, phy, stamp, m) : false;
      const carrierChanged = this.applyMac(port, m, stamp);
      if (phyChanged || carrierChanged || port.speed !== speed) this.notify(port);
    }
  }

  /**
   * The bus lost its way to the switch (a serial bridge that stopped answering): every
   * port's carrier is unknown until `pathReturned`.
   */
  pathLost(reason: string): void {
    if (this.closed || this.busLost !== undefined) return;
    this.busLost = reason;
    if (this.reprobeTimer !== undefined) {
      this.clock.cancel(this.reprobeTimer);
      this.reprobeTimer = undefined;
    }
    this.unreachable(reason);
  }

  /**
   * The bus reaches the switch again, or the bridge in between rebooted: the switch may have
   * been reset, so it is probed and set up again before it is polled.
   */
  pathReturned(why: string): void {
    if (this.closed) return;
    this.busLost = undefined;
    this.reprobe(why);
  }

  /** Every port's carrier becomes unknown (logged once per loss). */
  private unreachable(reason: string): void {
    this.knownAfter = undefined;
    const known = this.ports.some((p) => p.reachable);
    for (const p of this.ports) p.reachable = false;
    if (!known) return;
    this.log.warn(`${this.chip.family}: switch unreachable (${reason}): carrier unknown on every port`);
    for (const p of this.ports) this.notify(p);
  }

  /**
   * Probes the switch again and sets it up as at boot (CPU port and trapping, statistics, port
   * states, PHY power), then tells `onReset` listeners and polls. Carrier stays unknown until
   * that poll. A failure is tried again after REPROBE_RETRY_MS.
   */
  private reprobe(why: string): void {
    if (this.closed) return;
    if (this.reprobeTimer !== undefined) {
      this.clock.cancel(this.reprobeTimer);
      this.reprobeTimer = undefined;
    }
    if (this.reprobing) {
      this.reprobeAgain = why;
      return;
    }
    this.unreachable(why);
    this.reprobing = (async () => {
      try {
        await this.setUpAgain();
      } catch (e) {
        if (this.closed) return;
        this.log.error(`${this.chip.family}: setting the switch up again failed (${why}): ${errorText(e)}; trying again in ${REPROBE_RETRY_MS} ms`);
        if (this.busLost === undefined) {
          this.reprobeTimer = this.clock.setTimer(REPROBE_RETRY_MS, () => {
            this.reprobeTimer = undefined;
            this.reprobe(why);
          });
        }
        return;
      }
      this.reprobes++;
      this.log.info(`${this.chip.family}: switch ${this.chip.modelName} probed and set up again (${why})`);
    })().finally(() => {
      this.reprobing = undefined;
      const again = this.reprobeAgain;
      this.reprobeAgain = undefined;
      if (this.closed) return;
      if (again !== undefined) this.reprobe(again);
      else if (this.reprobeTimer === undefined && this.busLost === undefined) this.afterReprobe();
    });
  }

  /** Set up again: the ports' state becomes known with the next poll; listeners reprogram. */
  private afterReprobe(): void {
    this.knownAfter = ++this.readSeq;
    for (const l of this.resetListeners) l();
    this.requestPoll();
  }

  /** The switch and PHYs are the ones found at boot, configured as at boot. */
  private async setUpAgain(): Promise<void> {
    const sw = this.def.switch;
    const found = await openSwitch(sw, this.bus, `board ${this.def.name}`);
    if (found.family !== this.chip.family || found.modelName !== this.chip.modelName) {
      throw new DeviceError(`found ${found.family} ${found.modelName} where ${this.chip.modelName} was`);
    }
    await this.chip.setupCpuPort(sw.cpuPort);
    await this.chip.setupStats();
    const phyBus = this.chip.phyBus();
    for (const port of this.ports) {
      const phy = await probePhy(phyBus, port.phyAddr);
      if (phy.phyId !== port.phyDriver.phyId) throw new DeviceError(`${port.name}: found PHY ID 0x${phy.phyId.toString(16)} where 0x${port.phyDriver.phyId.toString(16)} was`);
      // A fresh driver: the old one's idea of the latched link bit belongs to a PHY that may have been reset.
      port.phyDriver = phy;
      await phy.enableInterrupt?.();
      port.phyBasis = undefined;
      if (port.adminUp) {
        await phy.setPowerDown(false);
        await this.chip.setPortState(port.switchPort, 'forwarding');
      } else {
        await this.chip.setPortState(port.switchPort, 'disabled');
        await phy.setPowerDown(true);
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
    if (this.reprobeTimer !== undefined) this.clock.cancel(this.reprobeTimer);
    this.reprobeTimer = undefined;
  }
}
