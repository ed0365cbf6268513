/**
 * The emulated switch's MIB counters and statistics unit at register level: frames pushed
 * through the emulator, counters read by hand through multi-chip SMI and the Global1 Stats
 * Operation / Stats Counter registers, as global1.c drives them.
 */
import test from 'ava';
import { VirtualClock } from '../lib/clock.ts';
import { MdioWire } from '../hal/mdio/wire.ts';
import { SimMv88e6xxx, type SimMv88e6xxxOptions } from '../hal/sim/mv88e6xxx.ts';
import { SimPhy } from '../hal/sim/phy.ts';

const SMI = 0x10;
const G1 = 0x1b;
const STATS_OP = 0x1d;
const BUSY = 0x8000;
const CAPTURE = 0x5000;
const READ = 0x4000;
const FLUSH_ALL = 0x1000;
const FLUSH_PORT = 0x2000;
const HIST_RX = 0x0400;
const HIST_TX = 0x0800;
const HIST_RX_TX = 0x0c00;
const BANK1_6390 = 0x0400;

function rig(opts: Partial<SimMv88e6xxxOptions> & { model?: '6352' | '6390' } = {}) {
  const model = opts.model ?? '6352';
  const clock = new VirtualClock();
  const phyPorts = model === '6352' ? [0, 1, 2, 3, 4] : [1, 2, 3, 4, 5, 6, 7, 8];
  const phys: SimPhy[] = [];
  for (const p of phyPorts) {
    phys[p] = new SimPhy({ model: model === '6352' ? 'marvell-88e151x' : 'marvell-6390-internal', clock });
    phys[p].setCable(true);
  }
  const cpuPort = model === '6352' ? 5 : 10;
  const sw = new SimMv88e6xxx({ model, smiAddr: SMI, clock, phys, cpuPort, ...opts });
  const wire = new MdioWire();
  sw.attachTo(wire);
  const portDev = (p: number): number => (model === '6352' ? 0x10 : 0) + p;
  return { sw, wire, phys, cpuPort, portDev };
}

/** smi.c indirect access by hand; returns the data and how many BUSY polls it saw. */
function smiRead(wire: MdioWire, dev: number, reg: number): number {
  while (wire.read(SMI, 0) & BUSY);
  wire.write(SMI, 0, 0x9800 | (dev << 5) | reg);
  while (wire.read(SMI, 0) & BUSY);
  return wire.read(SMI, 1);
}

function smiWrite(wire: MdioWire, dev: number, reg: number, value: number): void {
  while (wire.read(SMI, 0) & BUSY);
  wire.write(SMI, 1, value);
  wire.write(SMI, 0, 0x9400 | (dev << 5) | reg);
  while (wire.read(SMI, 0) & BUSY);
}

/** global1.c mv88e6xxx_g1_stats_wait: polls Stats Operation; returns the polls that showed BUSY. */
function statsWait(wire: MdioWire): number {
  let busy = 0;
  while (smiRead(wire, G1, STATS_OP) & BUSY) busy++;
  return busy;
}

function capture(wire: MdioWire, port: number, hist = HIST_RX_TX): number {
  smiWrite(wire, G1, STATS_OP, BUSY | CAPTURE | hist | ((port + 1) << 5));
  return statsWait(wire);
}

/** mv88e6xxx_g1_stats_read: the counter, Stats Counter 3:2 then 1:0. */
function readCounter(wire: MdioWire, op: number): number {
  smiWrite(wire, G1, STATS_OP, BUSY | READ | op);
  statsWait(wire);
  return ((smiRead(wire, G1, 0x1e) << 16) | smiRead(wire, G1, 0x1f)) >>> 0;
}

function frame(dst: string, length: number, etherType = 0x0800): Uint8Array {
  const f = new Uint8Array(length);
  f.set(dst.split(':').map((b) => parseInt(b, 16)), 0);
  f.set([0x02, 0, 0, 0, 0, 0x09], 6);
  f[12] = etherType >> 8;
  f[13] = etherType & 0xff;
  return f;
}

const UNICAST = '02:00:00:00:00:01';
const BROADCAST = 'ff:ff:ff:ff:ff:ff';
const MULTICAST = '01:00:5e:00:00:01';

test('frames received on a port: octets (padded, with FCS), cast, size buckets; read through the stats unit', (t) => {
  const { sw, wire } = rig();
  sw.ingress(1, frame(UNICAST, 42)); // padded to 60, 64 on the wire
  sw.ingress(1, frame(UNICAST, 60)); // 64
  sw.ingress(1, frame(BROADCAST, 61)); // 65
  sw.ingress(1, frame(MULTICAST, 200)); // 204
  sw.ingress(1, frame(MULTICAST, 1514)); // 1518
  sw.ingress(1, frame('01:80:c2:00:00:01', 60, 0x8808)); // a pause frame, 64
  sw.ingress(2, frame(UNICAST, 100)); // another port
  t.is(capture(wire, 1), 1, 'the capture shows BUSY once (busyPolls 1)');
  t.is(readCounter(wire, HIST_RX_TX | 0x00), 64 + 64 + 65 + 204 + 1518 + 64, 'in_good_octets low word');
  t.is(readCounter(wire, HIST_RX_TX | 0x01), 0, 'in_good_octets high word');
  t.is(readCounter(wire, HIST_RX_TX | 0x04), 2, 'in_unicast');
  t.is(readCounter(wire, HIST_RX_TX | 0x06), 1, 'in_broadcasts');
  t.is(readCounter(wire, HIST_RX_TX | 0x07), 2, 'in_multicasts');
  t.is(readCounter(wire, HIST_RX_TX | 0x16), 1, 'in_pause');
  const buckets = [0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d].map((n) => readCounter(wire, HIST_RX_TX | n));
  t.deepEqual(buckets, [3, 1, 1, 0, 0, 1], '64, 65-127, 128-255, 256-511, 512-1023, 1024-max');
  t.is(readCounter(wire, HIST_RX_TX | 0x0e), 0, 'nothing sent');
  // The capture holds: frames after it do not change what is read until the next capture.
  sw.ingress(1, frame(UNICAST, 60));
  t.is(readCounter(wire, HIST_RX_TX | 0x04), 2);
  capture(wire, 1);
  t.is(readCounter(wire, HIST_RX_TX | 0x04), 3);
  capture(wire, 2);
  t.is(readCounter(wire, HIST_RX_TX | 0x00), 104, 'port 2 counted apart');
});

test('frames sent: out counters on the front port; frames to the CPU counted on the CPU port with their tag', (t) => {
  const { sw, wire, cpuPort, portDev } = rig();
  // Put the CPU port in DSA mode (Port Control 0 frame mode 01) and send FROM_CPU to port 3.
  smiWrite(wire, portDev(cpuPort), 0x04, 0x0100 | 0x0003);
  const fromCpu = (dst: string, length: number): Uint8Array => {
    const f = frame(dst, length + 4);
    f.copyWithin(16, 12, length); // make room for the 4-byte tag after the source MAC
    f.set([0x40, 3 << 3, 0x00, 0x01], 12); // FROM_CPU, device 0, port 3, VID 1
    return f;
  };
  sw.cpuIngress(fromCpu(UNICAST, 60));
  sw.cpuIngress(fromCpu(BROADCAST, 130));
  capture(wire, 3);
  t.is(readCounter(wire, HIST_RX_TX | 0x0e), 64 + 134, 'out_octets low');
  t.is(readCounter(wire, HIST_RX_TX | 0x10), 1, 'out_unicast');
  t.is(readCounter(wire, HIST_RX_TX | 0x13), 1, 'out_broadcasts');
  t.is(readCounter(wire, HIST_RX_TX | 0x12), 0, 'out_multicasts');
  t.is(readCounter(wire, HIST_TX | 0x08), 1, 'sent 64-byte frames, histogram counting transmit only');
  t.is(readCounter(wire, HIST_RX | 0x08), 0, 'received 64-byte frames: none');
  t.is(readCounter(wire, HIST_TX | 0x0a), 1, '128-255');
  // The CPU port received both tagged frames (64 + 4 tag bytes = 68 on the wire, and 138).
  capture(wire, cpuPort);
  t.is(readCounter(wire, HIST_RX_TX | 0x00), 68 + 138);
  t.is(readCounter(wire, HIST_RX | 0x09), 1);
  // A frame from port 1 reaches the CPU with a FORWARD tag: out on the CPU port, 4 bytes longer.
  sw.ingress(1, frame(UNICAST, 60));
  capture(wire, cpuPort);
  t.is(readCounter(wire, HIST_RX_TX | 0x0e), 68);
  t.is(readCounter(wire, HIST_RX_TX | 0x10), 1);
});

test('histogram mode: bits 11:10 of each 6352 read select receive, transmit or both', (t) => {
  const { sw, wire, cpuPort, portDev } = rig();
  smiWrite(wire, portDev(cpuPort), 0x04, 0x0103);
  sw.ingress(1, frame(UNICAST, 60));
  const out = frame(UNICAST, 64);
  out.copyWithin(16, 12, 60);
  out.set([0x40, 1 << 3, 0, 1], 12);
  sw.cpuIngress(out);
  capture(wire, 1);
  t.is(readCounter(wire, HIST_RX | 0x08), 1);
  t.is(readCounter(wire, HIST_TX | 0x08), 1);
  t.is(readCounter(wire, HIST_RX_TX | 0x08), 2);
});

test('6390: bank 1 with bit 10, histogram mode from Global Control 2, filtered frames in bank 1', (t) => {
  const { sw, wire, portDev } = rig({ model: '6390' });
  t.is(smiRead(wire, G1, 0x1c) & 0x00c0, 0x00c0, 'reset: histogram counts both directions');
  sw.ingress(4, frame(UNICAST, 60));
  // Blocking state (Port Control 0 state 01): received, then filtered.
  smiWrite(wire, portDev(4), 0x04, (smiRead(wire, portDev(4), 0x04) & ~3) | 1);
  sw.ingress(4, frame(UNICAST, 60));
  // Reserved multicast without trapping programmed: filtered as well.
  sw.ingress(4, frame('01:80:c2:00:00:02', 60, 0x8809));
  capture(wire, 4, 0); // the 6390 snapshot carries no histogram bits
  t.is(readCounter(wire, 0x04), 2, 'in_unicast: every received unicast frame');
  t.is(readCounter(wire, BANK1_6390 | 0x01), 2, 'in_filtered (bank 1)');
  t.is(readCounter(wire, BANK1_6390 | 0x00), 0, 'in_discards: the emulator never runs out of buffers');
  t.is(readCounter(wire, 0x08), 3, 'histogram: both directions at reset');
  smiWrite(wire, G1, 0x1c, (smiRead(wire, G1, 0x1c) & ~0x00c0) | 0x0080); // transmit only
  t.is(readCounter(wire, 0x08), 0);
});

test('6352: port registers 0x10-0x13 count discards and filtered frames, read-only', (t) => {
  const { sw, wire, portDev, phys } = rig();
  smiWrite(wire, portDev(2), 0x04, (smiRead(wire, portDev(2), 0x04) & ~3) | 2); // learning
  sw.ingress(2, frame(UNICAST, 60));
  sw.ingress(2, frame(UNICAST, 60));
  t.is(smiRead(wire, portDev(2), 0x12), 2, 'In Filtered');
  t.is(smiRead(wire, portDev(2), 0x10), 0, 'In Discards low');
  // A frame for a port whose link is down cannot leave: Out Filtered.
  phys[0].setCable(false);
  smiWrite(wire, portDev(5), 0x04, 0x0103);
  const f = frame(UNICAST, 64);
  f.copyWithin(16, 12, 60);
  f.set([0x40, 0 << 3, 0, 1], 12);
  sw.cpuIngress(f);
  t.is(smiRead(wire, portDev(0), 0x13), 1, 'Out Filtered');
  smiWrite(wire, portDev(2), 0x12, 0);
  t.is(smiRead(wire, portDev(2), 0x12), 2, 'writes are ignored');
  // Frames offered while the MAC has no link are not received at all.
  sw.ingress(0, frame(UNICAST, 60));
  capture(wire, 0);
  t.is(readCounter(wire, HIST_RX_TX | 0x04), 0);
});

test('the statistics unit: BUSY for busyPolls reads, writes while busy are lost, flush of a port and of all', (t) => {
  const { sw, wire } = rig({ busyPolls: 3 });
  for (const p of [1, 2]) sw.ingress(p, frame(UNICAST, 60));
  smiWrite(wire, G1, STATS_OP, BUSY | CAPTURE | HIST_RX_TX | (2 << 5));
  smiWrite(wire, G1, STATS_OP, BUSY | FLUSH_ALL); // lost: the capture still runs
  t.is(sw.counters.statsWritesWhileBusy, 1);
  t.is(statsWait(wire), 3);
  t.is(readCounter(wire, HIST_RX_TX | 0x04), 1);
  smiWrite(wire, G1, STATS_OP, BUSY | FLUSH_PORT | (2 << 5));
  statsWait(wire);
  capture(wire, 1);
  t.is(readCounter(wire, HIST_RX_TX | 0x04), 0, 'port 1 flushed');
  capture(wire, 2);
  t.is(readCounter(wire, HIST_RX_TX | 0x04), 1, 'port 2 kept');
  smiWrite(wire, G1, STATS_OP, BUSY | FLUSH_ALL);
  statsWait(wire);
  capture(wire, 2);
  t.is(readCounter(wire, HIST_RX_TX | 0x04), 0);
});

test('64-bit octet counters carry into the high word', (t) => {
  const { sw, wire } = rig();
  const big = frame(UNICAST, 9996); // 10,000 octets on the wire
  const n = 430_000; // 4.3e9 octets: past 2^32
  for (let i = 0; i < n; i++) sw.mib.received(1, big);
  capture(wire, 1);
  const low = readCounter(wire, HIST_RX_TX | 0x00);
  const high = readCounter(wire, HIST_RX_TX | 0x01);
  t.is(high, 1);
  t.is(high * 2 ** 32 + low, n * 10_000);
});
