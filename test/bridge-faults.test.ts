/**
 * A serial-MDIO bridge that hangs, loses power, reboots with the switch behind it, or comes
 * back as an older bridge that repeats its boot id, in virtual time. While the bridge cannot
 * be reached every port's carrier is unknown (show ports, sysfs, /proc, telemetry) within the
 * liveness bound, the bonds count it down after their delays, and the log stays readable;
 * when it answers again the switch is probed and set up again, the LAGs programmed again, and
 * LACP and the data plane recover with no restart of the firmware.
 */
import test from 'ava';
import { HEARTBEAT_MS, LIVENESS_MS } from '../hal/bridge/client.ts';
import { nodeMetrics } from '../firmware/telemetry/metrics.ts';
import { bootTest, marvellChip, type TestSystem } from './helpers/sim.ts';

/** From a bridge going quiet to every port's carrier showing unknown, at most (the liveness bound). */
const UNKNOWN_BOUND_MS = LIVENESS_MS + HEARTBEAT_MS;

async function lacpBond(opts: Parameters<typeof bootTest>[1] = {}): Promise<TestSystem> {
  const s = await bootTest(undefined, { bridge: 'inproc', ...opts });
  for (const line of [
    'modprobe bonding mode=802.3ad miimon=100 downdelay=200 lacp_rate=fast xmit_hash_policy=layer3+4',
    'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
    'ifenslave bond0 eth0 eth1',
    'sim lacp eth0 active fast',
    'sim lacp eth1 active fast',
    'sim wait 5s',
  ]) {
    const out = await s.run(line);
    if (out.startsWith('error')) throw new Error(`${line}: ${out}`);
  }
  return s;
}

/** Steps until `ok` holds; returns the virtual ms it took, or Infinity after `limit`. */
async function within(s: TestSystem, limit: number, ok: () => Promise<boolean> | boolean, step = 10): Promise<number> {
  const t0 = s.clock.now();
  while (s.clock.now() - t0 <= limit) {
    if (await ok()) return s.clock.now() - t0;
    await s.clock.advance(step);
  }
  return Infinity;
}

const allUnknown = async (s: TestSystem) => /^(eth\d\s+unknown\s+-\s+unknown.*\n?){4}$/m.test((await s.run('show ports')).split('\n').slice(1).join('\n'));

async function carriesTraffic(s: TestSystem): Promise<void> {
  const out = await s.run('sim traffic bond0 200 flows 16 udp');
  if (!/replies 200$/.test(out)) throw new Error(`traffic: ${out}`);
}

test.serial('a bridge that hangs: carrier unknown within the bound, slaves down after downdelay, the log readable; back: set up again, LACP and traffic recover', async (t) => {
  const s = await lacpBond();
  await carriesTraffic(s);
  const logBefore = s.log.tail().length;
  await s.run('sim bridge hang');
  const took = await within(s, 5000, () => allUnknown(s));
  t.true(took <= UNKNOWN_BOUND_MS, `carrier unknown after ${took} ms (bound ${UNKNOWN_BOUND_MS} ms)`);
  t.log(`carrier unknown ${took} ms after the bridge hung`);
  t.is(await s.run('cat /sys/class/net/eth0/carrier'), 'unknown');
  t.is(await s.run('cat /sys/class/net/eth0/operstate'), 'unknown');
  t.is(await s.run('cat /sys/class/net/eth0/speed'), '-1');
  t.regex(await s.run('ip link show eth2'), /state UNKNOWN/);
  t.is(nodeMetrics(s.firmware.net, { firmwareVersion: 'x', board: 'y' }).get('Ports/eth3/Carrier')?.value, 'unknown');
  t.is(nodeMetrics(s.firmware.net, { firmwareVersion: 'x', board: 'y' }).get('Ports/eth3/Link')?.value, false);

  // The bonds hold their slaves through downdelay, then count them down: MII Status unknown.
  await s.run('sim wait 1s');
  const proc = await s.run('cat /proc/net/bonding/bond0');
  t.regex(proc, /^MII Status: down$/m);
  t.regex(proc, /Slave Interface: eth0\nMII Status: unknown\n/);
  t.is(await s.run('cat /sys/class/net/eth1/bonding_slave/mii_status'), 'unknown');
  t.regex(await s.run('show ports json'), /"port":"eth0","link":"unknown"/);

  // Two minutes of a dead bridge: a few lines, not one per failed request.
  await s.run('sim wait 120s');
  const lines = s.log.tail().slice(logBefore).map((e) => e.text);
  t.true(lines.length < 60, `${lines.length} log lines in two minutes:\n${lines.join('\n')}`);
  t.is(lines.filter((l) => l.includes('switch unreachable')).length, 1, 'the loss is logged once');

  await s.run('sim bridge resume');
  const back = await within(s, 5000, async () => !(await s.run('show ports')).includes('unknown'));
  t.true(back < 2000, `ports known again after ${back} ms`);
  t.regex(s.log.tail().map((e) => e.text).join('\n'), /switch 88E6352 probed and set up again \(the serial-MDIO bridge answers again\)[^]*bond0: switch trunk 1: /);
  await s.run('sim wait 5s');
  t.regex(await s.run('cat /proc/net/bonding/bond0'), /Number of ports: 2\n/);
  await carriesTraffic(s);
});

for (const kind of ['with a boot nonce', 'an older bridge: no nonce, the same boot id'] as const) {
  test.serial(`the bridge board restarts, switch and PHYs reset (${kind}): the reboot is seen, the switch set up again, LACP and trunks back`, async (t) => {
    const s = await lacpBond(kind === 'with a boot nonce' ? {} : { bridgeMcu: { noBootNonce: true } });
    const mcu = s.bridge!.mcu;
    const bootId = mcu.info.bootId;
    // Power off, then on again: a new boot that keeps the boot id (no flash to count in).
    await s.run('sim bridge off');
    s.hw.powerCycle();
    await s.run('sim wait 300ms');
    await s.run('sim bridge on');
    t.is(mcu.info.bootId, bootId);
    await s.run('sim wait 2s');
    const log = s.log.tail().map((e) => e.text).join('\n');
    t.regex(log, /mdio bridge: bridge rebooted/);
    t.regex(log, /switch 88E6352 probed and set up again \(the serial-MDIO bridge rebooted\)/);
    await s.run('sim wait 6s');
    t.regex(await s.run('cat /proc/net/bonding/bond0'), /Number of ports: 2\n/);
    // The trunk tables the reset switch forgot are there again.
    const chip = marvellChip(s);
    t.true((await s.clock.drive(chip.readTrunkMapping(1))) !== 0);
    await carriesTraffic(s);
  });
}

test.serial('a quick reboot without a power cycle: seen by the nonce, the switch set up again', async (t) => {
  const s = await lacpBond();
  await s.run('sim bridge reboot');
  await s.run('sim wait 1s');
  t.is(JSON.parse(await s.run('bridge json')).reboots, 1);
  t.is(s.board.reprobes, 1);
  await s.run('sim wait 5s');
  t.regex(await s.run('cat /proc/net/bonding/bond0'), /Number of ports: 2\n/);
  await carriesTraffic(s);
});

test.serial('answers lost and line noise: requests resent, the bridge never counted lost, nothing unknown', async (t) => {
  const s = await lacpBond();
  await s.run('sim bridge loss 20');
  for (let i = 0; i < 10; i++) {
    await s.run('sim bridge garbage 64');
    await s.run('sim wait 500ms');
  }
  await s.run('sim bridge loss 0');
  await s.run('sim wait 2s');
  const j = JSON.parse(await s.run('bridge json'));
  t.true(j.resent > 0);
  t.is(j.losses, 0);
  t.false((await s.run('show ports')).includes('unknown'));
  await s.run('sim wait 3s');
  t.regex(await s.run('cat /proc/net/bonding/bond0'), /Number of ports: 2\n/);
  await carriesTraffic(s);
});

test.serial('no bridge: a switch that stops answering its polls is unreachable after three, set up again when it answers', async (t) => {
  const s = await bootTest(undefined, { bridge: 'none' });
  for (const l of ['modprobe bonding mode=active-backup miimon=100 downdelay=200', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1', 'sim wait 1s']) await s.run(l);
  // The switch drops off the MDIO bus: every read is the bus's idle 0xFFFF.
  s.hw.chip.detach();
  const took = await within(s, 2000, () => allUnknown(s));
  t.true(took <= 3 * s.board.def.pollIntervalMs + 100, `unknown after ${took} ms`);
  t.regex(s.log.tail().map((e) => e.text).join('\n'), /switch unreachable \(3 polls in a row failed\): carrier unknown on every port/);
  await s.run('sim wait 1s');
  t.regex(await s.run('cat /proc/net/bonding/bond0'), /Slave Interface: eth0\nMII Status: unknown\n/);
  s.hw.chip.attachTo(s.hw.wire);
  const back = await within(s, 2000, async () => !(await s.run('show ports')).includes('unknown'));
  t.true(back <= 300, `known again after ${back} ms`);
  t.regex(s.log.tail().map((e) => e.text).join('\n'), /switch 88E6352 probed and set up again \(the switch answers again\)/);
  await s.run('sim wait 1s');
  t.regex(await s.run('cat /proc/net/bonding/bond0'), /^MII Status: up$/m);
  t.regex(await s.run('ping -c 2 -i 0.2 192.168.1.100'), /2 received, 0% packet loss/);
});
