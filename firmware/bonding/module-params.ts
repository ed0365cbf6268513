/**
 * `modprobe bonding <param>=<value> ...`: the module parameters read as Linux reads them
 * (module_param parsing, then bond_check_params in drivers/net/bonding/bond_main.c), into
 * the options every new bond starts from.
 *
 * Linux refuses the load only for a few things (a parameter that does not parse as its type,
 * an unknown mode, xmit_hash_policy, lacp_rate, ad_select, arp_validate, primary_reselect or
 * fail_over_mac name, arp_validate without arp_interval); everything else out of range is
 * reset with a warning and the module loads. An unknown parameter is ignored with a warning.
 *
 * Beyond Linux: the bonding options that Linux sets only through sysfs or netlink (lacp_active,
 * arp_missed_max, coupled_control, ...) are taken here too, after the Linux parameters, through
 * the option table, so a gateway can be configured in one line.
 *
 * Portable core: no Node modules.
 */
import { UsageError } from '../../lib/errors.ts';
import { formatIpv4, parseIpv4 } from '../../lib/addr.ts';
import {
  ARP_MODES,
  BOND_DEFAULT_MIIMON,
  BOND_DEFAULT_TX_QUEUES,
  BOND_MAX_ARP_TARGETS,
  BOND_MODE_8023AD,
  BOND_MODE_ACTIVEBACKUP,
  BOND_MODE_ALB,
  BOND_MODE_BROADCAST,
  BOND_MODE_ROUNDROBIN,
  BOND_MODE_TLB,
  INT_MAX,
  defaultBondOptions,
  ipTargetOk,
  modeLongName,
  optionDef,
  parseOptionValue,
  setOption,
  valueName,
  type BondMode,
  type BondOptions,
} from './options.ts';

/** BOND_DEFAULT_MAX_BONDS, BOND_DEFAULT_RESEND_IGMP, the lp_interval default: the table's defaults. */
const DEFAULTS = defaultBondOptions();
const DEFAULT_MAX_BONDS = DEFAULTS.max_bonds;
const DEFAULT_TX_QUEUES = BOND_DEFAULT_TX_QUEUES;
const DEFAULT_RESEND_IGMP = DEFAULTS.resend_igmp;
const DEFAULT_LP_INTERVAL = DEFAULTS.lp_interval;

/** The module's parameters and their C types (module_param in bond_main.c). */
const INT_PARAMS = ['max_bonds', 'tx_queues', 'num_grat_arp', 'num_unsol_na', 'miimon', 'updelay', 'downdelay', 'use_carrier', 'min_links', 'arp_interval', 'all_slaves_active', 'resend_igmp', 'packets_per_slave'] as const;
const UINT_PARAMS = ['lp_interval'] as const;
const STRING_PARAMS = ['mode', 'primary', 'primary_reselect', 'lacp_rate', 'ad_select', 'xmit_hash_policy', 'arp_validate', 'arp_all_targets', 'fail_over_mac'] as const;
/** arp_ip_target is a charp array (comma separated on the command line). */
const ARRAY_PARAMS = ['arp_ip_target'] as const;

type IntParam = (typeof INT_PARAMS)[number] | (typeof UINT_PARAMS)[number];
type StringParam = (typeof STRING_PARAMS)[number];

export interface ModuleLoad {
  /** The options a new bond starts with. */
  defaults: BondOptions;
  maxBonds: number;
  /** What the kernel log gets, in order: [level, text] ("bonding: " prefixed). */
  messages: ['warn' | 'info' | 'error', string][];
}

/** kstrtoint(s, 0): decimal, 0x hex or 0 octal, optional sign, one trailing newline. */
function parseCInt(text: string, unsigned: boolean): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)\n?$/.exec(text);
  if (!m || (unsigned && m[1] === '-')) return undefined;
  const body = m[2];
  const n = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === '0' ? parseInt(body, 8) : parseInt(body, 10);
  const value = m[1] === '-' ? -n : n;
  const max = unsigned ? 4294967295 : INT_MAX;
  if (value > max || value < -INT_MAX - 1) return undefined;
  return value;
}

/** A string parameter parsed against its option's value table, as bond_opt_parse does; undefined when it does not match. */
function tableValue(name: string, text: string): number | undefined {
  try {
    const p = parseOptionValue(name, text, { mode: optionDef(name)!.modes[0], up: false, slaveCount: 0 });
    return p.kind === 'number' ? p.value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads `modprobe bonding` parameters ("name=value" words). Throws UsageError when Linux
 * would refuse to load the module; otherwise returns the defaults and what the log says.
 */
export function readModuleParams(words: readonly string[]): ModuleLoad {
  const messages: ModuleLoad['messages'] = [];
  const warn = (t: string) => messages.push(['warn', `bonding: ${t}`]);
  const info = (t: string) => messages.push(['info', `bonding: ${t}`]);
  const err = (t: string) => messages.push(['error', `bonding: ${t}`]);
  const refuse = (t: string): never => {
    throw new UsageError("modprobe: ERROR: could not insert 'bonding': Invalid argument", `bonding: ${t}`);
  };

  // module_param parsing: every parameter by its type, the last of a name winning.
  const ints = new Map<IntParam, number>();
  const strings = new Map<StringParam, string>();
  let arpTargets: string[] = [];
  let peerNotif = 1;
  const extras: [string, string][] = [];
  for (const w of words) {
    const eq = w.indexOf('=');
    const name = eq < 0 ? w : w.slice(0, eq);
    const value = eq < 0 ? '' : w.slice(eq + 1);
    if ((INT_PARAMS as readonly string[]).includes(name) || (UINT_PARAMS as readonly string[]).includes(name)) {
      const n = eq < 0 ? undefined : parseCInt(value, (UINT_PARAMS as readonly string[]).includes(name));
      if (n === undefined) refuse(`'${value}' invalid for parameter '${name}'`);
      ints.set(name as IntParam, n!);
      // num_grat_arp and num_unsol_na are one variable: the last given wins.
      if (name === 'num_grat_arp' || name === 'num_unsol_na') peerNotif = n!;
    } else if ((STRING_PARAMS as readonly string[]).includes(name)) {
      if (eq < 0) refuse(`'' invalid for parameter '${name}'`);
      strings.set(name as StringParam, value);
    } else if ((ARRAY_PARAMS as readonly string[]).includes(name)) {
      if (eq < 0) refuse(`'' invalid for parameter '${name}'`);
      arpTargets = value.split(',');
      if (arpTargets.length > BOND_MAX_ARP_TARGETS) refuse(`can only take ${BOND_MAX_ARP_TARGETS} arguments`);
    } else if (optionDef(name) && !optionDef(name)!.slave && eq > 0) {
      extras.push([name, value]);
    } else {
      warn(`unknown parameter '${name}' ignored`);
    }
  }
  const int = (name: IntParam, dflt: number): number => ints.get(name) ?? dflt;

  // bond_check_params, in its order.
  let mode: BondMode = BOND_MODE_ROUNDROBIN;
  const modeText = strings.get('mode');
  if (modeText !== undefined) {
    const m = tableValue('mode', modeText);
    if (m === undefined) {
      err(`Error: Invalid bonding mode "${modeText}"`);
      refuse(`Error: Invalid bonding mode "${modeText}"`);
    }
    mode = m as BondMode;
  }
  const o = defaultBondOptions();
  o.mode = mode;

  const hashText = strings.get('xmit_hash_policy');
  if (hashText !== undefined) {
    if (mode === BOND_MODE_ROUNDROBIN || mode === BOND_MODE_ACTIVEBACKUP || mode === BOND_MODE_BROADCAST) {
      info(`xmit_hash_policy param is irrelevant in mode ${modeLongName(mode)}`);
    } else {
      const h = tableValue('xmit_hash_policy', hashText);
      if (h === undefined) refuse(`Error: Invalid xmit_hash_policy "${hashText}"`);
      o.xmit_hash_policy = h!;
    }
  }

  const rateText = strings.get('lacp_rate');
  if (rateText !== undefined) {
    if (mode !== BOND_MODE_8023AD) info(`lacp_rate param is irrelevant in mode ${modeLongName(mode)}`);
    else {
      const r = tableValue('lacp_rate', rateText);
      if (r === undefined) refuse(`Error: Invalid lacp rate "${rateText}"`);
      o.lacp_rate = r!;
    }
  }

  const selectText = strings.get('ad_select');
  if (selectText !== undefined) {
    const a = tableValue('ad_select', selectText);
    if (a === undefined) refuse(`Error: Invalid ad_select "${selectText}"`);
    o.ad_select = a!;
    if (mode !== BOND_MODE_8023AD) warn('ad_select param only affects 802.3ad mode');
  }

  let maxBonds = int('max_bonds', DEFAULT_MAX_BONDS);
  if (maxBonds < 0) {
    warn(`Warning: max_bonds (${maxBonds}) not in range 0-${INT_MAX}, so it was reset to BOND_DEFAULT_MAX_BONDS (${DEFAULT_MAX_BONDS})`);
    maxBonds = DEFAULT_MAX_BONDS;
  }
  let miimon = int('miimon', 0);
  if (miimon < 0) {
    warn(`Warning: miimon module parameter (${miimon}), not in range 0-${INT_MAX}, so it was reset to 0`);
    miimon = 0;
  }
  let updelay = int('updelay', 0);
  if (updelay < 0) {
    warn(`Warning: updelay module parameter (${updelay}), not in range 0-${INT_MAX}, so it was reset to 0`);
    updelay = 0;
  }
  let downdelay = int('downdelay', 0);
  if (downdelay < 0) {
    warn(`Warning: downdelay module parameter (${downdelay}), not in range 0-${INT_MAX}, so it was reset to 0`);
    downdelay = 0;
  }
  let useCarrier = int('use_carrier', 1);
  if (useCarrier !== 0 && useCarrier !== 1) {
    warn(`Warning: use_carrier module parameter (${useCarrier}), not of valid value (0/1), so it was set to 1`);
    useCarrier = 1;
  }
  let numPeerNotif = peerNotif;
  if (numPeerNotif < 0 || numPeerNotif > 255) {
    warn(`Warning: num_grat_arp/num_unsol_na (${numPeerNotif}) not in range 0-255 so it was reset to 1`);
    numPeerNotif = 1;
  }
  // The modes without the ARP monitor need the MII monitor: forced to 100 ms.
  if (!ARP_MODES.includes(mode) && !miimon) {
    warn('Warning: miimon must be specified, otherwise bonding will not detect link failure, speed and duplex which are essential for 802.3ad operation');
    warn(`Forcing miimon to ${BOND_DEFAULT_MIIMON}msec`);
    miimon = BOND_DEFAULT_MIIMON;
  }
  const txQueues = int('tx_queues', DEFAULT_TX_QUEUES);
  if (txQueues < 1 || txQueues > 255) {
    warn(`Warning: tx_queues (${txQueues}) should be between 1 and 255, resetting to ${DEFAULT_TX_QUEUES}`);
  }
  let allSlavesActive = int('all_slaves_active', 0);
  if (allSlavesActive !== 0 && allSlavesActive !== 1) {
    warn(`Warning: all_slaves_active module parameter (${allSlavesActive}), not of valid value (0/1), so it was set to 0`);
    allSlavesActive = 0;
  }
  let resendIgmp = int('resend_igmp', DEFAULT_RESEND_IGMP);
  if (resendIgmp < 0 || resendIgmp > 255) {
    warn(`Warning: resend_igmp (${resendIgmp}) should be between 0 and 255, resetting to ${DEFAULT_RESEND_IGMP}`);
    resendIgmp = DEFAULT_RESEND_IGMP;
  }
  let pps = int('packets_per_slave', 1);
  if (pps < 0 || pps > 65535) {
    warn(`Warning: packets_per_slave (${pps}) should be between 0 and 65535 resetting to 1`);
    pps = 1;
  }
  if (mode === BOND_MODE_ALB) {
    messages.push(['info', `bonding: In ALB mode you might experience client disconnections upon reconnection of a link if the bonding module updelay parameter (${updelay} msec) is incompatible with the forwarding delay time of the switch`]);
  }
  let arpInterval = int('arp_interval', 0);
  if (!miimon) {
    if (updelay || downdelay) {
      warn(`Warning: miimon module parameter not set and updelay (${updelay}) or downdelay (${downdelay}) module parameter is set; updelay and downdelay have no effect unless miimon is set`);
    }
    updelay = downdelay = 0;
  } else {
    if (arpInterval) {
      warn(`Warning: miimon (${miimon}) and arp_interval (${arpInterval}) can't be used simultaneously, disabling ARP monitoring`);
      arpInterval = 0;
    }
    if (updelay % miimon !== 0) {
      warn(`Warning: updelay (${updelay}) is not a multiple of miimon (${miimon}), updelay rounded to ${Math.floor(updelay / miimon) * miimon} ms`);
    }
    updelay = Math.floor(updelay / miimon) * miimon;
    if (downdelay % miimon !== 0) {
      warn(`Warning: downdelay (${downdelay}) is not a multiple of miimon (${miimon}), downdelay rounded to ${Math.floor(downdelay / miimon) * miimon} ms`);
    }
    downdelay = Math.floor(downdelay / miimon) * miimon;
  }
  if (arpInterval < 0) {
    warn(`Warning: arp_interval module parameter (${arpInterval}), not in range 0-${INT_MAX}, so it was reset to 0`);
    arpInterval = 0;
  }
  const targets: string[] = [];
  for (const t of arpTargets) {
    if (targets.length >= BOND_MAX_ARP_TARGETS) break;
    const ip = /^\d+\.\d+\.\d+\.\d+$/.test(t) ? parseIpv4(t) : undefined;
    if (ip === undefined || !ipTargetOk(ip)) {
      warn(`Warning: bad arp_ip_target module parameter (${t}), ARP monitoring will not be performed`);
      arpInterval = 0;
    } else if (targets.includes(formatIpv4(ip))) {
      warn(`Warning: duplicate address ${formatIpv4(ip)} in arp_ip_target, skipping`);
    } else {
      targets.push(formatIpv4(ip));
    }
  }
  if (arpInterval && targets.length === 0) {
    warn(`Warning: arp_interval module parameter (${arpInterval}) specified without providing an arp_ip_target parameter, arp_interval was reset to 0`);
    arpInterval = 0;
  }
  const validateText = strings.get('arp_validate');
  if (validateText !== undefined) {
    if (!arpInterval) {
      err('arp_validate requires arp_interval');
      refuse('arp_validate requires arp_interval');
    }
    const val = tableValue('arp_validate', validateText);
    if (val === undefined) refuse(`Error: invalid arp_validate "${validateText}"`);
    o.arp_validate = val!;
  }
  const allTargetsText = strings.get('arp_all_targets');
  if (allTargetsText !== undefined) {
    const val = tableValue('arp_all_targets', allTargetsText);
    if (val === undefined) err(`Error: invalid arp_all_targets_value "${allTargetsText}"`);
    else o.arp_all_targets = val;
  }
  if (miimon) info(`MII link monitoring set to ${miimon} ms`);
  else if (arpInterval) {
    info(`ARP monitoring set to ${arpInterval} ms, validate ${valueName('arp_validate', o.arp_validate)}, with ${targets.length} target(s):${targets.map((t) => ` ${t}`).join('')}`);
  }
  let primary = strings.get('primary');
  if (primary !== undefined && mode !== BOND_MODE_ACTIVEBACKUP && mode !== BOND_MODE_TLB && mode !== BOND_MODE_ALB) {
    warn(`Warning: ${primary} primary device specified but has no effect in ${modeLongName(mode)} mode`);
    primary = undefined;
  }
  const reselectText = strings.get('primary_reselect');
  if (primary !== undefined && reselectText !== undefined) {
    const val = tableValue('primary_reselect', reselectText);
    if (val === undefined) refuse(`Error: Invalid primary_reselect "${reselectText}"`);
    o.primary_reselect = val!;
  }
  const fomText = strings.get('fail_over_mac');
  if (fomText !== undefined) {
    const val = tableValue('fail_over_mac', fomText);
    if (val === undefined) refuse(`Error: invalid fail_over_mac "${fomText}"`);
    o.fail_over_mac = val!;
    if (mode !== BOND_MODE_ACTIVEBACKUP) warn('Warning: fail_over_mac only affects active-backup mode');
  }
  let lpInterval = int('lp_interval', DEFAULT_LP_INTERVAL);
  if (lpInterval === 0) {
    warn(`Warning: ip_interval must be between 1 and ${INT_MAX}, so it was reset to ${DEFAULT_LP_INTERVAL}`);
    lpInterval = DEFAULT_LP_INTERVAL;
  }

  o.miimon = miimon;
  o.num_grat_arp = o.num_unsol_na = numPeerNotif;
  o.arp_interval = arpInterval;
  o.updelay = updelay;
  o.downdelay = downdelay;
  o.use_carrier = useCarrier;
  o.primary = primary !== undefined ? primary.slice(0, 15) : '';
  o.all_slaves_active = allSlavesActive;
  o.resend_igmp = resendIgmp;
  o.min_links = Math.max(0, int('min_links', 0));
  o.lp_interval = lpInterval;
  o.packets_per_slave = pps;
  o.arp_ip_target = targets;
  o.max_bonds = maxBonds;

  // The options Linux takes only through sysfs or netlink, as this firmware takes them here.
  for (const [name, value] of extras) {
    if (!optionDef(name)!.modes.includes(o.mode)) {
      warn(`Warning: ${name} has no effect in ${modeLongName(o.mode)} mode; ignored`);
      continue;
    }
    const { warnings } = setOption(o, name, value, { up: false, slaveCount: 0 }, 'netlink');
    for (const w of warnings) warn(w);
  }
  return { defaults: o, maxBonds, messages };
}
