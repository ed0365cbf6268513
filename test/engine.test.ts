/**
 * The firmware image and its host: every board's image builds into one script that needs
 * nothing an embedded engine lacks; the image reads no wall clock; its configuration lives
 * in flash across a reboot of the image; `bondfw run --engine quickjs|quickjs-ng|xs` serves
 * the console in real time and its edge node publishes its births through the host's MQTT
 * client.
 */
import test from 'ava';
import { VirtualClock } from '../lib/clock.ts';
import { nodeSettle } from '../hal/clock-real.ts';
import { BOARDS } from '../boards/index.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { MemoryFlash } from '../firmware/config/memory-flash.ts';
import { buildImage, imageProblems } from '../cli/engine/build-image.ts';
import { EngineSim } from '../cli/engine/engine-sim.ts';
import { NodeEngineHost } from '../cli/engine/node-host.ts';
import { QuickJsFirmware } from '../cli/engine/quickjs.ts';
import { xsUnavailable } from '../cli/engine/xs.ts';
import { imageOf } from './helpers/engine.ts';
import { startCli, stopCli, waitFor } from './helpers/cli.ts';
import { metric, num, subscriber } from './helpers/mqtt.ts';
import { encodePayload } from '../firmware/telemetry/sparkplug.ts';

/** Why XS cannot run here (its package or native worker missing), or undefined. */
const xsMissing = await xsUnavailable();

test('every board has an image: one script, no imports, nothing Node, no timers or wall clock of its own, its own switch driver only', async (t) => {
  for (const def of BOARDS) {
    const r = await buildImage(def);
    const text = r.text;
    t.deepEqual(imageProblems(text), [], def.name);
    t.false(/^\s*(import|export)\s/m.test(text), `${def.name}: no module syntax`);
    t.true(r.bytes > 100_000 && r.gzipBytes < r.bytes);
    // The drivers, the bridge client and the Sparkplug codec are in it, not only the core.
    for (const part of ['hal/bridge/client.ts', 'hal/board.ts', 'firmware/telemetry/sparkplug-node.ts', 'proto/sparkplug_b.js', 'firmware/config/flash-copies.ts']) {
      t.true(r.inputs.some((i) => i.path.endsWith(part)), `${def.name}: ${part}`);
    }
    // Its own switch driver, not the other family's.
    for (const family of ['mv88e6xxx', 'mt7530']) {
      t.is(r.inputs.some((i) => i.path.includes(`hal/switch/${family}/`)), family === def.switch.driver, `${def.name}: ${family}`);
    }
  }
});

test('the image check catches what it is for, and not property names or words in strings', (t) => {
  for (const bad of ['var f=require("fs");', 'x=process.env.HOME', 'b=Buffer.from(a)', 'setTimeout(f,0)', 'clearInterval(t)', 't=Date.now()', 'd=new Date()', 'global.x=1', 'import("x")']) {
    t.true(imageProblems(bad).length > 0, bad);
  }
  for (const fine of ['a.Buffer=null', 'u.global.process', 'throw Error("the process failed")', 'new Date(ms).getUTCHours()', 'x.setTimeout=1']) {
    t.deepEqual(imageProblems(fine), [], fine);
  }
});

test('the image reads no wall clock: a read throws inside the engine', async (t) => {
  const clock = new VirtualClock(nodeSettle);
  const host = new NodeEngineHost({ clock, uarts: {}, console: { write() {}, prompt() {}, echo() {} } });
  // A stand-in image that reads the date at boot.
  const script = 'globalThis.bondfwImage = { board: "x", boot() { return { guest: {}, booted: Promise.resolve().then(() => Date.now()) }; } };';
  const fw = await QuickJsFirmware.start(script, host, { console: { mode: 'script' } });
  await t.throwsAsync(fw.booted, { message: /read the wall clock/ });
  fw.dispose();
});

test.serial('the configuration kept in flash: saved by the image, loaded by the next boot of it', async (t) => {
  const flash = new MemoryFlash(4096, 48);
  const noCapture = () => ({ write() {}, close() {} });
  const image = await imageOf(simGw4);
  const first = await EngineSim.boot(simGw4, new VirtualClock(nodeSettle), { autonegMs: 0, openCapture: noCapture, flash, image });
  t.deepEqual(first.report.configLines, []);
  for (const l of ['modprobe bonding mode=active-backup miimon=100', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1']) t.is(await first.run(l), '');
  t.is(await first.run('config save'), 'configuration saved (generation 1) to flash:config and flash:config.bak');
  await first.stop();
  t.true(flash.erases > 0 && flash.writes > 0);
  const second = await EngineSim.boot(simGw4, new VirtualClock(nodeSettle), { autonegMs: 0, openCapture: noCapture, flash, image });
  t.is(second.report.configLines.length, 1);
  t.regex(second.report.configLines[0], /^config: loaded generation 1 from flash:config \((\d+) commands\)$/);
  await second.run('sim wait 1s');
  t.is(await second.run('cat /sys/class/net/bond0/bonding/slaves'), 'eth0 eth1');
  t.is(await second.run('cat /sys/class/net/bond0/bonding/active_slave'), 'eth0');
  t.regex(await second.run('config rollback'), /^0 {2}generation 1 {2}\d+ commands {2}flash:config \(current\)$/);
  await second.stop();
});

for (const [engine, node, named] of [
  ['quickjs', 'qjs', /the firmware inside QuickJS$/m],
  ['quickjs-ng', 'qjsng', /the firmware inside QuickJS-ng \(stripped bytecode\)$/m],
  ['xs', 'xs', /the firmware inside Moddable XS \(xsnap worker\)$/m],
] as const) {
  test.serial(`bondfw run --engine ${engine}: the live console in real time, a failover, traffic; births through the host MQTT client`, async (t) => {
    if (engine === 'xs' && xsMissing !== undefined) {
      t.log(`skipped: ${xsMissing}`);
      t.pass();
      return;
    }
    const p = startCli(['run', '--engine', engine, '--http', 'none', '--autoneg', '0', '--group', 'eng', '--node', node, '--telemetry-period', '1000']);
    try {
      const banner = await waitFor(p.stdout, /console on stdin/, 60_000);
      t.regex(banner, named);
      const url = /on embedded broker (mqtt:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
      t.truthy(url, banner);
      const sub = await subscriber(url!, 4);
      // The node was born before this subscriber came: a host that comes late asks for a rebirth.
      const nbirth = sub.next((m) => m.topic === `spBv1.0/eng/NBIRTH/${node}`, 20_000);
      sub.c.publish(`spBv1.0/eng/NCMD/${node}`, Buffer.from(encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] })));
      t.is(metric(await nbirth, 'Properties/Board'), 'sim-gw4');
      t.true(num((await nbirth).p.timestamp) > 1.6e12, 'payload timestamps from the host date');
      p.stdin.write('modprobe bonding mode=active-backup miimon=100\nifconfig bond0 192.168.1.1 netmask 255.255.255.0 up\nifenslave bond0 eth0 eth1\n');
      const dbirth = await sub.next((m) => m.topic === `spBv1.0/eng/DBIRTH/${node}/bond0`, 20_000);
      t.is(metric(dbirth, 'Mode'), 'active-backup');
      p.stdin.write('sim wait 1s\nsim link eth0 down\nsim wait 500ms\ncat /sys/class/net/bond0/bonding/active_slave\nsim traffic bond0 20\n');
      const out = await waitFor(p.stdout, /replies 20/, 30_000);
      t.regex(out, /making interface the new active one[^]*^eth1$/m);
      t.regex(out, /^eth1 20$/m);
      const dd = await sub.next((m) => m.topic === `spBv1.0/eng/DDATA/${node}/bond0` && metric(m, 'Active Slave') === 'eth1', 20_000);
      t.is(num(metric(dd, 'Failover Count')), 1);
      sub.c.end(true);
      // SIGINT (a piped stdin has no Ctrl-C key) interrupts the running ping, not the job; at
      // the prompt it stops the job.
      const running = waitFor(p.stdout, /icmp_seq=2 /, 20_000);
      p.stdin.write('ping -i 0.2 192.168.1.100\n');
      await running;
      const summary = waitFor(p.stdout, /--- 192\.168\.1\.100 ping statistics ---\n\d+ packets transmitted, \d+ received, 0% packet loss/, 20_000);
      p.kill('SIGINT');
      await summary;
      const alive = waitFor(p.stdout, /^bondfw 0\.1\.0 /m, 20_000);
      p.stdin.write('version\n');
      await alive;
    } finally {
      t.is(await stopCli(p), 0);
    }
  });
}
