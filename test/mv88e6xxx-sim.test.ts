import test from 'ava';
import fc from 'fast-check';
import { VirtualClock } from '../lib/clock.ts';
import { MdioWire } from '../hal/mdio/wire.ts';
import { SimMv88e6xxx, type SimMv88e6xxxOptions } from '../hal/sim/mv88e6xxx.ts';
import { SimPhy, type PhyModel } from '../hal/sim/phy.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/[\s|]+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

const G1 = 0x1b;
const G2 = 0x1c;

/** A switch on a wire, PHYs behind its internal-PHY ports with cables plugged and linked. */
function rig(opts: Partial<SimMv88e6xxxOptions> & { model?: '6352' | '6390' } = {}) {
  const model = opts.model ?? '6352';
  const clock = new VirtualClock();
  const phyModel: PhyModel = model === '6352' ? 'marvell-88e151x' : 'marvell-6390-internal';
  const phyPorts = model === '6352' ? [0, 1, 2, 3, 4] : [1, 2, 3, 4, 5, 6, 7, 8];
  const phys: (SimPhy | undefined)[] = [];
  for (const p of phyPorts) {
    phys[p] = new SimPhy({ model: phyModel, clock });
    phys[p]!.setCable(true);
  }
  const cpuPort = opts.cpuPort ?? (model === '6352' ? 5 : 10);
  const sw = new SimMv88e6xxx({ model, smiAddr: 0x10, clock, phys, cpuPort, ...opts });
  const wire = new MdioWire();
  sw.attachTo(wire);
  const egress: string[] = [];
  const toCpu: string[] = [];
  sw.onEgress = (port, frame) => egress.push(`${port}:${toHex(frame)}`);
  sw.onCpuEgress = (frame) => toCpu.push(toHex(frame));
  const port = (p: number): number => (model === '6352' ? 0x10 : 0) + p;
  return { clock, sw, wire, phys, egress, toCpu, port, cpuPort };
}

/** Multi-chip indirect access by hand, polling BUSY like smi.c; returns the polls seen. */
function smiRead(wire: MdioWire, addr: number, dev: number, reg: number): { value: number; busyReads: number } {
  let busyReads = 0;
  while (wire.read(addr, 0) & 0x8000) busyReads++;
  wire.write(addr, 0, 0x9800 | (dev << 5) | reg);
  while (wire.read(addr, 0) & 0x8000) busyReads++;
  return { value: wire.read(addr, 1), busyReads };
}

function smiWrite(wire: MdioWire, addr: number, dev: number, reg: number, value: number): void {
  while (wire.read(addr, 0) & 0x8000);
  wire.write(addr, 1, value);
  wire.write(addr, 0, 0x9400 | (dev << 5) | reg);
  while (wire.read(addr, 0) & 0x8000);
}

test('multi-chip SMI: Switch ID through Command/Data, BUSY held for busyPolls reads', (t) => {
  for (const busyPolls of [0, 1, 3]) {
    const { wire } = rig({ busyPolls });
    const r = smiRead(wire, 0x10, 0x10, 3);
    t.is(r.value, 0x3521, '88E6352 rev 1');
    t.is(r.busyReads, busyPolls);
  }
  const { wire } = rig({ model: '6390', busyPolls: 2 });
  t.is(smiRead(wire, 0x10, 0x00, 3).value, 0x3901);
  t.is(smiRead(wire, 0x10, 0x07, 3).value, 0x3901, 'Switch ID readable on every port');
  t.is(wire.read(0x11, 0), 0xffff, 'nothing else on the bus');
});

test('multi-chip SMI: the read data appears only when the command completes; writes while busy are lost', (t) => {
  const { wire, sw } = rig({ busyPolls: 2 });
  wire.write(0x10, 1, 0x1234);
  wire.write(0x10, 0, 0x9800 | (0x10 << 5) | 3);
  t.is(wire.read(0x10, 1), 0x1234, 'data register unchanged while busy');
  wire.write(0x10, 1, 0xbeef); // lost
  wire.write(0x10, 0, 0x9800 | (0x11 << 5) | 3); // lost
  t.is(sw.counters.smiWritesWhileBusy, 2);
  t.is(wire.read(0x10, 0), 0x1800 | (0x10 << 5) | 3 | 0x8000);
  t.is(wire.read(0x10, 0), 0x9800 | (0x10 << 5) | 3);
  t.is(wire.read(0x10, 0), 0x1800 | (0x10 << 5) | 3, 'complete: BUSY clear');
  t.is(wire.read(0x10, 1), 0x3521);
  smiWrite(wire, 0x10, 0x11, 6, 0x0020);
  t.is(smiRead(wire, 0x10, 0x11, 6).value, 0x0020, 'write then read back');
});

test('stuckBusy: BUSY forever, even before any command; clearing it lets the pending command finish', (t) => {
  const { wire, sw } = rig({ stuckBusy: true });
  for (let i = 0; i < 50; i++) t.true((wire.read(0x10, 0) & 0x8000) !== 0);
  sw.stuckBusy = false;
  wire.write(0x10, 0, 0x9800 | (0x10 << 5) | 3);
  sw.stuckBusy = true;
  t.true((wire.read(0x10, 0) & 0x8000) !== 0);
  t.true((wire.read(0x10, 0) & 0x8000) !== 0);
  sw.stuckBusy = false;
  // busyPolls = 1: one more BUSY read, then done.
  t.true((wire.read(0x10, 0) & 0x8000) !== 0);
  t.is(wire.read(0x10, 0) & 0x8000, 0);
  t.is(wire.read(0x10, 1), 0x3521);
});

test('single-chip mode: 6352 devices at 0x10+port, internal PHYs at 0+port; 6390 ports at 0x00+port', (t) => {
  const clock = new VirtualClock();
  const phy = new SimPhy({ model: 'marvell-88e151x', clock });
  const wire = new MdioWire();
  new SimMv88e6xxx({ model: '6352', smiAddr: 0, clock, phys: [phy], cpuPort: 5 }).attachTo(wire);
  t.is(wire.read(0x10, 3), 0x3521);
  t.is(wire.read(0x16, 3), 0x3521);
  t.is((wire.read(0, 2) << 16) | wire.read(0, 3), 0x01410dd1, 'PHY of port 0 at address 0');
  t.is(wire.read(1, 2), 0xffff, 'no PHY behind port 1');
  t.throws(() => wire.attach(7, { read: () => 0, write: () => undefined }), { message: /taken/ }, 'the chip claims every address');

  const wire2 = new MdioWire();
  new SimMv88e6xxx({ model: '6390', smiAddr: 0, clock, phys: [], cpuPort: 10 }).attachTo(wire2);
  t.is(wire2.read(0x00, 3), 0x3901);
  t.is(wire2.read(0x0a, 3), 0x3901);
  t.is(wire2.read(0x10, 3), 0xffff, 'no port 16');
});

test('constructor refuses an odd SMI address and a CPU port the chip lacks', (t) => {
  const clock = new VirtualClock();
  t.throws(() => new SimMv88e6xxx({ model: '6352', smiAddr: 3, clock, phys: [], cpuPort: 5 }), { message: /even/ });
  t.throws(() => new SimMv88e6xxx({ model: '6352', smiAddr: 2, clock, phys: [], cpuPort: 7 }), { message: /CPU port/ });
});

test('Port Status: PHY link, speed and duplex; carrier override; MAC forcing; CPU port', (t) => {
  const { sw, phys, port } = rig();
  // 0x1e00: PHYDetect, link, full duplex, 1000.
  t.is(sw.deviceRead(port(0), 0), 0x1e00);
  phys[0]!.setCable(false);
  t.is(sw.deviceRead(port(0), 0) & 0x0800, 0, 'cable pulled: MAC link down');
  phys[0]!.setCable(true);
  phys[0]!.setPartner({ speed: 100, duplex: 'half' });
  t.is(sw.deviceRead(port(0), 0), 0x1900, '100 half');
  sw.setCarrier(0, false);
  t.is(sw.deviceRead(port(0), 0) & 0x0800, 0, 'carrier override down');
  t.true(phys[0]!.linkUp, 'PHY registers untouched');
  sw.setCarrier(0, null);
  t.is(sw.deviceRead(port(0), 0) & 0x0800, 0x0800);
  // MAC control: force link down (0x10), then force link up + full duplex + 10 Mb/s.
  sw.deviceWrite(port(0), 1, 0x0010);
  t.is(sw.deviceRead(port(0), 0), 0x1000, 'forced down, forced 10, half from the PHY');
  sw.deviceWrite(port(0), 1, 0x003c | 0x0001);
  sw.setCarrier(0, false);
  t.is(sw.deviceRead(port(0), 0), 0x1d00, 'forced up beats the carrier override: 100 full');
  // CPU port: RGMII (C_MODE 7), link, 1000 full, no PHY.
  t.is(sw.deviceRead(port(5), 0), 0x0e07);
  // Port 6 has no PHY and no CPU: link down.
  t.is(sw.deviceRead(port(6), 0) & 0x0800, 0);
  sw.deviceWrite(port(0), 3, 0);
  t.is(sw.deviceRead(port(0), 3), 0x3521, 'Switch ID is read-only');
});

test('Global2 PHY indirect access: BUSY for busyPolls reads, PHY ID of internal PHYs, 0xFFFF elsewhere', (t) => {
  const { sw } = rig({ model: '6390', busyPolls: 2 });
  const phyRead = (addr: number, reg: number): { value: number; polls: number } => {
    sw.deviceWrite(G2, 0x18, 0x9800 | (addr << 5) | reg);
    let polls = 0;
    while (sw.deviceRead(G2, 0x18) & 0x8000) polls++;
    return { value: sw.deviceRead(G2, 0x19), polls };
  };
  t.deepEqual(phyRead(1, 2), { value: 0x0141, polls: 2 });
  t.is(phyRead(1, 3).value, 0x0f90, '6390 internal PHY ID');
  t.is(phyRead(0, 2).value, 0xffff, 'port 0 has no internal PHY on the 6390');
  t.is(phyRead(9, 2).value, 0xffff);
  // Write BMCR power-down through G2, read it back.
  sw.deviceWrite(G2, 0x19, 0x1940);
  sw.deviceWrite(G2, 0x18, 0x9400 | (2 << 5) | 0);
  sw.deviceWrite(G2, 0x19, 0); // lost: busy
  t.is(sw.counters.phyWritesWhileBusy, 1);
  while (sw.deviceRead(G2, 0x18) & 0x8000);
  t.is(phyRead(2, 0).value, 0x1940);
  sw.stuckPhyBusy = true;
  for (let i = 0; i < 20; i++) t.true((sw.deviceRead(G2, 0x18) & 0x8000) !== 0);
});

test('trunk tables: reset values, Update writes, pointer read-back', (t) => {
  const { sw } = rig({ model: '6390' });
  for (let i = 0; i < 8; i++) {
    sw.deviceWrite(G2, 0x07, i << 12);
    t.is(sw.deviceRead(G2, 0x07), (i << 12) | 0x07ff, `mask ${i} = all 11 ports, hash off`);
  }
  sw.deviceWrite(G2, 0x07, 0x8000 | (5 << 12) | 0x0800 | 0x0123);
  sw.deviceWrite(G2, 0x08, 0x8000 | (9 << 11) | 0x0006);
  sw.deviceWrite(G2, 0x07, 5 << 12);
  t.is(sw.deviceRead(G2, 0x07), 0x5923);
  sw.deviceWrite(G2, 0x08, 9 << 11);
  t.is(sw.deviceRead(G2, 0x08), (9 << 11) | 0x0006);
  sw.deviceWrite(G2, 0x08, 8 << 11);
  t.is(sw.deviceRead(G2, 0x08), 8 << 11, 'mapping 8 still empty');
  t.is(sw.trunkMask(5), 0x0923);
  t.is(sw.trunkMapping(9), 0x0006);
});

test('6390 monitor control: pointer/data with Update, read back per pointer', (t) => {
  const { sw } = rig({ model: '6390' });
  sw.deviceWrite(G1, 0x1a, 0x8000 | 0x0100 | 0xff);
  sw.deviceWrite(G1, 0x1a, 0x8000 | 0x3000 | 0xea);
  sw.deviceWrite(G1, 0x1a, 0x0100);
  t.is(sw.deviceRead(G1, 0x1a), 0x01ff);
  sw.deviceWrite(G1, 0x1a, 0x3000);
  t.is(sw.deviceRead(G1, 0x1a), 0x30ea);
  sw.deviceWrite(G1, 0x1a, 0x0000);
  t.is(sw.deviceRead(G1, 0x1a), 0x0000);
});

// LACPDU from the partner: slow-protocols address, EtherType 0x8809, subtype 1, version 1.
const LACPDU = hex('0180c2000002 02aabbccdd01 8809 0101 0000');
const ARP = hex('ffffffffffff 02aabbccdd01 0806 0001 0800');

function enableDsa(sw: SimMv88e6xxx, dev: number): void {
  sw.deviceWrite(dev, 4, (sw.deviceRead(dev, 4) & ~0x0300) | 0x0100);
}

function enableTrap6352(sw: SimMv88e6xxx, cpuPort: number): void {
  sw.deviceWrite(G2, 0x02, 0xffff);
  sw.deviceWrite(G2, 0x03, 0xffff);
  sw.deviceWrite(G2, 0x05, 0x0008);
  sw.deviceWrite(G1, 0x1a, cpuPort << 4);
}

test('a LACPDU is dropped until Rsvd2Cpu is on, then trapped with TO_CPU code 0 (6352)', (t) => {
  const { sw, toCpu, port } = rig();
  enableDsa(sw, port(5));
  sw.ingress(2, LACPDU);
  t.deepEqual(toCpu, []);
  t.is(sw.counters.dropped['reserved-multicast'], 1);
  enableTrap6352(sw, 5);
  sw.ingress(2, LACPDU);
  // 00 = TO_CPU, device 0; 10 = port 2 << 3, code 0; VID 1 = port default.
  t.deepEqual(toCpu, ['0180c200000202aabbccdd01' + '00100001' + '880901010000']);
  t.is(sw.counters.rx[2], 2);
});

test('6390: trapping needs both the per-address enable and the CPU destination', (t) => {
  const { sw, toCpu, port } = rig({ model: '6390' });
  sw.deviceWrite(port(10), 4, 0x0303); // EDSA, forwarding
  sw.deviceWrite(port(10), 0x0f, 0xdada);
  sw.deviceWrite(G1, 0x1a, 0x8000 | 0x0000 | 0xff);
  sw.ingress(3, LACPDU);
  t.is(sw.counters.dropped['trap-dest-not-cpu'], 1);
  sw.deviceWrite(G1, 0x1a, 0x8000 | 0x3000 | 0xe0 | 10);
  sw.ingress(3, LACPDU);
  t.deepEqual(toCpu, ['0180c200000202aabbccdd01' + 'dada0000' + '00180001' + '880901010000']);
});

test('ordinary frames go to the CPU with FORWARD tags from their source port, in forwarding state only', (t) => {
  const { sw, toCpu, port } = rig();
  enableDsa(sw, port(5));
  enableTrap6352(sw, 5);
  sw.ingress(3, ARP);
  t.deepEqual(toCpu, ['ffffffffffff02aabbccdd01' + 'c0180001' + '080600010800']);
  toCpu.length = 0;
  // Blocking: trapped frames pass, ordinary ones do not.
  sw.deviceWrite(port(3), 4, (sw.deviceRead(port(3), 4) & ~3) | 1);
  sw.ingress(3, ARP);
  sw.ingress(3, LACPDU);
  t.is(toCpu.length, 1);
  t.true(toCpu[0].startsWith('0180c2000002'));
  sw.deviceWrite(port(3), 4, (sw.deviceRead(port(3), 4) & ~3) | 2);
  sw.ingress(3, ARP);
  // Disabled: nothing at all.
  sw.deviceWrite(port(3), 4, sw.deviceRead(port(3), 4) & ~3);
  sw.ingress(3, LACPDU);
  sw.ingress(3, ARP);
  t.is(toCpu.length, 1);
  t.like(sw.counters.dropped, { blocking: 1, learning: 1, 'port-disabled': 2 });
});

test('an 802.1Q frame reaches the CPU with its TCI in the tag; trunk ports report their trunk', (t) => {
  const { sw, toCpu, port } = rig();
  enableDsa(sw, port(5));
  sw.ingress(1, hex('ffffffffffff 02aabbccdd01 8100 b064 0806 0001'));
  // e0 = FORWARD | tagged; 09 = port 1 | CFI; a0 64 = PCP 5 VID 100.
  t.deepEqual(toCpu, ['ffffffffffff02aabbccdd01' + 'e009a064' + '08060001']);
  sw.deviceWrite(port(1), 5, 0x4000 | (6 << 8));
  sw.ingress(1, ARP);
  // 34 = trunk 6 << 3 | trunk flag.
  t.is(toCpu[1], 'ffffffffffff02aabbccdd01' + 'c0340001' + '080600010800');
});

test('link down drops ingress; carrier override applies to frames too', (t) => {
  const { sw, toCpu, port, phys } = rig();
  enableDsa(sw, port(5));
  phys[2]!.setCable(false);
  sw.ingress(2, ARP);
  sw.setCarrier(3, false);
  sw.ingress(3, ARP);
  t.deepEqual(toCpu, []);
  t.is(sw.counters.dropped['link-down'], 2);
});

test('FROM_CPU frames leave the named port, bypassing STP state but not a disabled port or a dead link', (t) => {
  const { sw, egress, port, phys } = rig();
  enableDsa(sw, port(5));
  sw.cpuIngress(hex('ffffffffffff 020000000001 | 40200000 | 0806 0001')); // port 4
  t.deepEqual(egress, ['4:ffffffffffff020000000001' + '08060001']);
  sw.deviceWrite(port(4), 4, (sw.deviceRead(port(4), 4) & ~3) | 1); // blocking
  sw.cpuIngress(hex('ffffffffffff 020000000001 | 40200000 | 0806 0001'));
  t.is(egress.length, 2, 'blocking does not stop FROM_CPU');
  // Original frame was tagged: 60 = FROM_CPU | tagged; 21 = port 4 | CFI -> 8100 b064 restored.
  sw.cpuIngress(hex('ffffffffffff 020000000001 | 6021a064 | 0806 0001'));
  t.is(egress[2], '4:ffffffffffff020000000001' + '8100b064' + '08060001');
  sw.deviceWrite(port(4), 4, sw.deviceRead(port(4), 4) & ~3); // disabled
  sw.cpuIngress(hex('ffffffffffff 020000000001 | 40200000 | 0806 0001'));
  phys[3]!.setCable(false);
  sw.cpuIngress(hex('ffffffffffff 020000000001 | 40180000 | 0806 0001'));
  t.is(egress.length, 3);
  t.like(sw.counters.dropped, { 'egress-port-disabled': 1, 'egress-link-down': 1 });
  t.is(sw.counters.tx[4], 3);
});

test('malformed frames from the CPU are dropped with a reason', (t) => {
  const { sw, egress, port } = rig();
  sw.cpuIngress(hex('ffffffffffff 020000000001 | 40200000 | 0806'));
  t.is(sw.counters.dropped['cpu-untagged'], 1, 'CPU port still in normal mode');
  enableDsa(sw, port(5));
  sw.cpuIngress(hex('ffffffffffff 020000000001 | 4020'));
  sw.cpuIngress(hex('ffffffffffff 020000000001 | 00200000 | 0806')); // TO_CPU into the switch
  sw.cpuIngress(hex('ffffffffffff 020000000001 | 80200000 | 0806')); // TO_SNIFFER
  sw.cpuIngress(hex('ffffffffffff 020000000001 | 40380000 | 0806')); // port 7
  sw.cpuIngress(hex('ffffffffffff 020000000001 | 40280000 | 0806')); // the CPU port itself
  sw.cpuIngress(hex('ffffffffffff 020000000001 | 41200000 | 0806')); // device 1
  sw.cpuIngress(hex('ffffffffffff 020000000001 | c0200000 | 0806')); // FORWARD, no trunk
  sw.cpuIngress(hex('ffffffffffff 020000000001 | c0840000 | 0806')); // FORWARD trunk 16
  sw.deviceWrite(port(5), 4, sw.deviceRead(port(5), 4) | 0x0300); // EDSA, EtherType 0x9100
  sw.cpuIngress(hex('ffffffffffff 020000000001 | dada0000 40200000 | 0806'));
  t.deepEqual(egress, []);
  t.like(sw.counters.dropped, {
    'cpu-short': 1,
    'cpu-bad-command': 2,
    'cpu-bad-port': 2,
    'cpu-bad-device': 1,
    'cpu-forward-no-trunk': 1,
    'cpu-bad-trunk': 1,
    'cpu-bad-ethertype': 1,
  });
});

test('FORWARD to a trunk leaves through mapping & mask[(DA[5] ^ SA[5]) & 7]', (t) => {
  const { sw, egress, port } = rig();
  enableDsa(sw, port(5));
  // Trunk 2 = ports 1 and 3; masks as the driver writes them for 2 active members.
  sw.deviceWrite(G2, 0x08, 0x8000 | (2 << 11) | 0b1010);
  for (let i = 0; i < 8; i++) sw.deviceWrite(G2, 0x07, 0x8000 | (i << 12) | 0x0800 | (0x75 | (i < 4 ? 0b0010 : 0b1000)));
  for (let da5 = 0; da5 < 8; da5++) {
    // SA[5] = 0x01: hash = da5 ^ 1.
    sw.cpuIngress(hex(`0000000000${da5.toString(16).padStart(2, '0')} 020000000001 | c0140000 | 0806 0001`));
  }
  const ports = egress.map((e) => Number(e.split(':')[0]));
  // hash = da5 ^ 1: buckets 1,0,3,2 -> port 1; 5,4,7,6 -> port 3.
  t.deepEqual(ports, [1, 1, 1, 1, 3, 3, 3, 3]);
  // Reset masks (all ports) with a two-port mapping would duplicate: every member gets a copy.
  sw.deviceWrite(G2, 0x07, 0x8000 | (1 << 12) | 0x7f);
  egress.length = 0;
  sw.cpuIngress(hex('000000000000 020000000001 | c0140000 | 0806 0001'));
  t.deepEqual(egress.map((e) => e.split(':')[0]), ['1', '3']);
});

test('property: cpuIngress never throws on arbitrary bytes, in every CPU frame mode', (t) => {
  for (const mode of [0x0000, 0x0100, 0x0300]) {
    const { sw, port } = rig();
    sw.deviceWrite(port(5), 4, (sw.deviceRead(port(5), 4) & ~0x0300) | mode);
    sw.deviceWrite(G2, 0x08, 0x8000 | (1 << 11) | 0x1f);
    let frames = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, edsaPrefix) => {
        if (edsaPrefix && bytes.length >= 14) {
          bytes[12] = 0x91;
          bytes[13] = 0x00;
        }
        sw.cpuIngress(bytes);
        frames++;
        return sw.counters.fromCpu === frames;
      }),
    );
  }
  t.pass();
});

test('property: ingress never throws on arbitrary bytes and ports', (t) => {
  const { sw, port } = rig();
  enableDsa(sw, port(5));
  enableTrap6352(sw, 5);
  fc.assert(
    fc.property(fc.integer({ min: -2, max: 9 }), fc.uint8Array({ maxLength: 100 }), (p, bytes) => {
      sw.ingress(p, bytes);
      return true;
    }),
  );
  t.pass();
});
