/**
 * The MT7530/MT7531 emulator at register level, against hex vectors worked out from Linux's
 * sources (each test says which): the page window of mt7530-mdio.c, the special tag of
 * tag_mtk.c, the PMSR bits of mt7530.h, and the MT7531's PHY_IAC (mt7531_ind_c22_phy_read/
 * _write). Then what the emulator adds: latched registers, MIB counts, trapping, and random
 * register and frame traffic that never throws.
 */
import test from 'ava';
import fc from 'fast-check';
import { VirtualClock } from '../lib/clock.ts';
import { MdioWire } from '../hal/mdio/wire.ts';
import { SimPhy } from '../hal/sim/phy.ts';
import { SimMt7530, type SimMt7530Model } from '../hal/sim/mt7530.ts';
import { decodePmsr } from '../hal/switch/mt7530/chip.ts';
import { MTK_ERR_SHORT, decodeRecv, encodeXmit, stripRecv } from '../hal/switch/mt7530/tag.ts';

/** An MDIO wire that records every transaction as "w <addr> <reg> <value>" / "r <addr> <reg>". */
class RecordingWire extends MdioWire {
  log: string[] = [];
  override read(addr: number, reg: number): number {
    this.log.push(`r ${addr.toString(16)} ${reg.toString(16)}`);
    return super.read(addr, reg);
  }
  override write(addr: number, reg: number, value: number): void {
    this.log.push(`w ${addr.toString(16)} ${reg.toString(16)} ${value.toString(16).padStart(4, '0')}`);
    super.write(addr, reg, value);
  }
}

function rig(model: SimMt7530Model, opts: { busyPolls?: number } = {}) {
  const clock = new VirtualClock();
  const phys = [0, 1, 2, 3, 4].map(() => new SimPhy({ model: model === 'MT7530' ? 'mediatek-mt7530' : 'mediatek-mt7531', clock }));
  phys.forEach((p) => p.setCable(true));
  const chip = new SimMt7530({ model, smiAddr: 0x1f, clock, phys, cpuPort: 6, ...opts });
  const wire = new RecordingWire();
  chip.attachTo(wire);
  const toCpu: Uint8Array[] = [];
  const out: [number, Uint8Array][] = [];
  chip.onCpuEgress = (f) => toCpu.push(f);
  chip.onEgress = (p, f) => out.push([p, f]);
  /** A 32-bit register through the window, as mt7530_regmap_read does it. */
  const read = (reg: number): number => {
    wire.write(0x1f, 0x1f, (reg >> 6) & 0x3ff);
    const lo = wire.read(0x1f, (reg >> 2) & 0xf);
    const hi = wire.read(0x1f, 0x10);
    return ((hi << 16) | lo) >>> 0;
  };
  /** mt7530_regmap_write. */
  const write = (reg: number, value: number): void => {
    wire.write(0x1f, 0x1f, (reg >> 6) & 0x3ff);
    wire.write(0x1f, (reg >> 2) & 0xf, value & 0xffff);
    wire.write(0x1f, 0x10, value >>> 16);
  };
  return { clock, phys, chip, wire, read, write, toCpu, out };
}

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('page window (mt7530-mdio.c): PMSR of port 0, 0x3008, is page 0xc0, low half at 2, high half at 0x10', (t) => {
  const { wire, read } = rig('MT7531');
  wire.log = [];
  // A linked 1000/full port: PMSR_LINK | PMSR_DPX | PMSR_SPEED_1000.
  t.is(read(0x3008), 0x0000000b);
  t.deepEqual(wire.log, ['w 1f 1f 00c0', 'r 1f 2', 'r 1f 10']);
  t.is(wire.transactions, 3);
});

test('page window: the ID registers, MT7530_CREV 0x7ffc (page 0x1ff, low 0xf) and MT7531_CREV 0x781c (page 0x1e0, low 7)', (t) => {
  const a = rig('MT7530');
  t.is(a.read(0x7ffc) >>> 16, 0x7530);
  t.deepEqual(a.wire.log, ['w 1f 1f 01ff', 'r 1f f', 'r 1f 10']);
  const b = rig('MT7531');
  t.is(b.read(0x781c) >>> 16, 0x7531);
  t.deepEqual(b.wire.log, ['w 1f 1f 01e0', 'r 1f 7', 'r 1f 10']);
  // Each chip's other ID register holds no chip name.
  t.is(a.read(0x781c) >>> 16, 0);
  t.is(b.read(0x7ffc) >>> 16, 0);
});

test('page window: a write is page, low half, then high half, which commits all 32 bits; reads latch the high half', (t) => {
  const { wire, read, write } = rig('MT7530');
  write(0x2004, 0x12345678); // PCR_P(0): page 0x80, low register 1
  t.deepEqual(wire.log.slice(-3), ['w 1f 1f 0080', 'w 1f 1 5678', 'w 1f 10 1234']);
  t.is(read(0x2004), 0x12345678);
  // The low half alone changes nothing until the high half comes.
  wire.write(0x1f, 1, 0xaaaa);
  t.is(read(0x2004), 0x12345678);
  // The high half read returns what the low read latched, whatever was written meanwhile.
  wire.write(0x1f, 0x1f, 0x80);
  t.is(wire.read(0x1f, 1), 0x5678);
  write(0x2104, 0xffff0000);
  wire.write(0x1f, 0x1f, 0x80);
  t.is(wire.read(0x1f, 0x10), 0x1234);
  t.is(wire.read(0x1f, 0x1f), 0x80, 'the page reads back');
});

test('the special tag (tag_mtk.c): transmit vectors for untagged, 802.1Q and 802.1ad frames; ports 6 and up cannot be named', (t) => {
  // Untagged ARP to port 3: the 4 tag bytes go in after the source MAC: 00 (untagged), BIT(3), 00 00.
  const arp = hex('ffffffffffff 020000000001 0806 0001');
  const out = new Uint8Array(64);
  const n = encodeXmit(out, arp, arp.length, 3);
  t.is(toHex(out.subarray(0, n)), 'ffffffffffff020000000001' + '00080000' + '08060001');
  // 802.1Q (TPID 8100, TCI 0x0064) to port 1: the tag takes the TPID's place, the TCI stays: 01 02 00 64.
  const tagged = hex('ffffffffffff 020000000001 8100 0064 0800 45');
  t.is(encodeXmit(out, tagged, tagged.length, 1), tagged.length);
  t.is(toHex(out.subarray(0, tagged.length)), 'ffffffffffff020000000001' + '01020064' + '080045');
  // 802.1ad: MTK_HDR_XMIT_TAGGED_TPID_88A8 (2); port 5 is bit 5 (0x20).
  const qinq = hex('ffffffffffff 020000000001 88a8 0064 8100 0001 0800');
  encodeXmit(out, qinq, qinq.length, 5);
  t.is(toHex(out.subarray(12, 16)), '02200064');
  t.is(encodeXmit(out, arp, arp.length, 6), -1, 'MTK_HDR_XMIT_DP_BIT_MASK is GENMASK(5, 0)');
  t.is(encodeXmit(out, arp, 13, 0), -1);
});

test('the special tag: receive vectors; the source port is bits 2:0 of the tag\'s first 16 bits', (t) => {
  const rx = hex('ffffffffffff 020000000001 0002 0000 0806 0001');
  t.is(decodeRecv(rx, rx.length), 2);
  t.is(decodeRecv(hex('ffffffffffff 020000000001 ab0c 0000 0806'), 18), 4, '0xab0c & 7');
  t.is(decodeRecv(rx, 17), MTK_ERR_SHORT);
  const out = new Uint8Array(64);
  const n = stripRecv(rx, rx.length, out);
  t.is(toHex(out.subarray(0, n)), 'ffffffffffff020000000001' + '08060001');
});

test('the emulator puts a receive tag on frames to the CPU and takes transmit tags off frames from it', (t) => {
  const { chip, write, toCpu, out } = rig('MT7531');
  write(0x2610, 0x20); // PVC_P(6): PORT_SPEC_TAG
  write(0x3600, 0xf805633b); // PMCR_P(6): PMCR_CPU_PORT_SETTING(ID_MT7531), as mt7531_cpu_port_config forces it
  const frame = hex('ffffffffffff 020000000099 0806 00010800060400010200000000990a000001');
  chip.ingress(2, frame);
  t.is(toCpu.length, 1);
  t.is(toHex(toCpu[0].subarray(12, 16)), '00020000', 'source port 2');
  t.is(toHex(toCpu[0].subarray(16)), toHex(frame.subarray(12)));
  // From the CPU to ports 0 and 3 at once: one copy each, the tag removed.
  const tx = hex('ffffffffffff 020000000001 0009 0000 0806 0001');
  chip.cpuIngress(tx);
  t.deepEqual(out.map(([p, f]) => `${p} ${toHex(f)}`), ['0 ffffffffffff02000000000108060001', '3 ffffffffffff02000000000108060001']);
  // An 802.1Q header folded into the tag gets its TPID back.
  out.length = 0;
  chip.cpuIngress(hex('ffffffffffff 020000000001 0102 0064 0800 45'));
  t.deepEqual(out.map(([p, f]) => `${p} ${toHex(f)}`), ['1 ffffffffffff020000000001810000640800' + '45']);
});

test('PMSR (mt7530.h PMSR_*): the bits decode as mt7530_pcs_get_state reads them, and follow the PHY', (t) => {
  t.deepEqual(decodePmsr(0x0b), { link: true, speed: 1000, duplex: 'full' });
  t.deepEqual(decodePmsr(0x05), { link: true, speed: 100, duplex: 'half' });
  t.deepEqual(decodePmsr(0x03), { link: true, speed: 10, duplex: 'full' });
  t.deepEqual(decodePmsr(0x00), { link: false, speed: 10, duplex: 'half' });
  for (const model of ['MT7530', 'MT7531'] as const) {
    const { phys, read, write, chip } = rig(model);
    phys[1].setPartner({ speed: 100, duplex: 'half' });
    t.is(read(0x3108), 0x05, `${model}: port 1 at 100/half`);
    phys[2].setCable(false);
    t.is(read(0x3208), 0x00, `${model}: no link, no speed or duplex`);
    chip.setCarrier(0, false);
    t.is(read(0x3008), 0x00, `${model}: sim carrier`);
    // Force mode: MT7530 PMCR_FORCE_MODE; MT7531 MT7531_FORCE_LNK/SPD/DPX/RX_FC; link forced up at 100/full with RX pause.
    write(0x3300, ((model === 'MT7530' ? 0x8000 : 0xf0000000) | 0x6000 | 0x17) >>> 0);
    phys[3].setCable(false);
    t.is(read(0x3308), 0x27, `${model}: forced 100/full, link, RX_FC (0x20) with PMCR_RX_FC_EN only in force mode`);
  }
});

test('MT7531 PHY_IAC (mt7531_ind_c22_phy_read): 0x84290000 reads PHYSID1 of PHY 2; ACS_ST shows for one poll, then the data', (t) => {
  const { read, write } = rig('MT7531');
  // ACS_ST | REG_ADDR(2) << 25 | PHY_ADDR(2) << 20 | CMD(READ = 2) << 18 | ST(CL22 = 1) << 16.
  write(0x701c, 0x84290000);
  t.is(read(0x701c), 0x84290000, 'busy: ACS_ST still set');
  t.is(read(0x701c), 0x042903a2, 'done: ACS_ST clear, PHYSID1 0x03a2 in [15:0]');
  t.is(read(0x701c), 0x042903a2, 'stays until the next command');
});

test('MT7531 PHY_IAC (mt7531_ind_c22_phy_write): 0x80151940 writes BMCR of PHY 1; a command while busy is lost', (t) => {
  const { phys, read, write, chip } = rig('MT7531');
  // ACS_ST | PHY_ADDR(1) << 20 | CMD(WRITE = 1) << 18 | ST(1) << 16 | 0x1940 (power down, AN, full, 1000).
  write(0x701c, 0x80151940);
  write(0x701c, 0x80250000); // a second command before the first completed: lost
  t.is(chip.counters.iacWritesWhileBusy, 1);
  t.is((read(0x701c) & 0x80000000) >>> 0, 0x80000000, "busy");
  t.is(read(0x701c), 0x00151940);
  t.is(phys[1].read(0), 0x1940);
  t.false(phys[1].linkUp, 'powered down');
  // Clause 45 through IAC: address (ST 0, CMD 0), then read (CMD 3); the emulated PHYs are Clause 22 only: 0xffff.
  write(0x701c, 0x80000000 | (7 << 25) | (1 << 20) | 0x3c);
  read(0x701c);
  read(0x701c);
  write(0x701c, 0x80000000 | (7 << 25) | (1 << 20) | (3 << 18));
  read(0x701c);
  t.is(read(0x701c) & 0xffff, 0xffff);
});

test('the MT7530\'s PHYs answer on the MDIO bus at their port numbers; the MT7531\'s only through PHY_IAC', (t) => {
  const a = rig('MT7530');
  t.is(a.wire.read(3, 2), 0x03a2);
  t.is(a.wire.read(3, 3), 0x9412);
  const b = rig('MT7531');
  t.is(b.wire.read(3, 2), 0xffff);
});

test('SYS_INT_STS latches a PHY link change until written with 1 (mt7530_irq_thread_fn)', (t) => {
  const { phys, read, write } = rig('MT7530');
  t.is(read(0x700c), 0);
  phys[1].setCable(false);
  phys[1].setCable(true);
  t.is(read(0x700c), 0b10);
  t.is(read(0x700c), 0b10, 'reading does not clear it');
  write(0x700c, 0b01);
  t.is(read(0x700c), 0b10, 'a 1 elsewhere clears nothing');
  write(0x700c, 0b10);
  t.is(read(0x700c), 0);
});

test('MIB counters count frames that cross; CCR with MIB_ENABLE clear flushes them and stops counting', (t) => {
  const { chip, read, write } = rig('MT7531');
  const frame = hex('020000000001 020000000099 0800 45').slice();
  const padded = new Uint8Array(60);
  padded.set(frame);
  chip.ingress(0, padded);
  chip.ingress(0, new Uint8Array(1000).fill(1));
  // Port 0's block at 0x4000: RxUnicast 0x68, RxMulticast 0x6c, RxPktSz64 0x90, RxPktSz512To1023 0xa0, RxBytes 0xa8.
  t.is(read(0x4068), 1);
  t.is(read(0x406c), 1, 'the all-ones frame is multicast');
  t.is(read(0x4090), 1);
  t.is(read(0x40a0), 1);
  t.is(read(0x40a8), 64 + 1004);
  t.is(read(0x40ac), 0, 'RxBytes high word');
  write(0x4fe0, 0xf0); // CCR_MIB_FLUSH
  t.is(read(0x40a8), 0);
  chip.ingress(0, padded);
  t.is(read(0x4068), 0, 'not counting');
  write(0x4fe0, 0x800000f0); // CCR_MIB_ACTIVATE
  chip.ingress(0, padded);
  t.is(read(0x4068), 1);
  t.is(chip.counters.rx[0], 4);
});

test('link-local frames follow the trap registers: CPU only regardless of STP state with BPDU_FR, dropped without a trap port', (t) => {
  const { chip, write, toCpu } = rig('MT7531');
  const lacpdu = new Uint8Array(60);
  lacpdu.set(hex('0180c2000002 020000000099 8809 01'));
  write(0x3600, 0xf805633b); // CPU port link forced up (PMCR_CPU_PORT_SETTING)
  write(0x2000, 0x4); // SSP_P(0): FID 1 blocking
  chip.ingress(0, lacpdu);
  t.is(toCpu.length, 0, 'reset RGAC1 (follow MFC): ordinary multicast, and the port is blocking');
  write(0x28, 0x03060306); // RGAC1 as mt753x_trap_frames sets it
  chip.ingress(0, lacpdu);
  t.is(toCpu.length, 0, 'no CPU port in CFC CPU_PMAP yet');
  t.is(chip.counters.dropped['trap-dest-not-cpu'], 1);
  write(0x4, 0x40); // MT7531_CFC: CPU_PMAP BIT(6)
  chip.ingress(0, lacpdu);
  t.is(toCpu.length, 1, 'trapped although the port is blocking (R02_BPDU_FR)');
  write(0x28, 0x00060306); // :02 without BPDU_FR
  chip.ingress(0, lacpdu);
  t.is(toCpu.length, 1, 'without BPDU_FR the blocking state stops it');
  write(0x28, 0x00070306); // :02 dropped
  write(0x2000, 0xc);
  chip.ingress(0, lacpdu);
  t.is(chip.counters.dropped['link-local-drop'], 1);
});

test('fast-check: random register traffic through the window and random frames never throw (both models)', (t) => {
  for (const model of ['MT7530', 'MT7531'] as const) {
    const { chip, wire, clock } = rig(model, { busyPolls: 2 });
    const op = fc.oneof(
      fc.record({ kind: fc.constant('read' as const), reg: fc.integer({ min: 0, max: 31 }) }),
      fc.record({ kind: fc.constant('write' as const), reg: fc.integer({ min: 0, max: 31 }), value: fc.integer({ min: 0, max: 0xffff }) }),
      fc.record({ kind: fc.constant('reg' as const), addr: fc.integer({ min: 0, max: 0x3fff }).map((x) => x * 4), value: fc.integer({ min: 0, max: 0xffffffff }) }),
      fc.record({ kind: fc.constant('ingress' as const), port: fc.integer({ min: -1, max: 8 }), frame: fc.uint8Array({ maxLength: 1600 }) }),
      fc.record({ kind: fc.constant('cpu' as const), frame: fc.uint8Array({ maxLength: 1600 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        for (const o of ops) {
          if (o.kind === 'read') wire.read(0x1f, o.reg);
          else if (o.kind === 'write') wire.write(0x1f, o.reg, o.value);
          else if (o.kind === 'reg') {
            chip.writeRegister(o.addr, o.value);
            chip.readRegister(o.addr);
          } else if (o.kind === 'ingress') chip.ingress(o.port, o.frame);
          else chip.cpuIngress(o.frame);
        }
        void clock.now();
      }),
      { numRuns: 200 },
    );
    t.pass();
  }
});
