/**
 * balance-tlb and balance-alb (bond_alb.c) in the simulated world: a link partner and 16
 * hosts that keep ARP caches as Linux does. Transmit and receive spread over the slaves, the
 * client table follows slaves joining, failing and returning, and the MAC rules hold through
 * failover and release. Then the client table and its updates at unit level with a bond on
 * fake ports, and a property test: random joins, failures and returns never lose or
 * duplicate a client.
 */
import test from 'ava';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import { VirtualClock } from '../firmware/core/clock.ts';
import { EventLog } from '../firmware/core/log.ts';
import { SeededRandom } from '../firmware/core/random.ts';
import { formatMac, parseIpv4, readU16 } from '../firmware/net/addr.ts';
import { IPPROTO_UDP } from '../firmware/net/packets.ts';
import { Bond, type BondEnv } from '../firmware/bonding/bond.ts';
import type { BondPort } from '../firmware/bonding/slave.ts';
import type { AlbMode } from '../firmware/bonding/alb.ts';
import { ETHERTYPE_LOOPBACK } from '../firmware/bonding/alb.ts';
import '../firmware/bonding/modes.ts';

const GW = parseIpv4('192.168.1.1')!;
const PORTS = ['eth0', 'eth1', 'eth2', 'eth3'];

interface AlbSystem {
  s: TestSystem;
  bond: Bond;
  alb: AlbMode;
}

/** Boots, loads bonding with `params`, brings bond0 up with the gateway's address and enslaves `ports`. */
async function setup(params: string, ports = ['eth0', 'eth1']): Promise<AlbSystem> {
  const s = await bootTest();
  await s.run(`modprobe bonding ${params}`);
  await s.run('ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up');
  for (const p of ports) await enslave(s, p);
  const bond = s.firmware.net.bond('bond0')!;
  return { s, bond, alb: bond.modeExtension as AlbMode };
}

async function enslave(s: TestSystem, port: string): Promise<void> {
  const out = await s.run(`echo +${port} > /sys/class/net/bond0/bonding/slaves`);
  if (out !== '') throw new Error(out);
}

async function release(s: TestSystem, port: string): Promise<void> {
  const out = await s.run(`echo -${port} > /sys/class/net/bond0/bonding/slaves`);
  if (out !== '') throw new Error(out);
}

function mac(s: TestSystem, port: string): string {
  return formatMac(s.firmware.net.port(port)!.mac);
}

function perm(s: TestSystem, port: string): string {
  return formatMac(s.firmware.net.board.ports.find((p) => p.name === port)!.permanentMac);
}

/** The gateway resolves every host (broadcast ARP requests), as it would before talking to them. */
async function resolveAll(s: TestSystem): Promise<void> {
  const host = s.firmware.net.host;
  const macs = await s.clock.drive(Promise.all(s.hw.world.hosts.map((h) => host.resolve(h.ip))));
  if (macs.some((m) => m === undefined)) throw new Error('a host did not answer ARP');
}

/** What each host's ARP cache says the gateway's MAC is. */
function gatewayMacs(s: TestSystem): string[] {
  return s.hw.world.hosts.map((h) => {
    const m = h.arpCache.get(GW);
    return m ? formatMac(m) : 'none';
  });
}

interface Traffic {
  sent: number;
  replies: number;
  /** Frames per port, board to partner and partner to board. */
  tx: number[];
  rx: number[];
}

/**
 * `perHost` UDP datagrams from the gateway to every host; each host answers each one to the
 * MAC its ARP cache has for the gateway. Counts what crossed each cable.
 */
async function traffic(s: TestSystem, perHost = 10): Promise<Traffic> {
  const host = s.firmware.net.host;
  const world = s.hw.world;
  const before = PORTS.map((_, i) => world.stats(i));
  const delivered = host.stats.delivered;
  let sent = 0;
  for (let k = 0; k < perHost; k++) {
    for (const h of world.hosts) if (host.sendIpv4(h.ip, IPPROTO_UDP, 40000 + k, 7, 64)) sent++;
  }
  await s.run('sim wait 50ms');
  const after = PORTS.map((_, i) => world.stats(i));
  return {
    sent,
    replies: host.stats.delivered - delivered,
    tx: after.map((a, i) => a.tx - before[i].tx),
    rx: after.map((a, i) => a.rx - before[i].rx),
  };
}

function share(counts: number[], i: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  return total === 0 ? 0 : counts[i] / total;
}


// ---------------------------------------------------------------------------------------------
// balance-tlb in the simulated world

test('balance-tlb: transmit spreads by load, receive stays on the active slave; unique MACs', async (t) => {
  const { s, bond, alb } = await setup('mode=balance-tlb miimon=100');
  await s.run('sim wait 1s');
  await resolveAll(s);
  await s.run('sim wait 3s');
  // No receive balancing: every host knows the gateway by the bond's MAC.
  t.true(gatewayMacs(s).every((m) => m === formatMac(bond.mac)));
  t.is(alb.rlb.clients().length, 0);
  t.is(mac(s, 'eth0'), formatMac(bond.mac));
  t.is(mac(s, 'eth1'), perm(s, 'eth1'));
  await traffic(s);
  await s.run('sim wait 10s');
  const r = await traffic(s);
  t.is(r.replies, r.sent);
  t.true(share(r.tx, 0) >= 0.25 && share(r.tx, 1) >= 0.25, `tx ${r.tx}`);
  t.is(r.rx[1], 0);
  t.is(r.rx[0], r.sent);
  // Frames sent on eth1 carry eth1's MAC: its load is counted in the table.
  t.true(alb.txLoad(bond.slave('eth1')!) > 0 || alb.tlb.entriesOf(bond.slave('eth1')!).length > 0);
});

test('balance-tlb: failover swaps the MACs; nothing lost after; release restores them', async (t) => {
  const { s, bond } = await setup('mode=balance-tlb miimon=100');
  const p0 = perm(s, 'eth0');
  const p1 = perm(s, 'eth1');
  await s.run('sim wait 1s');
  await resolveAll(s);
  await s.run('sim link eth0 down');
  await s.run('sim wait 300ms');
  t.is(bond.currActiveSlave?.name, 'eth1');
  t.is(mac(s, 'eth1'), p0);
  t.is(mac(s, 'eth0'), p1);
  // The hosts know the bond's MAC, which now lives on eth1 (the learning frame told the switch).
  const r = await traffic(s);
  t.is(r.sent, 160);
  t.is(r.replies, r.sent);
  t.is(r.rx[1], r.sent);
  await s.run('sim link eth0 up');
  await s.run('sim wait 300ms');
  t.is(bond.currActiveSlave?.name, 'eth1');
  await release(s, 'eth1');
  t.is(bond.currActiveSlave?.name, 'eth0');
  t.is(mac(s, 'eth0'), p0);
  t.is(mac(s, 'eth1'), p1);
  const again = await traffic(s);
  t.is(again.replies, again.sent);
});

test('balance-tlb: learning frames every lp_interval from each slave with its own MAC', async (t) => {
  const { s, alb } = await setup('mode=balance-tlb miimon=100 lp_interval=2');
  const captured: Uint8Array[][] = [[], [], [], []];
  const pcap = s.hw.world;
  const orig = pcap.fromBoard.bind(pcap);
  pcap.fromBoard = (i: number, f: Uint8Array) => {
    if (readU16(f, 12) === ETHERTYPE_LOOPBACK) captured[i].push(f.slice());
    orig(i, f);
  };
  const n0 = alb.learningSent;
  await s.run('sim wait 10s');
  t.is(alb.learningSent - n0, 10); // 5 rounds of 2 s, two slaves
  for (const [i, port] of [[0, 'eth0'], [1, 'eth1']] as const) {
    t.true(captured[i].length >= 5);
    for (const f of captured[i]) {
      t.is(f.length, 60);
      t.is(formatMac(f, 0), mac(s, port));
      t.is(formatMac(f, 6), mac(s, port));
    }
  }
});

test('balance-tlb with tlb_dynamic_lb=0: the transmit hash picks the slave; no monitor, no learning frames', async (t) => {
  const { s, alb } = await setup('mode=balance-tlb miimon=100 tlb_dynamic_lb=0 xmit_hash_policy=layer3+4');
  // (The first slave taking the bond's MAC sent its learning frames, as in Linux.)
  const lp0 = alb.learningSent;
  await s.run('sim wait 3s');
  await resolveAll(s);
  const r = await traffic(s);
  t.is(r.replies, r.sent);
  t.true(r.tx[0] > 0 && r.tx[1] > 0, `tx ${r.tx}`);
  t.is(alb.learningSent, lp0);
  t.is(alb.ticks, 0);
  t.true(alb.tlb.txSlave.every((x) => x === undefined));
});

test('the ARP monitor is refused in balance-tlb', async (t) => {
  for (const mode of ['balance-tlb']) {
    const s = await bootTest();
    await s.run(`modprobe bonding mode=${mode} miimon=100`);
    const out = await s.run('echo 100 > /sys/class/net/bond0/bonding/arp_interval');
    t.true(out.includes(`arp_interval: not supported in ${mode} mode`), out);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/arp_interval'), '0');
  }
});

// ---------------------------------------------------------------------------------------------
// Unit level: a bond on fake ports

class FakePort implements BondPort {
  mac: Uint8Array;
  adminUp = false;
  link = true;
  speed = 1000;
  readonly duplex = 'full' as const;
  mtu = 1500;
  master: string | undefined;
  promiscuity = 0;
  allmulti = 0;
  readonly sent: Uint8Array[] = [];

  constructor(
    readonly name: string,
    n: number,
  ) {
    this.mac = Uint8Array.of(0x02, 0xaa, 0, 0, 0, n);
  }
  get carrier(): boolean {
    return this.adminUp && this.link;
  }
  setMac(mac: Uint8Array): void {
    this.mac = mac.slice();
  }
  async setAdminUp(up: boolean): Promise<void> {
    this.adminUp = up;
  }
  async probeLink(): Promise<boolean> {
    return this.carrier;
  }
  send(frame: Uint8Array, length: number): boolean {
    if (!this.carrier) return false;
    this.sent.push(frame.slice(0, length));
    return true;
  }
  countRxDropped(): void {}
}

interface FakeBond {
  clock: VirtualClock;
  bond: Bond;
  alb: AlbMode;
  ports: FakePort[];
}

async function fakeBond(mode = 'balance-alb', nports = 4): Promise<FakeBond> {
  const clock = new VirtualClock();
  const env: BondEnv = {
    clock,
    log: new EventLog(clock),
    random: new SeededRandom(7),
    deliver: () => {},
    notifyPeers: () => {},
    arpRoute: () => undefined,
    hasIp: () => false,
  };
  const bond = new Bond('bond0', env);
  bond.setOptionText('mode', mode);
  bond.setOptionText('miimon', '100');
  bond.open();
  const ports = Array.from({ length: nports }, (_, i) => new FakePort(`eth${i}`, i + 1));
  return { clock, bond, alb: bond.modeExtension as AlbMode, ports };
}

test('unit: tlb picks the slave with the largest gap between speed and load', async (t) => {
  const f = await fakeBond('balance-tlb');
  f.ports[1].speed = 100;
  for (const p of f.ports.slice(0, 2)) await f.bond.enslave(p);
  await f.clock.advance(200);
  const [s0, s1] = f.bond.slaves;
  t.is(f.alb.tlb.gap(s0), 1000 * 2 ** 20);
  // A load of 925 Mb/s (in bytes per second) leaves eth0 75 Mb/s of gap: eth1's 100 Mb/s is larger.
  f.alb.tlb.slaveInfo(s0).load = 925 * 2 ** 17;
  t.is(f.alb.tlb.gap(s0), 1000 * 2 ** 20 - 925 * 2 ** 20);
  t.is(f.alb.tlb.leastLoaded(), s1);
  f.alb.tlb.slaveInfo(s0).load = 0;
  t.is(f.alb.tlb.leastLoaded(), s0);
});

