/**
 * The bonding HOWTO's own commands: `modprobe bonding`, `rmmod bonding`, `ifenslave`, the
 * files under /sys/class/net/bonding_masters, /sys/class/net/<bond>/bonding/ and
 * /sys/class/net/<port>/bonding_slave/, and /proc/net/bonding/<bond>.
 */
import { UsageError } from '../core/errors.ts';
import { formatMac } from '../net/addr.ts';
import type { NetStack } from '../net/stack.ts';
import { usesPrimary, type Bond } from '../bonding/bond.ts';
import { formatProcBonding } from '../bonding/procfs.ts';
import { Mode8023ad } from '../bonding/bond3ad.ts';
import { formatOption, optionDef } from '../bonding/options.ts';
import { LINK_STATE_NAMES } from '../bonding/slave.ts';
import type { FrontPort } from '../net/port-device.ts';
import { printable, type Dispatcher } from './dispatcher.ts';
import { FileError, type SysFs } from './sysfs.ts';
import { FIRMWARE_VERSION } from './system-commands.ts';

/** Files in /sys/class/net/<bond>/bonding/ that are not plain options (bond_sysfs.c). */
const STATE_FILES = ['slaves', 'mii_status', 'queue_id', 'ad_aggregator', 'ad_num_ports', 'ad_actor_key', 'ad_partner_key', 'ad_partner_mac'];
/** Options with a sysfs file. */
const OPTION_FILES = [
  'mode', 'fail_over_mac', 'arp_validate', 'arp_all_targets', 'arp_interval', 'arp_missed_max', 'arp_ip_target',
  'ns_ip6_target', 'downdelay', 'updelay', 'peer_notif_delay', 'lacp_active', 'lacp_rate', 'min_links', 'ad_select',
  'xmit_hash_policy', 'num_grat_arp', 'num_unsol_na', 'miimon', 'primary', 'primary_reselect', 'use_carrier',
  'active_slave', 'all_slaves_active', 'resend_igmp', 'lp_interval', 'packets_per_slave', 'tlb_dynamic_lb',
  'ad_actor_sys_prio', 'ad_actor_system', 'ad_user_port_key',
];
export const BOND_FILES: readonly string[] = [...OPTION_FILES, ...STATE_FILES].sort();
const SLAVE_FILES = ['state', 'mii_status', 'link_failure_count', 'perm_hwaddr', 'queue_id', 'ad_aggregator_id', 'ad_actor_oper_port_state', 'ad_partner_oper_port_state'];

/** Linux's tx queue count for a bond (tx_queues module parameter default). */
const BOND_TX_QUEUES = 16;

export function registerBondingCommands(d: Dispatcher, sysfs: SysFs, stack: NetStack): void {
  const drv = stack.bonding;

  // --- /sys/class/net/bonding_masters -----------------------------------------------------
  sysfs.add(
    '/sys/class/net/bonding_masters',
    {
      read: () => drv.list().map((b) => b.name).join(' '),
      write: async (_p, value) => {
        const cmd = value.trim().split(/\s+/)[0] ?? '';
        const name = cmd.slice(1);
        if (cmd.length < 2 || (cmd[0] !== '+' && cmd[0] !== '-')) {
          throw new UsageError('bonding_masters: no command found - use +<name> to create a bond or -<name> to delete one');
        }
        if (cmd[0] === '+') {
          drv.create(name);
          return;
        }
        await drv.destroy(name);
      },
    },
    () => drv.loaded,
  );

  // --- /sys/class/net/<bond>/bonding/<file> -----------------------------------------------
  const bondOf = (p: Record<string, string>): Bond => {
    const b = drv.get(p.if);
    if (!b) throw new FileError('No such file or directory');
    return b;
  };
  const bondFile = {
    read: (p: Record<string, string>) => readBondFile(bondOf(p), p.opt),
    write: (p: Record<string, string>, value: string) => writeBondFile(stack, bondOf(p), p.opt, value),
  };
  const isBondFile = (p: Record<string, string>): boolean => drv.get(p.if) !== undefined && BOND_FILES.includes(p.opt);
  sysfs.add('/sys/class/net/{if}/bonding/{opt}', bondFile, isBondFile);
  // /sys/class/net/<port>/master is a link to the bond (HOWTO 3.4: echo -eth0 > .../eth0/master/bonding/slaves).
  const viaMaster = (p: Record<string, string>): Record<string, string> => ({ if: stack.port(p.port)?.master ?? '', opt: p.opt });
  sysfs.add(
    '/sys/class/net/{port}/master/bonding/{opt}',
    { read: (p) => bondFile.read(viaMaster(p)), write: (p, v) => bondFile.write(viaMaster(p), v) },
    (p) => isBondFile(viaMaster(p)),
  );

  // --- /sys/class/net/<port>/bonding_slave/<file> -----------------------------------------
  sysfs.add(
    '/sys/class/net/{if}/bonding_slave/{attr}',
    { read: (p) => readSlaveFile(stack, p.if, p.attr) },
    (p) => {
      const port = stack.port(p.if);
      return port !== undefined && port.master !== undefined && SLAVE_FILES.includes(p.attr);
    },
  );

  // --- /proc/net/bonding/<bond> ------------------------------------------------------------
  sysfs.add('/proc/net/bonding/{bond}', { read: (p) => formatProcBonding(drv.get(p.bond)!, FIRMWARE_VERSION) }, (p) => drv.get(p.bond) !== undefined);

  // --- modprobe / rmmod ---------------------------------------------------------------------
  d.register({
    name: 'modprobe',
    summary: 'load the bonding driver with module parameters (creates bond0, or max_bonds bonds)',
    usage: 'modprobe bonding [<option>=<value> ...]\nmodprobe -r bonding\ne.g. modprobe bonding mode=active-backup miimon=100 max_bonds=2',
    access: 'change',
    run: async (args) => {
      if (args[0] === '-r') {
        if (args[1] !== 'bonding' || args.length !== 2) throw new UsageError('modprobe: usage: modprobe -r bonding');
        await drv.unload();
        return '';
      }
      const [mod, ...params] = args;
      if (mod === undefined) throw new UsageError('modprobe: missing module name (usage: modprobe bonding [<option>=<value> ...])');
      if (mod !== 'bonding') {
        throw new UsageError(`modprobe: FATAL: Module ${printable(mod)} not found (this firmware has one loadable module, bonding; the board's port drivers are built in)`);
      }
      if (drv.loaded) return params.length ? 'modprobe: bonding is already loaded; parameters ignored (set options in /sys/class/net/<bond>/bonding/)' : '';
      const warnings = await drv.load(params);
      return warnings.join('\n');
    },
  });
  d.register({
    name: 'rmmod',
    summary: 'unload the bonding driver (every bond is deleted)',
    usage: 'rmmod bonding',
    access: 'change',
    run: async (args) => {
      if (args.length !== 1 || args[0] !== 'bonding') throw new UsageError('rmmod: usage: rmmod bonding');
      await drv.unload();
      return '';
    },
  });

  // --- ifenslave ----------------------------------------------------------------------------
  d.register({
    name: 'ifenslave',
    summary: 'attach ports to a bond, detach them, or change the active port',
    usage: 'ifenslave <bond> <port>...\nifenslave -d <bond> <port>...\nifenslave -c <bond> <port>',
    access: 'change',
    run: async (args) => {
      let op: 'add' | 'del' | 'change' = 'add';
      let rest = args;
      if (args[0] === '-d' || args[0] === '--detach') {
        op = 'del';
        rest = args.slice(1);
      } else if (args[0] === '-c' || args[0] === '--change-active') {
        op = 'change';
        rest = args.slice(1);
      } else if (args[0]?.startsWith('-')) {
        throw new UsageError(`ifenslave: unknown option '${printable(args[0])}' (usage: ifenslave [-d|-c] <bond> <port>...)`);
      }
      const [bondName, ...ports] = rest;
      if (!bondName || ports.length === 0) throw new UsageError('ifenslave: usage: ifenslave [-d|-c] <bond> <port>...');
      const bond = drv.get(bondName);
      if (!bond) throw new UsageError(`ifenslave: ${printable(bondName)} is not a bond (bonds: ${drv.list().map((b) => b.name).join(' ') || 'none; modprobe bonding first'})`);
      if (op === 'change') {
        if (ports.length !== 1) throw new UsageError('ifenslave: -c takes one port');
        await writeBondFile(stack, bond, 'active_slave', ports[0]);
        return '';
      }
      if (op === 'add' && !bond.adminUp) {
        throw new UsageError(`ifenslave: Illegal operation; the specified master interface '${bond.name}' is not up.`);
      }
      // Check every port first, so a bad one leaves the others as they were.
      const targets = ports.map((name) => requirePort(stack, name, 'ifenslave'));
      for (const port of targets) {
        if (op === 'add' && port.master !== undefined) throw new UsageError(`ifenslave: ${port.name} is already enslaved to ${port.master}`);
        if (op === 'del' && !bond.slave(port.name)) throw new UsageError(`ifenslave: ${port.name} is not a slave of ${bond.name}`);
      }
      if (new Set(ports).size !== ports.length) throw new UsageError('ifenslave: a port is named twice');
      for (const port of targets) {
        if (op === 'add') await enslaveTakingDown(stack, bond, port);
        else await bond.release(bond.slave(port.name)!);
      }
      return '';
    },
  });
}

function requirePort(stack: NetStack, name: string, cmd: string): FrontPort {
  const port = stack.port(name);
  if (!port) {
    const dev = stack.devices.get(name);
    if (dev) throw new UsageError(`${cmd}: ${name} is a ${dev.kind}; only front-panel ports can be enslaved (ports: ${stack.ports.map((p) => p.name).join(' ')})`);
    throw new UsageError(`${cmd}: ${printable(name)}: no such device (ports: ${stack.ports.map((p) => p.name).join(' ')})`);
  }
  return port;
}

/**
 * Enslaves a port the way the sysfs file and ifenslave do here. Linux refuses a slave that
 * is up; an unconfigured Linux NIC is down, but this board's ports come up at boot, so these
 * two paths take the port down first (as the current ifenslave script does) and the bond
 * opens it again. `ip link set <port> master <bond>` keeps Linux's refusal.
 */
export async function enslaveTakingDown(stack: NetStack, bond: Bond, port: FrontPort): Promise<void> {
  if (port.master !== undefined) {
    throw new UsageError(`${bond.name}: ${port.name}: Device is already in use (enslaved to ${port.master})`);
  }
  if (port.adminUp) await stack.setAdminUp(port, false);
  await bond.enslave(port);
}

function readBondFile(bond: Bond, file: string): string {
  const o = bond.opts;
  switch (file) {
    case 'slaves':
      return bond.slaves.map((s) => s.name).join(' ');
    case 'mii_status':
      return bond.carrier ? 'up' : 'down';
    case 'queue_id':
      return bond.slaves.map((s) => `${s.name}:${s.queueId}`).join(' ');
    case 'primary':
      return bond.primarySlave?.name ?? '';
    case 'active_slave': {
      const s = bond.currActiveSlave;
      return s && usesPrimary(o.mode) ? s.name : '';
    }
    case 'ad_aggregator':
    case 'ad_num_ports':
    case 'ad_actor_key':
    case 'ad_partner_key':
    case 'ad_partner_mac': {
      // 802.3ad aggregator state; these files read empty outside 802.3ad mode.
      const m = bond.modeExtension;
      return m instanceof Mode8023ad ? m.sysfsFile(file) : '';
    }
    default:
      return formatOption(o, file);
  }
}

async function writeBondFile(stack: NetStack, bond: Bond, file: string, value: string): Promise<string> {
  const text = value.replace(/\n$/, '');
  const fail = (msg: string): never => {
    throw new UsageError(`${bond.name}: ${msg}`);
  };
  try {
    switch (file) {
      case 'slaves': {
        const cmd = text.trim().split(/\s+/)[0] ?? '';
        const name = cmd.slice(1);
        if (cmd.length < 2 || (cmd[0] !== '+' && cmd[0] !== '-')) fail('slaves: no command found - use +<port> to add a slave or -<port> to remove one');
        if (!/^[^\s/:]{1,15}$/.test(name)) fail(`slaves: invalid interface name '${printable(name)}'`);
        const port = stack.port(name);
        if (!port) {
          const dev = stack.devices.get(name);
          fail(dev ? `slaves: ${name} is a ${dev.kind}; only front-panel ports can be enslaved` : `slaves: interface ${printable(name)} does not exist (No such device)`);
        }
        if (cmd[0] === '+') {
          if (!bond.adminUp) fail(`slaves: the bond must be up before slaves can be added (ifconfig ${bond.name} up)`);
          await enslaveTakingDown(stack, bond, port!);
        } else {
          const s = bond.slave(name);
          if (!s) fail(`slaves: ${name} is not a slave of ${bond.name}`);
          await bond.release(s!);
        }
        return '';
      }
      case 'queue_id': {
        const m = /^([^\s:]+):(\d+)$/.exec(text.trim());
        if (!m) fail(`queue_id: use <port>:<queue id> (queue ids 0 to ${BOND_TX_QUEUES - 1})`);
        const s = bond.slave(m![1]);
        if (!s) fail(`queue_id: ${m![1]} is not a slave of ${bond.name}`);
        const q = Number(m![2]);
        if (q >= BOND_TX_QUEUES) fail(`queue_id: queue id ${q} out of range (0 to ${BOND_TX_QUEUES - 1})`);
        if (q !== 0 && bond.slaves.some((x) => x !== s && x.queueId === q)) fail(`queue_id: queue id ${q} is already used by another slave`);
        s!.queueId = q;
        return '';
      }
      case 'mii_status':
      case 'ad_aggregator':
      case 'ad_num_ports':
      case 'ad_actor_key':
      case 'ad_partner_key':
      case 'ad_partner_mac':
        throw new FileError('Permission denied');
      case 'active_slave': {
        const name = text.trim().split(/\s+/)[0] ?? '';
        bond.checkActiveSlaveName(name);
        return bond.setOptionText(file, text).join('\n');
      }
      default:
        if (!optionDef(file)) throw new FileError('No such file or directory');
        return bond.setOptionText(file, text).map((w) => `${bond.name}: ${w}`).join('\n');
    }
  } catch (e) {
    if (e instanceof UsageError && !e.message.startsWith(`${bond.name}: `)) throw new UsageError(`${bond.name}: ${e.message}`);
    throw e;
  }
}

function readSlaveFile(stack: NetStack, portName: string, attr: string): string {
  const port = stack.port(portName)!;
  const bond = stack.bond(port.master ?? '');
  const s = bond?.slave(portName);
  if (!bond || !s) throw new FileError('No such file or directory');
  switch (attr) {
    case 'state':
      return s.isActive ? 'active' : 'backup';
    case 'mii_status':
      return LINK_STATE_NAMES[s.link];
    case 'link_failure_count':
      return String(s.linkFailureCount);
    case 'perm_hwaddr':
      return formatMac(s.permHwaddr);
    case 'queue_id':
      return String(s.queueId);
    default: {
      // The 802.3ad files read empty outside 802.3ad mode.
      const m = bond.modeExtension;
      return m instanceof Mode8023ad ? m.slaveSysfsFile(s, attr) : '';
    }
  }
}
