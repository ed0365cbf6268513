/**
 * The per-port registers (port.c, port.h): Port Status (the MAC-side carrier), Port Control
 * 0 (STP state, frame mode), the EDSA EtherType and the Port Based VLAN map. Trunk membership
 * in Port Control 1 is in trunk.ts, with the tables it goes with.
 */
import { UsageError } from '../../../lib/errors.ts';
import type { PortState, PortStatus } from '../chip.ts';
import type { RegisterLocks } from './lock.ts';
import type { Mv88e6xxxInfo } from './models.ts';
import type { Mv88e6xxxSmi, ResultIndex, SmiBatch } from './smi.ts';

const PORT_STS = 0x00;
const PORT_STS_LINK = 0x0800; // MV88E6XXX_PORT_STS_LINK
const PORT_STS_DUPLEX = 0x0400; // MV88E6XXX_PORT_STS_DUPLEX
const PORT_STS_SPEED_MASK = 0x0300; // MV88E6XXX_PORT_STS_SPEED_MASK
export const PORT_SWITCH_ID = 0x03; // MV88E6XXX_PORT_SWITCH_ID
const PORT_CTL0 = 0x04;
const PORT_CTL0_STATE_MASK = 0x0003; // MV88E6XXX_PORT_CTL0_STATE_MASK
const PORT_CTL0_FRAME_MODE_MASK = 0x0300; // MV88E6XXX_PORT_CTL0_FRAME_MODE_MASK
const PORT_BASE_VLAN = 0x06; // MV88E6XXX_PORT_BASE_VLAN: [10:0] the ports this port may send to
const PORT_ETH_TYPE = 0x0f; // MV88E6XXX_PORT_ETH_TYPE: the EtherType EDSA frames carry
const ETH_P_EDSA = 0xdada;

/** Port Control 0 [1:0] (port.h MV88E6XXX_PORT_CTL0_STATE_*), in that order. */
const PORT_STATES: readonly PortState[] = ['disabled', 'blocking', 'learning', 'forwarding'];

/** Port Control 0 [9:8]: normal, DSA (0x0100), EtherType DSA (0x0300). */
export type FrameMode = 'normal' | 'dsa' | 'edsa';
const FRAME_MODE_BITS: Readonly<Record<FrameMode, number>> = { normal: 0x0000, dsa: 0x0100, edsa: 0x0300 };

/** Port Status [9:8] (port.h MV88E6XXX_PORT_STS_SPEED_*; 11 is 10G on the 6390X). */
const SPEEDS = [10, 100, 1000, 10000];

/** A Port Status register value as the MAC-side link, speed and duplex. */
export function decodePortStatus(v: number): PortStatus {
  return {
    link: (v & PORT_STS_LINK) !== 0,
    speed: SPEEDS[(v & PORT_STS_SPEED_MASK) >> 8],
    duplex: v & PORT_STS_DUPLEX ? 'full' : 'half',
  };
}

/** The port registers of one chip, and which port carries the CPU's tags. */
export class Mv88e6xxxPorts {
  /**
   * The last port put in DSA or EDSA frame mode by setFrameMode: on a single chip only the
   * CPU port carries tags, so this is the CPU port as far as the driver knows.
   */
  taggingPort: number | undefined;

  constructor(
    private readonly smi: Mv88e6xxxSmi,
    private readonly info: Mv88e6xxxInfo,
    private readonly locks: RegisterLocks,
  ) {}

  /** UsageError for a port the chip does not have. */
  check(port: number): void {
    if (!Number.isInteger(port) || port < 0 || port >= this.info.portCount) {
      throw new UsageError(`${this.info.name}: port ${port} out of range 0..${this.info.portCount - 1}`);
    }
  }

  /** Device address of `port`'s registers (chip.c .port_base_addr + port). */
  addr(port: number): number {
    this.check(port);
    return this.info.portBase + port;
  }

  /** Bit vector of every port (global2.c mv88e6xxx_g2_trunk_clear: BIT(num_ports) - 1). */
  get allMask(): number {
    return (1 << this.info.portCount) - 1;
  }

  /** Queues a read of `port`'s Port Status into `b`, for `decodePortStatus`. */
  queueStatus(b: SmiBatch, port: number): ResultIndex {
    return b.read(this.addr(port), PORT_STS);
  }

  /** The MII monitor's read (use_carrier=1): one port, one round trip, ahead of other traffic. */
  async status(port: number): Promise<PortStatus> {
    return decodePortStatus(await this.smi.read(this.addr(port), PORT_STS, true));
  }

  /** Several ports in one round trip, in the order given. */
  async statusAll(ports: readonly number[]): Promise<PortStatus[]> {
    const b = this.smi.batch();
    const idx = ports.map((p) => this.queueStatus(b, p));
    const r = await this.smi.run(b, true);
    return idx.map((i) => decodePortStatus(r[i]));
  }

  /** Port Control 0 [1:0] (port.c mv88e6xxx_port_set_state). */
  async setState(port: number, state: PortState): Promise<void> {
    const bits = PORT_STATES.indexOf(state);
    if (bits < 0) throw new UsageError(`${this.info.name}: unknown port state '${state}' (${PORT_STATES.join(', ')})`);
    const dev = this.addr(port);
    await this.locks.run('config', () => this.smi.modify(dev, PORT_CTL0, PORT_CTL0_STATE_MASK, bits));
  }

  async getState(port: number): Promise<PortState> {
    return PORT_STATES[(await this.smi.read(this.addr(port), PORT_CTL0)) & PORT_CTL0_STATE_MASK];
  }

  /**
   * Port Control 0 [9:8]. For EDSA also sets the port's EtherType register to 0xDADA, as
   * Linux does (mv88e6351_port_set_ether_type(ETH_P_EDSA)); the chip matches EDSA frames on it.
   */
  async setFrameMode(port: number, mode: FrameMode): Promise<void> {
    const bits = FRAME_MODE_BITS[mode];
    if (bits === undefined) throw new UsageError(`${this.info.name}: unknown frame mode '${mode}' (normal, dsa, edsa)`);
    const dev = this.addr(port);
    await this.locks.run('config', async () => {
      await this.smi.modify(dev, PORT_CTL0, PORT_CTL0_FRAME_MODE_MASK, bits);
      if (mode === 'edsa') await this.smi.write(dev, PORT_ETH_TYPE, ETH_P_EDSA);
    });
    if (mode !== 'normal') this.taggingPort = port;
    else if (this.taggingPort === port) this.taggingPort = undefined;
  }

  /** 'provider' is the fourth encoding, which this driver never sets. */
  async getFrameMode(port: number): Promise<FrameMode | 'provider'> {
    const v = (await this.smi.read(this.addr(port), PORT_CTL0)) & PORT_CTL0_FRAME_MODE_MASK;
    return v === 0x0000 ? 'normal' : v === 0x0100 ? 'dsa' : v === 0x0300 ? 'edsa' : 'provider';
  }

  /**
   * Port Based VLAN maps of standalone ports, as DSA sets them up: every port but the CPU
   * port may send to the CPU port only, so the switch never forwards between front ports by
   * itself; the CPU port may reach every other port. One round trip.
   */
  async makeStandalone(cpuPort: number): Promise<void> {
    const b = this.smi.batch();
    for (let p = 0; p < this.info.portCount; p++) {
      b.write(this.addr(p), PORT_BASE_VLAN, p === cpuPort ? this.allMask & ~(1 << cpuPort) : 1 << cpuPort);
    }
    await this.smi.run(b);
  }
}
