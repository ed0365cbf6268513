import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootTest, type TestSystem } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import { Lacpdu, decodeLacpdu, encodeLacpdu, LACPDU_FRAME_LENGTH } from '../firmware/lacp/pdu.ts';
import { formatMac, parseIpv4 } from '../lib/addr.ts';
import { ARP_REQUEST, BROADCAST_MAC, buildArp } from '../firmware/net/packets.ts';

/** LACPDUs the board received, per port, decoded. */
function collect(s: TestSystem): Map<string, { at: number; pdu: Lacpdu }[]> {
  const got = new Map<string, { at: number; pdu: Lacpdu }[]>();
  s.board.setReceiver((p, f, n) => {
    const pdu = new Lacpdu();
    if (decodeLacpdu(f, n, pdu) !== undefined) return;
    if (!got.has(p.name)) got.set(p.name, []);
    got.get(p.name)!.push({ at: s.clock.now(), pdu });
  });
  return got;
}

/** The board speaks LACP on `port` (a hand-made PDU: the firmware's own LACP is not in play here). */
function boardSends(s: TestSystem, port: number, state: number, heard?: Lacpdu): void {
  const bp = s.board.ports[port];
  const pdu = new Lacpdu();
  pdu.actor.systemPriority = 65535;
  pdu.actor.system.set(s.board.ports[0].permanentMac);
  pdu.actor.key = 9;
  pdu.actor.portPriority = 255;
  pdu.actor.port = port + 1;
  pdu.actor.state = state;
  if (heard) pdu.partner.copyFrom(heard.actor);
  const frame = new Uint8Array(LACPDU_FRAME_LENGTH);
  encodeLacpdu(frame, bp.permanentMac, pdu);
  s.board.send(bp, frame, frame.length);
}

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'an active partner speaks first; answering it gets the port selected: in sync, collecting, distributing'), async (t) => {
    const s = await bootTest(board);
    const got = collect(s);
    t.is(await s.run('sim lacp eth0 active fast key 7 system 02:aa:00:00:00:01'), '');
    const first = got.get('eth0')![0].pdu;
    t.is(first.actor.state, 0x47, 'Activity, short Timeout, Aggregation, Defaulted');
    t.like(first.actor, { key: 7, port: 1, systemPriority: 32768 });
    t.is(formatMac(first.actor.system), '02:aa:00:00:00:01');
    boardSends(s, 0, 0x3f, first);
    await s.clock.advance(0);
    const reply = got.get('eth0')!.at(-1)!.pdu;
    t.is(reply.actor.state, 0x3f);
    t.like(reply.partner, { key: 9, port: 1, state: 0x3f, systemPriority: 65535 });
    t.true(s.hw.world.lacp(0).lacp.counters(s.hw.world.lacp(0).bridgePort).attached);
    // The board asked for short timeouts: one PDU a second from now on.
    const n0 = got.get('eth0')!.length;
    for (let i = 0; i < 10; i++) {
      await s.clock.advance(1000);
      boardSends(s, 0, 0x3f, reply);
    }
    const n = got.get('eth0')!.length - n0;
    t.true(n >= 10 && n <= 11, `${n} PDUs in 10 s`);
    t.is(await s.run('sim stats').then((x) => x.split('\n')[0]), `eth0 tx 11 rx ${got.get('eth0')!.length} arp-tx 0 lacp-tx 11`);
  });

  test(onBoard(board, 'partner timeout: expired after 3 s, defaulted after 6 s (short timeouts)'), async (t) => {
    const s = await bootTest(board);
    const got = collect(s);
    await s.run('sim lacp eth1 active fast');
    boardSends(s, 1, 0x3f, got.get('eth1')![0].pdu);
    await s.clock.advance(0);
    const t0 = s.clock.now();
    await s.clock.advance(2999);
    t.false(got.get('eth1')!.some((g) => g.pdu.actor.state & 0x80));
    await s.clock.advance(1);
    const expired = got.get('eth1')!.find((g) => g.pdu.actor.state & 0x80)!;
    t.is(expired.at - t0, 3000, 'expired exactly at 3 s');
    t.is(expired.pdu.actor.state & 0x08, 0, 'no longer in sync');
    await s.clock.advance(3000);
    const defaulted = got.get('eth1')!.find((g) => g.pdu.actor.state & 0x40 && g.at > expired.at)!;
    t.is(defaulted.at - t0, 6000, 'defaulted at 6 s');
  });

  test(onBoard(board, 'passive against passive: nobody speaks'), async (t) => {
    const s = await bootTest(board);
    const got = collect(s);
    await s.run('sim lacp eth2 passive fast');
    boardSends(s, 2, 0x04 | 0x02); // passive board: Aggregation and Timeout, no Activity
    await s.clock.advance(60_000);
    t.is(got.get('eth2'), undefined);
    t.is(await s.run('sim lacp eth3 passive'), '');
    boardSends(s, 3, 0x07); // an active board gets answers
    await s.clock.advance(0);
    t.is(got.get('eth3')!.length, 1);
  });

  test(onBoard(board, 'an aggregation acts as one port: a flood reaches the board once, and answers come back on one member'), async (t) => {
    const s = await bootTest(board);
    const got = collect(s);
    await s.run('sim lacp eth0 active fast');
    await s.run('sim lacp eth1 active fast');
    boardSends(s, 0, 0x3f, got.get('eth0')![0].pdu);
    boardSends(s, 1, 0x3f, got.get('eth1')![0].pdu);
    await s.clock.advance(0);
    const frames: string[] = [];
    s.board.setReceiver((p, f) => {
      if (f[12] === 0x08 && f[13] === 0x06) frames.push(`${p.name}:${f[21]}`);
    });
    const eth2 = s.board.ports[2];
    const req = buildArp(BROADCAST_MAC, eth2.permanentMac, { op: ARP_REQUEST, senderMac: eth2.permanentMac, senderIp: parseIpv4('192.168.1.1')!, targetMac: new Uint8Array(6), targetIp: parseIpv4('192.168.1.107')! });
    s.board.send(eth2, req, req.length);
    await s.clock.advance(0);
    // The request from eth2 is flooded: once into the eth0+eth1 aggregation, once to eth3.
    t.is(frames.filter((f) => f.endsWith(':1')).length, 2);
    t.is(frames.filter((f) => f.startsWith('eth3')).length, 1);
    t.is(frames.filter((f) => f.startsWith('eth0') || f.startsWith('eth1')).length, 1);
  });

  test(onBoard(board, 'sim lacp refuses what it does not understand, and changes nothing'), async (t) => {
    const s = await bootTest(board);
    t.regex(await s.run('sim lacp eth0 loud'), /^error: sim lacp: expected active\|passive\|off, got 'loud'/);
    t.regex(await s.run('sim lacp eth0 active key 70000'), /^error: sim lacp: key takes 0\.\.65535, got '70000'/);
    t.regex(await s.run('sim lacp eth0 active system 01:00:00:00:00:01'), /^error: sim lacp: system takes a unicast MAC address/);
    t.regex(await s.run('sim lacp eth0 active quickly'), /^error: sim lacp: unknown word 'quickly'/);
    t.regex(await s.run('sim lacp eth0'), /^error: sim lacp: usage/);
    t.is(s.hw.world.lacp(0).lacp.config(s.hw.world.lacp(0).bridgePort).mode, 'off');
  });

  test(onBoard(board, "the partner's LACPDUs decode in tshark without malformed or wrong-TLV flags"), async (t) => {
    const s = await bootTest(board);
    const got = collect(s);
    await s.run('sim pcap cap');
    await s.run('sim lacp eth0 active fast');
    boardSends(s, 0, 0x3f, got.get('eth0')![0].pdu);
    await s.clock.advance(5000);
    await s.run('sim pcap off');
    const dir = mkdtempSync(join(tmpdir(), 'bondfw-lacp-'));
    const file = join(dir, 'lacp.pcapng');
    writeFileSync(file, Buffer.concat(s.captures.get('cap')!));
    const r = spawnSync('tshark', ['-r', file, '-Y', 'lacp', '-T', 'fields', '-e', 'lacp.actor.sysid', '-e', 'lacp.actor.state', '-e', '_ws.malformed', '-e', 'lacp.wrong_tlv_type', '-e', 'lacp.wrong_tlv_length'], { encoding: 'utf8' });
    if (r.error) {
      t.log(`tshark not installed (${r.error.message}): Wireshark check skipped`);
      t.pass();
      return;
    }
    const lines = r.stdout.trim().split('\n');
    const partner = lines.filter((l) => l.startsWith('02:00:00:fe:00:00'));
    t.true(partner.length >= 5, r.stdout);
    for (const l of lines) t.deepEqual(l.split('\t').slice(2).filter((x) => x !== ''), [], l);
  });
}
