/**
 * Network devices as the console and telemetry see them: front-panel ports now, bonds and
 * VLAN devices as they arrive. Read-only views over state that drivers and protocols own.
 */

import type { PortCounters } from '../../hal/board.ts';

/** Frame and byte counters, the same set for every kind of device. */
export type NetCounters = PortCounters;

export type Duplex = 'full' | 'half' | 'unknown';

export interface NetDevice {
  readonly name: string;
  readonly kind: 'port' | 'bond' | 'vlan';
  /** Current MAC address (6 bytes). */
  readonly mac: Uint8Array;
  readonly mtu: number;
  readonly adminUp: boolean;
  /** Carrier as the kernel's netif_carrier_ok sees it. */
  readonly carrier: boolean;
  /** True while nobody knows the carrier (a port whose switch cannot be reached); `carrier` is then false. */
  readonly carrierUnknown?: boolean;
  /** Mb/s, or -1 when unknown (link down), as sysfs prints SPEED_UNKNOWN. */
  readonly speed: number;
  readonly duplex: Duplex;
  readonly counters: NetCounters;
  readonly txqueuelen: number;
  /** Extra interface flags in ifconfig's order (MASTER, SLAVE, PROMISC...). */
  readonly extraFlags: readonly string[];
  setAdminUp(up: boolean): Promise<void>;
}

/** RFC 2863 operational state as /sys/class/net/<if>/operstate prints it (IF_OPER_UNKNOWN while the carrier is). */
export function operstate(dev: NetDevice): 'up' | 'down' | 'unknown' {
  if (dev.adminUp && dev.carrierUnknown) return 'unknown';
  return dev.adminUp && dev.carrier ? 'up' : 'down';
}

/** The carrier as one word: 1/0 files cannot say `unknown`, this can. */
export function carrierWord(dev: NetDevice): 'up' | 'down' | 'unknown' {
  if (dev.carrierUnknown) return 'unknown';
  return dev.carrier ? 'up' : 'down';
}

export class NetDeviceTable {
  private readonly devices = new Map<string, NetDevice>();

  add(dev: NetDevice): void {
    if (this.devices.has(dev.name)) throw new Error(`device ${dev.name} exists`);
    this.devices.set(dev.name, dev);
  }

  remove(name: string): void {
    this.devices.delete(name);
  }

  get(name: string): NetDevice | undefined {
    return this.devices.get(name);
  }

  list(): NetDevice[] {
    return [...this.devices.values()];
  }
}
