import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialConsoleCli, runCli, startCli, stopCli, waitFor } from './helpers/cli.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { openPtyPair } from '../hal/transport/pty.ts';
import { ptysOrSkip } from './helpers/pty.ts';
import { readPcapng } from '../sim/pcapng.ts';

/** `--board <name>` for a board other than the default, which is run without the option. */
const boardArgs = (board: BoardDefinition): string[] => (board === simGw4 ? [] : ['--board', board.name]);

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'scenario runner: echoes each line, prints its output, goes on after an error, exact timing (registers direct)'), (t) => {
    const script = [
      '# cable pull',
      'cat /sys/class/net/eth3/carrier',
      'sim link eth3 down',
      'sim wait 100ms',
      'cat /sys/class/net/eth3/carrier',
      'sim frobnicate',
      'sim autoneg 2s',
      'sim link eth3 up',
      'sim wait 1999ms',
      'cat /sys/class/net/eth3/carrier',
      'sim wait 1ms',
      'cat /sys/class/net/eth3/carrier eth3/speed',
      'cat /sys/class/net/eth3/speed',
    ].join('\n');
    const r = runCli(['sim', ...boardArgs(board), '--bridge', 'none', '--script', '-'], script);
    t.is(r.status, 0, r.stderr);
    t.is(r.stdout, [
      '> # cable pull',
      '> cat /sys/class/net/eth3/carrier',
      '1',
      '> sim link eth3 down',
      '> sim wait 100ms',
      '> cat /sys/class/net/eth3/carrier',
      '0',
      '> sim frobnicate',
      "error: sim: unknown subcommand 'frobnicate' (sim link|autoneg|carrier|phy|peer|host|lacp|lag|wait|traffic|xmit|stream|inject|stats|fdb|pcap; 'help sim')",
      '> sim autoneg 2s',
      '> sim link eth3 up',
      '> sim wait 1999ms',
      '> cat /sys/class/net/eth3/carrier',
      '0',
      '> sim wait 1ms',
      '> cat /sys/class/net/eth3/carrier eth3/speed',
      'error: cat: eth3/speed: No such file or directory',
      '> cat /sys/class/net/eth3/speed',
      '1000',
      '',
    ].join('\n'));
  });

  test(onBoard(board, 'scenario runner through the serial bridge (the default): the same story, with the bus time it takes'), (t) => {
    const script = [
      'sim link eth3 down',
      'sim wait 150ms',
      'cat /sys/class/net/eth3/carrier',
      'sim link eth3 up',
      'sim wait 150ms',
      'cat /sys/class/net/eth3/carrier',
      'cat /sys/class/net/eth3/speed',
    ].join('\n');
    const a = runCli(['sim', ...boardArgs(board), '--script', '-'], script);
    t.is(a.status, 0, a.stderr);
    t.is(a.stdout, '> sim link eth3 down\n> sim wait 150ms\n> cat /sys/class/net/eth3/carrier\n0\n> sim link eth3 up\n> sim wait 150ms\n> cat /sys/class/net/eth3/carrier\n1\n> cat /sys/class/net/eth3/speed\n1000\n');
    t.is(runCli(['sim', ...boardArgs(board), '--script', '-'], script).stdout, a.stdout, 'repeatable');
  });
}

test('scenario runner: bad options and files give a clear error and exit 1', (t) => {
  const a = runCli(['sim', '--board', 'nope']);
  t.is(a.status, 1);
  t.regex(a.stderr, /unknown board 'nope' \(boards: sim-gw4, sim-mt7531, gw8-6390, gw5-mt7621\)/);
  const b = runCli(['sim', '--script', '/nonexistent/x']);
  t.is(b.status, 1);
  t.regex(b.stderr, /cannot read script \/nonexistent\/x: ENOENT/);
  const c = runCli(['sim', '--topology', 'ring']);
  t.regex(c.stderr, /unknown topology 'ring' \(topologies: single, dual\)/);
  const d = runCli(['run', '--board', 'gw8-6390', '--mdio', '/nonexistent/ttyX']);
  t.is(d.status, 1);
  t.regex(d.stderr, /cannot open the MDIO bridge's serial port \/nonexistent\/ttyX/);
  const e = runCli(['run', '--board', 'sim-gw4', '--mdio', '/dev/null']);
  t.regex(e.stderr, /--mdio is for boards behind a serial bridge; sim-gw4 is simulated/);
});

test('sim pcap writes pcapng with one interface per port; tshark decodes it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bondfw-pcap-'));
  const file = join(dir, 'cap.pcapng');
  const arp = 'ffffffffffff0200000100050806000108000604000102000001000 5c0a80165000000000000c0a80101'.replace(/ /g, '');
  const r = runCli(['sim', '--script', '-'], `sim pcap ${file}\nsim inject eth2 ${arp}\nsim wait 10ms\nsim pcap off\n`);
  t.is(r.status, 0, r.stderr);
  const pkts = readPcapng(readFileSync(file));
  t.is(pkts.length, 1);
  t.like(pkts[0], { ifName: 'eth2', direction: 'in' });
  const tshark = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.interface_name', '-e', 'arp.src.proto_ipv4', '-e', '_ws.malformed'], { encoding: 'utf8' });
  if (tshark.error) {
    t.log(`tshark not installed (${tshark.error.message}): skipped the Wireshark dissector check`);
    return;
  }
  t.is(tshark.status, 0, tshark.stderr);
  t.is(tshark.stdout.replace(/\s+$/, ''), 'eth2\t192.168.1.101', 'interface name from the IDB, ARP decoded, not malformed');
});

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'main job: prints the port table read from the emulated registers, serves stdin, stops on SIGTERM'), async (t) => {
    const p = startCli(['run', '--board', board.name]);
    try {
      const banner = await waitFor(p.stdout, /console on stdin/);
      t.regex(banner, /PORT\s+LINK\s+SPEED\s+DUPLEX/);
      for (const n of [0, 1, 2, 3]) t.regex(banner, new RegExp(`eth${n}\\s+up\\s+1000\\s+full`));
      const answer = waitFor(p.stdout, /^1000$/m);
      p.stdin.write('cat /sys/class/net/eth0/speed\n');
      await answer;
      t.is(await stopCli(p, 'SIGTERM'), 0);
    } finally {
      p.kill('SIGKILL');
    }
  });
}

test('serial console over a pseudo-terminal with the real serialport binding', async (t) => {
  if (!ptysOrSkip(t)) return;
  const pty = await openPtyPair();
  let c: SerialConsoleCli | undefined;
  try {
    c = await SerialConsoleCli.start(['run'], pty);
    c.send('cat /sys/class/net/eth1/duplex');
    c.port.write('bogus\r\n');
    await c.until(/full\r\n[\s\S]*error: unknown command 'bogus'/);
    t.regex(c.text, /full\r\n/);
    t.is(await stopCli(c.p, 'SIGINT'), 0);
  } finally {
    await c?.close();
    pty.close();
  }
});

test('script files work the same as stdin', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bondfw-script-'));
  const f = join(dir, 's.txt');
  writeFileSync(f, 'cat /sys/class/net/eth0/duplex\r\n');
  const r = runCli(['sim', '--script', f]);
  t.is(r.stdout, '> cat /sys/class/net/eth0/duplex\nfull\n');
});

test('main job: ping through stdin in real time, each reply printed as it comes; SIGINT stops a running ping', async (t) => {
  const p = startCli(['run', '--mqtt', 'none']);
  try {
    await waitFor(p.stdout, /console on stdin/, 60_000); // a loaded machine boots slowly
    p.stdin.write('ifconfig eth0 192.168.1.1 netmask 255.255.255.0 up\n');
    p.stdin.write('ping -c 3 -i 0.5 192.168.1.100\n');
    const first = await waitFor(p.stdout, /icmp_seq=1 /);
    t.notRegex(first, /packets transmitted/, 'the first reply shows before the ping ends');
    const text = first + await waitFor(p.stdout, /rtt min\/avg\/max\/mdev = .* ms\n/);
    const replies = text.match(/^64 bytes from 192\.168\.1\.100: icmp_seq=\d ttl=64 time=\d+(\.\d+)? ms$/gm) ?? [];
    t.is(replies.length, 3, text);
    t.regex(text, /^PING 192\.168\.1\.100 \(192\.168\.1\.100\) 56\(84\) bytes of data\.$/m);
    t.regex(text, /\n\n--- 192\.168\.1\.100 ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 10\d\dms\nrtt min\/avg\/max\/mdev = \d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3} ms\n/);
    // Piped stdin has no Ctrl-C key: SIGINT interrupts the running ping instead of the job.
    const running = waitFor(p.stdout, /icmp_seq=2 /);
    p.stdin.write('ping -i 0.2 192.168.1.101\n');
    await running;
    const summary = waitFor(p.stdout, /--- 192\.168\.1\.101 ping statistics ---\n\d+ packets transmitted, \d+ received, 0% packet loss/);
    p.kill('SIGINT');
    await summary;
    const alive = waitFor(p.stdout, /^bondfw 0\.1\.0 /m);
    p.stdin.write('version\n');
    await alive;
    t.is(await stopCli(p, 'SIGTERM'), 0);
  } finally {
    p.kill('SIGKILL');
  }
});

test('serial console: Ctrl-C (0x03) stops a ping without -c and prints its summary; at the idle prompt the byte stays in the line', async (t) => {
  if (!ptysOrSkip(t)) return;
  const pty = await openPtyPair();
  let c: SerialConsoleCli | undefined;
  try {
    c = await SerialConsoleCli.start(['run', '--mqtt', 'none'], pty);
    const port = c.port;
    const line = c;
    const until = (re: RegExp) => line.until(re);
    port.write('ifconfig eth0 192.168.1.1 netmask 255.255.255.0 up\r');
    port.write('ping -i 0.2 192.168.1.100\r');
    await until(/icmp_seq=2 /);
    port.write('\x03');
    await until(/statistics ---\r\n.*\r\n.*\r\nsim-gw4# /);
    const all = c.text;
    const m = /--- 192\.168\.1\.100 ping statistics ---\r\n(\d+) packets transmitted, (\d+) received, 0% packet loss, time \d+ms\r\nrtt min\/avg\/max\/mdev = [\d./]+ ms\r\nsim-gw4# $/.exec(all);
    t.truthy(m, all);
    t.true(Number(m![1]) >= 2 && m![1] === m![2], all);
    t.is((all.match(/^64 bytes from 192\.168\.1\.100: icmp_seq=\d+ ttl=64 time=[\d.]+ ms\r$/gm) ?? []).length, Number(m![2]), all);
    // Nothing running: the byte stays in the line, which the dispatcher refuses as before.
    port.write('\x03\r');
    await until(/sim-gw4# error: line contains control characters\r\n/);
    t.is(await stopCli(c.p, 'SIGINT'), 0);
  } finally {
    await c?.close();
    pty.close();
  }
});
