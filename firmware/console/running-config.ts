/**
 * The running configuration as the console commands that recreate it, in an order that
 * works from a fresh boot: the bonding module, bonds with their options, slaves, addresses,
 * up/down, VLAN devices, then the ports that are not enslaved. `config save` writes these
 * lines; loading runs them through the dispatcher like any other source.
 */
import { usesPrimary, type Bond } from '../bonding/bond.ts';
import { Mode8023ad } from '../bonding/bond3ad.ts';
import { BOND_OPTIONS, defaultBondOptions, formatOption, type BondOptions, type OptionName } from '../bonding/options.ts';
import { formatIpv4, formatMac } from '../net/addr.ts';
import type { NetStack } from '../net/stack.ts';
import type { NetDevice } from '../net/netdev.ts';

/** Options set later or elsewhere: the mode first, slaves-dependent ones after the slaves. */
const SKIP: readonly OptionName[] = ['mode', 'primary', 'active_slave', 'max_bonds', 'num_unsol_na', 'arp_ip_target', 'ns_ip6_target'];
/** Options whose value others depend on, set before the rest. */
const FIRST: readonly OptionName[] = ['miimon'];
/** Options that must follow others (arp_interval after its targets: no warning on load). */
const LAST: readonly OptionName[] = ['arp_interval'];

/** The value as the sysfs file takes it back (the name for enums, the number otherwise). */
function optionText(o: BondOptions, name: OptionName): string {
  const text = formatOption(o, name);
  const def = BOND_OPTIONS.find((d) => d.name === name)!;
  return def.display === 'name-value' ? text.split(' ')[0] : text;
}

function changed(o: BondOptions, d: BondOptions, name: OptionName): boolean {
  const a = o[name];
  const b = d[name];
  return Array.isArray(a) ? JSON.stringify(a) !== JSON.stringify(b) : a !== b;
}

function addresses(stack: NetStack, dev: NetDevice): string[] {
  return stack.host.addresses(dev.name).map((a) => `ip addr add ${formatIpv4(a.ip)}/${a.prefix} dev ${dev.name}`);
}

function bondLines(stack: NetStack, bond: Bond): string[] {
  const o = bond.opts;
  const d = defaultBondOptions();
  const file = (name: string, value: string) => `echo ${value} > /sys/class/net/${bond.name}/bonding/${name}`;
  const lines = [`echo +${bond.name} > /sys/class/net/bonding_masters`];
  if (o.mode !== d.mode) lines.push(file('mode', optionText(o, 'mode')));
  // Delays are kept in monitor rounds: without the MII monitor they read (and are) 0.
  const delays: readonly OptionName[] = ['updelay', 'downdelay', 'peer_notif_delay'];
  const usable = BOND_OPTIONS.filter(
    (def) => def.modes.includes(o.mode) && !SKIP.includes(def.name) && changed(o, d, def.name) && !(o.miimon === 0 && delays.includes(def.name)),
  );
  const order = (n: OptionName) => (FIRST.includes(n) ? 0 : LAST.includes(n) ? 2 : 1);
  const list = [...usable].sort((a, b) => order(a.name) - order(b.name));
  // miimon 0 with no ARP monitor must be said explicitly (a new bond starts at 100).
  for (const def of list) {
    if (order(def.name) === 2) continue;
    if (def.sysfs) lines.push(file(def.name, optionText(o, def.name)));
    else lines.push(`ip link set ${bond.name} type bond ${def.name} ${optionText(o, def.name)}`);
  }
  for (const t of o.arp_ip_target) lines.push(file('arp_ip_target', `+${t}`));
  if (o.ns_ip6_target.length > 0) lines.push(file('ns_ip6_target', o.ns_ip6_target.join(',')));
  for (const def of list) if (order(def.name) === 2) lines.push(file(def.name, optionText(o, def.name)));
  if (bond.mtu !== 1500) lines.push(`ip link set ${bond.name} mtu ${bond.mtu}`);
  // A MAC set by hand (not the first slave's) is set before the slaves take it.
  const first = bond.slaves[0];
  if (!bond.macRandom && (!first || formatMac(first.permHwaddr) !== formatMac(bond.mac))) lines.push(`ip link set ${bond.name} address ${formatMac(bond.mac)}`);
  for (const s of bond.slaves) {
    lines.push(`ip link set ${s.name} down`, `ip link set ${s.name} master ${bond.name}`);
  }
  const m = bond.modeExtension;
  if (m instanceof Mode8023ad) {
    for (const s of bond.slaves) {
      const p = m.port(s);
      if (p && p.portPriority !== 255) lines.push(`ip link set ${s.name} type bond_slave actor_port_prio ${p.portPriority}`);
    }
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

