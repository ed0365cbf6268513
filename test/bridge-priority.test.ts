/**
 * Priorities in the bridge client (hal/bridge/client.ts), in virtual time against the emulated
 * bridge: a long ordinary batch is cut at the points its builder allows (RunOptions.cuts) into
 * programs of at most ORDINARY_PROGRAM_MS of wire time, so an urgent read waits behind at most
 * URGENT_WAIT_BOUND_MS of it; the parts give exactly what one program would, and a failure or
 * a lost answer is handled as it would be inside one program.
 */
import test from 'ava';
import { VirtualClock } from '../lib/clock.ts';
import { nodeSettle } from '../hal/clock-real.ts';
import { BridgeClient, ORDINARY_PROGRAM_MS, URGENT_WAIT_BOUND_MS } from '../hal/bridge/client.ts';
import { cutProgram, programWireMs } from '../hal/bridge/wire-cost.ts';
import type { MdioOp } from '../hal/mdio/bus.ts';
import { MdioTimeoutError } from '../hal/mdio/errors.ts';
import { LocalMdioBus } from '../hal/mdio/wire.ts';
import { SimHardware } from '../sim/hardware.ts';
import { UartPair } from '../hal/sim/uart.ts';
import { Mv88e6xxxSmi } from '../hal/switch/mv88e6xxx/smi.ts';
import { Mt7530Mdio } from '../hal/switch/mt7530/window.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { simMt7531 } from '../boards/sim-mt7531.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { Board } from '../hal/board.ts';
import { EventLog } from '../lib/log.ts';

const BAUD = 921_600;
const RATES = { baud: BAUD, mdioClockHz: 2_500_000 };
const SMI = 0x10; // sim-gw4's switch: multi-chip SMI address

/** The board's hardware behind the emulated bridge (`smiOps` false: an older bridge, without opcode 6). */
async function rig(def: BoardDefinition = simGw4, smiOps = true) {
  const clock = new VirtualClock(nodeSettle);
  const hw = new SimHardware(def, clock);
  const uart = new UartPair(clock, BAUD);
  const mcu = hw.attachBridge(uart.device, { smiOps });
  const client = new BridgeClient({ clock, link: uart.host, baud: BAUD });
  mcu.start();
  await clock.drive(client.open());
  await clock.advance(5);
  return { clock, hw, uart, mcu, client, direct: new LocalMdioBus(hw.wire, { smi: smiOps }) };
}

/**
 * A long read batch as the Marvell driver builds it: every register of `ports` (0 and 1) through
 * multi-chip SMI; `registers` picks the registers' values from its results (with an older
 * bridge the SMI waits' values depend on the commands before).
 */
function portRegisters(smi: Mv88e6xxxSmi, ports = [0, 1]) {
  const b = smi.batch();
  const at: number[] = [];
  for (const port of ports) for (let reg = 0; reg < 32; reg++) at.push(b.read(0x10 + port, reg));
  return { b, registers: (values: readonly number[]) => at.map((i) => values[i]) };
}

/** Virtual ms an urgent read of port 0's status takes to come back. */
async function urgentReadMs(clock: VirtualClock, smi: Mv88e6xxxSmi): Promise<number> {
  const t0 = clock.now();
  await clock.drive(smi.read(0x10, 0, true));
  return clock.now() - t0;
}

test('cutProgram: pieces within the budget at the allowed cuts, covering the batch; a segment without cuts goes whole', (t) => {
  const reads = (n: number): MdioOp[] => Array.from({ length: n }, () => ({ op: 'read' as const, phy: SMI, reg: 0 }));
  const ops = reads(100);
  const every = Array.from({ length: 99 }, (_, i) => i + 1);
  const pieces = cutProgram(ops, every, ORDINARY_PROGRAM_MS, RATES);
  t.true(pieces.length > 1);
  t.deepEqual(pieces.flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i)), ops.map((_, i) => i), 'in order, every op once');
  for (const [a, b] of pieces) t.true(programWireMs(ops, a, b, RATES) <= ORDINARY_PROGRAM_MS);
  // The next op would not have fitted: pieces are as full as the budget allows.
  for (const [a, b] of pieces.slice(0, -1)) t.true(programWireMs(ops, a, b + 1, RATES) > ORDINARY_PROGRAM_MS);
  t.deepEqual(cutProgram(ops, [], ORDINARY_PROGRAM_MS, RATES), [[0, 100]]);
  t.deepEqual(cutProgram(ops, [50], ORDINARY_PROGRAM_MS, RATES), [[0, 50], [50, 100]], 'segments longer than the budget go whole');
  t.deepEqual(cutProgram(ops, [0, 50, 50, 40, 120], ORDINARY_PROGRAM_MS, RATES), [[0, 50], [50, 100]], 'cuts out of order or range are ignored');
  // What a program starting at a cut runs first counts against its budget.
  const resume = new Map<number, MdioOp[]>(every.map((i) => [i, reads(4)]));
  const resumed = cutProgram(ops, every, ORDINARY_PROGRAM_MS, RATES, resume);
  t.true(resumed.length > pieces.length);
  for (const [a, b] of resumed.slice(1)) t.true(programWireMs([...reads(4), ...ops.slice(a, b)], 0, 4 + b - a, RATES) <= ORDINARY_PROGRAM_MS);
});

test('a batch that writes is never cut, whatever its cuts: it stays one program, and a failing wait stops it there', async (t) => {
  const { clock, client, direct } = await rig();
  const pad = (n: number): MdioOp[] => Array.from({ length: n }, () => ({ op: 'read' as const, phy: SMI, reg: 0 }));
  const ops: MdioOp[] = [
    { op: 'write', phy: SMI, reg: 1, value: 0x1111 },
    ...pad(40),
    { op: 'wait', phy: SMI, reg: 1, mask: 0xffff, value: 0xbeef, tries: 3 },
    ...pad(40),
    { op: 'write', phy: SMI, reg: 1, value: 0x2222 },
  ];
  const cuts = ops.map((_, i) => i).slice(1);
  const requests = client.counters.requests;
  const err = await t.throwsAsync(clock.drive(client.run(ops, { cuts })));
  t.true(err instanceof MdioTimeoutError, String(err));
  t.is(await direct.read(SMI, 1), 0x1111, 'the write after the failed wait never ran');
  t.true(cutProgram(ops, cuts, ORDINARY_PROGRAM_MS, RATES).length > 2, 'long enough to be cut, were it only reading');
  t.is(client.counters.requests - requests, 1, 'one program: a lost answer cannot leave it half done');
  t.is(client.counters.cutBatches, 0);
});

for (const smiOps of [true, false]) {
  const bridge = smiOps ? '' : 'an older bridge (no opcode 6): ';
  test(`${bridge}a long ordinary batch with cuts runs as several programs giving what one program gives; an urgent read waits behind at most the stated bound of it`, async (t) => {
    const { clock, client, direct } = await rig(simGw4, smiOps);
    const smi = new Mv88e6xxxSmi(client, SMI);
    const quiet = await urgentReadMs(clock, smi);
    const { b, registers } = portRegisters(smi, smiOps ? [0, 1, 2, 3] : [0, 1]);
    const expected = registers(await direct.run(b.ops));
    const requests = client.counters.requests;
    const long = client.run(b.ops, { idempotent: b.idempotent, cuts: b.cuts });
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      await clock.advance(1.7 + i * 0.37);
      waits.push((await urgentReadMs(clock, smi)) - quiet);
    }
    t.deepEqual(registers(await clock.drive(long)), expected);
    const programs = client.counters.requests - requests - waits.length;
    t.true(programs >= 10, `${programs} programs`);
    t.is(client.counters.cutBatches, 1);
    t.log(`urgent read alone ${quiet.toFixed(3)} ms; behind the long batch it waited ${Math.max(...waits).toFixed(3)} ms more at worst (bound ${URGENT_WAIT_BOUND_MS} ms)`);
    for (const w of waits) t.true(w <= URGENT_WAIT_BOUND_MS, `waited ${w} ms more`);
  });

  test(`${bridge}the same batch without cuts is one program: an urgent read waits for all of it`, async (t) => {
    const { clock, client } = await rig(simGw4, smiOps);
    const smi = new Mv88e6xxxSmi(client, SMI);
    const quiet = await urgentReadMs(clock, smi);
    const { b } = portRegisters(smi, smiOps ? [0, 1, 2, 3] : [0, 1]);
    const requests = client.counters.requests;
    const long = client.run(b.ops, { idempotent: b.idempotent });
    await clock.advance(2);
    const waited = (await urgentReadMs(clock, smi)) - quiet;
    await clock.drive(long);
    t.is(client.counters.requests - requests, 2);
    t.true(waited > 2 * URGENT_WAIT_BOUND_MS, `waited ${waited} ms more`);
  });

  test(`${bridge}a lost answer in a read-only cut batch: the batch runs again whole, as one program, and the values are right`, async (t) => {
    const { clock, client, direct, uart, mcu } = await rig(simGw4, smiOps);
    const smi = new Mv88e6xxxSmi(client, SMI);
    const { b, registers } = portRegisters(smi);
    const expected = registers(await direct.run(b.ops));
    const programs = mcu.counters.programs;
    let n = 0;
    uart.device.fault = (chunk) => (++n === 4 ? undefined : chunk);
    t.deepEqual(registers(await clock.drive(client.run(b.ops, { idempotent: b.idempotent, cuts: b.cuts }))), expected);
    t.true(client.counters.timeouts >= 1);
    t.true(client.counters.resent >= 1);
    t.true(mcu.counters.programs - programs > b.cuts.length / 8, 'the whole batch ran again');
    t.is(client.backlog, 0);
  });
}

test('MT7531 register window: a cut inside a page writes the page again first; urgent reads of other pages in between change nothing', async (t) => {
  const { clock, client, direct } = await rig(simMt7531);
  const regs = new Mt7530Mdio(client, simMt7531.switch.smiAddr);
  const local = new Mt7530Mdio(direct, simMt7531.switch.smiAddr);
  const build = (m: Mt7530Mdio) => {
    const b = m.batch();
    for (let reg = 0x3000; reg < 0x3400; reg += 4) b.read(reg);
    return b;
  };
  const expected = await local.run(build(local));
  const b = build(regs);
  t.true(b.cuts.length > 200);
  t.true(b.resume.size > 150, 'cuts inside a page say how to resume');
  const long = regs.run(b);
  const urgent: Promise<number>[] = [];
  for (let i = 0; i < 10; i++) {
    await clock.advance(2.1);
    urgent.push(regs.read(0x7018, true)); // another page
  }
  t.deepEqual(await clock.drive(long), expected);
  t.is((await clock.drive(Promise.all(urgent))).length, 10);
  t.true(client.counters.cutPrograms > 10);
});

test('an older bridge losing answers while every PHY is read cut into programs: every read that completes gives what the registers hold, and no PHY is left on another page', async (t) => {
  const { clock, client, mcu, hw } = await rig(simGw4, false);
  const board = await clock.drive(Board.open(simGw4, client, hw.conduit, clock, new EventLog(clock)));
  board.stopPolling();
  const phyBus = board.chip.phyBus();
  hw.world.setCable(2, false);
  await clock.advance(5);
  // Without opcode 6 a PHY read through Global2 is a command in one program and its data in a
  // later one: run again alone, after the programs behind it, it would read another command's data.
  mcu.answerLoss = 0.15;
  let completed = 0;
  for (let i = 0; i < 40; i++) {
    // Each PHY's status registers as a register dump reads them: bulk reading through Global2.
    const seen: string[] = [];
    try {
      for (const port of board.ports) {
        const values = await clock.drive(phyBus.run(port.phyDriver.statusOps()));
        const phy = await clock.drive(port.phyDriver.statusFromValues(values));
        seen.push(`${port.name} ${phy.link ? `${phy.speed} ${phy.duplex}` : 'no link'}`);
      }
    } catch {
      continue; // gave up after its tries
    }
    completed++;
    t.deepEqual(seen, ['eth0 1000 full', 'eth1 1000 full', 'eth2 no link', 'eth3 1000 full'], `read ${i}`);
  }
  mcu.answerLoss = 0;
  t.true(completed >= 30, `${completed} reads of 40 completed`);
  t.true(client.counters.cutBatches >= 160, `${client.counters.cutBatches} batches cut into programs`);
  t.true(client.counters.timeouts > 20, `${client.counters.timeouts} answers lost`);
  t.deepEqual(hw.phys.map((p) => p.read(22)), [0, 0, 0, 0], 'every PHY on its copper page');
  board.close();
});
