import { UsageError } from '../../lib/errors.ts';
import { Bond } from '../bonding/bond.ts';
import { cloneBondOptions, setOption, SLAVE_KEYWORDS } from '../bonding/options.ts';
import { formatIpv4, formatMac, isMulticastMac, isZeroMac, parseIpv4, parseMac } from '../../lib/addr.ts';
import { operstate, type NetDevice } from '../net/netdev.ts';
import { isFrontPort } from '../net/port-device.ts';
import type { NetStack } from '../net/stack.ts';
import { VlanDevice } from '../net/vlan-device.ts';
import type { Access } from './access.ts';
import { printable, type Dispatcher } from './dispatcher.ts';
import { FileError, type SysFs } from './sysfs.ts';

/**
 * The Linux commands for network devices: `cat`/`echo` over /sys/class/net, `ifconfig`
 * (net-tools format, as the bonding HOWTO shows it) and `ip link`.
 */
export function registerNetCommands(d: Dispatcher, sysfs: SysFs, stack: NetStack): void {
  const devices = stack.devices;
  const dev = (p: Record<string, string>): NetDevice => {
    const x = devices.get(p.if);
    if (!x) throw new FileError('No such file or directory');
    return x;
  };
  const exists = (p: Record<string, string>): boolean => devices.get(p.if) !== undefined;
  // Linux refuses carrier, speed and duplex on an interface that is down (-EINVAL).
  const running = (p: Record<string, string>): NetDevice => {
    const x = dev(p);
    if (!x.adminUp) throw new FileError('Invalid argument');
    return x;
  };
  sysfs.add('/sys/class/net/{if}/address', { read: (p) => formatMac(dev(p).mac) }, exists);
  // Linux has no word for a carrier nobody knows; 'unknown' is neither 0 nor 1, so no script takes it for either.
  sysfs.add('/sys/class/net/{if}/carrier', { read: (p) => (running(p).carrierUnknown ? 'unknown' : running(p).carrier ? '1' : '0') }, exists);
  sysfs.add('/sys/class/net/{if}/operstate', { read: (p) => operstate(dev(p)) }, exists);
  sysfs.add('/sys/class/net/{if}/speed', { read: (p) => String(running(p).speed) }, exists);
  sysfs.add('/sys/class/net/{if}/duplex', { read: (p) => running(p).duplex }, exists);
  sysfs.add('/sys/class/net/{if}/mtu', { read: (p) => String(dev(p).mtu) }, exists);
  sysfs.add('/sys/class/net/{if}/tx_queue_len', { read: (p) => String(dev(p).txqueuelen) }, exists);

  d.register({
    name: 'cat',
    summary: 'print virtual files (/sys/class/net/...)',
    usage: 'cat <path> [<path> ...]\ne.g. cat /sys/class/net/eth0/speed',
    access: 'read',
    run: async (args) => {
      if (args.length === 0) throw new UsageError('cat: missing file operand (usage: cat <path>...)');
      const out: string[] = [];
      for (const path of args) {
        try {
          out.push(await sysfs.read(path));
        } catch (e) {
          if (e instanceof FileError) throw new FileError(`cat: ${printable(path)}: ${e.message}`);
          throw e;
        }
      }
      return out.join('\n');
    },
  });

  d.register({
    name: 'echo',
    summary: 'print text, or write it to a virtual file with >',
    usage: 'echo <text>\necho <value> > <path>',
    // Writing a file under /sys changes a bond or a port; echoing text reads nothing.
    access: (args) => (args.includes('>') ? 'change' : 'read'),
    run: async (args) => {
      const gt = args.indexOf('>');
      if (gt < 0) return args.join(' ');
      if (gt !== args.length - 2) throw new UsageError('echo: usage: echo <value> > <path>');
      const path = args[gt + 1];
      try {
        return await sysfs.write(path, args.slice(0, gt).join(' '));
      } catch (e) {
        if (e instanceof FileError) throw new FileError(`echo: ${printable(path)}: ${e.message}`);
        throw e;
      }
    },
  });

  const lookup = (cmd: string, name: string): NetDevice => {
    const x = devices.get(name);
    if (!x) throw new UsageError(`${cmd}: ${printable(name)}: no such device (devices: ${devices.list().map((v) => v.name).join(', ')})`);
    return x;
  };

  d.register({
    name: 'ifconfig',
    summary: 'show network devices; set addresses, MAC, MTU, promiscuity, up/down (net-tools syntax)',
    usage: [
      'ifconfig [-a]',
      'ifconfig <if>',
      'ifconfig <if> [<ip> [netmask <mask>]] [hw ether <mac>] [mtu <n>] [[-]promisc] [[-]allmulti] [up|down]',
      'e.g. ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
    ].join('\n'),
    access: (args) => (args.length <= 1 ? 'read' : 'change'),
    run: async (args) => {
      if (args.length === 0 || (args.length === 1 && args[0] === '-a')) {
        const all = args[0] === '-a';
        return devices.list().filter((x) => all || x.adminUp).map((x) => formatIfconfig(x, stack)).join('\n\n');
      }
      const x = lookup('ifconfig', args[0]);
      if (args.length === 1) return formatIfconfig(x, stack);
      await ifconfigSet(stack, x, args.slice(1));
      return '';
    },
  });

  d.register({
    name: 'ip',
    summary: 'show and set network devices, addresses and neighbours (iproute2 syntax)',
    usage: [
      'ip link [show [dev] <if>]',
      'ip link set [dev] <if> [up|down] [address <mac>] [mtu <n>] [promisc on|off] [allmulticast on|off] [master <bond>|nomaster]',
      'ip link set <bond> type bond <option> <value> ...   (every bonding option, e.g. coupled_control off)',
      'ip link set <port> type bond_slave [queue_id <n>] [prio <n>] [actor_port_prio <n>]',
      'ip link add link <bond> name <bond>.<vid> type vlan id <vid>',
      'ip link del [dev] <if>',
      'ip addr [show [dev] <if>]',
      'ip addr add|del <ip>/<prefix> dev <if>',
      'ip addr flush dev <if>',
      'ip neigh [show]',
    ].join('\n'),
    access: ipAccess,
    run: async (args) => ipCommand(stack, args),
  });
}

/** `ip <object>` and `ip <object> show ...` read; every other form changes state (or is refused as malformed). */
/** iproute2's options before the object: -d / -details (the only ones taken here). */
function ipOptions(args: string[]): { details: boolean; rest: string[] } {
  let i = 0;
  while (args[i] === '-d' || args[i] === '-details' || args[i] === '-detail') i++;
  return { details: i > 0, rest: args.slice(i) };
}

export function ipAccess(args: string[]): Access {
  const [obj, verb] = ipOptions(args).rest;
  const is = (w: string | undefined, full: string): boolean => w !== undefined && w.length >= 1 && full.startsWith(w);
  const known = is(obj, 'link') || is(obj, 'address') || obj === 'addr' || is(obj, 'neighbour') || obj === 'neigh';
  const shows = verb === undefined || verb === 'show' || verb === 'list' || verb === 'ls';
  return known && shows ? 'read' : 'change';
}

/** Classful netmask, as net-tools assumes when none is given. */
function classfulPrefix(ip: number): number {
  const a = ip >>> 24;
  if (a < 128) return 8;
  if (a < 192) return 16;
  return 24;
}

function prefixOfMask(text: string): number {
  const m = parseIpv4(text);
  if (m === undefined) throw new UsageError(`ifconfig: '${printable(text)}' is not a netmask (e.g. 255.255.255.0)`);
  const inv = ~m >>> 0;
  if ((inv & (inv + 1)) !== 0) throw new UsageError(`ifconfig: ${printable(text)} is not a valid netmask (ones then zeros)`);
  let n = 0;
  for (let v = m; v & 0x80000000; v = (v << 1) >>> 0) n++;
  return n;
}

function parseMacArg(cmd: string, text: string | undefined): Uint8Array {
  const mac = text === undefined ? undefined : parseMac(text);
  if (!mac) throw new UsageError(`${cmd}: '${printable(text ?? '')}' is not a MAC address (xx:xx:xx:xx:xx:xx)`);
  if (isMulticastMac(mac) || isZeroMac(mac)) throw new UsageError(`${cmd}: ${printable(text ?? '')}: Cannot assign requested address (not a unicast address)`);
  return mac;
}

function parseMtu(cmd: string, text: string | undefined): number {
  const n = text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 68 && n <= 1500)) throw new UsageError(`${cmd}: mtu '${printable(text ?? '')}' out of range (68 to 1500 on this board)`);
  return n;
}

/** Bonds, ports and VLAN devices each have their own rule for a new address. */
function setMac(dev: NetDevice, mac: Uint8Array): void {
  if (dev instanceof Bond || isFrontPort(dev) || dev instanceof VlanDevice) dev.setMac(mac);
}

function setMtu(dev: NetDevice, mtu: number): void {
  if (dev instanceof Bond) dev.setMtu(mtu);
  else if (isFrontPort(dev)) {
    // A slave may take its own MTU: the bond ignores NETDEV_CHANGEMTU (bond_slave_netdev_event)
    // until its own MTU next changes, which sets every slave's again (bond_change_mtu).
    dev.mtu = mtu;
  } else if (dev instanceof VlanDevice) {
    if (mtu > dev.lower.mtu) throw new UsageError(`${dev.name}: mtu ${mtu} is larger than ${dev.lower.name}'s (${dev.lower.mtu})`);
    dev.mtu = mtu;
  }
}

function setPromisc(dev: NetDevice, on: boolean, allmulti: boolean): void {
  if (dev instanceof Bond) {
    if (allmulti) dev.setAllmulti(on);
    else dev.setPromisc(on);
  } else if (isFrontPort(dev)) {
    if (allmulti) dev.userAllmulti = on;
    else dev.userPromisc = on;
  } else throw new UsageError(`${dev.name}: promiscuous mode is set on the device below it (${dev instanceof VlanDevice ? dev.lower.name : 'its lower device'})`);
}

/** `ifconfig <if> ...`: net-tools applies its arguments left to right. */
async function ifconfigSet(stack: NetStack, dev: NetDevice, args: string[]): Promise<void> {
  // Check everything first, so a bad word changes nothing.
  type Step = () => Promise<void> | void;
  const steps: Step[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i];
    if (w === 'up' || w === 'down') steps.push(() => stack.setAdminUp(dev, w === 'up'));
    else if (w === 'hw') {
      if (args[i + 1] !== 'ether') throw new UsageError(`ifconfig: hw takes 'ether <mac>' (got '${printable(args[i + 1] ?? '')}')`);
      const mac = parseMacArg('ifconfig', args[i + 2]);
      i += 2;
      steps.push(() => setMac(dev, mac));
    } else if (w === 'mtu') {
      const mtu = parseMtu('ifconfig', args[++i]);
      steps.push(() => setMtu(dev, mtu));
    } else if (w === 'promisc' || w === '-promisc' || w === 'allmulti' || w === '-allmulti') {
      steps.push(() => setPromisc(dev, !w.startsWith('-'), w.endsWith('allmulti')));
    } else if (w === 'netmask') {
      throw new UsageError('ifconfig: netmask needs an address before it (ifconfig <if> <ip> netmask <mask>)');
    } else {
      const ip = parseIpv4(w);
      if (ip === undefined) {
        throw new UsageError(`ifconfig: unknown argument '${printable(w)}' (an IPv4 address, netmask <mask>, hw ether <mac>, mtu <n>, [-]promisc, [-]allmulti, up, down)`);
      }
      let prefix = classfulPrefix(ip);
      if (args[i + 1] === 'netmask') {
        prefix = prefixOfMask(args[i + 2] ?? '');
        i += 2;
      }
      // net-tools brings the interface up when it sets an address.
      steps.push(() => stack.host.setPrimaryAddress(dev.name, ip, prefix));
      steps.push(() => (dev.adminUp ? undefined : stack.setAdminUp(dev, true)));
    }
  }
  for (const step of steps) await step();
}

async function ipCommand(stack: NetStack, args: string[]): Promise<string> {
  // -d / -details: ip link show adds each device's bonding details.
  const { details, rest: words } = ipOptions(args);
  const [obj, ...rest] = words;
  const is = (w: string | undefined, full: string, min = 1): boolean => w !== undefined && w.length >= min && full.startsWith(w);
  if (is(obj, 'link')) return ipLink(stack, rest, details);
  if (is(obj, 'address', 1) || obj === 'addr') return ipAddr(stack, rest);
  if (is(obj, 'neighbour', 1) || obj === 'neigh') {
    if (rest.length > 0 && rest[0] !== 'show') throw new UsageError('ip neigh: usage: ip neigh [show]');
    return stack.host
      .neighbours()
      .map((n) => `${formatIpv4(n.ip)} dev ${n.link}${n.mac ? ` lladdr ${formatMac(n.mac)}` : ''} ${n.state}`)
      .join('\n');
  }
  throw new UsageError(`ip: unsupported object '${printable(obj ?? '')}' (ip link, ip addr, ip neigh)`);
}

function devArg(words: string[]): string | undefined {
  return words[0] === 'dev' ? words[1] : words[0];
}

async function ipLink(stack: NetStack, args: string[], details = false): Promise<string> {
  const devices = stack.devices;
  const find = (name: string | undefined): NetDevice => {
    const x = name === undefined ? undefined : devices.get(name);
    if (!x) throw new UsageError(`Cannot find device "${printable(name ?? '')}"`);
    return x;
  };
  const [verb, ...rest] = args;
  if (verb === undefined || verb === 'show' || verb === 'list' || verb === 'ls') {
    const name = devArg(rest);
    const all = devices.list();
    const which = name === undefined ? all : [find(name)];
    return which.map((x) => formatIpLink(x, all.indexOf(x) + 1) + (details ? bondSlaveDetails(stack, x) : '')).join('\n');
  }
  if (verb === 'set') {
    const name = devArg(rest);
    const x = find(name);
    const words = rest.slice(rest[0] === 'dev' ? 2 : 1);
    if (words.length === 0) throw new UsageError('ip link set: nothing to set (up|down, address <mac>, mtu <n>, promisc on|off, master <bond>, nomaster)');
    const steps: (() => Promise<void> | void)[] = [];
    const onOff = (w: string | undefined): boolean => {
      if (w !== 'on' && w !== 'off') throw new UsageError(`ip link set: expected on|off, got '${printable(w ?? '')}'`);
      return w === 'on';
    };
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if (w === 'up' || w === 'down') steps.push(() => stack.setAdminUp(x, w === 'up'));
      else if (w === 'address') {
        const mac = parseMacArg('ip link set', words[++i]);
        steps.push(() => setMac(x, mac));
      } else if (w === 'mtu') {
        const mtu = parseMtu('ip link set', words[++i]);
        steps.push(() => setMtu(x, mtu));
      } else if (w === 'promisc' || w === 'allmulticast') {
        const on = onOff(words[++i]);
        steps.push(() => setPromisc(x, on, w === 'allmulticast'));
      } else if (w === 'master') {
        const masterName = words[++i];
        steps.push(() => setMaster(stack, x, masterName));
      } else if (w === 'nomaster') {
        steps.push(() => setNoMaster(stack, x));
      } else if (w === 'type' && words[i + 1] === 'bond') {
        // ip link set <bond> type bond <option> <value> ...: the option table, as netlink sets it.
        if (!(x instanceof Bond)) throw new UsageError(`ip link set: ${x.name} is not a bond`);
        i++;
        const pairs: [string, string][] = [];
        while (i + 2 < words.length + 1 && words[i + 1] !== undefined) {
          const opt = words[i + 1];
          const val = words[i + 2];
          if (val === undefined) throw new UsageError(`ip link set: bond option '${printable(opt)}' needs a value`);
          pairs.push([opt, val]);
          i += 2;
        }
        if (pairs.length === 0) throw new UsageError('ip link set: usage: ip link set <bond> type bond <option> <value> ...');
        steps.push(() => {
          // All or nothing: check the whole list on a copy first.
          const trial = cloneBondOptions(x.opts);
          try {
            for (const [opt, val] of pairs) setOption(trial, opt, val, { up: x.adminUp, slaveCount: x.slaves.length }, 'netlink');
          } catch (e) {
            throw e instanceof UsageError ? e.by(x.name) : e;
          }
          for (const [opt, val] of pairs) x.setOptionText(opt, val, 'netlink');
        });
      } else if (w === 'type' && words[i + 1] === 'bond_slave') {
        // ip link set <port> type bond_slave [queue_id <n>] [prio <n>] [actor_port_prio <n>]
        // (bond_slave_changelink: each through the bond's option table, for this slave).
        i++;
        const pairs: [string, string][] = [];
        while (SLAVE_KEYWORDS.has(words[i + 1] ?? '')) {
          const value = words[i + 2];
          if (value === undefined) throw new UsageError(`ip link set: bond_slave ${words[i + 1]} needs a value`);
          pairs.push([SLAVE_KEYWORDS.get(words[i + 1])!, value]);
          i += 2;
        }
        if (pairs.length === 0) throw new UsageError(`ip link set: bond_slave takes ${[...SLAVE_KEYWORDS.keys()].join(', ')}, got '${printable(words[i + 1] ?? '')}'`);
        steps.push(() => setSlaveOptions(stack, x, pairs));
      } else throw new UsageError(`ip link set: unknown argument '${printable(w)}' (up|down, address <mac>, mtu <n>, promisc on|off, allmulticast on|off, master <bond>, nomaster)`);
    }
    for (const step of steps) await step();
    return '';
  }
  if (verb === 'add') {
    // ip link add link <lower> name <name> type vlan id <vid>
    const kv = new Map<string, string>();
    for (let i = 0; i < rest.length; i += 2) {
      if (rest[i + 1] === undefined) throw new UsageError(`ip link add: '${printable(rest[i])}' needs a value`);
      kv.set(rest[i], rest[i + 1]);
    }
    const type = kv.get('type');
    if (type === 'bond') throw new UsageError('ip link add: create bonds with: echo +<name> > /sys/class/net/bonding_masters');
    if (type !== 'vlan') throw new UsageError(`ip link add: unsupported type '${printable(type ?? '')}' (usage: ip link add link <bond> name <bond>.<vid> type vlan id <vid>)`);
    const lower = kv.get('link');
    const name = kv.get('name');
    const id = kv.get('id');
    if (!lower || !name || id === undefined) throw new UsageError('ip link add: usage: ip link add link <bond> name <name> type vlan id <vid>');
    if (!/^\d+$/.test(id)) throw new UsageError(`ip link add: vlan id '${printable(id)}' is not a number (1 to 4094)`);
    for (const k of kv.keys()) if (!['link', 'name', 'type', 'id'].includes(k)) throw new UsageError(`ip link add: unknown argument '${printable(k)}'`);
    stack.addVlan(lower, name, Number(id));
    return '';
  }
  if (verb === 'delete' || verb === 'del') {
    const x = find(devArg(rest));
    if (x instanceof VlanDevice) stack.removeVlan(x.name);
    else if (x instanceof Bond) await stack.bonding.destroy(x.name);
    else throw new UsageError(`RTNETLINK answers: Operation not supported (${x.name} is a front-panel port)`);
    return '';
  }
  throw new UsageError(`ip link: unknown command '${printable(verb)}' (show, set, add, del)`);
}

async function setMaster(stack: NetStack, x: NetDevice, masterName: string | undefined): Promise<void> {
  const master = masterName === undefined ? undefined : stack.devices.get(masterName);
  if (!master) throw new UsageError(`Device does not exist: "${printable(masterName ?? '')}"`);
  if (!(master instanceof Bond)) throw new UsageError(`RTNETLINK answers: Operation not supported (${master.name} is not a bond)`);
  if (!isFrontPort(x)) throw new UsageError(`Error: only front-panel ports can be enslaved (${x.name} is a ${x.kind})`);
  if (x.master === master.name) return;
  if (x.master !== undefined) {
    // do_set_master: leave the old bond first (which closes the port).
    const old = stack.bond(x.master);
    const s = old?.slave(x.name);
    if (old && s) await old.release(s);
  }
  if (x.adminUp) throw new UsageError('Error: Device can not be enslaved while up.');
  await master.enslave(x);
}

function setSlaveOptions(stack: NetStack, x: NetDevice, pairs: readonly [string, string][]): void {
  const bond = isFrontPort(x) && x.master !== undefined ? stack.bond(x.master) : undefined;
  if (!bond) throw new UsageError('RTNETLINK answers: Operation not supported', `${x.name} is not enslaved to a bond`);
  for (const [name, value] of pairs) bond.setOptionText(name, `${x.name}:${value}`, 'netlink');
}

async function setNoMaster(stack: NetStack, x: NetDevice): Promise<void> {
  if (!isFrontPort(x) || x.master === undefined) return;
  const bond = stack.bond(x.master);
  const s = bond?.slave(x.name);
  if (bond && s) await bond.release(s);
}

async function ipAddr(stack: NetStack, args: string[]): Promise<string> {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === 'show' || verb === 'list' || verb === 'ls') {
    const name = devArg(rest);
    const all = stack.devices.list();
    const which = name === undefined ? all : [all.find((d) => d.name === name) ?? fail(`Device "${printable(name)}" does not exist.`)];
    return which.map((x) => formatIpAddr(x, all.indexOf(x) + 1, stack)).join('\n');
  }
  if (verb === 'add' || verb === 'del' || verb === 'delete') {
    const [cidr, ...more] = rest;
    const m = cidr === undefined ? null : /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d{1,2}))?$/.exec(cidr);
    const ip = m ? parseIpv4(m[1]) : undefined;
    if (!m || ip === undefined) throw new UsageError(`ip addr ${verb}: '${printable(cidr ?? '')}' is not <ip>/<prefix> (e.g. 192.168.1.1/24)`);
    const prefix = m[2] === undefined ? 32 : Number(m[2]);
    if (prefix > 32) throw new UsageError(`ip addr ${verb}: prefix /${prefix} out of range (0 to 32)`);
    let dev: string | undefined;
    for (let i = 0; i < more.length; i++) {
      if (more[i] === 'dev') dev = more[++i];
      else if (more[i] === 'brd' || more[i] === 'broadcast') i++;
      else throw new UsageError(`ip addr ${verb}: unknown argument '${printable(more[i])}' (usage: ip addr ${verb} <ip>/<prefix> dev <if>)`);
    }
    if (dev === undefined) throw new UsageError(`ip addr ${verb}: usage: ip addr ${verb} <ip>/<prefix> dev <if>`);
    if (!stack.devices.get(dev)) throw new UsageError(`Cannot find device "${printable(dev)}"`);
    if (verb === 'add') stack.host.addAddress(dev, ip, prefix);
    else stack.host.removeAddress(dev, ip, m[2] === undefined ? undefined : prefix);
    return '';
  }
  if (verb === 'flush') {
    const dev = devArg(rest);
    if (dev === undefined || !stack.devices.get(dev)) throw new UsageError(`Cannot find device "${printable(dev ?? '')}"`);
    for (const a of [...stack.host.addresses(dev)]) stack.host.removeAddress(dev, a.ip, a.prefix);
    return '';
  }
  throw new UsageError(`ip addr: unknown command '${printable(verb)}' (show, add, del, flush)`);
}

function fail(msg: string): never {
  throw new UsageError(msg);
}

/** Interface flags in net-tools' order. */
export function ifFlags(x: NetDevice): string[] {
  const f: string[] = [];
  if (x.adminUp) f.push('UP');
  f.push('BROADCAST');
  if (x.adminUp && x.carrier) f.push('RUNNING');
  for (const e of ['PROMISC', 'ALLMULTI', 'MASTER', 'SLAVE']) if (x.extraFlags.includes(e)) f.push(e);
  f.push('MULTICAST');
  return f;
}

/** "6.8 MiB" as net-tools scales byte counts. */
export function scaledBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let whole = n;
  let tenth = 0;
  let i = 0;
  while (whole > 1024 && i < units.length - 1) {
    tenth = Math.floor(((whole % 1024) * 10) / 1024);
    whole = Math.floor(whole / 1024);
    i++;
  }
  return `${whole}.${tenth} ${units[i]}`;
}

function masklen(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function formatIfconfig(x: NetDevice, stack?: NetStack): string {
  const c = x.counters;
  const pad = ' '.repeat(10);
  const lines = [`${x.name.padEnd(9)} Link encap:Ethernet  HWaddr ${formatMac(x.mac).toUpperCase()}`];
  const addrs = stack ? stack.host.addresses(x.name) : [];
  if (addrs.length > 0) {
    // net-tools shows the primary address only.
    const a = addrs[0];
    const mask = masklen(a.prefix);
    const bcast = (a.ip | ~mask) >>> 0;
    lines.push(`${pad}inet addr:${formatIpv4(a.ip)}  Bcast:${formatIpv4(bcast)}  Mask:${formatIpv4(mask)}`);
  }
  lines.push(
    `${pad}${ifFlags(x).join(' ')}  MTU:${x.mtu}  Metric:1`,
    `${pad}RX packets:${c.rxPackets} errors:0 dropped:${c.rxDropped} overruns:0 frame:0`,
    `${pad}TX packets:${c.txPackets} errors:0 dropped:${c.txDropped} overruns:0 carrier:0`,
    `${pad}collisions:0 txqueuelen:${x.txqueuelen}`,
    `${pad}RX bytes:${c.rxBytes} (${scaledBytes(c.rxBytes)})  TX bytes:${c.txBytes} (${scaledBytes(c.txBytes)})`,
  );
  return lines.join('\n');
}

function ipLinkHead(x: NetDevice, index: number): string {
  const flags = ['BROADCAST', 'MULTICAST', ...x.extraFlags];
  if (x.adminUp) flags.push('UP');
  if (x.adminUp && x.carrier) flags.push('LOWER_UP');
  const state = operstate(x).toUpperCase();
  const noCarrier = x.adminUp && !x.carrier ? 'NO-CARRIER,' : '';
  const name = x instanceof VlanDevice ? `${x.name}@${x.lower.name}` : x.name;
  const master = isFrontPort(x) && x.master !== undefined ? ` master ${x.master}` : '';
  return `${index}: ${name}: <${noCarrier}${flags.join(',')}> mtu ${x.mtu}${master} state ${state} qlen ${x.txqueuelen}`;
}

function formatIpLink(x: NetDevice, index: number): string {
  const vlan = x instanceof VlanDevice ? `\n    vlan protocol 802.1Q id ${x.vlan}` : '';
  return `${ipLinkHead(x, index)}\n    link/ether ${formatMac(x.mac)} brd ff:ff:ff:ff:ff:ff${vlan}`;
}

/** iproute2's bond_slave details line (`ip -d link show`), for a port enslaved to a bond. */
function bondSlaveDetails(stack: NetStack, x: NetDevice): string {
  const bond = isFrontPort(x) && x.master !== undefined ? stack.bond(x.master) : undefined;
  const s = bond?.slave(x.name);
  if (!s) return '';
  const mii = s.miiStatus === 'unknown' ? 'UNKNOWN' : ['UP', 'GOING_DOWN', 'DOWN', 'GOING_BACK'][s.link];
  return `\n    bond_slave state ${s.isActive ? 'ACTIVE' : 'BACKUP'} mii_status ${mii} link_failure_count ${s.linkFailureCount} perm_hwaddr ${formatMac(s.permHwaddr)} queue_id ${s.queueId} prio ${s.prio}`;
}

function formatIpAddr(x: NetDevice, index: number, stack: NetStack): string {
  const lines = [ipLinkHead(x, index), `    link/ether ${formatMac(x.mac)} brd ff:ff:ff:ff:ff:ff`];
  for (const a of stack.host.addresses(x.name)) {
    const bcast = (a.ip | ~masklen(a.prefix)) >>> 0;
    lines.push(`    inet ${formatIpv4(a.ip)}/${a.prefix}${a.prefix < 31 ? ` brd ${formatIpv4(bcast)}` : ''} scope global ${x.name}`);
  }
  return lines.join('\n');
}
