/**
 * Tab completion for interactive consoles: command names, the first words of their usage
 * lines, device names, and the virtual file paths under /sys/class/net and /proc/net/bonding.
 */
import { OPTION_NAMES } from '../bonding/options.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { NetStack } from '../net/stack.ts';
import { BOND_FILES } from './bonding-commands.ts';

const WORDS: Record<string, string[]> = {
  ip: ['link', 'addr', 'neigh'],
  show: ['ports', 'bonds', 'bond'],
  config: ['show', 'save', 'load'],
  sim: ['link', 'autoneg', 'carrier', 'phy', 'peer', 'host', 'lacp', 'lag', 'fdb', 'wait', 'inject', 'stats', 'pcap', 'traffic', 'stream', 'xmit', 'bridge'],
  modprobe: ['bonding'],
  rmmod: ['bonding'],
  mdio: ['read', 'write'],
  switch: ['read', 'write'],
  user: ['list', 'add', 'del', 'role'],
  'mqtt-commands': ['none', 'read', 'operate', 'admin'],
};

/** Candidates for the last word of `line`; returns [matches, the word completed]. */
export function complete(line: string, d: Dispatcher, stack: NetStack): [string[], string] {
  const words = line.split(/\s+/);
  const last = words[words.length - 1] ?? '';
  let pool: string[];
  if (words.length <= 1) pool = d.names();
  else if (last.startsWith('/')) pool = paths(stack);
  else {
    const devices = stack.devices.list().map((x) => x.name);
    pool = [...(words.length === 2 ? (WORDS[words[0]] ?? []) : []), ...devices, ...(words[0] === 'modprobe' ? OPTION_NAMES.map((o) => `${o}=`) : [])];
  }
  const hits = [...new Set(pool)].filter((c) => c.startsWith(last)).sort();
  return [hits, last];
}

function paths(stack: NetStack): string[] {
  const out = ['/sys/class/net/bonding_masters'];
  for (const dev of stack.devices.list()) {
    for (const f of ['address', 'carrier', 'operstate', 'speed', 'duplex', 'mtu']) out.push(`/sys/class/net/${dev.name}/${f}`);
  }
  for (const b of stack.bonding.list()) {
    for (const f of BOND_FILES) out.push(`/sys/class/net/${b.name}/bonding/${f}`);
    out.push(`/proc/net/bonding/${b.name}`);
  }
  return out;
}
