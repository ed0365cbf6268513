import type { Board, BoardPort } from '../../hal/board.ts';
import type { NetDevice, NetCounters, Duplex } from './netdev.ts';

/**
 * A front-panel port as a network device. Carrier is the switch's MAC-side link; speed and
 * duplex come from the PHY driver, as phylib reports them for a DSA user port.
 */
export class PortDevice implements NetDevice {
  readonly kind = 'port';
  mac: Uint8Array;
  mtu = 1500;
  readonly txqueuelen = 1000;
  readonly extraFlags: string[] = [];

  constructor(
    private readonly board: Board,
    readonly port: BoardPort,
  ) {
    this.mac = port.permanentMac.slice();
  }

  get name(): string {
    return this.port.name;
  }
  get adminUp(): boolean {
    return this.port.adminUp;
  }
  get carrier(): boolean {
    return this.port.adminUp && this.port.carrier;
  }
  get speed(): number {
    return this.port.phy.link && this.port.phy.speed > 0 ? this.port.phy.speed : -1;
  }
  get duplex(): Duplex {
    return this.port.phy.link ? this.port.phy.duplex : 'unknown';
  }
  get counters(): NetCounters {
    return this.port.counters;
  }
  setAdminUp(up: boolean): Promise<void> {
    return this.board.setAdminUp(this.port, up);
  }
}
