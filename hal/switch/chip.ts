/**
 * The switch-chip interface: what every family's driver gives the board, and through it the
 * firmware. `Board` (hal/board.ts) works over this interface only; nothing above hal/ names a
 * family. hal/switch/README.md says how to add a family.
 *
 * Ports are the chip's own port numbers (a board definition maps front-panel names to them).
 * Every method may throw a DeviceError naming the chip when the bus fails or the chip does
 * not answer as it should; a failed call changes nothing the driver keeps.
 */
import type { Conduit, FramePort, FramePortCounters } from '../frames.ts';
import type { MdioBus, MdioOp } from '../mdio/bus.ts';
import type { PortStat } from './port-stat.ts';

/** The MAC-side state of one port, from the switch's own port status register. */
export interface PortStatus {
  /** MAC-side link: the port's carrier. */
  link: boolean;
  /** Mb/s; meaningful while `link`. */
  speed: number;
  duplex: 'full' | 'half';
}

/** 802.1D port states; a family without `blocking` or `learning` treats them as `disabled`. */
export type PortState = 'disabled' | 'blocking' | 'learning' | 'forwarding';

/** One port of a `pollPorts` call: its MAC status, and these operations on its PHY. */
export interface PortPollRequest {
  port: number;
  /** Clause 22 operations on the PHY bus (`phyBus()` addresses), run as one PHY batch. */
  phyOps: readonly MdioOp[];
}

/** What `pollPorts` read for one port. */
export interface PortPollResult {
  mac: PortStatus;
  /** One result per op of `phyOps`, as `phyBus().run` gives them; undefined when `phyError` is set. */
  phyValues: number[] | undefined;
  /** Why this port's PHY operations failed; the other ports are not affected. */
  phyError: unknown;
}

/** What `pollLinks` read: every port's MAC-side status, and the PHYs the switch says changed. */
/**
 * One port's MAC-side status read (what `portStatus` reads) as operations that something
 * else runs, such as a serial bridge at an interrupt (bridge.md section 7.1), with how their
 * values become the reading.
 */
export interface PortStatusProgram {
  readonly ops: readonly MdioOp[];
  /** The reading from the values of `ops` (one per operation, in order). */
  decode(values: readonly number[]): PortStatus;
}

export interface LinkPoll {
  /** One per port asked for, in the order asked. */
  macs: PortStatus[];
  /**
   * The PHYs with a pending change (interrupt), bit n = the PHY at `phyBus()` address n, from
   * the switch's own PHY interrupt status; undefined where the chip has none, so that a caller
   * cannot know of PHY-only changes without reading the PHYs.
   */
  phyEvents: number | undefined;
}

/** What the chip is, from its identification registers. */
export interface SwitchIdentity {
  /** The driver family: 'mv88e6xxx', 'mt7530'. */
  readonly family: string;
  /** The model as its maker names it: '88E6352', 'MT7531'. */
  readonly modelName: string;
  readonly revision: number;
  /** Ports, CPU port included. */
  readonly portCount: number;
}

/**
 * Raw register access for the `switch read|write` console command, in the family's own
 * addressing (Marvell: SMI device and register; MediaTek: one 32-bit register address).
 */
export interface SwitchRegisters {
  /** The address words, with the largest value of each: [['device', 31], ['register', 31]]. */
  readonly address: readonly (readonly [name: string, max: number])[];
  /** The largest value a register holds (0xffff for 16-bit registers, 0xffffffff for 32-bit). */
  readonly valueMax: number;
  /** An example read of a port status register, for `help switch`. */
  readonly example: string;
  read(address: readonly number[]): Promise<number>;
  write(address: readonly number[], value: number): Promise<void>;
}

/**
 * Hardware link aggregation, for the families that have it. LAG ids run from `firstId` to
 * `lastId`; frames the switch forwards from a LAG member to the CPU may name the LAG instead
 * of the port (the frame port's trunk receiver gets that id).
 */
export interface SwitchLag {
  readonly firstId: number;
  readonly lastId: number;
  /** Most members a LAG may have. */
  readonly maxMembers: number;
  /**
   * Programs LAG `id`: `members` are in it (switched traffic from any of them counts as
   * from the LAG), of which `distributing` carry traffic the switch sends into the LAG
   * (hashed over them). An empty `members` removes the LAG. The driver keeps every LAG's
   * state, so the hash tables it shares between LAGs stay consistent.
   */
  setLag(id: number, members: readonly number[], distributing: readonly number[]): Promise<void>;
}

/** A switch's CPU-port frame port: its counters, and (with hardware LAG) frames named by LAG. */
export interface SwitchFramePort extends FramePort {
  readonly counters: FramePortCounters;
  setTrunkReceiver?(fn: (lagId: number, frame: Uint8Array, length: number) => void): void;
}

export interface SwitchChip extends SwitchIdentity {
  /** The port that faces the CPU, once `setupCpuPort` has run. */
  readonly cpuPort: number | undefined;

  /**
   * Makes `port` the CPU port with the family's management tag, traps the frames the
   * firmware must see to it (slow protocols: LACP, 01:80:c2:00:00:02, and the other
   * link-local reserved addresses), and makes every other port a standalone port, as Linux's
   * DSA does: it sends to the CPU port only (port matrix / port-based VLAN), so the switch
   * never forwards between front ports by itself.
   */
  setupCpuPort(port: number): Promise<void>;
  /** The CPU port's tag codec over `conduit` (the CPU's MAC): frames to and from one port. */
  framePort(conduit: Conduit): SwitchFramePort;

  /** One port's MAC-side status, read now, ahead of queued bulk work (a link monitor's read: `urgent`). */
  portStatus(port: number): Promise<PortStatus>;
  /** `portStatus(port)` as operations another runner may run on this chip's bus (see PortStatusProgram). */
  portStatusProgram?(port: number): PortStatusProgram;
  /** Several ports' MAC-side status, in as few bus round trips as the chip allows, ahead of queued bulk work. */
  portStatusAll(ports: readonly number[]): Promise<PortStatus[]>;
  /**
   * The cheap part of a link poll, one bus round trip: every port's MAC-side status and the
   * switch's PHY change (interrupt) status, read without acknowledging it (see pollPorts). A
   * link read: it goes ahead of queued bulk work.
   */
  pollLinks(ports: readonly number[]): Promise<LinkPoll>;
  /**
   * MAC status and PHY operations for several ports, in as few bus round trips as the chip
   * allows. `ackPhyEvents` (bits as LinkPoll.phyEvents) acknowledges those PHY changes first,
   * in the same batch, where the switch latches them (a change after that latches again); where
   * the switch's bits follow the PHYs' own interrupt outputs, the PHY operations acknowledge.
   * `urgent` (the default): a link read, for PHYs something says changed, that goes ahead of
   * queued bulk work; false: bulk (every PHY read afresh after set-up).
   */
  pollPorts(requests: readonly PortPollRequest[], ackPhyEvents?: number, urgent?: boolean): Promise<PortPollResult[]>;

  setPortState(port: number, state: PortState): Promise<void>;
  getPortState(port: number): Promise<PortState>;

  /** The PHYs behind the switch, by the addresses a board definition gives. */
  phyBus(): MdioBus;
  /** How `phyBus` reaches the PHYs, for `help mdio`: e.g. "the internal PHYs through Global2 SMI PHY Command/Data". */
  readonly phyAccess: string;
  /** The link modes the MAC of `port` accepts, as a link-mode mask (phylink masks a PHY's with it). */
  macLinkModes(port: number): number;

  /** Prepares the per-port counters (a capture mode, a flush) once at start. */
  setupStats(): Promise<void>;
  /** One port's counters, in the family's names (ethtool -S). */
  readPortStats(port: number): Promise<PortStat[]>;

  readonly registers: SwitchRegisters;
  /** Hardware LAG; absent where the family has none (bonds then forward through the CPU port). */
  readonly lag?: SwitchLag;
}
