/**
 * `sim traffic` and `sim xmit` with the firmware in this process: the gateway's half
 * (instrument/gateway.ts: frames from the host stack, answers counted) and the world's
 * (instrument/tap.ts: the cables they left on) side by side.
 */
import type { NetStack } from '../firmware/net/stack.ts';
import type { SimWorld } from './world.ts';
import { parseTrafficOptions, trafficFromGateway, xmitFromGateway, type GatewayEnv } from './instrument/gateway.ts';
import { TrafficTap, XmitTap } from './instrument/tap.ts';
import { formatTraffic, formatXmit } from './instrument/format.ts';

export interface TrafficEnv {
  net: NetStack;
  world: SimWorld;
  ports: readonly string[];
  /** Lets `ms` of the board's time pass, as a timer (works under the scenario runner's drive). */
  sleep(ms: number): Promise<void>;
}

function gateway(env: TrafficEnv, clock: GatewayEnv['clock']): GatewayEnv {
  return { net: env.net, hosts: env.world.hosts.map((h) => h.ip), clock, sleep: env.sleep };
}

/** A tap for `args` of `sim traffic`, or none when they do not parse (the gateway's half says why). */
export function trafficTap(world: SimWorld, args: readonly string[]): TrafficTap | undefined {
  try {
    return new TrafficTap(world, parseTrafficOptions(args.slice(1), world.hosts.length));
  } catch {
    return undefined;
  }
}

/** `sim traffic <bond> <frames> [flows <n>] [udp|tcp]`. */
export async function simTraffic(env: TrafficEnv, args: string[], clock: GatewayEnv['clock']): Promise<string> {
  const tap = trafficTap(env.world, args);
  try {
    const r = await trafficFromGateway(gateway(env, clock), args);
    return formatTraffic(r, tap?.sent ?? [], env.ports);
  } finally {
    tap?.close();
  }
}

/** `sim xmit <bond> udp|tcp|icmp <src-ip>[:<port>] <dst-ip>[:<port>] [smac <mac>] [dmac <mac>] [vlan <id>]`. */
export async function simXmit(env: TrafficEnv, args: string[], clock: GatewayEnv['clock']): Promise<string> {
  const tap = new XmitTap(env.world);
  try {
    const frame = await xmitFromGateway(gateway(env, clock), args);
    return formatXmit(tap.ports(frame), env.ports);
  } finally {
    tap.close();
  }
}
