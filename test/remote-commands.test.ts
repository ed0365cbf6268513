/**
 * Remote commands (NCMD, DCMD) on their way to the dispatcher, in virtual time: the default
 * role refuses changes and says so in the audit log, a granted role runs them, the rate limit
 * and the rebirth limit count what they drop, a burst never delays an LACPDU or an MII round,
 * and any payload from the network (random protobuf, truncated, huge, wrong types) crashes
 * nothing, changes nothing and moves a counter.
 */
import test from 'ava';
import fc from 'fast-check';
import { gw8_6390 } from '../boards/gw8-6390.ts';
import { gw5_mt7621 } from '../boards/gw5-mt7621.ts';
import type { BoardDefinition, SwitchDefinition } from '../boards/types.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import { readPcapng } from '../sim/pcapng.ts';
import { RemoteCommands, DEFAULT_REMOTE_LIMITS, type RemoteLimits } from '../firmware/telemetry/remote-commands.ts';
import { decodePayload, encodePayload, type Metric } from '../firmware/telemetry/sparkplug.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';

interface Outcomes {
  results: string[];
  configs: string[];
  rebirths: number[];
}

function remote(s: TestSystem, limits: RemoteLimits = DEFAULT_REMOTE_LIMITS): { rc: RemoteCommands; out: Outcomes } {
  const out: Outcomes = { results: [], configs: [], rebirths: [] };
  const rc = new RemoteCommands(s.firmware, s.clock, {
    commandResult: (o) => out.results.push(o),
    configResult: (device, metric) => out.configs.push(`${device} ${metric}=${s.firmware.net.bond(device)?.opts.miimon}`),
    rebirth: () => out.rebirths.push(s.clock.now()),
  }, limits);
  return { rc, out };
}

const ncmd = (line: string) => encodePayload({ timestamp: 1, metrics: [{ name: 'Node Control/Command', type: 'String', value: line }] });
const dcmd = (metric: string, value: string) => encodePayload({ timestamp: 1, metrics: [{ name: metric, type: 'String', value }] });

async function bonded(board: BoardDefinition): Promise<TestSystem> {
  const s = await bootTest(board);
  for (const l of ['modprobe bonding mode=active-backup miimon=100', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1', 'sim wait 1s']) await s.run(l);
  return s;
}

for (const board of SCENARIO_BOARDS) {
  test.serial(onBoard(board, 'NCMD rmmod bonding is refused by default and audited; with --mqtt-commands operate it runs'), async (t) => {
    const s = await bonded(board);
    const { rc, out } = remote(s);
    const before = await s.run('config show');
    rc.receive('NCMD', undefined, ncmd('rmmod bonding'), 'dash');
    await s.clock.advance(0);
    t.deepEqual(out.results, ['error: permission denied: rmmod changes state (needs operate; mqtt has read)']);
    t.is(await s.run('config show'), before);
    t.is(await s.run('cat /sys/class/net/bonding_masters'), 'bond0');
    const last = s.firmware.security.audit.last!;
    t.like(last, { source: 'mqtt', who: 'dash', outcome: 'denied', line: 'rmmod bonding' });
    t.is(rc.stats.denied, 1);
    // Reading is allowed.
    rc.receive('NCMD', undefined, ncmd('cat /sys/class/net/bond0/bonding/mode'), 'dash');
    await s.clock.advance(0);
    t.is(out.results[1], 'active-backup 1');
    // DCMD Config/<option> is `echo <value> > .../bonding/<option>`: refused, and the old value follows.
    rc.receive('DCMD', 'bond0', dcmd('Config/miimon', '50'), 'dash');
    await s.clock.advance(0);
    t.deepEqual(out.configs, ['bond0 Config/miimon=100']);
    t.like(s.firmware.security.audit.last, { outcome: 'denied', line: "echo '50' > '/sys/class/net/bond0/bonding/miimon'" });

    s.firmware.dispatcher.setRole('mqtt', 'operate');
    rc.receive('DCMD', 'bond0', dcmd('Config/miimon', '50'), 'dash');
    await s.clock.advance(0);
    t.deepEqual(out.configs, ['bond0 Config/miimon=100', 'bond0 Config/miimon=50']);
    rc.receive('NCMD', undefined, ncmd('rmmod bonding'), 'dash');
    await s.clock.advance(0);
    t.is(out.results[2], '');
    t.is(await s.run('cat /sys/class/net/bonding_masters'), 'error: cat: /sys/class/net/bonding_masters: No such file or directory');
    t.like(s.firmware.security.audit.last, { source: 'mqtt', who: 'dash', outcome: 'ok', line: 'rmmod bonding' });
    // Registers stay an admin's.
    rc.receive('NCMD', undefined, ncmd('mdio write 0 0 0x1940'), 'dash');
    await s.clock.advance(0);
    t.is(out.results[3], 'error: permission denied: mdio touches hardware registers (needs admin; mqtt has operate)');
  });

  test.serial(onBoard(board, 'the rate limit: a burst of 20, then 10 a second; the queue is bounded; drops are counted'), async (t) => {
    const s = await bonded(board);
    const { rc, out } = remote(s);
    for (let i = 0; i < 100; i++) rc.receive('NCMD', undefined, ncmd('version'), 'x');
    t.is(rc.stats.received, 100);
    t.is(rc.stats.rateLimited, 80);
    t.is(rc.queued, 20);
    await s.clock.advance(0);
    t.is(out.results.length, 20);
    t.is(rc.queued, 0);
    await s.clock.advance(500);
    for (let i = 0; i < 10; i++) rc.receive('NCMD', undefined, ncmd('version'), 'x');
    t.is(rc.stats.rateLimited, 85, 'half a second refills 5');
    await s.clock.advance(0);
    t.is(out.results.length, 25);
    t.regex(await s.run('log 50'), /warn: mqtt: remote commands over the rate limit \(20 at once, 10\/s\); dropped \(\d+ so far\)/);
    // Too many metrics in one payload: nothing done at all.
    const many: Metric[] = Array.from({ length: 65 }, () => ({ name: 'Node Control/Command', type: 'String', value: 'version' }));
    const bad = rc.stats.badCommands;
    rc.receive('NCMD', undefined, encodePayload({ timestamp: 1, metrics: many }), 'x');
    t.is(rc.stats.badCommands, bad + 1);
    t.is(rc.stats.received, 110);
  });

  test.serial(onBoard(board, '1,000 rebirth requests: one birth now, one when the interval ends, the rest folded into it'), async (t) => {
    const s = await bonded(board);
    const { rc, out } = remote(s);
    const t0 = s.clock.now();
    const rebirth = encodePayload({ timestamp: 1, metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] });
    for (let i = 0; i < 1000; i++) rc.receive('NCMD', undefined, rebirth, 'x');
    await s.clock.advance(10_000);
    t.deepEqual(out.rebirths.map((x) => x - t0), [0, 5000]);
    t.is(rc.stats.rebirths, 2);
    t.is(rc.stats.rebirthsFolded, 998);
  });
}

/** LACPDU departures and MII round starts, for a burst of remote commands or none. */
/** A register read in each family's `switch` addressing (88E6xxx: port device and register; MT7530: one 32-bit address, PMSR of port 1). */
const SWITCH_READ: Record<SwitchDefinition['driver'], string> = { mv88e6xxx: 'switch read 0x02 0', mt7530: 'switch read 0x3108' };

async function monitored(board: BoardDefinition, burst: number): Promise<{ lacpdus: string[]; rounds: number[]; probeMs: number[]; failoverAt: number; executed: number; rateLimited: number }> {
  // gw8-6390 and gw5-mt7621: the switch's registers and its CPU port's frames all cross the serial bridge.
  const s = await bootTest(board, { bridge: 'inproc' });
  // Rounds are compared instant by instant, so only the commands may move them: no interrupt
  // lines. A link interrupt re-phases the rounds at its arrival, which a command's answer on the
  // UART can delay by a frame (test/link-interrupt.test.ts bounds that).
  s.bridge!.mcu.irqEnabled = false;
  for (const l of ['modprobe bonding mode=802.3ad miimon=100 lacp_rate=fast', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 lan1 lan2', 'sim lacp lan1 active fast', 'sim lacp lan2 active fast', 'sim wait 3s', 'sim pcap /cap']) {
    const o = await s.run(l);
    if (o.startsWith('error')) throw new Error(`${l}: ${o}`);
  }
  const bond = s.firmware.net.bond('bond0')!;
  const start = s.clock.now();
  const rounds: number[] = [];
  const probeMs: number[] = [];
  for (const sl of bond.slaves) {
    const port = sl.port;
    const probe = port.probeLink.bind(port);
    port.probeLink = async (useCarrier: boolean) => {
      const at = s.clock.now();
      if (sl === bond.slaves[0]) rounds.push(at - start);
      const up = await probe(useCarrier);
      probeMs.push(s.clock.now() - at);
      return up;
    };
  }
  s.firmware.dispatcher.setRole('mqtt', 'admin'); // nothing refused: every command does its bus work
  const { rc } = remote(s, { ...DEFAULT_REMOTE_LIMITS, burst: 1000, perSecond: 1000, maxQueued: 1000 });
  // Commands that keep the bus busy: the switch's MIB counters, PHY link modes, registers.
  const lines = ['ethtool -S lan1', 'ethtool lan2', SWITCH_READ[board.switch.driver], 'mdio read 1 1', 'show bond bond0', 'cat /proc/net/bonding/bond0'];
  for (let i = 0; i < burst; i++) rc.receive('NCMD', undefined, ncmd(lines[i % lines.length]), 'x');
  await s.clock.advance(1500);
  // The cable pulled in the world itself: a `sim link` line would wait its turn in the
  // dispatcher behind the remote command running then, and pull later.
  s.hw.world.setCable(s.hw.portIndex('lan1'), false);
  await s.clock.advance(1500);
  await s.run('sim pcap off');
  const failover = s.log.tail().find((e) => e.time >= start && e.text.includes('(slave lan1): link status definitely down'));
  const chunks = s.captures.get('/cap')!;
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    bytes.set(c, o);
    o += c.length;
  }
  const lacpdus = readPcapng(bytes)
    .filter((p) => p.direction === 'out' && p.data[12] === 0x88 && p.data[13] === 0x09)
    .map((p) => `${p.ifName} ${(Number(p.timeUs) / 1000 - start).toFixed(3)}`);
  return { lacpdus, rounds, probeMs, failoverAt: (failover?.time ?? NaN) - start, executed: rc.stats.executed, rateLimited: rc.stats.rateLimited };
}

// One board behind the serial bridge per family (registers and CPU-port frames on the one
// UART): the MT7530 costs more bus transactions per access than the 88E6390.
for (const board of [gw8_6390, gw5_mt7621]) {
  const title = 'a burst of remote commands delays no LACPDU and shifts or skips no MII round; a monitor read waits at most for the one command batch the bridge runs (virtual time)';
  test.serial(board === gw8_6390 ? title : `${board.name}: ${title}`, async (t) => {
    const quiet = await monitored(board, 0);
    const busy = await monitored(board, 600);
    t.true(busy.executed >= 20, `the burst kept the bus busy: ${busy.executed} commands ran`);
    t.is(busy.rateLimited, 0);
    t.true(quiet.lacpdus.length >= 4);
    t.deepEqual(busy.lacpdus, quiet.lacpdus, 'every LACPDU left at the same instant');
    t.deepEqual(busy.rounds, quiet.rounds, 'every MII round started at the same instant, none skipped');
    const worst = (xs: number[]) => Math.max(...xs);
    t.log(`MII probe through the bridge: worst ${worst(quiet.probeMs).toFixed(3)} ms quiet, ${worst(busy.probeMs).toFixed(3)} ms during the burst; cable pull detected ${quiet.failoverAt.toFixed(3)} ms quiet, ${busy.failoverAt.toFixed(3)} ms busy (pulled at 1500)`);
    // The bus is one wire: a monitor read queues behind no command, but may wait for the
    // command programs already at the bridge (at most two, each one atomic batch).
    t.true(worst(busy.probeMs) <= worst(quiet.probeMs) + 10, 'a monitor read waits for at most the command batch the bridge is running');
    t.true(busy.failoverAt <= quiet.failoverAt + 10, 'the cable pull is detected in the same MII round or earlier');
    t.true(busy.failoverAt - 1500 <= 100 + worst(quiet.probeMs) + 10, 'within one MII round of the pull');
  });
}

const TYPES = ['Int8', 'Int32', 'UInt32', 'UInt64', 'Float', 'Double', 'Boolean', 'String', 'Bytes'] as const;

/** A metric of any name and type with a value of that type. */
const anyMetric: fc.Arbitrary<Metric> = fc.record({
  name: fc.oneof(fc.constantFrom('Node Control/Command', 'Node Control/Rebirth', 'Config/miimon', 'Config/mode', 'Config/nope', 'Mode'), fc.string({ maxLength: 60, unit: 'binary' })),
  type: fc.constantFrom(...TYPES),
}).chain(({ name, type }) => {
  const value: fc.Arbitrary<Metric['value']> =
    type === 'Boolean' ? fc.boolean()
      : type === 'String' ? fc.oneof(fc.string({ maxLength: 200, unit: 'binary' }), fc.constantFrom('rmmod bonding', 'mdio write 0 0 0', 'sim wait 20s', 'config save', '50', 'often'))
        : type === 'Bytes' ? fc.uint8Array({ maxLength: 64 })
          : type === 'Float' || type === 'Double' ? fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
            : type === 'Int8' ? fc.integer({ min: -128, max: 127 })
              : fc.integer({ min: 0, max: 2 ** 31 - 1 });
  return value.map((v) => ({ name, type, value: v }) as Metric);
});

const payloads: fc.Arbitrary<{ kind: 'NCMD' | 'DCMD'; bytes: Uint8Array; what: string }> = fc.oneof(
  // Random bytes: mostly not a payload at all.
  fc.record({ kind: fc.constantFrom('NCMD' as const, 'DCMD' as const), bytes: fc.uint8Array({ maxLength: 600 }), what: fc.constant('random') }),
  // Well-formed payloads of any metrics, names and types.
  fc.record({ kind: fc.constantFrom('NCMD' as const, 'DCMD' as const), metrics: fc.array(anyMetric, { maxLength: 8 }) }).map(({ kind, metrics }) => ({ kind, bytes: encodePayload({ timestamp: 1, metrics }), what: 'typed' })),
  // The same, cut short.
  fc.record({ kind: fc.constantFrom('NCMD' as const, 'DCMD' as const), metrics: fc.array(anyMetric, { minLength: 1, maxLength: 4 }), cut: fc.nat() }).map(({ kind, metrics, cut }) => {
    const b = encodePayload({ timestamp: 1, metrics });
    return { kind, bytes: b.subarray(0, cut % b.length), what: 'truncated' };
  }),
  // Huge lines and names.
  fc.record({ len: fc.integer({ min: 4097, max: 200_000 }), name: fc.boolean() }).map(({ len, name }) => ({
    kind: 'NCMD' as const,
    bytes: encodePayload({ timestamp: 1, metrics: [name ? { name: 'x'.repeat(len), type: 'String', value: 'version' } : { name: 'Node Control/Command', type: 'String', value: 'cat '.padEnd(len, 'y') }] }),
    what: 'huge',
  })),
);

for (const board of SCENARIO_BOARDS) {
  test.serial(onBoard(board, 'any NCMD/DCMD payload: no crash, nothing changed, a counter goes up (fast-check)'), async (t) => {
    const s = await bonded(board);
    const { rc, out } = remote(s, { ...DEFAULT_REMOTE_LIMITS, burst: 1e9, perSecond: 1e9, maxQueued: 1e9 });
    const state = async () => [await s.run('config show'), await s.run('cat /proc/net/bonding/bond0'), await s.run('ip addr'), await s.run('user')].join('\n');
    const before = await state();
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(payloads, async ({ kind, bytes, what }) => {
        seen.add(what);
        const c0 = { ...rc.stats };
        const r0 = out.results.length + out.configs.length + out.rebirths.length;
        rc.receive(kind, kind === 'DCMD' ? 'bond0' : undefined, bytes, 'fuzz');
        await s.clock.advance(5000);
        let metrics = -1;
        try {
          metrics = decodePayload(bytes).metrics.length;
        } catch {
          // not a payload: must be counted as bad
        }
        const moved = rc.stats.badCommands > c0.badCommands || rc.stats.received > c0.received || rc.stats.rebirths + rc.stats.rebirthsFolded > c0.rebirths + c0.rebirthsFolded;
        if (metrics !== 0 && !moved) return false;
        // Every command that ran answered (a result, a config value or a rebirth).
        return out.results.length + out.configs.length + out.rebirths.length >= r0 + (rc.stats.executed - c0.executed);
      }),
      { numRuns: 400, seed: 0x5eed },
    );
    t.is(await state(), before, 'nothing changed');
    t.deepEqual([...seen].sort(), ['huge', 'random', 'truncated', 'typed']);
    t.true(rc.stats.badCommands > 100, `bad: ${rc.stats.badCommands}`);
    t.true(rc.stats.denied > 0, `refused: ${rc.stats.denied}`);
    const log = await s.run('log 1000');
    t.false(/[\x00-\x08\x0b-\x1f\x7f]/.test(log), 'remote text reaches the log escaped');
  });
}
