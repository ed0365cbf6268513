/**
 * The dashboard in Debian's Chromium (headless, through playwright-core) against the main job
 * (`bondfw run` as a child process, console on its stdin): the four ports up, a bond after
 * modprobe/ifenslave, a cable pull shown as a failover within a second, frame-rate charts from
 * the periodic counters, a console command, bad payloads, unknown metrics and out-of-order seq
 * published to the broker, a phone, a wall screen and dark mode; and, against mosquitto with a
 * WebSocket listener, a broker restart. Every request the page makes is recorded: all go to
 * 127.0.0.1. Screenshots go to the test's temporary folder; the checks read the DOM.
 */
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import mqtt, { type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { decodePayload, encodePayload, type Metric } from '../firmware/telemetry/sparkplug.ts';
import { chromiumMissing, openBrowser, type Browser } from './helpers/browser.ts';
import { startCli, stopCli, waitFor } from './helpers/cli.ts';
import { freePort, haveMosquitto, mosquittoConfig, startMosquitto, stopMosquitto } from './helpers/mosquitto.ts';

const missing = chromiumMissing();
if (missing) {
  process.stderr.write(`\ndashboard browser tests SKIPPED: ${missing}\n`);
  test(`dashboard browser tests skipped: ${missing}`, (t) => {
    t.log(`SKIPPED: ${missing}`);
    t.pass();
  });
}
const browserTest = missing ? test.skip : test.serial;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function console_(job: ChildProcessWithoutNullStreams) {
  return (...lines: string[]) => {
    for (const l of lines) job.stdin.write(`${l}\n`);
  };
}

/** Everything the job writes, for the log when a test fails. */
function record(job: ChildProcessWithoutNullStreams): () => string {
  let text = '';
  job.stdout.on('data', (c: Buffer) => (text += c.toString()));
  job.stderr.on('data', (c: Buffer) => (text += c.toString()));
  return () => text.slice(-4000);
}

/** SIGTERM, and SIGKILL if the job has not gone within 10 s. */
async function stop(job: ChildProcessWithoutNullStreams): Promise<void> {
  if (job.exitCode !== null || job.signalCode !== null) return;
  const timer = setTimeout(() => job.kill('SIGKILL'), 10_000);
  await stopCli(job);
  clearTimeout(timer);
}

function connect(url: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { protocolVersion: 4 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

const attr = (page: Page, selector: string, name: string) => page.$eval(selector, (e, n) => e.getAttribute(n), name);

/**
 * Polls `check` until it holds. (Playwright's waitForFunction evaluates in the page, which
 * the dashboard's Content-Security-Policy forbids, as it should.)
 */
async function until(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = performance.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Every request of the page went to this machine's loopback. */
function onlyLoopback(t: ExecutionContext, b: Browser, origin: string): void {
  // blob: URLs are made in the page (mqtt.js's timer worker), not fetched.
  const away = b.requests.filter((u) => ![`http://${origin}/`, `ws://${origin}/`, 'ws://127.0.0.1:', `blob:http://${origin}/`].some((ok) => u.startsWith(ok)));
  t.deepEqual(away, [], 'requests that left the machine');
  t.true(b.requests.length >= 5, b.requests.join('\n'));
}

browserTest('the dashboard against the main job: ports, a bond, a failover within a second, charts, commands, bad input, phone, wall screen, dark', async (t) => {
  t.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'bondfw-dashboard-'));
  t.log(`screenshots in ${dir}`);
  // --bridge none: the switch's registers straight to the firmware (the bridge has tests of its own; here it would only add load).
  // --mqtt-commands operate: the command box shows only where remote commands may change the gateway.
  const job = startCli(['run', '--bridge', 'none', '--http', '127.0.0.1:0', '--telemetry-period', '1000', '--mqtt-commands', 'operate']);
  const output = record(job);
  const send = console_(job);
  let browser: Browser | undefined;
  let pub: MqttClient | undefined;
  try {
    const banner = await waitFor(job.stdout, /console on stdin/, 30_000);
    const url = /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/) \(MQTT over WebSocket on ws:\/\/127\.0\.0\.1:\d+\/mqtt\)$/m.exec(banner)?.[1];
    const ids = /^telemetry: Sparkplug B edge node ([^/\s]+)\/(\S+) on embedded broker (mqtt:\/\/\S+); remote commands: operate$/m.exec(banner);
    if (!url || !ids) return t.fail(banner);
    const [, group, node, brokerUrl] = ids;
    const origin = new URL(url).host;
    browser = await openBrowser(dir);
    const { page } = browser;
    const gateway = `${url}#/node/${group}/${node}`;

    // The fleet, then the gateway: the four ports up.
    await page.goto(url);
    await page.waitForSelector(`[data-node="${node}"][data-state="online"] [data-ports-up="4"]`, { timeout: 20_000 });
    t.is(await page.textContent(`[data-node="${node}"] h2 a`), node);
    await page.screenshot({ path: join(dir, '1-fleet.png') });
    await page.click(`[data-node="${node}"] h2 a`);
    t.is(page.url(), gateway);
    await page.waitForSelector('.port[data-link="up"] >> nth=3');
    t.deepEqual(await page.$$eval('.port', (els) => els.map((e) => [e.getAttribute('data-port'), e.getAttribute('data-link'), e.querySelector('.speed')?.textContent])),
      [['eth0', 'up', '1G full'], ['eth1', 'up', '1G full'], ['eth2', 'up', '1G full'], ['eth3', 'up', '1G full']]);
    t.is(await attr(page, '#command', 'data-visible'), 'true', 'Properties/Remote Commands operate: the box shows');

    // A bond, from the console.
    send('modprobe bonding mode=active-backup miimon=100', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1');
    await page.waitForSelector('article[data-bond="bond0"][data-active-slave="eth0"][data-mii="up"]', { timeout: 10_000 });
    // The slaves' MII comes up one monitor pass after they join.
    await page.waitForSelector('article[data-bond="bond0"] tr[data-slave="eth1"][data-mii="up"]', { timeout: 10_000 });
    t.is(await attr(page, '.port[data-port="eth0"]', 'data-role'), 'active');
    t.is(await attr(page, '.port[data-port="eth1"]', 'data-role'), 'backup');
    t.is(await attr(page, '.port[data-port="eth2"]', 'data-bond'), null);
    t.deepEqual(await page.$$eval('article[data-bond="bond0"] tr[data-slave]', (rows) => rows.map((r) => [r.getAttribute('data-slave'), r.getAttribute('data-mii')])), [['eth0', 'up'], ['eth1', 'up']]);

    // Traffic: the charts follow the periodic counters (every 1 s here).
    send('sim stream start bond0 rate 200 flows 4');
    await until('eth0 at 100 frames/s or more', async () => Number(await attr(page, 'figure[data-port="eth0"] .rate', 'data-tx')) >= 100, 15_000);
    t.true(Number(await attr(page, 'figure[data-port="eth0"]', 'data-points')) >= 1);
    await page.waitForSelector('figure[data-port="eth3"] .rate[data-tx="0"]');
    t.truthy(await page.$('figure[data-port="eth0"] canvas'), 'uPlot drew it');
    await page.screenshot({ path: join(dir, '2-bond.png') });

    // A cable pull: the active slave changes on the page within a second of the console line.
    const pulled = performance.now();
    send('sim link eth0 down');
    await page.waitForSelector('article[data-bond="bond0"][data-active-slave="eth1"]', { timeout: 5000 });
    const ms = performance.now() - pulled;
    t.log(`active slave eth0 -> eth1 on the page ${ms.toFixed(0)} ms after 'sim link eth0 down'`);
    t.true(ms < 1000, `${ms.toFixed(0)} ms`);
    await page.waitForSelector('.timeline li[data-kind="failover"]:has-text("bond0: failover from eth0 to eth1")');
    await page.waitForSelector('.timeline li[data-kind="link"]:has-text("eth0 link down")');
    await page.waitForSelector('.port[data-port="eth0"][data-link="down"]');
    t.is(await attr(page, '.port[data-port="eth1"]', 'data-role'), 'active');
    await until('link failure count 1', async () => (await page.textContent('article[data-bond="bond0"] tr[data-slave="eth0"] td:nth-child(3)')) === '1');
    await page.screenshot({ path: join(dir, '3-failover.png'), fullPage: true });
    send('sim stream stop');

    // A console command by NCMD; its result by NDATA.
    await page.fill('#command input', 'cat /sys/class/net/bond0/bonding/active_slave');
    await page.click('#command button');
    await until('the command result', async () => (await page.textContent('#command pre')) === 'eth1');

    // Bad input on the broker: garbage, unknown metrics, an out-of-order seq, a wrong type, a
    // bad topic. The page asks for a rebirth (seen here as its NCMD) and goes on.
    pub = await connect(brokerUrl);
    const rebirths: string[] = [];
    pub.on('message', (topic, payload) => {
      try {
        if (decodePayload(new Uint8Array(payload)).metrics.some((m) => m.name === 'Node Control/Rebirth' && m.value === true)) rebirths.push(topic);
      } catch {
        // what the test itself publishes
      }
    });
    await new Promise((r) => pub!.subscribe(`spBv1.0/${group}/NCMD/+`, r));
    const stat = (name: string) => page.$eval('#stats', (e, n) => Number(e.getAttribute(`data-${n}`)), name);
    const payload = (seq: number | undefined, metrics: Metric[]) => Buffer.from(encodePayload({ timestamp: Date.now(), seq, metrics }));
    pub.publish(`spBv1.0/${group}/NDATA/${node}`, Buffer.from([0xff, 0xff, 0xff, 0x01]));
    pub.publish(`spBv1.0/${group}/NDATA/${node}`, payload(200, [
      { name: 'Ports/eth9/Link', type: 'Boolean', value: true },
      { name: 'Totally/Unknown', type: 'String', value: 'x' },
      { name: 'Ports/eth2/Link', type: 'String', value: 'down' },
    ]));
    pub.publish(`spBv1.0/${group}/DDATA/${node}/bond0`, payload(3, [{ name: 'Active Slave', type: 'Int32', value: 5 }]));
    pub.publish(`spBv1.0/${group}/NBIRTH`, Buffer.from('not even a node'));
    await until('the unknown metrics counted', async () => (await stat('unknown-metrics')) >= 2);
    t.true(await stat('bad-payloads') >= 1);
    t.true(await stat('wrong-types') >= 2);
    t.true(await stat('seq-gaps') >= 1);
    t.true(await stat('bad-topics') >= 1);
    for (let i = 0; i < 50 && !rebirths.includes(`spBv1.0/${group}/NCMD/${node}`); i++) await sleep(100);
    t.true(rebirths.includes(`spBv1.0/${group}/NCMD/${node}`), 'the page asked the node for a rebirth');
    // The births answer: the state is whole again, and nothing bad was applied.
    await page.waitForSelector('[data-node-state="online"]', { timeout: 15_000 });
    t.is(await attr(page, '.port[data-port="eth2"]', 'data-link'), 'up');
    t.is(await attr(page, 'article[data-bond="bond0"]', 'data-active-slave'), 'eth1');
    t.is(await page.$('.port[data-port="eth9"]'), null);

    // Other gateways, one that refuses remote changes, one with markup in a metric name.
    const fake = (id: string, metrics: Metric[]) => pub!.publish(`spBv1.0/${group}/NBIRTH/${id}`, payload(0, [{ name: 'bdSeq', type: 'UInt64', value: 7 }, ...metrics]));
    const evilPort = '<img src=x onerror="window.__pwned=1">';
    fake('gw-readonly', [{ name: 'Properties/Remote Commands', type: 'String', value: 'read' }, { name: `Ports/${evilPort}/Link`, type: 'Boolean', value: true }]);
    fake('gw-operate', [{ name: 'Properties/Remote Commands', type: 'String', value: 'operate' }, { name: 'Audit/Last', type: 'String', value: '12:00:01 mqtt ops ifenslave -d bond0 eth1' }]);
    await page.goto(`${url}#/node/${group}/gw-readonly`);
    await page.waitForSelector('#command[data-visible="false"]');
    t.true(await page.isHidden('#command form'));
    t.regex(await page.textContent('#command') ?? '', /Remote commands are off on this gateway \(Properties\/Remote Commands = read\)/);
    t.is(await page.textContent('.port .name'), evilPort, 'a name is shown as text');
    t.is(await page.evaluate('window.__pwned'), undefined);
    await page.goto(`${url}#/node/${group}/gw-operate`);
    await page.waitForSelector('#command[data-visible="true"]');
    t.is(await page.textContent('#command .audit'), 'last change on the gateway: 12:00:01 mqtt ops ifenslave -d bond0 eth1');
    pub.publish(`spBv1.0/${group}/NDEATH/gw-operate`, payload(undefined, [{ name: 'bdSeq', type: 'UInt64', value: 7 }]));
    await page.click('nav a[href="#/"]');
    await page.waitForSelector('[data-node="gw-operate"][data-state="offline"]');
    t.regex(await page.textContent('[data-node="gw-operate"]') ?? '', /offline since \d\d:\d\d:\d\d/);
    t.is(await page.$$eval('.node-card', (els) => els.length), 3);
    t.is(await attr(page, `[data-node="${node}"] [data-failovers]`, 'data-failovers'), '1', 'one failover in the last hour, the rebirth counted none');
    await page.click('nav a[href="#/events"]');
    await page.waitForSelector(`.timeline li[data-kind="failover"][data-node="${node}"]:has-text("bond0: failover from eth0 to eth1")`);

    // Still live after all that.
    await page.goto(gateway);
    send('sim link eth0 up');
    await page.waitForSelector('.port[data-port="eth0"][data-link="up"]', { timeout: 10_000 });
    // A bond destroyed: DDEATH, shown as gone with the time; its ports are free again.
    send('echo -bond0 > /sys/class/net/bonding_masters');
    await page.waitForSelector('article[data-bond="bond0"][data-online="false"]:has-text("gone since")', { timeout: 10_000 });
    t.is(await attr(page, '.port[data-port="eth1"]', 'data-bond'), null);

    // A phone: nothing wider than the screen. A wall screen: bigger type. Dark.
    await page.setViewportSize({ width: 390, height: 844 });
    await sleep(300);
    t.true(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), 'no sideways scrolling on a phone');
    await page.screenshot({ path: join(dir, '4-phone.png') });
    const fontPx = () => page.evaluate<number>('parseFloat(getComputedStyle(document.documentElement).fontSize)');
    const phoneFont = await fontPx();
    await page.setViewportSize({ width: 2560, height: 1440 });
    t.true(await fontPx() > phoneFont * 1.3, 'type grows on a wall screen');
    await page.setViewportSize({ width: 1280, height: 900 });
    const bg = () => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    t.is(await bg(), 'rgb(244, 245, 247)');
    await page.emulateMedia({ colorScheme: 'dark' });
    t.is(await bg(), 'rgb(13, 17, 23)');
    await page.screenshot({ path: join(dir, '5-dark.png') });

    onlyLoopback(t, browser, origin);
    t.true(browser.requests.includes(`ws://${origin}/mqtt`));
    t.deepEqual(browser.problems, []);
  } catch (e) {
    t.log(`the main job said:\n${output()}`);
    throw e;
  } finally {
    pub?.end(true);
    await browser?.close();
    await stop(job);
  }
});

const restartTest = missing || !haveMosquitto ? test.skip : test.serial;
if (!missing && !haveMosquitto) {
  process.stderr.write('\ndashboard broker-restart test SKIPPED: mosquitto is not installed (apt-get install mosquitto)\n');
  test('dashboard broker-restart test skipped: mosquitto is not installed', (t) => {
    t.log('SKIPPED: mosquitto is not installed (apt-get install mosquitto)');
    t.pass();
  });
}

restartTest('an external mosquitto with a WebSocket listener, given in the settings; the page recovers from a broker restart', async (t) => {
  t.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'bondfw-dashboard-restart-'));
  t.log(`screenshots in ${dir}`);
  const tcp = await freePort();
  const ws = await freePort();
  const config = mosquittoConfig(dir, tcp, ws);
  let broker = await startMosquitto(config, tcp);
  const job = startCli(['run', '--bridge', 'none', '--mqtt', `mqtt://127.0.0.1:${tcp}`, '--http', '127.0.0.1:0', '--group', 'plant', '--node', 'k1']);
  const output = record(job);
  const send = console_(job);
  let browser: Browser | undefined;
  try {
    const banner = await waitFor(job.stdout, /console on stdin/, 30_000);
    const url = /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(banner)?.[1];
    if (!url) return t.fail(banner);
    t.regex(banner, new RegExp(`^  the page needs the WebSocket URL of mqtt://127\\.0\\.0\\.1:${tcp}: give it in its settings$`, 'm'));
    browser = await openBrowser(dir);
    const { page } = browser;
    // No WebSocket URL known: the settings open, saying where the gateway publishes.
    await page.goto(url);
    await page.waitForSelector('.settings');
    t.regex(await page.textContent('.settings') ?? '', new RegExp(`publishes to mqtt://127\\.0\\.0\\.1:${tcp}`));
    t.is(await page.inputValue('input[name="group"]'), 'plant');
    await page.fill('input[name="broker"]', `ws://127.0.0.1:${ws}`);
    await page.selectOption('select[name="theme"]', 'dark');
    await page.click('.settings button[type="submit"]');
    await page.waitForSelector('#link-status[data-state="connected"]');
    const bg = () => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    t.is(await bg(), 'rgb(13, 17, 23)', 'dark by the settings, whatever the system says');
    await page.waitForSelector('[data-node="k1"][data-state="online"] [data-ports-up="4"]', { timeout: 20_000 });
    await page.click('[data-node="k1"] h2 a');
    await page.waitForSelector('.port[data-link="up"] >> nth=3');

    // The broker goes away: the page says so and marks what it shows as possibly stale.
    await stopMosquitto(broker);
    await page.waitForSelector('#link-status[data-state="reconnecting"]', { timeout: 10_000 });
    await page.waitForSelector('[data-node-state="stale"]');
    await page.screenshot({ path: join(dir, '1-broker-down.png') });
    broker = await startMosquitto(config, tcp);
    // Back: reconnected, and the node's births (its new session, or the rebirth the page asks for) make it whole.
    await page.waitForSelector('#link-status[data-state="connected"]', { timeout: 20_000 });
    await page.waitForSelector('[data-node-state="online"]', { timeout: 20_000 });
    send('sim link eth2 down');
    await page.waitForSelector('.port[data-port="eth2"][data-link="down"]', { timeout: 5000 });
    await page.screenshot({ path: join(dir, '2-recovered.png') });

    // The settings were kept: a reload connects by itself.
    await page.reload();
    await page.waitForSelector('#link-status[data-state="connected"]', { timeout: 10_000 });
    await page.waitForSelector('.port[data-port="eth2"][data-link="down"]', { timeout: 10_000 });
    t.is(await page.textContent('#link-status'), `connected to ws://127.0.0.1:${ws}`);
    t.is(await bg(), 'rgb(13, 17, 23)');

    onlyLoopback(t, browser, new URL(url).host);
    t.true(browser.requests.includes(`ws://127.0.0.1:${ws}/`));
    t.deepEqual(browser.problems.filter((p) => !/WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed/.test(p)), []);
  } catch (e) {
    t.log(`the main job said:\n${output()}`);
    throw e;
  } finally {
    await browser?.close();
    await stop(job);
    await stopMosquitto(broker);
  }
});
