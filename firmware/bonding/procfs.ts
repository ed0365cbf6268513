/**
 * /proc/net/bonding/<bond>, line for line as current Linux prints it (bond_procfs.c):
 * the driver line, the bond's mode and monitors, then one block per slave.
 */
import { formatMac } from '../../lib/addr.ts';
import { Bond, usesPrimary } from './bond.ts';
import { BOND_MODE_ACTIVEBACKUP, modeLongName, transmitsByHash, valueName } from './options.ts';
import { type Slave } from './slave.ts';


/** The whole file; `driverVersion` stands where Linux prints its kernel release. */
export function formatProcBonding(bond: Bond, driverVersion: string): string {
  const o = bond.opts;
  const lines: string[] = [`Ethernet Channel Bonding Driver: v${driverVersion}`, ''];
  let mode = `Bonding Mode: ${modeLongName(o.mode)}`;
  if (o.mode === BOND_MODE_ACTIVEBACKUP && o.fail_over_mac) mode += ` (fail_over_mac ${valueName('fail_over_mac', o.fail_over_mac)})`;
  lines.push(mode);
  if (transmitsByHash(bond.opts)) lines.push(`Transmit Hash Policy: ${valueName('xmit_hash_policy', o.xmit_hash_policy)} (${o.xmit_hash_policy})`);
  if (usesPrimary(o.mode)) {
    const p = bond.primarySlave;
    lines.push(`Primary Slave: ${p ? `${p.name} (primary_reselect ${valueName('primary_reselect', o.primary_reselect)})` : 'None'}`);
    lines.push(`Currently Active Slave: ${bond.currActiveSlave?.name ?? 'None'}`);
  }
  const miimon = o.miimon;
  lines.push(`MII Status: ${bond.carrier ? 'up' : 'down'}`);
  lines.push(`MII Polling Interval (ms): ${miimon}`);
  // Linux keeps the delays in monitor rounds, so they read 0 while miimon is 0.
  lines.push(`Up Delay (ms): ${miimon ? o.updelay : 0}`);
  lines.push(`Down Delay (ms): ${miimon ? o.downdelay : 0}`);
  lines.push(`Peer Notification Delay (ms): ${miimon ? o.peer_notif_delay : 0}`);
  if (o.arp_interval > 0) {
    lines.push(`ARP Polling Interval (ms): ${o.arp_interval}`);
    lines.push(`ARP Missed Max: ${o.arp_missed_max}`);
    lines.push(`ARP IP target/s (n.n.n.n form):${o.arp_ip_target.map((t) => ` ${t}`).join(',')}`);
    lines.push(`NS IPv6 target/s (xx::xx form):${o.ns_ip6_target.map((t) => ` ${t}`).join(',')}`);
  }
  const ext = bond.modeExtension;
  if (ext?.procBond) lines.push(...ext.procBond());
  for (const s of bond.slaves) {
    lines.push('', ...formatSlave(s));
    if (ext?.procSlave) lines.push(...ext.procSlave(s));
  }
  return lines.join('\n');
}

function formatSlave(s: Slave): string[] {
  return [
    `Slave Interface: ${s.name}`,
    `MII Status: ${s.miiStatus}`,
    `Speed: ${s.speed > 0 ? `${s.speed} Mbps` : 'Unknown'}`,
    `Duplex: ${s.duplex === 'unknown' ? 'Unknown' : s.duplex}`,
    `Link Failure Count: ${s.linkFailureCount}`,
    `Permanent HW addr: ${formatMac(s.permHwaddr)}`,
    `Slave queue ID: ${s.queueId}`,
  ];
}
