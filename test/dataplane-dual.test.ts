/**
 * The data-plane matrix on two partner switches joined by an inter-switch link (HOWTO 11.2):
 * eth0 and eth2 on one switch, eth1 on the other, half of the hosts behind each. The modes
 * that make sense without one switch aggregating the links: active-backup, balance-tlb,
 * balance-alb, and 802.3ad, where each switch forms its own aggregator and the bond uses one
 * of them (Linux's ad_select). Bounds as in dataplane-single.test.ts.
 *
 * Not here: balance-rr and balance-xor need the links aggregated on one switch; broadcast
 * sends the bond's address into both switches at once, so each learns it on the
 * inter-switch link from the other's flood and answers die between them (a real pair of
 * switches does the same: this is why HOWTO 11.2 uses active-backup).
 */
import test from 'ava';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import { ALB_LEARN_MS, BUS_MS, MII_DETECT_MS, RLB_UPDATE_MS, modeMatrix, type ModeCase } from './helpers/dataplane.ts';

const CASES: Record<string, ModeCase> = {
  'active-backup': {
    params: 'mode=active-backup miimon=100', topology: 'dual',
    steady: 'first', inOrder: false, noMacMoves: false, pullMs: MII_DETECT_MS, returnMs: 0, releaseMs: BUS_MS,
  },
  '802.3ad': {
    // Two aggregators, one per switch: the one with eth0 (selected first, ad_select=stable)
    // carries everything; a pull moves the traffic to the other switch's aggregator.
    params: 'mode=802.3ad miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4', topology: 'dual',
    partner: ['sim lacp eth0 active fast', 'sim lacp eth1 active fast', 'sim lacp eth2 active fast'],
    steady: 'first', inOrder: true, noMacMoves: false, pullMs: MII_DETECT_MS, returnMs: 0, releaseMs: BUS_MS,
  },
  'balance-tlb': {
    params: 'mode=balance-tlb miimon=100', topology: 'dual',
    steady: 'first', inOrder: true, noMacMoves: false, pullMs: MII_DETECT_MS, returnMs: 0, releaseMs: BUS_MS,
  },
  'balance-alb': {
    params: 'mode=balance-alb miimon=100', topology: 'dual',
    steady: 'first', inOrder: true, noMacMoves: false, pullMs: MII_DETECT_MS + RLB_UPDATE_MS, returnMs: ALB_LEARN_MS, releaseMs: RLB_UPDATE_MS,
  },
};

for (const [mode, c] of Object.entries(CASES)) {
  for (const board of SCENARIO_BOARDS) {
    test.serial(onBoard(board, `dual switches, ${mode}: a stream crosses steady state, cable pulls and returns, a slave enslaved and one released`), (t) => modeMatrix(t, mode, c, board));
  }
}
