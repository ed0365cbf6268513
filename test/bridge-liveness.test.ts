/**
 * The bridge client's liveness and reboot detection (proto/bridge.md section 6), in virtual
 * time against the emulated bridge: a Hello goes out only when the bridge has been quiet for
 * the heartbeat interval; a bridge quiet for the liveness bound is lost; a reboot is seen by
 * a new nonce even when the boot id repeats and the boot Info never arrived, and an older
 * bridge without nonces by its boot id or its boot Info.
 */
import test from 'ava';
import { VirtualClock } from '../lib/clock.ts';
import { nodeSettle } from '../hal/clock-real.ts';
import { BridgeClient, HEARTBEAT_MS, LIVENESS_MS, type ReadyReason } from '../hal/bridge/client.ts';
import { UartPair } from '../hal/sim/uart.ts';
import { SimHardware } from '../sim/hardware.ts';
import { simGw4 } from '../boards/sim-gw4.ts';

async function rig(mcuOpts: { noBootNonce?: boolean } = {}) {
  const clock = new VirtualClock(nodeSettle);
  const hw = new SimHardware(simGw4, clock);
  const uart = new UartPair(clock, 921_600);
  const mcu = hw.attachBridge(uart.device, mcuOpts);
  const client = new BridgeClient({ clock, link: uart.host, baud: 921_600 });
  const ready: ReadyReason[] = [];
  const lost: string[] = [];
  client.onReady((_i, why) => ready.push(why));
  client.onLost((r) => lost.push(r));
  mcu.start();
  await clock.drive(client.open());
  await clock.advance(5);
  return { clock, hw, uart, mcu, client, ready, lost };
}

test('heartbeats only while the bridge is quiet; answers keep it alive', async (t) => {
  const { clock, client, uart } = await rig();
  // Busy: a read every 100 ms, as the board's poll does. No heartbeat is needed.
  for (let i = 0; i < 20; i++) {
    await clock.drive(client.read(0x10, 0));
    await clock.advance(100);
  }
  t.is(client.counters.heartbeats, 0);
  // Quiet for 10 s: a Hello once it has been quiet for a heartbeat interval (checked every
  // interval: one every one or two intervals), each answered.
  const tx = uart.host.txBytes;
  await clock.advance(10_000);
  t.true(client.counters.heartbeats >= 10_000 / (2 * HEARTBEAT_MS) - 1 && client.counters.heartbeats <= 10_000 / HEARTBEAT_MS, `${client.counters.heartbeats} heartbeats`);
  t.true(uart.host.txBytes - tx < 10 * client.counters.heartbeats, 'a heartbeat is a few bytes');
  t.is(client.counters.losses, 0);
  t.true(client.isReady);
});

test('a bridge quiet past the bound is lost within it, once; what was outstanding fails; back: ready again, "return"', async (t) => {
  const { clock, client, mcu, lost, ready } = await rig();
  mcu.hung = true;
  const t0 = clock.now();
  const pending = client.run([{ op: 'read', phy: 0x10, reg: 0 }]).then(
    () => 'answered',
    (e: Error) => e.message,
  );
  while (lost.length === 0 && clock.now() - t0 < 5000) await clock.advance(10);
  const took = clock.now() - t0;
  t.true(took >= LIVENESS_MS && took <= LIVENESS_MS + HEARTBEAT_MS + 10, `lost after ${took} ms`);
  t.regex(await pending, /no answer after 4 tries|not answering/);
  await t.throwsAsync(client.run([{ op: 'read', phy: 0x10, reg: 0 }]), { message: /has not said hello yet/ });
  await clock.advance(5000);
  t.deepEqual(lost.length, 1, 'lost once, however long');
  mcu.hung = false;
  await clock.advance(300);
  t.true(client.isReady);
  t.deepEqual(ready, ['open', 'return']);
  t.is(client.counters.reboots, 0);
});

test('a reboot that repeats the boot id, its boot Info lost: the heartbeat Info has a new nonce', async (t) => {
  const { clock, client, mcu, uart, ready } = await rig();
  const nonce = client.info!.bootNonce;
  t.not(nonce, 0);
  // The cable out while the bridge restarts: its boot Info goes nowhere.
  uart.setConnected(false);
  mcu.halt();
  mcu.start();
  await clock.advance(50);
  uart.setConnected(true);
  await clock.advance(500);
  t.is(client.info!.bootId, 1, 'the same boot id');
  t.not(client.info!.bootNonce, nonce);
  t.is(client.counters.reboots, 1);
  t.deepEqual(ready, ['open', 'reboot']);
});

test('an older bridge without nonces: a boot id that repeats is a reboot by its unsolicited boot Info; its answers are not', async (t) => {
  const { clock, client, mcu, ready } = await rig({ noBootNonce: true });
  t.is(client.info!.bootNonce, 0);
  await clock.advance(3000); // heartbeat Infos (answers to Hello) are no reboot
  t.true(client.counters.heartbeats > 0);
  t.is(client.counters.reboots, 0);
  mcu.halt();
  mcu.start();
  await clock.advance(100);
  t.is(client.info!.bootId, 1);
  t.is(client.counters.reboots, 1);
  t.deepEqual(ready, ['open', 'reboot']);
  mcu.reboot(); // boot id 2
  await clock.advance(100);
  t.is(client.counters.reboots, 2);
});
