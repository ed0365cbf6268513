/**
 * Receive load balancing for balance-alb: the client table and the ARP negotiation of Linux's
 * drivers/net/bonding/bond_alb.c rlb_* functions.
 *
 * Each IPv4 peer the bond talks ARP with gets an entry, found by a one-byte hash of its
 * address (a later client whose hash collides takes the entry over, as in Linux), and a slave
 * chosen round robin among the fastest slaves that can send. The bond's ARP replies to the
 * client carry that slave's MAC, so the client sends to that slave. When a slave joins,
 * fails, returns or changes address, the affected clients are marked and, once the update
 * delay has run out, sent two ARP replies each from their (new) slave, tagged when the client
 * is behind a VLAN device; after a failure the updates are repeated RLB_UPDATE_RETRY times.
 *
 * The entries are kept in parallel typed arrays with the same links as Linux: a list of used
 * entries, and per hash of the server address a list of the entries with that hash (to purge
 * entries when another host takes over one of our addresses).
 *
 * Portable core: everything is allocated once; the transmit and receive hooks allocate nothing.
 */
import { formatIpv4, macEquals, readU16, readU32, writeU16, writeU32 } from '../../lib/addr.ts';
import { ARP_REPLY, ARP_REQUEST, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_VLAN } from '../net/packets.ts';
import type { Bond } from './bond.ts';
import type { Slave } from './slave.ts';

export const RLB_HASH_TABLE_SIZE = 256;
export const RLB_NULL_INDEX = -1;
/** ALB_TIMER_TICKS_PER_SEC: the ALB monitor runs every 100 ms. */
export const ALB_TIMER_TICKS_PER_SEC = 10;
/** RLB_UPDATE_DELAY: monitor ticks between two rounds of client updates (2 s). */
export const RLB_UPDATE_DELAY = 2 * ALB_TIMER_TICKS_PER_SEC;
/** RLB_ARP_BURST_SIZE: ARP replies per client update. */
export const RLB_ARP_BURST_SIZE = 2;
/** RLB_UPDATE_RETRY: update rounds repeated after a slave left or failed. */
export const RLB_UPDATE_RETRY = 3;
/** RLB_PROMISC_TIMEOUT: ticks the active slave stays promiscuous after learning a disabled slave's MAC (10 s). */
export const RLB_PROMISC_TIMEOUT = 10 * ALB_TIMER_TICKS_PER_SEC;

/** What the client table needs from the mode around it. */
export interface RlbOwner {
  readonly bond: Bond;
  /** curr_active_slave as bond_alb.c sees it (none while the active slave is being released). */
  currActive(): Slave | undefined;
  /** alb_send_learning_packets for the 6 bytes at mac[offset]. */
  sendLearningPackets(slave: Slave, mac: Uint8Array, offset: number, strict: boolean): void;
}

/** One client as `clients()` reports it (tests, diagnostics). */
export interface RlbClient {
  index: number;
  /** The client's address (ip_dst) and ours (ip_src). */
  ip: number;
  serverIp: number;
  mac: Uint8Array;
  slave: Slave | undefined;
  vlan: number;
  ntt: boolean;
}

/** _simple_hash over the four bytes of an IPv4 address. */
export function rlbHashIp(ip: number): number {
  return ((ip >>> 24) ^ (ip >>> 16) ^ (ip >>> 8) ^ ip) & 0xff;
}

function isZero(b: Uint8Array, o: number): boolean {
  return (b[o] | b[o + 1] | b[o + 2] | b[o + 3] | b[o + 4] | b[o + 5]) === 0;
}

/** is_valid_ether_addr: neither multicast (nor broadcast) nor zero. */
function isValidMac(b: Uint8Array, o: number): boolean {
  return (b[o] & 1) === 0 && !isZero(b, o);
}

function isBroadcast(b: Uint8Array, o: number): boolean {
  return (b[o] & b[o + 1] & b[o + 2] & b[o + 3] & b[o + 4] & b[o + 5]) === 0xff;
}

function copyMac(dst: Uint8Array, dOff: number, src: Uint8Array, sOff: number): void {
  for (let i = 0; i < 6; i++) dst[dOff + i] = src[sOff + i];
}

const N = RLB_HASH_TABLE_SIZE;

export class RlbTable {
  // struct rlb_client_info, one array per field.
  readonly ipSrc = new Uint32Array(N);
  readonly ipDst = new Uint32Array(N);
  readonly macSrc = new Uint8Array(N * 6);
  readonly macDst = new Uint8Array(N * 6);
  readonly usedNext = new Int32Array(N).fill(RLB_NULL_INDEX);
  readonly usedPrev = new Int32Array(N).fill(RLB_NULL_INDEX);
  readonly srcNext = new Int32Array(N).fill(RLB_NULL_INDEX);
  readonly srcPrev = new Int32Array(N).fill(RLB_NULL_INDEX);
  readonly srcFirst = new Int32Array(N).fill(RLB_NULL_INDEX);
  readonly assigned = new Uint8Array(N);
  readonly ntt = new Uint8Array(N);
  readonly slave: (Slave | undefined)[] = new Array<Slave | undefined>(N).fill(undefined);
  readonly vlanId = new Uint16Array(N);

  // The rlb part of struct alb_bond_info.
  usedHead = RLB_NULL_INDEX;
  /** Some client needs an update. */
  rxNtt = false;
  /** The slave the last client was given (round robin). */
  rxSlave: Slave | undefined;
  primaryIsPromisc = false;
  promiscTimeoutCounter = 0;
  updateDelayCounter = 0;
  updateRetryCounter = 0;
  /** Reassign every client at the next tick (a slave joined or came back). */
  rebalancePending = false;
  /** Client updates sent (ARP replies), for tests and diagnostics. */
  updatesSent = 0;

  /** The client update frame (arp_create), built in place: 64 bytes fit a tagged ARP. */
  private readonly frame = new Uint8Array(64);

  constructor(private readonly owner: RlbOwner) {
    this.initialize();
  }

  private get bond(): Bond {
    return this.owner.bond;
  }

  // -----------------------------------------------------------------------------------------
  // Table entries and their lists

  /** rlb_initialize (and rlb_deinitialize: the table is gone, an empty one is what remains). */
  initialize(): void {
    this.ipSrc.fill(0);
    this.ipDst.fill(0);
    this.macSrc.fill(0);
    this.macDst.fill(0);
    this.ntt.fill(0);
    this.srcNext.fill(RLB_NULL_INDEX);
    this.srcPrev.fill(RLB_NULL_INDEX);
    this.srcFirst.fill(RLB_NULL_INDEX);
    for (let i = 0; i < N; i++) this.initEntryDst(i);
    this.usedHead = RLB_NULL_INDEX;
  }

  /** rlb_init_table_entry_dst. */
  private initEntryDst(i: number): void {
    this.usedNext[i] = RLB_NULL_INDEX;
    this.usedPrev[i] = RLB_NULL_INDEX;
    this.assigned[i] = 0;
    this.slave[i] = undefined;
    this.vlanId[i] = 0;
  }

  /** rlb_delete_table_entry_dst: out of the used list. */
  private deleteEntryDst(i: number): void {
    const next = this.usedNext[i];
    const prev = this.usedPrev[i];
    if (i === this.usedHead) this.usedHead = next;
    if (prev !== RLB_NULL_INDEX) this.usedNext[prev] = next;
    if (next !== RLB_NULL_INDEX) this.usedPrev[next] = prev;
  }

  /** rlb_src_unlink: out of the list of entries with the same hash of ip_src. */
  private srcUnlink(i: number): void {
    const next = this.srcNext[i];
    const prev = this.srcPrev[i];
    this.srcNext[i] = RLB_NULL_INDEX;
    this.srcPrev[i] = RLB_NULL_INDEX;
    if (next !== RLB_NULL_INDEX) this.srcPrev[next] = prev;
    if (prev === RLB_NULL_INDEX) return;
    // Is prev the head of this list?
    if (this.srcFirst[prev] === i) this.srcFirst[prev] = next;
    else this.srcNext[prev] = next;
  }

  /** rlb_src_link: entry `dstHash` first in the list of entries whose ip_src hashes to `srcHash`. */
  private srcLink(srcHash: number, dstHash: number): void {
    this.srcPrev[dstHash] = srcHash;
    const next = this.srcFirst[srcHash];
    this.srcNext[dstHash] = next;
    if (next !== RLB_NULL_INDEX) this.srcPrev[next] = dstHash;
    this.srcFirst[srcHash] = dstHash;
  }

  /** rlb_delete_table_entry. */
  deleteEntry(i: number): void {
    this.deleteEntryDst(i);
    this.initEntryDst(i);
    this.srcUnlink(i);
  }

  // -----------------------------------------------------------------------------------------
  // Choosing slaves

  /** __rlb_next_rx_slave: round robin over the fastest slaves that can send. */
  nextRxSlave(): Slave | undefined {
    let before: Slave | undefined;
    let rx: Slave | undefined;
    let found = false;
    const slaves = this.bond.slaves;
    for (let k = 0; k < slaves.length; k++) {
      const s = slaves[k];
      if (!s.canTx) continue;
      if (!found) {
        if (!before || before.speed < s.speed) before = s;
      } else if (!rx || rx.speed < s.speed) {
        rx = s;
      }
      if (s === this.rxSlave) found = true;
    }
    // Nothing after the current one, or something better before and up to it.
    if (!rx || (before && rx.speed < before.speed)) rx = before;
    if (rx) this.rxSlave = rx;
    return rx;
  }

  /**
   * rlb_choose_channel for the ARP at frame[a] that the bond sends: the client's entry (made
   * or taken over), and the slave it is assigned to.
   */
  chooseChannel(frame: Uint8Array, a: number, vlan: number): Slave | undefined {
    const ipSrc = readU32(frame, a + 14);
    const ipDst = readU32(frame, a + 24);
    const i = rlbHashIp(ipDst);
    const m = i * 6;
    if (this.assigned[i]) {
      if (this.ipSrc[i] === ipSrc && this.ipDst[i] === ipDst) {
        // Already this client's: a request's target MAC is broadcast (or zero) and says nothing.
        if (!isBroadcast(frame, a + 18)) copyMac(this.macDst, m, frame, a + 18);
        copyMac(this.macSrc, m, frame, a + 8);
        const s = this.slave[i];
        if (s) return s;
      } else {
        // Another client's: that one moves to the active slave so this one can have the entry.
        const curr = this.owner.currActive();
        if (curr && this.slave[i] !== curr) {
          this.slave[i] = curr;
          this.updateClient(i);
        }
      }
    }
    const s = this.nextRxSlave();
    if (s) {
      if (!(this.assigned[i] && this.ipSrc[i] === ipSrc)) {
        // ip_src changes: move the entry to its new source list.
        this.srcUnlink(i);
        this.srcLink(rlbHashIp(ipSrc), i);
      }
      this.ipSrc[i] = ipSrc;
      this.ipDst[i] = ipDst;
      // A request's target MAC is not the client's; the client's reply will tell it.
      copyMac(this.macDst, m, frame, a + 18);
      copyMac(this.macSrc, m, frame, a + 8);
      this.slave[i] = s;
      if (isValidMac(this.macDst, m)) {
        this.ntt[i] = 1;
        this.rxNtt = true;
      } else {
        this.ntt[i] = 0;
      }
      this.vlanId[i] = vlan > 0 ? vlan : 0;
      if (!this.assigned[i]) {
        const prevHead = this.usedHead;
        this.usedHead = i;
        this.usedNext[i] = prevHead;
        if (prevHead !== RLB_NULL_INDEX) this.usedPrev[prevHead] = i;
        this.assigned[i] = 1;
      }
    }
    return s;
  }

  /**
   * rlb_arp_xmit's choice for the bond's own ARP at frame[a] (tagged `vlan`, -1 for none):
   * replies go out on the client's slave, requests too (and mark every client of that
   * address for an update, after the delay, since a broadcast request moves them all to the
   * bond's MAC). ARPs whose sender MAC is no slave's are left alone (undefined).
   */
  arpXmit(frame: Uint8Array, a: number, length: number, vlan: number): Slave | undefined {
    if (a + 28 > length) return undefined;
    if (!this.slaveHasMac(frame, a + 8)) return undefined;
    const op = readU16(frame, a + 6);
    if (op === ARP_REPLY) return this.chooseChannel(frame, a, vlan);
    if (op === ARP_REQUEST) {
      const s = this.chooseChannel(frame, a, vlan);
      this.updateDelayCounter = RLB_UPDATE_DELAY;
      this.reqUpdateSubnetClients(readU32(frame, a + 14));
      return s;
    }
    return undefined;
  }

  /** bond_slave_has_mac for the 6 bytes at mac[o]. */
  private slaveHasMac(mac: Uint8Array, o: number): boolean {
    const slaves = this.bond.slaves;
    for (let k = 0; k < slaves.length; k++) if (macEquals(slaves[k].port.mac, 0, mac, o)) return true;
    return false;
  }

  // -----------------------------------------------------------------------------------------
  // Receive

  /** rlb_arp_recv for a frame a slave received: purge stale server entries, learn a client's MAC from its reply. */
  arpRecv(frame: Uint8Array, length: number): void {
    let et = 12;
    if (length >= 18 && frame[12] === 0x81 && frame[13] === 0x00) et = 16;
    if (et + 2 > length || readU16(frame, et) !== ETHERTYPE_ARP) return;
    const a = et + 2;
    if (a + 28 > length) return;
    this.purgeSrcIp(frame, a);
    if (readU16(frame, a + 6) === ARP_REPLY) this.updateEntryFromArp(frame, a);
  }

  /** rlb_update_entry_from_arp: a client's reply gives its MAC. */
  private updateEntryFromArp(frame: Uint8Array, a: number): void {
    const ipSrc = readU32(frame, a + 14);
    const ipDst = readU32(frame, a + 24);
    const i = rlbHashIp(ipSrc);
    const m = i * 6;
    if (this.assigned[i] && this.ipSrc[i] === ipDst && this.ipDst[i] === ipSrc && !macEquals(this.macDst, m, frame, a + 8)) {
      copyMac(this.macDst, m, frame, a + 8);
      this.ntt[i] = 1;
      this.rxNtt = true;
    }
  }

  /**
   * rlb_purge_src_ip: an ARP from the address we used as ip_src but from another MAC (another
   * host uses it now): the entries that would announce it with our MAC go.
   */
  private purgeSrcIp(frame: Uint8Array, a: number): void {
    const ip = readU32(frame, a + 14);
    let i = this.srcFirst[rlbHashIp(ip)];
    while (i !== RLB_NULL_INDEX) {
      const next = this.srcNext[i];
      if (this.ipSrc[i] === ip && !macEquals(frame, a + 8, this.macSrc, i * 6)) this.deleteEntry(i);
      i = next;
    }
  }

  // -----------------------------------------------------------------------------------------
  // Slaves leaving, failing, changing address

  /**
   * rlb_clear_slave: the clients of a slave that is failing or leaving go round robin to the
   * others (and are updated, with retries); none left, they wait unassigned. A slave that is
   * not the active one has its MAC taught on the active slave meanwhile.
   */
  clearSlave(slave: Slave): void {
    for (let i = this.usedHead, next = RLB_NULL_INDEX; i !== RLB_NULL_INDEX; i = next) {
      next = this.usedNext[i];
      if (this.slave[i] !== slave) continue;
      const s = this.nextRxSlave();
      if (s) {
        this.slave[i] = s;
        if (isValidMac(this.macDst, i * 6)) {
          this.ntt[i] = 1;
          this.rxNtt = true;
          this.updateRetryCounter = RLB_UPDATE_RETRY;
        }
      } else {
        this.slave[i] = undefined;
      }
    }
    if (slave !== this.owner.currActive()) this.teachDisabledMacOnPrimary(slave.port.mac);
  }

  /** rlb_teach_disabled_mac_on_primary: the switch sends the disabled slave's MAC to the active slave (promiscuous for a while). */
  teachDisabledMacOnPrimary(mac: Uint8Array): void {
    const curr = this.owner.currActive();
    if (!curr) return;
    if (!this.primaryIsPromisc) {
      curr.port.promiscuity++;
      this.primaryIsPromisc = true;
    }
    this.promiscTimeoutCounter = 0;
    this.owner.sendLearningPackets(curr, mac, 0, true);
  }

  /** The active slave changes: it leaves the promiscuous mode the teaching put it in (bond_alb_handle_active_change). */
  dropPromisc(old: Slave | undefined): void {
    if (old && this.primaryIsPromisc) {
      if (old.port.promiscuity > 0) old.port.promiscuity--;
      this.primaryIsPromisc = false;
      this.promiscTimeoutCounter = 0;
    }
  }

  /** rlb_req_update_slave_clients: the slave has a new MAC; its clients must hear it. */
  reqUpdateSlaveClients(slave: Slave): void {
    let ntt = false;
    for (let i = this.usedHead; i !== RLB_NULL_INDEX; i = this.usedNext[i]) {
      if (this.slave[i] === slave && isValidMac(this.macDst, i * 6)) {
        this.ntt[i] = 1;
        ntt = true;
      }
    }
    if (ntt) {
      this.rxNtt = true;
      this.updateRetryCounter = RLB_UPDATE_RETRY;
    }
  }

  /** rlb_req_update_subnet_clients: after our broadcast request, every client of `srcIp` not on the bond's MAC. */
  private reqUpdateSubnetClients(srcIp: number): void {
    const bondMac = this.bond.mac;
    for (let i = this.usedHead; i !== RLB_NULL_INDEX; i = this.usedNext[i]) {
      const s = this.slave[i];
      if (!s) {
        this.bond.log.error(`${this.bond.name}: found a client with no channel in the client's hash table`);
        continue;
      }
      if (this.ipSrc[i] === srcIp && !macEquals(s.port.mac, 0, bondMac, 0) && isValidMac(this.macDst, i * 6)) {
        this.ntt[i] = 1;
        this.rxNtt = true;
      }
    }
  }

  /** rlb_rebalance: every client round robin again; the moved ones are updated. */
  rebalance(): void {
    let ntt = false;
    for (let i = this.usedHead; i !== RLB_NULL_INDEX; i = this.usedNext[i]) {
      const s = this.nextRxSlave();
      if (s && this.slave[i] !== s) {
        this.slave[i] = s;
        if (!isZero(this.macDst, i * 6)) {
          this.ntt[i] = 1;
          ntt = true;
        }
      }
    }
    if (ntt) this.rxNtt = true;
  }

  /** rlb_clear_vlan: the clients behind a VLAN device that went away. */
  clearVlan(vid: number): void {
    for (let i = this.usedHead, next = RLB_NULL_INDEX; i !== RLB_NULL_INDEX; i = next) {
      next = this.usedNext[i];
      if (this.vlanId[i] === vid) this.deleteEntry(i);
    }
  }

  /** Clients tagged with a VLAN the bond no longer has (bond_alb_clear_vlan, noticed at the next tick). */
  clearGoneVlans(vlans: ReadonlySet<number>): void {
    for (let i = this.usedHead, next = RLB_NULL_INDEX; i !== RLB_NULL_INDEX; i = next) {
      next = this.usedNext[i];
      const v = this.vlanId[i];
      if (v !== 0 && !vlans.has(v)) this.deleteEntry(i);
    }
  }

  // -----------------------------------------------------------------------------------------
  // Updates

  /**
   * rlb_update_client: two ARP replies to the client from its slave: "our address is at this
   * slave's MAC" (arp_create(ARPOP_REPLY, ip_dst, slave, ip_src, mac_dst, slave MAC, mac_dst)).
   */
  updateClient(i: number): void {
    const s = this.slave[i];
    const m = i * 6;
    if (!s || !isValidMac(this.macDst, m)) return;
    const f = this.frame;
    const vlan = this.vlanId[i];
    const mac = s.port.mac;
    copyMac(f, 0, this.macDst, m);
    copyMac(f, 6, mac, 0);
    let o = 12;
    if (vlan) {
      writeU16(f, 12, ETHERTYPE_VLAN);
      writeU16(f, 14, vlan & 0x0fff);
      o = 16;
    }
    writeU16(f, o, ETHERTYPE_ARP);
    const a = o + 2;
    writeU16(f, a, 1);
    writeU16(f, a + 2, ETHERTYPE_IPV4);
    f[a + 4] = 6;
    f[a + 5] = 4;
    writeU16(f, a + 6, ARP_REPLY);
    copyMac(f, a + 8, mac, 0);
    writeU32(f, a + 14, this.ipSrc[i]);
    copyMac(f, a + 18, this.macDst, m);
    writeU32(f, a + 24, this.ipDst[i]);
    const end = a + 28;
    const len = vlan ? 64 : 60;
    f.fill(0, end, len);
    if (!s.isUp) return;
    for (let k = 0; k < RLB_ARP_BURST_SIZE; k++) {
      if (this.bond.sendOnSlave(s, f, len)) this.updatesSent++;
    }
  }

  /** rlb_update_rx_clients: the clients marked for an update hear from their slave. */
  updateRxClients(): void {
    for (let i = this.usedHead; i !== RLB_NULL_INDEX; i = this.usedNext[i]) {
      if (!this.ntt[i]) continue;
      this.updateClient(i);
      if (this.updateRetryCounter === 0) this.ntt[i] = 0;
    }
    // Not again before the delay, so as not to confuse the clients.
    this.updateDelayCounter = RLB_UPDATE_DELAY;
  }

  /** The rlb part of one bond_alb_monitor tick. */
  tick(): void {
    if (this.primaryIsPromisc && ++this.promiscTimeoutCounter >= RLB_PROMISC_TIMEOUT) {
      this.promiscTimeoutCounter = 0;
      // The active slave was made promiscuous when a slave was disabled; it can leave it now.
      const curr = this.owner.currActive();
      if (curr) {
        if (curr.port.promiscuity > 0) curr.port.promiscuity--;
        this.primaryIsPromisc = false;
      }
    }
    if (this.rebalancePending) {
      this.rebalancePending = false;
      this.rebalance();
    }
    if (this.rxNtt) {
      if (this.updateDelayCounter) {
        this.updateDelayCounter--;
      } else {
        this.updateRxClients();
        if (this.updateRetryCounter) this.updateRetryCounter--;
        else this.rxNtt = false;
      }
    }
  }

  // -----------------------------------------------------------------------------------------
  // Inspection

  /** The clients in used-list order. */
  clients(): RlbClient[] {
    const out: RlbClient[] = [];
    for (let i = this.usedHead; i !== RLB_NULL_INDEX; i = this.usedNext[i]) {
      out.push({
        index: i,
        ip: this.ipDst[i],
        serverIp: this.ipSrc[i],
        mac: this.macDst.slice(i * 6, i * 6 + 6),
        slave: this.slave[i],
        vlan: this.vlanId[i],
        ntt: this.ntt[i] === 1,
      });
    }
    return out;
  }

  /**
   * Checks the links of the table; returns what is wrong (empty when consistent): the used
   * list walks exactly the assigned entries, each once, with matching back links, and every
   * assigned entry sits in the source list of its server address.
   */
  checkLinks(): string[] {
    const bad: string[] = [];
    const seen = new Uint8Array(N);
    let prev = RLB_NULL_INDEX;
    let steps = 0;
    for (let i = this.usedHead; i !== RLB_NULL_INDEX; i = this.usedNext[i]) {
      if (++steps > N) {
        bad.push('used list loops');
        break;
      }
      if (seen[i]) bad.push(`entry ${i} twice in the used list`);
      seen[i] = 1;
      if (!this.assigned[i]) bad.push(`entry ${i} in the used list but not assigned`);
      if (this.usedPrev[i] !== prev) bad.push(`entry ${i}: used_prev ${this.usedPrev[i]}, expected ${prev}`);
      prev = i;
    }
    for (let i = 0; i < N; i++) {
      if (this.assigned[i] && !seen[i]) bad.push(`entry ${i} assigned but not in the used list`);
      if (!this.assigned[i]) continue;
      // In the source list of its ip_src hash?
      let found = false;
      let k = 0;
      for (let j = this.srcFirst[rlbHashIp(this.ipSrc[i])]; j !== RLB_NULL_INDEX && k <= N; j = this.srcNext[j], k++) {
        if (j === i) found = true;
      }
      if (!found) bad.push(`entry ${i} (${formatIpv4(this.ipDst[i])}) missing from the source list of ${formatIpv4(this.ipSrc[i])}`);
    }
    return bad;
  }
}
