import { UsageError } from '../core/errors.ts';
import { formatMac } from '../net/addr.ts';
import { operstate, type NetDevice, type NetDeviceTable } from '../net/netdev.ts';
import { printable, type Dispatcher } from './dispatcher.ts';
import { FileError, type SysFs } from './sysfs.ts';

/**
 * The Linux commands for network devices: `cat`/`echo` over /sys/class/net, `ifconfig`
 * (net-tools format, as the bonding HOWTO shows it) and `ip link`.
 */
export function registerNetCommands(d: Dispatcher, sysfs: SysFs, devices: NetDeviceTable): void {
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
  sysfs.add('/sys/class/net/{if}/carrier', { read: (p) => (running(p).carrier ? '1' : '0') }, exists);
  sysfs.add('/sys/class/net/{if}/operstate', { read: (p) => operstate(dev(p)) }, exists);
  sysfs.add('/sys/class/net/{if}/speed', { read: (p) => String(running(p).speed) }, exists);
  sysfs.add('/sys/class/net/{if}/duplex', { read: (p) => running(p).duplex }, exists);
  sysfs.add('/sys/class/net/{if}/mtu', { read: (p) => String(dev(p).mtu) }, exists);
  sysfs.add('/sys/class/net/{if}/tx_queue_len', { read: (p) => String(dev(p).txqueuelen) }, exists);

  d.register({
    name: 'cat',
    summary: 'print virtual files (/sys/class/net/...)',
    usage: 'cat <path> [<path> ...]\ne.g. cat /sys/class/net/eth0/speed',
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
    summary: 'show network devices, or bring one up or down',
    usage: 'ifconfig [-a]\nifconfig <if>\nifconfig <if> up|down',
    run: async (args) => {
      if (args.length === 0 || (args.length === 1 && args[0] === '-a')) {
        const all = args[0] === '-a';
        return devices.list().filter((x) => all || x.adminUp).map(formatIfconfig).join('\n\n');
      }
      const x = lookup('ifconfig', args[0]);
      if (args.length === 1) return formatIfconfig(x);
      if (args.length === 2 && (args[1] === 'up' || args[1] === 'down')) {
        await x.setAdminUp(args[1] === 'up');
        return '';
      }
      throw new UsageError(`ifconfig: unsupported arguments '${printable(args.slice(1).join(' '))}' (usage: ifconfig <if> up|down)`);
    },
  });

  d.register({
    name: 'ip',
    summary: 'show network devices or set their state (iproute2 syntax)',
    usage: 'ip link [show [<if>]]\nip link set <if> up|down',
    run: async (args) => {
      if (args[0] !== 'link' && args[0] !== 'l') throw new UsageError(`ip: unsupported object '${printable(args[0] ?? '')}' (supported: ip link)`);
      if (args.length === 1 || args[1] === 'show') {
        const which = args.length > 2 ? [lookup('ip', args[2])] : devices.list();
        return which.map((x, i) => formatIpLink(x, i + 1)).join('\n');
      }
      if (args[1] === 'set' && args.length === 4 && (args[3] === 'up' || args[3] === 'down')) {
        await lookup('ip', args[2]).setAdminUp(args[3] === 'up');
        return '';
      }
      throw new UsageError('ip: usage: ip link [show [<if>]] | ip link set <if> up|down');
    },
  });
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

export function formatIfconfig(x: NetDevice): string {
  const c = x.counters;
  const pad = ' '.repeat(10);
  return [
    `${x.name.padEnd(9)} Link encap:Ethernet  HWaddr ${formatMac(x.mac).toUpperCase()}`,
    `${pad}${ifFlags(x).join(' ')}  MTU:${x.mtu}  Metric:1`,
    `${pad}RX packets:${c.rxPackets} errors:0 dropped:${c.rxDropped} overruns:0 frame:0`,
    `${pad}TX packets:${c.txPackets} errors:0 dropped:${c.txDropped} overruns:0 carrier:0`,
    `${pad}collisions:0 txqueuelen:${x.txqueuelen}`,
    `${pad}RX bytes:${c.rxBytes} (${scaledBytes(c.rxBytes)})  TX bytes:${c.txBytes} (${scaledBytes(c.txBytes)})`,
  ].join('\n');
}

function formatIpLink(x: NetDevice, index: number): string {
  const flags = ['BROADCAST', 'MULTICAST', ...x.extraFlags];
  if (x.adminUp) flags.push('UP');
  if (x.adminUp && x.carrier) flags.push('LOWER_UP');
  const state = x.adminUp ? (x.carrier ? 'UP' : 'DOWN') : 'DOWN';
  const noCarrier = x.adminUp && !x.carrier ? 'NO-CARRIER,' : '';
  return `${index}: ${x.name}: <${noCarrier}${flags.join(',')}> mtu ${x.mtu} state ${state} qlen ${x.txqueuelen}\n    link/ether ${formatMac(x.mac)} brd ff:ff:ff:ff:ff:ff`;
}
