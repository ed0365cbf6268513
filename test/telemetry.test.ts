/**
 * The Sparkplug B edge node against a real mosquitto on a loopback port, with Eclipse Tahu's
 * sparkplug-payload as an independent decoder: births, data by exception after a failover,
 * rebirth, commands, the will on SIGKILL, a broker restart, bad input, memory while offline.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RealClock } from '../hal/clock-real.ts';
import { bootSim } from '../sim/boot.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import { EdgeNode } from '../firmware/telemetry/edge-node.ts';
import { startEmbeddedBroker } from '../firmware/telemetry/broker.ts';
import { encodePayload } from '../firmware/telemetry/sparkplug.ts';
import { startCli, waitFor } from './helpers/cli.ts';

import { freePort, haveMosquitto, metric, num, sleep, startMosquitto, subscriber } from './helpers/mqtt.ts';

async function firmware(board: BoardDefinition = simGw4) {
  const clock = new RealClock();
  const sys = await bootSim(board, clock, { bridge: 'none', autonegMs: 0, wait: (ms) => sleep(ms).then(() => {}), openCapture: () => ({ write() {}, close() {} }) });
  const run = (l: string) => sys.firmware.dispatcher.execute(l, 'script').then((r) => r.output);
  return { sys, clock, run };
}

for (const board of SCENARIO_BOARDS) {
  test.serial(onBoard(board, 'births, data by exception within 100 ms of a failover, rebirth, commands, bad input'), async (t) => {
    if (!haveMosquitto) {
      t.log('mosquitto is not installed (apt-get install mosquitto): MQTT integration test skipped');
      t.pass();
      return;
    }
    const port = await freePort();
    const broker = await startMosquitto(port);
    const url = `mqtt://127.0.0.1:${port}`;
    const sub = await subscriber(url);
    const { sys, clock, run } = await firmware(board);
    // DCMD Config writes change state: granted as --mqtt-commands operate grants them.
    sys.firmware.dispatcher.setRole('mqtt', 'operate');
    const node = new EdgeNode(sys.firmware, { url, group: 'g', node: 'n1', periodMs: 60_000 });
    try {
      for (const l of ['modprobe bonding mode=active-backup miimon=10', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1']) await run(l);
      await sleep(100);
      node.start();
      const nbirth = await sub.next((m) => m.topic === 'spBv1.0/g/NBIRTH/n1');
      t.is(num(nbirth.p.seq), 0);
      t.is(num(metric(nbirth, 'bdSeq')), 0);
      t.is(metric(nbirth, 'Node Control/Rebirth'), false);
      t.is(metric(nbirth, 'Properties/Board'), board.name);
      t.is(metric(nbirth, 'Ports/eth2/Link'), true);
      t.is(num(metric(nbirth, 'Ports/eth2/Speed')), 1000);
      t.is(nbirth.p.metrics.find((x) => x.name === 'Ports/eth2/TX Frames')?.type, 'UInt64');
      const dbirth = await sub.next((m) => m.topic === 'spBv1.0/g/DBIRTH/n1/bond0');
      t.is(metric(dbirth, 'Mode'), 'active-backup');
      t.is(metric(dbirth, 'Active Slave'), 'eth0');
      t.is(metric(dbirth, 'Config/miimon'), '10');

      // A failover: DDATA within 100 ms of the bond's change.
      let failoverAt = 0;
      const unsub = sys.log.subscribe((e) => {
        if (e.text.includes('(slave eth1): making interface the new active one')) failoverAt = performance.now();
      });
      await run('sim link eth0 down');
      const dd = await sub.next((m) => m.topic === 'spBv1.0/g/DDATA/n1/bond0' && metric(m, 'Active Slave') === 'eth1');
      unsub();
      t.true(failoverAt > 0);
      t.true(dd.at - failoverAt < 100, `DDATA ${(dd.at - failoverAt).toFixed(1)} ms after the failover`);
      t.is(num(metric(dd, 'Failover Count')), 1);

      // Rebirth: the same bdSeq, seq from 0.
      const before = sub.msgs.length;
      sub.c.publish('spBv1.0/g/NCMD/n1', Buffer.from(encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] })));
      const re = await sub.next((m) => m.topic === 'spBv1.0/g/NBIRTH/n1' && sub.msgs.indexOf(m) >= before);
      t.is(num(metric(re, 'bdSeq')), 0);
      t.is(num(re.p.seq), 0);

      // A console line by NCMD; its output in NDATA.
      sub.c.publish('spBv1.0/g/NCMD/n1', Buffer.from(encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Command', type: 'String', value: 'cat /sys/class/net/bond0/bonding/mode' }] })));
      const res = await sub.next((m) => m.topic === 'spBv1.0/g/NDATA/n1' && metric(m, 'Node Control/Command Result') !== undefined);
      t.is(metric(res, 'Node Control/Command Result'), 'active-backup 1');

      // DCMD Config/<option>: through the option table; a refused value answers with the old one.
      sub.c.publish('spBv1.0/g/DCMD/n1/bond0', Buffer.from(encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Config/miimon', type: 'String', value: '50' }] })));
      await sub.next((m) => m.topic === 'spBv1.0/g/DDATA/n1/bond0' && metric(m, 'Config/miimon') === '50');
      t.is(await run('cat /sys/class/net/bond0/bonding/miimon'), '50');
      const n0 = sub.msgs.length;
      sub.c.publish('spBv1.0/g/DCMD/n1/bond0', Buffer.from(encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Config/miimon', type: 'String', value: 'often' }] })));
      const old = await sub.next((m) => m.topic === 'spBv1.0/g/DDATA/n1/bond0' && sub.msgs.indexOf(m) >= n0 && metric(m, 'Config/miimon') !== undefined);
      t.is(metric(old, 'Config/miimon'), '50');
      // Bad input: garbage, unknown metrics, wrong types: logged, nothing else.
      const bad = node.stats.badCommands;
      sub.c.publish('spBv1.0/g/NCMD/n1', Buffer.from([0xff, 0xff, 0xff, 0x01]));
      sub.c.publish('spBv1.0/g/NCMD/n1', Buffer.from(encodePayload({ timestamp: 1, metrics: [{ name: 'Node Control/Reboot', type: 'Boolean', value: true }] })));
      sub.c.publish('spBv1.0/g/NCMD/n1', Buffer.from(encodePayload({ timestamp: 1, metrics: [{ name: 'Node Control/Command', type: 'Int32', value: 5 }] })));
      sub.c.publish('spBv1.0/g/DCMD/n1/bond9', Buffer.from(encodePayload({ timestamp: 1, metrics: [{ name: 'Config/miimon', type: 'String', value: '10' }] })));
      await sleep(300);
      t.is(node.stats.badCommands, bad + 4);
      t.is(await run('cat /sys/class/net/bond0/bonding/miimon'), '50');
      t.true(sys.log.tail().some((e) => e.text.includes("unknown node command metric 'Node Control/Reboot'")));

      // Bonds come and go: DBIRTH, DDEATH.
      await run('echo +bond7 > /sys/class/net/bonding_masters');
      const born = await sub.next((m) => m.topic === 'spBv1.0/g/DBIRTH/n1/bond7');
      t.is(metric(born, 'MII Status'), 'down');
      await run('echo -bond7 > /sys/class/net/bonding_masters');
      await sub.next((m) => m.topic === 'spBv1.0/g/DDEATH/n1/bond7');
      // A planned shutdown: the NDEATH with this session's bdSeq.
      await node.stop();
      const death = await sub.next((m) => m.topic === 'spBv1.0/g/NDEATH/n1');
      t.is(num(metric(death, 'bdSeq')), 0);
    } finally {
      await node.stop();
      sys.firmware.stop();
      clock.cancelAll();
      sub.c.end(true);
      broker.kill();
    }
  });
}

test.serial('a broker that speaks only MQTT 3.1.1 (the embedded one): refused MQTT 5, the node connects with 3.1.1 at once, with no warning', async (t) => {
  const broker = await startEmbeddedBroker(0);
  const sub = await subscriber(broker.url, 4);
  const { sys, clock } = await firmware();
  const node = new EdgeNode(sys.firmware, { url: broker.url, group: 'g', node: 'v4', periodMs: 60_000 });
  try {
    node.start();
    const nbirth = await sub.next((m) => m.topic === 'spBv1.0/g/NBIRTH/v4');
    t.is(num(metric(nbirth, 'bdSeq')), 0, 'the refused attempt never connected: the same bdSeq');
    const mqtt = sys.log.tail().filter((e) => e.text.startsWith('mqtt:'));
    t.deepEqual(mqtt.map((e) => `${e.level} ${e.text}`), [`info mqtt: connected to ${broker.url} (MQTT 3.1.1), bdSeq 0`]);
  } finally {
    await node.stop();
    sys.firmware.stop();
    clock.cancelAll();
    sub.c.end(true);
    await broker.close();
  }
});

// The broker session, credentials and memory below are the edge node's alone: no port,
// frame or register is in them, so they run on the default board only.
test.serial('SIGKILL: the broker publishes the NDEATH with the matching bdSeq; a broker restart: bdSeq+1 and fresh births', async (t) => {
  if (!haveMosquitto) {
    t.log('mosquitto is not installed (apt-get install mosquitto): MQTT integration test skipped');
    t.pass();
    return;
  }
  const port = await freePort();
  let broker = await startMosquitto(port);
  const url = `mqtt://127.0.0.1:${port}`;
  let sub = await subscriber(url);
  const p = startCli(['run', '--bridge', 'none', '--mqtt', url, '--group', 'g', '--node', 'k']);
  try {
    await waitFor(p.stdout, /console on stdin/);
    const birth = await sub.next((m) => m.topic === 'spBv1.0/g/NBIRTH/k', 10000);
    const bdSeq = num(metric(birth, 'bdSeq'));
    // A broker restart: a new session, bdSeq + 1, fresh births.
    broker.kill();
    await new Promise((r) => broker.once('exit', r));
    broker = await startMosquitto(port);
    sub.c.end(true);
    sub = await subscriber(url);
    const again = await sub.next((m) => m.topic === 'spBv1.0/g/NBIRTH/k', 15000);
    t.is(num(metric(again, 'bdSeq')), bdSeq + 1);
    // SIGKILL: no goodbye from the firmware; the will speaks for it.
    p.kill('SIGKILL');
    const death = await sub.next((m) => m.topic === 'spBv1.0/g/NDEATH/k', 10000);
    t.is(num(metric(death, 'bdSeq')), bdSeq + 1);
  } finally {
    p.kill('SIGKILL');
    sub.c.end(true);
    broker.kill();
  }
});

test.serial('username/password and TLS with a CA: the edge node connects only with the right credentials', async (t) => {
  const ok = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
  if (!haveMosquitto || !ok('mosquitto_passwd') || !ok('openssl')) {
    t.log('mosquitto, mosquitto_passwd or openssl missing: TLS/credential test skipped');
    t.pass();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bondfw-tls-'));
  const f = (n: string) => join(dir, n);
  const sh = (cmd: string) => {
    const r = spawnSync('sh', ['-c', cmd], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  };
  // A CA, and a server certificate for 127.0.0.1 signed by it.
  sh('openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out ca.pem 2>/dev/null');
  sh('openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr 2>/dev/null');
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  sh('openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out server.pem 2>/dev/null');
  sh('mosquitto_passwd -b -c passwd gw s3cret');
  // mosquitto started as root drops to its own user: it must be able to read these.
  sh('chmod 644 *');
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(f('m.conf'), [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${f('passwd')}`, `cafile ${f('ca.pem')}`, `certfile ${f('server.pem')}`, `keyfile ${f('server.key')}`, ''].join('\n'));
  const broker = spawn('mosquitto', ['-c', f('m.conf')], { stdio: 'ignore' });
  await sleep(500);
  const { sys, clock } = await firmware();
  const url = `mqtts://127.0.0.1:${port}`;
  const ca = readFileSync(f('ca.pem'), 'utf8');
  const wrong = new EdgeNode(sys.firmware, { url, group: 'g', node: 'x', username: 'gw', password: 'nope', ca, maxBackoffMs: 200 });
  const right = new EdgeNode(sys.firmware, { url, group: 'g', node: 'y', username: 'gw', password: 's3cret', ca });
  // No CA: the broker's certificate cannot be verified.
  const untrusting = new EdgeNode(sys.firmware, { url, group: 'g', node: 'z', username: 'gw', password: 's3cret', maxBackoffMs: 200 });
  try {
    wrong.start();
    right.start();
    untrusting.start();
    for (let i = 0; i < 100 && !right.connected; i++) await sleep(50);
    t.true(right.connected, 'TLS with the CA and the right password: connected');
    t.false(wrong.connected, 'a wrong password is refused');
    // Many retries (backoff capped at 200 ms), one line each per failure state, with the reason.
    await sleep(2000);
    const lines = sys.log.tail().map((e) => e.text).filter((l) => l.startsWith('mqtt: cannot connect'));
    t.is(lines.filter((l) => /authentication: .*(Not authorized|Bad User Name or Password)/i.test(l)).length, 1, lines.join('\n'));
    t.is(lines.filter((l) => /TLS: .*certificate/i.test(l)).length, 1, lines.join('\n'));
    t.regex(untrusting.connectProblem ?? '', /^TLS: /);
    t.regex(wrong.connectProblem ?? '', /^authentication: /);
    t.is(right.connectProblem, undefined);
  } finally {
    await wrong.stop();
    await untrusting.stop();
    await right.stop();
    sys.firmware.stop();
    clock.cancelAll();
    broker.kill();
  }
});

test.serial('no memory growth while the broker is away', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { sys, clock, run } = await firmware();
  // A broker that is not there: the node keeps trying, publishes nothing, queues nothing.
  const node = new EdgeNode(sys.firmware, { url: `mqtt://127.0.0.1:${await freePort()}`, group: 'g', node: 'm', maxBackoffMs: 200 });
  try {
    await run('modprobe bonding mode=active-backup miimon=100');
    await run('ifconfig bond0 up');
    node.start();
    const change = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await run(`echo ${i % 2 ? 200 : 100} > /sys/class/net/bond0/bonding/miimon`);
        await run(`ip link set eth3 ${i % 2 ? 'up' : 'down'}`);
        if (i % 50 === 0) await sleep(1);
      }
    };
    await change(500);
    gc();
    const before = process.memoryUsage().heapUsed;
    await change(2000);
    await sleep(20);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    t.log(`heap growth over 2000 state changes offline: ${grown} bytes; publishes dropped: ${node.stats.dropped}`);
    t.true(grown < 2_000_000, `${grown} bytes`);
    t.is(node.connected, false);
  } finally {
    await node.stop();
    sys.firmware.stop();
    clock.cancelAll();
  }
});
