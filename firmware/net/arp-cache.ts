/**
 * The IPv4 neighbour (ARP) table, kept the way Linux's neighbour layer keeps it
 * (net/core/neighbour.c, net/ipv4/arp.c) with the default parameters of
 * /proc/sys/net/ipv4/neigh/default: an entry is per (device, address); resolution sends
 * mcast_solicit broadcast requests retrans_time apart and fails after the last one times
 * out; a confirmed entry is REACHABLE for base_reachable_time, then STALE (still used);
 * a different link-layer address is not taken within locktime of the last update unless
 * the ARP is gratuitous.
 *
 * Simplifications, deliberate: REACHABLE lasts exactly base_reachable_time (Linux draws
 * it at random in [base/2, 3*base/2]); a STALE entry is used as it is, without the
 * DELAY/PROBE unicast re-confirmation; STALE entries are not aged out (Linux keeps them
 * too while the table is below gc_thresh1); FAILED entries go after failedLifetimeMs.
 *
 * Time comes from the injected Clock, and a timer runs only while something can expire:
 * one per resolution in progress and one for the FAILED entries, none otherwise.
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';

export type NeighbourState = 'REACHABLE' | 'STALE' | 'INCOMPLETE' | 'FAILED';

/** One neighbour as `ip neigh` shows it. */
export interface NeighbourEntry {
  readonly ip: number;
  /** The link-layer address, or undefined while INCOMPLETE or FAILED (as Linux prints none). */
  readonly mac: Uint8Array | undefined;
  readonly link: string;
  readonly state: NeighbourState;
  /** Milliseconds since the entry last changed or was confirmed. */
  readonly ageMs: number;
}

export interface ArpParams {
  /** base_reachable_time_ms */
  readonly baseReachableMs: number;
  /** retrans_time_ms */
  readonly retransMs: number;
  /** mcast_solicit: broadcast requests per resolution. */
  readonly mcastSolicit: number;
  /** locktime: a different MAC is ignored for this long after an update (unless gratuitous). */
  readonly locktimeMs: number;
  /** How long a FAILED entry stays before it is removed. */
  readonly failedLifetimeMs: number;
  /** gc_thresh3: the table never holds more entries than this. */
  readonly maxEntries: number;
}

/** Linux's defaults. */
export const ARP_DEFAULTS: ArpParams = {
  baseReachableMs: 30_000,
  retransMs: 1000,
  mcastSolicit: 3,
  locktimeMs: 1000,
  failedLifetimeMs: 60_000,
  maxEntries: 1024,
};

const VALID = 0;
const INCOMPLETE = 1;
const FAILED = 2;

interface Entry {
  readonly ip: number;
  readonly link: string;
  kind: typeof VALID | typeof INCOMPLETE | typeof FAILED;
  /** Always 6 bytes, written in place; meaningful when VALID. */
  readonly mac: Uint8Array;
  /** VALID: REACHABLE while now < reachableUntil, STALE after. */
  reachableUntil: number;
  confirmed: number;
  /** Linux's neigh->updated (what locktime counts from). */
  updated: number;
  /** FAILED: when it failed. */
  failedAt: number;
  /** INCOMPLETE: requests sent so far, and the retransmit timer. */
  probes: number;
  timer: TimerHandle | undefined;
  waiters: ((mac: Uint8Array | undefined) => void)[];
}

export class ArpCache {
  private readonly tables = new Map<string, Map<number, Entry>>();
  private count = 0;
  private failedCount = 0;
  private gcTimer: TimerHandle | undefined;

  /**
   * `solicit(link, ip)` sends one broadcast ARP request for `ip` out of `link` (the stack
   * picks the source address); `overflow()` is told when an entry could not be created.
   */
  constructor(
    private readonly clock: Clock,
    private readonly solicit: (link: string, ip: number) => void,
    private readonly overflow: () => void = () => {},
    readonly params: ArpParams = ARP_DEFAULTS,
  ) {}

  /** Number of entries, all states. */
  get size(): number {
    return this.count;
  }

  /**
   * The MAC to send to `ip` on `link` (a REACHABLE or STALE entry), or undefined. The array
   * is the table's own: read it at once, do not keep or change it. Does not allocate.
   */
  lookup(link: string, ip: number): Uint8Array | undefined {
    const e = this.tables.get(link)?.get(ip);
    return e !== undefined && e.kind === VALID ? e.mac : undefined;
  }

  /** True when there is an entry, in any state. */
  has(link: string, ip: number): boolean {
    return this.tables.get(link)?.has(ip) ?? false;
  }

  /**
   * A usable entry at once; otherwise starts (or joins) a resolution: the first request now,
   * then one every retransMs until mcastSolicit have gone, then FAILED and undefined.
   */
  resolve(link: string, ip: number): Promise<Uint8Array | undefined> {
    let e = this.tables.get(link)?.get(ip);
    if (e !== undefined && e.kind === VALID) return Promise.resolve(e.mac.slice());
    if (e === undefined) {
      e = this.create(link, ip);
      if (e === undefined) return Promise.resolve(undefined);
    }
    const entry = e;
    const p = new Promise<Uint8Array | undefined>((resolve) => entry.waiters.push(resolve));
    if (entry.kind !== INCOMPLETE) {
      // New, or FAILED: (re)start resolution, as __neigh_event_send does.
      if (entry.kind === FAILED) this.leaveFailed();
      entry.kind = INCOMPLETE;
      entry.probes = 0;
      entry.updated = this.clock.now();
      this.probe(entry);
    }
    return p;
  }

  /**
   * neigh_event_ns: an ARP request addressed to us from `ip` with its MAC at frame[off]:
   * creates the entry if needed and updates it to STALE (a REACHABLE one with the same MAC
   * stays REACHABLE). Returns false when the table is full.
   */
  learn(link: string, ip: number, frame: Uint8Array, off: number): boolean {
    const e = this.tables.get(link)?.get(ip) ?? this.create(link, ip);
    if (e === undefined) return false;
    this.apply(e, frame, off, false, true);
    return true;
  }

  /**
   * The update arp_process makes from any other ARP: only an existing entry is touched
   * (arp_accept=0). `reachable` for a reply unicast to us (REACHABLE), else STALE;
   * `gratuitous` (sender IP = target IP) overrides locktime. Returns true if there was one.
   */
  update(link: string, ip: number, frame: Uint8Array, off: number, reachable: boolean, gratuitous: boolean): boolean {
    const e = this.tables.get(link)?.get(ip);
    if (e === undefined) return false;
    const override = gratuitous || this.clock.now() > this.updatedAt(e) + this.params.locktimeMs;
    this.apply(e, frame, off, reachable, override);
    return true;
  }

  /** Drops every entry of `link` (device down or gone: arp_ifdown); pending resolutions give undefined. */
  flushLink(link: string): void {
    const table = this.tables.get(link);
    if (table === undefined) return;
    this.tables.delete(link);
    for (const e of table.values()) this.drop(e);
  }

  /** Every entry, per link in the order they were created. */
  entries(): NeighbourEntry[] {
    const now = this.clock.now();
    const out: NeighbourEntry[] = [];
    for (const table of this.tables.values()) {
      for (const e of table.values()) {
        out.push({
          ip: e.ip,
          mac: e.kind === VALID ? e.mac.slice() : undefined,
          link: e.link,
          state: this.stateOf(e, now),
          ageMs: now - Math.max(this.updatedAt(e), e.confirmed),
        });
      }
    }
    return out;
  }

  /** The state of one entry, or undefined when there is none. */
  state(link: string, ip: number): NeighbourState | undefined {
    const e = this.tables.get(link)?.get(ip);
    return e === undefined ? undefined : this.stateOf(e, this.clock.now());
  }

  private stateOf(e: Entry, now: number): NeighbourState {
    if (e.kind === INCOMPLETE) return 'INCOMPLETE';
    if (e.kind === FAILED) return 'FAILED';
    return now < e.reachableUntil ? 'REACHABLE' : 'STALE';
  }

  /** neigh->updated, counting the REACHABLE-to-STALE change (Linux's timer stamps it). */
  private updatedAt(e: Entry): number {
    if (e.kind === VALID && e.reachableUntil > e.updated && this.clock.now() >= e.reachableUntil) return e.reachableUntil;
    return e.updated;
  }

  /** __neigh_update for a new link-layer address and a new state REACHABLE or STALE. */
  private apply(e: Entry, frame: Uint8Array, off: number, reachable: boolean, override: boolean): void {
    const now = this.clock.now();
    let same = true;
    for (let i = 0; i < 6; i++) if (e.mac[i] !== frame[off + i]) same = false;
    if (e.kind === VALID) {
      const wasReachable = now < e.reachableUntil;
      if (!same && !override) return; // within locktime: keep the address we have
      if (same && !reachable) {
        // "If entry was valid and address is not changed, do not change entry state, if new one is STALE."
        return;
      }
      if (reachable) {
        e.confirmed = now;
        e.reachableUntil = now + this.params.baseReachableMs;
      } else {
        e.reachableUntil = 0;
      }
      if (!same || wasReachable !== reachable) e.updated = now;
      if (!same) for (let i = 0; i < 6; i++) e.mac[i] = frame[off + i];
      return;
    }
    // INCOMPLETE or FAILED (or new): take the address, whatever it is.
    if (e.kind === FAILED) this.leaveFailed();
    for (let i = 0; i < 6; i++) e.mac[i] = frame[off + i];
    e.kind = VALID;
    e.updated = now;
    if (reachable) {
      e.confirmed = now;
      e.reachableUntil = now + this.params.baseReachableMs;
    } else {
      e.reachableUntil = 0;
    }
    if (e.timer !== undefined) {
      this.clock.cancel(e.timer);
      e.timer = undefined;
    }
    this.settle(e, e.mac);
  }

  private create(link: string, ip: number): Entry | undefined {
    if (this.count >= this.params.maxEntries && !this.evictOne()) {
      this.overflow();
      return undefined;
    }
    let table = this.tables.get(link);
    if (table === undefined) {
      table = new Map();
      this.tables.set(link, table);
    }
    const now = this.clock.now();
    const e: Entry = {
      ip, link, kind: FAILED, mac: new Uint8Array(6), reachableUntil: 0, confirmed: -Infinity, updated: now,
      failedAt: now, probes: 0, timer: undefined, waiters: [],
    };
    // A new entry is NUD_NONE in Linux; here it is created as "not valid" and its caller
    // moves it on at once (resolve: INCOMPLETE; learn: STALE). Counted as FAILED meanwhile.
    this.failedCount++;
    table.set(ip, e);
    this.count++;
    return e;
  }

  /** neigh_forced_gc, simplified: makes room by removing a FAILED entry, else the oldest STALE one. */
  private evictOne(): boolean {
    const now = this.clock.now();
    let victim: Entry | undefined;
    for (const table of this.tables.values()) {
      for (const e of table.values()) {
        if (e.kind === FAILED) {
          victim = e;
          break;
        }
        if (e.kind === VALID && now >= e.reachableUntil && (victim === undefined || e.updated < victim.updated)) victim = e;
      }
      if (victim?.kind === FAILED) break;
    }
    if (victim === undefined) return false;
    this.remove(victim);
    return true;
  }

  private probe(e: Entry): void {
    e.probes++;
    e.timer = this.clock.setTimer(this.params.retransMs, () => {
      e.timer = undefined;
      if (e.kind !== INCOMPLETE) return;
      if (e.probes >= this.params.mcastSolicit) this.fail(e);
      else this.probe(e);
    });
    this.solicit(e.link, e.ip);
  }

  private fail(e: Entry): void {
    e.kind = FAILED;
    e.failedAt = this.clock.now();
    e.updated = e.failedAt;
    this.failedCount++;
    this.armGc();
    this.settle(e, undefined);
  }

  private leaveFailed(): void {
    this.failedCount--;
    if (this.failedCount === 0 && this.gcTimer !== undefined) {
      this.clock.cancel(this.gcTimer);
      this.gcTimer = undefined;
    }
  }

  private armGc(): void {
    if (this.gcTimer !== undefined || this.failedCount === 0) return;
    let first = Infinity;
    for (const table of this.tables.values()) for (const e of table.values()) if (e.kind === FAILED && e.failedAt < first) first = e.failedAt;
    if (first === Infinity) return;
    this.gcTimer = this.clock.setTimer(first + this.params.failedLifetimeMs - this.clock.now(), () => {
      this.gcTimer = undefined;
      const now = this.clock.now();
      const expired: Entry[] = [];
      for (const table of this.tables.values()) {
        for (const e of table.values()) if (e.kind === FAILED && e.failedAt + this.params.failedLifetimeMs <= now) expired.push(e);
      }
      for (const e of expired) this.remove(e);
      this.armGc();
    });
  }

  private remove(e: Entry): void {
    const table = this.tables.get(e.link);
    if (table?.get(e.ip) !== e) return;
    table.delete(e.ip);
    if (table.size === 0) this.tables.delete(e.link);
    this.drop(e);
  }

  /** Forgets an entry already taken out of its table. */
  private drop(e: Entry): void {
    this.count--;
    if (e.kind === FAILED) this.leaveFailed();
    if (e.timer !== undefined) {
      this.clock.cancel(e.timer);
      e.timer = undefined;
    }
    e.kind = FAILED; // so a late timer callback does nothing
    this.settle(e, undefined);
  }

  private settle(e: Entry, mac: Uint8Array | undefined): void {
    if (e.waiters.length === 0) return;
    const waiters = e.waiters;
    e.waiters = [];
    for (const w of waiters) w(mac === undefined ? undefined : mac.slice());
  }
}
