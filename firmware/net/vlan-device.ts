import { UsageError } from '../../lib/errors.ts';
import type { Duplex, NetCounters, NetDevice } from './netdev.ts';

/** The device an 802.1Q device sits on: a bond (or a port not enslaved). */
export interface VlanLower extends NetDevice {
  /** Sends a complete (tagged) frame; false when dropped. */
  xmit(frame: Uint8Array, length: number): boolean;
}

/**
 * An 802.1Q VLAN device (`ip link add link bond0 name bond0.100 type vlan id 100`). It uses
 * its lower device's MAC unless one is set on it, follows the lower device down and up, and
 * sends through it with its tag. The host stack writes the tag into the frames it builds for
 * this device (`vlan`).
 */
export class VlanDevice implements NetDevice {
  readonly kind = 'vlan';
  /** A MAC set by hand; until then the device inherits its lower device's (NET_ADDR_STOLEN). */
  private ownMac: Uint8Array | undefined;
  mtu: number;
  readonly txqueuelen = 1000;
  adminUp = false;
  /** Taken down because its lower device went down; comes back up with it. */
  followsLower = false;
  readonly extraFlags: string[] = [];
  readonly counters: NetCounters = { rxPackets: 0, rxBytes: 0, rxDropped: 0, txPackets: 0, txBytes: 0, txDropped: 0 };

  constructor(
    readonly name: string,
    readonly lower: VlanLower,
    readonly vlan: number,
  ) {
    this.mtu = lower.mtu;
  }

  /**
   * Current Linux (vlan_sync_address): an inherited address follows the lower device's, so
   * a bond that takes a new address after its slaves change carries its VLAN devices along
   * (the HOWTO's section 6 describes older kernels, where the VLAN kept the stale one).
   */
  get mac(): Uint8Array {
    return this.ownMac ?? this.lower.mac;
  }

  get carrier(): boolean {
    return this.adminUp && this.lower.adminUp && this.lower.carrier;
  }
  get carrierUnknown(): boolean {
    return this.adminUp && this.lower.adminUp && this.lower.carrierUnknown === true;
  }
  get up(): boolean {
    return this.carrier;
  }
  get speed(): number {
    return this.lower.speed;
  }
  get duplex(): Duplex {
    return this.lower.duplex;
  }

  /** vlan_dev_open: refused while the lower device is down. */
  async setAdminUp(up: boolean): Promise<void> {
    if (up && !this.lower.adminUp) throw new UsageError(`${this.name}: RTNETLINK answers: Network is down (bring ${this.lower.name} up first)`);
    this.adminUp = up;
  }

  /** Whether the address was set by hand (saved with the configuration). */
  get macSetByUser(): boolean {
    return this.ownMac !== undefined;
  }

  setMac(mac: Uint8Array): void {
    this.ownMac = mac.slice();
  }

  xmit(frame: Uint8Array, length: number): boolean {
    if (!this.carrier || !this.lower.xmit(frame, length)) {
      this.counters.txDropped++;
      return false;
    }
    this.counters.txPackets++;
    this.counters.txBytes += length;
    return true;
  }

  /** Counts a frame delivered to this device. */
  countRx(length: number): void {
    this.counters.rxPackets++;
    this.counters.rxBytes += length;
  }
}
