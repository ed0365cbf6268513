/**
 * What the views show of a node, read from its metrics by name (spec/telemetry.md): ports
 * with the bond that uses each and its role there, bonds with their slaves and LACP. Every
 * read checks the value's type, so a node that publishes odd values shows blanks, not errors.
 */
import type { Metric, MetricValue } from '../../firmware/telemetry/sparkplug.ts';
import type { DeviceState, NodeState } from './host.ts';
import { isDistributing } from './lacp-state.ts';

type Metrics = ReadonlyMap<string, Metric>;

export const str = (m: Metrics, name: string): string | undefined => {
  const v = m.get(name)?.value;
  return typeof v === 'string' ? v : undefined;
};
export const num = (m: Metrics, name: string): number | undefined => {
  const v = m.get(name)?.value;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};
export const bool = (m: Metrics, name: string): boolean | undefined => {
  const v = m.get(name)?.value;
  return typeof v === 'boolean' ? v : undefined;
};

/** What a port does in its bond. */
export type PortRole = 'active' | 'backup' | 'distributing' | 'not distributing' | 'member' | 'down';

export interface SlaveView {
  name: string;
  miiStatus: string | undefined;
  linkFailureCount: number | undefined;
  speed: number | undefined;
  role: PortRole;
  actorState: number | undefined;
  partnerState: number | undefined;
}

export interface BondView {
  name: string;
  online: boolean;
  since: number;
  mode: string | undefined;
  miiStatus: string | undefined;
  activeSlave: string | undefined;
  failoverCount: number | undefined;
  slaves: SlaveView[];
  lacp: { aggregator: number | undefined; ports: number | undefined; partnerSystem: string | undefined } | undefined;
  config: [string, string][];
}

export interface PortView {
  name: string;
  link: boolean | undefined;
  speed: number | undefined;
  duplex: string | undefined;
  bond: string | undefined;
  role: PortRole | undefined;
}

/** Modes whose `Active Slave` is the one port in use (Linux's bond_uses_primary). */
const ACTIVE_BACKUP = 'active-backup';
const USES_ACTIVE = new Set(['active-backup', 'balance-tlb', 'balance-alb']);

function slaveRole(mode: string | undefined, active: string | undefined, name: string, mii: string | undefined, actor: number | undefined): PortRole {
  if (mii !== undefined && mii !== 'up') return 'down';
  if (mode === '802.3ad') return actor !== undefined && isDistributing(actor) ? 'distributing' : 'not distributing';
  if (mode && USES_ACTIVE.has(mode)) return active === name ? 'active' : mode === ACTIVE_BACKUP ? 'backup' : 'member';
  return 'member';
}

export function bondView(d: DeviceState): BondView {
  const m = d.metrics;
  const mode = str(m, 'Mode');
  const active = str(m, 'Active Slave') || undefined;
  const listed = (str(m, 'Slaves') ?? '').split(' ').filter(Boolean);
  // A slave named only by its metrics still shows.
  for (const name of m.keys()) {
    const s = /^Slaves\/(.+)\/MII Status$/.exec(name);
    if (s && !listed.includes(s[1])) listed.push(s[1]);
  }
  const slaves = listed.map((name): SlaveView => {
    const mii = str(m, `Slaves/${name}/MII Status`);
    const actor = num(m, `Slaves/${name}/LACP/Actor State`);
    return {
      name, miiStatus: mii, linkFailureCount: num(m, `Slaves/${name}/Link Failure Count`), speed: num(m, `Slaves/${name}/Speed`),
      role: slaveRole(mode, active, name, mii, actor), actorState: actor, partnerState: num(m, `Slaves/${name}/LACP/Partner State`),
    };
  });
  const hasLacp = m.has('LACP/Active Aggregator') || m.has('LACP/Partner System');
  return {
    name: d.id, online: d.online, since: d.since, mode, miiStatus: str(m, 'MII Status'), activeSlave: active,
    failoverCount: num(m, 'Failover Count'), slaves,
    lacp: hasLacp ? { aggregator: num(m, 'LACP/Active Aggregator'), ports: num(m, 'LACP/Number of Ports'), partnerSystem: str(m, 'LACP/Partner System') || undefined } : undefined,
    config: [...m.entries()].filter(([n, v]) => n.startsWith('Config/') && typeof v.value === 'string').map(([n, v]) => [n.slice('Config/'.length), v.value as string]),
  };
}

export function bondViews(node: NodeState): BondView[] {
  return [...node.devices.values()].map(bondView).sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

/** The front panel: the node's ports in birth order, each with its bond and role. */
export function portViews(node: NodeState, bonds: readonly BondView[] = bondViews(node)): PortView[] {
  const names: string[] = [];
  for (const name of node.metrics.keys()) {
    const p = /^Ports\/(.+)\/Link$/.exec(name);
    if (p) names.push(p[1]);
  }
  return names.map((name) => {
    const m = node.metrics;
    const bond = bonds.find((b) => b.online && b.slaves.some((s) => s.name === name));
    return {
      // Carrier "unknown": the gateway cannot reach its switch, so the link is not known either way.
      name, link: str(m, `Ports/${name}/Carrier`) === 'unknown' ? undefined : bool(m, `Ports/${name}/Link`), speed: num(m, `Ports/${name}/Speed`), duplex: str(m, `Ports/${name}/Duplex`),
      bond: bond?.name, role: bond?.slaves.find((s) => s.name === name)?.role,
    };
  });
}

/**
 * Whether the gateway takes console lines by NCMD: `Properties/Remote Commands` says what
 * remote commands may do; without it (older firmware) the box shows.
 */
export function acceptsCommands(node: NodeState): boolean {
  const v = str(node.metrics, 'Properties/Remote Commands');
  return v === undefined || (v !== 'read' && v !== 'none');
}

/** A metric value as text, for the all-metrics table. */
export function formatValue(v: MetricValue): string {
  if (v === null) return '(null)';
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  return typeof v === 'string' ? v : String(v);
}
