/** PhyDriver.readLinkModes (what `ethtool` shows of a PHY) against the emulated PHYs. */
import test from 'ava';
import { VirtualClock } from '../lib/clock.ts';
import { LocalMdioBus, MdioWire } from '../hal/mdio/wire.ts';
import { probePhy } from '../hal/phy/index.ts';
import { linkModeBits } from '../hal/phy/link-modes.ts';
import { SimPhy, type SimPhyOptions } from '../hal/sim/phy.ts';

const ADDR = 3;

async function rig(opts: Partial<SimPhyOptions> = {}) {
  const clock = new VirtualClock();
  const wire = new MdioWire();
  const phy = new SimPhy({ model: 'generic', clock, ...opts });
  phy.setCable(true);
  wire.attach(ADDR, phy);
  const bus = new LocalMdioBus(wire);
  const driver = await probePhy(bus, ADDR);
  return { phy, bus, driver };
}

// ethtool link-mode bits: 0 10baseT/Half, 1 10baseT/Full, 2 100baseT/Half, 3 100baseT/Full,
// 4 1000baseT/Half, 5 1000baseT/Full, 6 Autoneg, 7 TP, 9 MII, 13 Pause, 14 Asym_Pause.
const ALL_COPPER = [0, 1, 2, 3, 4, 5];

test('generic PHY, 1000/full with a 1000/full partner: abilities, advertisement, partner, master/slave', async (t) => {
  const { driver } = await rig();
  await driver.readStatus();
  const m = await driver.readLinkModes();
  t.deepEqual(linkModeBits(m.supported), [...ALL_COPPER, 6, 7, 9, 13, 14], 'BMSR and ESTATUS, the ports, phylib\'s pause bits');
  t.deepEqual(linkModeBits(m.advertising), [0, 1, 2, 3, 5, 6], 'ANAR 0x01E1, CTRL1000 1000/full, AN on');
  t.deepEqual(linkModeBits(m.lpAdvertising), [...ALL_COPPER, 6], 'LPA with ACK, STAT1000 both gigabit modes');
  t.like(m, { autoneg: true, link: true, speed: 1000, duplex: 'full', mdix: 'invalid' });
  t.deepEqual(m.masterSlave, { cfg: 'preferred slave', state: 'slave' });
});

test('Marvell PHY: MDI-X from the copper status once resolved, no master/slave; down and forced', async (t) => {
  const { driver, phy, bus } = await rig({ model: 'marvell-88e151x' });
  await driver.readStatus();
  const before = bus.roundTrips;
  const up = await driver.readLinkModes();
  t.is(bus.roundTrips - before, 1, 'one batch');
  t.like(up, { link: true, speed: 1000, duplex: 'full', mdix: 'mdi', masterSlave: null });
  t.deepEqual(linkModeBits(up.lpAdvertising), [...ALL_COPPER, 6]);

  phy.setCable(false);
  await driver.readStatus();
  const down = await driver.readLinkModes();
  t.like(down, { link: false, speed: 0, duplex: 'unknown', mdix: 'invalid', lpAdvertising: 0, autoneg: true });

  // Forced 100/full (BMCR: AN off, speed 100, full duplex): no partner modes, Autoneg not advertised.
  phy.setCable(true);
  await bus.write(ADDR, 0, 0x2100);
  await driver.readStatus();
  const forced = await driver.readLinkModes();
  t.like(forced, { link: true, autoneg: false, speed: 100, duplex: 'full', mdix: 'mdi', lpAdvertising: 0 });
  t.deepEqual(linkModeBits(forced.advertising), [0, 1, 2, 3, 5], 'ANAR and CTRL1000 unchanged, without Autoneg');
});

test('a partner that only does 100/full: resolved to 100/full, its modes reported', async (t) => {
  for (const model of ['generic', 'marvell-6390-internal', 'realtek-rtl8211f'] as const) {
    const { driver } = await rig({ model, partner: { speed: 100, duplex: 'full' } });
    await driver.readStatus();
    const m = await driver.readLinkModes();
    t.like(m, { link: true, speed: 100, duplex: 'full' }, model);
    t.deepEqual(linkModeBits(m.lpAdvertising), [0, 1, 2, 3, 6], model);
    t.is(m.masterSlave === null, model !== 'generic' && model !== 'realtek-rtl8211f', `${model}: master/slave only from genphy-based drivers`);
  }
});

test('reading the link modes does not consume a latched link drop: the next status poll still sees it', async (t) => {
  const { driver, phy } = await rig({ model: 'marvell-88e151x' });
  t.true((await driver.readStatus()).link);
  phy.forceLink(false);
  phy.forceLink(null); // down and up again between two polls: BMSR holds the drop
  await driver.readLinkModes();
  const next = await driver.readStatus();
  t.true(next.dropSeen, 'the poll after ethtool still reports the drop');
});

test('before any status poll, reading the link modes polls first', async (t) => {
  const { driver, bus } = await rig();
  const m = await driver.readLinkModes();
  t.is(bus.roundTrips, 3, 'probe, the poll, the link-mode batch');
  t.like(m, { link: true, speed: 1000 });
});
