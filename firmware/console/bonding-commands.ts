/**
 * The bonding HOWTO's own commands: `modprobe bonding`, `rmmod bonding`, `ifenslave`, the
 * files under /sys/class/net/bonding_masters, /sys/class/net/<bond>/bonding/ and
 * /sys/class/net/<port>/bonding_slave/, and /proc/net/bonding/<bond>.
 */
import { UsageError } from '../../lib/errors.ts';
import { formatMac } from '../../lib/addr.ts';
import { validIfName } from '../bonding/options.ts';
import type { NetStack } from '../net/stack.ts';
import type { Bond } from '../bonding/bond.ts';
import { formatProcBonding } from '../bonding/procfs.ts';
import { Mode8023ad } from '../bonding/bond3ad.ts';
import { BOND_MODE_8023AD, SYSFS_OPTIONS, formatOption } from '../bonding/options.ts';
import type { FrontPort } from '../net/port-device.ts';
import { printable, type Dispatcher } from './dispatcher.ts';
import { FileError, type SysFs } from './sysfs.ts';
import { FIRMWARE_VERSION } from './system-commands.ts';

/** Files in /sys/class/net/<bond>/bonding/ that are state, not options (bond_sysfs.c). */
const AD_FILES = ['ad_aggregator', 'ad_num_ports', 'ad_actor_key', 'ad_partner_key', 'ad_partner_mac'];
const READ_ONLY_FILES = ['mii_status', ...AD_FILES];
/** Every file: the options that have one (the table says), 'slaves', and the state files. */
export const BOND_FILES: readonly string[] = [...SYSFS_OPTIONS, 'slaves', ...READ_ONLY_FILES].sort();
const SLAVE_FILES = ['state', 'mii_status', 'link_failure_count', 'perm_hwaddr', 'queue_id', 'ad_aggregator_id', 'ad_actor_oper_port_state', 'ad_partner_oper_port_state'];

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
        // bonding_store_bonds, with its messages.
        if (cmd.length < 2 || (cmd[0] !== '+' && cmd[0] !== '-')) {
          stack.log.error('bonding: no command found in bonding_masters - use +ifname or -ifname');
          throw new UsageError('bonding: no command found in bonding_masters - use +ifname or -ifname');
        }
        try {
          if (cmd[0] === '+') {
            stack.log.info(`bonding: ${name} is being created...`);
            drv.create(name);
            return;
          }
          if (drv.get(name)) stack.log.info(`bonding: ${name} is being deleted...`);
          await drv.destroy(name);
        } catch (e) {
          if (e instanceof UsageError) stack.log.info(e.text);
          throw e;
        }
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
        bond.setOptionText('active_slave', ports[0]);
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
  switch (file) {
    case 'slaves':
      return bond.slaves.map((s) => s.name).join(' ');
    case 'mii_status':
      return bond.carrier ? 'up' : 'down';
    case 'primary':
      return bond.primarySlave?.name ?? '';
    default: {
      if (!AD_FILES.includes(file)) return formatOption(bond.opts, file, bond);
      // The aggregator files print only in 802.3ad mode (0, or nothing for the MAC, without
      // an active aggregator).
      const m = bond.modeExtension;
      return bond.opts.mode === BOND_MODE_8023AD && m instanceof Mode8023ad ? m.sysfsFile(file) : '';
    }
  }
}

async function writeBondFile(stack: NetStack, bond: Bond, file: string, value: string): Promise<string> {
  if (READ_ONLY_FILES.includes(file)) throw new FileError('Permission denied');
  if (file !== 'slaves') return bond.setOptionText(file, value).join('\n');
  // bond_option_slaves_set: "+<ifname>" or "-<ifname>".
  const refuse = (text: string, hint?: string): never => {
    const e = new UsageError(text, hint).by(bond.name);
    stack.log.error(e.text);
    throw e;
  };
  const cmd = value.trim().split(/\s+/)[0]?.slice(0, 16) ?? '';
  const name = cmd.slice(1);
  if (cmd.length < 2 || (cmd[0] !== '+' && cmd[0] !== '-') || !validIfName(name)) refuse('no command found in slaves file - use +ifname or -ifname');
  const port = stack.port(name);
  if (!port) {
    const dev = stack.devices.get(name);
    if (!dev) refuse(`interface ${name} does not exist!`, `ports: ${stack.ports.map((p) => p.name).join(' ')}`);
    refuse(`(slave ${name}): only front-panel ports can be enslaved here`, `${name} is a ${dev!.kind}`);
  }
  if (cmd[0] === '+') {
    // bond_option_slaves_set enslaves whether or not the bond is up (the HOWTO's "must be up"
    // is no longer enforced); the monitors start when the bond comes up.
    await enslaveTakingDown(stack, bond, port!);
  } else {
    const s = bond.slave(name);
    if (!s) refuse(`(slave ${name}): Device is not our slave`);
    await bond.release(s!);
  }
  return '';
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
      return s.miiStatus;
    case 'link_failure_count':
      return String(s.linkFailureCount);
    case 'perm_hwaddr':
      return formatMac(s.permHwaddr);
    case 'queue_id':
      return String(s.queueId);
    default: {
      // The 802.3ad files read N/A outside 802.3ad mode or without an aggregator.
      const m = bond.modeExtension;
      return (bond.opts.mode === BOND_MODE_8023AD && m instanceof Mode8023ad && m.slaveSysfsFile(s, attr)) || 'N/A';
    }
  }
}
