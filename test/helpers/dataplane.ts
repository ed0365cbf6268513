/**
 * The data-plane matrix's tools: a bond on the default boot (through the serial bridge) with
 * a `sim stream` running across console events, the stream's counts parsed, and watchers for
 * what must never happen on the cables (a frame of the stream on an 802.3ad port that is not
 * distributing, or on a port that is no slave).
 */
import type { ExecutionContext } from 'ava';
import type { Mode8023ad } from '../../firmware/bonding/bond3ad.ts';
import { readU16 } from '../../lib/addr.ts';
import { ETHERTYPE_IPV4, etherTypeOffset } from '../../firmware/net/packets.ts';
import { ECHO_PORT } from '../../sim/stream.ts';
import type { Topology } from '../../sim/world.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import { bootTest, type TestSystem } from './sim.ts';

/** The stream every phase runs: 1000 frames/s (one a millisecond) over 16 flows. */
export const RATE = 1000;
export const FLOWS = 16;

export interface Counts {
  sent: number;
  received: number;
  lost: number;
  duplicated: number;
  reordered: number;
  ports: Record<string, number>;
  flowsMoved: number;
}

export function parseCounts(text: string): Counts {
  const lines = text.split('\n');
  const m = /^sent (\d+) received (\d+) lost (\d+) duplicated (\d+) reordered (\d+)$/.exec(lines[0]);
  const last = /^flows-moved (\d+)$/.exec(lines[lines.length - 1]);
  if (!m || !last) throw new Error(`not stream counts:\n${text}`);
  const ports: Record<string, number> = {};
  for (const l of lines.slice(1, -1)) {
    const p = /^(\S+) (\d+)$/.exec(l);
    if (!p) throw new Error(`not a port line: ${l}`);
    ports[p[1]] = Number(p[2]);
  }
  return { sent: +m[1], received: +m[2], lost: +m[3], duplicated: +m[4], reordered: +m[5], ports, flowsMoved: +last[1] };
}

export interface Bench {
  s: TestSystem;
  /** Runs a console line; an `error:` answer fails the test. */
  run(line: string): Promise<string>;
  /**
   * Starts the stream, lets it run `leadMs`, runs `lines` (the event), lets it run `afterMs`,
   * stops it and returns the counts.
   */
  phase(name: string, lines: string[], afterMs?: number, leadMs?: number): Promise<Counts>;
  /** Stream frames seen on an 802.3ad port that was not distributing, or on a port that was no slave. */
  violations: string[];
  /** MAC moves the partner switches saw since the bench started. */
  macMoves(): number;
}

/** A stream frame (to the hosts' echo port) of any flow; the stream's own check is finer. */
function isStreamFrame(frame: Uint8Array): boolean {
  const et = etherTypeOffset(frame, frame.length);
  if (et < 0 || readU16(frame, et) !== ETHERTYPE_IPV4) return false;
  const l4 = et + 2 + (frame[et + 2] & 15) * 4;
  return l4 + 4 <= frame.length && readU16(frame, l4 + 2) === ECHO_PORT;
}

/**
 * Boots `board` (default sim-gw4; serial bridge in-process), loads bonding with `params`, gives
 * bond0 192.168.1.1/24, configures the partner with `partner` lines, enslaves `slaves`, and
 * waits `settleMs` for links and LACP.
 */
export async function dataplane(
  t: ExecutionContext,
  opts: { params: string; slaves: string[]; partner?: string[]; topology?: Topology; settleMs?: number; board?: BoardDefinition },
): Promise<Bench> {
  const s = await bootTest(opts.board, { bridge: 'inproc', topology: opts.topology });
  const run = async (line: string): Promise<string> => {
    const out = await s.run(line);
    if (out.startsWith('error:')) throw new Error(`${line}: ${out}`);
    return out;
  };
  await run(`modprobe bonding ${opts.params}`);
  await run('ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up');
  for (const l of opts.partner ?? []) await run(l);
  await run(`ifenslave bond0 ${opts.slaves.join(' ')}`);
  await run(`sim wait ${opts.settleMs ?? 3000}ms`);

  const bond = s.firmware.net.bond('bond0')!;
  const violations: string[] = [];
  const names = s.hw.world.portNames;
  s.hw.world.observe((i, frame, dir) => {
    if (dir !== 'out' || !isStreamFrame(frame)) return;
    const slave = bond.slave(names[i]);
    if (!slave) {
      violations.push(`${s.clock.now()} ms: a stream frame left on ${names[i]}, which is no slave`);
      return;
    }
    const mode = bond.modeExtension as Mode8023ad | undefined;
    const port = mode && 'lacp' in mode ? mode.port(slave) : undefined;
    if (port && !port.distributing) violations.push(`${s.clock.now()} ms: a stream frame left on ${names[i]}, which is not distributing`);
  });
  const movesAtStart = s.hw.world.bridges.reduce((n, b) => n + b.macMoves, 0);

  const phase = async (name: string, lines: string[], afterMs = 1000, leadMs = 500): Promise<Counts> => {
    await run(`sim stream start bond0 rate ${RATE} flows ${FLOWS}`);
    await run(`sim wait ${leadMs}ms`);
    for (const l of lines) await run(l);
    await run(`sim wait ${afterMs}ms`);
    const out = await run('sim stream stop');
    const c = parseCounts(out);
    t.log(`${name}: ${out.replace(/\n/g, ', ')}`);
    return c;
  };
  return { s, run, phase, violations, macMoves: () => s.hw.world.bridges.reduce((n, b) => n + b.macMoves, 0) - movesAtStart };
}

/** Frames a loss of `ms` milliseconds costs at the stream's rate. */
export function framesIn(ms: number): number {
  return Math.ceil((ms * RATE) / 1000);
}

export const MIIMON_MS = 100;
/**
 * Time for the firmware to read a carrier change through the serial bridge: the PHY
 * interrupt, then the switch's port status read on the emulated 921600-baud UART (a few
 * milliseconds; 10 leaves room).
 */
export const BUS_MS = 10;
/** A pulled cable is acted on at the MII monitor round after the carrier read shows it. */
export const MII_DETECT_MS = MIIMON_MS + BUS_MS;
/**
 * balance-alb: clients that were sent to the swapped or released slave's address learn the
 * new one at the next client update, which Linux holds back RLB_UPDATE_DELAY (2 s) after the
 * last update round, at an ALB monitor tick (100 ms) (bond_alb.c rlb_update_delay_counter).
 */
export const RLB_UPDATE_MS = 2000 + 100;
/**
 * balance-alb: a returning slave gets its clients back at once, but the partner switch learns
 * its address back from the slave's learning packets (lp_interval, 1 s) or its first frames.
 */
export const ALB_LEARN_MS = 1000 + 100;

export interface ModeCase {
  params: string;
  /** Partner configuration before enslaving eth0 and eth1, and when eth2 joins. */
  partner?: string[];
  partnerWithEth2?: string[];
  topology?: Topology;
  /**
   * Steady state: `spread` both slaves carry frames; `first` all on eth0 (the active slave,
   * or the active aggregator's only port); `broadcast` every frame on every slave.
   */
  steady: 'spread' | 'first' | 'broadcast';
  /** No reordering within a flow is allowed. */
  inOrder: boolean;
  /** The partner aggregates the links: it must never see the bond's MAC move. */
  noMacMoves: boolean;
  /** Loss bounds, in ms of stream, for a pull, a return and a release. */
  pullMs: number;
  returnMs: number;
  releaseMs: number;
}

/** What holds in every phase: the loss bound, duplicates only in broadcast, order where required. */
function common(t: ExecutionContext, c: ModeCase, name: string, n: Counts, boundMs: number): void {
  t.true(n.lost <= framesIn(boundMs), `${name}: lost ${n.lost} frames, more than the bound of ${framesIn(boundMs)} (${boundMs} ms at the stream's rate)`);
  if (c.steady === 'broadcast') t.is(n.received - n.duplicated + n.lost, n.sent, `${name}: every frame is accounted for`);
  else t.is(n.duplicated, 0, `${name}: no duplicates`);
  if (c.inOrder) t.is(n.reordered, 0, `${name}: no reordering within a flow`);
}

/**
 * One mode through the whole sequence: steady state, eth0 pulled and returned, eth1 pulled
 * and returned, eth2 enslaved, eth0 released; a stream runs across each event.
 */
export async function modeMatrix(t: ExecutionContext, mode: string, c: ModeCase, board?: BoardDefinition): Promise<void> {
  const b = await dataplane(t, { params: c.params, slaves: ['eth0', 'eth1'], partner: c.partner, topology: c.topology, board });

  const steady = await b.phase('steady state', []);
  t.is(steady.lost, 0, 'steady state: nothing lost');
  common(t, c, 'steady state', steady, 0);
  if (c.steady === 'broadcast') {
    t.is(steady.duplicated, steady.sent, 'broadcast: every frame twice, once per slave');
    t.is(steady.ports.eth0, steady.sent);
    t.is(steady.ports.eth1, steady.sent);
  } else if (c.steady === 'spread') {
    t.true(steady.ports.eth0 > 0 && steady.ports.eth1 > 0, 'both slaves carry frames');
    t.is(steady.ports.eth0 + steady.ports.eth1, steady.sent);
    if (mode !== 'balance-rr') t.is(steady.flowsMoved, 0, 'each flow stays on its slave');
  } else {
    t.is(steady.ports.eth0, steady.sent, 'everything on eth0');
    t.is(steady.ports.eth1, 0);
    t.is(steady.flowsMoved, 0);
  }

  const pull0 = await b.phase('pull eth0', ['sim link eth0 down']);
  common(t, c, 'pull eth0', pull0, c.pullMs);
  if (c.steady === 'broadcast') t.is(pull0.lost, 0, 'broadcast: the other copy arrives');
  t.true(pull0.ports.eth1 > 0, 'eth1 carries on');

  const back0 = await b.phase('return eth0', ['sim link eth0 up'], 3000);
  common(t, c, 'return eth0', back0, c.returnMs);

  const pull1 = await b.phase('pull eth1', ['sim link eth1 down']);
  common(t, c, 'pull eth1', pull1, c.pullMs);
  t.true(pull1.ports.eth0 > 0, 'eth0 is back in service');

  const back1 = await b.phase('return eth1', ['sim link eth1 up'], 3000);
  common(t, c, 'return eth1', back1, c.returnMs);

  const join = await b.phase('enslave eth2', ['ifenslave bond0 eth2', ...(c.partnerWithEth2 ?? [])], 3000);
  t.is(join.lost, 0, 'a slave joining loses nothing');
  common(t, c, 'enslave eth2', join, 0);

  const leave = await b.phase('release eth0', ['ifenslave -d bond0 eth0'], 3000);
  common(t, c, 'release eth0', leave, c.releaseMs);
  if (c.steady !== 'first') t.true(leave.ports.eth2 > 0, 'the new slave carries frames');

  t.deepEqual(b.violations, [], 'no stream frame on a port that is no slave, or (802.3ad) not distributing');
  if (c.noMacMoves) t.is(b.macMoves(), 0, 'the partner never saw an address move between its ports');
}
