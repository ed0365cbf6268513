/**
 * The MT7530/MT7531 driver against the emulator: identification, the registers the CPU-port
 * setup leaves (compared with what Linux's mt7530.c writes), bus cost of a poll, the PHY_IAC
 * slow path, port state, counters, raw registers and the frame port.
 */
import test from 'ava';
import { VirtualClock } from '../lib/clock.ts';
import { DeviceError, UsageError } from '../lib/errors.ts';
import { LocalMdioBus, MdioWire } from '../hal/mdio/wire.ts';
import { SimPhy } from '../hal/sim/phy.ts';
import { SimMt7530, type SimMt7530Model } from '../hal/sim/mt7530.ts';
import { Mt7530 } from '../hal/switch/mt7530/chip.ts';
import { simMt7531 } from '../boards/sim-mt7531.ts';
import { gw5_mt7621 } from '../boards/gw5-mt7621.ts';
import { bootTest } from './helpers/sim.ts';
import type { PhyStatus } from '../hal/phy/phy.ts';

function rig(model: SimMt7530Model) {
  const clock = new VirtualClock();
  const phys = [0, 1, 2, 3, 4].map(() => new SimPhy({ model: model === 'MT7530' ? 'mediatek-mt7530' : 'mediatek-mt7531', clock }));
  phys.forEach((p) => p.setCable(true));
  const sim = new SimMt7530({ model, smiAddr: 0x1f, clock, phys, cpuPort: 6 });
  const wire = new MdioWire();
  sim.attachTo(wire);
  const bus = new LocalMdioBus(wire);
  return { clock, phys, sim, wire, bus };
}

test('probe identifies each model by its ID register; the wrong model or nothing at all is a DeviceError saying what was read', async (t) => {
  for (const model of ['MT7530', 'MT7531'] as const) {
    const { bus, wire } = rig(model);
    const chip = await Mt7530.probe(bus, 0x1f, model);
    t.is(chip.modelName, model);
    t.is(chip.family, 'mt7530');
    t.is(chip.revision, 1);
    t.is(chip.portCount, 7);
    t.is(wire.transactions, 3, 'one register: page, low, high');
    t.is((await Mt7530.probe(bus, 0x1f)).modelName, model, 'without a model both registers are read');
  }
  const { bus } = rig('MT7530');
  await t.throwsAsync(Mt7530.probe(bus, 0x1f, 'MT7531'), {
    instanceOf: DeviceError,
    message: 'mt7530 at MDIO 0x1f: unsupported switch: read 0x00000000 at 0x781c; supported: MT7531 (0x7531 in 0x781c[31:16])',
  });
  const empty = new LocalMdioBus(new MdioWire());
  await t.throwsAsync(Mt7530.probe(empty, 0x1f), { instanceOf: DeviceError, message: /^mt7530 at MDIO 0x1f: no switch answers: read 0xffffffff at 0x781c, 0xffffffff at 0x7ffc/ });
});

test('the board comes up with the registers Linux leaves: traps, floods, CPU port, tag, port matrices', async (t) => {
  for (const def of [simMt7531, gw5_mt7621]) {
    const s = await bootTest(def);
    const sim = s.hw.chip as SimMt7530;
    const r = (a: number) => sim.readRegister(a) >>> 0;
    const mt7531 = def.switch.model === 'MT7531';
    // mt753x_trap_frames: PAE and :01/:02/:03/:0e CPU only, untagged, regardless of STP state; BPDUs CPU only, untagged.
    t.is(r(0x24), 0x03060106, 'BPC');
    t.is(r(0x28), 0x03060306, 'RGAC1');
    t.is(r(0x2c), 0x03060306, 'RGAC2');
    // Floods to the CPU port only; MT7530: MFC CPU_EN | CPU_PORT(6); MT7531: CFC CPU_PMAP BIT(6).
    t.is(r(0x10), mt7531 ? 0x40404000 : 0x404040e0, "MFC");
    if (mt7531) t.is(r(0x4) & 0xff, 0x40, 'CFC');
    t.is(r(0x3600), mt7531 ? 0xf805633b : 0x0005e33b, 'PMCR_CPU_PORT_SETTING');
    t.is(r(0x2610), 0x120, 'PVC_P(6): PORT_SPEC_TAG | PVC_EG_TAG(consistent)');
    t.is(r(0x2604), 0x003f0001, 'PCR_P(6): every other port, fallback mode');
    for (const p of s.board.ports) {
      t.is(r(0x2004 + p.switchPort * 0x100), 0x00400000, `${p.name}: matrix the CPU port only`);
      t.is((r(0x2000 + p.switchPort * 0x100) >> 2) & 3, 3, `${p.name}: FID 1 forwarding`);
      t.is(r(0x200c + p.switchPort * 0x100) & 0x10, 0x10, `${p.name}: SA_DIS`);
    }
    t.is(await s.board.chip.getPortState(0), 'forwarding');
    t.falsy(s.board.chip.lag, 'no hardware LAG');
    t.regex(await s.run('log'), /mt7530: no hardware LAG on the MT753[01]: bonds forward through the CPU port/);
  }
});

const up1000: PhyStatus = { link: true, speed: 1000, duplex: 'full', autoneg: true, dropSeen: false };

test('one poll of every port is one round trip on either model; the PHYs are read, through PHY_IAC (MT7531) or on the bus (MT7530), when something says they changed', async (t) => {
  for (const def of [simMt7531, gw5_mt7621]) {
    const s = await bootTest(def);
    const n = s.board.ports.length;
    let rt = s.hw.bus.roundTrips;
    let tx = s.hw.wire.transactions;
    await s.board.poll();
    t.is(s.hw.bus.roundTrips - rt, 1, def.name);
    // Nothing changed: PMSR and SYS_INT_STS, low halves only, a page and a read each.
    t.is(s.hw.wire.transactions - tx, 2 * n + 2, `${def.name}: MDIO transactions of a quiet poll`);
    // A bridge interrupt line for every port: every PHY is read in a second round trip.
    for (const p of s.board.ports) p.phyInterrupt = true;
    rt = s.hw.bus.roundTrips;
    tx = s.hw.wire.transactions;
    await s.board.poll();
    t.is(s.hw.bus.roundTrips - rt, 2, def.name);
    // Then PMSR: a page and two halves per port. PHY ops: MT7531 one page for them all, then
    // per port an idle check (2) and per read a command (2) and two status reads (4); MT7530
    // the 8 plain reads of each PHY.
    const expected = def.switch.model === 'MT7531' ? 3 * n + 1 + n * (2 + 8 * 6) : 3 * n + n * 8;
    t.is(s.hw.wire.transactions - tx, 2 * n + 2 + expected, `${def.name}: MDIO transactions`);
    for (const p of s.board.ports) t.deepEqual(p.phy, up1000);
  }
});

test('MT7531: PHY_IAC slower than the optimistic reads: the slow path gives the right status; a wedged unit fails the PHY, not the MAC', async (t) => {
  const s = await bootTest(simMt7531);
  const sim = s.hw.chip as SimMt7530;
  sim.busyPolls = 3;
  s.hw.phys[2].setPartner({ speed: 100, duplex: 'half' });
  await s.run('sim link eth3 down');
  const rt = s.hw.bus.roundTrips;
  await s.board.poll();
  await s.board.poll();
  t.true(s.hw.bus.roundTrips - rt > 2, 'the slow path costs round trips');
  const [eth0, , eth2, eth3] = s.board.ports;
  t.deepEqual(eth0.phy, up1000);
  t.deepEqual(eth2.phy, { ...up1000, speed: 100, duplex: 'half' });
  t.false(eth3.phy.link);
  t.false(eth3.carrier);
  t.true(sim.counters.iacWritesWhileBusy > 0, 'the optimistic batch wrote commands the busy unit dropped; none of their values was used');
  sim.stuckPhyBusy = true;
  const errors = eth0.pollErrors;
  eth0.phyInterrupt = true; // a bridge interrupt line says eth0's PHY changed: it is read
  await s.board.poll();
  t.is(eth0.pollErrors, errors + 1);
  t.true(eth0.carrier, 'PMSR still read');
  t.regex(await s.run('log'), /eth0: PHY read failed: mt7530 at MDIO 0x1f: PHY indirect access \(PHY_IAC\) stays busy after 16 polls/);
});

test('port state: disabled empties the matrix and stops frames both ways; the PHY bus reaches ports 0-4 only', async (t) => {
  const s = await bootTest(simMt7531);
  const chip = s.board.chip as Mt7530;
  await chip.setPortState(1, 'blocking');
  t.is(await chip.getPortState(1), 'blocking');
  await chip.setPortState(1, 'disabled');
  t.is(await chip.getPortState(1), 'disabled');
  const sim = s.hw.chip as SimMt7530;
  t.is(sim.readRegister(0x2104) >>> 16, 0, 'PCR_P(1) matrix empty');
  const before = s.board.port('eth1')!.counters.rxPackets;
  await s.run('sim inject eth1 ffffffffffff020000000099080600010800060400010200000000990a00000100000000000001c0a80101');
  t.is(s.board.port('eth1')!.counters.rxPackets, before);
  t.is(sim.counters.dropped['stp-blocked'], 1);
  await chip.setPortState(1, 'forwarding');
  await t.throwsAsync(chip.phyBus().read(5, 1), { instanceOf: UsageError, message: /no PHY at address 5/ });
  await t.throwsAsync(chip.setPortState(6, 'forwarding'), { instanceOf: UsageError, message: /CPU port/ });
});

test('ethtool -S: the MIB counters in mt7530_mib order, counting frames that crossed', async (t) => {
  const s = await bootTest(simMt7531);
  await s.run('ifconfig eth0 192.168.1.1 netmask 255.255.255.0');
  await s.run('ping -c 2 192.168.1.100');
  const stats = await s.board.chip.readPortStats(0);
  t.deepEqual(stats.slice(0, 3).map((x) => x.name), ['TxDrop', 'TxCrcErr', 'TxUnicast']);
  t.is(stats.length, 41);
  const get = (n: string) => stats.find((x) => x.name === n)!.value;
  t.is(get('TxBroadcast'), 1, 'the ARP request');
  t.is(get('TxUnicast'), 2, 'the echo requests');
  t.is(get('RxUnicast'), 3, 'the ARP reply and two echo replies');
  t.is(get('RxBytes'), 64 + 2 * 102, 'ARP reply padded to 64, echo replies 98 + FCS');
  t.regex(await s.run('ethtool -S eth0'), /\n {5}TxUnicast: 2\n[\s\S]*\n {5}RxArlDrop: 0$/);
});

test('switch read/write: one 32-bit register address; unaligned or out of range is refused; help says so', async (t) => {
  const s = await bootTest(simMt7531);
  t.is(await s.run('switch read 0x781c'), '0x75310001');
  t.is(await s.run('switch read 0x3008'), '0x0000000b');
  t.is(await s.run('switch write 0x2104 0x00400000'), '');
  t.is(await s.run('switch read 0x2104'), '0x00400000');
  t.regex(await s.run('switch read 0x3009'), /^error: mt7530: register 0x3009 is not a 32-bit register address/);
  t.regex(await s.run('switch read 0x10000'), /^error: switch: register '0x10000' out of range/);
  t.regex(await s.run('switch read 0x30 0x1'), /^error: switch: usage: switch read <register>/);
  t.regex(await s.run('help switch'), /switch read <register>\n {2}switch write <register> <value>\n {2}e\.g\. switch read 0x3008 \(PMSR of port 0/);
});

test('frame port: the tag names the port; the CPU port and ports the tag cannot name are refused; bad tags from the switch are counted', async (t) => {
  const s = await bootTest(simMt7531);
  const fp = s.board.framePort;
  const frame = new Uint8Array(60);
  frame.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06]);
  t.false(fp.send(6, frame, 60));
  t.false(fp.send(7, frame, 60));
  t.false(fp.send(0, frame, 10));
  t.deepEqual(fp.counters.txDropped, { 'bad-port': 2, short: 1, long: 0 });
  const sim = s.hw.chip as SimMt7530;
  const tx = sim.counters.tx[2];
  t.true(fp.send(2, frame, 60));
  t.is(sim.counters.tx[2], tx + 1);
  const cpu = (s.hw as unknown as { cpuReceiver: (f: Uint8Array, n: number) => void }).cpuReceiver;
  cpu(Uint8Array.of(1, 2, 3), 3);
  const fromCpuPort = new Uint8Array(64);
  fromCpuPort[13] = 6;
  cpu(fromCpuPort, 64);
  t.is(fp.counters.rxDropped.short, 1);
  t.is(fp.counters.rxDropped['bad-port'], 1);
  t.is(await s.run('cat /sys/class/net/eth0/speed'), '1000');
});
