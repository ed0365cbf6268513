import test from 'ava';
import fc from 'fast-check';
import { VirtualClock } from '../lib/clock.ts';
import { DeviceError } from '../lib/errors.ts';
import { nodeSettle } from '../hal/clock-real.ts';
import { BridgeClient } from '../hal/bridge/client.ts';
import { MdioTimeoutError } from '../hal/mdio/errors.ts';
import type { MdioOp } from '../hal/mdio/bus.ts';
import { LocalMdioBus } from '../hal/mdio/wire.ts';
import { SimHardware } from '../sim/hardware.ts';
import { UartPair } from '../hal/sim/uart.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { gw8_6390 } from '../boards/gw8-6390.ts';
import { bootTest } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { EventLog } from '../lib/log.ts';
import { Board } from '../hal/board.ts';
import { BridgeConduit } from '../hal/bridge/conduit.ts';
import { ARP_REQUEST, BROADCAST_MAC, buildArp } from '../firmware/net/packets.ts';
import type { Mv88e6xxx } from '../hal/switch/mv88e6xxx/chip.ts';

const BAUD = 921_600;
const SMI = 0x10; // sim-gw4's switch: multi-chip SMI address

/** The sim-gw4 hardware with the bridge MCU on an emulated UART and a client on the other end. */
async function rig(clientOpts: { window?: number; retries?: number } = {}) {
  const clock = new VirtualClock(nodeSettle);
  const hw = new SimHardware(simGw4, clock);
  const uart = new UartPair(clock, BAUD);
  const mcu = hw.attachBridge(uart.device);
  const client = new BridgeClient({ clock, link: uart.host, baud: BAUD, ...clientOpts });
  mcu.start();
  const info = await clock.drive(client.open());
  // The bridge announced itself at boot and again in answer to hello: let the line go quiet.
  await clock.advance(5);
  const direct = new LocalMdioBus(hw.wire);
  return { clock, hw, uart, mcu, client, info, direct };
}

// Reads of the SMI data register: harmless, answered from the emulator's register file.
const reads = (n: number): MdioOp[] => Array.from({ length: n }, () => ({ op: 'read' as const, phy: SMI, reg: 0 }));

test('hello: the bridge identifies itself', async (t) => {
  const { info, client } = await rig();
  t.like(info, { mdioClockHz: 2_500_000, maxOps: 1024, bootId: 1, irqLines: 4 });
  t.regex(info.firmwareVersion, /mdio-bridge-sim/);
  t.true(client.isReady);
});

test('a batch through the bridge gives what the registers hold, in the time the UART and MDIO take', async (t) => {
  const { clock, client, direct, uart, mcu } = await rig();
  // Switch ID of port 0 through the multi-chip SMI registers: wait, command, wait, read.
  const smiRead: MdioOp[] = [
    { op: 'wait', phy: SMI, reg: 0, mask: 0x8000, value: 0, tries: 16 },
    { op: 'write', phy: SMI, reg: 0, value: 0x9800 | (0x10 << 5) | 3 },
    { op: 'wait', phy: SMI, reg: 0, mask: 0x8000, value: 0, tries: 16 },
    { op: 'read', phy: SMI, reg: 1 },
  ];
  const t0 = clock.now();
  const tx0 = uart.host.txBytes, rx0 = uart.device.txBytes, mdio0 = mcu.counters.transactions;
  const values = await clock.drive(client.run(smiRead, { idempotent: true }));
  const elapsed = clock.now() - t0;
  t.is(values[3] & 0xfff0, 0x3520, '88E6352 switch ID');
  t.deepEqual((await direct.run(smiRead)).slice(3), values.slice(3));
  // Request bytes, then the bus transactions at 64 MDC cycles each, then the answer bytes.
  const expected = ((uart.host.txBytes - tx0) * 10 * 1000) / BAUD + ((mcu.counters.transactions - mdio0) * 64 * 1000) / 2_500_000 + ((uart.device.txBytes - rx0) * 10 * 1000) / BAUD;
  t.true(Math.abs(elapsed - expected) < 1e-6, `elapsed ${elapsed} ms, expected ${expected} ms`);
  t.is(client.counters.requests, 1);
});

test('pipelined requests complete in order; queued batches are merged into one program', async (t) => {
  const { clock, client } = await rig({ window: 2 });
  const batches = Array.from({ length: 10 }, (_, i) => client.run(reads(i + 1)));
  const results = await clock.drive(Promise.all(batches));
  t.deepEqual(results.map((r) => r.length), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  t.true(client.counters.requests < 10, `merged into ${client.counters.requests} programs`);
});

test('a wait that never matches fails that batch only; batches merged after it still run', async (t) => {
  const { clock, client } = await rig({ window: 1 });
  const first = client.run(reads(1));
  const failing = client.run([{ op: 'wait', phy: SMI, reg: 1, mask: 0xffff, value: 0xbeef, tries: 3 }]);
  const after = client.run(reads(2));
  const outcome = await clock.drive(Promise.allSettled([first, failing, after]));
  t.is(outcome[0].status, 'fulfilled');
  t.is(outcome[1].status, 'rejected');
  t.true((outcome[1] as PromiseRejectedResult).reason instanceof MdioTimeoutError);
  t.is(outcome[2].status, 'fulfilled');
});

test('garbage and CRC errors are counted; a lost answer is resent for an idempotent batch only', async (t) => {
  const { clock, client, uart } = await rig();
  uart.host.inject(Uint8Array.of(0x13, 0x37, 0xc0, 0xde, 0xad, 0xc0, 0xc0, 0x99));
  // Corrupt the next answer from the bridge: one flipped bit in the middle.
  let corrupt = 1;
  uart.device.fault = (chunk) => {
    if (corrupt-- > 0 && chunk.length > 4) chunk[Math.floor(chunk.length / 2)] ^= 0x10;
    return chunk;
  };
  const values = await clock.drive(client.run(reads(3)));
  t.is(values.length, 3);
  t.true(client.counters.badFrames.crc + client.counters.badFrames.decode >= 2);
  t.is(client.counters.timeouts, 1);
  t.is(client.counters.resent, 1);

  // A batch with writes whose answer is lost is not resent: a clear error instead.
  uart.device.fault = () => undefined;
  const err = await t.throwsAsync(clock.drive(client.run([{ op: 'write', phy: SMI, reg: 1, value: 0 }])), { instanceOf: DeviceError });
  t.regex(err!.message, /no answer after 1 try \(a batch with writes is not resent\)/);
  uart.device.fault = undefined;
  t.is((await clock.drive(client.run(reads(1)))).length, 1, 'and the bus works on');
});

test('duplicated, late and reordered answers never complete another request', async (t) => {
  const { clock, client, uart, hw } = await rig({ window: 4 });
  // Distinct values in two PHY-free registers: SMI data reads back what the last command left,
  // so use the emulated wire's empty addresses plus the switch: read 0x10/0 and 0x11/0 (empty: 0xffff).
  const a: MdioOp[] = [{ op: 'read', phy: SMI, reg: 0 }];
  const b: MdioOp[] = [{ op: 'read', phy: 0x11, reg: 0 }];
  const held: Uint8Array[] = [];
  let n = 0;
  uart.device.fault = (chunk) => {
    n++;
    if (n === 1) {
      held.push(chunk.slice()); // hold the first answer back...
      return undefined;
    }
    held.push(chunk.slice());
    return chunk;
  };
  const pa = client.run(a);
  const pb = client.run(b);
  // ...and deliver it after the second, then both again (duplicates).
  const done = (async () => {
    while (held.length < 2) await clock.advance(0.1);
    uart.host.inject(held[0]);
    uart.host.inject(held[0]);
    uart.host.inject(held[1]);
  })();
  const [va, vb] = await clock.drive(Promise.all([pa, pb, done]).then(([x, y]) => [x, y]));
  t.deepEqual(va, [hw.wire.read(SMI, 0)]);
  t.deepEqual(vb, [0xffff]);
  await clock.advance(5); // the bridge's own copy of the second answer arrives too
  t.true(client.counters.unknownSeq >= 2, `duplicates counted and dropped: ${JSON.stringify(client.counters)} held ${held.length} n ${n}`);
});

test('a bridge that reboots mid-stream: outstanding reads are resent after its hello, writes fail', async (t) => {
  const { clock, client, mcu } = await rig();
  const r = client.run(reads(50));
  const w = client.run([{ op: 'write', phy: SMI, reg: 1, value: 7 }]);
  await clock.advance(0.05);
  mcu.reboot();
  const [rv, wv] = await clock.drive(Promise.allSettled([r, w]));
  t.is(rv.status, 'fulfilled');
  t.is(wv.status, 'rejected');
  t.regex((wv as PromiseRejectedResult).reason.message, /rebooted/);
  t.is(client.counters.reboots, 1);
  t.is(client.info?.bootId, 2);
  t.is((await clock.drive(client.run(reads(2)))).length, 2);
});

test('a serial device that vanishes and returns: errors while gone, nothing hangs, work resumes', async (t) => {
  const { clock, client, uart } = await rig();
  const inflight = client.run(reads(100));
  await clock.advance(0.1);
  uart.setConnected(false);
  await t.throwsAsync(clock.drive(inflight), { instanceOf: DeviceError, message: /serial link lost/ });
  await t.throwsAsync(client.run(reads(1)), { instanceOf: DeviceError, message: /serial link is down/ });
  uart.setConnected(true);
  await clock.drive(client.open());
  t.is((await clock.drive(client.run(reads(4)))).length, 4);
  t.is(client.counters.linkDowns, 1);
});

test('any bytes from the bridge side never throw and never break the client (fuzz)', async (t) => {
  const { clock, client, uart } = await rig();
  await fc.assert(
    fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), async (chunks) => {
      for (const c of chunks) uart.host.inject(c);
      const v = await clock.drive(client.run(reads(2)));
      return v.length === 2;
    }),
    { numRuns: 100 },
  );
  t.pass();
});

/** Virtual ms from a cable pull until `cat carrier` reads 0, through the bridge. */
async function detectionMs(def: BoardDefinition, irq: boolean): Promise<{ ms: number; events: number }> {
  const s = await bootTest(def, { bridge: 'inproc' });
  s.bridge!.mcu.irqEnabled = irq;
  const polls = s.board.polls;
  while (s.board.polls === polls) await s.clock.advance(1); // start right after a periodic poll
  const t0 = s.clock.now();
  await s.run('sim link eth3 down');
  while ((await s.run('cat /sys/class/net/eth3/carrier')) !== '0') await s.clock.advance(1);
  return { ms: s.clock.now() - t0, events: s.bridge!.mcu.counters.linkEvents };
}

for (const def of SCENARIO_BOARDS) {
  test(onBoard(def, 'the firmware through the bridge reads its ports; a PHY interrupt makes a link change show sooner than polling'), async (t) => {
    const s = await bootTest(def, { bridge: 'inproc' });
    t.is(await s.run('cat /sys/class/net/eth0/speed'), '1000');
    t.is(await s.run('cat /sys/class/net/eth0/duplex'), 'full');
    const withIrq = await detectionMs(def, true);
    const polled = await detectionMs(def, false);
    t.log(`link loss seen after ${withIrq.ms.toFixed(1)} ms with the interrupt, ${polled.ms.toFixed(1)} ms by polling alone`);
    t.true(withIrq.events >= 1);
    t.is(polled.events, 0);
    t.true(withIrq.ms <= 5, 'the interrupt makes the board read every port status at once: a few ms through the bridge');
    t.true(polled.ms <= def.pollIntervalMs * 2 + 100, 'polling alone still sees it within two poll periods plus a poll');
  });

  test(onBoard(def, 'raw frames to and from the switch CPU port travel through the bridge'), async (t) => {
    const clock = new VirtualClock(nodeSettle);
    const hw = new SimHardware(def, clock);
    const uart = new UartPair(clock, BAUD);
    const mcu = hw.attachBridge(uart.device, { rawFrames: true });
    const client = new BridgeClient({ clock, link: uart.host, baud: BAUD });
    mcu.start();
    await clock.drive(client.open());
    t.true((client.info!.capabilities & 16) !== 0, 'raw frame capability announced');
    const log = new EventLog(clock);
    const board = await clock.drive(Board.open(def, client, new BridgeConduit(client), clock, log));
    const got: string[] = [];
    board.setReceiver((p, f) => got.push(`${p.name}:${f[21]}`));
    const eth0 = board.ports[0];
    const req = buildArp(BROADCAST_MAC, eth0.permanentMac, { op: ARP_REQUEST, senderMac: eth0.permanentMac, senderIp: 0xc0a80101, targetMac: new Uint8Array(6), targetIp: 0xc0a80164 });
    t.true(board.send(eth0, req, req.length));
    await clock.advance(20);
    t.true(got.includes('eth0:2'), `ARP reply came back through the bridge (${got.join(' ')})`);
    t.true(mcu.counters.rawFromHost >= 1 && mcu.counters.rawToHost >= 1);
    board.close();
  });

  test(onBoard(def, 'board state survives a lost serial link; polling resumes when it returns'), async (t) => {
    const clock = new VirtualClock(nodeSettle);
    const hw = new SimHardware(def, clock);
    const uart = new UartPair(clock, BAUD);
    const mcu = hw.attachBridge(uart.device);
    const log = new EventLog(clock);
    const client = new BridgeClient({ clock, link: uart.host, baud: BAUD, log });
    mcu.start();
    await clock.drive(client.open());
    const board = await clock.drive(Board.open(def, client, hw.conduit, clock, log));
    board.start();
    await clock.advance(250);
    uart.setConnected(false);
    await clock.advance(300);
    t.true(board.ports.every((p) => p.carrier && p.phy.speed === 1000), 'last known state kept while the bridge is unreachable');
    t.true(board.ports[0].pollErrors > 0);
    hw.world.setCable(2, false);
    uart.setConnected(true);
    await clock.advance(500);
    t.false(board.ports[2].carrier, 'a change made while away is seen once the link is back');
    t.true(board.ports[0].carrier);
    t.regex(log.tail().map((e) => e.text).join('\n'), /serial link lost[\s\S]*serial link back/);
    board.close();
  });

  test(onBoard(def, 'the console shows the bridge and its error counters'), async (t) => {
    const s = await bootTest(def, { bridge: 'inproc' });
    const text = await s.run('bridge');
    t.regex(text, /^bridge: ready, mdio-bridge-sim 1\.0, MDC 2\.5 MHz, boot id 1\n/);
    t.regex(text, /bad frames: crc 0, decode 0, empty 0, program 0, oversize 0/);
    const j = JSON.parse(await s.run('bridge json'));
    t.like(j, { ready: true, timeouts: 0, reboots: 0 });
    t.true(j.requests > 0);
    s.bridge!.mcu.reboot();
    await s.clock.advance(200);
    t.like(JSON.parse(await s.run('bridge json')), { reboots: 1, bootId: 2 });
    t.regex(await s.run('bridge x'), /^error: bridge: unknown argument 'x'/);
    t.regex(await s.run('log'), /mdio bridge: bridge rebooted \(boot id 2\)/);
  });
}

test('a lost answer to a link poll is resent (the poll only reads), so the poll still succeeds', async (t) => {
  const { clock, client, uart, hw } = await rig();
  const log = new EventLog(clock);
  const board = await clock.drive(Board.open(simGw4, client, hw.conduit, clock, log));
  hw.world.setCable(1, false);
  await clock.advance(1); // the link interrupt goes by
  let drop = 1;
  uart.device.fault = (chunk) => (drop-- > 0 ? undefined : chunk);
  await clock.drive(board.poll());
  t.is(client.counters.resent, 1);
  t.true(board.ports.every((p) => p.pollErrors === 0));
  t.false(board.ports[1].carrier);
  // A bridge that stays silent: the driver gets a clear error after bounded tries, no hang.
  uart.device.fault = () => undefined;
  await t.throwsAsync(clock.drive(board.chip.setPortState(0, 'disabled')), { message: /^mdio bridge: no answer after/ });
  board.close();
});

// A bridge without the indirect operations spends about four operations an SMI access, one
// with them one: each gets a limit its first poll (every PHY read) does not fit.
for (const [smiOps, maxOps] of [[false, 200], [true, 40]] as const) {
  test(`a bridge with a small program limit${smiOps ? ' and the indirect SMI operations' : ''}: the link poll is split into batches that fit, and stays correct`, async (t) => {
    const clock = new VirtualClock(nodeSettle);
    const hw = new SimHardware(gw8_6390, clock);
    const uart = new UartPair(clock, BAUD);
    const mcu = hw.attachBridge(uart.device, { maxOps, smiOps });
    const client = new BridgeClient({ clock, link: uart.host, baud: BAUD });
    mcu.start();
    await clock.drive(client.open());
    t.is(client.maxBatchOps, maxOps);
    t.is(client.features.smi, smiOps);
    hw.world.setCable(4, false);
    const board = await clock.drive(Board.open(gw8_6390, client, hw.conduit, clock, new EventLog(clock)));
    t.true((board.chip as Mv88e6xxx).splitPolls > 0);
    t.deepEqual(board.ports.map((p) => p.carrier), [true, true, true, true, false, true, true, true]);
    t.true(board.ports.every((p) => p.pollErrors === 0));
    board.close();
  });
}

test('a truncated answer is dropped at the CRC and the read is resent; the stream resynchronises', async (t) => {
  const { clock, client, uart } = await rig();
  let cut = 1;
  uart.device.fault = (chunk) => (cut-- > 0 ? chunk.subarray(0, Math.max(1, chunk.length - 5)) : chunk);
  const values = await clock.drive(client.run(reads(8)));
  t.is(values.length, 8);
  t.is(client.counters.resent, 1);
  t.true(client.counters.badFrames.crc + client.counters.badFrames.decode + client.counters.badFrames.empty >= 1);
  t.is((await clock.drive(client.run(reads(3)))).length, 3, 'the next answer is understood');
  t.is(client.counters.resent, 1);
});

test('a bridge that stays silent after the link returns: requests fail at once instead of waiting', async (t) => {
  const { clock, client, uart, mcu } = await rig();
  uart.setConnected(false);
  mcu.halt();
  uart.setConnected(true);
  await clock.advance(1000); // hello after hello, no answer
  await t.throwsAsync(client.run(reads(1)), { instanceOf: DeviceError, message: /has not said hello yet/ });
  mcu.start();
  await clock.drive(client.open());
  t.is((await clock.drive(client.run(reads(1)))).length, 1);
});
