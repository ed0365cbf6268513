/**
 * The data-plane matrix, single partner switch: every mode carries a stream of numbered
 * frames through the default boot (serial bridge, switch emulator, partner, hosts that echo),
 * and the stream is counted per flow through cable pulls and returns, a slave enslaved and
 * one released, a partner that stops forwarding (ARP monitor) and an LACP partner that goes
 * silent. What each mode may lose is bounded by what detects the event (stated below); the
 * rest is exact: no loss in steady state, no duplicates but in broadcast, no reordering
 * within a flow in xor, 802.3ad, tlb and alb, no frame on an 802.3ad port that is not
 * distributing, and no MAC move on the partner where the partner aggregates the links.
 */
import test from 'ava';
import { ALB_LEARN_MS, BUS_MS, MII_DETECT_MS, RLB_UPDATE_MS, dataplane, framesIn, modeMatrix, type ModeCase } from './helpers/dataplane.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';

const staticLag = ['sim lag eth0 eth1 static'];
const staticLag3 = ['sim lag eth0 eth1 eth2 static'];
const lacp3 = ['sim lacp eth0 active fast', 'sim lacp eth1 active fast', 'sim lacp eth2 active fast'];

const CASES: Record<string, ModeCase> = {
  'balance-rr': {
    params: 'mode=balance-rr miimon=100', partner: staticLag, partnerWithEth2: staticLag3,
    steady: 'spread', inOrder: false, noMacMoves: true, pullMs: MII_DETECT_MS, returnMs: 0, releaseMs: BUS_MS,
  },
  'active-backup': {
    params: 'mode=active-backup miimon=100',
    steady: 'first', inOrder: false, noMacMoves: false, pullMs: MII_DETECT_MS, returnMs: 0, releaseMs: BUS_MS,
  },
  'balance-xor': {
    params: 'mode=balance-xor miimon=100 xmit_hash_policy=layer3+4', partner: staticLag, partnerWithEth2: staticLag3,
    steady: 'spread', inOrder: true, noMacMoves: true, pullMs: MII_DETECT_MS, returnMs: 0, releaseMs: BUS_MS,
  },
  broadcast: {
    params: 'mode=broadcast miimon=100',
    steady: 'broadcast', inOrder: false, noMacMoves: false, pullMs: 0, returnMs: 0, releaseMs: 0,
  },
  '802.3ad': {
    params: 'mode=802.3ad miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4', partner: lacp3,
    steady: 'spread', inOrder: true, noMacMoves: true, pullMs: MII_DETECT_MS, returnMs: 0, releaseMs: BUS_MS,
  },
  'balance-tlb': {
    params: 'mode=balance-tlb miimon=100',
    steady: 'first', inOrder: true, noMacMoves: false, pullMs: MII_DETECT_MS, returnMs: 0, releaseMs: BUS_MS,
  },
  'balance-alb': {
    params: 'mode=balance-alb miimon=100',
    steady: 'first', inOrder: true, noMacMoves: false, pullMs: MII_DETECT_MS + RLB_UPDATE_MS, returnMs: ALB_LEARN_MS, releaseMs: RLB_UPDATE_MS,
  },
};

// Every case on each switch-chip family's board: the same bounds hold whether the chip offloads
// the LAG (Marvell trunks) or the bond's frames all cross the CPU port (MediaTek).
for (const board of SCENARIO_BOARDS) {
  for (const [mode, c] of Object.entries(CASES)) {
    test.serial(onBoard(board, `${mode}: a stream crosses steady state, cable pulls and returns, a slave enslaved and one released`), (t) => modeMatrix(t, mode, c, board));
  }
}

/**
 * The ARP monitor (Linux bond_ab_arp_inspect / bond_loadbalance_arp_mon): a slave whose
 * partner stops forwarding is down once it has heard nothing for arp_missed_max (2)
 * intervals, judged at an interval's round: at most (arp_missed_max + 2) intervals.
 */
const ARP_INTERVAL_MS = 100;
const ARP_DETECT_MS = (2 + 2) * ARP_INTERVAL_MS + BUS_MS;

for (const board of SCENARIO_BOARDS)
for (const [mode, partner] of [['active-backup', []], ['balance-rr', staticLag], ['balance-xor', staticLag]] as const) {
  test.serial(onBoard(board, `${mode} with the ARP monitor: the partner drops frames on a live link, then forwards again`), async (t) => {
    const b = await dataplane(t, {
      board,
      params: `mode=${mode} arp_interval=${ARP_INTERVAL_MS} arp_ip_target=192.168.1.100 arp_validate=${mode === 'active-backup' ? 'active' : 'none'} xmit_hash_policy=layer3+4`,
      slaves: ['eth0', 'eth1'],
      partner: [...partner],
    });
    const steady = await b.phase('steady state', []);
    t.is(steady.lost, 0);
    const drop = await b.phase('partner drops on eth0', ['sim peer eth0 drop'], 1500);
    t.true(drop.lost > 0, 'the MII monitor alone would not see this: frames are lost until the ARP monitor acts');
    t.true(drop.lost <= framesIn(ARP_DETECT_MS), `lost ${drop.lost}, bound ${framesIn(ARP_DETECT_MS)} (${ARP_DETECT_MS} ms)`);
    t.is(drop.duplicated, 0);
    t.is(await b.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'down');
    const after = await b.phase('after the failover', []);
    t.is(after.lost, 0, 'nothing lost once the slave is out');
    t.is(after.ports.eth0, 0);
    const back = await b.phase('partner forwards again', ['sim peer eth0 forward'], 2000);
    t.is(back.lost, 0);
    t.is(await b.run('cat /sys/class/net/eth0/bonding_slave/mii_status'), 'up');
    if (mode === 'balance-xor') t.is(back.reordered, 0);
    t.deepEqual(b.violations, []);
    if (mode !== 'active-backup') t.is(b.macMoves(), 0);
  });
}

for (const board of SCENARIO_BOARDS)
test.serial(
  onBoard(board, `802.3ad: the LACP partner goes silent on one port; ours leaves distribution after the short timeout, ${board.switch.driver === 'mv88e6xxx' ? 'nothing lost' : 'the echoes the partner still sends there dropped'}`),
  async (t) => {
  const b = await dataplane(t, { params: CASES['802.3ad'].params, slaves: ['eth0', 'eth1'], partner: lacp3, board });
  const before = await b.phase('steady state', []);
  t.true(before.ports.eth0 > 0 && before.ports.eth1 > 0);
  // The partner's control plane hangs on eth0: no more LACPDUs, its aggregation unchanged.
  // Ours expires the partner's information 3 s (short timeout, lacp_rate=fast) after its last
  // LACPDU, which came at most 1 s before it went silent: eth0 then stops distributing.
  await b.run('sim stream start bond0 rate 1000 flows 16');
  await b.run('sim wait 500ms');
  await b.run('sim lacp eth0 silent');
  await b.run('sim wait 1900ms');
  t.regex(await b.run('cat /sys/class/net/eth0/bonding_slave/ad_actor_oper_port_state'), /^63$/, 'still in sync before 2 s');
  await b.run('sim wait 1200ms');
  t.not(Number(await b.run('cat /sys/class/net/eth0/bonding_slave/ad_actor_oper_port_state')) & 0x20, 0x20, 'no longer distributing 3 s after silence');
  const mid = (await b.run('sim stream')).split('\n');
  await b.run('sim wait 2000ms');
  const end = await b.run('sim stream stop');
  const counts = end.split('\n');
  if (b.s.board.chip.lag) {
    t.is(counts[0].replace(/sent \d+ received \d+ /, ''), 'lost 0 duplicated 0 reordered 0', end);
  } else {
    // Marvell-only above: its trunk tables hand the echoes the silent partner still sends on
    // eth0 to the bond as the LAG's. Without hardware LAG (MediaTek) they arrive on eth0
    // itself, which has left the aggregator, and bonding drops them as Linux does on a NIC
    // with no LAG offload (bond_should_deliver_exact_match): the partner's loss, not ours.
    t.regex(counts[0], /lost [1-9]\d* duplicated 0 reordered 0$/, end);
    t.true(b.s.board.port('eth0')!.counters.rxPackets > 0, 'the lost echoes did reach eth0');
  }
  // No stream frame left on eth0 after it stopped distributing.
  t.is(counts[1], mid[1], 'eth0 carried nothing more after it left distribution');
  t.deepEqual(b.violations, []);
  t.is(b.macMoves(), 0);
  },
);
