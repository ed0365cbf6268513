/**
 * Link interrupts drive the bond's MII monitor (firmware/bonding/miimon.ts), in virtual time,
 * through the emulated serial bridge: a PHY's interrupt runs the inspection at once, however
 * busy the bridge is with bulk work (counter reads, register dumps), and downdelay and updelay are
 * counted from that inspection exactly as Linux counts them from a round. Without interrupt
 * wiring the monitor runs on its rounds as before.
 */
import test from 'ava';
import { SeededRandom } from '../lib/random.ts';
import { ORDINARY_PROGRAM_MS, URGENT_WAIT_BOUND_MS } from '../hal/bridge/client.ts';
import type { Slave } from '../firmware/bonding/slave.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import type { BoardDefinition } from '../boards/types.ts';

async function bonded(def: BoardDefinition, options: string, irq = true): Promise<TestSystem> {
  const s = await bootTest(def, { bridge: 'inproc' });
  s.bridge!.mcu.irqEnabled = irq;
  for (const line of [`modprobe bonding mode=active-backup miimon=100 ${options}`, 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1', 'sim wait 3s']) {
    const out = await s.run(line);
    if (out.startsWith('error')) throw new Error(`${line}: ${out}`);
  }
  return s;
}

/** Virtual time of the first log entry at or after `since` containing `text`. */
function logged(s: TestSystem, since: number, text: string): number | undefined {
  return s.log.tail().find((e) => e.time >= since && e.text.includes(text))?.time;
}

/**
 * Bulk work the bridge is kept busy with: counter reads (`ethtool -S`) of two ports and dumps
 * of every register of their PHYs, back to back, and a link poll every 5 ms on top of the
 * board's own (a link read itself; one asked for while one runs is skipped).
 */
function keepBusy(s: TestSystem): () => void {
  let on = true;
  const phyBus = s.board.chip.phyBus();
  const stats = async (port: number) => {
    while (on) await s.board.chip.readPortStats(port).catch(() => undefined);
  };
  const dump = async (phy: number) => {
    const ops = Array.from({ length: 32 }, (_, reg) => ({ op: 'read' as const, phy, reg }));
    while (on) await phyBus.run(ops).catch(() => undefined);
  };
  const poll = (): void => {
    if (!on) return;
    void s.board.poll();
    s.clock.setTimer(5, poll);
  };
  void stats(2);
  void stats(3);
  void dump(s.board.ports[2].phyAddr);
  void dump(s.board.ports[3].phyAddr);
  poll();
  return () => {
    on = false;
  };
}

/** Pulls the active slave's cable at random phases; the time from each pull to the bond's failover. */
async function failovers(s: TestSystem, pulls: number, seed: number): Promise<number[]> {
  const dice = new SeededRandom(seed);
  const bond = s.firmware.net.bond('bond0')!;
  const times: number[] = [];
  for (let n = 0; n < pulls; n++) {
    await s.clock.advance(50 + dice.below(100_000) / 1000);
    const from = bond.currActiveSlave!.name;
    const t0 = s.clock.now();
    s.hw.world.setCable(s.hw.portIndex(from), false);
    for (let i = 0; i < 2000 && bond.currActiveSlave?.name === from; i++) await s.clock.advance(0.01);
    const down = logged(s, t0, `(slave ${from}): link status definitely down`);
    if (down === undefined || bond.currActiveSlave?.name === from) throw new Error(`no failover from ${from}`);
    times.push(down - t0);
    s.hw.world.setCable(s.hw.portIndex(from), true);
    await s.clock.advance(300);
  }
  return times;
}

for (const def of SCENARIO_BOARDS) {
  test.serial(onBoard(def, 'a link interrupt fails the bond over within one interrupt round trip, however busy the bridge is with counter reads and register dumps'), async (t) => {
    const quiet = await failovers(await bonded(def, ''), 8, 1);
    const s = await bonded(def, '');
    const stop = keepBusy(s);
    await s.clock.advance(20);
    const busyBefore = s.bridge!.client.counters.cutPrograms;
    const busy = await failovers(s, 16, 2);
    stop();
    t.true(s.bridge!.client.counters.cutPrograms - busyBefore > 100, 'the bulk work was cut into programs');
    const worst = (xs: number[]) => Math.max(...xs);
    t.log(`cable pull to failover: quiet worst ${worst(quiet).toFixed(3)} ms, busy worst ${worst(busy).toFixed(3)} ms (miimon=100)`);
    // The interrupt's event may follow one bulk answer on the UART; the link read then waits
    // behind at most the two bulk programs at the bridge (URGENT_WAIT_BOUND_MS).
    t.true(worst(busy) <= worst(quiet) + ORDINARY_PROGRAM_MS + URGENT_WAIT_BOUND_MS, `busy ${worst(busy)} ms`);
    t.true(worst(quiet) < 3, `quiet ${worst(quiet)} ms`);
    const bond = s.firmware.net.bond('bond0')!;
    t.true(bond.miimon.interruptCommits >= 16);
  });
}

/** Records when the MII monitor reads `slave`'s link (its rounds, and inspections for interrupts). */
function probeTimes(s: TestSystem, slave: Slave): number[] {
  const times: number[] = [];
  const port = slave.port;
  const probe = port.probeLink.bind(port);
  port.probeLink = (useCarrier: boolean) => {
    times.push(s.clock.now());
    return probe(useCarrier);
  };
  return times;
}

/** The monitor's last read of the slave at or before `t`: the inspection whose decision was logged at `t`. */
const readBefore = (reads: readonly number[], t: number) => reads.filter((x) => x <= t).at(-1)!;
/** Advances to just after the monitor's next read of the slave (a round); returns its time. */
async function nextRound(s: TestSystem, reads: readonly number[]): Promise<number> {
  const n = reads.length;
  while (reads.length === n) await s.clock.advance(0.25);
  return reads[n];
}

/** Virtual times are sums of float ms: equal to within a nanosecond. */
const ms = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * eth0's cable pulled 37.25 ms after a monitor round (well between two), then 400 ms: that
 * round, the pull, and when the log said the active link was going down (downdelay 200) and
 * then down.
 */
async function pullBetweenRounds(s: TestSystem, reads: readonly number[]): Promise<{ round: number; pulled: number; going: number; down: number }> {
  const round = await nextRound(s, reads);
  await s.clock.advance(round + 37.25 - s.clock.now());
  const pulled = s.clock.now();
  await s.run('sim link eth0 down');
  await s.clock.advance(400);
  const going = logged(s, pulled, '(slave eth0): link status down for active interface, disabling it in 200 ms');
  const down = logged(s, pulled, '(slave eth0): link status definitely down, disabling slave');
  if (going === undefined || down === undefined) throw new Error(`eth0 was not logged going down and down after the pull at ${pulled} ms`);
  return { round, pulled, going, down };
}

for (const def of SCENARIO_BOARDS) {
  test.serial(onBoard(def, 'downdelay 200 and updelay 200 are counted from the interrupt-driven inspection, exactly as Linux counts them from a round'), async (t) => {
    const s = await bonded(def, 'downdelay=200 updelay=200');
    const bond = s.firmware.net.bond('bond0')!;
    const eth0 = bond.slave('eth0')!;
    t.is(bond.currActiveSlave, eth0);
    const reads = probeTimes(s, eth0);
    const { pulled, going, down } = await pullBetweenRounds(s, reads);
    const inspected = readBefore(reads, going);
    t.true(inspected - pulled < 0.5, `the interrupt's inspection read eth0 ${inspected - pulled} ms after the pull`);
    t.is(ms(readBefore(reads, down) - inspected), 200, 'down exactly downdelay after the interrupt inspection');
    t.deepEqual(reads.filter((x) => x > inspected && x <= down).map((x) => ms(x - inspected)), [100, 200], 'the rounds go on every miimon from it');

    await s.clock.advance(61.5);
    const plugged = s.clock.now();
    await s.run('sim link eth0 up');
    await s.clock.advance(400);
    const back = logged(s, plugged, '(slave eth0): link status up, enabling it in 200 ms')!;
    const up = logged(s, plugged, '(slave eth0): link status definitely up')!;
    t.truthy(back);
    t.truthy(up);
    const inspectedUp = readBefore(reads, back);
    t.true(inspectedUp - plugged < 0.5);
    t.is(ms(readBefore(reads, up) - inspectedUp), 200, 'up exactly updelay after the interrupt inspection');
    t.is(bond.miimon.interruptCommits, 2);
  });

  test.serial(onBoard(def, 'without interrupt wiring the rounds alone see a link change, at their own phase, and count the delays from there'), async (t) => {
    const s = await bonded(def, 'downdelay=200', false);
    const bond = s.firmware.net.bond('bond0')!;
    const eth0 = bond.slave('eth0')!;
    const reads = probeTimes(s, eth0);
    const { round, going, down } = await pullBetweenRounds(s, reads);
    t.is(ms(readBefore(reads, going) - round), 100, 'seen at the next round');
    t.is(ms(readBefore(reads, down) - round), 300, 'down downdelay after that round');
    t.deepEqual(reads.map((x) => ms(x - round) % 100), reads.map(() => 0), 'every read at the rounds\' phase');
    t.true(reads.length >= 5);
    t.is(s.bridge!.mcu.counters.linkEvents, 0);
    t.is(bond.miimon.interruptInspections, 0);
  });
}

test.serial('an interrupt that finds no link turned changes nothing: no commit, the rounds keep their phase', async (t) => {
  const s = await bonded(SCENARIO_BOARDS[0], 'downdelay=200');
  const bond = s.firmware.net.bond('bond0')!;
  const eth1 = bond.slave('eth1')!;
  const reads = probeTimes(s, eth1);
  const round = await nextRound(s, reads);
  await s.clock.advance(round + 41 - s.clock.now());
  // A PHY that interrupts for something else (say, an autonegotiation event): the link is as it was.
  s.board.linkInterrupt(1);
  await s.clock.advance(300);
  t.is(bond.miimon.interruptInspections, 1);
  t.is(bond.miimon.interruptCommits, 0);
  t.deepEqual(reads.filter((x) => x > round).map((x) => ms(x - round)), [41, 100, 200, 300]);
});
