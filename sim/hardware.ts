import type { Clock } from '../lib/clock.ts';
import type { BoardDefinition } from '../boards/types.ts';
import type { Conduit } from '../hal/frames.ts';
import { LocalMdioBus, MdioWire } from '../hal/mdio/wire.ts';
import { createSwitchEmulator, type SwitchEmulator } from '../hal/sim/switch.ts';
import { SimPhy } from '../hal/sim/phy.ts';
import { BMCR_RESET, MII_BMCR } from '../hal/phy/mii.ts';
import { SimWorld, type Topology } from './world.ts';
import { BridgeMcu } from '../hal/sim/bridge-mcu.ts';
import type { ByteLink } from '../hal/bridge/link.ts';

export interface SimHardwareOptions {
  topology?: Topology;
  /** Autonegotiation time for links coming up (`sim autoneg`). */
  autonegMs?: number;
}

/**
 * The emulated hardware of a board and the world around it: PHYs and the switch chip at
 * register level on an MDIO wire, the CPU's MAC wired to the switch's CPU port, and one
 * cable per front-panel port to the link partner.
 */
export class SimHardware {
  readonly wire = new MdioWire();
  readonly bus: LocalMdioBus;
  readonly phys: SimPhy[] = [];
  /** The switch; a power cycle puts a new one (fresh registers) in its place. */
  chip: SwitchEmulator;
  readonly world: SimWorld;
  readonly conduit: Conduit;
  private cpuReceiver: ((frame: Uint8Array, length: number) => void) | undefined;

  constructor(
    readonly def: BoardDefinition,
    readonly clock: Clock,
    opts: SimHardwareOptions = {},
  ) {
    // The board powers up with its cables already in and negotiated; `autonegMs` applies to
    // links that come up later.
    const byPort: (SimPhy | undefined)[] = [];
    for (const p of def.ports) {
      const phy = new SimPhy({ model: def.simPhyModel, clock, autonegMs: 0 });
      this.phys.push(phy);
      byPort[p.switchPort] = phy;
    }
    this.byPort = byPort;
    this.chip = createSwitchEmulator(def.switch, clock, byPort);
    this.chip.attachTo(this.wire);
    this.bus = new LocalMdioBus(this.wire);
    this.world = new SimWorld({ clock, ports: def.ports.map((p) => p.name), topology: opts.topology });
    def.ports.forEach((p, i) => this.world.connectBoard(i, this.phys[i], (frame) => this.chip.ingress(p.switchPort, frame)));
    // The CPU's MAC: frames from the switch reach the firmware from the world's queue, so the
    // firmware is never re-entered while it is sending.
    this.cpuEgress = (frame) => {
      const copy = frame.slice();
      this.world.enqueue(() => this.cpuReceiver?.(copy, copy.length));
    };
    this.wireChip();
    this.setAutoneg(opts.autonegMs ?? 0);
    this.conduit = {
      send: (frame, length) => this.chip.cpuIngress(frame.slice(0, length)),
      setReceiver: (handler) => {
        this.cpuReceiver = handler;
      },
    };
  }

  /**
   * Puts the serial-MDIO bridge microcontroller on this board's MDIO bus, speaking on `link`;
   * its interrupt lines follow the PHYs (line n = front-panel port n). Call `start()` on it.
   */
  attachBridge(link: ByteLink, opts: { mdioClockHz?: number; bootMs?: number; bootId?: number; maxOps?: number; rawFrames?: boolean; nonceSeed?: number; noBootNonce?: boolean; smiOps?: boolean; irqPrograms?: boolean } = {}): BridgeMcu {
    const { rawFrames, ...rest } = opts;
    // With rawFrames the switch's CPU port is wired to the bridge instead of the CPU's MAC.
    const cpuPort = rawFrames
      ? {
          send: (frame: Uint8Array) => this.chip.cpuIngress(frame),
          setReceiver: (fn: (frame: Uint8Array) => void) => {
            this.cpuEgress = (frame) => fn(frame.slice());
          },
        }
      : undefined;
    return new BridgeMcu({ clock: this.clock, wire: this.wire, link, irqSources: this.phys, cpuPort, ...rest });
  }

  private readonly byPort: (SimPhy | undefined)[];
  /** Where the switch's CPU port sends: the CPU's MAC, or the bridge (raw frames). */
  private cpuEgress: (frame: Uint8Array) => void;

  private wireChip(): void {
    const portIndex = new Map(this.def.ports.map((p, i) => [p.switchPort, i]));
    this.chip.onEgress = (switchPort, frame) => {
      const i = portIndex.get(switchPort);
      if (i !== undefined) this.world.fromBoard(i, frame);
    };
    this.chip.onCpuEgress = (frame) => this.cpuEgress(frame);
  }

  /**
   * The board side loses power and comes back (a bridge board restarted with the switch and
   * PHYs on it): the switch's registers are back to their reset values, and each PHY is reset
   * (its link renegotiates). The cables and the world around stay as they are.
   */
  powerCycle(): void {
    this.resetSwitch();
    for (const phy of this.phys) phy.write(MII_BMCR, BMCR_RESET);
  }

  /** The switch chip alone is reset (a watchdog): its registers are back to their defaults; PHYs and links stay. */
  resetSwitch(): void {
    this.chip.detach();
    this.chip = createSwitchEmulator(this.def.switch, this.clock, this.byPort);
    this.chip.attachTo(this.wire);
    this.wireChip();
  }

  portIndex(name: string): number {
    return this.def.ports.findIndex((p) => p.name === name);
  }

  setAutoneg(ms: number): void {
    for (const phy of this.phys) phy.autonegMs = ms;
  }
}
