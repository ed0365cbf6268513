/** The mv88e6xxx driver's statistics (hal/switch/mv88e6xxx/stats.ts) against the emulated chip. */
import test from 'ava';
import { VirtualClock } from '../lib/clock.ts';
import { DeviceError } from '../lib/errors.ts';
import type { MdioBus, MdioOp } from '../hal/mdio/bus.ts';
import { LocalMdioBus, MdioWire } from '../hal/mdio/wire.ts';
import { SimMv88e6xxx, type SimMv88e6xxxOptions } from '../hal/sim/mv88e6xxx.ts';
import { SimPhy } from '../hal/sim/phy.ts';
import { Mv88e6xxx, type Mv88e6xxxModel } from '../hal/switch/mv88e6xxx/chip.ts';
import { ATU_VTU_STATS, familyStats } from '../hal/switch/mv88e6xxx/stats.ts';
import type { PortStat } from '../hal/switch/port-stat.ts';

function rig(model: Mv88e6xxxModel, opts: Partial<SimMv88e6xxxOptions> = {}) {
  const clock = new VirtualClock();
  const phys: SimPhy[] = [];
  for (const p of model === '6352' ? [0, 1, 2, 3, 4] : [1, 2, 3, 4, 5, 6, 7, 8]) {
    phys[p] = new SimPhy({ model: 'marvell-88e151x', clock });
    phys[p].setCable(true);
  }
  const cpuPort = model === '6352' ? 5 : 10;
  const smiAddr = opts.smiAddr ?? 0x10;
  const sw = new SimMv88e6xxx({ model, smiAddr, clock, phys, cpuPort, ...opts });
  const wire = new MdioWire();
  sw.attachTo(wire);
  return { sw, bus: new LocalMdioBus(wire), smiAddr, cpuPort };
}

/** A unicast frame of `length` bytes (no FCS). */
function unicast(length: number): Uint8Array {
  const f = new Uint8Array(length);
  f.set([0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00]);
  return f;
}

const byName = (stats: PortStat[]): Record<string, number> => Object.fromEntries(stats.map((s) => [s.name, s.value]));

test('counter names and order are Linux\'s for each family: DSA-less part of ethtool -S', async (t) => {
  for (const model of ['6352', '6390'] as const) {
    const { bus, smiAddr } = rig(model);
    const chip = await Mv88e6xxx.probe(bus, smiAddr, model);
    const names = (await chip.readPortStats(1)).map((s) => s.name);
    t.deepEqual(names, [...familyStats(model).map((s) => s.name), ...ATU_VTU_STATS]);
    t.is(names.length, model === '6352' ? 30 + 3 + 5 : 30 + 26 + 5, model);
    t.is(names[0], 'in_good_octets');
    t.true(model === '6352' ? names.includes('sw_in_filtered') && !names.includes('in_filtered') : names.includes('in_filtered') && !names.includes('sw_in_filtered'));
  }
});

for (const model of ['6352', '6390'] as const) {
  for (const smiAddr of [0x10, 0x00]) {
    for (const busyPolls of [0, 1, 3]) {
      test(`${model} at SMI ${smiAddr}, busyPolls ${busyPolls}: setup, then counters as the frames crossed the port`, async (t) => {
        const { sw, bus, cpuPort } = rig(model, { smiAddr, busyPolls });
        const chip = await Mv88e6xxx.probe(bus, smiAddr, model);
        sw.ingress(2, unicast(60)); // before setup: flushed away
        await chip.setupStats();
        await chip.setFrameMode(cpuPort, 'dsa');
        for (let i = 0; i < 5; i++) sw.ingress(2, unicast(100)); // 104 octets each on the wire
        // One frame out of port 2 from the CPU (FROM_CPU, port 2).
        const out = unicast(64);
        out.copyWithin(16, 12, 60);
        out.set([0x40, 2 << 3, 0, 1], 12);
        sw.cpuIngress(out);
        const before = bus.roundTrips;
        const s = byName(await chip.readPortStats(2));
        t.is(s.in_good_octets, 5 * 104);
        t.is(s.in_unicast, 5);
        t.is(s.out_octets, 64);
        t.is(s.out_unicast, 1);
        t.is(s.hist_65_127bytes, 5, 'received frames in the histogram');
        t.is(s.hist_64bytes, 0, 'sent frames not: setup set it to count ingress only');
        t.is(s.atu_member_violation, 0);
        if (busyPolls <= 1) t.is(bus.roundTrips - before, model === '6352' ? 2 : 1, 'one batch for the stats unit (and one for the 6352\'s port registers)');
        else t.true(bus.roundTrips - before > 2, 'a slow unit is polled explicitly');
      });
    }
  }
}

test('a bus with a small program limit: the reads are split into batches that fit, same values', async (t) => {
  const { sw, bus, smiAddr } = rig('6390');
  let largest = 0;
  const limited: MdioBus = {
    maxBatchOps: 100,
    run: (ops: readonly MdioOp[]) => {
      largest = Math.max(largest, ops.length);
      if (ops.length > 100) throw new Error(`batch of ${ops.length} ops`);
      return bus.run(ops);
    },
    read: (p, r) => bus.read(p, r),
    write: (p, r, v) => bus.write(p, r, v),
    read45: (p, d, r) => bus.read45(p, d, r),
    write45: (p, d, r, v) => bus.write45(p, d, r, v),
  };
  const direct = await Mv88e6xxx.probe(bus, smiAddr, '6390');
  const small = await Mv88e6xxx.probe(limited, smiAddr, '6390');
  for (let i = 0; i < 3; i++) sw.ingress(7, unicast(1200));
  const before = bus.roundTrips;
  const a = await small.readPortStats(7);
  t.true(bus.roundTrips - before > 5, `split into ${bus.roundTrips - before} batches`);
  t.true(largest <= 100 && largest > 50);
  t.deepEqual(a, await direct.readPortStats(7));
  t.is(byName(a).hist_1024_max_bytes, 3);
});

test('a statistics unit that never finishes is a DeviceError naming the chip', async (t) => {
  // Single-chip mode, so that only the statistics unit is slow (busyPolls slows SMI too).
  const { bus, smiAddr } = rig('6352', { smiAddr: 0, busyPolls: 100 });
  const chip = await Mv88e6xxx.probe(bus, smiAddr, '6352');
  const err = await t.throwsAsync(chip.readPortStats(1), { instanceOf: DeviceError });
  t.is(err.message, 'mv88e6xxx at SMI 0x00: statistics unit stays busy after 16 polls');
  await t.throwsAsync(chip.readPortStats(7), { message: /port 7 out of range 0..6/ });
});
