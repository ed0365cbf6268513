/**
 * The edge node's security against a real mosquitto: remote commands read-only by default
 * (NBIRTH says so; refusals in `Audit/Last`), granted with --mqtt-commands; the Sparkplug 3.0
 * primary host flow with a scripted host; packets over the size limit never decoded; ids
 * checked; passwords out of `ps`, the banner and the log; credentials masked in URLs.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { RealClock } from '../hal/clock-real.ts';
import { bootSim } from '../sim/boot.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { EdgeNode } from '../firmware/telemetry/edge-node.ts';
import { encodePayload } from '../firmware/telemetry/sparkplug.ts';
import { maskUrl, isSparkplugId } from '../firmware/telemetry/sparkplug-ids.ts';
import { BIN, runCli, startCli, stopCli, waitFor } from './helpers/cli.ts';
import { freePort, haveMosquitto, metric, num, sleep, startMosquitto, subscriber } from './helpers/mqtt.ts';

async function firmware() {
  const clock = new RealClock();
  const sys = await bootSim(simGw4, clock, { bridge: 'none', autonegMs: 0, wait: (ms) => sleep(ms).then(() => {}), openCapture: () => ({ write() {}, close() {} }) });
  const run = (l: string) => sys.firmware.dispatcher.execute(l, 'script').then((r) => r.output);
  return { sys, clock, run };
}

const command = (line: string) => Buffer.from(encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Command', type: 'String', value: line }] }));

function skip(t: { log(m: string): void; pass(): void }): boolean {
  if (haveMosquitto) return false;
  t.log('mosquitto is not installed (apt-get install mosquitto): MQTT integration test skipped');
  t.pass();
  return true;
}

test.serial('remote commands read by default: NBIRTH says so, rmmod is refused and Audit/Last says who tried; --mqtt-commands operate runs it', async (t) => {
  if (skip(t)) return;
  const port = await freePort();
  const broker = await startMosquitto(port);
  const url = `mqtt://127.0.0.1:${port}`;
  const sub = await subscriber(url);
  const { sys, clock, run } = await firmware();
  const node = new EdgeNode(sys.firmware, { url, group: 'g', node: 'sec', periodMs: 60_000 });
  let cli: ReturnType<typeof startCli> | undefined;
  try {
    await run('modprobe bonding');
    node.start();
    const birth = await sub.next((m) => m.topic === 'spBv1.0/g/NBIRTH/sec');
    t.is(metric(birth, 'Properties/Remote Commands'), 'read');
    t.regex(String(metric(birth, 'Audit/Last')), /script script ok: modprobe bonding$/);
    t.is(num(metric(birth, 'Remote Commands/Refused')), 0);
    // An MQTT 5 publisher may say who it is (a claim: the broker's ACL decides who may publish).
    sub.c.publish('spBv1.0/g/NCMD/sec', command('rmmod bonding'), { qos: 1, properties: { userProperties: { user: 'ops-dashboard' } } });
    const res = await sub.next((m) => m.topic === 'spBv1.0/g/NDATA/sec' && metric(m, 'Node Control/Command Result') !== undefined);
    t.is(metric(res, 'Node Control/Command Result'), 'error: permission denied: rmmod changes state (needs operate; mqtt has read)');
    const audit = await sub.next((m) => m.topic === 'spBv1.0/g/NDATA/sec' && /denied: rmmod bonding/.test(String(metric(m, 'Audit/Last'))));
    t.regex(String(metric(audit, 'Audit/Last')), /^\d{4}-\d\d-\d\dT\S+Z mqtt ops-dashboard denied: rmmod bonding$/);
    t.is(await run('cat /sys/class/net/bonding_masters'), 'bond0');
    // The policy changed from a console: NDATA says so at once.
    await run('mqtt-commands none');
    const none = await sub.next((m) => m.topic === 'spBv1.0/g/NDATA/sec' && metric(m, 'Properties/Remote Commands') === 'none');
    t.truthy(none);
    await node.stop();

    // The main job with --mqtt-commands operate.
    cli = startCli(['run', '--bridge', 'none', '--mqtt', url, '--group', 'g', '--node', 'op', '--mqtt-commands', 'operate']);
    const banner = await waitFor(cli.stdout, /console on stdin/, 60_000);
    t.regex(banner, /remote commands: operate/);
    const opBirth = await sub.next((m) => m.topic === 'spBv1.0/g/NBIRTH/op', 15_000);
    t.is(metric(opBirth, 'Properties/Remote Commands'), 'operate');
    const n0 = sub.msgs.length;
    sub.c.publish('spBv1.0/g/NCMD/op', command('modprobe bonding'));
    await sub.next((m) => m.topic === 'spBv1.0/g/DBIRTH/op/bond0' && sub.msgs.indexOf(m) >= n0);
    sub.c.publish('spBv1.0/g/NCMD/op', command('rmmod bonding'));
    await sub.next((m) => m.topic === 'spBv1.0/g/DDEATH/op/bond0');
    const ok = await sub.next((m) => m.topic === 'spBv1.0/g/NDATA/op' && /mqtt - ok: rmmod bonding$/.test(String(metric(m, 'Audit/Last'))));
    t.truthy(ok);
    sub.c.publish('spBv1.0/g/NCMD/op', command('mdio write 0 0 0x1940'));
    await sub.next((m) => m.topic === 'spBv1.0/g/NDATA/op' && metric(m, 'Node Control/Command Result') === 'error: permission denied: mdio touches hardware registers (needs admin; mqtt has operate)');
    t.is(await stopCli(cli), 0);
  } finally {
    cli?.kill('SIGKILL');
    await node.stop();
    sys.firmware.stop();
    clock.cancelAll();
    sub.c.end(true);
    broker.kill();
  }
});

test.serial('primary host: no NBIRTH before STATE online; NDEATH and reconnect on offline; stale STATE ignored', async (t) => {
  if (skip(t)) return;
  const port = await freePort();
  const broker = await startMosquitto(port);
  const url = `mqtt://127.0.0.1:${port}`;
  const sub = await subscriber(url);
  // The scripted primary host application: it publishes its retained STATE.
  const host = mqtt.connect(url, { protocolVersion: 5 });
  await new Promise((r) => host.once('connect', r));
  const state = (online: boolean, timestamp: number) =>
    new Promise<void>((r) => host.publish('spBv1.0/STATE/scada', JSON.stringify({ online, timestamp }), { qos: 1, retain: true }, () => r()));
  const { sys, clock } = await firmware();
  const node = new EdgeNode(sys.firmware, { url, group: 'g', node: 'ph', primaryHost: 'scada', periodMs: 60_000 });
  const births = () => sub.msgs.filter((m) => m.topic === 'spBv1.0/g/NBIRTH/ph');
  const deaths = () => sub.msgs.filter((m) => m.topic === 'spBv1.0/g/NDEATH/ph');
  try {
    node.start();
    for (let i = 0; i < 100 && !node.connected; i++) await sleep(20);
    t.true(node.connected);
    await sleep(500);
    t.is(births().length, 0, 'connected, subscribed, but no NBIRTH before the host is online');
    await state(true, 1000);
    const b1 = await sub.next((m) => m.topic === 'spBv1.0/g/NBIRTH/ph');
    t.is(num(metric(b1, 'bdSeq')), 0);
    // NCMD was subscribed before the NBIRTH: a command sent as soon as it is seen is answered.
    sub.c.publish('spBv1.0/g/NCMD/ph', command('version'));
    await sub.next((m) => m.topic === 'spBv1.0/g/NDATA/ph' && metric(m, 'Node Control/Command Result') === 'bondfw 0.1.0 board sim-gw4 switch 88E6352');
    // A stale offline (older timestamp): ignored.
    await state(false, 500);
    await sleep(400);
    t.is(deaths().length, 0);
    t.is(node.stats.staleStates, 1);
    t.true(node.connected);
    // Garbage on the STATE topic: ignored, counted.
    host.publish('spBv1.0/STATE/scada', 'not json', { qos: 1 });
    await sleep(200);
    t.is(node.stats.badStates, 1);
    // A valid offline: NDEATH, disconnect; then the node reconnects and waits again.
    await state(false, 2000);
    const d = await sub.next((m) => m.topic === 'spBv1.0/g/NDEATH/ph');
    t.is(num(metric(d, 'bdSeq')), 0);
    for (let i = 0; i < 200 && node.stats.connects < 2; i++) await sleep(20);
    t.is(node.stats.connects, 2, 'reconnected');
    await sleep(400);
    t.is(births().length, 1, 'waiting again: no NBIRTH while the host is offline');
    // A stale online (between the two timestamps seen): ignored.
    await state(true, 1500);
    await sleep(400);
    t.is(births().length, 1);
    // The retained offline came again with the new subscription (not newer: ignored), then the stale online.
    t.is(node.stats.staleStates, 3);
    await state(true, 3000);
    const b2 = await sub.next((m) => m.topic === 'spBv1.0/g/NBIRTH/ph' && births().indexOf(m) === 1);
    t.is(num(metric(b2, 'bdSeq')), 1, 'a new connection, a new bdSeq');
    t.is(deaths().length, 1);
    t.regex(await sys.firmware.dispatcher.execute('log 50', 'script').then((r) => r.output), /mqtt: primary host scada offline \(STATE timestamp 2000\)[\s\S]*mqtt: primary host scada online \(STATE timestamp 3000\)/);
  } finally {
    await node.stop();
    sys.firmware.stop();
    clock.cancelAll();
    host.publish('spBv1.0/STATE/scada', '', { retain: true });
    host.end(true);
    sub.c.end(true);
    broker.kill();
  }
});

test.serial('packets over the size limit are never decoded: dropped unread on MQTT 3.1.1, not sent by mosquitto on MQTT 5; the session goes on', async (t) => {
  if (skip(t)) return;
  const port = await freePort();
  const broker = await startMosquitto(port);
  const url = `mqtt://127.0.0.1:${port}`;
  const sub = await subscriber(url);
  const { sys, clock } = await firmware();
  const v4 = new EdgeNode(sys.firmware, { url, group: 'g', node: 'v4', protocolVersion: 4, maxPacket: 4096, periodMs: 60_000 });
  const v5 = new EdgeNode(sys.firmware, { url, group: 'g', node: 'v5', maxPacket: 4096, periodMs: 60_000 });
  try {
    v4.start();
    v5.start();
    await sub.next((m) => m.topic === 'spBv1.0/g/NBIRTH/v4');
    await sub.next((m) => m.topic === 'spBv1.0/g/NBIRTH/v5');
    const huge = Buffer.alloc(8 * 1024 * 1024, 0x41); // not even a payload: never looked at
    for (const n of ['v4', 'v5']) {
      sub.c.publish(`spBv1.0/g/NCMD/${n}`, huge, { qos: 1 });
      sub.c.publish(`spBv1.0/g/NCMD/${n}`, huge, { qos: 0 });
    }
    await sleep(1500);
    t.is(v4.stats.oversized, 2, 'MQTT 3.1.1: both dropped by the guard');
    t.is(v5.stats.oversized, 0, 'MQTT 5: the broker honoured Maximum Packet Size and sent nothing');
    t.is(v4.stats.badCommands + v5.stats.badCommands, 0, 'nothing reached the decoder');
    for (const n of ['v4', 'v5']) {
      sub.c.publish(`spBv1.0/g/NCMD/${n}`, command('version'), { qos: 1 });
      await sub.next((m) => m.topic === `spBv1.0/g/NDATA/${n}` && metric(m, 'Node Control/Command Result') !== undefined);
    }
    t.is(v4.stats.connects, 1, 'the same session');
    t.is(v5.stats.connects, 1);
    t.regex(await sys.firmware.dispatcher.execute('log 50', 'script').then((r) => r.output), /mqtt: dropped a 8388\d{3}-byte packet from the broker unread \(type 3, QoS 1; at most 4096\)/);
  } finally {
    await v4.stop();
    await v5.stop();
    sys.firmware.stop();
    clock.cancelAll();
    sub.c.end(true);
    broker.kill();
  }
});

test.serial('passwords stay out of ps, the banner and the log; a URL with credentials is printed masked', async (t) => {
  const ok = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
  if (!haveMosquitto || !ok('mosquitto_passwd')) {
    t.log('mosquitto or mosquitto_passwd missing: test skipped');
    t.pass();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bondfw-secret-'));
  const secret = 'Sup3r-s3cret-pw';
  spawnSync('mosquitto_passwd', ['-b', '-c', join(dir, 'passwd'), 'gw', secret]);
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'passwd'), 0o644); // mosquitto drops to its own user
  const port = await freePort();
  writeFileSync(join(dir, 'm.conf'), [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${join(dir, 'passwd')}`, ''].join('\n'));
  const broker = spawn('mosquitto', ['-c', join(dir, 'm.conf')], { stdio: 'ignore' });
  await sleep(500);
  const pwFile = join(dir, 'mqtt-password');
  writeFileSync(pwFile, `${secret}\n`, { mode: 0o600 });
  const url = `mqtt://127.0.0.1:${port}`;
  const sub = await new Promise<ReturnType<typeof mqtt.connect>>((resolve) => {
    const c = mqtt.connect(url, { username: 'gw', password: secret });
    c.on('connect', () => c.subscribe('spBv1.0/#', () => resolve(c)));
  });
  const births: string[] = [];
  const results: { topic: string; text: string }[] = [];
  sub.on('message', (topic, payload) => {
    if (topic.includes('/NBIRTH/')) births.push(topic);
    if (topic.includes('/NDATA/')) results.push({ topic, text: payload.toString('latin1') });
  });
  // The documented setups (a file, the environment), and the command-line forms that still
  // work with a warning; all four jobs at once (each boots in a few seconds).
  const runs: { how: string; args: string[]; env: NodeJS.ProcessEnv }[] = [
    { how: 'file', args: ['--mqtt', url, '--mqtt-user', 'gw', '--mqtt-password-file', pwFile], env: {} },
    { how: 'env', args: ['--mqtt', url, '--mqtt-user', 'gw'], env: { BONDFW_MQTT_PASSWORD: secret } },
    { how: 'url', args: ['--mqtt', `mqtt://gw:${secret}@127.0.0.1:${port}`], env: {} },
    { how: 'argv', args: ['--mqtt', url, '--mqtt-user', 'gw', '--mqtt-password', secret], env: {} },
  ];
  const procs = runs.map((r) => ({ ...r, p: spawn(process.execPath, [BIN, 'run', '--bridge', 'none', '--node', r.how, ...r.args], { env: { ...process.env, ...r.env } }) }));
  try {
    const banners = await Promise.all(procs.map((x) => waitFor(x.p.stdout, /console on stdin/, 60_000)));
    const birthOf = (how: string) => births.includes(`spBv1.0/gateways/NBIRTH/${how}`);
    for (let i = 0; i < 400 && !runs.every((r) => birthOf(r.how)); i++) await sleep(25);
    for (const [i, { how, p }] of procs.entries()) {
      t.true(birthOf(how), `${how}: connected with the password`);
      t.false(banners[i].includes(secret), `${how}: not in the banner`);
      if (how === 'url' || how === 'argv') continue;
      t.false(readFileSync(`/proc/${p.pid}/cmdline`, 'latin1').includes(secret), `${how}: not in the command line`);
      const ps = spawnSync('ps', ['-ww', '-o', 'args=', '-p', String(p.pid)], { encoding: 'utf8' });
      if (!ps.error) t.false(ps.stdout.includes(secret), `${how}: not in ps`);
      // The log, read back by NCMD (the default role may read it).
      sub.publish(`spBv1.0/gateways/NCMD/${how}`, command('log 100'));
    }
    const logOf = (how: string) => results.filter((r) => r.topic === `spBv1.0/gateways/NDATA/${how}` && r.text.includes('mqtt: connected to'));
    for (let i = 0; i < 400 && (logOf('file').length === 0 || logOf('env').length === 0); i++) await sleep(25);
    for (const how of ['file', 'env']) {
      t.is(logOf(how).length, 1, `${how}: the log came back`);
      t.false(logOf(how)[0].text.includes(secret), `${how}: not in the log`);
    }
    // A password in the URL: printed masked, with a warning; --mqtt-password: a warning.
    const [, , urlBanner, argvBanner] = banners;
    t.regex(urlBanner, new RegExp(`telemetry: Sparkplug B edge node gateways/url on mqtt://gw:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
    t.regex(urlBanner, /warning: mqtt: the --mqtt URL carries a password, which ps shows to every user/);
    t.regex(argvBanner, /warning: mqtt: --mqtt-password shows the password to every user of ps; use --mqtt-password-file or BONDFW_MQTT_PASSWORD/);
    const urlJob = procs[2].p;
    const more = waitFor(urlJob.stdout, /mqtt: connected to mqtt:\/\/gw:\*\*\*@127/, 20_000);
    urlJob.stdin.write('log\n');
    t.false((await more).includes(secret), 'the log on the console: masked');
    t.deepEqual(await Promise.all(procs.map((x) => stopCli(x.p))), [0, 0, 0, 0]);
  } finally {
    for (const x of procs) x.p.kill('SIGKILL');
    sub.end(true);
    broker.kill();
  }
});

test('ids and URLs: Sparkplug ids refuse +, / and #; credentials masked; the CLI refuses a bad node id', (t) => {
  for (const bad of ['a/b', 'a+b', 'a#b', '', 'x\ny']) t.false(isSparkplugId(bad), JSON.stringify(bad));
  for (const good of ['sim-gw4-0a1b2c', 'gateways', 'Größe', 'a.b:c']) t.true(isSparkplugId(good), good);
  t.is(maskUrl('mqtt://gw:s3cret@broker:1883'), 'mqtt://gw:***@broker:1883');
  t.is(maskUrl('mqtts://gw@broker'), 'mqtts://gw@broker');
  t.is(maskUrl('mqtt://broker:1883/x@y'), 'mqtt://broker:1883/x@y');
  t.is(maskUrl('ws://u:p:q@h/path'), 'ws://u:***@h/path');
  const r = runCli(['run', '--bridge', 'none', '--mqtt', 'mqtt://127.0.0.1:1', '--node', 'gw/1']);
  t.is(r.status, 1);
  t.regex(r.stderr, /edge node id 'gw\?1' is not a valid Sparkplug id \(non-empty, no '\+', '\/', '#' or control characters\)/);
  const m = runCli(['run', '--bridge', 'none', '--mqtt', 'none', '--mqtt-commands', 'root']);
  t.regex(m.stderr, /--mqtt-commands takes none, read, operate or admin \(got 'root'\)/);
});
