/**
 * The per-port MIB counters of an MT7530/MT7531, as Linux's `ethtool -S` lists them
 * (mt7530.c mt7530_mib, mt7530_get_ethtool_stats): each counter is a 32-bit register at
 * MT7530_PORT_MIB_COUNTER(port) + offset, read directly (there is no capture unit); the two
 * 64-bit byte counters are two registers, low word first. Names are Linux's, spelling included
 * ("TxExcessiveCollistion").
 */
import type { PortStat } from '../port-stat.ts';
import { CCR_MIB_ACTIVATE, CCR_MIB_FLUSH, MT7530_MIB_CCR, MT7530_PORT_MIB_COUNTER } from './regs.ts';
import type { Mt7530Mdio } from './window.ts';

export interface MibDesc {
  /** 1: one 32-bit register; 2: a 64-bit counter in two registers. */
  size: 1 | 2;
  offset: number;
  name: string;
}

const mib = (size: 1 | 2, offset: number, name: string): MibDesc => ({ size, offset, name });

/** mt7530.c mt7530_mib, in its order (the order `ethtool -S` prints). */
export const MT7530_MIB: readonly MibDesc[] = [
  mib(1, 0x00, 'TxDrop'),
  mib(1, 0x04, 'TxCrcErr'),
  mib(1, 0x08, 'TxUnicast'),
  mib(1, 0x0c, 'TxMulticast'),
  mib(1, 0x10, 'TxBroadcast'),
  mib(1, 0x14, 'TxCollision'),
  mib(1, 0x18, 'TxSingleCollision'),
  mib(1, 0x1c, 'TxMultipleCollision'),
  mib(1, 0x20, 'TxDeferred'),
  mib(1, 0x24, 'TxLateCollision'),
  mib(1, 0x28, 'TxExcessiveCollistion'),
  mib(1, 0x2c, 'TxPause'),
  mib(1, 0x30, 'TxPktSz64'),
  mib(1, 0x34, 'TxPktSz65To127'),
  mib(1, 0x38, 'TxPktSz128To255'),
  mib(1, 0x3c, 'TxPktSz256To511'),
  mib(1, 0x40, 'TxPktSz512To1023'),
  mib(1, 0x44, 'Tx1024ToMax'),
  mib(2, 0x48, 'TxBytes'),
  mib(1, 0x60, 'RxDrop'),
  mib(1, 0x64, 'RxFiltering'),
  mib(1, 0x68, 'RxUnicast'),
  mib(1, 0x6c, 'RxMulticast'),
  mib(1, 0x70, 'RxBroadcast'),
  mib(1, 0x74, 'RxAlignErr'),
  mib(1, 0x78, 'RxCrcErr'),
  mib(1, 0x7c, 'RxUnderSizeErr'),
  mib(1, 0x80, 'RxFragErr'),
  mib(1, 0x84, 'RxOverSzErr'),
  mib(1, 0x88, 'RxJabberErr'),
  mib(1, 0x8c, 'RxPause'),
  mib(1, 0x90, 'RxPktSz64'),
  mib(1, 0x94, 'RxPktSz65To127'),
  mib(1, 0x98, 'RxPktSz128To255'),
  mib(1, 0x9c, 'RxPktSz256To511'),
  mib(1, 0xa0, 'RxPktSz512To1023'),
  mib(1, 0xa4, 'RxPktSz1024ToMax'),
  mib(2, 0xa8, 'RxBytes'),
  mib(1, 0xb0, 'RxCtrlDrop'),
  mib(1, 0xb4, 'RxIngressDrop'),
  mib(1, 0xb8, 'RxArlDrop'),
];

/** Registers read per counter batch on a bus with a program limit (a bridge runs one program at a time). */
const STATS_BATCH_READS = 48;

/** mt7530_mib_reset: CCR_MIB_FLUSH, then CCR_MIB_ACTIVATE, in one round trip. */
export async function resetMib(regs: Mt7530Mdio): Promise<void> {
  const b = regs.batch();
  b.write(MT7530_MIB_CCR, CCR_MIB_FLUSH);
  b.write(MT7530_MIB_CCR, CCR_MIB_ACTIVATE);
  await regs.run(b);
}

/**
 * Every counter of `port` in table order, in as few round trips as the bus allows (one on a
 * bus without a program limit). Like Linux, the two halves of a 64-bit counter are separate
 * reads (the chip latches nothing between them).
 */
export async function readMib(regs: Mt7530Mdio, port: number): Promise<PortStat[]> {
  const base = MT7530_PORT_MIB_COUNTER(port);
  const addrs: number[] = [];
  for (const d of MT7530_MIB) for (let w = 0; w < d.size; w++) addrs.push(base + d.offset + 4 * w);
  const limit = regs.bus.maxBatchOps;
  // A read costs 2 MDIO operations, plus a page write when the page changes.
  const perBatch = limit === undefined ? addrs.length : Math.max(1, Math.min(STATS_BATCH_READS, Math.floor(limit / 3)));
  const words: number[] = [];
  for (let i = 0; i < addrs.length; i += perBatch) {
    const b = regs.batch();
    const idx = addrs.slice(i, i + perBatch).map((a) => b.read(a));
    const v = await regs.run(b);
    for (const k of idx) words.push(v[k]);
  }
  let w = 0;
  return MT7530_MIB.map((d) => {
    const low = words[w++];
    const value = d.size === 2 ? low + words[w++] * 2 ** 32 : low;
    return { name: d.name, value };
  });
}
