/**
 * The two bridge-kill cases of the fault campaign, over real pseudo-terminals in real time,
 * with no restart of the firmware:
 * - `bondfw run --bridge pty`: the bridge side's pseudo-terminal pair killed one second into
 *   LACP negotiation, and plugged back in by the main job a second later;
 * - gw8-6390 against `bondfw bridge-sim` in another process: bridge-sim killed and started
 *   again, a new boot with the same boot id (its nonce differs), the switch behind it reset.
 * Every port's carrier shows unknown within the liveness bound; when the bridge is back the
 * switch is probed and set up again, LACP aggregates both links again and pings cross.
 */
import test from 'ava';
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { HEARTBEAT_MS, LIVENESS_MS } from '../hal/bridge/client.ts';
import { openPtyPair } from '../hal/transport/pty.ts';
import { ptysOrSkip } from './helpers/pty.ts';
import { ChildConsole as Console, startCli, stopCli, waitFor } from './helpers/cli.ts';

/** The stated bound (liveness) plus what a loaded test machine adds to real-time timers and the console. */
const UNKNOWN_BOUND_MS = LIVENESS_MS + HEARTBEAT_MS;
const SCHEDULING_SLACK_MS = 750;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const allUnknown = (ports: string[]) => new RegExp(ports.map((p) => `${p}\\s+unknown\\s+-\\s+unknown`).join('[^]*'));
const allKnown = (ports: string[]) => new RegExp(`^PORT.*\\n${ports.map((p) => `${p}\\s+up\\s+1000\\s+full.*\\n`).join('')}`, 'm');
const aggregated = /Number of ports: 2\n[^]*Slave Interface: \S+\nMII Status: up\n[^]*Slave Interface: \S+\nMII Status: up\n/;

function socatOf(pid: number): number | undefined {
  const r = spawnSync('pgrep', ['-P', String(pid), '-x', 'socat'], { encoding: 'utf8' });
  const n = Number(r.stdout.trim().split('\n')[0]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

test.serial('--bridge pty: the bridge side killed one second into LACP negotiation; unknown within the bound, everything back when it returns', async (t) => {
  if (!ptysOrSkip(t)) return;
  const fw = startCli(['run', '--bridge', 'pty', '--mqtt', 'none', '--http', 'none']);
  const c = new Console(fw);
  const ports = ['eth0', 'eth1', 'eth2', 'eth3'];
  try {
    await waitFor(fw.stdout, /console on stdin/);
    c.send(
      'modprobe bonding mode=802.3ad miimon=100 lacp_rate=fast',
      'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
      'ifenslave bond0 eth0 eth1',
      'sim lacp eth0 active fast',
      'sim lacp eth1 active fast',
    );
    await sleep(1000);
    const socat = socatOf(fw.pid!);
    t.truthy(socat, 'the main job holds the pseudo-terminal pair through socat');
    process.kill(socat!, 'SIGKILL');
    const took = await c.until('show ports', allUnknown(ports), 5000, 50);
    t.log(`carrier unknown on every port ${took} ms after the kill (bound ${UNKNOWN_BOUND_MS} ms)`);
    t.true(took <= UNKNOWN_BOUND_MS + SCHEDULING_SLACK_MS, `${took} ms`);
    await c.until('cat /sys/class/net/eth0/carrier', /^unknown$/m, 2000);
    // The pair comes back a second later (a cable plugged in again): the switch is set up again.
    const back = await c.until('show ports', allKnown(ports), 10_000, 200);
    t.log(`ports known again ${back} ms after they went unknown`);
    await c.until('cat /proc/net/bonding/bond0', aggregated, 15_000, 500);
    await c.until('ping -c 3 -i 0.2 192.168.1.100', /3 packets transmitted, 3 received, 0% packet loss/, 10_000, 1500);
    await c.until('bridge', /serial link losses 1,/, 2000);
    t.regex(c.text, /switch unreachable \(serial-MDIO bridge: serial link lost\): carrier unknown on every port/);
    t.regex(c.text, /switch 88E6352 probed and set up again \(the serial-MDIO bridge answers again\)/);
    t.is(await stopCli(fw, 'SIGTERM'), 0, 'the same firmware process throughout');
  } finally {
    fw.kill('SIGKILL');
  }
});

test.serial('gw8-6390 against bridge-sim: bridge-sim killed and started again (same boot id); the reboot is seen, the switch set up again, LACP back', async (t) => {
  if (!ptysOrSkip(t)) return;
  const pair = await openPtyPair();
  const lacp = ['sim lacp lan1 active fast', 'sim lacp lan2 active fast'];
  const startBridge = async (): Promise<ChildProcessWithoutNullStreams> => {
    const b = startCli(['bridge-sim', '--board', 'gw8-6390', '--tty', pair.b, '--autoneg', '0']);
    await waitFor(b.stdout, /console on stdin/);
    for (const l of lacp) b.stdin.write(`${l}\n`);
    return b;
  };
  let bridge = await startBridge();
  // No baud given: the board's bridge speed (921600), as the bridge-sim runs.
  const fw = startCli(['run', '--board', 'gw8-6390', '--mdio', pair.a, '--mqtt', 'none', '--http', 'none']);
  const c = new Console(fw);
  const ports = ['lan1', 'lan2', 'lan3', 'lan4', 'lan5', 'lan6', 'lan7', 'lan8'];
  try {
    const banner = await waitFor(fw.stdout, /console on stdin/);
    t.regex(banner, /through the serial bridge \(mdio-bridge-sim 1\.0\) on .* at 921600 baud/);
    c.send(
      'modprobe bonding mode=802.3ad miimon=100 lacp_rate=fast',
      'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
      'ifenslave bond0 lan1 lan2',
    );
    await c.until('cat /proc/net/bonding/bond0', aggregated, 15_000, 500);
    await c.until('bridge json', /"timeouts":\d+/, 2000);
    t.log(`before the kill: ${/"timeouts":(\d+)/.exec(c.text.slice(-2000))![1]} unanswered requests`);
    await sleep(1000);
    bridge.kill('SIGKILL');
    const took = await c.until('show ports', allUnknown(ports), 5000, 50);
    t.log(`carrier unknown on every port ${took} ms after the kill (bound ${UNKNOWN_BOUND_MS} ms)`);
    t.true(took <= UNKNOWN_BOUND_MS + SCHEDULING_SLACK_MS, `${took} ms`);
    await c.until('cat /proc/net/bonding/bond0', /Slave Interface: lan1\nMII Status: unknown\n/, 3000, 200);

    bridge = await startBridge();
    await c.until('show ports', allKnown(ports), 10_000, 200);
    await c.until('cat /proc/net/bonding/bond0', aggregated, 15_000, 500);
    await c.until('ping -c 3 -i 0.2 192.168.1.100', /3 packets transmitted, 3 received, 0% packet loss/, 10_000, 1500);
    await c.until('bridge json', /"reboots":1,/, 2000);
    t.regex(c.text, /mdio bridge: bridge rebooted \(boot id 1\)/);
    t.regex(c.text, /switch 88E6390 probed and set up again \(the serial-MDIO bridge rebooted\)/);
    t.is(await stopCli(fw, 'SIGTERM'), 0, 'the same firmware process throughout');
  } finally {
    fw.kill('SIGKILL');
    bridge.kill('SIGKILL');
    await pair.close();
  }
});
