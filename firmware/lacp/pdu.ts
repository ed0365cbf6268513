/**
 * LACPDU codec (IEEE 802.1AX-2020 6.4.2, Figure 6-7): 110 bytes of PDU after the 14-byte
 * Ethernet header, sent to the Slow_Protocols_Multicast address with EtherType 0x8809,
 * subtype 1, version 1. Pure: no timers, no state; decoding fills a reusable object and
 * encoding writes into a caller's buffer, so the per-port machines allocate nothing.
 */
import { ETHERTYPE_SLOW, SLOW_PROTOCOLS_MAC } from '../net/packets.ts';

/** 802.3 Annex 57A: Slow_Protocols subtypes. */
export const SUBTYPE_LACP = 0x01;
export const SUBTYPE_MARKER = 0x02;
/** 802.1AX-2020 6.4.2.3: the TLV types and lengths of version 1. */
export const TLV_ACTOR = 0x01;
export const TLV_PARTNER = 0x02;
export const TLV_COLLECTOR = 0x03;
export const TLV_TERMINATOR = 0x00;
export const INFO_TLV_LENGTH = 20;
export const COLLECTOR_TLV_LENGTH = 16;
/** PDU bytes after the Ethernet header, and the whole frame without FCS. */
export const LACPDU_LENGTH = 110;
export const LACPDU_FRAME_LENGTH = 14 + LACPDU_LENGTH;

/** 802.1AX-2020 6.4.2.3 Actor_State / Partner_State bits. */
export const STATE_ACTIVITY = 0x01;
export const STATE_TIMEOUT = 0x02; // 1 = short timeout
export const STATE_AGGREGATION = 0x04;
export const STATE_SYNCHRONIZATION = 0x08;
export const STATE_COLLECTING = 0x10;
export const STATE_DISTRIBUTING = 0x20;
export const STATE_DEFAULTED = 0x40;
export const STATE_EXPIRED = 0x80;

/** One side's information in a LACPDU (actor or partner TLV). */
export class LacpInfo {
  systemPriority = 0;
  /** 6-byte system ID (a MAC address). */
  readonly system = new Uint8Array(6);
  key = 0;
  portPriority = 0;
  port = 0;
  state = 0;

  copyFrom(o: LacpInfo): void {
    this.systemPriority = o.systemPriority;
    this.system.set(o.system);
    this.key = o.key;
    this.portPriority = o.portPriority;
    this.port = o.port;
    this.state = o.state;
  }

  /** Same system, key, port and priorities (the state byte aside). */
  sameIdentity(o: LacpInfo): boolean {
    if (this.systemPriority !== o.systemPriority || this.key !== o.key || this.portPriority !== o.portPriority || this.port !== o.port) return false;
    for (let i = 0; i < 6; i++) if (this.system[i] !== o.system[i]) return false;
    return true;
  }
}

export class Lacpdu {
  version = 1;
  readonly actor = new LacpInfo();
  readonly partner = new LacpInfo();
  collectorMaxDelay = 0;
}

/** Why a frame was not accepted as a LACPDU (for drop counters). */
export type LacpduError = 'not-lacp' | 'short' | 'actor-tlv' | 'partner-tlv';

function readInfo(f: Uint8Array, o: number, info: LacpInfo): void {
  info.systemPriority = (f[o + 2] << 8) | f[o + 3];
  info.system.set(f.subarray(o + 4, o + 10));
  info.key = (f[o + 10] << 8) | f[o + 11];
  info.portPriority = (f[o + 12] << 8) | f[o + 13];
  info.port = (f[o + 14] << 8) | f[o + 15];
  info.state = f[o + 16];
}

function writeInfo(f: Uint8Array, o: number, type: number, info: LacpInfo): void {
  f[o] = type;
  f[o + 1] = INFO_TLV_LENGTH;
  f[o + 2] = info.systemPriority >> 8;
  f[o + 3] = info.systemPriority & 255;
  f.set(info.system, o + 4);
  f[o + 10] = info.key >> 8;
  f[o + 11] = info.key & 255;
  f[o + 12] = info.portPriority >> 8;
  f[o + 13] = info.portPriority & 255;
  f[o + 14] = info.port >> 8;
  f[o + 15] = info.port & 255;
  f[o + 16] = info.state;
  f[o + 17] = 0;
  f[o + 18] = 0;
  f[o + 19] = 0;
}

/**
 * Decodes an untagged Ethernet frame into `out`. Accepts what real equipment sends: any
 * version, frames longer than 124 bytes, and anything after the partner TLV (802.1AX-2020
 * 6.4.2.3: later versions may add TLVs). Returns undefined on success or why it was refused.
 */
export function decodeLacpdu(frame: Uint8Array, length: number, out: Lacpdu): LacpduError | undefined {
  if (length < 15 || frame[12] !== ETHERTYPE_SLOW >> 8 || frame[13] !== (ETHERTYPE_SLOW & 255) || frame[14] !== SUBTYPE_LACP) return 'not-lacp';
  if (length < LACPDU_FRAME_LENGTH) return 'short';
  if (frame[16] !== TLV_ACTOR || frame[17] !== INFO_TLV_LENGTH) return 'actor-tlv';
  if (frame[36] !== TLV_PARTNER || frame[37] !== INFO_TLV_LENGTH) return 'partner-tlv';
  out.version = frame[15];
  readInfo(frame, 16, out.actor);
  readInfo(frame, 36, out.partner);
  out.collectorMaxDelay = frame[56] === TLV_COLLECTOR && frame[57] === COLLECTOR_TLV_LENGTH ? (frame[58] << 8) | frame[59] : 0;
  return undefined;
}

/**
 * Writes a complete LACPDU frame (124 bytes, no FCS) into `out` from `src` (the port's own
 * MAC); returns the length. Reserved fields and padding are zero.
 */
export function encodeLacpdu(out: Uint8Array, src: Uint8Array, pdu: Lacpdu): number {
  out.fill(0, 0, LACPDU_FRAME_LENGTH);
  out.set(SLOW_PROTOCOLS_MAC, 0);
  out.set(src.subarray(0, 6), 6);
  out[12] = ETHERTYPE_SLOW >> 8;
  out[13] = ETHERTYPE_SLOW & 255;
  out[14] = SUBTYPE_LACP;
  out[15] = 1; // version
  writeInfo(out, 16, TLV_ACTOR, pdu.actor);
  writeInfo(out, 36, TLV_PARTNER, pdu.partner);
  out[56] = TLV_COLLECTOR;
  out[57] = COLLECTOR_TLV_LENGTH;
  out[58] = pdu.collectorMaxDelay >> 8;
  out[59] = pdu.collectorMaxDelay & 255;
  out[72] = TLV_TERMINATOR; // terminator TLV (type 0, length 0), then 50 reserved bytes
  return LACPDU_FRAME_LENGTH;
}
