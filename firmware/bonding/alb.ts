/**
 * balance-tlb (mode 5) and balance-alb (mode 6) as a bond mode extension, after Linux's
 * drivers/net/bonding/bond_alb.c and the bond_alb_* calls in bond_main.c.
 *
 * balance-tlb: outgoing IPv4/IPv6 unicast goes per destination to the least loaded slave
 * relative to its speed (tlb.ts), rebalanced every 10 s; with tlb_dynamic_lb=0 the transmit
 * hash picks among the usable slaves instead. Everything else goes out on the active slave,
 * which alone receives. Each slave keeps a MAC of its own (its permanent one, or a free one
 * of another slave's); the active slave carries the bond's MAC, swapped with the old active
 * slave on failover. Frames a slave sends for the bond carry that slave's MAC as source.
 * Every lp_interval seconds each slave sends a learning frame (its MAC as source and
 * destination) so the switch keeps the address on its port.
 *
 * balance-alb: all of that, plus receive load balancing for IPv4 (rlb.ts): the bond's ARP
 * replies carry the MAC of the slave chosen for the client, so clients spread their traffic
 * over the slaves; clients are moved, and told, when a slave joins, fails or returns.
 *
 * One ALB monitor timer runs every 100 ms while the bond is up (bond_alb_monitor), from the
 * injected clock. Portable core: the transmit and receive paths allocate nothing (frames that
 * need a new source MAC are copied into a scratch buffer allocated once).
 */
import { formatMac, macEquals, readU16, readU32 } from '../../lib/addr.ts';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4 } from '../net/packets.ts';
import type { TimerHandle } from '../../lib/clock.ts';
import type { Bond, ModeExtension } from './bond.ts';
import { hashToIndex as hashToIndexImport, xmitHash as xmitHashImport } from './hash.ts';
import { BOND_MODE_ALB, BOND_MODE_TLB } from './options.ts';
import { ALB_TIMER_TICKS_PER_SEC, RlbTable } from './rlb.ts';
import { BOND_LINK_DOWN, BOND_LINK_UP, type LinkState, type Slave } from './slave.ts';
import { BOND_TLB_REBALANCE_INTERVAL, TlbTable } from './tlb.ts';

// Per-frame calls go through module constants: compiled code folds them, where it loads and
// checks an imported binding on every call (firmware/bonding/hash.ts).
const xmitHash = xmitHashImport, hashToIndex = hashToIndexImport;

/** ms between two ALB monitor ticks (HZ / ALB_TIMER_TICKS_PER_SEC). */
export const ALB_TICK_MS = 1000 / ALB_TIMER_TICKS_PER_SEC;
/** BOND_TLB_REBALANCE_TICKS. */
export const BOND_TLB_REBALANCE_TICKS = BOND_TLB_REBALANCE_INTERVAL * ALB_TIMER_TICKS_PER_SEC;

const ETHERTYPE_IPV6 = 0x86dd;
/** ETH_P_LOOPBACK: the EtherType of the learning frames. */
export const ETHERTYPE_LOOPBACK = 0x9000;
const IPPROTO_IGMP = 2;

export class AlbMode implements ModeExtension {
  readonly tlb: TlbTable;
  readonly rlb: RlbTable;
  /** bond_info->rlb_enabled: set when a balance-alb bond first opens. */
  rlbEnabled = false;
  /** The tables exist (between bond_alb_initialize at open and bond_alb_deinitialize at close). */
  private initialized = false;
  private timer: TimerHandle | undefined;
  private txRebalanceCounter = 0;
  private lpCounter = 0;
  /** A slave being released: bond_alb_deinit_slave runs after Linux cleared it as active. */
  private detaching: Slave | undefined;
  /** For frames whose source MAC or ARP sender changes: never the caller's buffer. */
  private scratch = new Uint8Array(1522);
  private readonly lp = new Uint8Array(64);
  /** Learning frames sent, for tests and diagnostics. */
  learningSent = 0;
  /** ALB monitor ticks run. */
  ticks = 0;

  constructor(readonly bond: Bond) {
    this.tlb = new TlbTable(bond);
    this.rlb = new RlbTable(this);
    this.setMac = bond.opts.mode === BOND_MODE_ALB ? (mac) => this.albSetMac(mac) : undefined;
  }

  get isAlb(): boolean {
    return this.bond.opts.mode === BOND_MODE_ALB;
  }

  private get dynamic(): boolean {
    return this.bond.opts.tlb_dynamic_lb !== 0;
  }

  /** curr_active_slave as bond_alb.c sees it. */
  currActive(): Slave | undefined {
    const c = this.bond.currActiveSlave;
    return c !== undefined && c === this.detaching ? undefined : c;
  }

  // ---------------------------------------------------------------------------------------
  // Open and close

  /** bond_open for the lb modes: bond_alb_initialize, then the monitor (tlb_dynamic_lb or alb). */
  open(): void {
    this.tlb.initialize();
    if (this.isAlb) {
      this.rlb.initialize();
      this.rlbEnabled = true;
    }
    this.initialized = true;
    this.stopTimer();
    if (this.dynamic || this.isAlb) this.timer = this.bond.env.clock.setTimer(0, () => this.tick());
  }

  /** bond_close: the monitor stops, the tables go. */
  close(): void {
    this.stopTimer();
    this.initialized = false;
    this.tlb.deinitialize();
    if (this.rlbEnabled) this.rlb.initialize();
  }

  dispose(): void {
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) this.bond.env.clock.cancel(this.timer);
    this.timer = undefined;
  }

  // ---------------------------------------------------------------------------------------
  // Slaves

  /**
   * bond_alb_init_slave, which Linux calls before the slave joins the list; here the slave is
   * already in `bond.slaves`, so the others are the slaves that are not it. The core has set
   * the slave to the bond's MAC (as Linux's enslave does); the slave gets its own back.
   */
  slaveAdded(slave: Slave): void {
    const bond = this.bond;
    // bond_enslave for the lb modes: active, and inactive flags (no backup in these modes).
    bond.setSlaveActive(slave);
    bond.setSlaveInactive(slave);
    this.setSlaveMac(slave, slave.permHwaddr);
    this.handleAddrCollisionOnAttach(slave);
    this.tlb.initSlave(slave);
    // Order a rebalance as soon as possible.
    this.txRebalanceCounter = BOND_TLB_REBALANCE_TICKS;
    if (this.rlbEnabled) this.rlb.rebalancePending = true;
  }

  /** alb_handle_addr_collision_on_attach: the slave must not share a MAC with another slave. */
  private handleAddrCollisionOnAttach(slave: Slave): void {
    const bond = this.bond;
    const slaves = bond.slaves;
    if (!slaves.some((s) => s !== slave)) return; // the first slave
    let hasBondAddr = bond.currActiveSlave !== slave ? bond.currActiveSlave : undefined;
    if (!macEquals(slave.permHwaddr, 0, bond.mac)) {
      if (!this.otherHasMac(slave, slave.port.mac)) return;
      // Its address is taken: give it the bond's, then look for a free one as for that case.
      this.setSlaveMac(slave, bond.mac);
    }
    let free: Slave | undefined;
    for (const t of slaves) {
      if (t === slave) continue;
      if (!this.otherHasMac(slave, t.permHwaddr)) {
        free = t;
        break;
      }
      if (!hasBondAddr && macEquals(t.port.mac, 0, bond.mac)) hasBondAddr = t;
    }
    if (free) {
      this.setSlaveMac(slave, free.permHwaddr);
      bond.log.warn(`${bond.name}: (slave ${slave.name}): the slave hw address is in use by the bond; giving it the hw address of ${free.name}`);
    } else if (hasBondAddr) {
      // Linux refuses the enslave here (-EFAULT); the hook cannot, so it says so and goes on.
      bond.log.error(
        `${bond.name}: (slave ${slave.name}): the slave hw address is in use by the bond; couldn't find a slave with a free hw address to give it (this should not have happened)`,
      );
    }
  }

  /** bond_slave_has_mac over the slaves other than `except`. */
  private otherHasMac(except: Slave, mac: Uint8Array): boolean {
    for (const s of this.bond.slaves) if (s !== except && macEquals(s.port.mac, 0, mac)) return true;
    return false;
  }

  /** bond_slave_has_mac. */
  private slaveWithMac(mac: Uint8Array): Slave | undefined {
    for (const s of this.bond.slaves) if (macEquals(s.port.mac, 0, mac)) return s;
    return undefined;
  }

  /**
   * bond_alb_deinit_slave. The core calls it after taking the slave out of the list but before
   * it clears the active slave (Linux clears it first): `detaching` makes the released slave
   * count as not active meanwhile.
   */
  slaveRemoved(slave: Slave): void {
    this.detaching = slave;
    try {
      if (this.bond.slaves.length > 0) this.changeHwAddrOnDetach(slave);
      this.tlb.clearSlave(slave, false);
      if (this.rlbEnabled) {
        this.rlb.rxSlave = undefined;
        this.rlb.clearSlave(slave);
      }
      this.tlb.removeSlave(slave);
    } finally {
      this.detaching = undefined;
    }
  }

  /**
   * alb_change_hw_addr_on_detach: if the leaving slave's permanent MAC is neither its current
   * one nor the bond's, another slave wears it; that slave and the leaving one swap.
   */
  private changeHwAddrOnDetach(slave: Slave): void {
    const bond = this.bond;
    if (macEquals(slave.permHwaddr, 0, slave.port.mac) || macEquals(slave.permHwaddr, 0, bond.mac)) return;
    const found = this.slaveWithMac(slave.permHwaddr);
    if (found) {
      this.swapMacAddr(slave, found);
      this.fastenMacSwap(slave, found);
    }
  }

  /** bond_alb_handle_link_change. */
  linkChanged(slave: Slave, link: LinkState): void {
    const bond = this.bond;
    if (link === BOND_LINK_DOWN) {
      this.tlb.clearSlave(slave, false);
      if (this.rlbEnabled) this.rlb.clearSlave(slave);
    } else if (link === BOND_LINK_UP) {
      // The core's commit makes the slave fully active; in these modes only the active slave
      // receives everything (bond_set_active_slave leaves the inactive flag as it was).
      if (slave !== bond.currActiveSlave) bond.setSlaveInactive(slave);
      this.txRebalanceCounter = BOND_TLB_REBALANCE_TICKS;
      if (this.rlbEnabled) this.rlb.rebalancePending = true;
    }
    if (!this.dynamic) bond.updateSlaveArr();
  }

  /**
   * bond_alb_handle_active_change (the core has set currActiveSlave to `next` already): the
   * new active slave takes the bond's MAC, swapping with the slave that had it. Then the
   * inactive flags of bond_change_active_slave for the lb modes.
   */
  activeChanged(next: Slave | undefined, old: Slave | undefined): void {
    const bond = this.bond;
    if (next === old) return;
    this.rlb.dropPromisc(old);
    if (next && bond.slaves.length > 0) {
      const swap = old && bond.slaves.includes(old) ? old : this.slaveWithMac(bond.mac);
      // Keep both out of the transmit table while their addresses change.
      if (swap) this.tlb.clearSlave(swap, true);
      this.tlb.clearSlave(next, true);
      // (balance-tlb also programs the bond's MAC into the new slave's filter and puts its
      // own address back; the simulated ports filter nothing, so there is nothing to do.)
      if (swap) {
        this.swapMacAddr(swap, next);
        this.fastenMacSwap(swap, next);
      } else {
        this.setSlaveMac(next, bond.mac);
        this.sendLearningPackets(next, bond.mac, 0, false);
      }
    }
    if (old && bond.slaves.includes(old)) bond.setSlaveInactive(old);
    if (next) bond.setSlaveActive(next);
  }

  /** alb_set_slave_mac_addr. */
  private setSlaveMac(slave: Slave, mac: Uint8Array): void {
    if (!macEquals(slave.port.mac, 0, mac)) slave.port.setMac(mac);
  }

  /** alb_swap_mac_addr. */
  private swapMacAddr(a: Slave, b: Slave): void {
    if (a === b) return;
    const tmp = a.port.mac.slice();
    this.setSlaveMac(a, b.port.mac);
    this.setSlaveMac(b, tmp);
  }

  /** alb_fasten_mac_swap: learning frames from both, their clients told, a disabled one taught on the active slave. */
  private fastenMacSwap(a: Slave, b: Slave): void {
    const differ = a.canTx !== b.canTx;
    let disabled: Slave | undefined;
    for (const s of [a, b]) {
      if (s.canTx) {
        this.sendLearningPackets(s, s.port.mac, 0, false);
        if (this.rlbEnabled) this.rlb.reqUpdateSlaveClients(s);
      } else {
        disabled = s;
      }
    }
    if (this.rlbEnabled && differ && disabled) this.rlb.teachDisabledMacOnPrimary(disabled.port.mac);
  }

  /**
   * bond_alb_set_mac_address (balance-alb only; balance-tlb takes the core's rule, as Linux's
   * bond_set_mac_address does): the bond's MAC moves to the active slave.
   */
  readonly setMac: ((mac: Uint8Array) => void) | undefined;

  private albSetMac(mac: Uint8Array): void {
    const bond = this.bond;
    bond.mac = mac.slice();
    const curr = bond.currActiveSlave;
    if (!curr) return;
    const swap = this.slaveWithMac(bond.mac);
    if (swap) {
      this.swapMacAddr(swap, curr);
      this.fastenMacSwap(swap, curr);
    } else {
      this.setSlaveMac(curr, bond.mac);
      this.sendLearningPackets(curr, bond.mac, 0, false);
      if (this.rlbEnabled) this.rlb.reqUpdateSlaveClients(curr);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Learning frames

  /**
   * alb_send_learning_packets: a 60-byte frame from and to `mac` (EtherType 0x9000) on the
   * slave, untagged and once per VLAN device on the bond, so the switch learns the address
   * on the slave's port. Not sent on a slave without carrier (its queue would drop it).
   */
  sendLearningPackets(slave: Slave, mac: Uint8Array, offset: number, _strict: boolean): void {
    if (!slave.isUp) return;
    this.sendLp(slave, mac, offset, -1);
    if (this.bond.vlans.size > 0) for (const vid of this.bond.vlans) this.sendLp(slave, mac, offset, vid);
  }

  private sendLp(slave: Slave, mac: Uint8Array, offset: number, vid: number): void {
    const f = this.lp;
    f.fill(0);
    for (let i = 0; i < 6; i++) {
      f[i] = mac[offset + i];
      f[6 + i] = mac[offset + i];
    }
    let o = 12;
    if (vid >= 0) {
      f[12] = 0x81;
      f[13] = 0x00;
      f[14] = (vid >> 8) & 0x0f;
      f[15] = vid & 0xff;
      o = 16;
    }
    f[o] = ETHERTYPE_LOOPBACK >> 8;
    f[o + 1] = ETHERTYPE_LOOPBACK & 0xff;
    if (this.bond.sendOnSlave(slave, f, vid >= 0 ? 64 : 60)) this.learningSent++;
  }

  // ---------------------------------------------------------------------------------------
  // The ALB monitor

  /** bond_alb_monitor: every 100 ms. */
  private tick(): void {
    this.timer = this.bond.env.clock.setTimer(ALB_TICK_MS, () => this.tick());
    this.ticks++;
    const bond = this.bond;
    if (bond.slaves.length === 0) {
      this.txRebalanceCounter = 0;
      this.lpCounter = 0;
      return;
    }
    this.txRebalanceCounter++;
    this.lpCounter++;
    if (this.lpCounter >= bond.opts.lp_interval * ALB_TIMER_TICKS_PER_SEC) {
      const curr = bond.currActiveSlave;
      for (const s of bond.slaves) this.sendLearningPackets(s, s.port.mac, 0, s !== curr || this.rlbEnabled);
      this.lpCounter = 0;
    }
    if (this.txRebalanceCounter >= BOND_TLB_REBALANCE_TICKS) {
      for (const s of bond.slaves) {
        this.tlb.clearSlave(s, true);
        if (s === bond.currActiveSlave) {
          this.tlb.slaveInfo(s).load = Math.floor(this.tlb.unbalancedLoad / BOND_TLB_REBALANCE_INTERVAL);
          this.tlb.unbalancedLoad = 0;
        }
      }
      this.txRebalanceCounter = 0;
    }
    if (this.rlbEnabled) {
      this.rlb.clearGoneVlans(bond.vlans);
      this.rlb.tick();
    }
  }

  // ---------------------------------------------------------------------------------------
  // Transmit

  /** bond_tlb_xmit / bond_alb_xmit. No allocation. */
  xmit(frame: Uint8Array, length: number): boolean {
    let et = 12;
    let vlan = -1;
    if (length >= 18 && frame[12] === 0x81 && frame[13] === 0x00) {
      et = 16;
      vlan = ((frame[14] << 8) | frame[15]) & 0x0fff;
    }
    const proto = et + 2 <= length ? readU16(frame, et) : -1;
    return this.isAlb ? this.albXmit(frame, length, et + 2, proto, vlan) : this.tlbXmit(frame, length, proto);
  }

  /** bond_xmit_tlb_slave_get, then bond_do_alb_xmit. */
  private tlbXmit(frame: Uint8Array, length: number, proto: number): boolean {
    let tx: Slave | undefined;
    // No balancing for multicast or broadcast.
    if ((frame[0] & 1) === 0 && (proto === ETHERTYPE_IPV4 || proto === ETHERTYPE_IPV6)) {
      const hash = xmitHash(frame, length, this.bond.opts.xmit_hash_policy);
      if (this.dynamic) {
        tx = this.tlb.choose(hash & 0xff, length);
      } else {
        const usable = this.bond.usableSlaves;
        if (usable.length > 0) tx = usable[hashToIndex(hash, usable.length)];
      }
    }
    return this.doXmit(frame, frame, length, tx);
  }

  /** bond_xmit_alb_slave_get, then bond_do_alb_xmit. */
  private albXmit(frame: Uint8Array, length: number, l3: number, proto: number, vlan: number): boolean {
    let tx: Slave | undefined;
    let hash = -1;
    let buf = frame;
    if (proto === ETHERTYPE_IPV4) {
      if (!isBroadcastMac(frame) && l3 + 20 <= length) {
        const daddr = readU32(frame, l3 + 16);
        if (daddr !== 0xffffffff && frame[l3 + 9] !== IPPROTO_IGMP) hash = (frame[l3 + 16] ^ frame[l3 + 17] ^ frame[l3 + 18] ^ frame[l3 + 19]) & 0xff;
      }
    } else if (proto === ETHERTYPE_IPV6) {
      // Not broadcast, not all-nodes multicast, not a DAD probe (unspecified source).
      if (!isBroadcastMac(frame) && !isAllNodes(frame) && l3 + 40 <= length && !isZeroBytes(frame, l3 + 8, 16)) {
        let h = 0;
        for (let i = l3 + 24; i < l3 + 40; i++) h ^= frame[i];
        hash = h;
      }
    } else if (proto === ETHERTYPE_ARP) {
      if (this.rlbEnabled && this.initialized) {
        tx = this.rlb.arpXmit(frame, l3, length, vlan);
        if (tx && readU16(frame, l3 + 6) === 2) {
          // The reply must tell the client the MAC of the slave chosen for it.
          buf = this.copy(frame, length);
          const mac = tx.port.mac;
          for (let i = 0; i < 6; i++) buf[l3 + 8 + i] = mac[i];
        }
      }
    }
    if (hash >= 0) {
      if (this.dynamic) {
        tx = this.tlb.choose(hash, length);
      } else {
        const usable = this.bond.usableSlaves;
        if (usable.length > 0) tx = usable[hashToIndex(xmitHash(frame, length, this.bond.opts.xmit_hash_policy), usable.length)];
      }
    }
    return this.doXmit(frame, buf, length, tx);
  }

  /** bond_do_alb_xmit: unassigned frames go on the active slave; others carry their slave's MAC as source. */
  private doXmit(frame: Uint8Array, buf: Uint8Array, length: number, tx: Slave | undefined): boolean {
    const bond = this.bond;
    const curr = bond.currActiveSlave;
    if (!tx) {
      tx = curr;
      if (this.dynamic) this.tlb.unbalancedLoad = (this.tlb.unbalancedLoad + length) >>> 0;
    }
    if (tx && tx.canTx) {
      if (tx !== curr) {
        if (buf === frame) buf = this.copy(frame, length);
        const mac = tx.port.mac;
        for (let i = 0; i < 6; i++) buf[6 + i] = mac[i];
      }
      return bond.sendOnSlave(tx, buf, length);
    }
    if (tx && this.dynamic) this.tlb.clearSlave(tx, false);
    return false;
  }

  /** The frame in the scratch buffer (grown once for a longer frame). */
  private copy(frame: Uint8Array, length: number): Uint8Array {
    if (this.scratch.length < length) this.scratch = new Uint8Array(length);
    this.scratch.set(frame.subarray(0, length));
    return this.scratch;
  }

  // ---------------------------------------------------------------------------------------
  // Receive

  /**
   * A frame arrived on `slave`. balance-alb: rlb_arp_recv sees every frame first (before the
   * inactive check). A unicast frame for the slave's own MAC is for us (PACKET_HOST on the
   * slave), so it reaches the host stack as a frame for the bond's MAC; a unicast frame for
   * any other MAC the slave's filter would not pass, nor IP accept (PACKET_OTHERHOST).
   */
  receive(slave: Slave, frame: Uint8Array, length: number): 'consumed' | 'deliver' | 'drop' {
    if (!this.isAlb) return 'deliver';
    if (this.rlbEnabled && this.initialized) this.rlb.arpRecv(frame, length);
    if ((frame[0] & 1) === 0) {
      const mac = slave.port.mac;
      if (!macEquals(frame, 0, mac)) return 'consumed';
      const bondMac = this.bond.mac;
      if (!macEquals(mac, 0, bondMac)) for (let i = 0; i < 6; i++) frame[i] = bondMac[i];
    }
    return 'deliver';
  }

  // ---------------------------------------------------------------------------------------
  // Inspection

  /** The transmit load of each slave as the table holds it (tests, diagnostics). */
  txLoad(s: Slave): number {
    return this.tlb.slaveInfo(s).load;
  }

  describe(): string {
    const b = this.bond;
    return b.slaves.map((s) => `${s.name} ${formatMac(s.port.mac)}${s === b.currActiveSlave ? ' active' : ''}`).join(', ');
  }
}

function isBroadcastMac(f: Uint8Array): boolean {
  return (f[0] & f[1] & f[2] & f[3] & f[4] & f[5]) === 0xff;
}

/** 33:33:00:00:00:01, the IPv6 all-nodes group. */
function isAllNodes(f: Uint8Array): boolean {
  return f[0] === 0x33 && f[1] === 0x33 && f[2] === 0 && f[3] === 0 && f[4] === 0 && f[5] === 1;
}

function isZeroBytes(f: Uint8Array, o: number, n: number): boolean {
  for (let i = o; i < o + n; i++) if (f[i] !== 0) return false;
  return true;
}

/** The factory for registerBondMode: one extension per bond, for balance-tlb or balance-alb. */
export function createAlbMode(bond: Bond): AlbMode {
  if (bond.opts.mode !== BOND_MODE_TLB && bond.opts.mode !== BOND_MODE_ALB) throw new Error(`${bond.name}: AlbMode for mode ${bond.opts.mode}`);
  return new AlbMode(bond);
}
