/**
 * LACP actor and partner state, spelled out bit by bit (IEEE 802.1AX-2020 6.4.2.3,
 * Actor_State / Partner_State), as `Slaves/<port>/LACP/Actor State` carries it.
 */
import {
  STATE_ACTIVITY, STATE_AGGREGATION, STATE_COLLECTING, STATE_DEFAULTED, STATE_DISTRIBUTING,
  STATE_EXPIRED, STATE_SYNCHRONIZATION, STATE_TIMEOUT,
} from '../../firmware/lacp/pdu.ts';

export interface StateBit {
  bit: number;
  /** The standard's name. */
  name: string;
  /** What the bit says, set and clear. */
  set: string;
  clear: string;
}

export const LACP_STATE_BITS: readonly StateBit[] = [
  { bit: STATE_ACTIVITY, name: 'LACP_Activity', set: 'active', clear: 'passive' },
  { bit: STATE_TIMEOUT, name: 'LACP_Timeout', set: 'short timeout', clear: 'long timeout' },
  { bit: STATE_AGGREGATION, name: 'Aggregation', set: 'aggregatable', clear: 'individual' },
  { bit: STATE_SYNCHRONIZATION, name: 'Synchronization', set: 'in sync', clear: 'out of sync' },
  { bit: STATE_COLLECTING, name: 'Collecting', set: 'collecting', clear: 'not collecting' },
  { bit: STATE_DISTRIBUTING, name: 'Distributing', set: 'distributing', clear: 'not distributing' },
  { bit: STATE_DEFAULTED, name: 'Defaulted', set: 'defaulted (no partner PDU)', clear: 'partner info from PDUs' },
  { bit: STATE_EXPIRED, name: 'Expired', set: 'expired', clear: 'not expired' },
];

export function spellState(state: number): { bit: StateBit; on: boolean }[] {
  return LACP_STATE_BITS.map((bit) => ({ bit, on: (state & bit.bit) !== 0 }));
}

export function hex2(v: number): string {
  return `0x${(v & 0xff).toString(16).padStart(2, '0')}`;
}

/** The bits that changed, as `+Name` / `-Name` (empty when none did). */
export function stateDiff(before: number, after: number): string {
  return LACP_STATE_BITS.filter((b) => (before & b.bit) !== (after & b.bit))
    .map((b) => `${after & b.bit ? '+' : '-'}${b.name}`)
    .join(' ');
}

export const isDistributing = (state: number): boolean => (state & STATE_DISTRIBUTING) !== 0;
