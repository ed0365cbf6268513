import type { Board, BoardPort } from '../../hal/board.ts';
import type { BondPort } from '../bonding/slave.ts';
import type { NetDevice, NetCounters, Duplex } from './netdev.ts';

/**
 * What the network stack needs of a front-panel port: a network device the bond can enslave
 * and the host stack can use. Implemented over a hal board port (PortDevice below), or over
 * anything else that moves frames (an embedding's port adapter).
 */
export interface FrontPort extends NetDevice, BondPort {
  readonly kind: 'port';
  readonly vlan: number;
  readonly up: boolean;
  mtu: number;
  /** The port's own address (burned in), restored when it leaves a bond. */
  readonly permanentMac: Uint8Array;
  /** IFF_PROMISC / IFF_ALLMULTI set on the port itself by the user. */
  userPromisc: boolean;
  userAllmulti: boolean;
  /** The host stack's transmit entry for a port that is not enslaved. */
  xmit(frame: Uint8Array, length: number): boolean;
}

/** PROMISC, ALLMULTI (the bond's or the user's) and SLAVE, in ifconfig's order. */
export function frontPortFlags(p: Pick<FrontPort, 'promiscuity' | 'userPromisc' | 'allmulti' | 'userAllmulti' | 'master'>): string[] {
  const f: string[] = [];
  if (p.promiscuity > 0 || p.userPromisc) f.push('PROMISC');
  if (p.allmulti > 0 || p.userAllmulti) f.push('ALLMULTI');
  if (p.master !== undefined) f.push('SLAVE');
  return f;
}

export function isFrontPort(d: NetDevice | undefined): d is FrontPort {
  return d !== undefined && d.kind === 'port';
}

/**
 * A front-panel port as a network device. Carrier is the switch's MAC-side link; speed and
 * duplex come from the PHY driver, as phylib reports them for a DSA user port.
 */
export class PortDevice implements FrontPort {
  readonly kind = 'port';
  mac: Uint8Array;
  mtu = 1500;
  readonly txqueuelen = 1000;
  readonly vlan = -1;
  master: string | undefined;
  promiscuity = 0;
  allmulti = 0;
  /** IFF_PROMISC / IFF_ALLMULTI set on the port itself by the user. */
  userPromisc = false;
  userAllmulti = false;

  constructor(
    private readonly board: Board,
    readonly port: BoardPort,
  ) {
    this.mac = port.permanentMac.slice();
  }

  get name(): string {
    return this.port.name;
  }
  get permanentMac(): Uint8Array {
    return this.port.permanentMac;
  }
  get adminUp(): boolean {
    return this.port.adminUp;
  }
  /** netif_carrier_ok: off while the switch cannot be reached (the carrier is unknown). */
  get carrier(): boolean {
    return this.port.adminUp && this.port.carrierState === 'up';
  }
  /** The switch cannot be reached: nobody knows whether there is a carrier. */
  get carrierUnknown(): boolean {
    return this.port.adminUp && this.port.carrierState === 'unknown';
  }
  /** Up and running, for the host stack. */
  get up(): boolean {
    return this.carrier;
  }
  // Speed and duplex are the board port's (one source of truth for the port's link state).
  get speed(): number {
    return this.port.speed;
  }
  get duplex(): Duplex {
    return this.port.duplex;
  }
  get counters(): NetCounters {
    return this.port.counters;
  }
  get extraFlags(): string[] {
    return frontPortFlags(this);
  }
  setAdminUp(up: boolean): Promise<void> {
    return this.board.setAdminUp(this.port, up);
  }
  setMac(mac: Uint8Array): void {
    this.mac = mac.slice();
  }

  async probeLink(useCarrier: boolean, atInterrupt = false): Promise<boolean> {
    if (!this.port.adminUp) return false;
    await this.board.settled();
    // No way to the switch: whatever the last reading said, the link cannot be vouched for
    // (a NIC whose driver stopped answering); the bond counts it down after its delays. Once
    // it is set up again, a fresh read is as good as the poll that will follow.
    if (!this.board.readable) return false;
    if (useCarrier) {
      // netif_carrier_ok cannot fail; when the bus does, the last carrier read stands.
      this.port.miiDrop = false; // the PHY's latch is only the MII registers' reader's concern
      // The bridge read the port's status with this interrupt: that reading is this one.
      if (atInterrupt && this.board.takeInterruptReading(this.port)) return this.port.carrier && this.board.readable;
      try {
        return (await this.board.refreshCarrier(this.port)) && this.board.readable;
      } catch {
        return this.carrier;
      }
    }
    // use_carrier=0: the PHY's own registers; then its vendor status; then, as Linux's
    // bond_check_dev_link does when nothing answers, assume the link is up (HOWTO 7.3).
    try {
      return await this.board.probePhyLink(this.port);
    } catch {
      try {
        const vendor = await this.port.phyDriver.readVendorLink();
        if (vendor !== null) return vendor;
      } catch {
        // fall through
      }
      return true;
    }
  }

  send(frame: Uint8Array, length: number): boolean {
    return this.board.send(this.port, frame, length);
  }

  /** The host stack's transmit entry for a port that is not enslaved. */
  xmit(frame: Uint8Array, length: number): boolean {
    return this.board.send(this.port, frame, length);
  }

  countRxDropped(): void {
    this.port.counters.rxDropped++;
  }
}
