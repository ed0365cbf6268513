import test from 'ava';
import fc from 'fast-check';
import { VirtualClock } from '../lib/clock.ts';
import { MdioWire, type MdioTarget } from '../hal/mdio/wire.ts';
import { SimPhy, SIM_PHY_IDS, type PhyModel, type SimPhyOptions } from '../hal/sim/phy.ts';

const ADDR = 3;
const MODELS: readonly PhyModel[] = ['generic', 'marvell-88e151x', 'marvell-6390-internal', 'realtek-rtl8211f'];

// BMSR with no link: 10/100 HD+FD, extended status, preamble suppression, AN-capable, extended caps.
const BMSR_NO_LINK = 0x7949;
// ... plus link status (0x0004) and AN complete (0x0020).
const BMSR_UP = 0x796d;

function rig(opts: Partial<SimPhyOptions> = {}) {
  const clock = new VirtualClock();
  const wire = new MdioWire();
  const phy = new SimPhy({ model: 'generic', clock, ...opts });
  wire.attach(ADDR, phy);
  const rd = (reg: number): number => wire.read(ADDR, reg);
  const wr = (reg: number, value: number): void => wire.write(ADDR, reg, value);
  return { clock, wire, phy, rd, wr };
}

test('reset values of the IEEE registers and the ID of each model', (t) => {
  for (const model of MODELS) {
    const { rd } = rig({ model });
    t.is(rd(0), 0x1140, `${model} BMCR: AN enable, full duplex, 1000`);
    t.is(rd(1), BMSR_NO_LINK, `${model} BMSR`);
    t.is((rd(2) << 16) | rd(3), SIM_PHY_IDS[model], `${model} PHYSID`);
    t.is(rd(4), 0x01e1, `${model} ANAR: 10/100 HD+FD, CSMA`);
    t.is(rd(5), 0x0000, `${model} ANLPAR before AN`);
    t.is(rd(9), 0x0200, `${model} CTRL1000: advertise 1000FD`);
    t.is(rd(10), 0x0000, `${model} STAT1000 before AN`);
    t.is(rd(13), 0x0000, `${model} MMD_CTRL`);
    t.is(rd(15), 0x3000, `${model} ESTATUS: 1000BASE-T FD+HD`);
  }
  t.is(SIM_PHY_IDS['marvell-88e151x'], 0x01410dd1);
  t.is(SIM_PHY_IDS['marvell-6390-internal'], 0x01410f90);
  t.is(SIM_PHY_IDS['realtek-rtl8211f'], 0x001cc916);
  const { rd } = rig({ phyId: 0x12345678 });
  t.is(rd(2), 0x1234);
  t.is(rd(3), 0x5678);
});

test('cable in with autonegMs 0: link and AN complete at once, partner abilities visible', (t) => {
  const { phy, rd } = rig();
  phy.setCable(true);
  t.true(phy.linkUp);
  t.true(phy.mediaLinkUp);
  t.is(rd(1), BMSR_UP);
  t.is(rd(5), 0x41e1, 'ANLPAR: ACK, 100FD/HD, 10FD/HD, CSMA');
  // STAT1000: partner 1000FD 0x0800 + 1000HD 0x0400, local 0x2000 and remote 0x1000 receiver OK.
  t.is(rd(10), 0x3c00);
  t.is(rd(6), 0x000f, 'ANER: partner AN-able, page received, NP-able, partner NP-able');
  t.is(rd(6), 0x000d, 'page received is latched high and clears on read');
  t.is(phy.speed, 1000);
  t.is(phy.duplex, 'full');
});

test('BMSR link bit is latched low until read, then shows the current link', (t) => {
  const { phy, rd } = rig();
  phy.setCable(true);
  t.is(rd(1) & 0x0004, 0x0004);
  phy.setCable(false);
  phy.setCable(true); // back before anyone read BMSR
  t.true(phy.linkUp);
  t.is(rd(1) & 0x0004, 0, 'the drop is still latched');
  t.is(rd(1) & 0x0004, 0x0004, 'second read: current link');
  // A drop that stays down reads 0 on both reads.
  phy.setCable(false);
  t.is(rd(1) & 0x0024, 0);
  t.is(rd(1) & 0x0024, 0);
});

test('autonegotiation completes exactly autonegMs after the cable goes in, not 1 ms earlier', async (t) => {
  const { phy, rd, clock } = rig({ autonegMs: 1500 });
  phy.setCable(true);
  t.false(phy.mediaLinkUp);
  await clock.advance(1499);
  t.false(phy.mediaLinkUp);
  t.false(phy.linkUp);
  t.is(rd(1), BMSR_NO_LINK);
  t.is(rd(5), 0);
  await clock.advance(1);
  t.true(phy.mediaLinkUp);
  t.true(phy.linkUp);
  t.is(rd(1), BMSR_UP);
  // Pulling drops the link at once.
  phy.setCable(false);
  t.false(phy.linkUp);
  t.is(rd(1), BMSR_NO_LINK);
  // A cable pulled during negotiation cancels it.
  phy.setCable(true);
  await clock.advance(1000);
  phy.setCable(false);
  await clock.advance(5000);
  t.false(phy.mediaLinkUp);
  t.is(clock.pending, 0);
});

test('autonegMs can change; it applies to the next negotiation', async (t) => {
  const { phy, clock } = rig();
  t.is(phy.autonegMs, 0);
  phy.autonegMs = 200;
  t.is(phy.autonegMs, 200);
  phy.setCable(true);
  await clock.advance(199);
  t.false(phy.linkUp);
  await clock.advance(1);
  t.true(phy.linkUp);
  t.throws(() => (phy.autonegMs = -1), { instanceOf: RangeError });
});

test('AN restart drops the link, reads set until AN completes, then self-clears', async (t) => {
  const { phy, rd, wr, clock } = rig({ autonegMs: 1000 });
  phy.setCable(true);
  await clock.advance(1000);
  rd(1);
  wr(0, 0x1340); // AN enable | restart | full | 1000
  t.is(rd(0), 0x1340);
  t.false(phy.linkUp);
  t.false(phy.mediaLinkUp);
  t.is(rd(1), BMSR_NO_LINK, 'link and AN complete both clear while negotiating');
  wr(0, 0x1140); // writing 0 to the self-clearing bit does not cancel it
  t.is(rd(0), 0x1340);
  await clock.advance(999);
  t.false(phy.linkUp);
  await clock.advance(1);
  t.is(rd(0), 0x1140);
  t.true(phy.linkUp);
  t.is(rd(1), BMSR_UP);
});

test('toggling AN enable renegotiates; AN restart without AN enable does nothing', async (t) => {
  const { phy, rd, wr, clock } = rig({ autonegMs: 100 });
  phy.setCable(true);
  await clock.advance(100);
  wr(0, 0x0140); // AN off, forced 1000/full
  t.false(phy.linkUp, 'leaving AN retrains the link');
  await clock.advance(100);
  t.true(phy.linkUp);
  t.is(rd(1) & 0x0020, 0, 'no AN complete in forced mode');
  wr(0, 0x0340); // restart with AN off: ignored, bit reads 0
  t.is(rd(0), 0x0140);
  t.true(phy.linkUp);
  wr(0, 0x1140); // AN back on
  t.false(phy.linkUp);
  await clock.advance(100);
  t.true(phy.linkUp);
  t.is(rd(1) & 0x0020, 0x0020);
});

test('software reset self-clears, restores defaults and renegotiates', async (t) => {
  const { phy, rd, wr, clock } = rig({ autonegMs: 50 });
  phy.setCable(true);
  await clock.advance(50);
  rd(1);
  wr(4, 0x0061);
  wr(9, 0x0000);
  wr(13, 0x0007);
  wr(0, 0x8000);
  t.is(rd(0), 0x1140, 'reset bit self-clears, BMCR back to default');
  t.is(rd(4), 0x01e1);
  t.is(rd(9), 0x0200);
  t.is(rd(13), 0);
  t.false(phy.linkUp);
  await clock.advance(50);
  t.true(phy.linkUp);
  t.is(rd(1) & 0x0004, 0, 'the reset drop was latched');
  t.is(rd(1) & 0x0004, 0x0004);
  // Reset leaves power-down.
  wr(0, 0x1940);
  t.false(phy.linkUp);
  wr(0, 0x8000);
  t.is(rd(0), 0x1140);
  await clock.advance(50);
  t.true(phy.linkUp);
});

test('power-down drops the link on both sides; powering up renegotiates', async (t) => {
  const { phy, rd, wr, clock } = rig({ autonegMs: 300 });
  phy.setCable(true);
  await clock.advance(300);
  wr(0, 0x1940);
  t.false(phy.linkUp);
  t.false(phy.mediaLinkUp);
  rd(1);
  t.is(rd(1), BMSR_NO_LINK);
  phy.forceLink(true);
  t.false(phy.linkUp, 'the override cannot bring up a powered-down PHY');
  phy.forceLink(null);
  wr(0, 0x1140);
  await clock.advance(299);
  t.false(phy.linkUp);
  await clock.advance(1);
  t.true(phy.linkUp);
});

test('loopback reports link up at the forced speed without a partner; leaving it renegotiates', async (t) => {
  const { phy, rd, wr, clock } = rig({ autonegMs: 100 });
  wr(0, 0x4140); // loopback, 1000, full, AN off
  t.true(phy.linkUp);
  t.false(phy.mediaLinkUp, 'no cable');
  t.is(rd(1) & 0x0024, 0x0004, 'link, no AN complete');
  t.is(phy.speed, 1000);
  phy.setCable(true);
  await clock.advance(100);
  t.false(phy.mediaLinkUp, 'loopback keeps the line side down');
  wr(0, 0x6100); // loopback at 100/full
  t.is(phy.speed, 100);
  wr(0, 0x1140); // back to AN
  t.false(phy.linkUp);
  await clock.advance(100);
  t.true(phy.linkUp);
  t.true(phy.mediaLinkUp);
});

test('forceLink overrides the PHY registers only; mediaLinkUp follows the cable', (t) => {
  const { phy, rd } = rig({ model: 'marvell-88e151x' });
  phy.setCable(true);
  rd(1);
  phy.forceLink(false);
  t.false(phy.linkUp);
  t.true(phy.mediaLinkUp);
  t.is(rd(17) & 0x0c00, 0, 'Marvell real-time link and resolved clear');
  phy.forceLink(null);
  t.true(phy.linkUp);
  t.is(rd(1) & 0x0004, 0, 'the forced drop was latched');
  t.is(rd(1) & 0x0004, 0x0004);
  // Forced up with no cable: the registers say up (and negotiated), the media side does not.
  phy.setCable(false);
  phy.forceLink(true);
  t.true(phy.linkUp);
  t.false(phy.mediaLinkUp);
  rd(1); // the pull was latched
  t.is(rd(1), BMSR_UP);
  t.is(rd(17) & 0x0c00, 0x0c00);
  // A cable event does not clear the override (the world's `sim link` does that itself).
  phy.setCable(true);
  phy.forceLink(false);
  phy.setCable(false);
  phy.setCable(true);
  t.false(phy.linkUp);
  t.true(phy.mediaLinkUp);
});

test('onLinkChange: every listener hears changes of linkUp or mediaLinkUp, once per change', async (t) => {
  const { phy, clock } = rig({ autonegMs: 10 });
  const a: boolean[] = [];
  const b: string[] = [];
  phy.onLinkChange((up) => a.push(up));
  const second = (up: boolean): void => {
    b.push(`${up}/${phy.mediaLinkUp}`);
  };
  phy.onLinkChange(second);
  phy.setCable(true);
  t.deepEqual(a, []);
  await clock.advance(10);
  t.deepEqual(a, [true]);
  phy.forceLink(false); // linkUp changes
  phy.forceLink(false); // nothing changes
  phy.setCable(false); // mediaLinkUp changes
  t.deepEqual(b, ['true/true', 'false/true', 'false/false']);
  phy.offLinkChange(second);
  phy.forceLink(null);
  phy.setCable(true);
  await clock.advance(10);
  t.deepEqual(a, [true, false, false, true]);
  t.is(b.length, 3);
});

test('speed and duplex resolve to the highest common mode with each partner', async (t) => {
  const cases = [
    { partner: { speed: 1000, duplex: 'full' }, speed: 1000, duplex: 'full', lpa: 0x41e1, stat1000: 0x3c00 },
    // We do not advertise 1000HD by default (CTRL1000 0x0200): a 1000/half partner meets us at 100/half.
    { partner: { speed: 1000, duplex: 'half' }, speed: 100, duplex: 'half', lpa: 0x40a1, stat1000: 0x0400 },
    { partner: { speed: 100, duplex: 'full' }, speed: 100, duplex: 'full', lpa: 0x41e1, stat1000: 0x0000 },
    { partner: { speed: 100, duplex: 'half' }, speed: 100, duplex: 'half', lpa: 0x40a1, stat1000: 0x0000 },
    { partner: { speed: 10, duplex: 'full' }, speed: 10, duplex: 'full', lpa: 0x4061, stat1000: 0x0000 },
    { partner: { speed: 10, duplex: 'half' }, speed: 10, duplex: 'half', lpa: 0x4021, stat1000: 0x0000 },
  ] as const;
  for (const c of cases) {
    const { phy, rd } = rig({ partner: c.partner });
    phy.setCable(true);
    t.true(phy.linkUp);
    t.is(phy.speed, c.speed, JSON.stringify(c.partner));
    t.is(phy.duplex, c.duplex, JSON.stringify(c.partner));
    t.is(rd(5), c.lpa, `ANLPAR with ${JSON.stringify(c.partner)}`);
    t.is(rd(10), c.stat1000, `STAT1000 with ${JSON.stringify(c.partner)}`);
  }
  // Advertising 1000HD too, the same partner meets us at 1000/half.
  const { phy, rd, wr, clock } = rig({ partner: { speed: 1000, duplex: 'half' }, autonegMs: 20 });
  wr(9, 0x0300);
  phy.setCable(true);
  await clock.advance(20);
  t.deepEqual([phy.speed, phy.duplex], [1000, 'half']);
  t.is(rd(10), 0x3400);
  // A new partner renegotiates.
  phy.setPartner({ speed: 10, duplex: 'full' });
  t.false(phy.linkUp);
  await clock.advance(20);
  t.deepEqual([phy.speed, phy.duplex, phy.linkUp], [10, 'full', true]);
});

test('a narrower advertisement takes effect at the next negotiation; no common mode means no link', async (t) => {
  const { phy, rd, wr, clock } = rig({ autonegMs: 10 });
  phy.setCable(true);
  await clock.advance(10);
  wr(4, 0x0041); // 10FD only
  wr(9, 0x0000);
  t.is(phy.speed, 1000, 'the running link keeps what it negotiated');
  wr(0, 0x1340);
  await clock.advance(10);
  t.deepEqual([phy.speed, phy.duplex], [10, 'full']);
  phy.setPartner({ speed: 10, duplex: 'half' });
  await clock.advance(10);
  t.false(phy.mediaLinkUp, 'AN completes but finds nothing in common');
  t.is(rd(1) & 0x0020, 0x0020);
  t.is(rd(1) & 0x0004, 0);
});

test('forced mode with AN off: BMCR speed and duplex, link if the partner can run that speed', async (t) => {
  const { phy, rd, wr, clock } = rig({ autonegMs: 30 });
  phy.setCable(true);
  await clock.advance(30);
  wr(0, 0x2100); // 100, full, AN off
  t.false(phy.linkUp);
  await clock.advance(30);
  t.true(phy.linkUp);
  t.deepEqual([phy.speed, phy.duplex], [100, 'full']);
  t.is(rd(0), 0x2100);
  wr(0, 0x0000); // 10/half: a forced-mode change retrains
  t.false(phy.linkUp);
  await clock.advance(30);
  t.deepEqual([phy.speed, phy.duplex, phy.linkUp], [10, 'half', true]);
  phy.setPartner({ speed: 100, duplex: 'full' });
  wr(0, 0x0140); // forced 1000: a 100 partner cannot
  await clock.advance(30);
  t.false(phy.linkUp);
});

test('MMD access through registers 13/14: address, no increment, increment on r+w, on write', (t) => {
  const { rd, wr } = rig();
  const select = (devad: number, reg: number, fn: number): void => {
    wr(13, devad);
    wr(14, reg);
    wr(13, fn | devad);
  };
  // EEE capability (3.20) and advertisement (7.60) defaults; LP ability (7.61) 0 before AN.
  select(3, 20, 0x4000);
  t.is(rd(14), 0x0006);
  t.is(rd(14), 0x0006, 'no increment');
  wr(14, 0x1234);
  t.is(rd(14), 0x0006, 'read-only');
  select(7, 60, 0x4000);
  t.is(rd(14), 0x0006);
  select(7, 61, 0x4000);
  t.is(rd(14), 0x0000);
  // Increment on read and write.
  select(1, 0x100, 0x4000);
  wr(14, 0xaaaa);
  select(1, 0x101, 0x4000);
  wr(14, 0xbbbb);
  select(1, 0x100, 0x8000);
  t.is(rd(14), 0xaaaa);
  t.is(rd(14), 0xbbbb);
  t.is(rd(14), 0x0000);
  wr(13, 0x0001); // address mode shows the address register, now 0x103
  t.is(rd(14), 0x0103);
  // Increment on write only.
  select(1, 0x200, 0xc000);
  wr(14, 0x1111);
  wr(14, 0x2222);
  t.is(rd(14), 0x0000, 'reads do not move the address: this is 0x202');
  t.is(rd(14), 0x0000);
  select(1, 0x200, 0x4000);
  t.is(rd(14), 0x1111);
  select(1, 0x201, 0x4000);
  t.is(rd(14), 0x2222);
  // Each MMD has its own address register.
  wr(13, 0x0003);
  t.is(rd(14), 20);
  wr(13, 0x0007);
  t.is(rd(14), 61);
  t.is(rd(13), 0x0007);
});

test('MMD 7.61: partner EEE ability once AN is complete', (t) => {
  const { phy, rd, wr } = rig({ partner: { speed: 100, duplex: 'full' } });
  phy.setCable(true);
  wr(13, 7);
  wr(14, 61);
  wr(13, 0x4007);
  t.is(rd(14), 0x0002, '100BASE-TX EEE only');
});

test('direct Clause 45 frames are not answered', (t) => {
  const { phy, wire } = rig();
  t.is((phy as MdioTarget).read45, undefined);
  t.is(wire.read45(ADDR, 3, 20), 0xffff);
  wire.write45(ADDR, 3, 20, 0);
});

test('Marvell: page 22 selects pages, page 0 reg 17 is copper status', async (t) => {
  for (const model of ['marvell-88e151x', 'marvell-6390-internal'] as const) {
    const { phy, rd, wr, clock } = rig({ model, autonegMs: 100 });
    t.is(rd(22), 0);
    // Not resolved while negotiating: bits 15:13 carry no valid data (here the would-be 1000/full).
    phy.setCable(true);
    t.is(rd(17) & 0x0c00, 0);
    await clock.advance(100);
    t.is(rd(17), 0xac00, `${model}: 1000 (0x8000), full (0x2000), resolved (0x0800), link (0x0400)`);
    wr(17, 0);
    t.is(rd(17), 0xac00, 'read-only');
    phy.setPartner({ speed: 100, duplex: 'half' });
    await clock.advance(100);
    t.is(rd(17), 0x4c00);
    phy.setPartner({ speed: 10, duplex: 'full' });
    await clock.advance(100);
    t.is(rd(17), 0x2c00);
    // Other pages are a plain store, separate from the IEEE registers.
    wr(22, 3);
    t.is(rd(22), 3);
    t.is(rd(0), 0);
    wr(0, 0xbeef);
    wr(17, 0x1234);
    t.is(rd(0), 0xbeef);
    t.is(rd(17), 0x1234);
    wr(22, 0);
    t.is(rd(0), 0x1140, 'page 0 BMCR untouched');
    t.is(rd(17), 0x2c00);
    wr(16, 0x0060);
    t.is(rd(16), 0x0060, 'page 0 vendor registers are a store');
  }
});

test('Realtek RTL8211F: page 0x1F pages 0x10-0x1E; PHYSR at 0xA43/0x1A and on page 0', async (t) => {
  const { phy, rd, wr, clock } = rig({ model: 'realtek-rtl8211f', autonegMs: 10 });
  t.is(rd(0x1a), 0, 'no link');
  phy.setCable(true);
  await clock.advance(10);
  t.is(rd(0x1a), 0x002c, 'page 0: link 0x4, full 0x8, 1000 0x20');
  wr(0x1f, 0xa43);
  t.is(rd(0x1f), 0xa43);
  t.is(rd(0x1a), 0x002c);
  t.is(rd(0), 0x1140, 'registers 0-15 are not paged');
  t.is(rd(1), BMSR_UP);
  wr(0x1f, 0xa42);
  t.is(rd(0x1a), 0, 'another page: plain store');
  wr(0x1a, 0x5555);
  t.is(rd(0x1a), 0x5555);
  wr(0x1f, 0xa43);
  wr(0x1a, 0);
  t.is(rd(0x1a), 0x002c, 'PHYSR is read-only');
  phy.setPartner({ speed: 100, duplex: 'half' });
  await clock.advance(10);
  t.is(rd(0x1a), 0x0014);
  // Manual master configuration shows as master on a 1000 link.
  phy.setPartner({ speed: 1000, duplex: 'full' });
  wr(9, 0x1a00);
  wr(0, 0x1340);
  await clock.advance(10);
  t.is(rd(0x1a), 0x082c);
  t.is(rd(10) & 0x4000, 0x4000, 'STAT1000 resolved master');
});

test('generic model: registers 16-31 are a plain store', (t) => {
  const { rd, wr } = rig();
  wr(16, 0xabcd);
  wr(31, 0x0001);
  t.is(rd(16), 0xabcd);
  t.is(rd(31), 0x0001);
  t.is(rd(17), 0);
});

test('a PHY that does not answer reads 0xFFFF and ignores writes', (t) => {
  const { phy, rd, wr } = rig({ model: 'marvell-88e151x' });
  phy.answers = false;
  t.is(rd(2), 0xffff);
  t.is(rd(0), 0xffff);
  wr(22, 5);
  wr(0, 0x0800);
  phy.answers = true;
  t.is(rd(22), 0);
  t.is(rd(0), 0x1140);
});

test('bad options are refused', (t) => {
  const clock = new VirtualClock();
  t.throws(() => new SimPhy({ model: 'nope' as PhyModel, clock }), { instanceOf: RangeError });
  t.throws(() => new SimPhy({ model: 'generic', clock, autonegMs: Number.NaN }), { instanceOf: RangeError });
  t.throws(() => new SimPhy({ model: 'generic', clock, partner: { speed: 2500 as 1000, duplex: 'full' } }), { instanceOf: RangeError });
});

type Step =
  | { kind: 'read'; reg: number }
  | { kind: 'write'; reg: number; value: number }
  | { kind: 'cable'; up: boolean }
  | { kind: 'force'; state: boolean | null }
  | { kind: 'partner'; speed: 10 | 100 | 1000; duplex: 'full' | 'half' }
  | { kind: 'answers'; on: boolean }
  | { kind: 'wait'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('read' as const), reg: fc.integer({ min: 0, max: 31 }) }),
  // Writes weighted towards the registers with behaviour: BMCR, MMD, page selects.
  fc.record({
    kind: fc.constant('write' as const),
    reg: fc.oneof(fc.integer({ min: 0, max: 31 }), fc.constantFrom(0, 13, 14, 22, 31)),
    value: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 0xa43, 0x8000, 0x1340, 0x4140, 0x0800, 0x4007, 0xc003)),
  }),
  fc.record({ kind: fc.constant('cable' as const), up: fc.boolean() }),
  fc.record({ kind: fc.constant('force' as const), state: fc.constantFrom(true, false, null) }),
  fc.record({ kind: fc.constant('partner' as const), speed: fc.constantFrom(10 as const, 100 as const, 1000 as const), duplex: fc.constantFrom('full' as const, 'half' as const) }),
  fc.record({ kind: fc.constant('answers' as const), on: fc.boolean() }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 300 }) }),
);

test('property: random register traffic and cable events never throw; reads stay 16-bit', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...MODELS), fc.integer({ min: 0, max: 200 }), fc.array(step, { maxLength: 80 }), async (model, autonegMs, steps) => {
      const { phy, rd, wr, clock } = rig({ model, autonegMs });
      for (const s of steps) {
        switch (s.kind) {
          case 'read': {
            const v = rd(s.reg);
            if (!Number.isInteger(v) || v < 0 || v > 0xffff) return false;
            break;
          }
          case 'write':
            wr(s.reg, s.value);
            break;
          case 'cable':
            phy.setCable(s.up);
            break;
          case 'force':
            phy.forceLink(s.state);
            break;
          case 'partner':
            phy.setPartner({ speed: s.speed, duplex: s.duplex });
            break;
          case 'answers':
            phy.answers = s.on;
            break;
          case 'wait':
            await clock.advance(s.ms);
            break;
        }
        // Invariants: power-down means no link (checked where BMCR is not paged away); the media side needs the cable.
        if (phy.answers && (model === 'generic' || model === 'realtek-rtl8211f') && rd(0) & 0x0800 && phy.linkUp) return false;
        if (phy.mediaLinkUp && !phy.cable) return false;
        if (![10, 100, 1000].includes(phy.speed)) return false;
      }
      for (let reg = 0; reg < 32; reg++) {
        const v = rd(reg);
        if (!Number.isInteger(v) || v < 0 || v > 0xffff) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
