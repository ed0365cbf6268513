/**
 * The bonding option table, as Linux's bond_opts[] in drivers/net/bonding/bond_options.c:
 * each entry owns one option end to end: its value table, default, the modes it is valid in,
 * whether the bond must be down or without slaves, how the running configuration orders it,
 * how `cat` prints it, and its setter. Every way in (sysfs writes on the console, `ip link
 * set ... type bond`, MQTT, the saved configuration, modprobe's extra parameters) goes
 * through `setBondOption`.
 *
 * A setter runs in two steps: `store` checks the value against the other options and writes
 * it (and what it implies for them) into a copy of the options, so a refusal changes
 * nothing; `apply` then does on the live bond what Linux's bond_option_*_set does after
 * storing (start a monitor, reselect the active slave, re-key LACP).
 *
 * Messages are current Linux's: netdev_err/netdev_warn/netdev_info texts as they reach the
 * kernel log (the netdev_dbg ones are not logged at all, as on a default kernel).
 *
 * Portable core: no Node modules, no timers.
 */
import { UsageError } from '../../lib/errors.ts';
import { formatIpv4, formatMac, parseIpv4 } from '../../lib/addr.ts';

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
/** bond_mode_uses_arp: the modes that may use the ARP monitor (all but 802.3ad, tlb, alb). */
export const ARP_MODES: readonly BondMode[] = [0, 1, 2, 3];
const AB_TLB_ALB: readonly BondMode[] = [BOND_MODE_ACTIVEBACKUP, BOND_MODE_TLB, BOND_MODE_ALB];

/** BOND_DEFAULT_MIIMON: what the modes without the ARP monitor fall back to. */
export const BOND_DEFAULT_MIIMON = 100;
/** BOND_MAX_ARP_TARGETS; BOND_MAX_NS_TARGETS is the same. */
export const BOND_MAX_ARP_TARGETS = 16;
export const BOND_MAX_NS_TARGETS = BOND_MAX_ARP_TARGETS;
/** BOND_DEFAULT_TX_QUEUES: a bond's transmit queues (the tx_queues module parameter). */
export const BOND_DEFAULT_TX_QUEUES = 16;
export const INT_MAX = 2147483647;
/** IFNAMSIZ - 1: the longest interface name. */
const IFNAME_MAX = 15;

// ---------------------------------------------------------------------------------------
// Value tables (bond_opt_value arrays)

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
  v('balance-rr', BOND_MODE_ROUNDROBIN, 'D'),
  v('active-backup', BOND_MODE_ACTIVEBACKUP),
  v('balance-xor', BOND_MODE_XOR),
  v('broadcast', BOND_MODE_BROADCAST),
  v('802.3ad', BOND_MODE_8023AD),
  v('balance-tlb', BOND_MODE_TLB),
  v('balance-alb', BOND_MODE_ALB),
];
/** xmit_hash_policy values (BOND_XMIT_POLICY_*). */
export const XMIT_LAYER2 = 0, XMIT_LAYER34 = 1, XMIT_LAYER23 = 2, XMIT_ENCAP23 = 3, XMIT_ENCAP34 = 4, XMIT_VLAN_SRCMAC = 5;
const XMIT_HASH_TBL = [
  v('layer2', XMIT_LAYER2, 'D'), v('layer3+4', XMIT_LAYER34), v('layer2+3', XMIT_LAYER23),
  v('encap2+3', XMIT_ENCAP23), v('encap3+4', XMIT_ENCAP34), v('vlan+srcmac', XMIT_VLAN_SRCMAC),
];
/** arp_validate bits (BOND_ARP_VALIDATE_ACTIVE, _BACKUP, BOND_ARP_FILTER); the table's values combine them. */
export const BOND_ARP_VALIDATE_ACTIVE = 1, BOND_ARP_VALIDATE_BACKUP = 2, BOND_ARP_FILTER = 4;
const ARP_VALIDATE_TBL = [
  v('none', 0, 'D'), v('active', BOND_ARP_VALIDATE_ACTIVE), v('backup', BOND_ARP_VALIDATE_BACKUP),
  v('all', BOND_ARP_VALIDATE_ACTIVE | BOND_ARP_VALIDATE_BACKUP), v('filter', BOND_ARP_FILTER),
  v('filter_active', BOND_ARP_FILTER | BOND_ARP_VALIDATE_ACTIVE), v('filter_backup', BOND_ARP_FILTER | BOND_ARP_VALIDATE_BACKUP),
];
/** arp_all_targets values (BOND_ARP_TARGETS_*). */
export const BOND_ARP_TARGETS_ANY = 0, BOND_ARP_TARGETS_ALL = 1;
const ARP_ALL_TARGETS_TBL = [v('any', BOND_ARP_TARGETS_ANY, 'D'), v('all', BOND_ARP_TARGETS_ALL)];
/** fail_over_mac values (BOND_FOM_*). */
export const BOND_FOM_NONE = 0, BOND_FOM_ACTIVE = 1, BOND_FOM_FOLLOW = 2;
const FAIL_OVER_MAC_TBL = [v('none', BOND_FOM_NONE, 'D'), v('active', BOND_FOM_ACTIVE), v('follow', BOND_FOM_FOLLOW)];
const INTMAX_TBL = [v('off', 0, 'D'), v('maxval', INT_MAX, '>')];
const PPS_TBL = [v('default', 1, 'D'), v('maxval', 65535, '>')];
const LACP_ACTIVE_TBL = [v('off', 0), v('on', 1, 'D')];
const LACP_RATE_TBL = [v('slow', 0), v('fast', 1)];
/** ad_select values (BOND_AD_*); actor_port_prio: the highest sum of per-port priorities wins. */
export const AD_SELECT_STABLE = 0, AD_SELECT_BANDWIDTH = 1, AD_SELECT_COUNT = 2, AD_SELECT_ACTOR_PORT_PRIO = 3;
const AD_SELECT_TBL = [
  v('stable', AD_SELECT_STABLE, 'D'), v('bandwidth', AD_SELECT_BANDWIDTH), v('count', AD_SELECT_COUNT), v('actor_port_prio', AD_SELECT_ACTOR_PORT_PRIO),
];
const NUM_PEER_NOTIF_TBL = [v('off', 0), v('maxval', 255, '>'), v('default', 1, 'D')];
const PEER_NOTIF_DELAY_TBL = [v('off', 0), v('maxval', 300000, '>')];
/** primary_reselect values (BOND_PRI_RESELECT_*). */
export const BOND_PRI_RESELECT_ALWAYS = 0, BOND_PRI_RESELECT_BETTER = 1, BOND_PRI_RESELECT_FAILURE = 2;
const PRIMARY_RESELECT_TBL = [v('always', BOND_PRI_RESELECT_ALWAYS, 'D'), v('better', BOND_PRI_RESELECT_BETTER), v('failure', BOND_PRI_RESELECT_FAILURE)];
const USE_CARRIER_TBL = [v('off', 0), v('on', 1, 'D')];
const ALL_SLAVES_ACTIVE_TBL = [v('off', 0, 'D'), v('on', 1)];
const RESEND_IGMP_TBL = [v('off', 0), v('maxval', 255, '>'), v('default', 1, 'D')];
const LP_INTERVAL_TBL = [v('minval', 1, '<D'), v('maxval', INT_MAX, '>')];
const TLB_DYNAMIC_LB_TBL = [v('off', 0), v('on', 1, 'D')];
const AD_ACTOR_SYS_PRIO_TBL = [v('minval', 1, '<'), v('maxval', 65535, '>D')];
const AD_USER_PORT_KEY_TBL = [v('minval', 0, '<D'), v('maxval', 1023, '>')];
const MISSED_MAX_TBL = [v('minval', 1, '<'), v('maxval', 255, '>'), v('default', 2, 'D')];
const COUPLED_CONTROL_TBL = [v('on', 1, 'D'), v('off', 0)];
/** prio is a netlink s32 (iproute2 get_s32); higher wins. */
const PRIO_TBL = [v('minval', -INT_MAX - 1, '<'), v('default', 0, 'D'), v('maxval', INT_MAX, '>')];
const AD_ACTOR_PORT_PRIO_TBL = [v('minval', 1, '<'), v('maxval', 65535, '>')];
const MAX_BONDS_TBL = [v('minval', 0, '<'), v('maxval', INT_MAX, '>')];

// ---------------------------------------------------------------------------------------
// Option values

/** Every option's current value, keyed by the option's Linux name (Linux's bond_params). */
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
  /** Milliseconds; Linux keeps them as a count of miimon intervals (see formatOption). */
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

/**
 * The options a setter may name: the stored ones, the bond's state (active_slave, queue_id)
 * and the per-slave ones netlink sets (`ip link set <port> type bond_slave prio <n>`).
 */
export type OptionName = keyof BondOptions | 'active_slave' | 'queue_id' | 'prio' | 'ad_actor_port_prio';

/** What a setter may do on a live bond after the value is stored (Linux's setter bodies). */
export interface OptionHost {
  readonly name: string;
  readonly opts: BondOptions;
  readonly adminUp: boolean;
  readonly slaveCount: number;
  /** The mode extension follows opts.mode. */
  modeChanged(): void;
  /** miimon or arp_interval changed: the monitors restart or stop (when the bond is up). */
  monitorsChanged(): void;
  /** _bond_options_arp_ip_target_set: slot `slot` was filled; every slave's last_rx for it is now. */
  arpTargetAdded(slot: number): void;
  /** bond_option_arp_ip_target_rem: the slots after `slot` moved down one. */
  arpTargetRemoved(slot: number): void;
  /** bond_option_primary_set, after the name is stored. */
  primaryChanged(): void;
  /** bond_option_active_slave_set; throws UsageError with Linux's message when refused. */
  setActiveSlave(name: string): void;
  /** The name of the current active slave, as `cat active_slave` reads it ('' for none). */
  activeSlaveName(): string;
  /** bond_select_active_slave. */
  selectActiveSlave(): void;
  /** bond_option_all_slaves_active_set: every backup slave's receive flag follows. */
  allSlavesActiveChanged(): void;
  /** bond_set_carrier. */
  setCarrier(): void;
  /** bond_3ad_update_lacp_rate. */
  lacpRateChanged(): void;
  /** bond_3ad_update_ad_actor_settings. */
  lacpActorChanged(): void;
  /** bond_option_queue_id_set; throws UsageError when refused. */
  setQueueId(slave: string, qid: number): void;
  /** `cat queue_id`: "eth0:0 eth1:2". */
  queueIds(): string;
  /** bond_option_prio_set; throws UsageError when `slave` is not one. */
  setSlavePrio(slave: string, prio: number): void;
  /** bond_option_actor_port_prio_set; throws UsageError when `slave` is not one. */
  setActorPortPrio(slave: string, prio: number): void;
  /** netdev_info on the bond. */
  info(text: string): void;
}

/** How `cat /sys/class/net/<bond>/bonding/<name>` prints the value. */
type Display = 'name-value' | 'number' | 'text' | 'list' | 'ad-number' | 'ad-text' | 'delay';

/** Where the running configuration sets an option, in order (see running-config.ts). */
export type ConfigRank =
  /** Set before the others (miimon: the delays are multiples of it). */
  | 'first'
  | 'normal'
  /** After the ARP targets (arp_interval: no "no targets" warning on load). */
  | 'after-targets'
  /** After the slaves (primary), or not saved as an option at all (mode, state, lists). */
  | 'special';

/** How a parsed value reaches a setter. */
export type ParsedValue =
  | { kind: 'number'; value: number }
  | { kind: 'text'; value: string }
  /** arp_ip_target: add or remove these addresses, in order; or (netlink) replace the list. */
  | { kind: 'arp-targets'; op: '+' | '-' | '='; addrs: string[] }
  /** ns_ip6_target: the new list (replaces the old one). */
  | { kind: 'ns-targets'; addrs: string[] }
  /** A per-slave option: the value for that slave (bond_opt_slave_initval). */
  | { kind: 'slave'; slave: string; value: number };

/** Which interface a value came through: a sysfs file, netlink (`ip link ... type bond`). */
export type Via = 'sysfs' | 'netlink';

export interface OptionDef {
  readonly name: OptionName;
  readonly desc: string;
  /** Text names with their numbers; undefined for options that parse their own text (RAWVAL). */
  readonly values?: readonly NamedValue[];
  /** Modes in which the option may be set (Linux's unsuppmodes, inverted). */
  readonly modes: readonly BondMode[];
  /** BOND_OPTFLAG_IFDOWN: the bond must be down. */
  readonly ifdown: boolean;
  /** BOND_OPTFLAG_NOSLAVES: the bond must have no slaves. */
  readonly noslaves: boolean;
  /** False for options with no file under /sys/class/net/<bond>/bonding/ (netlink only). */
  readonly sysfs: boolean;
  /** A Linux module parameter (bond_check_params reads it); the others modprobe takes here as an extension. */
  readonly moduleParam: boolean;
  /**
   * Set on one slave, through netlink only (bond_slave_changelink): the text is
   * "<slave>:<value>", as `ip link set <slave> type bond_slave <name> <value>` builds it.
   */
  readonly slave: boolean;
  /** The word `ip link set <port> type bond_slave` uses for a per-slave option, when not its name. */
  readonly keyword?: string;
  readonly display: Display;
  readonly rank: ConfigRank;
  /** Parses the text of a RAWVAL option. */
  readonly parse?: (text: string, via: Via) => ParsedValue;
  /** Writes the value into `o` (a copy), with what it implies for other options; throws to refuse. */
  readonly store?: (o: BondOptions, v: ParsedValue, warn: (text: string) => void) => void;
  /** What the setter does on a live bond once the value is stored. */
  readonly apply?: (bond: OptionHost, before: BondOptions, v: ParsedValue) => void;
}

/** The key of a stored numeric option. */
type NumberKey = { [K in keyof BondOptions]: BondOptions[K] extends number ? K : never }[keyof BondOptions];

const num = (p: ParsedValue): number => (p.kind === 'number' ? p.value : 0);

/** A plain option: store the number, nothing else. */
function storeNumber(key: NumberKey): (o: BondOptions, v: ParsedValue) => void {
  return (o, p) => {
    (o as unknown as Record<string, number>)[key] = num(p);
  };
}

interface DefSpec {
  values?: readonly NamedValue[];
  modes?: readonly BondMode[];
  ifdown?: boolean;
  noslaves?: boolean;
  sysfs?: boolean;
  moduleParam?: boolean;
  slave?: boolean;
  keyword?: string;
  display?: Display;
  rank?: ConfigRank;
  parse?: OptionDef['parse'];
  store?: OptionDef['store'];
  apply?: OptionDef['apply'];
}

function def(name: OptionName, desc: string, s: DefSpec): OptionDef {
  return {
    name,
    desc,
    values: s.values,
    modes: s.modes ?? ALL_MODES,
    ifdown: s.ifdown ?? false,
    noslaves: s.noslaves ?? false,
    sysfs: s.sysfs ?? true,
    moduleParam: s.moduleParam ?? false,
    slave: s.slave ?? false,
    keyword: s.keyword,
    display: s.display ?? (s.values && s.values.some((x) => x.isMax) ? 'number' : s.values ? 'name-value' : 'text'),
    rank: s.rank ?? 'normal',
    parse: s.parse,
    store: s.store ?? (name in defaultBondOptions() ? storeNumber(name as NumberKey) : undefined),
    apply: s.apply,
  };
}

// ---------------------------------------------------------------------------------------
// The setters that do more than store (bond_option_*_set)

/** bond_option_mode_set. */
function storeMode(o: BondOptions, p: ParsedValue): void {
  const mode = num(p) as BondMode;
  if (!ARP_MODES.includes(mode)) {
    // Modes without the ARP monitor fall back to the MII monitor (netdev_dbg only).
    o.arp_interval = 0;
    if (o.miimon === 0) o.miimon = BOND_DEFAULT_MIIMON;
  }
  if (mode === BOND_MODE_ALB) o.tlb_dynamic_lb = 1;
  o.arp_validate = 0; // not cached between modes
  o.mode = mode;
}

/**
 * bond_option_miimon_set. Linux keeps the delays as counts of intervals, so in milliseconds
 * they scale with miimon; turning the MII monitor on turns the ARP monitor off.
 */
function storeMiimon(o: BondOptions, p: ParsedValue): void {
  const miimon = num(p);
  for (const d of ['updelay', 'downdelay', 'peer_notif_delay'] as const) {
    if (o.miimon) o[d] = (o[d] / o.miimon) * miimon;
  }
  o.miimon = miimon;
  if (miimon && o.arp_interval) {
    o.arp_interval = 0;
    o.arp_validate = 0;
  }
}

/** _bond_option_delay_set: a multiple of miimon, rounded down with a warning. */
function storeDelay(key: 'updelay' | 'downdelay' | 'peer_notif_delay', label: string): OptionDef['store'] {
  return (o, p, warn) => {
    const value = num(p);
    if (!o.miimon) throw new UsageError(`Unable to set ${label} as MII monitoring is disabled`, 'set miimon first');
    const rounded = Math.floor(value / o.miimon) * o.miimon;
    if (rounded !== value) warn(`${label} (${value}) is not a multiple of miimon (${o.miimon}), value rounded to ${rounded} ms`);
    o[key] = rounded;
  };
}

/** bond_option_arp_interval_set: turning the ARP monitor on turns the MII monitor off. */
function storeArpInterval(o: BondOptions, p: ParsedValue): void {
  const interval = num(p);
  o.arp_interval = interval;
  if (interval && o.miimon) {
    // Linux stores the delays as counts of miimon intervals: with miimon 0 they read 0.
    o.updelay = o.downdelay = o.peer_notif_delay = 0;
    o.miimon = 0;
  }
}

/** bond_option_arp_ip_targets_set (and the netlink form, which replaces the list). */
function storeArpTargets(o: BondOptions, p: ParsedValue, warn: (t: string) => void): void {
  if (p.kind !== 'arp-targets') return;
  if (p.op === '=') o.arp_ip_target = [];
  for (const a of p.addrs) {
    const at = o.arp_ip_target.indexOf(a);
    if (p.op !== '-') {
      if (at >= 0) throw new UsageError(`ARP target ${a} is already present`);
      if (o.arp_ip_target.length >= BOND_MAX_ARP_TARGETS) throw new UsageError('ARP target table is full!', `at most ${BOND_MAX_ARP_TARGETS}; remove one with -<addr>`);
      o.arp_ip_target.push(a);
    } else {
      if (at < 0) throw new UsageError(`unable to remove nonexistent ARP target ${a}`);
      if (at === 0 && o.arp_ip_target.length === 1 && o.arp_interval) warn('Removing last arp target with arp_interval on');
      o.arp_ip_target.splice(at, 1);
    }
  }
}

function applyArpTargets(bond: OptionHost, before: BondOptions, p: ParsedValue): void {
  if (p.kind !== 'arp-targets') return;
  if (p.op === '-') {
    for (const a of p.addrs) bond.arpTargetRemoved(before.arp_ip_target.indexOf(a));
    return;
  }
  const from = p.op === '=' ? 0 : before.arp_ip_target.length;
  for (let slot = from; slot < bond.opts.arp_ip_target.length; slot++) bond.arpTargetAdded(slot);
}

// ---------------------------------------------------------------------------------------
// The table, in the order of Linux's bond_opts[]

export const BOND_OPTIONS: readonly OptionDef[] = [
  def('mode', 'bond device mode', {
    values: MODE_TBL, ifdown: true, noslaves: true, moduleParam: true, rank: 'special',
    store: storeMode,
    apply: (b, before) => {
      if (before.mode !== b.opts.mode) b.modeChanged();
      if (before.miimon !== b.opts.miimon || before.arp_interval !== b.opts.arp_interval) b.monitorsChanged();
    },
  }),
  def('packets_per_slave', 'Packets to send per slave in RR mode', { values: PPS_TBL, modes: [BOND_MODE_ROUNDROBIN], moduleParam: true }),
  def('xmit_hash_policy', 'balance-xor, 802.3ad, and tlb hashing method', { values: XMIT_HASH_TBL, moduleParam: true }),
  def('arp_validate', 'validate src/dst of ARP probes', { values: ARP_VALIDATE_TBL, modes: ARP_MODES, moduleParam: true }),
  def('arp_all_targets', 'fail on any/all arp targets timeout', { values: ARP_ALL_TARGETS_TBL, moduleParam: true }),
  def('fail_over_mac', 'For active-backup, do not set all slaves to the same MAC', { values: FAIL_OVER_MAC_TBL, noslaves: true, moduleParam: true }),
  def('arp_interval', 'arp interval in milliseconds', {
    values: INTMAX_TBL, modes: ARP_MODES, moduleParam: true, rank: 'after-targets',
    store: storeArpInterval,
    apply: (b) => b.monitorsChanged(),
  }),
  def('arp_missed_max', 'Maximum number of missed ARP interval', { values: MISSED_MAX_TBL, modes: ARP_MODES }),
  def('arp_ip_target', 'arp targets in n.n.n.n form', {
    moduleParam: true, display: 'list', rank: 'special',
    parse: parseArpTargets, store: storeArpTargets, apply: applyArpTargets,
  }),
  // Linux has no sysfs file for the NS targets: netlink sets them.
  def('ns_ip6_target', 'NS targets in ffff:ffff::ffff:ffff form', {
    sysfs: false, display: 'list', rank: 'special',
    parse: parseNsTargets,
    store: (o, p) => {
      if (p.kind === 'ns-targets') o.ns_ip6_target = p.addrs;
    },
  }),
  def('downdelay', 'Delay before considering link down, in milliseconds', {
    values: INTMAX_TBL, moduleParam: true, display: 'delay', store: storeDelay('downdelay', 'down delay'),
  }),
  def('updelay', 'Delay before considering link up, in milliseconds', {
    values: INTMAX_TBL, moduleParam: true, display: 'delay', store: storeDelay('updelay', 'up delay'),
  }),
  def('lacp_active', 'Send LACPDU frames with configured lacp rate or acts as speak when spoken to', {
    values: LACP_ACTIVE_TBL, modes: ONLY_8023AD, ifdown: true,
  }),
  def('lacp_rate', 'LACPDU tx rate to request from 802.3ad partner', {
    values: LACP_RATE_TBL, modes: ONLY_8023AD, ifdown: true, moduleParam: true,
    apply: (b) => b.lacpRateChanged(),
  }),
  def('min_links', 'Minimum number of available links before turning on carrier', {
    values: INTMAX_TBL, moduleParam: true,
    apply: (b) => b.setCarrier(),
  }),
  def('ad_select', '803.ad aggregation selection logic', { values: AD_SELECT_TBL, ifdown: true, moduleParam: true }),
  def('num_unsol_na', 'Number of peer notifications to send on failover event', {
    values: NUM_PEER_NOTIF_TBL, moduleParam: true,
    store: (o, p) => {
      o.num_grat_arp = o.num_unsol_na = num(p);
    },
  }),
  def('miimon', 'Link check interval in milliseconds', {
    values: INTMAX_TBL, moduleParam: true, rank: 'first',
    store: storeMiimon,
    apply: (b) => b.monitorsChanged(),
  }),
  def('primary', 'Primary network device to use', {
    modes: AB_TLB_ALB, moduleParam: true, rank: 'special',
    parse: (text) => ({ kind: 'text', value: parseIfName(text) }),
    store: (o, p) => {
      if (p.kind === 'text') o.primary = p.value;
    },
    apply: (b) => b.primaryChanged(),
  }),
  def('primary_reselect', 'Reselect primary slave once it comes up', {
    values: PRIMARY_RESELECT_TBL, moduleParam: true,
    apply: (b) => b.selectActiveSlave(),
  }),
  def('use_carrier', 'Use netif_carrier_ok (vs MII ioctls) in miimon', { values: USE_CARRIER_TBL, moduleParam: true, display: 'number' }),
  def('active_slave', 'Currently active slave', {
    modes: AB_TLB_ALB, rank: 'special',
    // sscanf "%15s": the first word only.
    parse: (text) => ({ kind: 'text', value: parseIfName(text.trim().split(/\s+/)[0] ?? '') }),
    apply: (b, _before, p) => b.setActiveSlave(p.kind === 'text' ? p.value : ''),
  }),
  def('queue_id', 'Set queue id of a slave', {
    rank: 'special',
    parse: (text) => ({ kind: 'text', value: text }),
    apply: (b, _before, p) => {
      // bond_option_queue_id_set: "<slave>:<queue id>"; every refusal is EPERM.
      const text = p.kind === 'text' ? p.value : '';
      const colon = text.indexOf(':');
      const name = colon < 0 ? '' : text.slice(0, colon);
      const qtext = colon < 0 ? '' : text.slice(colon + 1).trim();
      const q = /^-?\d+$/.test(qtext) ? Number(qtext) & 0xffff : NaN; // sscanf %hd into a u16
      const hint = `use <slave>:<queue id>, queue ids 0 to ${BOND_DEFAULT_TX_QUEUES}, each non-zero one used once`;
      if (!validIfName(name) || !(q <= BOND_DEFAULT_TX_QUEUES)) throw new UsageError('invalid input for queue_id set', hint);
      b.setQueueId(name, q);
    },
  }),
  def('all_slaves_active', 'Keep all frames received on an interface by setting active flag for all slaves', {
    values: ALL_SLAVES_ACTIVE_TBL, moduleParam: true, display: 'number',
    apply: (b, before) => {
      if (before.all_slaves_active !== b.opts.all_slaves_active) b.allSlavesActiveChanged();
    },
  }),
  def('resend_igmp', 'Number of IGMP membership reports to send on link failure', { values: RESEND_IGMP_TBL, moduleParam: true }),
  def('lp_interval', 'The number of seconds between instances where the bonding driver sends learning packets to each slave\'s peer switch', {
    values: LP_INTERVAL_TBL, moduleParam: true,
  }),
  def('tlb_dynamic_lb', 'Enable dynamic flow shuffling', {
    values: TLB_DYNAMIC_LB_TBL, modes: [BOND_MODE_TLB, BOND_MODE_ALB], ifdown: true, display: 'number',
  }),
  def('ad_actor_sys_prio', '802.3ad actor system priority', {
    values: AD_ACTOR_SYS_PRIO_TBL, modes: ONLY_8023AD, display: 'ad-number',
    apply: (b) => b.lacpActorChanged(),
  }),
  def('ad_actor_system', '802.3ad actor system MAC address', {
    modes: ONLY_8023AD, display: 'ad-text',
    parse: (text) => ({ kind: 'text', value: parseActorSystem(text) }),
    store: (o, p) => {
      if (p.kind === 'text') o.ad_actor_system = p.value;
    },
    apply: (b) => b.lacpActorChanged(),
  }),
  def('ad_user_port_key', 'upper 10 bits of the 802.3ad port key', {
    values: AD_USER_PORT_KEY_TBL, modes: ONLY_8023AD, ifdown: true, display: 'ad-number',
  }),
  def('num_grat_arp', 'Number of peer notifications to send on failover event', {
    values: NUM_PEER_NOTIF_TBL, moduleParam: true,
    store: (o, p) => {
      o.num_grat_arp = o.num_unsol_na = num(p);
    },
  }),
  def('peer_notif_delay', 'Delay between each peer notification on failover event, in milliseconds', {
    values: PEER_NOTIF_DELAY_TBL, display: 'delay', store: storeDelay('peer_notif_delay', 'peer notification delay'),
  }),
  // Netlink only in Linux; it announces the change at info level.
  def('coupled_control', 'Opt into using coupled control MUX for LACP states', {
    values: COUPLED_CONTROL_TBL, modes: ONLY_8023AD, ifdown: true, sysfs: false, display: 'number',
    apply: (b) => b.info(`Setting coupled_control to ${b.opts.coupled_control ? 'on' : 'off'} (${b.opts.coupled_control})`),
  }),
  // Per-slave options (bond_slave_changelink).
  def('prio', 'Link priority for failover re-selection', {
    values: PRIO_TBL, modes: AB_TLB_ALB, sysfs: false, slave: true, rank: 'special',
    apply: (b, _before, p) => {
      if (p.kind === 'slave') b.setSlavePrio(p.slave, p.value);
    },
  }),
  // iproute2 calls it actor_port_prio (IFLA_BOND_SLAVE_ACTOR_PORT_PRIO).
  def('ad_actor_port_prio', '802.3ad actor port priority', {
    values: AD_ACTOR_PORT_PRIO_TBL, modes: ONLY_8023AD, sysfs: false, slave: true, rank: 'special', keyword: 'actor_port_prio',
    apply: (b, _before, p) => {
      if (p.kind === 'slave') b.setActorPortPrio(p.slave, p.value);
    },
  }),
  // A module parameter only: how many bonds to create at load.
  def('max_bonds', 'Max number of bonded devices', { values: MAX_BONDS_TBL, sysfs: false, moduleParam: true, rank: 'special' }),
];

const BY_NAME = new Map<string, OptionDef>(BOND_OPTIONS.map((o) => [o.name, o]));

/** Option names, sorted, for help and completion. */
export const OPTION_NAMES: readonly OptionName[] = BOND_OPTIONS.filter((o) => !o.slave).map((o) => o.name).sort();

/**
 * What `ip link set <port> type bond_slave <word> <value>` sets, by iproute2's word: queue_id
 * (a bond option taking "<slave>:<id>") and the per-slave options.
 */
export const SLAVE_KEYWORDS: ReadonlyMap<string, OptionName> = new Map([
  ['queue_id', 'queue_id'] as [string, OptionName],
  ...BOND_OPTIONS.filter((o) => o.slave).map((o): [string, OptionName] => [o.keyword ?? o.name, o.name]),
]);

/** The options with a file under /sys/class/net/<bond>/bonding/ (bond_sysfs.c's per_bond_attrs). */
export const SYSFS_OPTIONS: readonly OptionName[] = BOND_OPTIONS.filter((o) => o.sysfs).map((o) => o.name);

export function optionDef(name: string): OptionDef | undefined {
  return BY_NAME.get(name);
}

/** A mode's name ("active-backup"), from the mode table. */
export function modeName(mode: number): string {
  return MODE_TBL.find((m) => m.value === mode)?.name ?? String(mode);
}

/** bond_uses_primary: the modes with one active slave. */
export function usesPrimary(mode: BondMode): boolean {
  return mode === BOND_MODE_ACTIVEBACKUP || mode === BOND_MODE_TLB || mode === BOND_MODE_ALB;
}

/** bond_mode_can_use_xmit_hash. */
export function usesXmitHash(mode: BondMode): boolean {
  return mode === BOND_MODE_XOR || mode === BOND_MODE_8023AD || mode === BOND_MODE_TLB || mode === BOND_MODE_ALB;
}

/** bond_mode_uses_xmit_hash: the modes whose transmit follows xmit_hash_policy now (tlb only without dynamic balancing). */
export function transmitsByHash(o: BondOptions): boolean {
  return o.mode === BOND_MODE_XOR || o.mode === BOND_MODE_8023AD || (o.mode === BOND_MODE_TLB && o.tlb_dynamic_lb === 0);
}

/** bond_needs_speed_duplex: the modes that cannot use a slave whose speed is unknown. */
export function needsSpeedDuplex(mode: BondMode): boolean {
  return mode === BOND_MODE_8023AD || isLb(mode);
}

/** bond_is_lb: balance-tlb and balance-alb. */
export function isLb(mode: BondMode): boolean {
  return mode === BOND_MODE_TLB || mode === BOND_MODE_ALB;
}

/** A mode's number from its name ("802.3ad" -> 4), or -1. */
export function modeNumber(name: string): number {
  return MODE_TBL.find((m) => m.name === name)?.value ?? -1;
}

/** bond_mode_name: what /proc and the kernel's messages call each mode. */
const MODE_LONG_NAMES = [
  'load balancing (round-robin)',
  'fault-tolerance (active-backup)',
  'load balancing (xor)',
  'fault-tolerance (broadcast)',
  'IEEE 802.3ad Dynamic link aggregation',
  'transmit load balancing',
  'adaptive load balancing',
];

export function modeLongName(mode: number): string {
  return MODE_LONG_NAMES[mode] ?? 'unknown';
}

/** A value's name in an option's table ("layer3+4" for xmit_hash_policy 1), or the number. */
export function valueName(name: OptionName, value: number): string {
  return BY_NAME.get(name)?.values?.find((x) => x.value === value)?.name ?? String(value);
}

/**
 * A new bond's options: the defaults of Linux's module parameters (bond_check_params with
 * none given). miimon is 0: only the modes without the ARP monitor force it to 100.
 */
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
    miimon: 0,
    primary: '',
    primary_reselect: 0,
    use_carrier: 1,
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
// Parsing (bond_opt_parse and the RAWVAL options' own parsers)

function quoted(text: string): string {
  const s = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
  return s.slice(1, -1);
}

function listModes(modes: readonly BondMode[]): string {
  return modes.map(modeName).join(', ');
}

/** What the bond is doing when an option is set; Linux checks these before parsing. */
export interface OptionContext {
  mode: BondMode;
  up: boolean;
  slaveCount: number;
}

/** bond_opt_check_deps, with bond_opt_error_interpret's messages. */
function checkDeps(opt: OptionDef, ctx: OptionContext): void {
  if (!opt.modes.includes(ctx.mode)) {
    throw new UsageError(`option ${opt.name}: mode dependency failed, not supported in mode ${modeName(ctx.mode)}(${ctx.mode})`, `valid in ${listModes(opt.modes)}`);
  }
  if (opt.noslaves && ctx.slaveCount > 0) throw new UsageError(`option ${opt.name}: unable to set because the bond device has slaves`);
  if (opt.ifdown && ctx.up) throw new UsageError(`option ${opt.name}: unable to set because the bond device is up`);
}

/** bond_opt_error_interpret for EINVAL: the value, then the range when the table has one. */
function invalidValue(opt: OptionDef, text: string): UsageError {
  const tbl = opt.values ?? [];
  const max = tbl.find((x) => x.isMax);
  if (max) {
    const min = tbl.find((x) => x.isMin)?.value ?? 0;
    const names = tbl.map((x) => x.name);
    if (tbl.some((x) => x.isDefault) && !names.includes('default')) names.push('default');
    return new UsageError(`option ${opt.name}: invalid value (${quoted(text)})`, `allowed values ${min} - ${max.value}, or ${names.join(', ')}`);
  }
  return new UsageError(`option ${opt.name}: invalid value (${quoted(text)})`, tbl.map((x) => `${x.name} ${x.value}`).join(', '));
}

/** bond_opt_parse: digits (and spaces) are a number, anything else the first word is a name. */
function parseTableValue(opt: OptionDef, text: string): number {
  const tbl = opt.values ?? [];
  if (/^[0-9\s]*$/.test(text)) {
    const word = text.trim().split(/\s+/)[0];
    if (!word) throw invalidValue(opt, text);
    const n = Number(word);
    const exact = tbl.find((x) => x.value === n);
    if (exact) return exact.value;
    const max = tbl.find((x) => x.isMax);
    const min = tbl.find((x) => x.isMin)?.value ?? 0;
    if (max && n >= min && n <= max.value) return n;
    throw invalidValue(opt, text);
  }
  const word = text.trim().split(/\s+/)[0];
  for (const x of tbl) {
    if ((word === 'default' && x.isDefault) || word === x.name) return x.value;
  }
  throw invalidValue(opt, text);
}

/** "<slave>:<value>" for a per-slave option: a whole number within the option's range. */
function parseSlaveValue(opt: OptionDef, text: string): ParsedValue {
  const colon = text.indexOf(':');
  const slave = colon < 0 ? '' : text.slice(0, colon);
  const word = colon < 0 ? '' : text.slice(colon + 1).trim();
  const min = opt.values?.find((x) => x.isMin)?.value ?? 0;
  const max = opt.values?.find((x) => x.isMax)?.value ?? INT_MAX;
  const n = /^-?\d+$/.test(word) ? Number(word) : NaN;
  if (!validIfName(slave) || !(n >= min && n <= max)) {
    throw new UsageError(`option ${opt.name}: invalid value (${quoted(word)})`, `allowed values ${min} - ${max}`);
  }
  return { kind: 'slave', slave, value: n };
}

/** dev_valid_name: what Linux accepts as an interface name. */
export function validIfName(name: string): boolean {
  return name.length > 0 && name.length <= IFNAME_MAX && name !== '.' && name !== '..' && !/[\s/:]/.test(name);
}

function parseIfName(text: string): string {
  const name = text.trim();
  if (name !== '' && !validIfName(name)) {
    throw new UsageError(`interface ${quoted(name)} does not exist!`, `at most ${IFNAME_MAX} characters, no spaces, '/' or ':'; empty clears`);
  }
  return name;
}

/** bond_is_ip_target_ok: not 0.0.0.0/8 and not the limited broadcast. */
export function ipTargetOk(ip: number): boolean {
  return ip >>> 24 !== 0 && ip !== 0xffffffff;
}

/**
 * bond_option_arp_ip_targets_set: through sysfs "+addr" adds and "-addr" removes, one at a
 * time; netlink (`ip link set ... type bond arp_ip_target a,b`) gives the whole list.
 */
function parseArpTargets(text: string, via: Via): ParsedValue {
  const t = text.trim();
  const check = (word: string, op: string): string => {
    const ip = parseIpv4(word);
    if (ip === undefined || word !== word.trim()) throw new UsageError('invalid ARP target specified', 'use +<addr> to add, -<addr> to remove');
    if (!ipTargetOk(ip)) throw new UsageError(`invalid ARP target ${formatIpv4(ip)} specified for ${op === '-' ? 'removal' : 'addition'}`);
    return formatIpv4(ip);
  };
  if (via === 'netlink') return { kind: 'arp-targets', op: '=', addrs: t === '' ? [] : t.split(',').map((w) => check(w, '+')) };
  if (t.length < 1 || parseIpv4(t.slice(1)) === undefined) throw new UsageError('invalid ARP target specified', 'use +<addr> to add, -<addr> to remove');
  const op = t[0];
  if (op !== '+' && op !== '-') throw new UsageError('no command found in arp_ip_targets file - use +<addr> or -<addr>');
  return { kind: 'arp-targets', op, addrs: [check(t.slice(1), op)] };
}

/** Parses IPv6 text into 8 groups; undefined when malformed. Accepts a dotted-quad tail. */
function parseIpv6(text: string): number[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let s = text;
  if (s.includes('.')) {
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
  if (bestAt === 0 && bestLen === 5 && g[5] === 0xffff) {
    return `::ffff:${g[6] >>> 8}.${g[6] & 255}.${g[7] >>> 8}.${g[7] & 255}`;
  }
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/** bond_option_ns_ip6_targets_set, for the whole list netlink gives. */
function parseNsTargets(text: string): ParsedValue {
  const words = text.split(/[\s,]+/).filter((w) => w !== '');
  if (words.length > BOND_MAX_NS_TARGETS) throw new UsageError('NS target table is full!', `at most ${BOND_MAX_NS_TARGETS}`);
  const addrs: string[] = [];
  for (const w of words) {
    const g = parseIpv6(w);
    if (!g) throw new UsageError(`invalid NS target ${quoted(w)}`, 'IPv6 addresses, comma separated; empty clears');
    const any = g.every((x) => x === 0);
    const loopback = g.slice(0, 7).every((x) => x === 0) && g[7] === 1;
    const multicast = g[0] >>> 8 === 0xff;
    const a = formatIpv6(g);
    if (any || loopback || multicast) throw new UsageError(`invalid NS target ${a} specified for addition`);
    if (addrs.includes(a)) throw new UsageError(`NS target ${a} is already present`);
    addrs.push(a);
  }
  return { kind: 'ns-targets', addrs };
}

const MAC_PTON = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** bond_option_ad_actor_system_set: mac_pton, and not multicast (all zeros: the bond's own MAC). */
function parseActorSystem(text: string): string {
  const t = text.trim();
  const bad = (): never => {
    throw new UsageError('Invalid ad_actor_system MAC address.', 'a unicast xx:xx:xx:xx:xx:xx');
  };
  if (!MAC_PTON.test(t)) bad();
  const mac = Uint8Array.from(t.split(':').map((h) => parseInt(h, 16)));
  if (mac[0] & 1) bad();
  return formatMac(mac);
}

/**
 * Checks that `name` may be set in this context and parses `text` as Linux would for a write
 * to the sysfs file (everything from a newline on, as `echo` adds one, is ignored).
 */
export function parseOptionValue(name: string, text: string, ctx: OptionContext, via: Via = 'sysfs'): ParsedValue {
  const opt = BY_NAME.get(name);
  if (!opt) throw new UsageError(`unknown bonding option '${quoted(name)}'`, `one of: ${OPTION_NAMES.join(', ')}`);
  checkDeps(opt, ctx);
  const nl = text.indexOf('\n');
  const value = nl >= 0 ? text.slice(0, nl) : text;
  if (opt.slave) return parseSlaveValue(opt, value);
  if (opt.parse) return opt.parse(value, via);
  return { kind: 'number', value: parseTableValue(opt, value) };
}

// ---------------------------------------------------------------------------------------
// Setting

/**
 * __bond_opt_set: checks the option's dependencies on the bond, parses the value, stores it
 * and (on a live bond) applies it. Returns the warnings Linux logs (netdev_warn); throws
 * UsageError with Linux's message and changes nothing when refused.
 */
export function setBondOption(
  host: OptionHost | undefined,
  opts: BondOptions,
  name: string,
  text: string,
  ctx: { up: boolean; slaveCount: number },
  via: Via = 'sysfs',
): string[] {
  const opt = BY_NAME.get(name);
  const parsed = parseOptionValue(name, text, { mode: opts.mode, up: ctx.up, slaveCount: ctx.slaveCount }, via);
  const warnings: string[] = [];
  const before = cloneBondOptions(opts);
  if (opt?.store) {
    const next = cloneBondOptions(opts);
    opt.store(next, parsed, (w) => warnings.push(w));
    Object.assign(opts, next);
  }
  if (host && opt?.apply) opt.apply(host, before, parsed);
  return warnings;
}

/** Sets an option on a plain set of options (no bond yet: module defaults, checks on a copy). */
export function setOption(opts: BondOptions, name: string, text: string, ctx: { up: boolean; slaveCount: number }, via: Via = 'sysfs'): { warnings: string[] } {
  return { warnings: setBondOption(undefined, opts, name, text, ctx, via) };
}

// ---------------------------------------------------------------------------------------
// Printing (bond_sysfs.c's show functions)

/**
 * What `cat /sys/class/net/<bond>/bonding/<name>` prints (without the trailing newline):
 * enum options as "name value", numbers plain, target lists space-separated, '' for none.
 * `host` answers for the options that read the bond's state (active_slave, queue_id).
 */
export function formatOption(opts: BondOptions, name: string, host?: OptionHost): string {
  const opt = BY_NAME.get(name);
  if (!opt) throw new UsageError(`unknown bonding option '${quoted(name)}'`, `one of: ${OPTION_NAMES.join(', ')}`);
  const key = opt.name;
  if (key === 'active_slave') return host ? host.activeSlaveName() : '';
  if (key === 'queue_id') return host ? host.queueIds() : '';
  switch (opt.display) {
    case 'list':
      return (opts[key as 'arp_ip_target' | 'ns_ip6_target']).join(' ');
    case 'delay':
      // Linux keeps a count of miimon intervals, so these read 0 while miimon is 0.
      return String(opts.miimon ? opts[key as NumberKey] : 0);
    case 'ad-number':
    case 'ad-text':
      // Printed only in 802.3ad mode.
      return opts.mode === BOND_MODE_8023AD ? String(opts[key as keyof BondOptions]) : '';
    case 'text':
      return String(opts[key as keyof BondOptions]);
    case 'name-value': {
      const value = opts[key as NumberKey];
      return `${valueName(key, value)} ${value}`;
    }
    default:
      return String(opts[key as NumberKey]);
  }
}

/** The value as the sysfs file takes it back: the name for enums, the printed text otherwise. */
export function optionInputText(opts: BondOptions, name: OptionName): string {
  const opt = BY_NAME.get(name);
  const text = formatOption(opts, name);
  return opt?.display === 'name-value' ? text.split(' ')[0] : text;
}
