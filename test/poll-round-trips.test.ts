import test from 'ava';
import { gw8_6390 } from '../boards/gw8-6390.ts';
import { simMt7531 } from '../boards/sim-mt7531.ts';
import type { BoardPort } from '../hal/board.ts';
import { bootTest, marvellSim, type TestSystem } from './helpers/sim.ts';

// Board.poll() is the link-state poll the firmware runs every pollIntervalMs. Behind the
// serial bridge every MdioBus batch is one UART round trip, so a poll where nothing changed
// must be one batch (every port's MAC side and the switch's PHY change bits), and one where
// something did one more (the PHYs concerned): LocalMdioBus.roundTrips counts them.

/** Runs one poll by hand; resolves with the bus round trips it cost. */
async function pollCost(s: TestSystem): Promise<number> {
  const before = s.hw.bus.roundTrips;
  await s.board.poll();
  return s.hw.bus.roundTrips - before;
}

function summary(p: BoardPort): string {
  return `${p.name} carrier ${p.carrier ? 'up' : 'down'} phy ${p.phy.link ? `up ${p.phy.speed} ${p.phy.duplex}` : 'down'}${p.phy.dropSeen ? ' (drop seen)' : ''}`;
}

for (const [def, drop, pull] of [
  [undefined, 'eth1', 'eth3'],
  [simMt7531, 'eth1', 'eth3'],
  [gw8_6390, 'lan5', 'lan8'],
] as const) {
  const board = def?.name ?? 'sim-gw4';
  test(`${board}: one poll of every port is one round trip; after a short PHY drop and a cable pull, one more for that PHY until it settles`, async (t) => {
    const s = await bootTest(def);
    t.is(s.board.ports.length, board === 'gw8-6390' ? 8 : 4);
    t.is(await pollCost(s), 1);
    for (const p of s.board.ports) t.is(summary(p), `${p.name} carrier up phy up 1000 full`);

    // Down and up again between two polls: the switch's change bits name the PHY, and genphy
    // reports the latched drop once; the reading that saw a drop is checked at the next poll.
    await s.run(`sim phy ${drop} down`);
    await s.run(`sim phy ${drop} up`);
    const dropped = s.board.port(drop)!;
    t.is(await pollCost(s), 2);
    t.is(summary(dropped), `${drop} carrier up phy down (drop seen)`);
    t.is(await pollCost(s), 2);
    t.is(summary(dropped), `${drop} carrier up phy up 1000 full`);
    t.is(await pollCost(s), 1);

    await s.run(`sim link ${pull} down`);
    t.is(await pollCost(s), 2);
    t.is(summary(s.board.port(pull)!), `${pull} carrier down phy down (drop seen)`);
    t.is(await pollCost(s), 2);
    t.is(summary(s.board.port(pull)!), `${pull} carrier down phy down`);
    t.is(await pollCost(s), 1);
    for (const p of s.board.ports) t.is(p.pollErrors, 0);
    t.regex(await s.run('log'), new RegExp(`${drop}: PHY link down\\n.*${drop}: PHY link up[\\s\\S]*${pull}: link down`));
  });
}

// Marvell only from here: the Global2 PHY unit and the Marvell PHY's pages. The MT7531's
// PHY_IAC counterparts (slow and wedged) are in mt7530-driver.test.ts.
for (const busyPolls of [2, 3]) {
  test(`Global2 BUSY for ${busyPolls} reads: the optimistic reads are not used, the slow path gives the right status`, async (t) => {
    const s = await bootTest();
    marvellSim(s).busyPolls = busyPolls;
    s.hw.phys[2].setPartner({ speed: 100, duplex: 'half' });
    await s.run('sim link eth3 down');
    t.true((await pollCost(s)) > 1, 'the slow path costs more round trips');
    await s.board.poll();
    const [eth0, , eth2, eth3] = s.board.ports;
    t.is(summary(eth0), 'eth0 carrier up phy up 1000 full');
    t.is(summary(eth2), 'eth2 carrier up phy up 100 half');
    t.is(eth2.macSpeed, 100);
    t.is(summary(eth3), 'eth3 carrier down phy down');
    for (const p of s.board.ports) t.is(p.pollErrors, 0);
    marvellSim(s).busyPolls = 1;
    t.is(await pollCost(s), 1, 'back to one round trip');
    t.is(summary(eth2), 'eth2 carrier up phy up 100 half');
  });
}

test('Global2 BUSY stuck: each PHY read fails with a DeviceError counted for its port; the MAC side is still polled', async (t) => {
  const s = await bootTest();
  s.hw.chip.stuckPhyBusy = true;
  await s.run('sim link eth3 down');
  // A bridge interrupt line for every port (as sim-gw4's bridge has): every PHY is read.
  for (const p of s.board.ports) p.phyInterrupt = true;
  await s.board.poll();
  const [eth0, , , eth3] = s.board.ports;
  for (const p of s.board.ports) t.is(p.pollErrors, 1, p.name);
  t.false(eth3.carrier, 'the port status read still went through');
  t.true(eth3.phy.link, 'the PHY status is the last one read');
  t.true(eth0.carrier && eth0.phy.link);
  const log = await s.run('log');
  for (const p of s.board.ports) t.true(log.includes(`${p.name}: PHY read failed: mv88e6xxx at SMI 0x10: Global2 PHY command stays busy after 16 polls`), p.name);
  t.regex(log, /eth3: link down/);

  s.hw.chip.stuckPhyBusy = false;
  t.is(await pollCost(s), 2, 'the PHYs that could not be read are read at the next poll');
  t.is(summary(eth3), 'eth3 carrier down phy down (drop seen)');
  t.is(summary(eth0), 'eth0 carrier up phy up 1000 full');
  for (const p of s.board.ports) t.is(p.pollErrors, 1, `${p.name}: no new errors`);
});

test('Marvell page left at 2 by someone else: speed and duplex from page 0, page 2 put back, a drop still seen', async (t) => {
  const s = await bootTest();
  const phy = s.hw.phys[1];
  phy.setPartner({ speed: 100, duplex: 'full' });
  await s.board.poll(); // the renegotiation's drop
  await s.board.poll();
  const eth1 = s.board.ports[1];
  t.is(summary(eth1), 'eth1 carrier up phy up 100 full');

  phy.write(22, 2);
  phy.write(17, 0x1234); // page 2 register 17: not the copper status
  eth1.phyInterrupt = true; // a bridge interrupt line: the poll reads the PHY
  t.is(await pollCost(s), 3, 'the poll, its PHY reads, then page 0 selected, read and page 2 put back in one batch');
  t.is(summary(eth1), 'eth1 carrier up phy up 100 full');
  t.is(phy.read(22), 2, 'page restored');
  t.is(phy.read(17), 0x1234);

  // The reads on page 2 did not touch the copper BMSR: its latched drop is still reported.
  await s.run('sim phy eth1 down');
  await s.run('sim phy eth1 up');
  await s.board.poll();
  t.is(summary(eth1), 'eth1 carrier up phy down (drop seen)');
  t.is(phy.read(22), 2);
  phy.write(22, 0);
  t.is(await pollCost(s), 2, 'the reading that saw a drop is checked again');
  t.is(summary(eth1), 'eth1 carrier up phy up 100 full');
  t.is(await pollCost(s), 1);
});
