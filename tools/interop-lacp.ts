/**
 * `npm run interop:lacp` (needs root): the whole firmware (NetStack: ports, bonding driver,
 * host stack; the console with the net and bonding commands) bonded with 802.3ad to Open
 * vSwitch on two veth pairs, control plane and data plane.
 *
 * OVS runs in its own network namespace (../shared/tools/lacp-peer.sh) with a balance-tcp
 * LACP bond and an internal port at 10.99.0.2/24. The firmware runs here over UDP-port
 * hardware (sim/udp-port-hardware.ts): its ports carry raw frames in UDP datagrams
 * to socat bridges on our veth ends, and it is configured with console lines as a user would.
 *
 * Checks, in order (exit 0 only if every one held):
 * - LACP converges on both sides;
 * - ping both ways (OVS's kernel pings the firmware; the firmware's host stack pings OVS);
 * - UDP flows both ways at a fixed rate, counted per flow, on both members in each direction;
 * - with the flows running, a pulled member leaves the aggregate on both sides and the frames
 *   lost per direction stay under a bound derived from what detects the pull;
 * - the member restored rejoins on both sides, and the flows use both members again.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../firmware/bonding/modes.ts';
import type { Mode8023ad } from '../firmware/bonding/bond3ad.ts';
import { Dispatcher } from '../firmware/console/dispatcher.ts';
import { registerBondingCommands } from '../firmware/console/bonding-commands.ts';
import { registerNetCommands } from '../firmware/console/net-commands.ts';
import { registerDiagCommands } from '../firmware/console/diag-commands.ts';
import { SysFs } from '../firmware/console/sysfs.ts';
import { EventLog, formatLogEntry } from '../lib/log.ts';
import { SeededRandom } from '../lib/random.ts';
import { parseIpv4 } from '../lib/addr.ts';
import { NetStack } from '../firmware/net/stack.ts';
import { RealClock } from '../hal/clock-real.ts';
import { UdpFramePort } from '../sim/udp-frame-port.ts';
import { UdpPortHardware } from '../sim/udp-port-hardware.ts';
import { FlowReceiver, FlowSender } from './interop/flows.ts';
import { NsTraffic, OvsPeer, type MemberCounters } from './interop/ovs-peer.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PEER = process.env.LACP_PEER ?? join(ROOT, '..', 'shared', 'tools', 'lacp-peer.sh');
const tag = Math.random().toString(36).slice(2, 6);
const NAME = `ip${tag}`;
const OVS_IFS = [`lpx1${tag}`, `lpx2${tag}`];
const OUR_IFS = [`lpy1${tag}`, `lpy2${tag}`];
const OVS_HOST_IF = `lpip${tag}`;
const UDP_BASE = 47000 + Math.floor(Math.random() * 1000) * 4;

const OUR_IP = '10.99.0.1';
const OVS_IP = '10.99.0.2';
/** Flows each way, and datagrams per second on each. */
const FLOWS = 16;
const RATE = 25;
const TOTAL_RATE = FLOWS * RATE;
/**
 * UDP payload bytes, both ways. OVS's balance-tcp puts every hash bucket on the member that
 * was enabled when the bucket was first used and spreads them only by rebalancing, which
 * ignores an imbalance under 100000 bytes per interval (lib/bond.c bond_rebalance): the flows
 * must be heavy enough for it to act (800 x 1 KB/s).
 */
const SIZE = 1000;
/** Longest wait for OVS's rebalancing to spread the flows over both members. */
const REBALANCE_WAIT_MS = 30000;
const TO_FW = { sport: 30000, dport: 9000 };
const TO_OVS = { sport: 20000, dport: 9001 };
/** The bond's MII monitor interval (miimon=), the first to see a pulled link on our side. */
const MIIMON_MS = 100;
/**
 * Added to each detection time in the loss bounds: the event loops on both sides (ours runs
 * the bond, the flows and socat's datagrams on one Node thread), OVS's datapath flow
 * revalidation after a member change, and socat's packet socket going down.
 */
const MARGIN_MS = 150;
/**
 * Receive buffers (bytes) on every socket of the path we own (our frame ports, socat's packet
 * and UDP sockets, the namespace's receiver): the host may be busy with other work, and a
 * process waiting for a CPU must not lose frames for that (the kernel caps this at rmem_max).
 */
const SOCKET_BUFFER = 4 << 20;
/** Time for datagrams in flight to arrive after the senders stop. */
const DRAIN_MS = 500;
/** OVS rebalances its hash buckets over the members this often (ms; OVS's default is 10 s). */
const REBALANCE_MS = 1000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const t0 = performance.now();
const say = (text: string) => process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${text}\n`);
const print = (text: string) => process.stdout.write(`${text.replace(/\n?$/, '\n')}`);

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < ms) {
    if (await cond()) return performance.now() - start;
    await sleep(20);
  }
  throw new Error(`${what}: not within ${ms / 1000} s`);
}

class Check extends Error {}
function check(ok: boolean, what: string): void {
  if (!ok) throw new Check(what);
}

interface Direction {
  sent: number;
  received: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Longest silence on any flow (ms). */
  maxGapMs: number;
}

interface PhaseResult {
  toOvs: Direction;
  toFw: Direction;
  /** Per member, frames as our UDP frame ports and OVS's interfaces counted them during the phase. */
  ours: MemberCounters[];
  theirs: MemberCounters[];
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('interop:lacp needs root (veth pairs, a network namespace, packet sockets)\n');
    return 2;
  }
  for (const c of ['ovs-vswitchd', 'ovsdb-tool', 'socat', 'ip', 'ping']) {
    if (!have(c)) {
      process.stderr.write(`interop:lacp needs ${c} (apt-get install openvswitch-switch socat iproute2 iputils-ping)\n`);
      return 2;
    }
  }
  if (!existsSync(PEER)) {
    process.stderr.write(`interop:lacp: no lacp-peer.sh at ${PEER} (set LACP_PEER)\n`);
    return 2;
  }

  const ovs = new OvsPeer(PEER, NAME, OVS_IFS);
  const socats: (ChildProcess | undefined)[] = [];
  const clock = new RealClock();
  const log = new EventLog(clock);
  let nsTraffic: NsTraffic | undefined;
  let hw: UdpPortHardware | undefined;
  const wires: UdpFramePort[] = [];
  let cleaned = false;
  const cleanup = (): void => {
    if (cleaned) return;
    cleaned = true;
    nsTraffic?.kill();
    for (const s of socats) s?.kill();
    hw?.close();
    for (const w of wires) w.close();
    ovs.stopSync();
    for (const i of OUR_IFS) spawnSync('ip', ['link', 'del', i], { stdio: 'ignore' });
    clock.cancelAll();
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stdout.write(`\ninterop:lacp: ${sig}, cleaning up\n`);
      cleanup();
      process.exit(130);
    });
  }

  const startSocat = async (i: number): Promise<void> => {
    const old = socats[i];
    if (old && old.exitCode === null && old.signalCode === null) {
      // The old bridge must let go of its UDP port before a new one can bind it.
      const gone = new Promise((r) => old.once('exit', r));
      old.kill();
      await gone;
    }
    socats[i] = spawn(
      'socat',
      [`INTERFACE:${OUR_IFS[i]},rcvbuf=${SOCKET_BUFFER}`, `UDP-DATAGRAM:127.0.0.1:${UDP_BASE + 2 * i},bind=127.0.0.1:${UDP_BASE + 2 * i + 1},rcvbuf=${SOCKET_BUFFER}`],
      { stdio: 'ignore' },
    );
  };

  let failed = false;
  let diag: (() => string) | undefined;
  try {
    for (let i = 0; i < 2; i++) {
      sh('ip', ['link', 'add', OVS_IFS[i], 'type', 'veth', 'peer', 'name', OUR_IFS[i]]);
      // Our ends belong to the firmware: the kernel must not speak on them (IPv6 autoconf).
      sh('sysctl', ['-qw', `net.ipv6.conf.${OUR_IFS[i]}.disable_ipv6=1`]);
      sh('ip', ['link', 'set', OUR_IFS[i], 'up']);
    }
    say(await ovs.start({ SYS_ID: '02:00:00:00:0a:0a', PORT_ID_BASE: '1', LACP_MODE: 'active', LACP_TIME: 'fast', BOND_MODE: 'balance-tcp' }));
    await ovs.vsctl('set', 'port', ovs.bondPort, `other_config:bond-rebalance-interval=${REBALANCE_MS}`);
    await ovs.addHost(OVS_HOST_IF, `${OVS_IP}/24`);
    say(`OVS: bond ${ovs.bondPort} bond_mode=${await ovs.vsctl('get', 'port', ovs.bondPort, 'bond_mode')}, internal port ${OVS_HOST_IF} ${OVS_IP}/24 in ${ovs.netns}`);

    // --- the firmware over UDP-port hardware, configured from its console ------------------
    for (let i = 0; i < 2; i++) {
      wires.push(new UdpFramePort({ name: OUR_IFS[i], ifname: OUR_IFS[i], localPort: UDP_BASE + 2 * i, remotePort: UDP_BASE + 2 * i + 1, recvBufferSize: SOCKET_BUFFER }));
    }
    for (const w of wires) await w.open();
    for (let i = 0; i < 2; i++) await startSocat(i);
    hw = new UdpPortHardware(wires, clock);
    const net = new NetStack(hw, clock, log, new SeededRandom(1));
    const cons = new Dispatcher();
    const sysfs = new SysFs();
    registerNetCommands(cons, sysfs, net);
    registerBondingCommands(cons, sysfs, net);
    registerDiagCommands(cons, net, clock);
    hw.start();
    log.subscribe((e) => say(`firmware: ${formatLogEntry(e).replace(/^\[[^\]]*\] /, '')}`));
    const cli = async (line: string): Promise<string> => {
      print(`firmware# ${line}`);
      const r = await cons.execute(line, 'console');
      if (r.output) print(r.output);
      if (!r.ok) throw new Error(`the firmware refused: ${line}`);
      return r.output;
    };
    await cli(`modprobe bonding mode=802.3ad miimon=${MIIMON_MS} lacp_rate=fast xmit_hash_policy=layer3+4`);
    await cli(`ifconfig bond0 ${OUR_IP} netmask 255.255.255.0 up`);
    await cli(`ifenslave bond0 ${OUR_IFS.join(' ')}`);
    const bond = net.bond('bond0')!;
    const lacp = () => (bond.modeExtension as Mode8023ad).lacp;
    diag = () =>
      lacp()
        .ports.map((p, i) => `${p.name}: mux ${p.mux} rx ${p.rx} actor 0x${p.actor.state.toString(16)} partner 0x${p.partner.state.toString(16)} PDUs tx ${p.stats.lacpduTx} rx ${p.stats.lacpduRx}; udp tx ${wires[i].stats.tx} rx ${wires[i].stats.rx} txDropped ${wires[i].stats.txDropped}`)
        .join('\n');
    const ours = (i: number) => lacp().ports[i].actor.state & 0x3f;
    const partner = (i: number) => lacp().ports[i].partner.state & 0x3f;
    const ovsMember = async (i: number) => (await ovs.state()).out.split('\n').find((l) => l.startsWith(OVS_IFS[i])) ?? '';
    const ovsDistributing = (line: string) => / current attached .*distributing.* partner=.*distributing/.test(line);

    // --- LACP convergence -----------------------------------------------------------------
    const conv = await until('convergence', () => [0, 1].every((i) => ours(i) === 0x3f && partner(i) === 0x3f), 15000);
    say(`our ports: actor 0x3f, partner 0x3f on both, ${(conv / 1000).toFixed(1)} s after enslaving`);
    const w = await ovs.wait(15);
    if (w.status !== 0) throw new Error(`OVS does not show every member current, attached, in sync, collecting and distributing:\n${w.out}`);
    say('OVS state (lacp-peer.sh state):');
    print(w.out);
    await cli('cat /proc/net/bonding/bond0');

    // --- ping both ways ---------------------------------------------------------------------
    say(`OVS's namespace pings the firmware: ping -c 5 -i 0.2 ${OUR_IP}`);
    const ping = await ovs.exec('ping', ['-c', '5', '-i', '0.2', '-W', '1', OUR_IP]);
    print(ping.out);
    check(/ 0% packet loss/.test(ping.out), `ping from OVS to the firmware lost replies`);
    say(`the firmware pings OVS (${OVS_IP}) from its console`);
    const fwPing = await cli(`ping -c 5 -i 0.2 ${OVS_IP}`);
    check(/ 5 received, 0% packet loss/.test(fwPing), 'ping from the firmware to OVS lost replies');

    // --- flows both ways --------------------------------------------------------------------
    const peerProgram = join(ROOT, 'tools', 'interop', 'udp-peer.ts');
    nsTraffic = new NsTraffic(ovs, peerProgram, OVS_IP, TO_OVS.dport, ROOT);
    await nsTraffic.next();
    const sender = new FlowSender(net.host, clock, { dst: parseIpv4(OVS_IP)!, flows: FLOWS, rate: RATE, size: SIZE, ...TO_OVS });
    const receiver = new FlowReceiver(net.host, clock, { flows: FLOWS, ...TO_FW });
    const nst = nsTraffic;
    let phaseTag = 0;
    const wireCounts = (): MemberCounters[] => wires.map((x) => ({ tx: x.stats.tx, rx: x.stats.rx }));
    const traffic = async (body: () => Promise<void>): Promise<PhaseResult> => {
      const t = ++phaseTag;
      receiver.reset(t);
      await nst.ask({ op: 'reset' });
      const ours0 = wireCounts();
      const theirs0 = await ovs.memberCounters();
      await nst.ask({ op: 'send', dst: OUR_IP, flows: FLOWS, rate: RATE, size: SIZE, tag: t, ...TO_FW });
      sender.begin();
      await body();
      sender.end();
      const sentToFw = (await nst.ask({ op: 'stop' })).sent as number[];
      await sleep(DRAIN_MS);
      const got = await nst.ask({ op: 'counts' });
      const rx = got.rx as Record<string, number>;
      const gaps = got.maxGapMs as Record<string, number>;
      const ours1 = wireCounts();
      const theirs1 = await ovs.memberCounters();
      const rxOvs = Array.from({ length: FLOWS }, (_, f) => rx[TO_OVS.sport + f] ?? 0);
      const sentOvs = sender.total;
      const recvOvs = rxOvs.reduce((a, b) => a + b, 0);
      const sentFw = sentToFw.reduce((a, b) => a + b, 0);
      return {
        toOvs: {
          sent: sentOvs,
          received: recvOvs,
          lost: sentOvs - recvOvs,
          // The firmware's datagrams carry no numbers (sendIpv4 sends zeros): a flow that
          // received more than was sent had duplicates; order cannot be seen.
          duplicated: sender.sent.reduce((a, s, f) => a + Math.max(0, rxOvs[f] - s), 0),
          reordered: 0,
          maxGapMs: Math.max(0, ...Object.values(gaps)),
        },
        toFw: {
          sent: sentFw,
          received: receiver.total,
          lost: sentFw - receiver.total,
          duplicated: receiver.duplicates.reduce((a, b) => a + b, 0),
          reordered: receiver.reordered.reduce((a, b) => a + b, 0),
          maxGapMs: Math.round(Math.max(...receiver.maxGapMs)),
        },
        ours: ours1.map((c, i) => ({ tx: c.tx - ours0[i].tx, rx: c.rx - ours0[i].rx })),
        theirs: theirs1.map((c, i) => ({ tx: c.tx - theirs0[i].tx, rx: c.rx - theirs0[i].rx })),
      };
    };
    const report = (name: string, r: PhaseResult): void => {
      say(`${name}: ${FLOWS} UDP flows each way, ${RATE} datagrams/s each (${TOTAL_RATE}/s per direction)`);
      const dir = (label: string, d: Direction, ordered: boolean) =>
        `  ${label}: sent ${d.sent}, received ${d.received}, lost ${d.lost}, duplicated ${d.duplicated}${ordered ? `, reordered ${d.reordered}` : ''}; longest silence on a flow ${d.maxGapMs} ms`;
      print(dir('firmware -> OVS', r.toOvs, false));
      print(dir('OVS -> firmware', r.toFw, true));
      print('  frames per member (all frames: flows, LACPDUs, ARP)');
      print(`    ${'our port'.padEnd(10)} ${'tx'.padStart(6)} ${'rx'.padStart(6)}   ${'OVS member'.padEnd(10)} ${'rx'.padStart(6)} ${'tx'.padStart(6)}`);
      for (let i = 0; i < 2; i++) {
        print(`    ${OUR_IFS[i].padEnd(10)} ${String(r.ours[i].tx).padStart(6)} ${String(r.ours[i].rx).padStart(6)}   ${OVS_IFS[i].padEnd(10)} ${String(r.theirs[i].rx).padStart(6)} ${String(r.theirs[i].tx).padStart(6)}`);
      }
    };
    /**
     * Both members carry flows in each direction: each sent and received at least half of one
     * flow's datagrams in the phase, far above the control frames (1 LACPDU/s, a few ARPs).
     */
    const bothMembersCarry = (r: PhaseResult, seconds: number, when: string): void => {
      const min = Math.floor((RATE * seconds) / 2);
      for (let i = 0; i < 2; i++) {
        check(r.ours[i].tx >= min && r.theirs[i].rx >= min, `${when}: ${OUR_IFS[i]} carried ${r.ours[i].tx} frames from the firmware (at least ${min} expected)`);
        check(r.theirs[i].tx >= min && r.ours[i].rx >= min, `${when}: ${OVS_IFS[i]} carried ${r.theirs[i].tx} frames from OVS (at least ${min} expected)`);
      }
    };
    const flowsIntact = (r: PhaseResult, when: string): void => {
      check(r.toOvs.sent > 0 && r.toFw.sent > 0, `${when}: nothing was sent`);
      check(r.toOvs.lost === 0 && r.toFw.lost === 0, `${when}: datagrams lost (${r.toOvs.lost} firmware -> OVS, ${r.toFw.lost} OVS -> firmware) with both members up`);
      check(r.toOvs.duplicated === 0 && r.toFw.duplicated === 0, `${when}: duplicated datagrams`);
      check(sender.refused === 0, `${when}: the firmware's host stack refused ${sender.refused} datagrams`);
    };

    /** With flows running: until OVS's rebalancing has put hash buckets on both members. */
    const ovsSpread = async (): Promise<void> => {
      let buckets: number[] = [];
      const took = await until(
        `OVS spreading its buckets over both members (bond/show: ${buckets.join(' + ')})`,
        async () => {
          buckets = await ovs.bucketsPerMember();
          return buckets.every((n) => n > 0);
        },
        REBALANCE_WAIT_MS,
      );
      say(`OVS's balance-tcp buckets in use per member: ${buckets.map((n, i) => `${OVS_IFS[i]} ${n}`).join(', ')} (both in use ${(took / 1000).toFixed(1)} s into the wait)`);
    };

    const warmup = await traffic(ovsSpread);
    report('warm-up (until OVS rebalances)', warmup);
    flowsIntact(warmup, 'warm-up');

    const STEADY_S = 3;
    const steady = await traffic(() => sleep(STEADY_S * 1000));
    report('steady', steady);
    flowsIntact(steady, 'steady');
    bothMembersCarry(steady, STEADY_S, 'steady');

    // --- pull one member with the flows running -----------------------------------------------
    const PULL_AT_MS = 1000;
    const AFTER_PULL_MS = 2500;
    let dropped = 0;
    let ovsDrop = 0;
    const pulled = await traffic(async () => {
      await sleep(PULL_AT_MS);
      say(`pulling ${OUR_IFS[0]} (ip link set ${OUR_IFS[0]} down), flows running`);
      const at = performance.now();
      sh('ip', ['link', 'set', OUR_IFS[0], 'down']);
      dropped = await until('our side dropping the member', () => !lacp().ports[0].distributing && bond.usableSlaves.every((s) => s.name !== OUR_IFS[0]), 5000);
      say(`firmware dropped ${OUR_IFS[0]} after ${dropped.toFixed(0)} ms; usable: ${bond.usableSlaves.map((s) => s.name).join(' ')}`);
      ovsDrop = await until('OVS dropping the member', async () => !ovsDistributing(await ovsMember(0)), 10000);
      say(`OVS dropped ${OVS_IFS[0]} within ${ovsDrop.toFixed(0)} ms (polled):`);
      print((await ovs.state()).out);
      check(ours(1) === 0x3f && partner(1) === 0x3f, 'the other member did not stay in the aggregation');
      await sleep(Math.max(0, AFTER_PULL_MS - (performance.now() - at)));
    });
    report('member pulled', pulled);
    const boundToOvs = Math.ceil((TOTAL_RATE * (MIIMON_MS + MARGIN_MS)) / 1000);
    const boundToFw = Math.ceil((TOTAL_RATE * (0 + MARGIN_MS)) / 1000);
    print(`  bound firmware -> OVS: ${TOTAL_RATE}/s x (${MIIMON_MS} ms + ${MARGIN_MS} ms) = ${boundToOvs} datagrams`);
    print(`    our bond keeps hashing flows to ${OUR_IFS[0]} until its MII monitor reads the carrier down: at most miimon=${MIIMON_MS} ms after the pull (measured ${dropped.toFixed(0)} ms);`);
    print(`    the margin covers timer lateness in our event loop and socat; the whole rate counts, though only the flows hashed to the member are at risk`);
    print(`  bound OVS -> firmware: ${TOTAL_RATE}/s x (0 ms + ${MARGIN_MS} ms) = ${boundToFw} datagrams`);
    print(`    OVS learns of it from ${OVS_IFS[0]}'s carrier, which falls with our end of the veth at once (netlink, no poll; LACP's 3 s timeout is not needed);`);
    print(`    the margin covers OVS's main loop and the revalidation of its datapath flows towards the member`);
    check(pulled.toOvs.sent > 0 && pulled.toFw.sent > 0, 'member pulled: nothing was sent');
    check(pulled.toOvs.received > 0 && pulled.toFw.received > 0, 'member pulled: traffic did not flow');
    check(pulled.toOvs.lost <= boundToOvs, `member pulled: ${pulled.toOvs.lost} datagrams lost firmware -> OVS, over the bound ${boundToOvs}`);
    check(pulled.toFw.lost <= boundToFw, `member pulled: ${pulled.toFw.lost} datagrams lost OVS -> firmware, over the bound ${boundToFw}`);
    check(pulled.toOvs.duplicated === 0 && pulled.toFw.duplicated === 0, 'member pulled: duplicated datagrams');

    // --- restore it with the flows running: it rejoins on both sides --------------------------
    const rejoin = await traffic(async () => {
      await sleep(1000);
      say(`restoring ${OUR_IFS[0]}, flows running`);
      sh('ip', ['link', 'set', OUR_IFS[0], 'up']);
      // socat's packet socket ends with "Network is down" when its interface goes down: a new
      // bridge for the interface that came back, as a cable's port would just work again.
      await startSocat(0);
      const back = await until('rejoining', () => ours(0) === 0x3f && partner(0) === 0x3f && bond.usableSlaves.length === 2, 15000);
      say(`firmware: ${OUR_IFS[0]} back in the aggregation after ${(back / 1000).toFixed(1)} s`);
      const w2 = await ovs.wait(15);
      if (w2.status !== 0) throw new Error(`OVS did not take the member back:\n${w2.out}`);
      print(w2.out);
      await ovsSpread();
    });
    report('member restored', rejoin);
    const boundRejoin = Math.ceil((TOTAL_RATE * MARGIN_MS) / 1000);
    print(`  bound each way: ${TOTAL_RATE}/s x (0 ms + ${MARGIN_MS} ms) = ${boundRejoin} datagrams`);
    print(`    a returning member carries nothing before LACP has it collecting on both sides, and OVS moves no bucket to it before its next rebalance;`);
    print(`    the margin covers the one PDU exchange in which OVS enables the member in its main loop after answering our sync`);
    check(rejoin.toOvs.received > 0 && rejoin.toFw.received > 0, 'member restored: traffic did not flow');
    check(rejoin.toOvs.lost <= boundRejoin && rejoin.toFw.lost <= boundRejoin, `member restored: ${rejoin.toOvs.lost} / ${rejoin.toFw.lost} datagrams lost, over the bound ${boundRejoin}`);
    check(rejoin.toOvs.duplicated === 0 && rejoin.toFw.duplicated === 0, 'member restored: duplicated datagrams');

    // --- recovered: the flows spread over both members again --------------------------------
    const RECOVERED_S = 3;
    const recovered = await traffic(() => sleep(RECOVERED_S * 1000));
    report('recovered', recovered);
    flowsIntact(recovered, 'recovered');
    bothMembersCarry(recovered, RECOVERED_S, 'recovered');
    await cli('cat /proc/net/bonding/bond0');

    say(
      `interop: converged in ${(conv / 1000).toFixed(1)} s; member pull lost ${pulled.toOvs.lost} firmware -> OVS (bound ${boundToOvs}), ` +
        `${pulled.toFw.lost} OVS -> firmware (bound ${boundToFw}); restore lost ${rejoin.toOvs.lost} / ${rejoin.toFw.lost} (bound ${boundRejoin}); both members carry traffic both ways again`,
    );
    receiver.close();
    await cli('rmmod bonding');
  } catch (e) {
    failed = true;
    say(`interop FAILED: ${(e as Error).message}`);
    if (diag) say(diag());
    for (const r of [await ovs.show(), await ovs.appctl('bond/show')]) if (r.status === 0) print(r.out);
  } finally {
    cleanup();
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
