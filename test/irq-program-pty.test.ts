/**
 * Interrupt programs across processes, in real time: the firmware (`bondfw run --board
 * gw8-6390`) against `bondfw bridge-sim` on a pseudo-terminal pair, through the real
 * serialport binding on both sides. The bridge announces capability 64, the firmware stores a
 * program for each wired port, a cable pulled in bridge-sim's world comes back as a LinkEvent
 * with the port's status, and the bond fails over on it; pings to a host behind the bond cross
 * before and after. Against `--ops smi` (a bridge without interrupt programs) the same pull
 * fails over after the firmware's own read, and nothing is sent that such a bridge cannot read.
 */
import test from 'ava';
import { openPtyPair } from '../hal/transport/pty.ts';
import { ptysOrSkip } from './helpers/pty.ts';
import { ChildConsole, startCli, stopCli, waitFor } from './helpers/cli.ts';

for (const ops of ['all', 'smi'] as const) {
  const programs = ops === 'all';
  test.serial(`gw8-6390 against bridge-sim --ops ${ops}: a pulled cable fails the bond over ${programs ? 'on the reading the interrupt brings' : 'after the firmware reads the port'}; pings cross before and after`, async (t) => {
    if (!ptysOrSkip(t)) return;
    const pair = await openPtyPair();
    const bridge = startCli(['bridge-sim', '--board', 'gw8-6390', '--tty', pair.b, '--autoneg', '0', '--ops', ops]);
    const world = new ChildConsole(bridge);
    const fw = startCli(['run', '--board', 'gw8-6390', '--mdio', pair.a, '--mqtt', 'none', '--http', 'none']);
    const c = new ChildConsole(fw);
    try {
      const banner = await waitFor(bridge.stdout, /console on stdin/);
      if (programs) t.notRegex(banner, /no interrupt programs/);
      else t.regex(banner, /, no interrupt programs\n/);
      await waitFor(fw.stdout, /console on stdin/);
      c.send(
        'modprobe bonding mode=active-backup miimon=10',
        'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
        'ifenslave bond0 lan1 lan2',
      );
      await c.until('cat /sys/class/net/bond0/bonding/active_slave', /^lan1$/m, 10_000, 200);
      await c.until('ping -c 3 -i 0.2 192.168.1.100', /3 packets transmitted, 3 received, 0% packet loss/, 10_000, 1500);
      const before = JSON.parse((await untilJson(c)).trim());
      t.is(before.irqPrograms, programs);

      world.send('sim link lan1 down');
      await c.until('cat /sys/class/net/bond0/bonding/active_slave', /^lan2$/m, 5000, 100);
      await c.until('ping -c 3 -i 0.2 192.168.1.100', /3 packets transmitted, 3 received, 0% packet loss/, 10_000, 1500);
      const after = JSON.parse((await untilJson(c)).trim());
      t.true(after.linkEvents > before.linkEvents, 'the pull came as a link event');
      if (programs) t.true(after.linkEventReads > before.linkEventReads, 'with the port\'s status read by the bridge');
      else t.is(after.linkEventReads, 0);
      t.is(after.badFrames.decode + after.badFrames.crc + after.badFrames.empty, 0);
      t.regex(c.text, /bond0: \(slave lan1\): link status definitely down, disabling slave/);
      t.is(await stopCli(fw, 'SIGTERM'), 0);
    } finally {
      fw.kill('SIGKILL');
      bridge.kill('SIGKILL');
      await pair.close();
    }
  });
}

/** `bridge json`'s answer, once the console gives one. */
async function untilJson(c: ChildConsole): Promise<string> {
  const from = c.text.length;
  await c.until('bridge json', /\{"ready":true[^\n]*\}\n/, 5000, 200);
  const m = /\{"ready":true[^\n]*\}\n/.exec(c.text.slice(from));
  return m![0];
}
