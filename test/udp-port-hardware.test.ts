/**
 * The whole network stack over UDP-port hardware: two firmwares (NetStack, bonding, LACP,
 * host stack, console) whose 802.3ad bonds are wired back to back through UDP frame ports on
 * loopback, configured with console lines, carrying counted traffic both ways, losing a
 * cable and getting it back. Real sockets, real time (no interface: `linkOverride` is the cable).
 */
import test from 'ava';
import { Dispatcher } from '../firmware/console/dispatcher.ts';
import { registerBondingCommands } from '../firmware/console/bonding-commands.ts';
import { registerNetCommands } from '../firmware/console/net-commands.ts';
import { SysFs } from '../firmware/console/sysfs.ts';
import { EventLog } from '../lib/log.ts';
import { SeededRandom } from '../lib/random.ts';
import '../firmware/bonding/modes.ts';
import { parseIpv4 } from '../lib/addr.ts';
import { NetStack } from '../firmware/net/stack.ts';
import { RealClock } from '../hal/clock-real.ts';
import { UdpFramePort } from '../sim/udp-frame-port.ts';
import { UdpPortHardware } from '../sim/udp-port-hardware.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  for (const start = Date.now(); Date.now() - start < ms; await sleep(20)) if (cond()) return;
  throw new Error(`${what}: not within ${ms} ms`);
}

const FLOWS = 16;
const BASE_SPORT = 20000;
const DPORT = 9000;

class Node {
  readonly clock = new RealClock();
  readonly log = new EventLog(this.clock);
  readonly wires: UdpFramePort[];
  readonly hw: UdpPortHardware;
  readonly net: NetStack;
  readonly console = new Dispatcher();
  /** UDP datagrams to DPORT received, per flow (source port - BASE_SPORT). */
  readonly perFlow = new Array<number>(FLOWS).fill(0);
  /** The first payload byte of each, to see that data arrives intact. */
  readonly tags = new Set<number>();
  echoReplies = 0;
  portChanges = 0;

  constructor(id: number, udp: [number, number][]) {
    this.wires = udp.map(([localPort, remotePort], i) => new UdpFramePort({ name: `eth${i}`, localPort, remotePort, mac: Uint8Array.of(2, 0, 0, 0, id, i + 1) }));
    this.hw = new UdpPortHardware(this.wires, this.clock);
    this.net = new NetStack(this.hw, this.clock, this.log, new SeededRandom(id));
    const sysfs = new SysFs();
    registerNetCommands(this.console, sysfs, this.net);
    registerBondingCommands(this.console, sysfs, this.net);
    this.hw.onPortChange(() => this.portChanges++);
    this.net.host.onDelivered((_link, protocol, _src, srcPort, dstPort, { frame, dataOffset: payload, dataLength }) => {
      const end = payload + dataLength;
      if (protocol === 1) this.echoReplies++;
      const flow = srcPort - BASE_SPORT;
      if (protocol === 17 && dstPort === DPORT && flow >= 0 && flow < FLOWS) {
        this.perFlow[flow]++;
        if (end > payload) this.tags.add(frame[payload]);
      }
    });
  }

  async open(): Promise<void> {
    for (const w of this.wires) await w.open();
    this.hw.start();
  }

  async run(line: string): Promise<string> {
    const r = await this.console.execute(line, 'console');
    if (!r.ok) throw new Error(`${line}: ${r.output}`);
    return r.output;
  }

  get bond() {
    return this.net.bond('bond0')!;
  }

  /** Frames sent and received on each wire, as the UDP frame ports count them. */
  wireStats(): { tx: number; rx: number }[] {
    return this.wires.map((w) => ({ tx: w.stats.tx, rx: w.stats.rx }));
  }

  close(): void {
    this.bond?.close();
    this.hw.close();
    for (const w of this.wires) w.close();
    this.clock.cancelAll();
  }
}

/** Sends `rounds` datagrams on each flow, one round every 2 ms (paced: loopback socket buffers are finite). */
async function sendFlows(from: Node, to: number, rounds: number): Promise<number> {
  let sent = 0;
  for (let r = 0; r < rounds; r++) {
    for (let f = 0; f < FLOWS; f++) if (from.net.host.sendIpv4(to, 17, BASE_SPORT + f, DPORT, 16)) sent++;
    await sleep(2);
  }
  return sent;
}

const delta = (after: { tx: number; rx: number }[], before: { tx: number; rx: number }[]) => after.map((a, i) => ({ tx: a.tx - before[i].tx, rx: a.rx - before[i].rx }));

test('two firmwares bonded back to back over UDP-port hardware: LACP, ping, flows on both members both ways, a pulled cable and its return', async (t) => {
  const base = 40000 + Math.floor(Math.random() * 5000) * 4;
  const a = new Node(0xa, [[base, base + 2], [base + 1, base + 3]]);
  const b = new Node(0xb, [[base + 2, base], [base + 3, base + 1]]);
  const ipA = parseIpv4('10.99.0.1')!;
  const ipB = parseIpv4('10.99.0.2')!;
  t.teardown(() => {
    a.close();
    b.close();
  });
  await a.open();
  await b.open();
  for (const [n, ip] of [[a, '10.99.0.1'], [b, '10.99.0.2']] as const) {
    await n.run('modprobe bonding mode=802.3ad miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4');
    await n.run(`ifconfig bond0 ${ip} netmask 255.255.255.0 up`);
    await n.run('ifenslave bond0 eth0 eth1');
  }
  await until('LACP: both ports distributing on both sides', () => a.bond.usableSlaves.length === 2 && b.bond.usableSlaves.length === 2, 10000);
  const proc = await a.run('cat /proc/net/bonding/bond0');
  t.regex(proc, /Bonding Mode: IEEE 802\.3ad Dynamic link aggregation/);
  t.regex(proc, /Transmit Hash Policy: layer3\+4 \(1\)/);
  t.is(proc.match(/MII Status: up/g)?.length, 3, 'the bond and both slaves up');
  t.regex(proc, /Partner Mac Address: 02:00:00:00:0b:01/);

  // ARP through the bonds, then a ping.
  t.truthy(await a.net.host.resolve(ipB));
  t.truthy(await b.net.host.resolve(ipA));
  for (let seq = 1; seq <= 3; seq++) t.true(a.net.host.sendIpv4(ipB, 1, 0x1234, seq, 56));
  await until('echo replies', () => a.echoReplies === 3, 2000);

  // Flows both ways: every datagram counted at the far end, intact, both members carrying them.
  const before = [a.wireStats(), b.wireStats()];
  const sentAB = await sendFlows(a, ipB, 20);
  const sentBA = await sendFlows(b, ipA, 20);
  t.is(sentAB, FLOWS * 20);
  t.is(sentBA, FLOWS * 20);
  await until('every datagram received', () => b.perFlow.every((n) => n === 20) && a.perFlow.every((n) => n === 20), 3000);
  t.deepEqual([...b.tags], [0], 'the payload is what sendIpv4 sends (zeros)');
  const [da, db] = [delta(a.wireStats(), before[0]), delta(b.wireStats(), before[1])];
  for (let i = 0; i < 2; i++) {
    t.true(da[i].tx > FLOWS, `a's eth${i} carried a's flows (${da[i].tx} frames)`);
    t.true(db[i].tx > FLOWS, `b's eth${i} carried b's flows (${db[i].tx} frames)`);
  }
  t.is(a.net.ports[0].counters.txPackets + a.net.ports[1].counters.txPackets, a.wires[0].stats.tx + a.wires[1].stats.tx, 'the port devices count what the wires sent');

  // Pull the cable of eth0: the MII monitors drop it, the poll reports it, every flow moves to eth1.
  const changes = a.portChanges;
  a.wires[0].linkOverride = false;
  b.wires[0].linkOverride = false;
  await until('eth0 out of both bonds', () => a.bond.usableSlaves.length === 1 && b.bond.usableSlaves.length === 1, 2000);
  t.is(a.bond.usableSlaves[0].name, 'eth1');
  await until('the link poll reports the change', () => a.portChanges > changes, 1000);
  t.false(a.net.ports[0].carrier);
  t.regex(await a.run('cat /sys/class/net/eth0/operstate'), /^down$/);
  a.perFlow.fill(0);
  b.perFlow.fill(0);
  const pulled = [a.wireStats(), b.wireStats()];
  await sendFlows(a, ipB, 10);
  await sendFlows(b, ipA, 10);
  await until('every datagram over eth1', () => b.perFlow.every((n) => n === 10) && a.perFlow.every((n) => n === 10), 3000);
  t.is(delta(a.wireStats(), pulled[0])[0].tx, 0, 'nothing sent into the pulled cable');
  t.is(delta(b.wireStats(), pulled[1])[0].tx, 0);

  // Back: LACP takes eth0 in again and the flows spread over both once more.
  a.wires[0].linkOverride = undefined;
  b.wires[0].linkOverride = undefined;
  await until('eth0 back in both bonds', () => a.bond.usableSlaves.length === 2 && b.bond.usableSlaves.length === 2, 10000);
  a.perFlow.fill(0);
  b.perFlow.fill(0);
  const back = [a.wireStats(), b.wireStats()];
  await sendFlows(a, ipB, 10);
  await sendFlows(b, ipA, 10);
  await until('every datagram after the return', () => b.perFlow.every((n) => n === 10) && a.perFlow.every((n) => n === 10), 3000);
  const [ra, rb] = [delta(a.wireStats(), back[0]), delta(b.wireStats(), back[1])];
  for (let i = 0; i < 2; i++) {
    t.true(ra[i].tx > FLOWS && rb[i].tx > FLOWS, `eth${i} carries flows again both ways (${ra[i].tx}, ${rb[i].tx})`);
  }
});
