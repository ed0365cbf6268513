import test from 'ava';
import { VirtualClock } from '../lib/clock.ts';
import { DeviceError } from '../lib/errors.ts';
import { LocalMdioBus, MdioWire } from '../hal/mdio/wire.ts';
import { GenericPhy } from '../hal/phy/generic.ts';
import { probePhy } from '../hal/phy/index.ts';
import { MarvellPhy } from '../hal/phy/marvell.ts';
import type { PhyDriver, PhyStatus } from '../hal/phy/phy.ts';
import { MediatekGePhy } from '../hal/phy/mediatek.ts';
import { RealtekRtl8211fPhy } from '../hal/phy/realtek.ts';
import { SimPhy, type PhyModel, type SimPhyOptions } from '../hal/sim/phy.ts';

const ADDR = 5;
const MODELS: readonly PhyModel[] = ['generic', 'marvell-88e151x', 'marvell-6390-internal', 'realtek-rtl8211f', 'mediatek-mt7530', 'mediatek-mt7531'];

async function rig(opts: Partial<SimPhyOptions> = {}) {
  const clock = new VirtualClock();
  const wire = new MdioWire();
  const phy = new SimPhy({ model: 'generic', clock, ...opts });
  wire.attach(ADDR, phy);
  const bus = new LocalMdioBus(wire);
  const driver = await probePhy(bus, ADDR);
  bus.roundTrips = 0;
  return { clock, wire, phy, bus, driver };
}

const up = (speed: number, duplex: 'full' | 'half', autoneg = true): PhyStatus => ({ link: true, speed, duplex, autoneg, dropSeen: false });
const DOWN: PhyStatus = { link: false, speed: 0, duplex: 'unknown', autoneg: true, dropSeen: false };
const DROPPED: PhyStatus = { ...DOWN, dropSeen: true };

test('probePhy picks the driver by PHY ID', async (t) => {
  const expect: Record<PhyModel, { cls: new (...a: never[]) => PhyDriver; name: string; id: number }> = {
    generic: { cls: GenericPhy, name: 'generic', id: 0x0007c0f1 },
    'marvell-88e151x': { cls: MarvellPhy, name: 'Marvell 88E151x', id: 0x01410dd1 },
    'marvell-6390-internal': { cls: MarvellPhy, name: 'Marvell 88E6390 internal', id: 0x01410f90 },
    'realtek-rtl8211f': { cls: RealtekRtl8211fPhy, name: 'Realtek RTL8211F', id: 0x001cc916 },
    'mediatek-mt7530': { cls: MediatekGePhy, name: 'MediaTek MT7530 PHY', id: 0x03a29412 },
    'mediatek-mt7531': { cls: MediatekGePhy, name: 'MediaTek MT7531 PHY', id: 0x03a29441 },
  };
  for (const model of MODELS) {
    const { driver } = await rig({ model });
    t.true(driver instanceof expect[model].cls, model);
    t.is(driver.name, expect[model].name);
    t.is(driver.phyId, expect[model].id);
    t.is(driver.addr, ADDR);
  }
  // Other revisions of the Marvell parts match through the mask.
  t.is((await rig({ model: 'marvell-88e151x', phyId: 0x01410dd4 })).driver.name, 'Marvell 88E151x');
  t.is((await rig({ model: 'marvell-6390-internal', phyId: 0x01410f9a })).driver.name, 'Marvell 88E6390 internal');
  // The RTL8211E (0x001cc915) differs only in the revision nibble: it must not get the 8211F driver.
  t.is((await rig({ model: 'generic', phyId: 0x001cc915 })).driver.name, 'generic');
});

test('probePhy: an unknown ID gets the generic driver, reading status in one round trip', async (t) => {
  const { driver, phy, bus } = await rig({ model: 'generic', phyId: 0x00221620 });
  t.true(driver instanceof GenericPhy);
  t.is(driver.name, 'generic');
  t.is(driver.phyId, 0x00221620);
  phy.setCable(true);
  t.deepEqual(await driver.readStatus(), up(1000, 'full'));
  t.is(bus.roundTrips, 1);
});

test('probePhy reads both ID registers in one batch', async (t) => {
  const clock = new VirtualClock();
  const wire = new MdioWire();
  wire.attach(ADDR, new SimPhy({ model: 'marvell-88e151x', clock }));
  const bus = new LocalMdioBus(wire);
  await probePhy(bus, ADDR);
  t.is(bus.roundTrips, 1);
  t.is(wire.transactions, 2);
});

test('probePhy: nothing at the address, a PHY that does not answer, a stuck bus: DeviceError', async (t) => {
  const clock = new VirtualClock();
  const wire = new MdioWire();
  const bus = new LocalMdioBus(wire);
  await t.throwsAsync(probePhy(bus, 5), { instanceOf: DeviceError, message: 'no PHY answers at MDIO address 5 (ID 0xffffffff)' });
  const silent = new SimPhy({ model: 'realtek-rtl8211f', clock });
  silent.answers = false;
  wire.attach(7, silent);
  await t.throwsAsync(probePhy(bus, 7), { instanceOf: DeviceError, message: /address 7 \(ID 0xffffffff\)/ });
  wire.attach(9, { read: () => 0, write: () => {} });
  await t.throwsAsync(probePhy(bus, 9), { instanceOf: DeviceError, message: 'no PHY answers at MDIO address 9 (ID 0x00000000)' });
});

test('link, speed and duplex for each model and partner', async (t) => {
  const partners = [
    { partner: { speed: 1000, duplex: 'full' }, status: up(1000, 'full') },
    { partner: { speed: 100, duplex: 'full' }, status: up(100, 'full') },
    { partner: { speed: 100, duplex: 'half' }, status: up(100, 'half') },
    { partner: { speed: 10, duplex: 'half' }, status: up(10, 'half') },
  ] as const;
  for (const model of MODELS) {
    for (const c of partners) {
      const { driver, phy } = await rig({ model, partner: c.partner });
      t.deepEqual(await driver.readStatus(), DOWN, `${model} before the cable`);
      phy.setCable(true);
      t.deepEqual(await driver.readStatus(), c.status, `${model} with ${JSON.stringify(c.partner)}`);
    }
  }
});

test('a drop and return between two polls: reported down once with dropSeen, then up', async (t) => {
  for (const model of MODELS) {
    const { driver, phy } = await rig({ model });
    phy.setCable(true);
    t.deepEqual(await driver.readStatus(), up(1000, 'full'));
    phy.setCable(false);
    phy.setCable(true);
    t.true(phy.linkUp, 'the link is physically back');
    t.deepEqual(await driver.readStatus(), DROPPED, `${model}: the latched drop is reported`);
    t.deepEqual(await driver.readStatus(), up(1000, 'full'), `${model}: then the current link`);
    t.deepEqual(await driver.readStatus(), up(1000, 'full'));
  }
});

test('a link that was down is believed on either BMSR read (Linux reads again after a 0)', async (t) => {
  const { driver, phy } = await rig({ model: 'generic' });
  t.deepEqual(await driver.readStatus(), DOWN);
  // Up, down and up again between polls: the first read shows the latched drop, the second the link.
  phy.setCable(true);
  phy.setCable(false);
  phy.setCable(true);
  t.deepEqual(await driver.readStatus(), up(1000, 'full'));
  // A drop that stays down: reported with dropSeen once, then plain down.
  phy.setCable(false);
  t.deepEqual(await driver.readStatus(), DROPPED);
  t.deepEqual(await driver.readStatus(), DOWN);
});

test('autonegotiation: down until exactly autonegMs after the cable goes in', async (t) => {
  for (const model of MODELS) {
    const { driver, phy, clock } = await rig({ model, autonegMs: 2000 });
    phy.setCable(true);
    await clock.advance(1999);
    t.deepEqual(await driver.readStatus(), DOWN, model);
    await clock.advance(1);
    t.deepEqual(await driver.readStatus(), up(1000, 'full'), model);
  }
});

test('restartAutoneg: down while AN runs (BMCR restart set), up when it completes', async (t) => {
  for (const model of MODELS) {
    const { driver, phy, clock, wire } = await rig({ model, autonegMs: 500 });
    phy.setCable(true);
    await clock.advance(500);
    t.deepEqual(await driver.readStatus(), up(1000, 'full'));
    await driver.restartAutoneg();
    t.is(wire.read(ADDR, 0) & 0x1200, 0x1200, `${model}: AN enable and restart`);
    t.deepEqual(await driver.readStatus(), DROPPED, model);
    await clock.advance(499);
    t.deepEqual(await driver.readStatus(), DOWN, model);
    await clock.advance(1);
    t.deepEqual(await driver.readStatus(), up(1000, 'full'), model);
  }
});

test('restartAutoneg re-enables AN after forced mode and clears isolate', async (t) => {
  const { driver, phy, wire } = await rig({ model: 'generic' });
  phy.setCable(true);
  wire.write(ADDR, 0, 0x2500); // forced 100/full, isolated
  await driver.restartAutoneg();
  t.is(wire.read(ADDR, 0), 0x3100, 'speed100 | AN enable | full; restart already done (autonegMs 0)');
  t.deepEqual(await driver.readStatus(), up(1000, 'full'));
});

test('forced mode with AN off: speed and duplex from BMCR', async (t) => {
  for (const model of MODELS) {
    const { driver, phy, wire } = await rig({ model });
    phy.setCable(true);
    wire.write(ADDR, 0, 0x2100); // 100, full, AN off
    t.deepEqual(await driver.readStatus(), up(100, 'full', false), model);
    wire.write(ADDR, 0, 0x0000); // 10, half
    await driver.readStatus(); // the retrain drop
    t.deepEqual(await driver.readStatus(), up(10, 'half', false), model);
  }
});

test('the generic driver uses 1000BASE-T registers only when the PHY has them', async (t) => {
  // A 10/100 PHY that leaves registers 9/10 as a store must not be taken for 1000.
  const clock = new VirtualClock();
  const wire = new MdioWire();
  const sim = new SimPhy({ model: 'generic', clock });
  sim.setCable(true);
  const fastEthernet = {
    read: (reg: number) => (reg === 1 ? sim.read(1) & ~0x0100 : reg === 15 ? 0 : sim.read(reg)),
    write: (reg: number, v: number) => sim.write(reg, v),
  };
  wire.attach(ADDR, fastEthernet);
  const driver = await probePhy(new LocalMdioBus(wire), ADDR);
  t.deepEqual(await driver.readStatus(), up(100, 'full'));
});

test('forced link override: the PHY driver follows the registers, not the media', async (t) => {
  for (const model of MODELS) {
    const { driver, phy } = await rig({ model });
    phy.setCable(true);
    await driver.readStatus();
    phy.forceLink(false);
    t.true(phy.mediaLinkUp);
    t.deepEqual(await driver.readStatus(), DROPPED, model);
    t.deepEqual(await driver.readStatus(), DOWN, model);
    phy.forceLink(null);
    t.deepEqual(await driver.readStatus(), up(1000, 'full'), model);
    phy.setCable(false);
    phy.forceLink(true);
    await driver.readStatus();
    t.deepEqual(await driver.readStatus(), up(1000, 'full'), `${model}: forced up without a cable`);
  }
});

test('readVendorLink: Marvell reg 17 bit 10, Realtek PHYSR bit 2, generic has none', async (t) => {
  for (const model of MODELS) {
    const { driver, phy } = await rig({ model });
    // MediaTek's driver reads status the genphy way (mediatek-ge.c): no vendor link bit either.
    const none = model === 'generic' || model.startsWith('mediatek');
    t.is(await driver.readVendorLink(), none ? null : false, model);
    phy.setCable(true);
    t.is(await driver.readVendorLink(), none ? null : true, model);
    phy.forceLink(false);
    t.is(await driver.readVendorLink(), none ? null : false, model);
    // Real-time, not latched: back up reads up at once.
    phy.forceLink(null);
    t.is(await driver.readVendorLink(), none ? null : true, model);
  }
});

test('Marvell: page 0 selected means one round trip, and the page stays 0', async (t) => {
  for (const model of ['marvell-88e151x', 'marvell-6390-internal'] as const) {
    const { driver, phy, bus, wire } = await rig({ model });
    phy.setCable(true);
    await driver.readStatus();
    t.is(bus.roundTrips, 1, model);
    t.is(wire.read(ADDR, 22), 0);
    bus.roundTrips = 0;
    await driver.readVendorLink();
    await driver.readMmd(3, 20);
    await driver.restartAutoneg();
    t.is(bus.roundTrips, 3);
    t.is(wire.read(ADDR, 22), 0);
  }
});

test('Marvell: a non-zero page selected before the call is restored after every operation', async (t) => {
  const { driver, phy, bus, wire } = await rig({ model: 'marvell-88e151x', autonegMs: 0 });
  phy.setCable(true);
  const ops: [string, () => Promise<unknown>][] = [
    ['readStatus', () => driver.readStatus()],
    ['readVendorLink', () => driver.readVendorLink()],
    ['restartAutoneg', () => driver.restartAutoneg()],
    ['setLoopback(true)', () => driver.setLoopback(true)],
    ['setLoopback(false)', () => driver.setLoopback(false)],
    ['reset', () => driver.reset()],
    ['readMmd', () => driver.readMmd(7, 60)],
    ['writeMmd', () => driver.writeMmd(7, 60, 0x0002)],
  ];
  for (const [name, op] of ops) {
    wire.write(ADDR, 22, 3);
    wire.write(ADDR, 0, 0x0aaa); // page 3 register 0: must not be what the driver touches
    bus.roundTrips = 0;
    await op();
    t.is(wire.read(ADDR, 22), 3, `${name}: page restored`);
    t.is(bus.roundTrips, 2, `${name}: the restore is the second round trip`);
    t.is(wire.read(ADDR, 0), 0x0aaa, `${name}: page 3 untouched`);
  }
  // And the work was done on page 0.
  wire.write(ADDR, 22, 2);
  t.is(await driver.readMmd(7, 60), 0x0002);
  t.deepEqual(await driver.readStatus(), DROPPED, 'restart, loopback and reset dropped the link since the first poll');
  t.deepEqual(await driver.readStatus(), up(1000, 'full'));
  t.is(wire.read(ADDR, 22), 2);
});

test('Marvell: speed and duplex are unknown until register 17 says resolved', async (t) => {
  // A PHY whose BMSR says up and AN complete but whose copper status is not resolved yet.
  const clock = new VirtualClock();
  const wire = new MdioWire();
  const sim = new SimPhy({ model: 'marvell-88e151x', clock });
  sim.setCable(true);
  let resolved = false;
  wire.attach(ADDR, {
    read: (reg: number) => {
      const v = sim.read(reg);
      return reg === 17 && !resolved ? v & ~0x0800 : v;
    },
    write: (reg: number, v: number) => sim.write(reg, v),
  });
  const driver = await probePhy(new LocalMdioBus(wire), ADDR);
  t.deepEqual(await driver.readStatus(), { link: true, speed: 0, duplex: 'unknown', autoneg: true, dropSeen: false });
  resolved = true;
  t.deepEqual(await driver.readStatus(), up(1000, 'full'));
});

test('Realtek: PHYSR through page 0xA43, page restored; one round trip from page 0', async (t) => {
  const { driver, phy, bus, wire } = await rig({ model: 'realtek-rtl8211f', partner: { speed: 100, duplex: 'half' } });
  phy.setCable(true);
  t.deepEqual(await driver.readStatus(), up(100, 'half'));
  t.is(bus.roundTrips, 1);
  t.is(wire.read(ADDR, 0x1f), 0);
  wire.write(ADDR, 0x1f, 0xa42);
  bus.roundTrips = 0;
  t.deepEqual(await driver.readStatus(), up(100, 'half'));
  t.true(await driver.readVendorLink());
  t.is(bus.roundTrips, 4);
  t.is(wire.read(ADDR, 0x1f), 0xa42, 'page restored');
  // Unpaged IEEE operations leave the page alone and cost one round trip.
  bus.roundTrips = 0;
  await driver.readMmd(3, 20);
  await driver.restartAutoneg();
  t.is(bus.roundTrips, 2);
  t.is(wire.read(ADDR, 0x1f), 0xa42);
});

test('statusOps then statusFromValues is readStatus: one batch at the PHY address, nothing more from the usual page', async (t) => {
  const firstOps: Record<PhyModel, string> = {
    generic: 'read 0, read 1, read 1, read 4, read 5, read 9, read 10, read 15',
    'marvell-88e151x': 'read 22, read 0, read 1, read 1, read 17',
    'marvell-6390-internal': 'read 22, read 0, read 1, read 1, read 17',
    'realtek-rtl8211f': 'read 31, read 0, read 1, read 1, read 26',
    // genphy status, as mediatek-ge.c uses it.
    'mediatek-mt7530': 'read 0, read 1, read 1, read 4, read 5, read 9, read 10, read 15',
    'mediatek-mt7531': 'read 0, read 1, read 1, read 4, read 5, read 9, read 10, read 15',
  };
  for (const model of MODELS) {
    const { driver, phy, bus } = await rig({ model, partner: { speed: 100, duplex: 'full' } });
    const ops = driver.statusOps();
    t.is(ops.map((o) => `${o.op} ${o.reg}`).join(', '), firstOps[model], model);
    t.true(ops.every((o) => o.phy === ADDR));
    const poll = async () => driver.statusFromValues(await bus.run(driver.statusOps()));
    t.deepEqual(await poll(), DOWN, model);
    phy.setCable(true);
    t.deepEqual(await poll(), up(100, 'full'), model);
    phy.setCable(false);
    phy.setCable(true);
    t.deepEqual(await poll(), DROPPED, `${model}: the latched drop`);
    t.deepEqual(await poll(), up(100, 'full'), model);
    t.is(bus.roundTrips, 4, `${model}: one round trip per poll`);
  }
});

test('another page selected: a drop between polls is still reported, and the page is put back', async (t) => {
  // Marvell pages every register, so the first reads went to that page, not the copper
  // registers; Realtek does not page BMSR, so the driver keeps the BMSR it read and fetches
  // only PHYSR with its page selected. Either way the copper BMSR is read once per poll.
  for (const [model, pageReg, page] of [
    ['marvell-88e151x', 22, 3],
    ['realtek-rtl8211f', 0x1f, 0xa42],
  ] as const) {
    const { driver, phy, bus, wire } = await rig({ model, partner: { speed: 100, duplex: 'half' } });
    phy.setCable(true);
    t.deepEqual(await driver.readStatus(), up(100, 'half'));
    wire.write(ADDR, pageReg, page);
    phy.forceLink(false);
    phy.forceLink(null);
    bus.roundTrips = 0;
    t.deepEqual(await driver.readStatus(), DROPPED, model);
    t.is(bus.roundTrips, 2, `${model}: the first reads, then the paged read with the page put back in its batch`);
    t.is(wire.read(ADDR, pageReg), page, model);
    t.deepEqual(await driver.readStatus(), up(100, 'half'), model);
    t.is(wire.read(ADDR, pageReg), page, model);
  }
});

test('loopback: link up at the last speed without a partner; leaving it renegotiates', async (t) => {
  for (const model of MODELS) {
    const { driver, phy, wire, clock } = await rig({ model, autonegMs: 100, partner: { speed: 100, duplex: 'full' } });
    phy.setCable(true);
    await clock.advance(100);
    t.deepEqual(await driver.readStatus(), up(100, 'full'));
    await driver.setLoopback(true);
    t.is(wire.read(ADDR, 0), 0x6100, `${model}: loopback at 100/full, AN off`);
    t.false(phy.mediaLinkUp);
    t.deepEqual(await driver.readStatus(), up(100, 'full', false), model);
    await driver.setLoopback(false);
    t.is(wire.read(ADDR, 0), 0x1340, `${model}: BMCR as before, AN restarted`);
    t.deepEqual(await driver.readStatus(), DROPPED);
    await clock.advance(100);
    t.deepEqual(await driver.readStatus(), up(100, 'full'), model);
  }
});

test('loopback with no link seen yet runs at 1000/full', async (t) => {
  const { driver, wire } = await rig({ model: 'generic' });
  await driver.setLoopback(true);
  t.is(wire.read(ADDR, 0), 0x4140);
  t.deepEqual(await driver.readStatus(), up(1000, 'full', false));
  await driver.setLoopback(false);
  t.is(wire.read(ADDR, 0), 0x1340, 'AN restarted; no cable, so it stays pending');
  t.deepEqual(await driver.readStatus(), DROPPED);
});

test('reset: BMCR defaults back, link renegotiated, reported as a drop', async (t) => {
  for (const model of MODELS) {
    const { driver, phy, wire, clock } = await rig({ model, autonegMs: 50 });
    phy.setCable(true);
    await clock.advance(50);
    await driver.readStatus();
    wire.write(ADDR, 4, 0x0021);
    await driver.reset();
    t.is(wire.read(ADDR, 0), 0x1140, model);
    t.is(wire.read(ADDR, 4), 0x01e1, model);
    t.deepEqual(await driver.readStatus(), DROPPED, model);
    await clock.advance(50);
    t.deepEqual(await driver.readStatus(), up(1000, 'full'), model);
  }
});

test('reset times out with a DeviceError when BMCR reset never clears', async (t) => {
  const clock = new VirtualClock();
  const wire = new MdioWire();
  const sim = new SimPhy({ model: 'generic', clock });
  wire.attach(ADDR, { read: (reg: number) => (reg === 0 ? 0x8000 : sim.read(reg)), write: () => {} });
  const driver = await probePhy(new LocalMdioBus(wire), ADDR);
  await t.throwsAsync(driver.reset(), { instanceOf: DeviceError });
});

test('MMD access through registers 13/14 in one round trip', async (t) => {
  for (const model of MODELS) {
    const { driver, phy, bus, wire } = await rig({ model, partner: { speed: 100, duplex: 'full' } });
    t.is(await driver.readMmd(3, 20), 0x0006, `${model}: EEE capability`);
    t.is(await driver.readMmd(7, 60), 0x0006, `${model}: EEE advertisement`);
    await driver.writeMmd(7, 60, 0x0004);
    t.is(await driver.readMmd(7, 60), 0x0004);
    t.is(await driver.readMmd(7, 61), 0x0000, 'no partner yet');
    phy.setCable(true);
    t.is(await driver.readMmd(7, 61), 0x0002, 'partner: 100BASE-TX EEE');
    await driver.writeMmd(31, 0xffff, 0xbeef);
    t.is(await driver.readMmd(31, 0xffff), 0xbeef);
    t.is(bus.roundTrips, 8, model);
    // The driver leaves MMD_CTRL in data/no-increment mode on the last device it used.
    t.is(wire.read(ADDR, 13), 0x401f);
    await t.throwsAsync(driver.readMmd(32, 0), { instanceOf: RangeError });
    await t.throwsAsync(driver.writeMmd(1, 0x10000, 0), { instanceOf: RangeError });
  }
});
