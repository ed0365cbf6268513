/**
 * Interrupt programs (proto/bridge.md section 7.1, capability 64), in virtual time through the
 * emulated serial bridge: the board has the bridge read each port's MAC-side status when that
 * port's PHY interrupts, the reading comes with the LinkEvent, and the bond's MII monitor
 * (use_carrier=1) fails over the moment the event arrives, with no bus round trip. Against a
 * bridge without them the host reads the port after the event, as before. Frames are the
 * evidence: the gratuitous ARP on the new port, and the frames a stream loses.
 */
import test from 'ava';
import { SeededRandom } from '../lib/random.ts';
import { crc16, decodeMessage, encodeMessage, type BridgeMessage } from '../hal/bridge/codec.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import type { BoardDefinition } from '../boards/types.ts';

async function bonded(def: BoardDefinition, irqPrograms: boolean, miimon = 10): Promise<TestSystem> {
  const s = await bootTest(def, { bridge: 'inproc', bridgeMcu: { irqPrograms } });
  for (const line of [`modprobe bonding mode=active-backup miimon=${miimon}`, 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1', 'sim wait 3s']) {
    const out = await s.run(line);
    if (out.startsWith('error')) throw new Error(`${line}: ${out}`);
  }
  return s;
}

interface Pull {
  /** Cable pull to the LinkEvent's arrival at the host, and to the first gratuitous ARP on the new port (ms). */
  event: number;
  garp: number;
  /** Bridge programs the host sent between the pull and that ARP. */
  programs: number;
}

/** Pulls the active slave's cable `pulls` times at random phases, timing each to the frames that show the failover. */
async function pulls(s: TestSystem, n: number, seed: number): Promise<Pull[]> {
  const dice = new SeededRandom(seed);
  const bond = s.firmware.net.bond('bond0')!;
  const client = s.bridge!.client;
  let eventAt = -1;
  client.onLinkEvent((_line, asserted) => {
    if (asserted && eventAt < 0) eventAt = s.clock.now();
  });
  let want = -1;
  let garpAt = -1;
  s.hw.world.observe((i, f, dir) => {
    if (dir !== 'out' || i !== want || garpAt >= 0) return;
    // ARP from 192.168.1.1 to itself: the bond's gratuitous ARP.
    if (f[12] === 0x08 && f[13] === 0x06 && f[28] === 192 && f[29] === 168 && f[30] === 1 && f[31] === 1 && f[38] === 192 && f[41] === 1) garpAt = s.clock.now();
  });
  const out: Pull[] = [];
  for (let k = 0; k < n; k++) {
    await s.clock.advance(50 + dice.below(100_000) / 1000);
    const from = bond.currActiveSlave!.name;
    want = s.hw.portIndex(from === 'eth0' ? 'eth1' : 'eth0');
    eventAt = -1;
    garpAt = -1;
    const requests = client.counters.requests;
    const t0 = s.clock.now();
    s.hw.world.setCable(s.hw.portIndex(from), false);
    for (let i = 0; i < 5000 && garpAt < 0; i++) await s.clock.advance(0.01);
    if (garpAt < 0 || eventAt < 0) throw new Error(`pull ${k}: no ${eventAt < 0 ? 'link event' : 'gratuitous ARP'} after ${from} was pulled`);
    out.push({ event: eventAt - t0, garp: garpAt - t0, programs: 0 });
    out[k].programs = client.counters.requests - requests;
    s.hw.world.setCable(s.hw.portIndex(from), true);
    await s.clock.advance(300);
  }
  return out;
}

/** Virtual times are sums of float ms: equal to within a nanosecond. */
const ms = (x: number) => Math.round(x * 1e6) / 1e6;

for (const def of SCENARIO_BOARDS) {
  test.serial(onBoard(def, 'with interrupt programs the gratuitous ARP leaves the new port the instant the link event arrives; without, one bus round trip later'), async (t) => {
    const s = await bonded(def, true);
    const mcu = s.bridge!.mcu;
    t.is(mcu.irqPrograms.size, Math.min(mcu.info.irqLines, s.board.ports.length), 'a program for every wired port');
    const reads = s.board.interruptReads;
    const runs = mcu.counters.irqRuns;
    const commits = s.firmware.net.bond('bond0')!.miimon.interruptCommits;
    const fast = await pulls(s, 12, 7);
    for (const p of fast) t.is(ms(p.garp), ms(p.event), `GARP ${p.garp} ms after the pull, the event at ${p.event} ms`);
    // Each pull and each plug back: an event with the port's reading.
    t.is(s.board.interruptReads - reads, 24);
    t.is(mcu.counters.irqRuns - runs, 24);
    t.is(s.board.interruptReadsRefused, 0);
    t.is(s.firmware.net.bond('bond0')!.miimon.interruptCommits - commits, 24);

    const old = await bonded(def, false);
    t.is(old.bridge!.mcu.irqPrograms.size, 0);
    t.is(old.bridge!.mcu.counters.irqPrograms, 0, 'nothing stored on a bridge without capability 64');
    t.is(old.bridge!.mcu.counters.badFrames, 0, 'and nothing sent to it that it cannot read');
    const slow = await pulls(old, 12, 7);
    for (const p of slow) t.true(p.garp > p.event && p.programs >= 1, `old bridge: GARP ${p.garp} ms, event ${p.event} ms, ${p.programs} programs`);
    t.is(old.board.interruptReads, 0);
    const worst = (xs: Pull[]) => Math.max(...xs.map((p) => p.garp));
    t.log(`cable pull to gratuitous ARP, worst of 12: ${worst(fast).toFixed(3)} ms with interrupt programs, ${worst(slow).toFixed(3)} ms without`);
    t.true(worst(fast) < worst(slow));
    // What the console says of each.
    const c = s.bridge!.client.counters;
    t.is(c.linkEventReads, c.linkEvents, 'every event came with its reading');
    t.regex(await s.run('bridge'), new RegExp(`\ninterrupts: ${c.linkEvents} link events, ${c.linkEventReads} with the port's status the bridge read for it \\(interrupt programs\\)\n`));
    t.like(JSON.parse(await s.run('bridge json')), { irqPrograms: true, linkEvents: c.linkEvents, linkEventReads: c.linkEventReads });
    t.regex(await old.run('bridge'), /\ninterrupts: \d+ link events, the host reads each port after its event \(an older bridge: no interrupt programs\)\n/);
    t.like(JSON.parse(await old.run('bridge json')), { irqPrograms: false, linkEventReads: 0 });
  });
}

test.serial('a stream through an active-backup failover loses fewer frames when the interrupt brings the reading', async (t) => {
  const lost: number[] = [];
  for (const irq of [true, false]) {
    const s = await bonded(SCENARIO_BOARDS[0], irq);
    await s.run('sim stream start bond0 rate 20000 flows 16');
    await s.run('sim wait 200ms');
    await s.run('sim link eth0 down');
    await s.run('sim wait 500ms');
    const end = await s.run('sim stream stop');
    const m = /lost (\d+) duplicated (\d+) reordered (\d+)/.exec(end.split('\n')[0]);
    t.truthy(m, end);
    t.is(m![2], '0', end);
    t.is(m![3], '0', end);
    lost.push(Number(m![1]));
  }
  t.log(`frames lost at 20 kfps: ${lost[0]} with interrupt programs, ${lost[1]} without`);
  t.true(lost[0] < lost[1], `${lost[0]} < ${lost[1]}`);
});

test.serial('a rebooted bridge forgets its interrupt programs and is given them again; failovers stay immediate', async (t) => {
  const s = await bonded(SCENARIO_BOARDS[0], true);
  const mcu = s.bridge!.mcu;
  const stored = mcu.counters.irqPrograms;
  mcu.reboot();
  t.is(mcu.irqPrograms.size, 0);
  await s.clock.advance(2000);
  t.is(mcu.irqPrograms.size, 4);
  t.true(mcu.counters.irqPrograms >= stored + 4);
  for (const p of await pulls(s, 4, 3)) t.is(ms(p.garp), ms(p.event));
});

test.serial('a reading that does not fit the line\'s program is not used: the monitor reads the port itself and fails over all the same', async (t) => {
  const s = await bonded(SCENARIO_BOARDS[0], true);
  const mcu = s.bridge!.mcu;
  // The bridge holds something else for both lines (say, another host's): two reads where
  // the board asked for one.
  for (const line of [0, 1]) mcu.irqPrograms.set(line, [...mcu.irqPrograms.get(line)!, ...mcu.irqPrograms.get(line)!]);
  const reads = s.board.interruptReads;
  const commits = s.firmware.net.bond('bond0')!.miimon.interruptCommits;
  const got = await pulls(s, 4, 5);
  for (const p of got) t.true(p.garp > p.event && p.programs >= 1, `GARP ${p.garp} ms, event ${p.event} ms`);
  t.is(s.board.interruptReads - reads, 0);
  t.is(s.board.interruptReadsRefused, 8, 'four pulls, four plugs back');
  t.is(s.firmware.net.bond('bond0')!.miimon.interruptCommits - commits, 8);
});

test.serial('the bridge refuses an interrupt program for a line it does not have; the client refuses one a bridge cannot run', async (t) => {
  const s = await bonded(SCENARIO_BOARDS[0], true);
  const client = s.bridge!.client;
  const ops = [{ op: 'read' as const, phy: 0x10, reg: 0 }];
  const refused = client.setIrqProgram(99, ops);
  await s.clock.advance(5);
  await t.throwsAsync(refused, { message: /interrupt program refused \(bad-program\) at operation 0/ });
  const long = client.setIrqProgram(0, Array.from({ length: client.maxBatchOps! + 1 }, () => ops[0]));
  await s.clock.advance(50);
  await t.throwsAsync(long, { message: /refused \(too-long\)/ });
  t.is(s.bridge!.mcu.irqPrograms.get(0)!.length, s.board.chip.portStatusProgram!(s.board.ports[0].switchPort).ops.length, 'line 0 keeps its program');
  // Removing one: the line's event then comes bare, and the monitor reads the port.
  const removed = client.setIrqProgram(0, []);
  await s.clock.advance(5);
  await removed;
  t.false(s.bridge!.mcu.irqPrograms.has(0));
  const old = await bonded(SCENARIO_BOARDS[0], false);
  await t.throwsAsync(old.bridge!.client.setIrqProgram(0, ops), { message: /does not run interrupt programs \(no capability 64\)/ });
});

test('link events and interrupt programs survive encoding; a reading whose values are not 16-bit does not decode', (t) => {
  const msgs: BridgeMessage[] = [
    { kind: 'irqProgram', seq: 7, line: 3, ops: [{ op: 'smiRead', phy: 0x10, dev: 0x13, reg: 0 }] },
    { kind: 'irqProgram', seq: 8, line: 0, ops: [] },
    { kind: 'linkEvent', seq: 0, line: 2, asserted: true, read: { status: 'ok', values: [0x9e0f], failedAt: 0 } },
    { kind: 'linkEvent', seq: 0, line: 1, asserted: true, read: { status: 'unit-timeout', values: [0x8000], failedAt: 0 } },
    { kind: 'linkEvent', seq: 0, line: 1, asserted: true },
  ];
  for (const m of msgs) t.deepEqual(decodeMessage(encodeMessage(m)), m);
  // A bridge without capability 64 sends what it always sent: the same bytes as before.
  t.deepEqual([...encodeMessage({ kind: 'linkEvent', seq: 0, line: 3, asserted: true })], [0x32, 0x04, 0x08, 0x03, 0x10, 0x01, ...crcOf([0x32, 0x04, 0x08, 0x03, 0x10, 0x01])]);
  const bad = encodeMessage({ kind: 'linkEvent', seq: 0, line: 2, asserted: true, read: { status: 'ok', values: [1], failedAt: 0 } });
  // Re-encode by hand with a value of 0x10000: the varint 0x80 0x80 0x04 in place of 0x01.
  const body = [...bad.subarray(0, bad.length - 2)];
  const at = body.lastIndexOf(0x01);
  body.splice(at, 1, 0x80, 0x80, 0x04);
  body[1] += 2; // LinkEvent's length
  body[body.indexOf(0x1a) + 1] += 2; // the packed values' length
  t.throws(() => decodeMessage(Uint8Array.from([...body, ...crcOf(body)])), { message: /value 65536 is above 0xFFFF/ });
});

/** The CRC bytes a frame carries after its protobuf bytes (big-endian). */
function crcOf(bytes: number[]): number[] {
  const crc = crc16(Uint8Array.from(bytes));
  return [crc >> 8, crc & 0xff];
}
