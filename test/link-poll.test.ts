/**
 * The link poll reads what the hardware needs (issue 19): every port's MAC-side status and
 * the switch's PHY change bits each round, the PHYs only when something says they changed;
 * and through a bridge that offers them, the Marvell SMI indirection runs on the bridge
 * (opcode 6). Counted with the emulators' own MDIO transaction counter, in virtual time, on
 * both board families, through a new bridge and an old one.
 */
import test from 'ava';
import { VirtualClock } from '../lib/clock.ts';
import { DeviceError } from '../lib/errors.ts';
import { nodeSettle } from '../hal/clock-real.ts';
import { BridgeClient } from '../hal/bridge/client.ts';
import { BridgeFrameReader, BridgeFrameWriter } from '../hal/bridge/framing.ts';
import type { BridgeMessage } from '../hal/bridge/codec.ts';
import type { MdioOp } from '../hal/mdio/bus.ts';
import { LocalMdioBus } from '../hal/mdio/wire.ts';
import { UartPair } from '../hal/sim/uart.ts';
import { Mv88e6xxx } from '../hal/switch/mv88e6xxx/chip.ts';
import { SimHardware } from '../sim/hardware.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { simMt7531 } from '../boards/sim-mt7531.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import type { SimMv88e6xxx } from '../hal/sim/mv88e6xxx.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';

const BAUD = 921_600;
const GENERATIONS = [
  { smiOps: true, name: 'a bridge with the indirect SMI operations' },
  { smiOps: false, name: 'an old bridge (plain operations only)' },
] as const;

/** Booted through the emulated bridge, with polls by hand only: no periodic poll, no interrupt line. */
async function quietBoard(def: BoardDefinition, smiOps: boolean): Promise<TestSystem> {
  const s = await bootTest(def, { bridge: 'inproc', bridgeMcu: { smiOps } });
  s.board.stopPolling();
  s.bridge!.mcu.irqEnabled = false;
  await s.clock.advance(100);
  return s;
}

/** One poll by hand: MDIO transactions on the emulated wire, and bridge round trips. */
async function pollCost(s: TestSystem): Promise<[transactions: number, roundTrips: number]> {
  const tx = s.hw.wire.transactions;
  const rq = s.bridge!.client.counters.requests;
  await s.clock.drive(s.board.poll());
  return [s.hw.wire.transactions - tx, s.bridge!.client.counters.requests - rq];
}

/**
 * Per board: a quiet poll, then the polls after a cable pull (the MAC side moves) and after a
 * PHY-only drop (the switch's change bits name the PHY): the poll that sees it, and the next,
 * which checks the reading that saw a drop.
 *
 * sim-gw4, 88E6352 at SMI 0x10, 4 ports: quiet = 5 SMI reads (4 Port Status, the Global2
 * Interrupt Source): the first 5 frames (idle check, command, 2 busy polls, data), then 4 each
 * (the SMI unit is known idle) = 21. A PHY read adds one round trip: that port's Port Status
 * (5) and 6 PHY registers through Global2 (interrupt status, page, BMCR, BMSR twice, copper
 * status), each an idle check (an SMI read, only the first), the command (an SMI write), 2 busy
 * polls and the data (SMI reads) = 20 + 5 x 16 = 105. The same frames whether the bridge or
 * the host runs the SMI sequences.
 *
 * sim-mt7531, 4 ports: quiet = PMSR of 4 ports and SYS_INT_STS, low halves (a page, a read)
 * = 10. A PHY read: SYS_INT_STS acknowledged (page, low, high: 3, the poll after the one that
 * saw the bit: none), PMSR (3), PHY_IAC's page (1), idle check (2), 8 genphy reads of 6 frames
 * (command 2, two status reads 4) = 57 (54).
 */
const COSTS: Record<string, { quiet: number; change: number; after: number }> = {
  'sim-gw4': { quiet: 21, change: 21 + 105, after: 21 + 105 },
  'sim-mt7531': { quiet: 10, change: 10 + 57, after: 10 + 54 },
};

for (const def of SCENARIO_BOARDS) {
  for (const gen of GENERATIONS) {
    test.serial(onBoard(def, `poll cost through ${gen.name}: quiet, a cable pulled, a PHY-only drop`), async (t) => {
      const s = await quietBoard(def, gen.smiOps);
      t.is(s.bridge!.client.features.smi, gen.smiOps);
      const c = COSTS[def.name];
      t.deepEqual(await pollCost(s), [c.quiet, 1], 'quiet');
      t.deepEqual(await pollCost(s), [c.quiet, 1], 'quiet again');

      s.hw.world.setCable(1, false);
      t.deepEqual(await pollCost(s), [c.change, 2], 'the pull: the MAC side moved, that PHY read');
      t.false(s.board.ports[1].carrier);
      t.true(s.board.ports[1].phy.dropSeen);
      t.deepEqual(await pollCost(s), [c.after, 2], 'the reading that saw a drop is checked again');
      t.false(s.board.ports[1].phy.dropSeen);
      t.deepEqual(await pollCost(s), [c.quiet, 1]);

      await s.run('sim phy eth2 down');
      await s.run('sim phy eth2 up');
      t.deepEqual(await pollCost(s), [c.change, 2], 'a PHY-only drop: the switch says which PHY');
      t.regex(await s.run('log'), /eth2: PHY link down$/);
      t.deepEqual(await pollCost(s), [c.after, 2]);
      t.deepEqual(await pollCost(s), [c.quiet, 1]);
      t.regex(await s.run('log'), /eth2: PHY link up$/);
      for (const p of s.board.ports) t.is(p.pollErrors, 0, p.name);
    });
  }

  test.serial(onBoard(def, 'an old bridge (no indirect operations) still carries the board: ports, a bond, a failover'), async (t) => {
    const s = await bootTest(def, { bridge: 'inproc', bridgeMcu: { smiOps: false } });
    t.false(s.bridge!.client.features.smi);
    t.regex(await s.run('bridge'), /\noperations: plain only \(an older bridge: SMI sequences go over the UART\)\n/);
    t.like(JSON.parse(await s.run('bridge json')), { smiOps: false, failed: 0 });
    t.is(await s.run('cat /sys/class/net/eth0/speed'), '1000');
    for (const l of ['modprobe bonding mode=active-backup miimon=10', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1']) t.is(await s.run(l), '');
    await s.clock.advance(200);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth0');
    await s.run('sim link eth0 down');
    await s.clock.advance(50);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth1');
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/link_failure_count'), '1');
    t.regex(await s.run('ping -c 1 192.168.1.100'), /1 received/);
    t.like(JSON.parse(await s.run('bridge json')), { failed: 0, timeouts: 0 });
  });

  for (const gen of GENERATIONS) {
    test.serial(onBoard(def, `use_carrier=0 through ${gen.name}: a PHY drop shorter than the poll is a link failure`), async (t) => {
      const s = await bootTest(def, { bridge: 'inproc', bridgeMcu: { smiOps: gen.smiOps } });
      for (const l of ['modprobe bonding mode=active-backup miimon=100 use_carrier=0', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1']) t.is(await s.run(l), '');
      await s.clock.advance(1000);
      t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth0');
      // 20 ms down, between two polls and two monitor rounds; the MAC side never sees it, and
      // the board reads the PHY at once (the bridge's interrupt line), clearing its latch.
      await s.run('sim phy eth0 down');
      await s.clock.advance(20);
      await s.run('sim phy eth0 up');
      await s.clock.advance(200);
      t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/link_failure_count'), '1');
      t.is(await s.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth1');
      t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'up');
    });
  }

  test.serial(onBoard(def, 'a new speed is the port\'s at the next poll; between polls the MAC side speaks for it'), async (t) => {
    const s = await quietBoard(def, true);
    await s.run('sim autoneg 30');
    const port = s.board.ports[1];
    // The partner renegotiates at 100/full: the link drops now and returns 30 ms later.
    s.hw.phys[1].setPartner({ speed: 100, duplex: 'full' });
    await s.clock.drive(s.board.poll());
    t.false(port.carrier);
    t.is(await s.run('cat /sys/class/net/eth1/speed'), '-1');
    await s.clock.advance(40);
    await s.clock.drive(s.board.poll());
    t.is(await s.run('cat /sys/class/net/eth1/speed'), '100', 'the poll after the link returned');
    t.is(await s.run('cat /sys/class/net/eth1/duplex'), 'full');
    t.is(port.phy.speed, 100);

    // Instant renegotiation at 10/half, read by the MII monitor's carrier read before any poll:
    // the PHY reading (100) predates the MAC side's move, so the MAC side's mode is the port's.
    await s.run('sim autoneg 0');
    s.hw.phys[1].setPartner({ speed: 10, duplex: 'half' });
    t.true(await s.clock.drive(s.board.refreshCarrier(port)));
    t.is(port.phy.speed, 100, 'a carrier read does not read the PHY');
    t.is(port.speed, 10);
    t.is(port.duplex, 'half');
    t.is(await s.run('cat /sys/class/net/eth1/speed'), '10');
    // The next poll reads the PHY (the MAC side moved): it saw the renegotiation's drop.
    await s.clock.drive(s.board.poll());
    t.true(port.phy.dropSeen);
    await s.clock.drive(s.board.poll());
    t.deepEqual([port.phy.speed, port.speed, port.duplex], [10, 10, 'half']);
  });
}

// ---- the indirect operations themselves ------------------------------------------------------

/** sim-gw4's registers on a local wire: a bus that runs the indirect operations and one that does not. */
function gw4Wire() {
  const clock = new VirtualClock(nodeSettle);
  const hw = new SimHardware(simGw4, clock);
  return { clock, hw, smi: new LocalMdioBus(hw.wire, { smi: true }), plain: new LocalMdioBus(hw.wire) };
}

test('smiRead and smiPhyRead give what the host-side SMI sequences give, at the MDIO cost bridge.md states', async (t) => {
  const { hw, smi, plain } = gw4Wire();
  const viaSmi = await Mv88e6xxx.probe(smi, 0x10, '6352');
  const viaPlain = await Mv88e6xxx.probe(plain, 0x10, '6352');
  t.is(viaSmi.switchId, viaPlain.switchId);
  const run = async (ops: MdioOp[]) => {
    const tx = hw.wire.transactions;
    const values = await smi.run(ops);
    return { values, transactions: hw.wire.transactions - tx };
  };
  // Two device registers: the first waits for the idle SMI unit, the second need not.
  const status = await run([{ op: 'smiRead', phy: 0x10, dev: 0x10, reg: 3 }, { op: 'smiRead', phy: 0x10, dev: 0x11, reg: 0 }]);
  t.is(status.values[0] & 0xfff0, 0x3520, '88E6352 switch ID');
  t.is(status.transactions, 5 + 4);
  t.deepEqual(await viaPlain.portStatus(1), await viaSmi.portStatus(1));
  // PHY 1's ID through Global2: 20 frames, then 16 (the unit is known idle).
  const id = await run([{ op: 'smiPhyRead', phy: 0x10, g2: 0x1c, phyAddr: 1, reg: 2 }, { op: 'smiPhyRead', phy: 0x10, g2: 0x1c, phyAddr: 1, reg: 3 }]);
  t.deepEqual(id.values, [0x0141, 0x0dd1]);
  t.is(id.transactions, 5 + 4 + 8 + 4 + 16);
  t.deepEqual(await viaSmi.phyBus().run([{ op: 'read', phy: 1, reg: 2 }, { op: 'read', phy: 1, reg: 3 }]), id.values);
  // A write through Global2 then a read back: BMCR's power-down bit.
  await smi.run([{ op: 'smiPhyWrite', phy: 0x10, g2: 0x1c, phyAddr: 1, reg: 0, value: 0x1940 }]);
  t.is(hw.phys[1].read(0) & 0x0800, 0x0800);
  await viaSmi.phyBus().run([{ op: 'rmw', phy: 1, reg: 0, mask: 0x0800, value: 0 }]);
  t.is(hw.phys[1].read(0) & 0x0800, 0);
  // A plain write at the SMI address in between: the idle knowledge is gone, the wait is back.
  const again = await run([{ op: 'smiRead', phy: 0x10, dev: 0x10, reg: 3 }, { op: 'write', phy: 0x10, reg: 1, value: 0 }, { op: 'smiRead', phy: 0x10, dev: 0x10, reg: 3 }]);
  t.is(again.transactions, 5 + 1 + 5);
});

test('indirect operations through the bridge: busy units fail with the unit named; an old bridge refuses opcode 6 whole', async (t) => {
  const clock = new VirtualClock(nodeSettle);
  const hw = new SimHardware(simGw4, clock);
  const uart = new UartPair(clock, BAUD);
  const mcu = hw.attachBridge(uart.device);
  const client = new BridgeClient({ clock, link: uart.host, baud: BAUD });
  mcu.start();
  await clock.drive(client.open());
  const chip = await clock.drive(Mv88e6xxx.probe(client, 0x10, '6352'));
  const sim = hw.chip as SimMv88e6xxx;
  sim.stuckPhyBusy = true;
  await t.throwsAsync(clock.drive(chip.phyBus().read(1, 1)), { instanceOf: DeviceError, message: 'mv88e6xxx at SMI 0x10: Global2 PHY command stays busy after 16 polls' });
  sim.stuckPhyBusy = false;
  sim.stuckBusy = true;
  await t.throwsAsync(clock.drive(chip.portStatus(1)), { instanceOf: DeviceError, message: 'mv88e6xxx at SMI 0x10: SMI command stays busy after 16 polls' });
  sim.stuckBusy = false;
  t.is((await clock.drive(chip.phyBus().read(1, 2))), 0x0141);

  // An old bridge: its Info has no capability 32; the client refuses to send opcode 6, and
  // the bridge answers BAD_PROGRAM, nothing run, to a host that sends it anyway.
  const uart2 = new UartPair(clock, BAUD);
  const old = hw.attachBridge(uart2.device, { smiOps: false });
  const client2 = new BridgeClient({ clock, link: uart2.host, baud: BAUD });
  old.start();
  await clock.drive(client2.open());
  t.false(client2.features.smi);
  t.is(client2.info!.capabilities & 32, 0);
  await t.throwsAsync(client2.run([{ op: 'smiRead', phy: 0x10, dev: 0x10, reg: 3 }]), { instanceOf: DeviceError, message: /does not run indirect SMI operations/ });
  client2.close();
  const got: BridgeMessage[] = [];
  const reader = new BridgeFrameReader((m) => got.push(m), () => {});
  uart2.host.setReceiver((c) => reader.push(c));
  const tx = hw.wire.transactions;
  new BridgeFrameWriter((b) => uart2.host.write(b)).write({ kind: 'program', seq: 77, ops: [{ op: 'read', phy: 0x10, reg: 0 }, { op: 'smiRead', phy: 0x10, dev: 0x10, reg: 3 }] });
  await clock.advance(5);
  t.deepEqual(got.filter((m) => m.kind === 'result'), [{ kind: 'result', seq: 77, status: 'bad-program', values: [], failedAt: 1 }]);
  t.is(hw.wire.transactions, tx, 'nothing ran');
  client.close();
});

// ---- the switches' PHY change sources -----------------------------------------------------------

test('88E6xxx emulator: the Global2 Interrupt Source follows each PHY\'s interrupt output, which its interrupt enable gates and reading its status clears', (t) => {
  const { hw } = gw4Wire();
  const sim = hw.chip as SimMv88e6xxx;
  const g2 = (reg: number) => sim.deviceRead(0x1c, reg);
  const phy = hw.phys[2];
  phy.forceLink(false);
  t.is(g2(0), 0, 'a link change latched, not enabled: no interrupt');
  phy.write(18, 0x6400); // page 0 IMASK: speed, duplex, link changed
  t.is(g2(0), 1 << 2, 'enabled: PHY 2 raises its output');
  t.is(phy.read(19) & 0x0400, 0x0400, 'IEVENT: link status changed');
  t.is(phy.read(19), 0, 'cleared by the read');
  t.is(g2(0), 0, 'the output follows');
  phy.forceLink(null);
  t.is(g2(0), 1 << 2);
  phy.write(22, 1);
  t.is(phy.read(19), 0, 'another page: not the status register');
  t.is(g2(0), 1 << 2);
  phy.write(22, 0);
  phy.read(19);
  t.is(g2(0), 0);
});

test('the board enables every PHY\'s interrupt at boot: a PHY-only change is read at the next poll, nothing more', async (t) => {
  for (const def of [simGw4, simMt7531]) {
    const s = await bootTest(def);
    s.board.stopPolling();
    await s.clock.advance(200);
    if (def === simGw4) for (const phy of s.hw.phys) t.is(phy.read(18), 0x6400, 'IMASK as marvell_config_intr sets it');
    const rt = s.hw.bus.roundTrips;
    await s.board.poll();
    t.is(s.hw.bus.roundTrips - rt, 1);
    await s.run('sim phy eth3 down');
    await s.board.poll();
    t.is(s.hw.bus.roundTrips - rt, 3, `${def.name}: the change bits named eth3's PHY`);
    t.false(s.board.ports[3].phy.link);
    t.true(s.board.ports[3].carrier);
    t.is(await s.run('cat /sys/class/net/eth3/speed'), '-1');
  }
});
