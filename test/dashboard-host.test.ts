/**
 * The dashboard's Sparkplug B host (dashboard/src/host.ts) fed real payloads from the
 * firmware's own encoder: births, data by name, seq gaps and rebirth requests, deaths with
 * bdSeq, bad input of every kind, the events it derives, frame rates, and what the views read
 * (ports and their roles, LACP bits, whether the command box shows). The browser test runs
 * the same code against the main job.
 */
import test from 'ava';
import fc from 'fast-check';
import { encodePayload, type Metric } from '../firmware/telemetry/sparkplug.ts';
import { SparkplugHost, nodeKey } from '../dashboard/src/host.ts';
import { acceptsCommands, bondViews, portViews } from '../dashboard/src/model.ts';
import { spellState, stateDiff } from '../dashboard/src/lacp-state.ts';
import { parseTopic } from '../dashboard/src/topic.ts';
import { brokerUrl, loadSettings, saveSettings, type KeyValueStore } from '../dashboard/src/settings.ts';
import { FrameRates } from '../dashboard/src/rates.ts';

const G = 'gateways';
const N = 'gw1';
const T0 = 1_800_000_000_000;

function setup(opts: { rebirthIntervalMs?: number } = {}) {
  let now = T0;
  const rebirths: string[] = [];
  const host = new SparkplugHost({ now: () => now, requestRebirth: (g, n) => rebirths.push(`${g}/${n}`), ...opts });
  let seq = 0;
  const send = (type: string, metrics: Metric[], o: { device?: string; seq?: number | null; timestamp?: number } = {}) => {
    const s = o.seq === null ? undefined : (o.seq ?? seq);
    if (type !== 'NDEATH') seq = ((s ?? seq) + 1) % 256;
    host.receive(`spBv1.0/${G}/${type}/${N}${o.device ? `/${o.device}` : ''}`, encodePayload({ timestamp: o.timestamp ?? now, seq: type === 'NDEATH' ? undefined : s, metrics }));
  };
  const birth = (bdSeq = 0, extra: Metric[] = []) => {
    seq = 0;
    send('NBIRTH', [
      { name: 'bdSeq', type: 'UInt64', value: bdSeq },
      { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
      { name: 'Node Control/Command', type: 'String', value: '' },
      { name: 'Node Control/Command Result', type: 'String', value: '' },
      { name: 'Properties/Board', type: 'String', value: 'sim-gw4' },
      ...['eth0', 'eth1', 'eth2', 'eth3'].flatMap((p): Metric[] => [
        { name: `Ports/${p}/Link`, type: 'Boolean', value: true },
        { name: `Ports/${p}/Carrier`, type: 'String', value: 'up' },
        { name: `Ports/${p}/Speed`, type: 'UInt32', value: 1000 },
        { name: `Ports/${p}/Duplex`, type: 'String', value: 'full' },
        { name: `Ports/${p}/TX Frames`, type: 'UInt64', value: 100 },
        { name: `Ports/${p}/RX Frames`, type: 'UInt64', value: 100 },
      ]),
      ...extra,
    ]);
  };
  const bond = (name = 'bond0', mode = 'active-backup', active = 'eth0') =>
    send('DBIRTH', [
      { name: 'Mode', type: 'String', value: mode },
      { name: 'MII Status', type: 'String', value: 'up' },
      { name: 'Active Slave', type: 'String', value: active },
      { name: 'Slaves', type: 'String', value: 'eth0 eth1' },
      { name: 'Failover Count', type: 'UInt32', value: 0 },
      ...['eth0', 'eth1'].flatMap((p): Metric[] => [
        { name: `Slaves/${p}/MII Status`, type: 'String', value: 'up' },
        { name: `Slaves/${p}/Link Failure Count`, type: 'UInt32', value: 0 },
        { name: `Slaves/${p}/Speed`, type: 'UInt32', value: 1000 },
      ]),
      ...(mode === '802.3ad' ? [
        { name: 'LACP/Active Aggregator', type: 'UInt32', value: 1 },
        { name: 'LACP/Number of Ports', type: 'UInt32', value: 2 },
        { name: 'LACP/Partner System', type: 'String', value: '02:00:00:00:00:01' },
        { name: 'Slaves/eth0/LACP/Actor State', type: 'UInt8', value: 0x3f },
        { name: 'Slaves/eth0/LACP/Partner State', type: 'UInt8', value: 0x3f },
        { name: 'Slaves/eth1/LACP/Actor State', type: 'UInt8', value: 0x0f },
        { name: 'Slaves/eth1/LACP/Partner State', type: 'UInt8', value: 0x3f },
      ] satisfies Metric[] : []),
      { name: 'Config/miimon', type: 'String', value: '100' },
    ], { device: name });
  const node = () => host.nodes.get(nodeKey(G, N))!;
  const texts = () => host.events.map((e) => e.text);
  return { host, rebirths, send, birth, bond, node, texts, advance: (ms: number) => (now += ms), seqNow: () => seq };
}

test('births, then NDATA/DDATA by name: ports, bond, failover, events, failovers in the last hour', (t) => {
  const s = setup();
  s.birth(3);
  s.bond();
  const n = s.node();
  t.true(n.online);
  t.false(n.stale);
  t.is(n.bdSeq, 3);
  t.deepEqual(portViews(n).map((p) => [p.name, p.link, p.speed, p.duplex, p.bond, p.role]), [
    ['eth0', true, 1000, 'full', 'bond0', 'active'],
    ['eth1', true, 1000, 'full', 'bond0', 'backup'],
    ['eth2', true, 1000, 'full', undefined, undefined],
    ['eth3', true, 1000, 'full', undefined, undefined],
  ]);
  s.advance(1000);
  s.send('NDATA', [{ name: 'Ports/eth0/Link', type: 'Boolean', value: false }, { name: 'Ports/eth0/Speed', type: 'UInt32', value: 0 }]);
  s.send('DDATA', [
    { name: 'Slaves/eth0/MII Status', type: 'String', value: 'down' },
    { name: 'Slaves/eth0/Link Failure Count', type: 'UInt32', value: 1 },
    { name: 'Active Slave', type: 'String', value: 'eth1' },
    { name: 'Failover Count', type: 'UInt32', value: 1 },
  ], { device: 'bond0' });
  const [b] = bondViews(n);
  t.is(b.activeSlave, 'eth1');
  t.is(b.failoverCount, 1);
  t.deepEqual(b.slaves.map((x) => [x.name, x.miiStatus, x.linkFailureCount, x.role]), [['eth0', 'down', 1, 'down'], ['eth1', 'up', 0, 'active']]);
  t.deepEqual(b.config, [['miimon', '100']]);
  t.deepEqual(s.texts(), [
    'online (bdSeq 3)',
    'bond0: up as a bond (active-backup)',
    'eth0 link down',
    'bond0: slave eth0 MII down',
    'bond0: failover from eth0 to eth1',
  ]);
  t.is(s.host.events[4].kind, 'failover');
  t.is(s.host.events[4].at, T0 + 1000);
  t.is(s.host.failoversLastHour(n), 1);
  s.advance(3_600_001);
  t.is(s.host.failoversLastHour(n), 0);
  t.deepEqual(s.rebirths, []);
  t.is(s.host.stats.seqGaps, 0);
});

test('a seq gap or an out-of-order seq asks for one rebirth; the births answer it; 255 wraps to 0', (t) => {
  const s = setup({ rebirthIntervalMs: 5000 });
  s.birth();
  s.bond();
  s.send('NDATA', [{ name: 'Ports/eth3/Link', type: 'Boolean', value: false }], { seq: 9 });
  t.deepEqual(s.rebirths, [`${G}/${N}`]);
  t.true(s.node().stale);
  t.is(portViews(s.node())[3].link, false, 'what came is applied, by name');
  // Another gap right after: the request is not repeated while the births are on their way.
  s.send('NDATA', [{ name: 'Ports/eth3/Link', type: 'Boolean', value: true }], { seq: 3 });
  t.is(s.rebirths.length, 1);
  t.is(s.host.stats.seqGaps, 2);
  // The seq goes on from the last one seen: no gap, but the node is still stale, so once the
  // interval has passed it is asked again (the first request or its answer may be lost).
  s.send('NDATA', [{ name: 'Ports/eth3/Speed', type: 'UInt32', value: 1000 }], { seq: 4 });
  t.is(s.rebirths.length, 1);
  s.advance(5000);
  s.send('NDATA', [{ name: 'Ports/eth3/Speed', type: 'UInt32', value: 1000 }], { seq: 5 });
  t.is(s.rebirths.length, 2);
  t.is(s.host.stats.seqGaps, 2);
  s.birth();
  s.bond();
  t.false(s.node().stale);
  t.is(s.rebirths.length, 2);
  // An older seq (out of order) is a gap too, and after a birth a new request goes out at once.
  s.send('NDATA', [{ name: 'Ports/eth2/Link', type: 'Boolean', value: false }], { seq: 1 });
  t.is(s.rebirths.length, 3);
  // No seq at all.
  s.birth();
  s.send('NDATA', [{ name: 'Ports/eth2/Link', type: 'Boolean', value: true }], { seq: null });
  t.is(s.rebirths.length, 4);
  // The wrap is no gap.
  s.birth();
  for (let i = 1; i <= 300; i++) s.send('NDATA', [{ name: 'Ports/eth1/Speed', type: 'UInt32', value: i }]);
  t.is(s.rebirths.length, 4);
  t.is(s.node().seq, 300 % 256);
  t.true(s.texts().some((x) => x.startsWith('seq 9 where 2 was due')));
});

test('data from a node or a device whose birth was not seen asks for a rebirth and is not applied', (t) => {
  const s = setup();
  s.send('NDATA', [{ name: 'Ports/eth0/Link', type: 'Boolean', value: false }], { seq: 17 });
  const n = s.node();
  t.false(n.born);
  t.is(n.metrics.size, 0);
  t.deepEqual(s.rebirths, [`${G}/${N}`]);
  s.birth();
  s.send('DDATA', [{ name: 'Active Slave', type: 'String', value: 'eth1' }], { device: 'bond9' });
  t.is(s.rebirths.length, 2);
  t.is(n.devices.size, 0);
});

test('NDEATH counts only with the bdSeq of the birth; deaths keep the time; DDEATH; data while offline', (t) => {
  const s = setup();
  s.birth(4);
  s.bond();
  s.advance(5000);
  s.send('NDEATH', [{ name: 'bdSeq', type: 'UInt64', value: 3 }], { timestamp: T0 - 60_000 });
  t.true(s.node().online, 'an old session’s will');
  t.is(s.host.stats.staleDeaths, 1);
  s.send('DDEATH', [], { device: 'bond0' });
  const bond = s.node().devices.get('bond0')!;
  t.false(bond.online);
  t.is(bond.since, T0 + 5000);
  t.false(bondViews(s.node())[0].online);
  t.is(portViews(s.node())[0].bond, undefined, 'a dead bond uses no port');
  s.advance(1000);
  s.send('NDEATH', [{ name: 'bdSeq', type: 'UInt64', value: 4 }], { timestamp: T0 - 60_000 });
  const n = s.node();
  t.false(n.online);
  t.is(n.since, T0 + 6000, 'the time it was seen dead, not the will’s own timestamp');
  t.deepEqual(s.texts().slice(-2), ['bond0: gone (DDEATH)', 'offline (NDEATH)']);
  s.send('NDATA', [{ name: 'Ports/eth0/Link', type: 'Boolean', value: false }]);
  t.is(s.rebirths.length, 1);
  t.is(portViews(n)[0].link, true);
  s.birth(5);
  t.true(n.online);
  t.is(s.texts().at(-1), 'online (bdSeq 5)');
});

test('a rebirth reports what changed meanwhile, not the births themselves', (t) => {
  const s = setup();
  s.birth(0);
  s.bond();
  const before = s.host.events.length;
  s.birth(1, []);
  s.send('DBIRTH', [
    { name: 'Mode', type: 'String', value: 'active-backup' },
    { name: 'MII Status', type: 'String', value: 'up' },
    { name: 'Active Slave', type: 'String', value: 'eth1' },
    { name: 'Slaves', type: 'String', value: 'eth0 eth1' },
    { name: 'Failover Count', type: 'UInt32', value: 2 },
  ], { device: 'bond0' });
  t.deepEqual(s.texts().slice(before), ['new session (bdSeq 1)', 'bond0: failover from eth0 to eth1']);
  t.is(s.host.failoversLastHour(s.node()), 2);
  // A bond gone from the births is gone from the node.
  s.birth(1);
  t.is(s.node().devices.size, 0);
});

test('bad input changes nothing: garbage, unknown datatypes, unknown metrics, wrong types, bad topics', (t) => {
  const s = setup();
  s.birth();
  s.bond();
  const v0 = s.host.version;
  s.host.receive(`spBv1.0/${G}/NDATA/${N}`, new Uint8Array([0xff, 0xff, 0xff, 0x01]));
  s.host.receive(`spBv1.0/${G}/NDATA/${N}`, new Uint8Array([0x12, 0x05, 0x0a, 0x01, 0x41, 0x20, 0x63])); // a metric of datatype 99
  s.host.receive(`spBv1.0/${G}/DDATA/${N}/bond0`, new Uint8Array(0));
  s.send('NDATA', [{ name: 'Ports/eth9/Link', type: 'Boolean', value: false }, { name: 'Ports/eth0/Link', type: 'String', value: 'down' }]);
  s.host.receive('spBv1.0/gateways/NDATA', new Uint8Array(0));
  s.host.receive('spBv1.0//NDATA/x', new Uint8Array(0));
  s.host.receive('spBv1.0/gateways/XDATA/gw1', new Uint8Array(0));
  s.host.receive('spBv1.0/STATE/scada', new TextEncoder().encode('{"online":true}'));
  s.host.receive(`spBv1.0/${G}/NCMD/${N}`, new Uint8Array([1, 2, 3]));
  t.is(s.host.stats.badPayloads, 2, 'the empty DDATA is a valid payload with no metrics (and no seq)');
  t.is(s.host.stats.unknownMetrics, 1);
  t.is(s.host.stats.wrongTypes, 1);
  t.is(s.host.stats.badTopics, 3);
  t.true(s.host.version > v0);
  const n = s.node();
  t.true(n.online);
  t.is(portViews(n)[0].link, true);
  t.false(n.metrics.has('Ports/eth9/Link'));
  t.true(s.texts().some((x) => x.startsWith('ignored an undecodable NDATA')));
});

test('a node publishing odd values shows blanks, not errors; markup in names stays text (checked in the browser test)', (t) => {
  const s = setup();
  s.birth(0, [{ name: 'Ports/<img src=x>/Link', type: 'String', value: 'yes' }]);
  s.send('DBIRTH', [{ name: 'Mode', type: 'Int32', value: -1 }, { name: 'Slaves', type: 'Boolean', value: true }, { name: 'Slaves/eth0/MII Status', type: 'Double', value: 2.5 }], { device: 'odd' });
  const n = s.node();
  const p = portViews(n).find((x) => x.name === '<img src=x>')!;
  t.is(p.link, undefined);
  const [b] = bondViews(n);
  t.is(b.mode, undefined);
  t.deepEqual(b.slaves.map((x) => [x.name, x.miiStatus]), [['eth0', undefined]]);
});

test('property: no message, however broken, makes the host throw', (t) => {
  const topics = fc.oneof(
    fc.constantFrom('NBIRTH', 'NDATA', 'NDEATH', 'DBIRTH', 'DDATA', 'DDEATH', 'NCMD', 'STATE').chain((k) =>
      fc.constantFrom(`spBv1.0/g/${k}/n`, `spBv1.0/g/${k}/n/bond0`, `spBv1.0/g/${k}`, `spBv1.0/${k}/n`)),
    fc.string(),
  );
  const metric = fc.record({
    name: fc.oneof(fc.constantFrom('bdSeq', 'Ports/eth0/Link', 'Ports/eth0/RX Frames', 'Active Slave', 'Failover Count', 'Slaves/eth0/LACP/Actor State', 'Node Control/Command Result', 'Mode'), fc.string()),
    v: fc.oneof(fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 }), fc.string(), fc.constant(null)),
  }).map(({ name, v }): Metric => ({ name, value: v, type: v === null ? 'String' : typeof v === 'boolean' ? 'Boolean' : typeof v === 'number' ? 'UInt32' : 'String' }));
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.record({ seq: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }), ts: fc.integer({ min: 0, max: 2 ** 42 }), metrics: fc.array(metric, { maxLength: 6 }) })
      .map(({ seq, ts, metrics }) => encodePayload({ timestamp: ts, seq, metrics })),
  );
  fc.assert(fc.property(fc.array(fc.tuple(topics, payload), { maxLength: 40 }), (msgs) => {
    const host = new SparkplugHost({ now: () => T0, requestRebirth: () => {} });
    for (const [topic, bytes] of msgs) host.receive(topic, bytes);
    for (const n of host.nodes.values()) {
      portViews(n);
      bondViews(n);
      host.failoversLastHour(n);
    }
    return host.stats.messages === msgs.length;
  }), { numRuns: 300 });
  t.pass();
});

test('frame rates from the periodic counters: idle ports at 0, a counter that went back starts over', (t) => {
  const s = setup();
  s.birth();
  s.advance(1000);
  s.send('NDATA', [{ name: 'Ports/eth0/TX Frames', type: 'UInt64', value: 600 }, { name: 'Ports/eth0/RX Frames', type: 'UInt64', value: 350 }]);
  const r = s.node().rates;
  t.deepEqual(r.latest('eth0'), { rx: 250, tx: 500 });
  t.deepEqual(r.latest('eth3'), { rx: 0, tx: 0 }, 'left out of the reading: unchanged');
  // Data that is not a counter reading adds no point.
  s.advance(500);
  s.send('NDATA', [{ name: 'Ports/eth1/Link', type: 'Boolean', value: false }]);
  t.is(r.ports.get('eth0')!.t.length, 1);
  s.advance(2000);
  s.send('NDATA', [{ name: 'Ports/eth0/TX Frames', type: 'UInt64', value: 10 }]);
  t.deepEqual(r.latest('eth0'), { rx: 0, tx: null }, 'eth0 tx went back: no rate from it');
  s.advance(1000);
  s.send('NDATA', [{ name: 'Ports/eth0/TX Frames', type: 'UInt64', value: 40 }]);
  t.deepEqual(r.latest('eth0'), { rx: 0, tx: 30 });
  const bounded = new FrameRates(3);
  for (let i = 0; i < 10; i++) bounded.sample(i * 1000, [{ port: 'p', dir: 'rx', value: i * 5 }]);
  t.deepEqual(bounded.ports.get('p'), { t: [7, 8, 9], rx: [5, 5, 5], tx: [null, null, null] });
});

test('802.3ad: roles from the Distributing bit, state bits spelled out, LACP events', (t) => {
  const s = setup();
  s.birth();
  s.bond('bond0', '802.3ad');
  const n = s.node();
  t.deepEqual(portViews(n).slice(0, 2).map((p) => p.role), ['distributing', 'not distributing']);
  const [b] = bondViews(n);
  t.deepEqual(b.lacp, { aggregator: 1, ports: 2, partnerSystem: '02:00:00:00:00:01' });
  t.deepEqual(spellState(0x3d).map((x) => (x.on ? x.bit.set : x.bit.clear)), ['active', 'long timeout', 'aggregatable', 'in sync', 'collecting', 'distributing', 'partner info from PDUs', 'not expired']);
  t.is(stateDiff(0x3d, 0x4d), '-Collecting -Distributing +Defaulted');
  s.send('DDATA', [{ name: 'Slaves/eth1/LACP/Actor State', type: 'UInt8', value: 0x3f }, { name: 'LACP/Number of Ports', type: 'UInt32', value: 2 }], { device: 'bond0' });
  t.is(s.texts().at(-1), 'bond0: eth1 actor state 0x0f → 0x3f (+Collecting +Distributing)');
  t.is(portViews(n)[1].role, 'distributing');
});

test('the command box shows unless Properties/Remote Commands is read or none; command results are events', (t) => {
  for (const [value, shown] of [[undefined, true], ['admin', true], ['operate', true], ['read', false], ['none', false]] as const) {
    const s = setup();
    s.birth(0, value === undefined ? [] : [{ name: 'Properties/Remote Commands', type: 'String', value }]);
    t.is(acceptsCommands(s.node()), shown, String(value));
  }
  const s = setup();
  s.birth();
  s.send('NDATA', [{ name: 'Node Control/Command Result', type: 'String', value: 'active-backup 1' }]);
  s.send('NDATA', [{ name: 'Node Control/Command Result', type: 'String', value: 'active-backup 1' }]);
  t.deepEqual(s.node().commandResult, { at: T0, text: 'active-backup 1' });
  t.deepEqual(s.texts().slice(-2), ['command result: active-backup 1', 'command result: active-backup 1']);
});

test('host connection lost: every node stale; back: a rebirth for each known node and for the one asked', (t) => {
  const s = setup();
  s.birth();
  s.host.connectionLost();
  t.true(s.node().stale);
  s.host.connectionUp([{ group: G, node: N }, { group: G, node: 'gw2' }]);
  t.deepEqual(s.rebirths, [`${G}/${N}`, `${G}/gw2`]);
});

test('topics and settings', (t) => {
  t.deepEqual(parseTopic('spBv1.0/g/DDATA/n/bond0'), { group: 'g', type: 'DDATA', node: 'n', device: 'bond0' });
  t.deepEqual(parseTopic('spBv1.0/g/NDEATH/n'), { group: 'g', type: 'NDEATH', node: 'n' });
  for (const bad of ['spBv1.0/g/NDATA/n/x', 'spBv1.0/g/DDATA/n', 'spBv1.0/STATE/h', 'spAv1.0/g/NDATA/n', 'spBv1.0/g/NDATA/']) t.is(parseTopic(bad), undefined, bad);

  const store = (): KeyValueStore & { m: Map<string, string> } => {
    const m = new Map<string, string>();
    return { m, getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
  };
  const local = store();
  const session = store();
  const served = { broker: '/mqtt', group: 'gateways', node: 'gw1', mqtt: 'mqtt://127.0.0.1:1883' };
  t.deepEqual(loadSettings(served, '', local, session), { broker: '/mqtt', group: 'gateways', username: '', password: '', theme: 'auto' });
  saveSettings({ broker: 'ws://10.0.0.5:9001', group: 'plant', username: 'u', password: 'p', theme: 'dark' }, local, session);
  t.false([...local.m.values()].join().includes('"p"'), 'no password in local storage');
  t.deepEqual(loadSettings(served, '', local, session), { broker: 'ws://10.0.0.5:9001', group: 'plant', username: 'u', password: 'p', theme: 'dark' });
  t.is(loadSettings(served, '?broker=ws://127.0.0.1:9/x&group=g2&theme=bogus', local, session).broker, 'ws://127.0.0.1:9/x');
  t.is(loadSettings(served, '?theme=bogus', store(), store()).theme, 'auto');
  t.is(brokerUrl('/mqtt', { protocol: 'http:', host: '127.0.0.1:8080' }), 'ws://127.0.0.1:8080/mqtt');
  t.is(brokerUrl('/mqtt', { protocol: 'https:', host: 'gw.example' }), 'wss://gw.example/mqtt');
  t.is(brokerUrl('mqtt://x:1883', { protocol: 'http:', host: 'h' }), '');
});

test('a port whose carrier the gateway cannot read (switch unreachable) shows as unknown, not down', (t) => {
  const s = setup();
  s.birth(3);
  s.send('NDATA', [{ name: 'Ports/eth2/Carrier', type: 'String', value: 'unknown' }, { name: 'Ports/eth2/Link', type: 'Boolean', value: false }]);
  t.is(portViews(s.node())[2].link, undefined);
  s.send('NDATA', [{ name: 'Ports/eth2/Carrier', type: 'String', value: 'down' }]);
  t.is(portViews(s.node())[2].link, false);
});
