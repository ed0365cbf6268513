/**
 * `npm run interop:lacp` (needs root): the firmware's 802.3ad bond against Open vSwitch as an
 * independent LACP partner, on two veth pairs. OVS runs in its own network namespace
 * (../shared/tools/lacp-peer.sh); the firmware's bond runs here, its ports carrying raw
 * frames in UDP datagrams to socat bridges on our veth ends. Waits for convergence, prints
 * OVS's view, pulls one link and checks both sides drop that member, restores it and checks
 * it rejoins. Exits 0 only when every step held.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bond } from '../firmware/bonding/bond.ts';
import '../firmware/bonding/bond3ad.ts';
import type { Mode8023ad } from '../firmware/bonding/bond3ad.ts';
import { EventLog, formatLogEntry } from '../firmware/core/log.ts';
import { SeededRandom } from '../firmware/core/random.ts';
import { RealClock } from '../hal/clock-real.ts';
import { UdpFramePort } from '../hal/transport/udp-frame-port.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PEER = process.env.LACP_PEER ?? join(ROOT, '..', 'shared', 'tools', 'lacp-peer.sh');
const tag = Math.random().toString(36).slice(2, 6);
const NAME = `ip${tag}`;
const OVS_IFS = [`lpx1${tag}`, `lpx2${tag}`];
const OUR_IFS = [`lpy1${tag}`, `lpy2${tag}`];
const UDP_BASE = 47000 + Math.floor(Math.random() * 1000) * 4;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const t0 = performance.now();
const say = (text: string) => process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${text}\n`);

function sh(cmd: string, args: string[], env?: Record<string, string>): string {
  return execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Runs lacp-peer.sh without blocking: the firmware's LACP must keep running (a synchronous
 * wait of 15 s would starve its timers and OVS would rightly time us out).
 */
function peer(args: string[], env?: Record<string, string>): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(PEER, args, { env: { ...process.env, ...env } });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    p.on('close', (status) => resolve({ status, out: out.trim() }));
  });
}

function peerSync(args: string[]): void {
  spawnSync(PEER, args, { stdio: 'ignore' });
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < ms) {
    if (await cond()) return performance.now() - start;
    await sleep(50);
  }
  throw new Error(`${what}: not within ${ms / 1000} s`);
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('interop:lacp needs root (veth pairs, a network namespace, packet sockets)\n');
    return 2;
  }
  for (const c of ['ovs-vswitchd', 'ovsdb-tool', 'socat', 'ip']) {
    if (!have(c)) {
      process.stderr.write(`interop:lacp needs ${c} (apt-get install openvswitch-switch socat iproute2)\n`);
      return 2;
    }
  }
  if (!existsSync(PEER)) {
    process.stderr.write(`interop:lacp: no lacp-peer.sh at ${PEER} (set LACP_PEER)\n`);
    return 2;
  }

  const socats: (ChildProcess | undefined)[] = [];
  const clock = new RealClock();
  const log = new EventLog(clock);
  const cleanup = (): void => {
    for (const s of socats) s?.kill();
    peerSync(['stop', NAME]);
    for (const i of OUR_IFS) spawnSync('ip', ['link', 'del', i], { stdio: 'ignore' });
    clock.cancelAll();
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });

  const startSocat = async (i: number): Promise<void> => {
    const old = socats[i];
    if (old && old.exitCode === null && old.signalCode === null) {
      // The old bridge must let go of its UDP port before a new one can bind it.
      const gone = new Promise((r) => old.once('exit', r));
      old.kill();
      await gone;
    }
    const p = spawn('socat', [`INTERFACE:${OUR_IFS[i]}`, `UDP-DATAGRAM:127.0.0.1:${UDP_BASE + 2 * i},bind=127.0.0.1:${UDP_BASE + 2 * i + 1}`], { stdio: 'ignore' });
    socats[i] = p;
  };

  let failed = false;
  let diag: (() => string) | undefined;
  try {
    for (let i = 0; i < 2; i++) {
      sh('ip', ['link', 'add', OVS_IFS[i], 'type', 'veth', 'peer', 'name', OUR_IFS[i]]);
      sh('ip', ['link', 'set', OUR_IFS[i], 'up']);
    }
    const started = await peer(['start', NAME, ...OVS_IFS], { SYS_ID: '02:00:00:00:0a:0a', PORT_ID_BASE: '1', LACP_MODE: 'active', LACP_TIME: 'fast' });
    if (started.status !== 0) throw new Error(`OVS did not start: ${started.out}`);
    say(started.out);

    // The firmware's bond over UDP frame ports.
    const ports = OUR_IFS.map((ifname, i) => new UdpFramePort({ name: ifname, ifname, localPort: UDP_BASE + 2 * i, remotePort: UDP_BASE + 2 * i + 1 }));
    for (const p of ports) await p.open();
    for (let i = 0; i < 2; i++) await startSocat(i);
    log.subscribe((e) => say(`firmware: ${formatLogEntry(e).replace(/^\[[^\]]*\] /, '')}`));
    const bond = new Bond('bond0', {
      clock,
      log,
      random: new SeededRandom(1),
      deliver: () => {},
      notifyPeers: () => {},
      arpRoute: () => undefined,
      hasIp: () => false,
    });
    for (const [opt, v] of [['mode', '802.3ad'], ['lacp_rate', 'fast'], ['miimon', '100'], ['xmit_hash_policy', 'layer3+4']]) bond.setOptionText(opt, v);
    bond.open();
    for (const p of ports) {
      await bond.enslave(p);
      const s = bond.slave(p.name)!;
      p.onFrame((f, n) => bond.receive(s, f, n));
    }
    const lacp = () => (bond.modeExtension as Mode8023ad).lacp;
    diag = () =>
      lacp()
        .ports.map((p, i) => `${p.name}: now ${clock.now().toFixed(0)} periodic ${p.periodic} due ${p.periodicDue.toFixed(0)} cw ${p.currentWhile.toFixed(0)} ntt ${p.ntt} next ${p.nextTxAllowed().toFixed(0)} enabled ${p.enabled} mux ${p.mux} rx ${p.rx} actor 0x${p.actor.state.toString(16)} partner 0x${p.partner.state.toString(16)} PDUs tx ${p.stats.lacpduTx} rx ${p.stats.lacpduRx}; udp tx ${ports[i].stats.tx} rx ${ports[i].stats.rx} txDropped ${ports[i].stats.txDropped}`)
        .join('\n');
    const ours = (i: number) => lacp().ports[i].actor.state & 0x3f;
    const partner = (i: number) => lacp().ports[i].partner.state & 0x3f;

    const conv = await until('convergence', () => [0, 1].every((i) => ours(i) === 0x3f && partner(i) === 0x3f), 15000);
    say(`our ports: actor 0x3f, partner 0x3f on both, ${(conv / 1000).toFixed(1)} s after enslaving`);
    const w = await peer(['wait', NAME, '15']);
    if (w.status !== 0) throw new Error(`OVS does not show every member current, attached, in sync, collecting and distributing:\n${w.out}`);
    say('OVS state (lacp-peer.sh state):');
    process.stdout.write(`${(await peer(['state', NAME])).out}\n`);

    // Pull one link: our end of the first veth goes down; both sides must drop that member.
    say(`pulling ${OUR_IFS[0]}`);
    sh('ip', ['link', 'set', OUR_IFS[0], 'down']);
    const dropped = await until(
      'our side dropping the member',
      () => !lacp().ports[0].distributing && bond.usableSlaves.every((s) => s.name !== OUR_IFS[0]),
      5000,
    );
    say(`firmware dropped ${OUR_IFS[0]} after ${dropped.toFixed(0)} ms; usable: ${bond.usableSlaves.map((s) => s.name).join(' ')}`);
    const ovsDrop = await until(
      'OVS dropping the member',
      async () => {
        const line = (await peer(['state', NAME])).out.split('\n').find((l) => l.startsWith(OVS_IFS[0])) ?? '';
        return !/ current attached .*distributing.* partner=.*distributing/.test(line);
      },
      10000,
    );
    say(`OVS dropped ${OVS_IFS[0]} after ${ovsDrop.toFixed(0)} ms:`);
    process.stdout.write(`${(await peer(['state', NAME])).out}\n`);
    if (!(ours(1) === 0x3f && partner(1) === 0x3f)) throw new Error('the other member did not stay in the aggregation');

    // Restore it: it rejoins on both sides.
    say(`restoring ${OUR_IFS[0]}`);
    sh('ip', ['link', 'set', OUR_IFS[0], 'up']);
    // socat's packet socket ends with "Network is down" when its interface goes down: a new
    // bridge for the interface that came back, as a cable's port would just work again.
    await startSocat(0);
    const back = await until('rejoining', () => ours(0) === 0x3f && partner(0) === 0x3f && bond.usableSlaves.length === 2, 15000);
    say(`firmware: ${OUR_IFS[0]} back in the aggregation after ${(back / 1000).toFixed(1)} s`);
    const w2 = await peer(['wait', NAME, '15']);
    if (w2.status !== 0) throw new Error(`OVS did not take the member back:\n${w2.out}`);
    process.stdout.write(`${w2.out}\n`);
    say('interop: converged, dropped and rejoined on both sides');
    bond.close();
    for (const p of ports) p.close();
  } catch (e) {
    failed = true;
    say(`interop FAILED: ${(e as Error).message}`);
    if (diag) say(diag());
    const show = await peer(['show', NAME]);
    if (show.status === 0) process.stdout.write(`${show.out}\n`);
  } finally {
    cleanup();
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
