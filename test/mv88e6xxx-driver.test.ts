import test from 'ava';
import { VirtualClock } from '../lib/clock.ts';
import { DeviceError, UsageError } from '../lib/errors.ts';
import type { Conduit } from '../hal/frames.ts';
import type { MdioOp } from '../hal/mdio/bus.ts';
import { MdioTimeoutError } from '../hal/mdio/errors.ts';
import { LocalMdioBus, MdioWire } from '../hal/mdio/wire.ts';
import { SimMv88e6xxx, type SimMv88e6xxxOptions } from '../hal/sim/mv88e6xxx.ts';
import { SimPhy } from '../hal/sim/phy.ts';
import { Mv88e6xxx, type Mv88e6xxxModel } from '../hal/switch/mv88e6xxx/chip.ts';
import { encodeForward } from '../hal/switch/mv88e6xxx/dsa.ts';
import { DsaFramePort } from '../hal/switch/mv88e6xxx/frame-port.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/[\s|]+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array, n = b.length): string => Array.from(b.subarray(0, n), (x) => x.toString(16).padStart(2, '0')).join('');

const G2 = 0x1c;

interface RigOptions extends Partial<SimMv88e6xxxOptions> {
  model?: Mv88e6xxxModel;
}

/** Emulated switch + real SimPhys on a wire, a LocalMdioBus, and the CPU MAC as a conduit. */
function rig(opts: RigOptions = {}) {
  const model = opts.model ?? '6352';
  const clock = new VirtualClock();
  const phyPorts = model === '6352' ? [0, 1, 2, 3, 4] : [1, 2, 3, 4, 5, 6, 7, 8];
  const phys: SimPhy[] = [];
  for (const p of phyPorts) {
    phys[p] = new SimPhy({ model: model === '6352' ? 'marvell-88e151x' : 'marvell-6390-internal', clock });
    phys[p].setCable(true);
  }
  const cpuPort = opts.cpuPort ?? (model === '6352' ? 5 : 10);
  const smiAddr = opts.smiAddr ?? 0x10;
  const sw = new SimMv88e6xxx({ model, smiAddr, clock, phys, cpuPort, ...opts });
  const wire = new MdioWire();
  sw.attachTo(wire);
  const bus = new LocalMdioBus(wire);
  const egress: string[] = [];
  sw.onEgress = (port, frame) => egress.push(`${port}:${toHex(frame)}`);
  let toFirmware: ((frame: Uint8Array, length: number) => void) | undefined;
  sw.onCpuEgress = (frame) => toFirmware?.(frame, frame.length);
  const conduit: Conduit = {
    send: (frame, length) => sw.cpuIngress(frame.slice(0, length)),
    setReceiver: (h) => {
      toFirmware = h;
    },
  };
  return { clock, sw, wire, bus, phys, egress, conduit, cpuPort, smiAddr, model };
}

test('probe: both models, multi-chip and single-chip, with and without the family hint', async (t) => {
  for (const model of ['6352', '6390'] as const) {
    for (const smiAddr of [0x10, 0x00]) {
      for (const hint of [model, undefined]) {
        const { bus } = rig({ model, smiAddr });
        const chip = await Mv88e6xxx.probe(bus, smiAddr, hint);
        const what = `${model} at ${smiAddr} hint ${hint}`;
        t.is(chip.model, model, what);
        t.is(chip.portCount, model === '6352' ? 7 : 11, what);
        t.is(chip.revision, 1, what);
        t.is(bus.roundTrips, 1, `${what}: one round trip`);
      }
    }
  }
});

test('probe: a wrong family, an absent switch, an odd address', async (t) => {
  const { bus } = rig({ model: '6352' });
  const e = await t.throwsAsync(Mv88e6xxx.probe(bus, 0x10, '6390'), { instanceOf: DeviceError });
  // Device 0x00 of a 6352 is the internal PHY of port 0: its PHYSID2 is no switch ID.
  t.is(e?.message, 'mv88e6xxx at SMI 0x10: unsupported switch: switch ID 0x0dd1 at device 0x00; supported: 88E6390 (0x3900 at device 0x00)');
  const empty = new LocalMdioBus(new MdioWire());
  await t.throwsAsync(Mv88e6xxx.probe(empty, 0x10), { instanceOf: DeviceError, message: 'mv88e6xxx at SMI 0x10: no switch answers (SMI command register reads 0xffff)' });
  await t.throwsAsync(Mv88e6xxx.probe(empty, 0), {
    instanceOf: DeviceError,
    message: /^mv88e6xxx at SMI 0x00: no switch answers: switch ID 0xffff at device 0x10, 0xffff at device 0x00; supported: 88E6352 .*88E6390/,
  });
  await t.throwsAsync(Mv88e6xxx.probe(empty, 0x11), { instanceOf: UsageError, message: /odd/ });
});

test('SMI: BUSY held for several polls is waited out inside one batch per access', async (t) => {
  const { bus } = rig({ busyPolls: 5 });
  const chip = await Mv88e6xxx.probe(bus, 0x10, '6352');
  const before = bus.roundTrips;
  t.is((await chip.portStatus(0)).link, true);
  t.is(bus.roundTrips - before, 1);
});

test('SMI: a stuck BUSY is a DeviceError after 16 polls, and the driver works once the chip recovers', async (t) => {
  const { bus, sw, wire } = rig();
  const chip = await Mv88e6xxx.probe(bus, 0x10);
  sw.stuckBusy = true;
  const n = wire.transactions;
  await t.throwsAsync(chip.portStatus(1), { instanceOf: DeviceError, message: 'mv88e6xxx at SMI 0x10: SMI command stays busy after 16 polls' });
  t.is(wire.transactions - n, 16, 'bounded: 16 reads, nothing written');
  await t.throwsAsync(chip.setPortState(1, 'blocking'), { instanceOf: DeviceError });
  sw.stuckBusy = false;
  t.deepEqual(await chip.portStatus(1), { link: true, speed: 1000, duplex: 'full' });
  await chip.setPortState(1, 'blocking');
  t.is(await chip.getPortState(1), 'blocking');

  // Stuck in the middle of a command: the command finishes after recovery, the next access waits for it.
  sw.stuckBusy = false;
  wire.write(0x10, 0, 0x9800 | (0x11 << 5) | 0);
  sw.stuckBusy = true;
  await t.throwsAsync(chip.getPortState(2), { instanceOf: DeviceError });
  sw.stuckBusy = false;
  t.is(await chip.getPortState(2), 'forwarding');
});

test('port status from the PHY link, the carrier override and MAC forcing; all ports in one batch', async (t) => {
  const { bus, sw, phys } = rig();
  const chip = await Mv88e6xxx.probe(bus, 0x10);
  phys[1].setPartner({ speed: 100, duplex: 'half' });
  phys[2].setCable(false);
  sw.setCarrier(3, false);
  const before = bus.roundTrips;
  const all = await chip.portStatusAll([0, 1, 2, 3, 5]);
  t.is(bus.roundTrips - before, 1);
  t.deepEqual(all, [
    { link: true, speed: 1000, duplex: 'full' },
    { link: true, speed: 100, duplex: 'half' },
    { link: false, speed: 1000, duplex: 'full' },
    { link: false, speed: 1000, duplex: 'full' },
    { link: true, speed: 1000, duplex: 'full' }, // the CPU port
  ]);
  t.true(phys[3].linkUp, 'the carrier override leaves the PHY alone');
  sw.setCarrier(3, null);
  t.true((await chip.portStatus(3)).link);
  // MAC control (port reg 1): force link down.
  await chip.smi.write(chip.portAddr(0), 0x01, 0x0013);
  t.false((await chip.portStatus(0)).link);
  await t.throwsAsync(chip.portStatus(7), { instanceOf: UsageError, message: '88E6352: port 7 out of range 0..6' });
});

test('port states and frame modes', async (t) => {
  const { bus, sw } = rig({ model: '6390', smiAddr: 0 });
  const chip = await Mv88e6xxx.probe(bus, 0);
  for (const s of ['disabled', 'blocking', 'learning', 'forwarding'] as const) {
    await chip.setPortState(4, s);
    t.is(await chip.getPortState(4), s);
  }
  t.is(sw.portRegister(4, 4) & 0xfffc, 0x000c, 'other Port Control 0 bits untouched');
  await chip.setFrameMode(10, 'edsa');
  t.is(await chip.getFrameMode(10), 'edsa');
  t.is(sw.portRegister(10, 0x0f), 0xdada, 'EDSA EtherType programmed');
  t.is(sw.portRegister(10, 4) & 3, 3, 'state untouched');
  t.is(chip.cpuPort, 10);
  await chip.setFrameMode(10, 'normal');
  t.is(await chip.getFrameMode(10), 'normal');
  t.is(chip.cpuPort, undefined);
  await t.throwsAsync(chip.setPortState(1, 'bogus' as never), { instanceOf: UsageError });
});

test('Global2 PHY bus: internal PHY IDs in one round trip, multi-chip and single-chip', async (t) => {
  for (const smiAddr of [0x10, 0]) {
    for (const model of ['6352', '6390'] as const) {
      const { bus } = rig({ model, smiAddr });
      const chip = await Mv88e6xxx.probe(bus, smiAddr, model);
      const phyBus = chip.phyBus();
      const addr = model === '6352' ? 0 : 1;
      const before = bus.roundTrips;
      const id = ((await phyBus.read(addr, 2)) << 16) | (await phyBus.read(addr, 3));
      t.is(id >>> 0, model === '6352' ? 0x01410dd1 : 0x01410f90, `${model} @${smiAddr}`);
      t.is(bus.roundTrips - before, 2, 'one round trip per register');
      t.deepEqual(await phyBus.run([{ op: 'read', phy: addr, reg: 2 }, { op: 'read', phy: addr, reg: 3 }]), [id >>> 16, id & 0xffff]);
      t.is(bus.roundTrips - before, 3, 'and per batch');
      t.is(await phyBus.read(model === '6352' ? 5 : 0, 2), 0xffff, 'no internal PHY there');
    }
  }
});

test('Global2 PHY bus: writes, rmw, wait, slow and stuck BUSY', async (t) => {
  const { bus, sw, phys } = rig({ busyPolls: 4 });
  const chip = await Mv88e6xxx.probe(bus, 0x10);
  const phyBus = chip.phyBus();
  t.is(await phyBus.read(2, 3), 0x0dd1, 'BUSY for 4 polls: extra rounds, right answer');
  await phyBus.write(2, 0, 0x1940); // BMCR: power down
  t.false(phys[2].linkUp);
  const [old] = await phyBus.run([{ op: 'rmw', phy: 2, reg: 0, mask: 0x0800, value: 0 }]);
  t.is(old, 0x1940);
  t.true(phys[2].linkUp, 'power-down cleared');
  const [v] = await phyBus.run([{ op: 'wait', phy: 2, reg: 1, mask: 0x0004, value: 0x0004, tries: 3 }]);
  t.is(v & 0x0004, 0x0004);
  phys[2].setCable(false);
  await phyBus.read(2, 1); // latched low: clear it
  await t.throwsAsync(phyBus.run([{ op: 'wait', phy: 2, reg: 1, mask: 0x0004, value: 0x0004, tries: 3 }]), { instanceOf: MdioTimeoutError });
  await t.throwsAsync(phyBus.read45(2, 1, 0), { instanceOf: DeviceError, message: /Clause 45/ });

  // A command someone else left running: ours must not be lost or answered with its data.
  sw.deviceWrite(G2, 0x18, 0x9800 | (1 << 5) | 2);
  t.is(await phyBus.read(3, 3), 0x0dd1);
  t.is(sw.counters.phyWritesWhileBusy, 1, 'the first attempt was lost, then reissued');

  sw.stuckPhyBusy = true;
  await t.throwsAsync(phyBus.read(1, 2), { instanceOf: DeviceError, message: /^mv88e6xxx at SMI 0x10: Global2 PHY command/ });
  sw.stuckPhyBusy = false;
  t.is(await phyBus.read(1, 2), 0x0141, 'usable again');

  // Single-chip mode: the bus polls G2 itself.
  const s = rig({ smiAddr: 0 });
  const chip0 = await Mv88e6xxx.probe(s.bus, 0);
  s.sw.stuckPhyBusy = true;
  await t.throwsAsync(chip0.phyBus().read(1, 2), { instanceOf: DeviceError, message: 'mv88e6xxx at SMI 0x00: Global2 PHY command stays busy after 16 polls' });
});

test('Global2 PHY bus: a paged batch of reads, writes and 16-bit rmw is one round trip', async (t) => {
  const { bus, phys } = rig();
  const chip = await Mv88e6xxx.probe(bus, 0x10);
  const phyBus = chip.phyBus();
  phys[2].write(22, 3); // someone left page 3 selected
  const before = bus.roundTrips;
  // As runPaged does it: select page 0 saving the old one, read, put the old one back.
  const r = await phyBus.run([
    { op: 'rmw', phy: 2, reg: 22, mask: 0xffff, value: 0 },
    { op: 'read', phy: 2, reg: 17 },
    { op: 'write', phy: 2, reg: 22, value: 3 },
  ]);
  t.is(bus.roundTrips - before, 1);
  t.deepEqual(r, [3, 0xac00, 0], 'old page; copper status 1000/full, resolved, link');
  t.is(phys[2].read(22), 3);
});

/** PHY ops that identify the PHY, write and read back ANAR, and put it back with a 16-bit rmw. */
function idAndAnarOps(phy: number): MdioOp[] {
  return [
    { op: 'read', phy, reg: 2 },
    { op: 'read', phy, reg: 3 },
    { op: 'write', phy, reg: 4, value: 0x0061 },
    { op: 'read', phy, reg: 4 },
    { op: 'rmw', phy, reg: 4, mask: 0xffff, value: 0x01e1 },
  ];
}

test('pollPorts: every port status and PHY batch in one round trip, both models, multi-chip and single-chip', async (t) => {
  for (const smiAddr of [0x10, 0]) {
    for (const model of ['6352', '6390'] as const) {
      const { bus, phys } = rig({ model, smiAddr });
      const chip = await Mv88e6xxx.probe(bus, smiAddr, model);
      const ports = model === '6352' ? [0, 1, 2, 3] : [1, 2, 3, 4, 5, 6, 7, 8];
      phys[ports[1]].setPartner({ speed: 100, duplex: 'half' });
      phys[ports[2]].setCable(false);
      const before = bus.roundTrips;
      const r = await chip.pollPorts(ports.map((port) => ({ port, phyOps: idAndAnarOps(port) })));
      const what = `${model} at ${smiAddr}`;
      t.is(bus.roundTrips - before, 1, what);
      const id2 = model === '6352' ? 0x0dd1 : 0x0f90;
      t.deepEqual(
        r.map((p) => p.phyValues),
        ports.map(() => [0x0141, id2, 0, 0x0061, 0x0061]),
        what,
      );
      t.deepEqual(r[1].mac, { link: true, speed: 100, duplex: 'half' });
      t.deepEqual(r[2].mac.link, false);
      t.deepEqual(r[3].mac, { link: true, speed: 1000, duplex: 'full' });
      t.true(r.every((p) => p.phyError === undefined));
      t.is(phys[ports[0]].read(4), 0x01e1, 'the rmw wrote');
    }
  }
});

test('pollPorts: slow or busy Global2 falls back per port; a stuck unit is each port\'s DeviceError', async (t) => {
  const { bus, sw, phys } = rig({ busyPolls: 3 });
  const chip = await Mv88e6xxx.probe(bus, 0x10);
  const poll = () => chip.pollPorts([0, 1, 2].map((port) => ({ port, phyOps: idAndAnarOps(port) })));
  const right = [0x0141, 0x0dd1, 0, 0x0061, 0x0061];

  // BUSY after the two status reads: no data value of that batch is used past it.
  let before = bus.roundTrips;
  t.deepEqual((await poll()).map((p) => p.phyValues), [right, right, right]);
  t.true(bus.roundTrips - before > 1);

  // A command someone else left running: the first command of the batch was lost.
  sw.busyPolls = 1;
  sw.deviceWrite(G2, 0x18, 0x9800 | (1 << 5) | 3);
  t.deepEqual((await poll()).map((p) => p.phyValues), [right, right, right]);

  // One port's PHY batch fails (a wait that never matches): only that port has an error.
  phys[1].setCable(false);
  before = bus.roundTrips;
  const r = await chip.pollPorts([
    { port: 0, phyOps: [{ op: 'read', phy: 0, reg: 2 }] },
    { port: 1, phyOps: [{ op: 'read', phy: 1, reg: 2 }, { op: 'wait', phy: 1, reg: 1, mask: 0x0004, value: 0x0004, tries: 2 }] },
    { port: 2, phyOps: [{ op: 'read', phy: 2, reg: 3 }] },
  ]);
  t.deepEqual(r.map((p) => p.phyValues), [[0x0141], undefined, [0x0dd1]]);
  t.true(r[1].phyError instanceof MdioTimeoutError);
  t.deepEqual(r.map((p) => p.mac.link), [true, false, true]);
  t.is(bus.roundTrips - before, 3, 'the poll, then the two reads of the wait');

  sw.stuckPhyBusy = true;
  const stuck = await chip.pollPorts([0, 2].map((port) => ({ port, phyOps: [{ op: 'read', phy: port, reg: 1 }] })));
  for (const p of stuck) {
    t.is(p.phyValues, undefined);
    t.true(p.phyError instanceof DeviceError);
    t.is((p.phyError as Error).message, 'mv88e6xxx at SMI 0x10: Global2 PHY command stays busy after 16 polls');
    t.true(p.mac.link);
  }
  sw.stuckPhyBusy = false;
  before = bus.roundTrips;
  t.deepEqual((await poll()).map((p) => p.phyValues), [right, right, right]);
  t.is(bus.roundTrips - before, 1);

  // Caller mistakes are refused before any bus traffic.
  before = bus.roundTrips;
  await t.throwsAsync(chip.pollPorts([{ port: 7, phyOps: [] }]), { instanceOf: UsageError });
  await t.throwsAsync(chip.pollPorts([{ port: 0, phyOps: [{ op: 'read45', phy: 0, devad: 1, reg: 0 }] }]), { instanceOf: DeviceError, message: /Clause 45/ });
  t.is(bus.roundTrips, before);
});

test('trunk masks match the Linux bucket rows for 2 and 3 members; Port Control 1 bits', async (t) => {
  const { bus, sw } = rig();
  const chip = await Mv88e6xxx.probe(bus, 0x10);
  await chip.setTrunkMembers(4, [3, 1]);
  t.is(await chip.readTrunkMapping(4), 0b1010);
  await chip.setTrunkMasks([[3, 1]]);
  // Row 2: 0f f0. Others (0x75) everywhere; port 1 in buckets 0-3, port 3 in 4-7.
  for (let i = 0; i < 8; i++) t.deepEqual(await chip.readTrunkMask(i), { hash: true, ports: 0x75 | (i < 4 ? 0b0010 : 0b1000) });
  await chip.clearTrunks();
  await chip.setTrunkMembers(0, [0, 1, 2]);
  await chip.setTrunkMasks([[0, 1, 2]]);
  // Row 3: 07 38 c0.
  const want = [0, 0, 0, 1, 1, 1, 2, 2].map((p) => 0x78 | (1 << p));
  for (let i = 0; i < 8; i++) t.is((await chip.readTrunkMask(i)).ports, want[i], `mask ${i}`);
  // An inactive member is in no mask at all.
  await chip.setTrunkMasks([[0, 2]]);
  for (let i = 0; i < 8; i++) t.is(sw.trunkMask(i) & 0b0010, 0);
  await chip.setPortTrunk(2, 0);
  t.is(sw.portRegister(2, 5) & 0x4f00, 0x4000);
  await chip.setPortTrunk(1, 13);
  t.is(sw.portRegister(1, 5) & 0x4f00, 0x4d00);
  t.is(await chip.getPortTrunk(1), 13);
  await chip.setPortTrunk(1, null);
  t.is(sw.portRegister(1, 5) & 0x4f00, 0);
  t.is(await chip.getPortTrunk(1), null);
  await chip.clearTrunks();
  for (let i = 0; i < 8; i++) t.deepEqual(await chip.readTrunkMask(i), { hash: false, ports: 0x7f });
  for (let id = 0; id < 16; id++) t.is(await chip.readTrunkMapping(id), 0);
});

test('trunk masks for 8 members (6390): one bucket each; limits are UsageErrors', async (t) => {
  const { bus } = rig({ model: '6390' });
  const chip = await Mv88e6xxx.probe(bus, 0x10);
  const members = [1, 2, 3, 4, 5, 6, 7, 8];
  await chip.setTrunkMembers(15, members);
  t.is(await chip.readTrunkMapping(15), 0x1fe);
  const before = bus.roundTrips;
  await chip.setTrunkMasks([members]);
  t.is(bus.roundTrips - before, 1, 'all 8 masks in one batch');
  for (let i = 0; i < 8; i++) t.deepEqual(await chip.readTrunkMask(i), { hash: true, ports: 0x601 | (1 << (i + 1)) });
  await t.throwsAsync(chip.setTrunkMembers(1, [0, 1, 2, 3, 4, 5, 6, 7, 8]), { instanceOf: UsageError, message: /at most 8/ });
  await t.throwsAsync(chip.setTrunkMembers(16, [1]), { instanceOf: UsageError, message: /trunk ID 16/ });
  await t.throwsAsync(chip.setTrunkMasks([[1, 2], [2, 3]]), { instanceOf: UsageError, message: /two LAGs/ });
  await t.throwsAsync(chip.setTrunkMembers(1, [1, 1]), { instanceOf: UsageError, message: /twice/ });
});

test('FORWARD frames to a driver-programmed trunk leave through exactly one member per hash bucket', async (t) => {
  const { bus, sw, egress } = rig();
  const chip = await Mv88e6xxx.probe(bus, 0x10);
  await chip.setFrameMode(5, 'dsa');
  await chip.setTrunkMembers(2, [0, 1, 2]);
  await chip.setTrunkMasks([[0, 1, 2]]);
  const out = new Uint8Array(64);
  for (let da5 = 0; da5 < 8; da5++) {
    const frame = hex(`0200000000${da5.toString(16).padStart(2, '0')} 020000000000 0800 45000000`);
    const n = encodeForward(out, frame, frame.length, 'dsa', 2, true);
    sw.cpuIngress(out.slice(0, n));
  }
  // SA[5] = 0, so bucket = DA[5]; row 3 = 07 38 c0.
  t.deepEqual(egress.map((e) => Number(e.split(':')[0])), [0, 0, 0, 1, 1, 1, 2, 2]);
});

for (const model of ['6352', '6390'] as const) {
  test(`${model}: LACPDUs reach the firmware only after trapLacp, with their ingress port`, async (t) => {
    const { bus, conduit, cpuPort, sw } = rig({ model });
    const chip = await Mv88e6xxx.probe(bus, 0x10);
    const mode = model === '6352' ? 'dsa' : 'edsa';
    await chip.setFrameMode(cpuPort, mode);
    const fp = new DsaFramePort(conduit, { mode, portCount: chip.portCount, cpuPort });
    const got: string[] = [];
    fp.setReceiver((port, frame, length) => got.push(`${port}:${toHex(frame, length)}`));
    const lacpdu = hex('0180c2000002 02aabbccdd01 8809 0101 0000');
    sw.ingress(2, lacpdu);
    t.deepEqual(got, []);
    t.is(sw.counters.dropped['reserved-multicast'], 1);
    await chip.trapLacp();
    sw.ingress(2, lacpdu);
    t.deepEqual(got, ['2:' + toHex(lacpdu)]);
    // Blocking: the trap still arrives, ordinary traffic does not.
    await chip.setPortState(3, 'blocking');
    const arp = hex('ffffffffffff 02aabbccdd01 0806 0001 0800');
    sw.ingress(3, arp);
    sw.ingress(3, lacpdu);
    await chip.setPortState(3, 'forwarding');
    sw.ingress(3, arp);
    t.deepEqual(got.slice(1), ['3:' + toHex(lacpdu), '3:' + toHex(arp)]);
    t.is(fp.counters.rx, 3);
  });
}

test('DsaFramePort.send leaves the right front port', async (t) => {
  const { bus, conduit, egress } = rig({ model: '6390' });
  const chip = await Mv88e6xxx.probe(bus, 0x10);
  await chip.setFrameMode(10, 'edsa');
  const fp = new DsaFramePort(conduit, { mode: 'edsa', portCount: 11, cpuPort: 10 });
  const frame = hex('ffffffffffff 020000000001 0806 0001 0800');
  t.true(fp.send(7, frame, frame.length));
  t.true(fp.send(1, frame, frame.length));
  t.deepEqual(egress, ['7:' + toHex(frame), '1:' + toHex(frame)]);
});

test('trapLacp needs a CPU port when none is tagging yet', async (t) => {
  const { bus } = rig();
  const chip = await Mv88e6xxx.probe(bus, 0x10);
  await t.throwsAsync(chip.trapLacp(), { instanceOf: UsageError, message: /CPU port/ });
  await chip.trapLacp(5);
  t.pass();
});
