/**
 * Native commands beyond the HOWTO's: `show bonds`, `show bond <name>` (with its LACP state),
 * and raw register access (`mdio`, `switch`). Every `show` has a JSON form from the same data.
 */
import { UsageError } from '../../lib/errors.ts';
import type { Board } from '../../hal/board.ts';
import { Mode8023ad } from '../bonding/bond3ad.ts';
import { usesPrimary, type Bond } from '../bonding/bond.ts';
import { formatOption, modeLongName, modeName, modeNumber } from '../bonding/options.ts';
import { formatMac } from '../../lib/addr.ts';
import type { NetStack } from '../net/stack.ts';
import { printable } from './dispatcher.ts';
import { table } from './system-commands.ts';

/** LACP state bits by name (802.1AX-2020 6.4.2.3), lowest bit first. */
const LACP_BITS = ['activity', 'timeout', 'aggregation', 'sync', 'collecting', 'distributing', 'defaulted', 'expired'];

export function lacpStateText(state: number): string {
  const on = LACP_BITS.filter((_, i) => state & (1 << i));
  return `0x${state.toString(16).padStart(2, '0')}${on.length ? ` (${on.join(',')})` : ''}`;
}

export interface BondSummary {
  name: string;
  mode: string;
  miiStatus: 'up' | 'down';
  adminUp: boolean;
  activeSlave: string | null;
  slaves: string[];
  usable: string[];
  failoverCount: number;
}

export interface SlaveDetail {
  name: string;
  miiStatus: string;
  state: 'active' | 'backup';
  speed: number | null;
  duplex: string;
  linkFailureCount: number;
  permanentMac: string;
  txFrames: number;
  rxFrames: number;
  lacp?: { aggregatorId: number | null; actorState: number; partnerState: number; partnerSystem: string; mux: string; rx: string; lacpduTx: number; lacpduRx: number; malformed: number };
}

export interface BondDetail extends BondSummary {
  mac: string;
  options: Record<string, string>;
  primary: string | null;
  monitor: string;
  slaveDetails: SlaveDetail[];
  lacp?: { activeAggregator: number | null; ports: number; partnerSystem: string | null };
  /** 802.3ad: the switch LAG carrying the bond's switched traffic, or null without hardware LAG. */
  switchLag?: { id: number | null; ports: string[] } | null;
}

function summary(b: Bond): BondSummary {
  return {
    name: b.name,
    mode: modeName(b.opts.mode),
    miiStatus: b.carrier ? 'up' : 'down',
    adminUp: b.adminUp,
    activeSlave: usesPrimary(b.opts.mode) ? (b.currActiveSlave?.name ?? null) : null,
    slaves: b.slaves.map((s) => s.name),
    usable: b.slaves.filter((s) => s.canTx).map((s) => s.name),
    failoverCount: b.failoverCount,
  };
}

function detail(b: Bond, stack: NetStack): BondDetail {
  const m = b.modeExtension instanceof Mode8023ad ? b.modeExtension : undefined;
  const options: Record<string, string> = {};
  for (const o of ['xmit_hash_policy', 'miimon', 'updelay', 'downdelay', 'use_carrier', 'arp_interval', 'arp_ip_target', 'arp_validate', 'primary_reselect', 'fail_over_mac', 'lacp_rate', 'ad_select', 'min_links']) {
    options[o] = formatOption(b.opts, o);
  }
  const agg = m?.lacp.activeAggregator;
  return {
    ...summary(b),
    mac: formatMac(b.mac),
    options,
    primary: b.primarySlave?.name ?? null,
    monitor: b.opts.miimon ? `mii every ${b.opts.miimon} ms` : b.opts.arp_interval ? `arp every ${b.opts.arp_interval} ms` : 'none',
    slaveDetails: b.slaves.map((s) => {
      const p = m?.port(s);
      return {
        name: s.name,
        miiStatus: s.miiStatus,
        state: s.isActive ? 'active' : 'backup',
        speed: s.speed > 0 ? s.speed : null,
        duplex: s.duplex,
        linkFailureCount: s.linkFailureCount,
        permanentMac: formatMac(s.permHwaddr),
        txFrames: s.txFrames,
        rxFrames: s.rxFrames,
        lacp: p && {
          aggregatorId: p.aggregator?.id ?? null,
          actorState: p.actor.state,
          partnerState: p.partner.state,
          partnerSystem: formatMac(p.partner.system),
          mux: p.mux,
          rx: p.rx,
          lacpduTx: p.stats.lacpduTx,
          lacpduRx: p.stats.lacpduRx,
          malformed: p.stats.malformed,
        },
      };
    }),
    lacp: m && { activeAggregator: agg?.id ?? null, ports: agg?.ports.length ?? 0, partnerSystem: agg ? formatMac(agg.partnerSystem) : null },
    switchLag: !m ? undefined : !stack.hardwareLag ? null : { id: stack.lagOf(b.name)?.id ?? null, ports: [...(stack.lagOf(b.name)?.ports ?? [])] },
  };
}

function formatDetail(d: BondDetail): string {
  const lines = [
    `${d.name}: ${modeLongName(modeNumber(d.mode))}, ${d.adminUp ? 'up' : 'down'}, link ${d.miiStatus}, MAC ${d.mac}`,
    `  monitor ${d.monitor}; active slave ${d.activeSlave ?? '-'}; primary ${d.primary ?? '-'}; failovers ${d.failoverCount}`,
    `  options: ${Object.entries(d.options).filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v.split(' ')[0]}`).join(' ')}`,
  ];
  if (d.lacp) lines.push(`  LACP: active aggregator ${d.lacp.activeAggregator ?? '-'} (${d.lacp.ports} port${d.lacp.ports === 1 ? '' : 's'}), partner ${d.lacp.partnerSystem ?? '-'}`);
  if (d.switchLag === null) lines.push('  switch LAG: none: the switch has no hardware LAG, so the bond\'s frames all go through the CPU port');
  else if (d.switchLag) lines.push(`  switch LAG: ${d.switchLag.id === null ? 'not programmed yet' : `${d.switchLag.id}, distributing on ${d.switchLag.ports.join(' ') || 'no ports'}`}`);
  if (d.slaveDetails.length === 0) lines.push('  no slaves');
  else {
    const rows = d.slaveDetails.map((s) => [s.name, s.miiStatus, s.state, s.speed === null ? '-' : String(s.speed), s.duplex, s.linkFailureCount, s.txFrames, s.rxFrames]);
    lines.push(...table(['SLAVE', 'MII', 'STATE', 'SPEED', 'DUPLEX', 'FAILURES', 'TX', 'RX'], rows).split('\n').map((l) => `  ${l}`));
    for (const s of d.slaveDetails) {
      if (!s.lacp) continue;
      lines.push(`  ${s.name} LACP: aggregator ${s.lacp.aggregatorId ?? '-'}, mux ${s.lacp.mux}, rx ${s.lacp.rx}, actor ${lacpStateText(s.lacp.actorState)}, partner ${lacpStateText(s.lacp.partnerState)} ${s.lacp.partnerSystem}, PDUs tx ${s.lacp.lacpduTx} rx ${s.lacp.lacpduRx} bad ${s.lacp.malformed}`);
    }
  }
  return lines.join('\n');
}

/** The `show` subcommands for bonds; returns undefined when `what` is not one of them. */
export function showBonds(stack: NetStack, what: string[], json: boolean): string | undefined {
  if (what.length === 1 && what[0] === 'bonds') {
    const list = stack.bonding.list().map(summary);
    if (json) return JSON.stringify(list);
    if (list.length === 0) return stack.bonding.loaded ? 'no bonds' : 'no bonds (the bonding module is not loaded: modprobe bonding)';
    return table(['BOND', 'MODE', 'STATUS', 'ACTIVE', 'SLAVES', 'USABLE'], list.map((b) => [b.name, b.mode, b.adminUp ? b.miiStatus : 'admin-down', b.activeSlave ?? '-', b.slaves.join(',') || '-', b.usable.join(',') || '-']));
  }
  if (what.length === 2 && what[0] === 'bond') {
    const b = stack.bond(what[1]);
    if (!b) throw new UsageError(`show bond: no bond '${printable(what[1])}' (bonds: ${stack.bonding.list().map((x) => x.name).join(' ') || 'none'})`);
    const d = detail(b, stack);
    return json ? JSON.stringify(d) : formatDetail(d);
  }
  return undefined;
}

function num(text: string | undefined, what: string, max: number): number {
  const n = text === undefined ? NaN : /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= max)) throw new UsageError(`${what} '${printable(text ?? '')}' out of range (0 to 0x${max.toString(16)}, decimal or 0x hex)`);
  return n;
}

const hex4 = (v: number) => `0x${v.toString(16).padStart(4, '0')}`;

/** `mdio read|write` on the switch's PHY bus, `switch read|write` on its registers, in the family's addressing. */
export function registerRegisterCommands(d: import('./dispatcher.ts').Dispatcher, board: Board): void {
  d.register({
    name: 'mdio',
    summary: `read or write a PHY register (Clause 22, ${board.chip.phyAccess})`,
    usage: `mdio read <phy> <reg>\nmdio write <phy> <reg> <value>\non the ${board.chip.modelName}: ${board.chip.phyAccess}\nnumbers in decimal or 0x hex; e.g. mdio read 0 1 (BMSR of the PHY at address 0)`,
    access: 'registers',
    run: async (args) => {
      const [op, ...rest] = args;
      const bus = board.chip.phyBus();
      if (op === 'read' && rest.length === 2) {
        const phy = num(rest[0], 'mdio: PHY address', 31);
        const reg = num(rest[1], 'mdio: register', 31);
        return hex4(await bus.read(phy, reg));
      }
      if (op === 'write' && rest.length === 3) {
        const phy = num(rest[0], 'mdio: PHY address', 31);
        const reg = num(rest[1], 'mdio: register', 31);
        const value = num(rest[2], 'mdio: value', 0xffff);
        await bus.write(phy, reg, value);
        return '';
      }
      throw new UsageError('mdio: usage: mdio read <phy> <reg> | mdio write <phy> <reg> <value>');
    },
  });
  const regs = board.chip.registers;
  const words = regs.address.map(([name]) => `<${name}>`).join(' ');
  const digits = regs.valueMax > 0xffff ? 8 : 4;
  d.register({
    name: 'switch',
    summary: `read or write a register of the ${board.chip.modelName} (${regs.address.map(([name]) => name).join(' and ')})`,
    usage: `switch read ${words}\nswitch write ${words} <value>\ne.g. ${regs.example}`,
    access: 'registers',
    run: async (args) => {
      const [op, ...rest] = args;
      const n = regs.address.length;
      const address = (): number[] => regs.address.map(([name, max], i) => num(rest[i], `switch: ${name}`, max));
      if (op === 'read' && rest.length === n) return `0x${(await regs.read(address())).toString(16).padStart(digits, '0')}`;
      if (op === 'write' && rest.length === n + 1) {
        const a = address();
        await regs.write(a, num(rest[n], 'switch: value', regs.valueMax));
        return '';
      }
      throw new UsageError(`switch: usage: switch read ${words} | switch write ${words} <value>`);
    },
  });
}
