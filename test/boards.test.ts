import test from 'ava';
import { VirtualClock } from '../lib/clock.ts';
import { DeviceError } from '../lib/errors.ts';
import { EventLog } from '../lib/log.ts';
import { nodeSettle } from '../hal/clock-real.ts';
import { Board } from '../hal/board.ts';
import { LocalMdioBus, MdioWire } from '../hal/mdio/wire.ts';
import { SimHardware } from '../sim/hardware.ts';
import { BOARDS, findBoard } from '../boards/index.ts';
import { gw8_6390 } from '../boards/gw8-6390.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { bootTest } from './helpers/sim.ts';
import type { Mv88e6xxx } from '../hal/switch/mv88e6xxx/chip.ts';

async function open(def = simGw4, tweak?: (hw: SimHardware) => void) {
  const clock = new VirtualClock(nodeSettle);
  const hw = new SimHardware(def, clock);
  tweak?.(hw);
  const log = new EventLog(clock);
  return { hw, clock, log, board: () => Board.open(def, hw.bus, hw.conduit, clock, log) };
}

test('the 8-port 88E6390-class gateway probes against the 6390 model', async (t) => {
  const { board: openBoard, log } = await open(gw8_6390);
  const board = await openBoard();
  t.is((board.chip as Mv88e6xxx).model, '6390');
  t.is(board.chip.modelName, '88E6390');
  t.deepEqual(board.ports.map((p) => p.name), ['lan1', 'lan2', 'lan3', 'lan4', 'lan5', 'lan6', 'lan7', 'lan8']);
  t.true(board.ports.every((p) => p.phyDriver.name === 'Marvell 88E6390 internal'));
  t.true(board.ports.every((p) => p.carrier && p.phy.link && p.phy.speed === 1000 && p.phy.duplex === 'full'));
  t.is(await (board.chip as Mv88e6xxx).getFrameMode(10), 'edsa');
  t.regex(log.tail().map((e) => e.text).join('\n'), /switch 88E6390 found at SMI address 0x2/);
});

test('the 6390 gateway runs the whole firmware on its emulator: frames cross with EDSA tags', async (t) => {
  const s = await bootTest(gw8_6390);
  t.is(await s.run('cat /sys/class/net/lan8/speed'), '1000');
  await s.run('sim link lan5 down');
  await s.clock.advance(gw8_6390.pollIntervalMs);
  t.is(await s.run('cat /sys/class/net/lan5/carrier'), '0');
  const got: string[] = [];
  s.board.setReceiver((p) => got.push(p.name));
  await s.run('sim inject lan3 ffffffffffff020000010005080600010800060400010200000100 05c0a80165000000000000c0a80101');
  t.deepEqual(got, ['lan3']);
});

test('a board whose switch does not answer fails to open with a clear error', async (t) => {
  const clock = new VirtualClock(nodeSettle);
  const bus = new LocalMdioBus(new MdioWire()); // nothing on the bus
  const err = await t.throwsAsync(Board.open(simGw4, bus, { send() {}, setReceiver() {} }, clock, new EventLog(clock)), { instanceOf: DeviceError });
  t.is(err!.message, 'mv88e6xxx at SMI 0x10: no switch answers (SMI command register reads 0xffff)');
});

test('a board definition naming the wrong switch family is refused', async (t) => {
  const { board } = await open({ ...simGw4, switch: { ...simGw4.switch } }, (hw) => hw);
  t.truthy(await board());
  const wrong: typeof simGw4 = { ...simGw4, switch: { driver: 'mv88e6xxx', model: '6390', smiAddr: 0x10, cpuPort: 5, tagging: 'dsa' } };
  const clock = new VirtualClock(nodeSettle);
  const hw = new SimHardware(simGw4, clock);
  await t.throwsAsync(Board.open(wrong, hw.bus, hw.conduit, clock, new EventLog(clock)), { instanceOf: DeviceError });
  // A family with no driver at all.
  const unknown = { ...simGw4, switch: { ...simGw4.switch, driver: 'rtl8365' } } as unknown as typeof simGw4;
  await t.throwsAsync(Board.open(unknown, hw.bus, hw.conduit, clock, new EventLog(clock)), { instanceOf: DeviceError, message: /no driver for switch family 'rtl8365'/ });
});

test('a port whose PHY does not answer fails the boot with an error naming the port', async (t) => {
  const a = await open(simGw4, (hw) => (hw.phys[2].answers = false));
  const err = await t.throwsAsync(a.board(), { instanceOf: DeviceError });
  t.regex(err!.message, /^eth2: no PHY answers at MDIO address 2 \(ID 0xffffffff\)/);
});

test('boards are listed and looked up by name', (t) => {
  t.deepEqual(BOARDS.map((b) => b.name), ['sim-gw4', 'sim-mt7531', 'gw8-6390', 'gw5-mt7621']);
  t.is(findBoard('gw8-6390'), gw8_6390);
  t.throws(() => findBoard('x'), { message: "unknown board 'x' (boards: sim-gw4, sim-mt7531, gw8-6390, gw5-mt7621)" });
});

// Marvell only: a runt and a FROM_CPU DSA tag; the MediaTek tag's bad frames are counted in
// mt7530-driver.test.ts (frame port).
test('malformed tagged frames from the switch are counted drops, and the board keeps running', async (t) => {
  const s = await bootTest();
  const fp = s.board.framePort;
  const before = fp.counters.rx;
  // Straight onto the CPU MAC: a runt, and a FROM_CPU tag the switch never sends to the CPU.
  const cpu = (s.hw as unknown as { cpuReceiver: (f: Uint8Array, n: number) => void }).cpuReceiver;
  cpu(Uint8Array.of(1, 2, 3), 3);
  const fromCpu = new Uint8Array(64);
  fromCpu[12] = 0x40;
  cpu(fromCpu, 64);
  t.is(fp.counters.rx, before);
  t.is(fp.counters.rxDropped.short, 1);
  t.is(fp.counters.rxDropped['bad-command'], 1);
  t.is(await s.run('cat /sys/class/net/eth0/speed'), '1000');
});
