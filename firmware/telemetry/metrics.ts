/**
 * The metrics of the Sparkplug B contract (spec/telemetry.md), read from the running
 * firmware: the node's (ports, properties) and one set per bond (a Sparkplug device).
 */
import { Mode8023ad } from '../bonding/bond3ad.ts';
import { usesPrimary, type Bond } from '../bonding/bond.ts';
import { BOND_OPTIONS, formatOption, modeName } from '../bonding/options.ts';
import { carrierWord } from '../net/netdev.ts';
import { formatMac } from '../../lib/addr.ts';
import type { NetStack } from '../net/stack.ts';
import type { DataTypeName, MetricValue } from './sparkplug.ts';

export interface MetricDef {
  type: DataTypeName;
  value: MetricValue;
}

export type MetricSet = Map<string, MetricDef>;

/** Counters: published on the telemetry period, not on every change. */
export function isCounter(name: string): boolean {
  // Remote-command counters too: a flood of bad commands must not become a flood of NDATA.
  return name.endsWith('/TX Frames') || name.endsWith('/RX Frames') || name.startsWith('Remote Commands/');
}

export function nodeMetrics(stack: NetStack, info: { firmwareVersion: string; board: string }): MetricSet {
  const m: MetricSet = new Map();
  m.set('Properties/Firmware Version', { type: 'String', value: info.firmwareVersion });
  m.set('Properties/Board', { type: 'String', value: info.board });
  for (const p of stack.ports) {
    m.set(`Ports/${p.name}/Link`, { type: 'Boolean', value: p.carrier });
    // up, down, or unknown while the switch cannot be reached (Link is then false).
    m.set(`Ports/${p.name}/Carrier`, { type: 'String', value: carrierWord(p) });
    m.set(`Ports/${p.name}/Speed`, { type: 'UInt32', value: p.speed > 0 ? p.speed : 0 });
    m.set(`Ports/${p.name}/Duplex`, { type: 'String', value: p.duplex });
    m.set(`Ports/${p.name}/TX Frames`, { type: 'UInt64', value: p.counters.txPackets });
    m.set(`Ports/${p.name}/RX Frames`, { type: 'UInt64', value: p.counters.rxPackets });
  }
  return m;
}

/** Every bond option, as Config/<option> (the text `cat` prints); max_bonds belongs to the module. */
export const CONFIG_OPTIONS: readonly string[] = BOND_OPTIONS.filter((o) => o.name !== 'max_bonds' && !o.slave).map((o) => o.name);

export function bondMetrics(bond: Bond): MetricSet {
  const m: MetricSet = new Map();
  m.set('Mode', { type: 'String', value: modeName(bond.opts.mode) });
  m.set('MII Status', { type: 'String', value: bond.carrier ? 'up' : 'down' });
  m.set('Active Slave', { type: 'String', value: usesPrimary(bond.opts.mode) ? (bond.currActiveSlave?.name ?? '') : '' });
  m.set('Slaves', { type: 'String', value: bond.slaves.map((s) => s.name).join(' ') });
  m.set('Failover Count', { type: 'UInt32', value: bond.failoverCount });
  for (const s of bond.slaves) {
    m.set(`Slaves/${s.name}/MII Status`, { type: 'String', value: s.miiStatus });
    m.set(`Slaves/${s.name}/Link Failure Count`, { type: 'UInt32', value: s.linkFailureCount });
    m.set(`Slaves/${s.name}/Speed`, { type: 'UInt32', value: s.speed > 0 ? s.speed : 0 });
  }
  const ext = bond.modeExtension;
  if (ext instanceof Mode8023ad) {
    const agg = ext.lacp.activeAggregator;
    m.set('LACP/Active Aggregator', { type: 'UInt32', value: agg?.id ?? 0 });
    m.set('LACP/Number of Ports', { type: 'UInt32', value: agg?.ports.length ?? 0 });
    m.set('LACP/Partner System', { type: 'String', value: agg ? formatMac(agg.partnerSystem) : '' });
    for (const s of bond.slaves) {
      const p = ext.port(s);
      if (!p) continue;
      m.set(`Slaves/${s.name}/LACP/Actor State`, { type: 'UInt8', value: p.actor.state });
      m.set(`Slaves/${s.name}/LACP/Partner State`, { type: 'UInt8', value: p.partner.state });
    }
  }
  for (const o of CONFIG_OPTIONS) m.set(`Config/${o}`, { type: 'String', value: formatOption(bond.opts, o, bond) });
  return m;
}

/** The entries of `next` whose value differs from `prev` (new names included). */
export function changed(prev: MetricSet | undefined, next: MetricSet, filter: (name: string) => boolean): [string, MetricDef][] {
  const out: [string, MetricDef][] = [];
  for (const [name, def] of next) {
    if (!filter(name)) continue;
    const old = prev?.get(name);
    if (!old || old.value !== def.value) out.push([name, def]);
  }
  return out;
}

/** What the node says of its own security: the remote-command role, the last audit entry, the remote-command counters. */
export interface SecurityInfo {
  remoteCommands: string;
  auditLast: string;
  remote: { received: number; badCommands: number; rateLimited: number; denied: number };
}

export function securityMetrics(info: SecurityInfo): MetricSet {
  const m: MetricSet = new Map();
  m.set('Properties/Remote Commands', { type: 'String', value: info.remoteCommands });
  m.set('Audit/Last', { type: 'String', value: info.auditLast });
  m.set('Remote Commands/Received', { type: 'UInt64', value: info.remote.received });
  m.set('Remote Commands/Bad', { type: 'UInt64', value: info.remote.badCommands });
  m.set('Remote Commands/Rate Limited', { type: 'UInt64', value: info.remote.rateLimited });
  m.set('Remote Commands/Refused', { type: 'UInt64', value: info.remote.denied });
  return m;
}
