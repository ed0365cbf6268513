/**
 * `sim traffic` and `sim xmit`: traffic from the gateway's own host stack through a bond to
 * the simulated hosts, counted per cable, and single frames built exactly as given and put
 * on the bond's transmit path.
 */
import { UsageError } from '../lib/errors.ts';
import { formatIpv4, isMulticastMac, isZeroMac, parseIpv4, parseMac } from '../lib/addr.ts';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, buildIpv4, parseIpv4Frame, BROADCAST_MAC } from '../firmware/net/packets.ts';
import type { NetStack } from '../firmware/net/stack.ts';
import type { Bond } from '../firmware/bonding/bond.ts';
import { printable } from '../firmware/console/dispatcher.ts';
import type { SimWorld } from './world.ts';
import { flowHost, flowOfPort, flowSourcePort, maxFlows } from './flows.ts';

/** The port the hosts are sent to (the discard service). */
const DST_PORT = 9;
const MAX_FRAMES = 1_000_000;
const PAYLOAD = 18;

export interface TrafficEnv {
  net: NetStack;
  world: SimWorld;
  ports: readonly string[];
  /** Lets `ms` of the board's time pass, as a timer (works under the scenario runner's drive). */
  sleep(ms: number): Promise<void>;
}

function bondArg(net: NetStack, name: string | undefined, cmd: string): Bond {
  const b = name === undefined ? undefined : net.bond(name);
  if (!b) throw new UsageError(`sim ${cmd}: no bond '${printable(name ?? '')}' (bonds: ${net.bonding.list().map((x) => x.name).join(' ') || 'none; modprobe bonding first'})`);
  return b;
}

/** `sim traffic <bond> <frames> [flows <n>] [udp|tcp]`. */
export async function simTraffic(env: TrafficEnv, args: string[]): Promise<string> {
  const usage = 'sim traffic: usage: sim traffic <bond> <frames> [flows <n>] [udp|tcp]';
  const bond = bondArg(env.net, args[0], 'traffic');
  const frames = /^\d+$/.test(args[1] ?? '') ? Number(args[1]) : NaN;
  if (!(frames >= 1 && frames <= MAX_FRAMES)) throw new UsageError(`sim traffic: frames '${printable(args[1] ?? '')}' must be 1 to ${MAX_FRAMES}`);
  const hosts = env.world.hosts;
  let flows = 1;
  let protocol: 6 | 17 = IPPROTO_UDP;
  for (let i = 2; i < args.length; i++) {
    if (args[i] === 'flows') {
      const v = args[++i];
      flows = v !== undefined && /^\d+$/.test(v) ? Number(v) : NaN;
      if (!(flows >= 1 && flows <= maxFlows(hosts.length))) {
        throw new UsageError(`sim traffic: flows '${printable(v ?? '')}' must be 1 to ${maxFlows(hosts.length)} (flows beyond the ${hosts.length} hosts use further ports)`);
      }
    } else if (args[i] === 'udp' || args[i] === 'tcp') protocol = args[i] === 'udp' ? IPPROTO_UDP : IPPROTO_TCP;
    else throw new UsageError(`${usage} (unknown word '${printable(args[i])}')`);
  }
  const host = env.net.host;
  const targets = hosts.slice(0, Math.min(flows, hosts.length));
  const route = host.route(targets[0].ip);
  if (!route || (route.link.name !== bond.name && env.net.vlan(route.link.name)?.lower !== bond)) {
    throw new UsageError(`sim traffic: ${bond.name} has no address on ${formatIpv4(targets[0].ip)}'s subnet (e.g. ifconfig ${bond.name} 192.168.1.1 netmask 255.255.255.0 up)`);
  }
  if (!bond.adminUp) throw new UsageError(`sim traffic: ${bond.name} is down (ifconfig ${bond.name} up)`);

  // Count this command's frames on each cable, and the answers delivered to the host stack.
  const sent = new Array<number>(env.ports.length).fill(0);
  const flowOf = (port: number): number => flowOfPort(port, hosts.length, flows);
  const ours = (frame: Uint8Array): boolean => {
    const ip = parseIpv4Frame(frame);
    return !!ip && ip.protocol === protocol && flowOf(ip.srcPort) >= 0 && ip.dstPort === DST_PORT;
  };
  let replies = 0;
  const stopObserving = env.world.observe((i, frame, dir) => {
    if (dir === 'out' && ours(frame)) sent[i]++;
  });
  const stopListening = host.onDelivered((_link, proto, src, srcPort, dstPort) => {
    if (proto === protocol && srcPort === DST_PORT && flowOf(dstPort) >= 0 && targets.some((h) => h.ip === src)) replies++;
  });
  try {
    // ARP first (as a real stack would before its first frame to each host).
    const macs = await Promise.all(targets.map((h) => host.resolve(h.ip)));
    const missing = targets.filter((_, i) => !macs[i]).map((h) => formatIpv4(h.ip));
    if (missing.length) throw new UsageError(`sim traffic: no ARP reply from ${missing.join(', ')} (hosts down, or the bond cannot reach them)`);
    for (let n = 0; n < frames; n++) {
      const f = n % flows;
      host.sendIpv4(hosts[flowHost(f, hosts.length)].ip, protocol, flowSourcePort(f, hosts.length), DST_PORT, PAYLOAD);
    }
    // Let the answers come back: until nothing has changed for 20 ms (at most 2 s).
    let last = -1;
    for (let waited = 0; waited < 2000 && replies !== last; waited += 20) {
      last = replies;
      await env.sleep(20);
    }
  } finally {
    stopObserving();
    stopListening();
  }
  const lines = bond.slaves.map((s) => `${s.name} ${sent[env.ports.indexOf(s.name)] ?? 0}`);
  lines.push(`replies ${replies}`);
  return lines.join('\n');
}

function endpoint(text: string | undefined, withPort: boolean, what: string): { ip: number; port: number } {
  const m = text === undefined ? null : /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(text);
  const ip = m ? parseIpv4(m[1]) : undefined;
  const port = m?.[2] === undefined ? (what === 'source' ? 1024 : 9) : Number(m[2]);
  if (!m || ip === undefined || port > 65535) throw new UsageError(`sim xmit: ${what} '${printable(text ?? '')}' is not <ip>${withPort ? '[:<port>]' : ''}`);
  if (!withPort && m[2] !== undefined) throw new UsageError(`sim xmit: icmp has no ports ('${printable(text ?? '')}')`);
  return { ip, port };
}

/** `sim xmit <bond> udp|tcp|icmp <src-ip>[:<port>] <dst-ip>[:<port>] [smac <mac>] [dmac <mac>] [vlan <id>]`. */
export async function simXmit(env: TrafficEnv, args: string[]): Promise<string> {
  const usage = 'sim xmit: usage: sim xmit <bond> udp|tcp|icmp <src-ip>[:<port>] <dst-ip>[:<port>] [smac <mac>] [dmac <mac>] [vlan <id>]';
  const bond = bondArg(env.net, args[0], 'xmit');
  const proto = args[1];
  if (proto !== 'udp' && proto !== 'tcp' && proto !== 'icmp') throw new UsageError(`${usage} (protocol '${printable(proto ?? '')}')`);
  const icmp = proto === 'icmp';
  const src = endpoint(args[2], !icmp, 'source');
  const dst = endpoint(args[3], !icmp, 'destination');
  let smac: Uint8Array = bond.mac;
  let dmac: Uint8Array = BROADCAST_MAC;
  let vlan = -1;
  for (let i = 4; i < args.length; i++) {
    const w = args[i];
    const v = args[++i];
    if (w === 'smac' || w === 'dmac') {
      const mac = v === undefined ? undefined : parseMac(v);
      if (!mac) throw new UsageError(`sim xmit: ${w} '${printable(v ?? '')}' is not a MAC address`);
      if (w === 'smac' && (isMulticastMac(mac) || isZeroMac(mac))) throw new UsageError(`sim xmit: smac ${printable(v ?? '')} must be a unicast address`);
      if (w === 'smac') smac = mac;
      else dmac = mac;
    } else if (w === 'vlan') {
      vlan = v !== undefined && /^\d+$/.test(v) ? Number(v) : NaN;
      if (!(vlan >= 0 && vlan <= 4095)) throw new UsageError(`sim xmit: vlan '${printable(v ?? '')}' must be 0 to 4095`);
    } else throw new UsageError(`${usage} (unknown word '${printable(w)}')`);
  }
  const frame = buildIpv4({
    dst: dmac, src: smac, vlan, protocol: icmp ? IPPROTO_ICMP : proto === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP,
    srcIp: src.ip, dstIp: dst.ip, srcPort: src.port, dstPort: dst.port, kind: icmp ? 8 : undefined, icmpIdSeq: icmp ? 0x00010001 : undefined,
  });
  const left = new Set<number>();
  const stop = env.world.observe((i, f, dir) => {
    if (dir === 'out' && f.length === frame.length && f.every((b, k) => b === frame[k])) left.add(i);
  });
  try {
    const ok = bond.xmit(frame, frame.length);
    await env.sleep(0);
    if (!ok) throw new UsageError(`sim xmit: ${bond.name} dropped the frame (no slave can send)`);
  } finally {
    stop();
  }
  return [...left].sort((a, b) => a - b).map((i) => env.ports[i]).join(' ');
}
