/**
 * balance-tlb and balance-alb (bond_alb.c) in the simulated world: a link partner and 16
 * hosts that keep ARP caches as Linux does. Transmit and receive spread over the slaves, the
 * client table follows slaves joining, failing and returning, and the MAC rules hold through
 * failover and release. Then the client table and its updates at unit level with a bond on
 * fake ports, and a property test: random joins, failures and returns never lose or
 * duplicate a client.
 */
import test from 'ava';
import fc from 'fast-check';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { VirtualClock } from '../lib/clock.ts';
import { EventLog } from '../lib/log.ts';
import { SeededRandom } from '../lib/random.ts';
import { formatMac, parseIpv4, readU16, readU32 } from '../lib/addr.ts';
import { ARP_REPLY, ARP_REQUEST, buildArp, buildIpv4, IPPROTO_UDP } from '../firmware/net/packets.ts';
import { Bond, type BondEnv } from '../firmware/bonding/bond.ts';
import type { BondPort } from '../firmware/bonding/slave.ts';
import type { AlbMode } from '../firmware/bonding/alb.ts';
import { ALB_TICK_MS, ETHERTYPE_LOOPBACK } from '../firmware/bonding/alb.ts';
import { RLB_UPDATE_DELAY, rlbHashIp } from '../firmware/bonding/rlb.ts';
import '../firmware/bonding/modes.ts';

const GW = parseIpv4('192.168.1.1')!;
const PORTS = ['eth0', 'eth1', 'eth2', 'eth3'];

interface AlbSystem {
  s: TestSystem;
  bond: Bond;
  alb: AlbMode;
}

/** Boots, loads bonding with `params`, brings bond0 up with the gateway's address and enslaves `ports`. */
async function setup(board: BoardDefinition, params: string, ports = ['eth0', 'eth1']): Promise<AlbSystem> {
  const s = await bootTest(board);
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
  return formatMac(s.firmware.net.port(port)!.permanentMac);
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

function unique(xs: string[]): boolean {
  return new Set(xs).size === xs.length;
}

// ---------------------------------------------------------------------------------------------
// balance-alb and balance-tlb in the simulated world, on each switch-chip family's board

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'balance-alb: transmit and receive spread over two slaves; ARP replies carry the assigned slave\'s MAC'), async (t) => {
    const { s, bond, alb } = await setup(board, 'mode=balance-alb miimon=100');
    await s.run('sim wait 1s');
    await resolveAll(s);
    // The clients learn their slave's MAC from the updates sent after the 2 s delay.
    await s.run('sim wait 2500ms');
    const clients = alb.rlb.clients();
    t.is(clients.length, 16);
    const byIp = new Map(clients.map((c) => [c.ip, c]));
    for (const h of s.hw.world.hosts) {
      const c = byIp.get(h.ip)!;
      t.is(formatMac(h.arpCache.get(GW)!), formatMac(c.slave!.port.mac), `host ${h.ip & 255}`);
    }
    t.is(clients.filter((c) => c.slave!.name === 'eth0').length, 8);
    t.is(clients.filter((c) => c.slave!.name === 'eth1').length, 8);

    // The first destinations all go to the first slave (no load history yet); the rebalance
    // 10 s later gives every destination its load, and the next assignment spreads by load.
    await traffic(s);
    await s.run('sim wait 10s');
    const r = await traffic(s);
    t.is(r.replies, r.sent);
    t.is(r.sent, 160);
    t.log(`tx ${r.tx} rx ${r.rx}`);
    t.true(share(r.tx, 0) >= 0.25 && share(r.tx, 1) >= 0.25, `tx ${r.tx}`);
    t.true(share(r.rx, 0) >= 0.25 && share(r.rx, 1) >= 0.25, `rx ${r.rx}`);
    // Frames a slave sends carry its own MAC: the partner learned each slave's MAC on its port.
    t.not(mac(s, 'eth0'), mac(s, 'eth1'));
    t.is(formatMac(bond.mac), mac(s, 'eth0'));
  });

  test(onBoard(board, 'balance-alb: after a slave fails every peer moves within one monitor interval plus the update delay; nothing is lost after'), async (t) => {
    const { s, bond, alb } = await setup(board, 'mode=balance-alb miimon=100');
    await s.run('sim wait 1s');
    await resolveAll(s);
    await s.run('sim wait 3s');
    const e0 = mac(s, 'eth0');
    const e1 = mac(s, 'eth1');
    const before = await traffic(s);
    t.is(before.replies, before.sent);
    t.true(share(before.rx, 0) >= 0.25 && share(before.rx, 1) >= 0.25, `rx ${before.rx}`);

    const down = s.clock.now();
    await s.run('sim link eth0 down');
    // Step through time until every host's cache names the surviving slave's MAC.
    let moved: number | undefined;
    for (let dt = 0; dt <= 5000 && moved === undefined; dt += 10) {
      await s.clock.advance(10);
      const now = bond.slaves.find((x) => x.name === 'eth1')!.port.mac;
      if (gatewayMacs(s).every((m) => m === formatMac(now))) moved = s.clock.now();
    }
    t.truthy(moved);
    // The MII monitor notices within its interval; the clients are told once the update delay
    // (RLB_UPDATE_DELAY ALB ticks counted down, then the round on the next tick) has run.
    const detected = s.log.tail().find((e) => e.time >= down && e.text.includes('(slave eth0): link status definitely down, disabling slave'))!.time;
    t.log(`detected ${detected - down} ms, all moved ${moved! - down} ms after the cable was pulled`);
    t.true(detected - down <= 100);
    t.true(moved! - detected <= (RLB_UPDATE_DELAY + 1) * ALB_TICK_MS);
    t.true(moved! - down <= 100 + (RLB_UPDATE_DELAY + 1) * ALB_TICK_MS);
    // The MACs swapped: the new active slave carries the bond's MAC, the failed one eth1's.
    t.is(bond.currActiveSlave?.name, 'eth1');
    t.is(mac(s, 'eth1'), e0);
    t.is(mac(s, 'eth0'), e1);
    t.is(formatMac(bond.mac), e0);
    t.true(alb.rlb.clients().every((c) => c.slave?.name === 'eth1'));

    const after = await traffic(s);
    t.is(after.sent, 160);
    t.is(after.replies, after.sent);
    t.is(after.tx[0], 0);
    t.is(after.rx[0], 0);

    // eth0 returns: the clients spread again (rebalance, then the updates after the delay).
    await s.run('sim link eth0 up');
    await s.run('sim wait 10s');
    const back = await traffic(s);
    t.is(back.replies, back.sent);
    t.true(share(back.rx, 0) >= 0.25 && share(back.rx, 1) >= 0.25, `rx ${back.rx}`);
    t.true(share(back.tx, 0) >= 0.25 && share(back.tx, 1) >= 0.25, `tx ${back.tx}`);
    // No primary: eth1 stays active with the bond's MAC; eth0 keeps eth1's permanent MAC.
    t.is(bond.currActiveSlave?.name, 'eth1');
    t.is(mac(s, 'eth1'), e0);
    t.is(mac(s, 'eth0'), e1);
  });

  test(onBoard(board, 'balance-alb: a slave added later takes a share of the peers'), async (t) => {
    const { s, alb } = await setup(board, 'mode=balance-alb miimon=100', ['eth0']);
    await s.run('sim wait 1s');
    await resolveAll(s);
    await s.run('sim wait 3s');
    const one = await traffic(s);
    t.is(one.replies, one.sent);
    t.is(one.rx[0], one.sent);
    t.true(alb.rlb.clients().every((c) => c.slave?.name === 'eth0'));

    await enslave(s, 'eth1');
    t.not(mac(s, 'eth1'), mac(s, 'eth0'));
    t.is(mac(s, 'eth1'), perm(s, 'eth1'));
    await s.run('sim wait 2500ms');
    const clients = alb.rlb.clients();
    t.is(clients.filter((c) => c.slave?.name === 'eth1').length, 8);
    const eth1 = mac(s, 'eth1');
    t.is(gatewayMacs(s).filter((m) => m === eth1).length, 8);
    const two = await traffic(s);
    t.is(two.replies, two.sent);
    t.true(share(two.rx, 1) >= 0.25 && share(two.rx, 0) >= 0.25, `rx ${two.rx}`);
    await s.run('sim wait 10s');
    const later = await traffic(s);
    t.true(share(later.tx, 1) >= 0.25 && share(later.tx, 0) >= 0.25, `tx ${later.tx}`);
  });

  test(onBoard(board, 'balance-alb: MAC rules through enslave, failover and release'), async (t) => {
    const { s, bond } = await setup(board, 'mode=balance-alb miimon=100');
    const p0 = perm(s, 'eth0');
    const p1 = perm(s, 'eth1');
    // The bond took the first slave's MAC; each slave keeps its own.
    t.is(formatMac(bond.mac), p0);
    t.is(mac(s, 'eth0'), p0);
    t.is(mac(s, 'eth1'), p1);
    await s.run('sim wait 1s');
    await s.run('sim link eth0 down');
    await s.run('sim wait 300ms');
    t.is(bond.currActiveSlave?.name, 'eth1');
    t.is(mac(s, 'eth1'), p0);
    t.is(mac(s, 'eth0'), p1);
    // The failed slave's new MAC is taught on the active slave, which goes promiscuous for 10 s.
    t.is(s.firmware.net.port('eth1')!.promiscuity, 1);
    await s.run('sim wait 10s');
    t.is(s.firmware.net.port('eth1')!.promiscuity, 0);

    // Releasing the failed slave: it gets its permanent MAC back; Linux warns that the bond
    // still uses it.
    await release(s, 'eth0');
    t.is(mac(s, 'eth0'), p0);
    t.is(mac(s, 'eth1'), p0);
    t.truthy(s.log.tail().find((e) => e.text.startsWith('bond0: (slave eth0): the permanent HWaddr of slave') && e.text.includes('is still in use by bond')));
    // Enslaving it again: its permanent MAC is the bond's, so it takes eth1's free one.
    await s.run('sim link eth0 up');
    await s.run('sim wait 300ms');
    await enslave(s, 'eth0');
    t.is(mac(s, 'eth0'), p1);
    t.is(mac(s, 'eth1'), p0);
    t.truthy(s.log.tail().find((e) => e.text.includes('bond0: (slave eth0): the slave hw address is in use by the bond; giving it the hw address of eth1')));
    // Releasing the active slave: it and the slave wearing its permanent MAC swap, then the
    // new active slave takes the bond's MAC; the released port gets its own back.
    await release(s, 'eth1');
    t.is(bond.currActiveSlave?.name, 'eth0');
    t.is(mac(s, 'eth0'), p0);
    t.is(mac(s, 'eth1'), p1);
    await release(s, 'eth0');
    t.is(mac(s, 'eth0'), p0);
  });

  test(onBoard(board, 'balance-alb: a new bond MAC goes to the active slave only, and its clients are told'), async (t) => {
    const { s, bond, alb } = await setup(board, 'mode=balance-alb miimon=100');
    await s.run('sim wait 1s');
    await resolveAll(s);
    await s.run('sim wait 3s');
    const p1 = mac(s, 'eth1');
    t.is(await s.run('ip link set bond0 address 02:12:34:56:78:9a'), '');
    t.is(formatMac(bond.mac), '02:12:34:56:78:9a');
    t.is(mac(s, 'eth0'), '02:12:34:56:78:9a');
    t.is(mac(s, 'eth1'), p1);
    await s.run('sim wait 2500ms');
    const onEth0 = alb.rlb.clients().filter((c) => c.slave?.name === 'eth0').map((c) => c.ip);
    t.is(onEth0.length, 8);
    for (const h of s.hw.world.hosts) {
      t.is(formatMac(h.arpCache.get(GW)!), onEth0.includes(h.ip) ? '02:12:34:56:78:9a' : p1);
    }
    const r = await traffic(s);
    t.is(r.replies, r.sent);
  });

  test(onBoard(board, 'balance-tlb: a new bond MAC goes to every slave, as Linux\'s generic rule does'), async (t) => {
    const { s, bond } = await setup(board, 'mode=balance-tlb miimon=100');
    t.is(await s.run('ip link set bond0 address 02:12:34:56:78:9a'), '');
    t.is(formatMac(bond.mac), '02:12:34:56:78:9a');
    t.is(mac(s, 'eth0'), '02:12:34:56:78:9a');
    t.is(mac(s, 'eth1'), '02:12:34:56:78:9a');
  });

  test(onBoard(board, 'balance-alb: three slaves keep three distinct MACs through failures and returns'), async (t) => {
    const { s, bond } = await setup(board, 'mode=balance-alb miimon=100', ['eth0', 'eth1', 'eth2']);
    await s.run('sim wait 1s');
    const check = (what: string): void => {
      const macs = bond.slaves.map((x) => formatMac(x.port.mac));
      t.true(unique(macs), `${what}: ${macs}`);
      if (bond.currActiveSlave) t.is(formatMac(bond.currActiveSlave.port.mac), formatMac(bond.mac), what);
      // Every slave wears the permanent MAC of some slave of the bond.
      const perms = new Set(bond.slaves.map((x) => formatMac(x.permHwaddr)));
      for (const m of macs) t.true(perms.has(m), `${what}: ${m}`);
    };
    check('start');
    for (const step of ['eth0 down', 'eth1 down', 'eth0 up', 'eth2 down', 'eth1 up', 'eth2 up', 'eth0 down', 'eth0 up']) {
      await s.run(`sim link ${step}`);
      await s.run('sim wait 300ms');
      check(step);
    }
  });

  test(onBoard(board, 'property (world): after random failures and returns settle, every reply comes back and the table holds each host once'), async (t) => {
    const step = fc.record({ port: fc.integer({ min: 0, max: 2 }), up: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 5 }), async (steps) => {
        const { s, bond, alb } = await setup(board, 'mode=balance-alb miimon=100', ['eth0', 'eth1', 'eth2']);
        await s.run('sim wait 1s');
        await resolveAll(s);
        await s.run('sim wait 3s');
        for (const st of steps) {
          await s.run(`sim link eth${st.port} ${st.up ? 'up' : 'down'}`);
          // One MII interval to notice, one ALB tick to act, the update delay, a tick to send.
          await s.run(`sim wait ${100 + ALB_TICK_MS + (RLB_UPDATE_DELAY + 1) * ALB_TICK_MS}ms`);
          const what = JSON.stringify(steps);
          const clients = alb.rlb.clients();
          const ips = clients.map((c) => c.ip).sort((a, b) => a - b);
          const hosts = s.hw.world.hosts.map((h) => h.ip).sort((a, b) => a - b);
          if (JSON.stringify(ips) !== JSON.stringify(hosts)) throw new Error(`${what}: table ${ips.map((x) => x & 255)}`);
          const usable = bond.slaves.filter((x) => x.canTx);
          if (usable.length === 0) continue;
          for (const c of clients) if (!usable.includes(c.slave!)) throw new Error(`${what}: ${c.ip & 255} on ${c.slave?.name}`);
          // Every host's cache names the MAC of its slave.
          const byIp = new Map(clients.map((c) => [c.ip, c]));
          for (const h of s.hw.world.hosts) {
            const want = formatMac(byIp.get(h.ip)!.slave!.port.mac);
            const got = formatMac(h.arpCache.get(GW)!);
            if (want !== got) throw new Error(`${what}: host ${h.ip & 255} has ${got}, its slave ${byIp.get(h.ip)!.slave!.name} is ${want}`);
          }
          const r = await traffic(s, 2);
          if (r.sent !== 32 || r.replies !== r.sent) throw new Error(`${what}: sent ${r.sent}, replies ${r.replies}`);
        }
      }),
      { numRuns: 8, seed: 0xa1b },
    );
    t.pass();
  });

  // ---------------------------------------------------------------------------------------------
  // balance-tlb in the simulated world

  test(onBoard(board, 'balance-tlb: transmit spreads by load, receive stays on the active slave; unique MACs'), async (t) => {
    const { s, bond, alb } = await setup(board, 'mode=balance-tlb miimon=100');
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

  test(onBoard(board, 'balance-tlb: failover swaps the MACs; nothing lost after; release restores them'), async (t) => {
    const { s, bond } = await setup(board, 'mode=balance-tlb miimon=100');
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

  test(onBoard(board, 'balance-tlb: learning frames every lp_interval from each slave with its own MAC'), async (t) => {
    const { s, alb } = await setup(board, 'mode=balance-tlb miimon=100 lp_interval=2');
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

  test(onBoard(board, 'balance-tlb with tlb_dynamic_lb=0: the transmit hash picks the slave; no monitor, no learning frames'), async (t) => {
    const { s, alb } = await setup(board, 'mode=balance-tlb miimon=100 tlb_dynamic_lb=0 xmit_hash_policy=layer3+4');
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

  test(onBoard(board, 'the ARP monitor is refused in balance-tlb and balance-alb'), async (t) => {
    for (const mode of ['balance-tlb', 'balance-alb']) {
      const s = await bootTest(board);
      await s.run(`modprobe bonding mode=${mode} miimon=100`);
      const out = await s.run('echo 100 > /sys/class/net/bond0/bonding/arp_interval');
      t.true(out.includes(`option arp_interval: mode dependency failed, not supported in mode ${mode}(`), out);
      t.is(await s.run('cat /sys/class/net/bond0/bonding/arp_interval'), '0');
    }
  });
}

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

const CLIENT = (i: number): number => (parseIpv4('192.168.1.100')! + i) >>> 0;
const CLIENT_MAC = (i: number): Uint8Array => Uint8Array.of(0x02, 0xcc, 0, 0, 0, i);

/** The gateway answers client `i`'s ARP request (the host stack's reply through the bond), tagged `vlan` when >= 0. */
function gatewayReply(f: FakeBond, i: number, vlan = -1): boolean {
  const frame = buildArp(CLIENT_MAC(i), f.bond.mac, { op: ARP_REPLY, senderMac: f.bond.mac, senderIp: GW, targetMac: CLIENT_MAC(i), targetIp: CLIENT(i) }, vlan);
  return f.bond.xmit(frame, frame.length);
}

test('unit: an ARP reply leaves on the client\'s slave with that slave\'s MAC as sender', async (t) => {
  const f = await fakeBond();
  for (const p of f.ports.slice(0, 2)) await f.bond.enslave(p);
  await f.clock.advance(200);
  for (let i = 0; i < 4; i++) t.true(gatewayReply(f, i));
  const replies = f.ports.flatMap((p) => p.sent.filter((x) => readU16(x, 12) === 0x0806).map((x) => ({ port: p, x })));
  t.is(replies.length, 4);
  for (const { port, x } of replies) {
    t.is(formatMac(x, 6), formatMac(port.mac)); // Ethernet source
    t.is(formatMac(x, 22), formatMac(port.mac)); // ARP sender
    t.is(readU16(x, 20), ARP_REPLY);
  }
  t.deepEqual(replies.map((r) => r.port.name).sort(), ['eth0', 'eth0', 'eth1', 'eth1']);
  // The caller's frame is never written: the rewrite happens in the mode's own buffer.
  const frame = buildArp(CLIENT_MAC(9), f.bond.mac, { op: ARP_REPLY, senderMac: f.bond.mac, senderIp: GW, targetMac: CLIENT_MAC(9), targetIp: CLIENT(9) });
  const copy = frame.slice();
  f.bond.xmit(frame, frame.length);
  t.deepEqual(frame, copy);
});

test('unit: clients behind a VLAN device are updated with tagged ARP replies; learning frames go per VLAN', async (t) => {
  const f = await fakeBond();
  f.bond.vlans.add(100);
  for (const p of f.ports.slice(0, 2)) await f.bond.enslave(p);
  await f.clock.advance(200);
  for (let i = 0; i < 4; i++) t.true(gatewayReply(f, i, 100));
  const clients = f.alb.rlb.clients();
  t.is(clients.length, 4);
  t.true(clients.every((c) => c.vlan === 100));
  await f.clock.advance(500); // the first updates go
  // eth1 fails: its clients move to eth0 and hear of it, tagged.
  for (const p of f.ports) p.sent.length = 0;
  f.ports[1].link = false;
  await f.clock.advance(100 + (RLB_UPDATE_DELAY + 2) * ALB_TICK_MS);
  const updates = f.ports[0].sent.filter((x) => readU16(x, 12) === 0x8100 && readU16(x, 16) === 0x0806);
  t.true(updates.length >= 4, `${updates.length} tagged updates`);
  for (const u of updates) {
    t.is(readU16(u, 14) & 0xfff, 100);
    t.is(readU16(u, 24), ARP_REPLY);
    t.is(formatMac(u, 26), formatMac(f.ports[0].mac));
    t.is(readU32(u, 32), GW);
  }
  // One round so far: two replies per moved client.
  const moved = clients.filter((c) => c.slave === f.bond.slave('eth1')).length;
  t.true(moved > 0);
  t.is(updates.length, moved * 2);
  const lps = f.ports[0].sent.filter((x) => readU16(x, 12) === 0x8100 && readU16(x, 16) === ETHERTYPE_LOOPBACK);
  t.true(lps.length > 0);
  t.true(lps.every((x) => x.length === 64 && (readU16(x, 14) & 0xfff) === 100));
  // The VLAN device goes: its clients go with it at the next tick.
  f.bond.vlans.delete(100);
  await f.clock.advance(ALB_TICK_MS);
  t.is(f.alb.rlb.clients().length, 0);
});

test('unit: a client\'s ARP reply gives its MAC; our broadcast request marks the other clients for an update after the delay', async (t) => {
  const f = await fakeBond();
  for (const p of f.ports.slice(0, 2)) await f.bond.enslave(p);
  await f.clock.advance(5000);
  // The gateway resolves a client: a broadcast request (no client MAC yet).
  const req = buildArp(Uint8Array.of(255, 255, 255, 255, 255, 255), f.bond.mac, {
    op: ARP_REQUEST, senderMac: f.bond.mac, senderIp: GW, targetMac: new Uint8Array(6), targetIp: CLIENT(1),
  });
  t.true(f.bond.xmit(req, req.length));
  let c = f.alb.rlb.clients();
  t.is(c.length, 1);
  t.is(formatMac(c[0].mac), '00:00:00:00:00:00');
  t.false(c[0].ntt);
  // Its reply arrives (on whichever slave): the entry learns the MAC and wants an update.
  const reply = buildArp(f.bond.mac, CLIENT_MAC(1), { op: ARP_REPLY, senderMac: CLIENT_MAC(1), senderIp: CLIENT(1), targetMac: f.bond.mac, targetIp: GW });
  f.bond.receive(f.bond.slave('eth0')!, reply, reply.length);
  c = f.alb.rlb.clients();
  t.is(formatMac(c[0].mac), formatMac(CLIENT_MAC(1)));
  t.true(c[0].ntt);
  const slave = c[0].slave!;
  const port = slave.port as FakePort;
  port.sent.length = 0;
  // No update before the delay has run out.
  await f.clock.advance(RLB_UPDATE_DELAY * ALB_TICK_MS - 1);
  t.is(port.sent.filter((x) => readU16(x, 12) === 0x0806).length, 0);
  await f.clock.advance(ALB_TICK_MS + 1);
  const upd = port.sent.filter((x) => readU16(x, 12) === 0x0806);
  t.is(upd.length, 2);
  t.is(formatMac(upd[0], 0), formatMac(CLIENT_MAC(1)));
  t.is(readU32(upd[0], 38), CLIENT(1));
});

test('unit: a client whose address hashes like another\'s takes its entry; the old one moves to the active slave and is told', async (t) => {
  const f = await fakeBond();
  for (const p of f.ports.slice(0, 2)) await f.bond.enslave(p);
  await f.clock.advance(200);
  const a = parseIpv4('192.168.1.2')!;
  const b = parseIpv4('192.168.2.1')!;
  t.is(rlbHashIp(a), rlbHashIp(b));
  const reply = (ip: number, m: Uint8Array): void => {
    const fr = buildArp(m, f.bond.mac, { op: ARP_REPLY, senderMac: f.bond.mac, senderIp: GW, targetMac: m, targetIp: ip });
    f.bond.xmit(fr, fr.length);
  };
  reply(parseIpv4('192.168.1.3')!, CLIENT_MAC(3)); // eth0
  reply(a, CLIENT_MAC(1)); // eth1
  t.is(f.alb.rlb.clients().find((c) => c.ip === a)?.slave?.name, 'eth1');
  for (const p of f.ports) p.sent.length = 0;
  reply(b, CLIENT_MAC(2));
  // a was told at once, from the active slave eth0, twice; b has the entry now.
  const told = f.ports[0].sent.filter((x) => readU16(x, 12) === 0x0806 && formatMac(x, 0) === formatMac(CLIENT_MAC(1)));
  t.is(told.length, 2);
  t.is(formatMac(told[0], 22), formatMac(f.ports[0].mac));
  const ips = f.alb.rlb.clients().map((c) => c.ip);
  t.true(ips.includes(b));
  t.false(ips.includes(a));
  t.deepEqual(f.alb.rlb.checkLinks(), []);
});

test('unit: a frame for a slave\'s own MAC reaches the stack as one for the bond; other unicast does not', async (t) => {
  const delivered: string[] = [];
  const f = await fakeBond();
  (f.bond.env as { deliver: BondEnv['deliver'] }).deliver = (_b, frame) => delivered.push(formatMac(frame, 0));
  for (const p of f.ports.slice(0, 2)) await f.bond.enslave(p);
  await f.clock.advance(200);
  const eth1 = f.bond.slave('eth1')!;
  const toSlave = buildIpv4({ dst: eth1.port.mac, src: CLIENT_MAC(1), protocol: IPPROTO_UDP, srcIp: CLIENT(1), dstIp: GW, srcPort: 1, dstPort: 2 });
  f.bond.receive(eth1, toSlave, toSlave.length);
  t.deepEqual(delivered, [formatMac(f.bond.mac)]);
  const toBond = buildIpv4({ dst: f.bond.mac, src: CLIENT_MAC(1), protocol: IPPROTO_UDP, srcIp: CLIENT(1), dstIp: GW, srcPort: 1, dstPort: 2 });
  f.bond.receive(eth1, toBond, toBond.length); // not eth1's address: its filter drops it
  t.is(delivered.length, 1);
  f.bond.receive(f.bond.slave('eth0')!, toBond, toBond.length);
  t.is(delivered.length, 2);
});

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

// ---------------------------------------------------------------------------------------------
// Property: the client table never loses or duplicates a client

type Op = { kind: 'fail' | 'return' | 'join' | 'leave'; port: number } | { kind: 'arp'; client: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('fail' as const, 'return' as const, 'join' as const, 'leave' as const), port: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('arp' as const), client: fc.integer({ min: 0, max: 15 }) }),
);

test('property: random joins, failures and returns never lose or duplicate a client', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 4 }), async (ops, initial) => {
      const f = await fakeBond();
      for (const p of f.ports.slice(0, initial)) await f.bond.enslave(p);
      await f.clock.advance(200);
      for (let i = 0; i < 16; i++) gatewayReply(f, i);
      const expected = Array.from({ length: 16 }, (_, i) => CLIENT(i)).sort((a, b) => a - b);
      for (const o of ops) {
        let rebalanced = false;
        if (o.kind === 'arp') {
          gatewayReply(f, o.client);
        } else {
          const port = f.ports[o.port];
          const slave = f.bond.slave(port.name);
          if (o.kind === 'fail') port.link = false;
          else if (o.kind === 'return') {
            rebalanced = !port.link && slave !== undefined;
            port.link = true;
          } else if (o.kind === 'join' && !slave) {
            await f.bond.enslave(port);
            rebalanced = true;
          } else if (o.kind === 'leave' && slave) await f.bond.release(slave);
        }
        // Let the MII monitor commit and the ALB monitor tick.
        await f.clock.advance(300);
        const clients = f.alb.rlb.clients();
        const what = `${JSON.stringify(o)} after ${JSON.stringify(ops)}`;
        if (f.alb.rlb.checkLinks().length) throw new Error(`${what}: ${f.alb.rlb.checkLinks().join('; ')}`);
        const ips = clients.map((c) => c.ip).sort((a, b) => a - b);
        if (JSON.stringify(ips) !== JSON.stringify(expected)) throw new Error(`${what}: clients ${ips.map((x) => x & 255)}`);
        const usable = f.bond.slaves.filter((s) => s.canTx);
        for (const c of clients) {
          if (usable.length === 0 ? c.slave !== undefined : !usable.includes(c.slave!)) {
            throw new Error(`${what}: client ${c.ip & 255} on ${c.slave?.name ?? 'none'} (usable: ${usable.map((s) => s.name)})`);
          }
        }
        if (rebalanced && usable.length > 1) {
          const counts = usable.map((s) => clients.filter((c) => c.slave === s).length);
          if (Math.max(...counts) - Math.min(...counts) > 1) throw new Error(`${what}: unbalanced ${counts}`);
        }
        // MAC rules: distinct MACs, the active slave wears the bond's.
        const macs = f.bond.slaves.map((s) => formatMac(s.port.mac));
        if (!unique(macs)) throw new Error(`${what}: MACs ${macs}`);
        const act = f.bond.currActiveSlave;
        if (act && formatMac(act.port.mac) !== formatMac(f.bond.mac)) throw new Error(`${what}: active ${act.name} has ${formatMac(act.port.mac)}`);
      }
      return true;
    }),
    { numRuns: 60, seed: 0x5eed },
  );
  t.pass();
});
