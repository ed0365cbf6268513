/**
 * Transmit load balancing: the table balance-tlb and balance-alb choose a slave with for each
 * destination, after the tlb_* functions of Linux's drivers/net/bonding/bond_alb.c.
 *
 * 256 entries, one per hash of the destination. An unassigned entry goes to the slave with the
 * largest gap between its speed and its load (the sum of its entries' load history); the
 * entries of one slave are chained so a slave can be cleared at once. Every rebalance
 * interval each entry's bytes become its load history (bytes per second of the last interval,
 * plus one) and every entry is unassigned, so the next frames spread again by load.
 *
 * Portable core: typed arrays allocated once; choosing a slave allocates nothing.
 */
import type { Bond } from './bond.ts';
import type { Slave } from './slave.ts';

/** TLB_HASH_TABLE_SIZE: the hash is one byte wide. */
export const TLB_HASH_TABLE_SIZE = 256;
/** TLB_NULL_INDEX. */
export const TLB_NULL_INDEX = -1;
/** BOND_TLB_REBALANCE_INTERVAL, seconds. */
export const BOND_TLB_REBALANCE_INTERVAL = 10;

/** struct tlb_slave_info: the head of the slave's chain of entries and its load. */
export class TlbSlaveInfo {
  head = TLB_NULL_INDEX;
  /** u32: the sum of the load history of the entries on this slave. */
  load = 0;
}

export class TlbTable {
  /** tx_slave per entry; undefined while unassigned. */
  readonly txSlave: (Slave | undefined)[] = new Array<Slave | undefined>(TLB_HASH_TABLE_SIZE).fill(undefined);
  /** Bytes sent to the entry this interval (u32). */
  readonly txBytes = new Uint32Array(TLB_HASH_TABLE_SIZE);
  /** Bytes per second of the previous interval, plus one (u32). */
  readonly loadHistory = new Uint32Array(TLB_HASH_TABLE_SIZE);
  readonly next = new Int32Array(TLB_HASH_TABLE_SIZE).fill(TLB_NULL_INDEX);
  readonly prev = new Int32Array(TLB_HASH_TABLE_SIZE).fill(TLB_NULL_INDEX);
  private readonly info = new Map<Slave, TlbSlaveInfo>();
  /** Bytes sent on the active slave because no entry chose a slave (bond_info->unbalanced_load, u32). */
  unbalancedLoad = 0;

  constructor(private readonly bond: Bond) {}

  /** tlb_initialize: a zeroed table (the bond opens). */
  initialize(): void {
    this.txBytes.fill(0);
    this.loadHistory.fill(0);
    for (let i = 0; i < TLB_HASH_TABLE_SIZE; i++) this.initEntry(i, false);
  }

  /** tlb_deinitialize (the bond closes): nothing is assigned any more. */
  deinitialize(): void {
    this.initialize();
    for (const i of this.info.values()) {
      i.head = TLB_NULL_INDEX;
      i.load = 0;
    }
    this.unbalancedLoad = 0;
  }

  /** tlb_init_table_entry. */
  private initEntry(i: number, saveLoad: boolean): void {
    if (saveLoad) {
      this.loadHistory[i] = 1 + Math.floor(this.txBytes[i] / BOND_TLB_REBALANCE_INTERVAL);
      this.txBytes[i] = 0;
    }
    this.txSlave[i] = undefined;
    this.next[i] = TLB_NULL_INDEX;
    this.prev[i] = TLB_NULL_INDEX;
  }

  /** tlb_init_slave. */
  initSlave(s: Slave): void {
    let i = this.info.get(s);
    if (!i) {
      i = new TlbSlaveInfo();
      this.info.set(s, i);
    }
    i.head = TLB_NULL_INDEX;
    i.load = 0;
  }

  /** Forgets a released slave. */
  removeSlave(s: Slave): void {
    this.info.delete(s);
  }

  slaveInfo(s: Slave): TlbSlaveInfo {
    let i = this.info.get(s);
    if (!i) {
      i = new TlbSlaveInfo();
      this.info.set(s, i);
    }
    return i;
  }

  /** __tlb_clear_slave: every entry on the slave is unassigned (keeping its load when `saveLoad`). */
  clearSlave(s: Slave, saveLoad: boolean): void {
    const info = this.slaveInfo(s);
    let index = info.head;
    while (index !== TLB_NULL_INDEX) {
      const next = this.next[index];
      this.initEntry(index, saveLoad);
      index = next;
    }
    info.head = TLB_NULL_INDEX;
    info.load = 0;
  }

  /**
   * compute_gap: speed in bits per second against load in bits per second. Linux shifts the
   * u32 fields before widening them, so the arithmetic is u32 here too.
   */
  gap(s: Slave): number {
    const speed = ((s.speed | 0) << 20) >>> 0;
    const load = (this.slaveInfo(s).load << 3) >>> 0;
    return speed - load;
  }

  /** tlb_get_least_loaded_slave: the slave that can send with the largest gap (the first of equals). */
  leastLoaded(): Slave | undefined {
    let best: Slave | undefined;
    let maxGap = -Infinity;
    const slaves = this.bond.slaves;
    for (let k = 0; k < slaves.length; k++) {
      const s = slaves[k];
      if (!s.canTx) continue;
      const g = this.gap(s);
      if (maxGap < g) {
        best = s;
        maxGap = g;
      }
    }
    return best;
  }

  /** __tlb_choose_channel: the entry's slave, assigning the least loaded one when it has none; counts the bytes. */
  choose(hashIndex: number, length: number): Slave | undefined {
    let s = this.txSlave[hashIndex];
    if (!s) {
      s = this.leastLoaded();
      if (s) {
        const info = this.slaveInfo(s);
        const next = info.head;
        this.txSlave[hashIndex] = s;
        this.next[hashIndex] = next;
        this.prev[hashIndex] = TLB_NULL_INDEX;
        if (next !== TLB_NULL_INDEX) this.prev[next] = hashIndex;
        info.head = hashIndex;
        info.load = (info.load + this.loadHistory[hashIndex]) >>> 0;
      }
    }
    if (s) this.txBytes[hashIndex] += length;
    return s;
  }

  /** The entries assigned to `s`, in chain order (tests, diagnostics). */
  entriesOf(s: Slave): number[] {
    const out: number[] = [];
    for (let i = this.slaveInfo(s).head; i !== TLB_NULL_INDEX; i = this.next[i]) out.push(i);
    return out;
  }
}
