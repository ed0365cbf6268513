import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../hal/clock-real.ts';
import { BridgeClient } from '../hal/bridge/client.ts';
import { PacedLink } from '../hal/sim/paced-link.ts';
import { SimHardware } from '../sim/hardware.ts';
import { openPtyPair } from '../hal/transport/pty.ts';
import { ptysOrSkip } from './helpers/pty.ts';
import { SerialLink } from '../hal/transport/serial-link.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { startCli, stopCli, waitFor } from './helpers/cli.ts';

const BAUD = 921_600;
const SMI = simGw4.switch.smiAddr;
const switchIdRead = [
  { op: 'wait' as const, phy: SMI, reg: 0, mask: 0x8000, value: 0, tries: 16 },
  { op: 'write' as const, phy: SMI, reg: 0, value: 0x9800 | (0x10 << 5) | 3 },
  { op: 'wait' as const, phy: SMI, reg: 0, mask: 0x8000, value: 0, tries: 16 },
  { op: 'read' as const, phy: SMI, reg: 1 },
];

test.serial('the bridge over a real pseudo-terminal with the serialport binding; the device vanishes and returns', async (t) => {
  if (!ptysOrSkip(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'bondfw-bridge-'));
  const paths = { a: join(dir, 'host'), b: join(dir, 'bridge') };
  const clock = new RealClock();
  let pair = await openPtyPair(paths);
  const host = new SerialLink(paths.a, BAUD, 50);
  let device = new SerialLink(paths.b, BAUD, 50);
  await host.open();
  await device.open();
  const hw = new SimHardware(simGw4, clock);
  let mcu = hw.attachBridge(new PacedLink(device, clock, BAUD));
  const client = new BridgeClient({ clock, link: host, baud: BAUD });
  try {
    mcu.start();
    await client.open();
    t.is((await client.run(switchIdRead, { idempotent: true }))[3] & 0xfff0, 0x3520);

    // Unplug: socat goes away with both terminals.
    await pair.close();
    await device.close();
    mcu.halt();
    for (let i = 0; i < 100 && host.up; i++) await new Promise((r) => setTimeout(r, 10));
    t.false(host.up);
    await t.throwsAsync(client.run(switchIdRead), { message: /serial link/ });
    // Plug back in: the same device paths appear again; the link reopens and says hello.
    pair = await openPtyPair(paths);
    device = new SerialLink(paths.b, BAUD, 50);
    await device.open();
    mcu = hw.attachBridge(new PacedLink(device, clock, BAUD), { bootId: 7 });
    mcu.start();
    for (let i = 0; i < 300 && !client.isReady; i++) await new Promise((r) => setTimeout(r, 10));
    t.true(client.isReady, 'the client is talking to the bridge again');
    t.is((await client.run(switchIdRead, { idempotent: true }))[3] & 0xfff0, 0x3520);
    t.true(host.reopens >= 1);
    t.is(client.counters.linkDowns, 1);
  } finally {
    client.close();
    await host.close();
    await device.close();
    await pair.close();
    clock.cancelAll();
  }
});

test.serial('main job with --bridge pty: the port table comes through the real tty', async (t) => {
  if (!ptysOrSkip(t)) return;
  const p = startCli(['run', '--bridge', 'pty']);
  try {
    const banner = await waitFor(p.stdout, /console on stdin/);
    t.regex(banner, /switch MDIO through the serial bridge \(mdio-bridge-sim 1\.0\) on a pseudo-terminal at 921600 baud/);
    t.regex(banner, /eth3\s+up\s+1000\s+full/);
    const answer = waitFor(p.stdout, /^full$/m);
    p.stdin.write('cat /sys/class/net/eth2/duplex\n');
    await answer;
    t.is(await stopCli(p, 'SIGTERM'), 0);
  } finally {
    p.kill('SIGKILL');
  }
});

test.serial('a real board through a bridge in another process: gw8-6390 against bridge-sim on a pseudo-terminal', async (t) => {
  if (!ptysOrSkip(t)) return;
  const pair = await openPtyPair();
  const bridge = startCli(['bridge-sim', '--board', 'gw8-6390', '--tty', pair.b, '--autoneg', '0']);
  const fw = startCli(['run', '--board', 'gw8-6390', '--mdio', `${pair.a}:921600`]);
  try {
    await waitFor(bridge.stdout, /bridge emulator .* for gw8-6390 on .* carrying CPU-port frames/);
    const banner = await waitFor(fw.stdout, /console on stdin/);
    t.regex(banner, /switch MDIO and CPU-port frames through the serial bridge \(mdio-bridge-sim 1\.0\)/);
    for (let n = 1; n <= 8; n++) t.regex(banner, new RegExp(`lan${n}\\s+up\\s+1000\\s+full`));
    // Pull a cable in the emulator's world; the firmware sees it through the bridge.
    bridge.stdin.write('sim link lan3 down\n');
    const answer = waitFor(fw.stdout, /^0$/m, 10_000);
    const asker = setInterval(() => fw.stdin.write('cat /sys/class/net/lan3/carrier\n'), 100);
    try {
      await answer;
    } finally {
      clearInterval(asker);
    }
    // bridge-sim offers the indirect SMI operations, and the firmware uses them.
    fw.stdin.write('bridge\n');
    await waitFor(fw.stdout, /operations: plain and indirect SMI/);
    t.is(await stopCli(fw, 'SIGTERM'), 0);
  } finally {
    fw.kill('SIGKILL');
    bridge.kill('SIGKILL');
    await pair.close();
  }
});
