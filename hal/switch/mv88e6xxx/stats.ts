/**
 * The 88E6xxx statistics unit (RMON MIB counters per port), as Linux's mv88e6xxx driver
 * reads them for `ethtool -S`: chip.c mv88e6xxx_hw_stats (names, sizes, banks, order),
 * mv88e6095/mv88e6390_stats_get_stats, mv88e6xxx_stats_setup; global1.c
 * mv88e6xxx_g1_stats_snapshot / mv88e6320/6390_g1_stats_snapshot / mv88e6xxx_g1_stats_read.
 *
 * A port's counters are first captured (Stats Operation "capture port"), then each 32-bit
 * counter is read out of the capture ("read captured" with its number, then Stats Counter
 * 3:2 and 1:0). Every operation sets BUSY until the unit is done. Through multi-chip SMI a
 * BUSY poll cannot run on the bus side, so operations are queued optimistically, each
 * followed by status reads, and only what a status read cannot vouch for is redone with
 * explicit polling (as global2 PHY access does, see global2-phy-batch.ts).
 */
import { DeviceError } from '../../../lib/errors.ts';
import type { PortStat } from '../port-stat.ts';
import type { Mv88e6xxxInfo, Mv88e6xxxModel } from './models.ts';
import type { Mv88e6xxxSmi, SmiBatch } from './smi.ts';

// Global1 (global1.h).
const G1_CTL2 = 0x1c; // MV88E6XXX_G1_CTL2
const G1_CTL2_HIST_MASK = 0x00c0; // MV88E6390_G1_CTL2_HIST_MODE_MASK
const G1_CTL2_HIST_RX = 0x0040; // MV88E6390_G1_CTL2_HIST_MODE_RX
const G1_STATS_OP = 0x1d; // MV88E6XXX_G1_STATS_OP
const G1_STATS_OP_BUSY = 0x8000;
const G1_STATS_OP_FLUSH_ALL = 0x1000;
const G1_STATS_OP_READ_CAPTURED = 0x4000;
const G1_STATS_OP_CAPTURE_PORT = 0x5000;
const G1_STATS_OP_HIST_MASK = 0x0c00;
const G1_STATS_OP_HIST_RX = 0x0400; // MV88E6XXX_G1_STATS_OP_HIST_RX
const G1_STATS_OP_BANK_1_BIT_10 = 0x0400; // the same bit selects bank 1 on the 6390
const G1_STATS_COUNTER_32 = 0x1e; // bytes 3 and 2
const G1_STATS_COUNTER_01 = 0x1f; // bytes 1 and 0


/**
 * MDIO transactions in one statistics batch on a bus with a program limit: about 6 ms of MDIO
 * at 2.5 MHz (25.6 us a frame), whether the SMI indirection is queued here or run by the bus.
 */
const STATS_BATCH_TRANSACTIONS = 240;
/** Polls of Stats Operation BUSY before giving up (global1.c waits with a bounded poll too). */
const STATS_BUSY_TRIES = 16;
/** Status reads queued after each optimistic operation (see global2-phy-batch.ts G2_OPTIMISTIC_STATUS_READS). */
const STATUS_READS = 2;

/** Where a counter lives: the MIB banks of the stats unit, or port registers (6352 family). */
export type HwStatType = 'bank0' | 'bank1' | 'port';

export interface HwStat {
  name: string;
  /** Bytes: 8 = two consecutive 32-bit counters (low, then high); 2 = one 16-bit port register. */
  size: 2 | 4 | 8;
  /** Counter number in its bank, or port register. */
  reg: number;
  type: HwStatType;
}

const stat = (name: string, size: HwStat['size'], reg: number, type: HwStatType): HwStat => ({ name, size, reg, type });

/** chip.c mv88e6xxx_hw_stats, in its order (which is the order `ethtool -S` prints). */
export const MV88E6XXX_HW_STATS: readonly HwStat[] = [
  stat('in_good_octets', 8, 0x00, 'bank0'),
  stat('in_bad_octets', 4, 0x02, 'bank0'),
  stat('in_unicast', 4, 0x04, 'bank0'),
  stat('in_broadcasts', 4, 0x06, 'bank0'),
  stat('in_multicasts', 4, 0x07, 'bank0'),
  stat('in_pause', 4, 0x16, 'bank0'),
  stat('in_undersize', 4, 0x18, 'bank0'),
  stat('in_fragments', 4, 0x19, 'bank0'),
  stat('in_oversize', 4, 0x1a, 'bank0'),
  stat('in_jabber', 4, 0x1b, 'bank0'),
  stat('in_rx_error', 4, 0x1c, 'bank0'),
  stat('in_fcs_error', 4, 0x1d, 'bank0'),
  stat('out_octets', 8, 0x0e, 'bank0'),
  stat('out_unicast', 4, 0x10, 'bank0'),
  stat('out_broadcasts', 4, 0x13, 'bank0'),
  stat('out_multicasts', 4, 0x12, 'bank0'),
  stat('out_pause', 4, 0x15, 'bank0'),
  stat('excessive', 4, 0x11, 'bank0'),
  stat('collisions', 4, 0x1e, 'bank0'),
  stat('deferred', 4, 0x05, 'bank0'),
  stat('single', 4, 0x14, 'bank0'),
  stat('multiple', 4, 0x17, 'bank0'),
  stat('out_fcs_error', 4, 0x03, 'bank0'),
  stat('late', 4, 0x1f, 'bank0'),
  stat('hist_64bytes', 4, 0x08, 'bank0'),
  stat('hist_65_127bytes', 4, 0x09, 'bank0'),
  stat('hist_128_255bytes', 4, 0x0a, 'bank0'),
  stat('hist_256_511bytes', 4, 0x0b, 'bank0'),
  stat('hist_512_1023bytes', 4, 0x0c, 'bank0'),
  stat('hist_1024_max_bytes', 4, 0x0d, 'bank0'),
  stat('sw_in_discards', 4, 0x10, 'port'),
  stat('sw_in_filtered', 2, 0x12, 'port'),
  stat('sw_out_filtered', 2, 0x13, 'port'),
  stat('in_discards', 4, 0x00, 'bank1'),
  stat('in_filtered', 4, 0x01, 'bank1'),
  stat('in_accepted', 4, 0x02, 'bank1'),
  stat('in_bad_accepted', 4, 0x03, 'bank1'),
  stat('in_good_avb_class_a', 4, 0x04, 'bank1'),
  stat('in_good_avb_class_b', 4, 0x05, 'bank1'),
  stat('in_bad_avb_class_a', 4, 0x06, 'bank1'),
  stat('in_bad_avb_class_b', 4, 0x07, 'bank1'),
  stat('tcam_counter_0', 4, 0x08, 'bank1'),
  stat('tcam_counter_1', 4, 0x09, 'bank1'),
  stat('tcam_counter_2', 4, 0x0a, 'bank1'),
  stat('tcam_counter_3', 4, 0x0b, 'bank1'),
  stat('in_da_unknown', 4, 0x0e, 'bank1'),
  stat('in_management', 4, 0x0f, 'bank1'),
  stat('out_queue_0', 4, 0x10, 'bank1'),
  stat('out_queue_1', 4, 0x11, 'bank1'),
  stat('out_queue_2', 4, 0x12, 'bank1'),
  stat('out_queue_3', 4, 0x13, 'bank1'),
  stat('out_queue_4', 4, 0x14, 'bank1'),
  stat('out_queue_5', 4, 0x15, 'bank1'),
  stat('out_queue_6', 4, 0x16, 'bank1'),
  stat('out_queue_7', 4, 0x17, 'bank1'),
  stat('out_cut_through', 4, 0x18, 'bank1'),
  stat('out_octets_a', 4, 0x1a, 'bank1'),
  stat('out_octets_b', 4, 0x1b, 'bank1'),
  stat('out_management', 4, 0x1f, 'bank1'),
];

/**
 * chip.c mv88e6xxx_atu_vtu_stats_strings: counts of ATU/VTU violation interrupts, kept by
 * Linux's interrupt handler and printed after the hardware counters. This driver does not
 * program the ATU or VTU nor service their interrupts, so no violation is ever counted.
 */
export const ATU_VTU_STATS: readonly string[] = ['atu_member_violation', 'atu_miss_violation', 'atu_full_violation', 'vtu_member_violation', 'vtu_miss_violation'];

interface FamilyStats {
  /** Counter types the family reads (ops .stats_get_sset_count / .stats_get_stats). */
  types: readonly HwStatType[];
  /** Stats Operation bits of every capture and read: the histogram mode (6352). */
  histogram: number;
  /** Stats Operation bit that selects bank 1 in a read (6390). */
  bank1Select: number;
}

/**
 * 6352: mv88e6320_g1_stats_snapshot and mv88e6095_stats_get_stats (bank 0 and the port
 * registers, histogram bits in every operation). 6390: mv88e6390_g1_stats_snapshot and
 * mv88e6390_stats_get_stats (banks 0 and 1, bit 10 selects bank 1, histogram mode in Global
 * Control 2). Since Linux 6.8 the histogram counts received frames only (RFC 2819).
 */
const FAMILY_STATS: Readonly<Record<Mv88e6xxxModel, FamilyStats>> = {
  '6352': { types: ['bank0', 'port'], histogram: G1_STATS_OP_HIST_RX, bank1Select: 0 },
  '6390': { types: ['bank0', 'bank1'], histogram: 0, bank1Select: G1_STATS_OP_BANK_1_BIT_10 },
};

/** The stats the family of `model` reports, in order. */
export function familyStats(model: Mv88e6xxxModel): HwStat[] {
  const types = FAMILY_STATS[model].types;
  return MV88E6XXX_HW_STATS.filter((s) => types.includes(s.type));
}

/** One Stats Operation command, and whether it is followed by a counter read-out. */
interface StatsCommand {
  op: number;
  readsCounter: boolean;
}

/** Result indexes of one queued command: its last status read and the counter halves. */
interface QueuedCommand {
  status: number;
  hi: number;
  lo: number;
}

/**
 * The statistics unit of one chip. Callers hold the chip's 'stats' lock (lock.ts): a
 * capture is shared state of the whole chip.
 */
export class Mv88e6xxxStats {
  constructor(
    private readonly smi: Mv88e6xxxSmi,
    private readonly info: Mv88e6xxxInfo,
  ) {}

  /**
   * chip.c mv88e6xxx_stats_setup: the histogram counts ingress frames only (6352:
   * mv88e6095_g1_stats_set_histogram, the mode bits of Stats Operation; 6390:
   * mv88e6390_g1_stats_set_histogram, Global Control 2), then every counter is cleared
   * (mv88e6xxx_g1_stats_clear). Linux ORs the RX bit into the mode; here the field is set,
   * so that a part whose reset mode counts both directions ends up at RX only too.
   */
  async setup(): Promise<void> {
    const g1 = this.info.global1;
    const [reg, mask, rx] = this.info.model === '6390' ? [G1_CTL2, G1_CTL2_HIST_MASK, G1_CTL2_HIST_RX] : [G1_STATS_OP, G1_STATS_OP_HIST_MASK, G1_STATS_OP_HIST_RX];
    let value = ((await this.smi.read(g1, reg)) & ~mask) | rx;
    if (reg === G1_STATS_OP) value &= ~G1_STATS_OP_BUSY; // a mode change, not an operation
    await this.smi.write(g1, reg, value);
    await this.runCommands([{ op: G1_STATS_OP_BUSY | G1_STATS_OP_FLUSH_ALL, readsCounter: false }], () => undefined);
  }

  /**
   * chip.c mv88e6xxx_get_ethtool_stats for one port: capture, then every counter of the
   * family in table order (64-bit counters as two reads, high word second), then the
   * ATU/VTU violation counts. `portDev` is the port's register device (for the 6352's
   * port-register counters).
   */
  async read(port: number, portDev: number): Promise<PortStat[]> {
    const fam = FAMILY_STATS[this.info.model];
    const stats = familyStats(this.info.model);
    // The capture names the port one-based in bits 9:5 (mv88e6320/6390_g1_stats_snapshot).
    const commands: StatsCommand[] = [{ op: G1_STATS_OP_BUSY | G1_STATS_OP_CAPTURE_PORT | fam.histogram | ((port + 1) << 5), readsCounter: false }];
    const wordOf = new Map<string, number>(); // "bank:reg" -> index into words
    for (const s of stats) {
      if (s.type === 'port') continue;
      for (let half = 0; half < (s.size === 8 ? 2 : 1); half++) {
        const reg = s.reg + half;
        wordOf.set(`${s.type}:${reg}`, commands.length - 1);
        const bank = s.type === 'bank1' ? fam.bank1Select : 0;
        commands.push({ op: G1_STATS_OP_BUSY | G1_STATS_OP_READ_CAPTURED | bank | fam.histogram | reg, readsCounter: true });
      }
    }
    const words: number[] = [];
    await this.runCommands(commands, (k, value) => {
      if (k > 0) words[k - 1] = value;
    });
    // Port-register counters (6352 family: In Discards, In Filtered, Out Filtered) in one batch.
    const portRegs = stats.filter((s) => s.type === 'port');
    const regValues = new Map<number, number>();
    if (portRegs.length > 0) {
      const b = this.smi.batch();
      const idx: [number, number][] = [];
      for (const s of portRegs) for (let r = s.reg; r < s.reg + (s.size === 4 ? 2 : 1); r++) idx.push([r, b.read(portDev, r)]);
      const values = await this.smi.run(b);
      for (const [r, i] of idx) regValues.set(r, values[i]);
    }
    const word = (type: HwStatType, reg: number): number => words[wordOf.get(`${type}:${reg}`)!];
    const out: PortStat[] = stats.map((s) => {
      if (s.type === 'port') {
        const low = regValues.get(s.reg)!;
        return { name: s.name, value: s.size === 4 ? low + regValues.get(s.reg + 1)! * 0x10000 : low };
      }
      const low = word(s.type, s.reg);
      return { name: s.name, value: s.size === 8 ? low + word(s.type, s.reg + 1) * 2 ** 32 : low };
    });
    for (const name of ATU_VTU_STATS) out.push({ name, value: 0 });
    return out;
  }

  /**
   * Runs Stats Operation commands in order, handing each read-out (Counter 3:2 << 16 | 1:0)
   * to `got` with the command's index. Commands go out in as few batches as the bus allows,
   * each command followed by status reads; from the first command a status read cannot
   * vouch for, the rest runs one by one with explicit BUSY polling.
   */
  private async runCommands(commands: readonly StatsCommand[], got: (k: number, value: number) => void): Promise<void> {
    const chunk = this.commandsPerBatch();
    let k = 0;
    while (k < commands.length) {
      const end = Math.min(commands.length, k + chunk);
      const b = this.smi.batch();
      const g1 = this.info.global1;
      const idle = b.read(g1, G1_STATS_OP);
      const queued: QueuedCommand[] = [];
      for (let i = k; i < end; i++) queued.push(this.queue(b, commands[i]));
      const r = await this.smi.run(b);
      if (r[idle] & G1_STATS_OP_BUSY) break; // busy from before: our first command was lost
      let done = 0;
      for (const q of queued) {
        if (r[q.status] & G1_STATS_OP_BUSY) break;
        if (q.hi >= 0) got(k + done, ((r[q.hi] << 16) | r[q.lo]) >>> 0);
        done++;
      }
      k += done;
      if (done < queued.length) break;
    }
    for (; k < commands.length; k++) await this.runSlow(commands[k], k, got);
  }

  /** Queues one command: the operation (a "select" write: repeating it is harmless), status reads, the counter. */
  private queue(b: SmiBatch, c: StatsCommand): QueuedCommand {
    const g1 = this.info.global1;
    b.write(g1, G1_STATS_OP, c.op, true);
    let status = -1;
    for (let n = 0; n < STATUS_READS; n++) status = b.read(g1, G1_STATS_OP);
    if (!c.readsCounter) return { status, hi: -1, lo: -1 };
    return { status, hi: b.read(g1, G1_STATS_COUNTER_32), lo: b.read(g1, G1_STATS_COUNTER_01) };
  }

  /** One command with BUSY polled before and after (global1.c mv88e6xxx_g1_stats_wait), a round trip per poll. */
  private async runSlow(c: StatsCommand, k: number, got: (k: number, value: number) => void): Promise<void> {
    await this.waitIdle();
    await this.smi.write(this.info.global1, G1_STATS_OP, c.op);
    await this.waitIdle();
    if (!c.readsCounter) return;
    const b = this.smi.batch();
    const hi = b.read(this.info.global1, G1_STATS_COUNTER_32);
    const lo = b.read(this.info.global1, G1_STATS_COUNTER_01);
    const r = await this.smi.run(b);
    got(k, ((r[hi] << 16) | r[lo]) >>> 0);
  }

  private async waitIdle(): Promise<void> {
    for (let n = 0; n < STATS_BUSY_TRIES; n++) {
      if (!((await this.smi.read(this.info.global1, G1_STATS_OP)) & G1_STATS_OP_BUSY)) return;
    }
    throw new DeviceError(`${this.smi.label}: statistics unit stays busy after ${STATS_BUSY_TRIES} polls`);
  }

  /**
   * How many queued commands fit one batch under the bus's program limit. On a bus with a
   * limit (a serial bridge, one program at a time), at most STATS_BATCH_TRANSACTIONS of bus
   * time too: the link monitors' reads never wait long behind a statistics read the bridge is
   * running.
   */
  private commandsPerBatch(): number {
    const busLimit = this.smi.bus.maxBatchOps;
    if (busLimit === undefined) return Number.MAX_SAFE_INTEGER;
    const size = (n: number): { ops: number; transactions: number } => {
      const b = this.smi.batch();
      b.read(this.info.global1, G1_STATS_OP);
      for (let i = 0; i < n; i++) this.queue(b, { op: G1_STATS_OP_BUSY | G1_STATS_OP_READ_CAPTURED, readsCounter: true });
      return { ops: b.ops.length, transactions: b.transactions };
    };
    const one = size(1);
    const two = size(2);
    const fit = (limit: number, first: number, each: number): number => Math.floor((limit - (first - each)) / each);
    return Math.max(1, Math.min(fit(busLimit, one.ops, two.ops - one.ops), fit(STATS_BATCH_TRANSACTIONS, one.transactions, two.transactions - one.transactions)));
  }
}
