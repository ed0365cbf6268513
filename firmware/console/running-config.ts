/**
 * The running configuration as the console commands that recreate it, in an order that
 * works from a fresh boot: the bonding module, bonds with their options, slaves, addresses,
 * up/down, VLAN devices, then the ports that are not enslaved. `config save` writes these
 * lines; loading runs them through the dispatcher like any other source.
 */
import { usesPrimary, type Bond } from '../bonding/bond.ts';
import { Mode8023ad } from '../bonding/bond3ad.ts';
import { BOND_OPTIONS, defaultBondOptions, modeName, setOption, optionInputText, type BondOptions, type ConfigRank, type OptionName } from '../bonding/options.ts';
import { formatIpv4, formatMac } from '../../lib/addr.ts';
import type { NetStack } from '../net/stack.ts';
import type { NetDevice } from '../net/netdev.ts';

/** The order the table gives: what others depend on first, what must follow the targets last. */
const ORDER: Record<ConfigRank, number> = { first: 0, normal: 1, 'after-targets': 2, special: 3 };

function changed(o: BondOptions, d: BondOptions, name: keyof BondOptions): boolean {
  const a = o[name];
  const b = d[name];
  return Array.isArray(a) ? JSON.stringify(a) !== JSON.stringify(b) : a !== b;
}

/** What a new bond holds once its mode is set (setting the mode can set miimon). */
function cloneWithMode(d: BondOptions, mode: BondOptions['mode']): BondOptions {
  const c = { ...d };
  setOption(c, 'mode', String(mode), { up: false, slaveCount: 0 });
  return c;
}

function addresses(stack: NetStack, dev: NetDevice): string[] {
  return stack.host.addresses(dev.name).map((a) => `ip addr add ${formatIpv4(a.ip)}/${a.prefix} dev ${dev.name}`);
}

function bondLines(stack: NetStack, bond: Bond): string[] {
  const o = bond.opts;
  const d = defaultBondOptions();
  const file = (name: string, value: string) => `echo ${value} > /sys/class/net/${bond.name}/bonding/${name}`;
  const lines = [`echo +${bond.name} > /sys/class/net/bonding_masters`];
  // The mode first: setting it may set miimon (which then only shows when it differs).
  if (o.mode !== d.mode) lines.push(file('mode', modeName(o.mode)));
  const base = cloneWithMode(d, o.mode);
  // Delays are kept in monitor rounds: without the MII monitor they read (and are) 0; the
  // num_unsol_na alias is said once, as num_grat_arp.
  const usable = BOND_OPTIONS.filter((def) => {
    const key = def.name as keyof BondOptions;
    if (def.rank === 'special' || def.name === 'num_unsol_na' || !(key in o) || !def.modes.includes(o.mode)) return false;
    if (def.display === 'delay' && o.miimon === 0) return false;
    return changed(o, base, key);
  });
  const list = [...usable].sort((a, b) => ORDER[a.rank] - ORDER[b.rank]);
  const say = (name: OptionName): string =>
    BOND_OPTIONS.find((x) => x.name === name)!.sysfs
      ? file(name, optionInputText(o, name))
      : `ip link set ${bond.name} type bond ${name} ${optionInputText(o, name)}`;
  for (const def of list) if (ORDER[def.rank] < ORDER['after-targets']) lines.push(say(def.name));
  for (const t of o.arp_ip_target) lines.push(file('arp_ip_target', `+${t}`));
  if (o.ns_ip6_target.length > 0) lines.push(`ip link set ${bond.name} type bond ns_ip6_target ${o.ns_ip6_target.join(',')}`);
  for (const def of list) if (def.rank === 'after-targets') lines.push(say(def.name));
  if (bond.mtu !== 1500) lines.push(`ip link set ${bond.name} mtu ${bond.mtu}`);
  // A MAC set by hand (not the first slave's) is set before the slaves take it.
  const first = bond.slaves[0];
  if (!bond.macRandom && (!first || formatMac(first.permHwaddr) !== formatMac(bond.mac))) lines.push(`ip link set ${bond.name} address ${formatMac(bond.mac)}`);
  for (const s of bond.slaves) {
    // The MTU the port goes back to on release, then the one it was given as a slave.
    if (s.originalMtu !== 1500) lines.push(`ip link set ${s.name} mtu ${s.originalMtu}`);
    lines.push(`ip link set ${s.name} down`, `ip link set ${s.name} master ${bond.name}`);
    if (s.port.mtu !== bond.mtu) lines.push(`ip link set ${s.name} mtu ${s.port.mtu}`);
  }
  const m = bond.modeExtension;
  if (m instanceof Mode8023ad) {
    for (const s of bond.slaves) {
      const p = m.port(s);
      if (p && p.portPriority !== 255) lines.push(`ip link set ${s.name} type bond_slave actor_port_prio ${p.portPriority}`);
    }
  }
  for (const s of bond.slaves) {
    if (s.queueId !== 0) lines.push(file('queue_id', `${s.name}:${s.queueId}`));
    if (s.prio !== 0) lines.push(`ip link set ${s.name} type bond_slave prio ${s.prio}`);
  }
  if (o.primary && usesPrimary(o.mode)) lines.push(file('primary', o.primary));
  if (bond.promisc) lines.push(`ip link set ${bond.name} promisc on`);
  if (bond.allmultiFlag) lines.push(`ip link set ${bond.name} allmulticast on`);
  lines.push(...addresses(stack, bond));
  if (bond.adminUp) lines.push(`ip link set ${bond.name} up`);
  return lines;
}

export function runningConfig(stack: NetStack): string[] {
  const lines: string[] = [];
  const drv = stack.bonding;
  if (drv.loaded) {
    // Bonds are created one by one below, so the module makes none itself.
    lines.push('modprobe bonding max_bonds=0');
    for (const bond of drv.list()) lines.push(...bondLines(stack, bond));
    // VLAN devices after every bond, as they were created after the bonds they sit on.
    for (const bond of drv.list()) {
      for (const v of stack.vlansOn(bond)) {
        lines.push(`ip link add link ${bond.name} name ${v.name} type vlan id ${v.vlan}`);
        if (v.mtu !== bond.mtu) lines.push(`ip link set ${v.name} mtu ${v.mtu}`);
        if (v.macSetByUser) lines.push(`ip link set ${v.name} address ${formatMac(v.mac)}`);
        lines.push(...addresses(stack, v));
        if (v.adminUp || v.followsLower) lines.push(`ip link set ${v.name} up`);
      }
    }
  }
  for (const p of stack.ports) {
    if (p.master !== undefined) continue;
    if (p.mtu !== 1500) lines.push(`ip link set ${p.name} mtu ${p.mtu}`);
    if (formatMac(p.mac) !== formatMac(p.permanentMac)) lines.push(`ip link set ${p.name} address ${formatMac(p.mac)}`);
    if (p.userPromisc) lines.push(`ip link set ${p.name} promisc on`);
    if (p.userAllmulti) lines.push(`ip link set ${p.name} allmulticast on`);
    lines.push(...addresses(stack, p));
    if (!p.adminUp) lines.push(`ip link set ${p.name} down`);
    for (const v of stack.vlansOn(p)) {
      lines.push(`ip link add link ${p.name} name ${v.name} type vlan id ${v.vlan}`);
      lines.push(...addresses(stack, v));
      if (v.adminUp) lines.push(`ip link set ${v.name} up`);
    }
  }
  return lines;
}

