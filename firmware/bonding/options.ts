/**
 * The bonding option table: every way in (console sysfs writes, modprobe parameters, MQTT,
 * saved config) parses, checks and prints bond options here, as Linux does through the
 * bond_opts[] table in drivers/net/bonding/bond_options.c.
 *
 * Portable core: no Node modules, no timers. Values are plain data; a refused set throws
 * UsageError and changes nothing.
 */
import { UsageError } from '../core/errors.ts';
import { formatIpv4, formatMac, parseIpv4 } from '../net/addr.ts';

// ---------------------------------------------------------------------------------------
// Modes

/** Bond modes by number, as bond_mode_tbl numbers them (include/net/bond_options.h). */
export const BOND_MODE_ROUNDROBIN = 0;
export const BOND_MODE_ACTIVEBACKUP = 1;
export const BOND_MODE_XOR = 2;
export const BOND_MODE_BROADCAST = 3;
export const BOND_MODE_8023AD = 4;
export const BOND_MODE_TLB = 5;
export const BOND_MODE_ALB = 6;
export type BondMode = 0 | 1 | 2 | 3 | 4 | 5 | 6;

const ALL_MODES: readonly BondMode[] = [0, 1, 2, 3, 4, 5, 6];
const ONLY_8023AD: readonly BondMode[] = [BOND_MODE_8023AD];
/** Modes that may use the ARP monitor (bond_mode_uses_arp): all but 802.3ad, tlb, alb. */
const ARP_MODES: readonly BondMode[] = [0, 1, 2, 3];
const AB_TLB_ALB: readonly BondMode[] = [BOND_MODE_ACTIVEBACKUP, BOND_MODE_TLB, BOND_MODE_ALB];

/** Linux's BOND_DEFAULT_MIIMON, used when a non-ARP mode is chosen with miimon 0. */
export const BOND_DEFAULT_MIIMON = 100;
/** BOND_MAX_ARP_TARGETS; BOND_MAX_NS_TARGETS is the same. */
export const BOND_MAX_ARP_TARGETS = 16;
export const BOND_MAX_NS_TARGETS = BOND_MAX_ARP_TARGETS;
const INT_MAX = 2147483647;
/** IFNAMSIZ - 1: the longest interface name. */
const IFNAME_MAX = 15;

// ---------------------------------------------------------------------------------------
// Value tables

interface NamedValue {
  readonly name: string;
  readonly value: number;
  readonly isDefault?: boolean;
  readonly isMin?: boolean;
  readonly isMax?: boolean;
}

const v = (name: string, value: number, flags = ''): NamedValue => ({
  name,
  value,
  isDefault: flags.includes('D'),
  isMin: flags.includes('<'),
  isMax: flags.includes('>'),
});

const MODE_TBL = [
  v('balance-rr', 0, 'D'),
  v('active-backup', 1),
  v('balance-xor', 2),
  v('broadcast', 3),
  v('802.3ad', 4),
  v('balance-tlb', 5),
  v('balance-alb', 6),
];
const XMIT_HASH_TBL = [
  v('layer2', 0, 'D'),
  v('layer3+4', 1),
  v('layer2+3', 2),
  v('encap2+3', 3),
  v('encap3+4', 4),
  v('vlan+srcmac', 5),
];
const ARP_VALIDATE_TBL = [
  v('none', 0, 'D'),
  v('active', 1),
  v('backup', 2),
  v('all', 3),
  v('filter', 4),
  v('filter_active', 5),
  v('filter_backup', 6),
];
const ARP_ALL_TARGETS_TBL = [v('any', 0, 'D'), v('all', 1)];
const FAIL_OVER_MAC_TBL = [v('none', 0, 'D'), v('active', 1), v('follow', 2)];
const INTMAX_TBL = [v('off', 0, 'D'), v('maxval', INT_MAX, '>')];
const PPS_TBL = [v('default', 1, 'D'), v('maxval', 65535, '>')];
const LACP_ACTIVE_TBL = [v('off', 0), v('on', 1, 'D')];
const LACP_RATE_TBL = [v('slow', 0), v('fast', 1)];
// actor_port_prio (3): bonding.rst, the aggregator with the highest sum of ad_actor_port_prio.
const AD_SELECT_TBL = [v('stable', 0, 'D'), v('bandwidth', 1), v('count', 2), v('actor_port_prio', 3)];
const PEER_NOTIF_TBL = [v('off', 0), v('maxval', 255, '>'), v('default', 1, 'D')];
const PEER_NOTIF_DELAY_TBL = [v('off', 0), v('maxval', 300000, '>')];
const PRIMARY_RESELECT_TBL = [v('always', 0, 'D'), v('better', 1), v('failure', 2)];
const ON_OFF_DEFAULT_ON = [v('off', 0), v('on', 1, 'D')];
const ON_OFF_DEFAULT_OFF = [v('off', 0, 'D'), v('on', 1)];
const RESEND_IGMP_TBL = [v('off', 0), v('maxval', 255, '>'), v('default', 1, 'D')];
const LP_INTERVAL_TBL = [v('minval', 1, '<D'), v('maxval', INT_MAX, '>')];
const AD_ACTOR_SYS_PRIO_TBL = [v('minval', 1, '<'), v('maxval', 65535, '>D')];
const AD_USER_PORT_KEY_TBL = [v('minval', 0, '<D'), v('maxval', 1023, '>')];
const MISSED_MAX_TBL = [v('minval', 1, '<'), v('maxval', 255, '>'), v('default', 2, 'D')];
const MAX_BONDS_TBL = [v('minval', 0, '<'), v('maxval', INT_MAX, '>')];

// ---------------------------------------------------------------------------------------
// Option values

/** Every option's current value, keyed by the option's Linux name. */
export interface BondOptions {
  mode: BondMode;
  packets_per_slave: number;
  xmit_hash_policy: number;
  arp_validate: number;
  arp_all_targets: number;
  fail_over_mac: number;
  arp_interval: number;
  arp_missed_max: number;
  /** Dotted quads, in slot order. */
  arp_ip_target: string[];
  /** Compressed IPv6 text, in slot order. */
  ns_ip6_target: string[];
  /** Milliseconds (Linux keeps a multiple of miimon; see formatOption). */
  downdelay: number;
  updelay: number;
  peer_notif_delay: number;
  lacp_active: number;
  lacp_rate: number;
  min_links: number;
  ad_select: number;
  /** num_grat_arp and num_unsol_na are one value in Linux (num_peer_notif). */
  num_grat_arp: number;
  num_unsol_na: number;
  miimon: number;
  /** Slave name as given; '' for none. Whether it is enslaved is the bond's business. */
  primary: string;
  primary_reselect: number;
  use_carrier: number;
  /** Slave name as given; '' for none. */
  active_slave: string;
  all_slaves_active: number;
  resend_igmp: number;
  lp_interval: number;
  tlb_dynamic_lb: number;
  ad_actor_sys_prio: number;
  /** "xx:xx:xx:xx:xx:xx"; all zeros means "use the bond's own MAC". */
  ad_actor_system: string;
  ad_user_port_key: number;
  coupled_control: number;
  max_bonds: number;
}

export type OptionName = keyof BondOptions;

/** How `cat /sys/class/net/<bond>/bonding/<name>` prints the value. */
type Display = 'name-value' | 'number' | 'text' | 'list';

export interface OptionDef {
  readonly name: OptionName;
  readonly desc: string;
  /** Text names with their numbers; undefined for options that parse their own text. */
  readonly values?: readonly NamedValue[];
  /** Modes in which the option may be set (Linux's unsuppmodes, inverted). */
  readonly modes: readonly BondMode[];
  /** BOND_OPTFLAG_IFDOWN: the bond must be down. */
  readonly ifdown: boolean;
  /** BOND_OPTFLAG_NOSLAVES: the bond must have no slaves. */
  readonly noslaves: boolean;
  /** False for options with no sysfs file (module parameter or netlink only). */
  readonly sysfs: boolean;
  readonly display: Display;
}

function def(
  name: OptionName,
  desc: string,
  display: Display,
  values: readonly NamedValue[] | undefined,
  more: { modes?: readonly BondMode[]; ifdown?: boolean; noslaves?: boolean; sysfs?: boolean } = {},
): OptionDef {
  return {
    name,
    desc,
    display,
    values,
    modes: more.modes ?? ALL_MODES,
    ifdown: more.ifdown ?? false,
    noslaves: more.noslaves ?? false,
    sysfs: more.sysfs ?? true,
  };
}

/** The option table, in the order of Linux's bond_opts[]. */
export const BOND_OPTIONS: readonly OptionDef[] = [
  def('mode', 'bond device mode', 'name-value', MODE_TBL, { ifdown: true, noslaves: true }),
  def('packets_per_slave', 'packets to send per slave in balance-rr mode', 'number', PPS_TBL, {
    modes: [BOND_MODE_ROUNDROBIN],
  }),
  def('xmit_hash_policy', 'balance-xor, 802.3ad and tlb hashing method', 'name-value', XMIT_HASH_TBL),
  def('arp_validate', 'validate src/dst of ARP probes', 'name-value', ARP_VALIDATE_TBL, { modes: ARP_MODES }),
  def('arp_all_targets', 'fail on any/all ARP targets timeout', 'name-value', ARP_ALL_TARGETS_TBL),
  def('fail_over_mac', 'for active-backup, do not set all slaves to the same MAC', 'name-value', FAIL_OVER_MAC_TBL, {
    noslaves: true,
  }),
  def('arp_interval', 'ARP monitor interval in milliseconds', 'number', INTMAX_TBL, { modes: ARP_MODES }),
  def('arp_missed_max', 'number of missed ARP intervals before a slave is down', 'number', MISSED_MAX_TBL, {
    modes: ARP_MODES,
  }),
  def('arp_ip_target', 'ARP targets in n.n.n.n form (+addr adds, -addr removes)', 'list', undefined),
  def('ns_ip6_target', 'NS targets in IPv6 form, comma separated', 'list', undefined),
  def('downdelay', 'delay before considering link down, in milliseconds', 'number', INTMAX_TBL),
  def('updelay', 'delay before considering link up, in milliseconds', 'number', INTMAX_TBL),
  def('lacp_active', 'send LACPDUs periodically, or only when spoken to', 'name-value', LACP_ACTIVE_TBL, {
    modes: ONLY_8023AD,
    ifdown: true,
  }),
  def('lacp_rate', 'LACPDU tx rate to request from the 802.3ad partner', 'name-value', LACP_RATE_TBL, {
    modes: ONLY_8023AD,
    ifdown: true,
  }),
  def('min_links', 'minimum number of available links before turning on carrier', 'number', INTMAX_TBL),
  def('ad_select', '802.3ad aggregation selection logic', 'name-value', AD_SELECT_TBL, { ifdown: true }),
  def('num_unsol_na', 'number of peer notifications to send on failover', 'number', PEER_NOTIF_TBL),
  def('miimon', 'link check interval in milliseconds', 'number', INTMAX_TBL),
  def('primary', 'primary network device to use', 'text', undefined, { modes: AB_TLB_ALB }),
  def('primary_reselect', 'reselect the primary slave once it comes up', 'name-value', PRIMARY_RESELECT_TBL),
  def('use_carrier', 'use carrier state (vs MII ioctls) in miimon', 'number', ON_OFF_DEFAULT_ON),
  def('active_slave', 'currently active slave', 'text', undefined, { modes: AB_TLB_ALB }),
  def('all_slaves_active', 'deliver frames received on inactive slaves', 'number', ON_OFF_DEFAULT_OFF),
  def('resend_igmp', 'number of IGMP membership reports to send on failover', 'number', RESEND_IGMP_TBL),
  def('lp_interval', 'seconds between learning packets sent to each slave peer switch', 'number', LP_INTERVAL_TBL),
  def('tlb_dynamic_lb', 'enable dynamic flow shuffling', 'number', ON_OFF_DEFAULT_ON, {
    modes: [BOND_MODE_TLB, BOND_MODE_ALB],
    ifdown: true,
  }),
  def('ad_actor_sys_prio', '802.3ad actor system priority', 'number', AD_ACTOR_SYS_PRIO_TBL, { modes: ONLY_8023AD }),
  def('ad_actor_system', '802.3ad actor system MAC address', 'text', undefined, { modes: ONLY_8023AD }),
  def('ad_user_port_key', 'upper 10 bits of the 802.3ad port key', 'number', AD_USER_PORT_KEY_TBL, {
    modes: ONLY_8023AD,
    ifdown: true,
  }),
  def('num_grat_arp', 'number of peer notifications to send on failover', 'number', PEER_NOTIF_TBL),
  def('peer_notif_delay', 'delay between peer notifications, in milliseconds', 'number', PEER_NOTIF_DELAY_TBL),
  def('coupled_control', 'use the coupled control mux machine for LACP states', 'number', ON_OFF_DEFAULT_ON, {
    modes: ONLY_8023AD,
    ifdown: true,
    sysfs: false,
  }),
  // A module parameter only: how many bonds to create at load (bonding.rst "max_bonds").
  def('max_bonds', 'number of bond devices to create at load', 'number', MAX_BONDS_TBL, { sysfs: false }),
];

const BY_NAME = new Map<string, OptionDef>(BOND_OPTIONS.map((o) => [o.name, o]));

/** Option names, sorted, for help and completion. */
export const OPTION_NAMES: readonly OptionName[] = BOND_OPTIONS.map((o) => o.name).sort();

export function optionDef(name: string): OptionDef | undefined {
  return BY_NAME.get(name);
}

/** Fresh options with Linux's defaults for a new bond (miimon 100: bonding.rst "miimon"). */
export function defaultBondOptions(): BondOptions {
  return {
    mode: BOND_MODE_ROUNDROBIN,
    packets_per_slave: 1,
    xmit_hash_policy: 0,
    arp_validate: 0,
    arp_all_targets: 0,
    fail_over_mac: 0,
    arp_interval: 0,
    arp_missed_max: 2,
    arp_ip_target: [],
    ns_ip6_target: [],
    downdelay: 0,
    updelay: 0,
    peer_notif_delay: 0,
    lacp_active: 1,
    lacp_rate: 0,
    min_links: 0,
    ad_select: 0,
    num_grat_arp: 1,
    num_unsol_na: 1,
    miimon: BOND_DEFAULT_MIIMON,
    primary: '',
    primary_reselect: 0,
    use_carrier: 1,
    active_slave: '',
    all_slaves_active: 0,
    resend_igmp: 1,
    lp_interval: 1,
    tlb_dynamic_lb: 1,
    ad_actor_sys_prio: 65535,
    ad_actor_system: '00:00:00:00:00:00',
    ad_user_port_key: 0,
    coupled_control: 1,
    max_bonds: 1,
  };
}

export function cloneBondOptions(o: BondOptions): BondOptions {
  return { ...o, arp_ip_target: [...o.arp_ip_target], ns_ip6_target: [...o.ns_ip6_target] };
}

// ---------------------------------------------------------------------------------------
// Parsing

/** What the bond is doing when an option is set; Linux checks these before parsing. */
export interface OptionContext {
  mode: BondMode;
  up: boolean;
  slaveCount: number;
}

/** A parsed value, checked against the table but not yet applied. */
export type ParsedValue =
  | { kind: 'number'; value: number }
  | { kind: 'text'; value: string }
  /** arp_ip_target: add or remove these addresses, in order. */
  | { kind: 'arp-targets'; op: '+' | '-'; addrs: string[] }
  /** ns_ip6_target: the new list (replaces the old one). */
  | { kind: 'ns-targets'; addrs: string[] };

function modeName(mode: number): string {
  return MODE_TBL.find((m) => m.value === mode)?.name ?? String(mode);
}

function quoted(text: string): string {
  const s = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
  return `'${s.slice(1, -1).replace(/'/g, "\\'")}'`;
}

function listModes(modes: readonly BondMode[]): string {
  const names = modes.map(modeName);
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** bond_opt_check_deps: mode, then slaves, then up; the messages say what to do. */
function checkDeps(opt: OptionDef, ctx: OptionContext): void {
  if (!opt.modes.includes(ctx.mode)) {
    const where = opt.modes.length <= 3 ? `only valid in ${listModes(opt.modes)} mode` : `not supported in ${modeName(ctx.mode)} mode`;
    throw new UsageError(`${opt.name}: ${where}`);
  }
  if (opt.noslaves && ctx.slaveCount > 0) {
    throw new UsageError(`${opt.name}: the bond must have no slaves to change this option`);
  }
  if (opt.ifdown && ctx.up) {
    throw new UsageError(`${opt.name}: the bond must be down to change this option`);
  }
}

/** What the table accepts, for error messages. */
function allowedText(opt: OptionDef): string {
  const tbl = opt.values ?? [];
  const max = tbl.find((x) => x.isMax);
  if (!max) return tbl.map((x) => `${x.name} ${x.value}`).join(', ');
  const min = tbl.find((x) => x.isMin)?.value ?? 0;
  const names = tbl.map((x) => x.name);
  if (tbl.some((x) => x.isDefault) && !names.includes('default')) names.push('default');
  return `allowed values ${min} - ${max.value}, or ${names.join(', ')}`;
}

/** bond_opt_parse: all digits (and spaces) is a number, else the first word is a name. */
function parseTableValue(opt: OptionDef, text: string): number {
  const tbl = opt.values ?? [];
  const invalid = (): never => {
    throw new UsageError(`${opt.name}: invalid value ${quoted(text)} (${allowedText(opt)})`);
  };
  if (/^[0-9\s]*$/.test(text)) {
    const word = text.trim().split(/\s+/)[0];
    if (!word) return invalid();
    const n = Number(word);
    const exact = tbl.find((x) => x.value === n);
    if (exact) return exact.value;
    const max = tbl.find((x) => x.isMax);
    const min = tbl.find((x) => x.isMin)?.value ?? 0;
    if (max && n >= min && n <= max.value) return n;
    return invalid();
  }
  const word = text.trim().split(/\s+/)[0];
  for (const x of tbl) {
    if ((word === 'default' && x.isDefault) || word === x.name) return x.value;
  }
  return invalid();
}

/** dev_valid_name: what Linux accepts as an interface name. */
function validIfName(name: string): boolean {
  return name.length > 0 && name.length <= IFNAME_MAX && name !== '.' && name !== '..' && !/[\s/:]/.test(name);
}

function parseIfName(opt: OptionDef, text: string): string {
  const name = text.trim();
  if (name !== '' && !validIfName(name)) {
    throw new UsageError(
      `${opt.name}: invalid interface name ${quoted(name)} (at most ${IFNAME_MAX} characters, no spaces, '/' or ':'; empty clears)`,
    );
  }
  return name;
}

/** bond_is_ip_target_ok: not 0.0.0.0/8 and not the limited broadcast. */
function ipTargetOk(ip: number): boolean {
  return ip >>> 24 !== 0 && ip !== 0xffffffff;
}

function parseArpTargets(text: string): ParsedValue {
  const t = text.trim();
  const usage = `(use +<addr> to add, -<addr> to remove, at most ${BOND_MAX_ARP_TARGETS})`;
  let op: '+' | '-' = '+';
  let rest = t;
  if (t.startsWith('+') || t.startsWith('-')) {
    op = t[0] as '+' | '-';
    rest = t.slice(1);
  }
  // A plain address, or a comma list as the module parameter takes them, adds.
  const parts = op === '+' && t[0] !== '+' ? rest.split(',') : [rest];
  const addrs: string[] = [];
  for (const p of parts) {
    const ip = parseIpv4(p);
    if (ip === undefined || p.trim() !== p) {
      throw new UsageError(`arp_ip_target: invalid ARP target ${quoted(p)} ${usage}`);
    }
    if (!ipTargetOk(ip)) {
      const what = op === '+' ? 'addition' : 'removal';
      throw new UsageError(`arp_ip_target: invalid ARP target ${formatIpv4(ip)} specified for ${what}`);
    }
    addrs.push(formatIpv4(ip));
  }
  return { kind: 'arp-targets', op, addrs };
}

/** Parses IPv6 text into 8 groups; undefined when malformed. Accepts a dotted-quad tail. */
function parseIpv6(text: string): number[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let s = text;
  if (s.includes('.')) {
    // A dotted-quad tail stands for the last two groups.
    const lastColon = s.lastIndexOf(':');
    const ip = parseIpv4(s.slice(lastColon + 1));
    if (lastColon < 0 || ip === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(ip >>> 16).toString(16)}:${(ip & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const group = (g: string): number[] | undefined => {
    if (g === '') return [];
    const out: number[] = [];
    for (const h of g.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(h)) return undefined;
      out.push(parseInt(h, 16));
    }
    return out;
  };
  const head = group(halves[0]);
  const back = halves.length === 2 ? group(halves[1]) : [];
  if (!head || !back) return undefined;
  const known = head.length + back.length;
  if (halves.length === 1) return known === 8 ? head : undefined;
  if (known > 7) return undefined;
  return [...head, ...new Array<number>(8 - known).fill(0), ...back];
}

/** RFC 5952 text, as Linux's %pI6c prints it (longest zero run of 2+ groups becomes ::). */
function formatIpv6(g: readonly number[]): string {
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: readonly number[]) => a.map((x) => x.toString(16)).join(':');
  // IPv4-mapped addresses print their tail as a dotted quad.
  if (bestAt === 0 && bestLen === 5 && g[5] === 0xffff) {
    return `::ffff:${g[6] >>> 8}.${g[6] & 255}.${g[7] >>> 8}.${g[7] & 255}`;
  }
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

function parseNsTargets(text: string): ParsedValue {
  const words = text.split(/[\s,]+/).filter((w) => w !== '');
  if (words.length > BOND_MAX_NS_TARGETS) {
    throw new UsageError(`ns_ip6_target: NS target table is full! (at most ${BOND_MAX_NS_TARGETS} targets)`);
  }
  const addrs: string[] = [];
  for (const w of words) {
    const g = parseIpv6(w);
    if (!g) throw new UsageError(`ns_ip6_target: invalid NS target ${quoted(w)} (IPv6 addresses, comma separated; empty clears)`);
    const any = g.every((x) => x === 0);
    const loopback = g.slice(0, 7).every((x) => x === 0) && g[7] === 1;
    const multicast = g[0] >>> 8 === 0xff;
    const a = formatIpv6(g);
    if (any || loopback || multicast) {
      throw new UsageError(`ns_ip6_target: invalid NS target ${a} specified for addition (not ::, ::1 or multicast)`);
    }
    if (addrs.includes(a)) throw new UsageError(`ns_ip6_target: NS target ${a} is already present`);
    addrs.push(a);
  }
  return { kind: 'ns-targets', addrs };
}

const MAC_PTON = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

function parseActorSystem(text: string): string {
  const t = text.trim();
  const bad = (why: string): never => {
    throw new UsageError(`ad_actor_system: invalid MAC address ${quoted(t)} (${why})`);
  };
  if (!MAC_PTON.test(t)) bad('use xx:xx:xx:xx:xx:xx');
  const mac = Uint8Array.from(t.split(':').map((h) => parseInt(h, 16)));
  // bonding.rst ad_actor_system: "cannot be a null or multicast address".
  if (mac.every((b) => b === 0)) bad('must not be 00:00:00:00:00:00');
  if (mac[0] & 1) bad('must not be a multicast address');
  return formatMac(mac);
}

/**
 * Checks that `name` may be set in this context and parses `text` as Linux would for a write
 * to the sysfs file (one trailing newline, as `echo` adds, is ignored). Throws UsageError.
 */
export function parseOptionValue(name: string, text: string, ctx: OptionContext): ParsedValue {
  const opt = BY_NAME.get(name);
  if (!opt) throw new UsageError(`unknown bonding option ${quoted(name)} (one of: ${OPTION_NAMES.join(', ')})`);
  checkDeps(opt, ctx);
  const nl = text.indexOf('\n');
  const value = nl >= 0 ? text.slice(0, nl) : text;
  switch (opt.name) {
    case 'arp_ip_target':
      return parseArpTargets(value);
    case 'ns_ip6_target':
      return parseNsTargets(value);
    case 'primary':
      return { kind: 'text', value: parseIfName(opt, value) };
    case 'active_slave':
      // Linux reads the first word only (sscanf "%15s").
      return { kind: 'text', value: parseIfName(opt, value.trim().split(/\s+/)[0] ?? '') };
    case 'ad_actor_system':
      return { kind: 'text', value: parseActorSystem(value) };
    default:
      return { kind: 'number', value: parseTableValue(opt, value) };
  }
}

// ---------------------------------------------------------------------------------------
// Setting

/**
 * Sets one option from text, with Linux's cross-option rules. Returns the warnings Linux
 * would log; throws UsageError and leaves `opts` unchanged when the set is refused.
 * `ctx.mode` defaults to `opts.mode`.
 */
export function setOption(
  opts: BondOptions,
  name: string,
  text: string,
  ctx: { mode?: BondMode; up: boolean; slaveCount: number },
): { warnings: string[] } {
  const full: OptionContext = { mode: ctx.mode ?? opts.mode, up: ctx.up, slaveCount: ctx.slaveCount };
  const parsed = parseOptionValue(name, text, full);
  const next = cloneBondOptions(opts);
  const warnings = apply(next, name as OptionName, parsed);
  Object.assign(opts, next);
  return { warnings };
}

function num(p: ParsedValue): number {
  return p.kind === 'number' ? p.value : 0;
}

function apply(o: BondOptions, name: OptionName, p: ParsedValue): string[] {
  const warnings: string[] = [];
  switch (name) {
    case 'mode': {
      const mode = num(p) as BondMode;
      if (!ARP_MODES.includes(mode)) {
        // bond_option_mode_set: modes without ARP monitoring fall back to the MII monitor.
        o.arp_interval = 0;
        if (o.miimon === 0) o.miimon = BOND_DEFAULT_MIIMON;
      }
      if (mode === BOND_MODE_ALB) o.tlb_dynamic_lb = 1;
      o.arp_validate = 0; // not carried between modes
      o.mode = mode;
      break;
    }
    case 'miimon': {
      const miimon = num(p);
      for (const d of ['updelay', 'downdelay', 'peer_notif_delay'] as const) {
        if (o[d] && o.miimon && miimon) {
          const ms = (o[d] / o.miimon) * miimon;
          if (ms !== o[d]) warnings.push(`Note: Updating ${d} (to ${ms}) since it is a multiple of the miimon value`);
          o[d] = ms;
        }
      }
      o.miimon = miimon;
      if (miimon && o.arp_interval) {
        warnings.push('MII monitoring cannot be used with ARP monitoring - disabling ARP monitoring...');
        o.arp_interval = 0;
        o.arp_validate = 0;
      }
      break;
    }
    case 'updelay':
    case 'downdelay':
    case 'peer_notif_delay': {
      const label = { updelay: 'up delay', downdelay: 'down delay', peer_notif_delay: 'peer notification delay' }[name];
      const value = num(p);
      if (!o.miimon) throw new UsageError(`${name}: unable to set ${label} as MII monitoring is disabled (set miimon first)`);
      const rounded = Math.floor(value / o.miimon) * o.miimon;
      if (rounded !== value) {
        warnings.push(`${label} (${value}) is not a multiple of miimon (${o.miimon}), value rounded to ${rounded} ms`);
      }
      o[name] = rounded;
      break;
    }
    case 'arp_interval': {
      const interval = num(p);
      o.arp_interval = interval;
      if (interval) {
        if (o.miimon) {
          warnings.push('ARP monitoring cannot be used with MII monitoring. Disabling MII monitoring');
          o.miimon = 0;
        }
        if (o.arp_ip_target.length === 0) {
          warnings.push('ARP monitoring has been set up, but no ARP targets have been specified');
        }
      }
      break;
    }
    case 'arp_ip_target': {
      if (p.kind !== 'arp-targets') break;
      for (const a of p.addrs) {
        const at = o.arp_ip_target.indexOf(a);
        if (p.op === '+') {
          if (at >= 0) throw new UsageError(`arp_ip_target: ARP target ${a} is already present`);
          if (o.arp_ip_target.length >= BOND_MAX_ARP_TARGETS) {
            throw new UsageError(`arp_ip_target: ARP target table is full! (at most ${BOND_MAX_ARP_TARGETS} targets; remove one with -<addr>)`);
          }
          o.arp_ip_target.push(a);
        } else {
          if (at < 0) throw new UsageError(`arp_ip_target: unable to remove nonexistent ARP target ${a}`);
          if (o.arp_ip_target.length === 1 && o.arp_interval) warnings.push('Removing last arp target with arp_interval on');
          o.arp_ip_target.splice(at, 1);
        }
      }
      break;
    }
    case 'ns_ip6_target':
      if (p.kind === 'ns-targets') o.ns_ip6_target = p.addrs;
      break;
    case 'primary':
    case 'active_slave':
    case 'ad_actor_system':
      if (p.kind === 'text') o[name] = p.value;
      break;
    case 'num_grat_arp':
    case 'num_unsol_na':
      // Two names for Linux's one num_peer_notif.
      o.num_grat_arp = o.num_unsol_na = num(p);
      break;
    default:
      (o as unknown as Record<string, number>)[name] = num(p);
  }
  return warnings;
}

// ---------------------------------------------------------------------------------------
// Printing

/**
 * What `cat /sys/class/net/<bond>/bonding/<name>` prints (without the trailing newline):
 * enum options as "name value", numbers plain, target lists space-separated, '' for none.
 */
export function formatOption(opts: BondOptions, name: string): string {
  const opt = BY_NAME.get(name);
  if (!opt) throw new UsageError(`unknown bonding option ${quoted(name)} (one of: ${OPTION_NAMES.join(', ')})`);
  const key = opt.name;
  switch (key) {
    case 'arp_ip_target':
    case 'ns_ip6_target':
      return opts[key].join(' ');
    case 'updelay':
    case 'downdelay':
    case 'peer_notif_delay':
      // Linux keeps a count of miimon intervals, so these read 0 while miimon is 0.
      return String(opts.miimon ? opts[key] : 0);
    case 'ad_actor_sys_prio':
    case 'ad_user_port_key':
    case 'ad_actor_system':
      // bond_sysfs.c prints these only in 802.3ad mode.
      return opts.mode === BOND_MODE_8023AD ? String(opts[key]) : '';
    case 'primary':
    case 'active_slave':
      return opts[key];
    default: {
      const value = opts[key] as number;
      if (opt.display === 'name-value') {
        const entry = opt.values?.find((x) => x.value === value);
        return `${entry?.name ?? '?'} ${value}`;
      }
      return String(value);
    }
  }
}
