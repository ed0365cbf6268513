/**
 * 802.3ad against the simulated link partner's LACP, in virtual time: convergence within
 * 3 s of link-up, timeouts, passive against passive, aggregators, link loss, min_links,
 * PDU cadence, the last PDU on release, Markers, and the switch's trunk tables.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lacpdu, decodeLacpdu, STATE_EXPIRED, STATE_DEFAULTED, STATE_SYNCHRONIZATION, STATE_AGGREGATION } from '../firmware/lacp/pdu.ts';
import { Mode8023ad } from '../firmware/bonding/bond3ad.ts';
import { bootTest, marvellChip, type TestSystem } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard, portMac } from './helpers/boards.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import type { BoardDefinition } from '../boards/types.ts';

interface Sent {
  time: number;
  port: number;
  pdu: Lacpdu;
}

/** Records every LACPDU leaving the board, per cable. */
function tap(s: TestSystem): Sent[] {
  const out: Sent[] = [];
  s.hw.world.setCapture({
    write: (i: number, time: number, frame: Uint8Array, dir: string) => {
      if (dir !== 'out') return;
      const pdu = new Lacpdu();
      if (decodeLacpdu(frame, frame.length, pdu) === undefined) out.push({ time, port: i, pdu });
    },
  } as unknown as Parameters<typeof s.hw.world.setCapture>[0]);
  return out;
}

async function lacpBond(board: BoardDefinition, opts: { params?: string; partner?: string[]; ports?: string[] } = {}): Promise<{ s: TestSystem; t0: number; sent: Sent[] }> {
  const s = await bootTest(board);
  const sent = tap(s);
  const ports = opts.ports ?? ['eth0', 'eth1'];
  for (const l of opts.partner ?? ports.map((p) => `sim lacp ${p} active fast`)) await s.run(l);
  for (const l of [`modprobe bonding mode=802.3ad miimon=100 ${opts.params ?? 'lacp_rate=fast'}`, 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up']) {
    const out = await s.run(l);
    if (out.startsWith('error')) throw new Error(out);
  }
  const t0 = s.clock.now();
  const out = await s.run(`ifenslave bond0 ${ports.join(' ')}`);
  if (out) throw new Error(out);
  return { s, t0, sent };
}

const partnerState = (s: TestSystem, i: number) => s.hw.world.lacp(i).lacp.actorState(s.hw.world.lacp(i).bridgePort);
const mode = (s: TestSystem) => s.firmware.net.bond('bond0')!.modeExtension as Mode8023ad;
const actorState = (s: TestSystem, i: number) => mode(s).lacp.ports[i].actor.state;

async function until(s: TestSystem, t: number): Promise<void> {
  await s.clock.advance(t - s.clock.now());
}

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'active/fast both sides: every port collecting and distributing (0x3f both ways) within 3 s of link-up'), async (t) => {
    const { s, t0 } = await lacpBond(board);
    let converged = -1;
    for (let ms = 0; ms <= 3000; ms += 10) {
      await until(s, t0 + ms);
      if ([0, 1].every((i) => (actorState(s, i) & 0x3f) === 0x3f && (partnerState(s, i) & 0x3f) === 0x3f)) {
        converged = ms;
        break;
      }
    }
    t.true(converged >= 2000 && converged <= 2200, `converged after ${converged} ms (the 2 s aggregate wait included)`);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/mii_status'), 'up');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/ad_num_ports'), '2');
    const proc = await s.run('cat /proc/net/bonding/bond0');
    const mac0 = portMac(board, 0); // the system MAC: the bond's, eth0's
    t.regex(proc, /Bonding Mode: IEEE 802\.3ad Dynamic link aggregation\nTransmit Hash Policy: layer2 \(0\)/);
    t.regex(proc, new RegExp(String.raw`\n802\.3ad info\nLACP active: on\nLACP rate: fast\nMin links: 0\nAggregator selection policy \(ad_select\): stable\nSystem priority: 65535\nSystem MAC address: ${mac0}\nActive Aggregator Info:\n\tAggregator ID: 1\n\tNumber of ports: 2\n\tActor Key: 9\n\tPartner Key: 1\n\tPartner Mac Address: 02:00:00:fe:00:00\n`));
    t.regex(proc, new RegExp(String.raw`Slave queue ID: 0\nAggregator ID: 1\nActor Churn State: none\nPartner Churn State: none\nActor Churned Count: 0\nPartner Churned Count: 0\ndetails actor lacp pdu:\n {4}system priority: 65535\n {4}system mac address: ${mac0}\n {4}port key: 9\n {4}port priority: 255\n {4}port number: 1\n {4}port state: 63\ndetails partner lacp pdu:\n {4}system priority: 32768\n {4}system mac address: 02:00:00:fe:00:00\n {4}oper key: 1\n {4}port priority: 32768\n {4}port number: 1\n {4}port state: 63`));
  });

  test(onBoard(board, 'partner timeout: expired after 3 s, defaulted after 6 s (fast); 90 s with the slow rate'), async (t) => {
    const { s, t0 } = await lacpBond(board);
    await until(s, t0 + 5000);
    await s.run('sim lacp eth0 off');
    // current_while was last restarted by the partner's last LACPDU: short timeout, 3 s.
    const lastPdu = mode(s).lacp.ports[0].currentWhile - 3000;
    await until(s, lastPdu + 2999);
    t.is(actorState(s, 0) & STATE_EXPIRED, 0);
    await until(s, lastPdu + 3000);
    t.is(actorState(s, 0) & STATE_EXPIRED, STATE_EXPIRED, 'expired 3 s after the last LACPDU');
    await until(s, lastPdu + 5999);
    t.is(actorState(s, 0) & STATE_DEFAULTED, 0);
    await until(s, lastPdu + 6000);
    t.is(actorState(s, 0) & STATE_DEFAULTED, STATE_DEFAULTED, 'defaulted 6 s after it');
    t.is(actorState(s, 0) & (STATE_SYNCHRONIZATION | STATE_EXPIRED), 0, 'a defaulted port is out of the aggregator');

    // lacp_rate slow: our Timeout bit is long, so current_while runs 90 s.
    const slow = await lacpBond(board, { params: 'lacp_rate=slow' });
    await until(slow.s, slow.t0 + 5000);
    await slow.s.run('sim lacp eth0 off');
    const last2 = mode(slow.s).lacp.ports[0].currentWhile - 90000;
    t.true(last2 <= slow.s.clock.now());
    await until(slow.s, last2 + 89999);
    t.is(actorState(slow.s, 0) & STATE_EXPIRED, 0);
    await until(slow.s, last2 + 90000);
    t.is(actorState(slow.s, 0) & STATE_EXPIRED, STATE_EXPIRED, 'expired 90 s after the last LACPDU');
  });

  test(onBoard(board, 'passive against passive never transmits; passive against active follows the partner'), async (t) => {
    const { s, t0, sent } = await lacpBond(board, { params: 'lacp_rate=fast lacp_active=off', partner: ['sim lacp eth0 passive fast', 'sim lacp eth1 passive fast'] });
    await until(s, t0 + 10000);
    t.is(sent.length, 0);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/lacp_active'), 'off 0');
    await s.run('sim lacp eth0 active fast');
    await until(s, t0 + 13000);
    t.true(sent.filter((x) => x.port === 0).length >= 3);
    t.is(sent.filter((x) => x.port === 1).length, 0);
    t.is(actorState(s, 0) & 0x3f, 0x3e, 'collecting and distributing, passive (no Activity bit)');
  });

  test(onBoard(board, 'different partner systems: separate aggregators, only one active'), async (t) => {
    const { s, t0 } = await lacpBond(board, {
      ports: ['eth0', 'eth1', 'eth2'],
      partner: ['sim lacp eth0 active fast', 'sim lacp eth1 active fast', 'sim lacp eth2 active fast system 02:bb:00:00:00:01'],
    });
    await until(s, t0 + 4000);
    const m = mode(s);
    const ids = m.lacp.ports.map((p) => p.aggregator?.id);
    t.is(ids[0], ids[1]);
    t.not(ids[2], ids[0]);
    t.is(m.lacp.activeAggregator?.id, ids[0], 'the two-port aggregator wins on bandwidth');
    t.is(actorState(s, 2) & 0x30, 0, 'the port of the other aggregator neither collects nor distributes');
    t.is(actorState(s, 2) & STATE_SYNCHRONIZATION, STATE_SYNCHRONIZATION, 'but it is attached (in sync) to its own');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/ad_aggregator'), String(ids[0]));
  });

  test(onBoard(board, 'a link going down leaves the aggregator at once; min_links holds the carrier'), async (t) => {
    const { s, t0 } = await lacpBond(board, { params: 'lacp_rate=fast min_links=2' });
    await until(s, t0 + 3000);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/mii_status'), 'up');
    const bond = s.firmware.net.bond('bond0')!;
    t.deepEqual(bond.usableSlaves.map((x) => x.name), ['eth0', 'eth1']);
    await s.run('sim link eth1 down');
    await until(s, t0 + 3100);
    t.deepEqual(bond.usableSlaves.map((x) => x.name), ['eth0'], 'gone at the monitor round that saw the link drop');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/mii_status'), 'down', 'min_links 2: one port is not enough');
    await s.run('echo 1 > /sys/class/net/bond0/bonding/min_links');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/mii_status'), 'up');
  });

  test(onBoard(board, 'PDU cadence: never more than 3 in any 1 s, never more than 1.2 s apart at the fast rate'), async (t) => {
    const { s, t0, sent } = await lacpBond(board);
    // State churn: the partner flips its key a few times, links bounce.
    await until(s, t0 + 4000);
    for (const k of [5, 6, 7]) {
      await s.run(`sim lacp eth0 active fast key ${k}`);
      await until(s, s.clock.now() + 300);
    }
    await s.run('sim link eth1 down');
    await until(s, s.clock.now() + 500);
    await s.run('sim link eth1 up');
    await until(s, t0 + 20000);
    for (const port of [0, 1]) {
      const times = sent.filter((x) => x.port === port).map((x) => x.time);
      for (let i = 3; i < times.length; i++) t.true(times[i] - times[i - 3] >= 1000, `port ${port}: 4 PDUs within ${times[i] - times[i - 3]} ms`);
      const up = port === 1 ? (x: number) => x < t0 + 4900 || x > t0 + 5600 : () => true;
      for (let i = 1; i < times.length; i++) if (up(times[i]) && up(times[i - 1])) t.true(times[i] - times[i - 1] <= 1200, `port ${port}: ${times[i] - times[i - 1]} ms between PDUs`);
    }
  });

  test(onBoard(board, 'release sends a last PDU without Aggregation and Synchronization; the partner drops the port'), async (t) => {
    const { s, t0, sent } = await lacpBond(board);
    await until(s, t0 + 3000);
    const before = sent.length;
    await s.run('ifenslave -d bond0 eth1');
    const last = sent.slice(before).filter((x) => x.port === 1);
    t.is(last.length, 1);
    t.is(last[0].pdu.actor.state & (STATE_AGGREGATION | STATE_SYNCHRONIZATION), 0);
    await until(s, t0 + 3500);
    t.is(partnerState(s, 1) & 0x30, 0, 'the partner stopped collecting and distributing on it');
  });

  test(onBoard(board, 'a Marker is answered with a Marker Response from the port\'s own MAC'), async (t) => {
    const { s, t0 } = await lacpBond(board);
    await until(s, t0 + 3000);
    const out: Uint8Array[] = [];
    s.hw.world.setCapture({ write: (i: number, _t: number, f: Uint8Array, d: string) => i === 0 && d === 'out' && f[14] === 2 && out.push(f.slice()) } as unknown as Parameters<typeof s.hw.world.setCapture>[0]);
    // Marker Information: requester port 5, system 02:00:00:fe:00:00, transaction 0x01020304.
    const marker = '0180c2000002' + '0200000000fe' + '8809' + '0201' + '0110' + '0005' + '020000fe0000' + '01020304' + '0000' + '0000' + '00'.repeat(90);
    await s.run(`sim inject eth0 ${marker}`);
    await until(s, t0 + 3010);
    t.is(out.length, 1);
    const hex = Buffer.from(out[0]).toString('hex');
    t.is(hex.slice(12, 24), portMac(board, 0).replaceAll(':', ''), 'from eth0\'s MAC');
    t.is(hex.slice(28, 36), '02010210', 'Marker Response TLV, length 16');
    t.is(hex.slice(36, 60), '0005020000fe000001020304', 'the requester\'s information echoed');
  });

  test(onBoard(board, 'every LACPDU the firmware sends decodes in tshark without a malformed or wrong-TLV flag'), async (t) => {
    const { s, t0 } = await lacpBond(board);
    await s.run('sim pcap cap');
    await until(s, t0 + 5000);
    await s.run('sim lacp eth0 off');
    await until(s, t0 + 12000);
    await s.run('ifenslave -d bond0 eth1');
    await s.run('sim pcap off');
    const dir = mkdtempSync(join(tmpdir(), 'bondfw-3ad-'));
    const file = join(dir, 'lacp.pcapng');
    writeFileSync(file, Buffer.concat(s.captures.get('cap')!));
    const r = spawnSync('tshark', ['-r', file, '-Y', 'lacp', '-T', 'fields', '-e', 'lacp.actor.sysid', '-e', 'lacp.actor.state', '-e', '_ws.malformed', '-e', 'lacp.wrong_tlv_type', '-e', 'lacp.wrong_tlv_length', '-e', '_ws.expert'], { encoding: 'utf8' });
    if (r.error) {
      t.log(`tshark not installed (${r.error.message}): Wireshark check skipped`);
      t.pass();
      return;
    }
    t.is(r.status, 0, r.stderr);
    const ours = r.stdout.trim().split('\n').filter((l) => l.startsWith(portMac(board, 0)));
    t.true(ours.length >= 15, `${ours.length} of our LACPDUs`);
    for (const l of ours) t.deepEqual(l.split('\t').slice(2).filter((x) => x !== ''), [], l);
  });

  test(onBoard(board, 'ad_select actor_port_prio: the aggregator with the higher sum of port priorities wins'), async (t) => {
    const { s, t0 } = await lacpBond(board, {
      params: 'lacp_rate=fast ad_select=actor_port_prio',
      ports: ['eth0', 'eth1', 'eth2'],
      partner: ['sim lacp eth0 active fast', 'sim lacp eth1 active fast', 'sim lacp eth2 active fast system 02:bb:00:00:00:01'],
    });
    t.is(await s.run('ip link set eth2 type bond_slave actor_port_prio 1000'), '');
    await until(s, t0 + 4000);
    const m = mode(s);
    t.is(m.lacp.activeAggregator?.id, m.lacp.ports[2].aggregator?.id, 'eth2 alone (1000) beats eth0+eth1 (255+255)');
    t.is(actorState(s, 2) & 0x30, 0x30);
    t.regex(await s.run('cat /proc/net/bonding/bond0'), /Aggregator selection policy \(ad_select\): actor_port_prio/);
    // rtnl_newlink: slave data for a device without a master is EOPNOTSUPP (this used to be a
    // message of our own).
    t.regex(await s.run('ip link set eth3 type bond_slave actor_port_prio 5'), /^error: RTNETLINK answers: Operation not supported \(eth3 is not enslaved to a bond\)/);
  });

  test(onBoard(board, 'coupled_control off (independent control): collecting first, distributing once the partner collects'), async (t) => {
    const s = await bootTest(board);
    for (const l of ['sim lacp eth0 active fast', 'modprobe bonding mode=802.3ad lacp_rate=fast']) await s.run(l);
    t.is(await s.run('ip link set bond0 type bond coupled_control off'), '');
    t.regex(await s.run('ip link set bond0 type bond miimon often'), /^error: bond0: option miimon: invalid value \(often\)/);
    t.regex(await s.run('ip link set bond0 type bond lacp_rate'), /^error: ip link set: bond option 'lacp_rate' needs a value/);
    await s.run('ifconfig bond0 up');
    await s.run('ifenslave bond0 eth0');
    await s.clock.advance(3000);
    const p = mode(s).lacp.ports[0];
    t.is(p.mux, 'distributing');
    t.is(p.actor.state & 0x3f, 0x3f);
    t.is(await s.run('ip link set bond0 type bond coupled_control on'), 'error: bond0: option coupled_control: unable to set because the bond device is up');
  });

  test(onBoard(board, 'actor settings: ad_actor_sys_prio, ad_actor_system and ad_user_port_key reach the LACPDUs'), async (t) => {
    const { s, t0 } = await lacpBond(board, { params: 'lacp_rate=fast ad_actor_sys_prio=100 ad_actor_system=02:11:22:33:44:55 ad_user_port_key=5', ports: ['eth0'], partner: ['sim lacp eth0 active fast'] });
    await until(s, t0 + 3000);
    const proc = await s.run('cat /proc/net/bonding/bond0');
    t.regex(proc, /System priority: 100\nSystem MAC address: 02:11:22:33:44:55/);
    // key = 5 << 6 | 1000 Mb/s (4) << 1 | full duplex = 329
    t.regex(proc, /port key: 329/);
    t.is(await s.run('cat /sys/class/net/bond0/bonding/ad_actor_key'), '329');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/ad_partner_mac'), '02:00:00:fe:00:00');
    t.is(await s.run('cat /sys/class/net/eth0/bonding_slave/ad_actor_oper_port_state'), '63');
  });

  test(onBoard(board, 'random slow-protocol frames on an 802.3ad bond never throw; malformed LACPDUs are counted, not used'), async (t) => {
    const { default: fc } = await import('fast-check');
    const { s, t0 } = await lacpBond(board);
    await until(s, t0 + 3000);
    const m = mode(s);
    const before = m.lacp.ports[0].partner.system.slice();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.constantFrom(1, 2, 3, 10), async (body, subtype) => {
        // dst slow-protocols, src the partner's port MAC, EtherType 0x8809, then random bytes
        // after the subtype (short ones are malformed LACPDUs).
        const frame = Uint8Array.from([1, 0x80, 0xc2, 0, 0, 2, 2, 0, 0, 0xfe, 0, 1, 0x88, 0x09, subtype, ...body.slice(0, Math.min(body.length, 105))]);
        s.hw.world.injectToBoard(0, frame);
        await s.clock.advance(0);
        return s.hw.world.faults === 0;
      }),
      { numRuns: 300 },
    );
    t.true(m.lacp.ports[0].stats.malformed > 0);
    t.deepEqual(m.lacp.ports[0].partner.system, before, 'nothing malformed replaced the partner');
  });
}

// Marvell only: the trunk tables exist on the 88E6xxx family alone. The MediaTek chips have no
// hardware LAG (their 802.3ad bonds forward through the CPU port, which every test above runs
// on sim-mt7531 too).
test('the switch trunk tables follow the aggregator', async (t) => {
  const { s, t0 } = await lacpBond(simGw4);
  await until(s, t0 + 3000);
  t.is(await marvellChip(s).getPortTrunk(0), 1);
  t.is(await marvellChip(s).getPortTrunk(1), 1);
  t.is(await marvellChip(s).readTrunkMapping(1), 0b11);
  await s.run('sim link eth1 down');
  await until(s, t0 + 3200);
  t.is(await marvellChip(s).readTrunkMapping(1), 0b01);
  await s.run('ifenslave -d bond0 eth1');
  await until(s, t0 + 3300);
  t.is(await marvellChip(s).getPortTrunk(1), null);
});
