/**
 * What every switch-chip emulator gives the simulated board (sim/hardware.ts): registers on
 * an MDIO wire, frames in and out of its front ports and its CPU port, and the MAC-side
 * carrier a test may force. Each family's emulator implements it; `createSwitchEmulator`
 * builds the one a board definition names.
 */
import type { SwitchDefinition } from '../../boards/types.ts';
import type { Clock } from '../../lib/clock.ts';
import type { MdioWire } from '../mdio/wire.ts';
import { SimMt7530 } from './mt7530.ts';
import { SimMv88e6xxx, type AttachedPhy } from './mv88e6xxx.ts';

export type { AttachedPhy };

export interface SwitchEmulator {
  /** Answers on `wire` at the addresses the chip is strapped to (and its PHYs', where they are on it). */
  attachTo(wire: MdioWire): void;
  /** A frame arrives from the cable of front port `port`. */
  ingress(port: number, frame: Uint8Array): void;
  /** A frame leaves front port `port` onto its cable. */
  onEgress: ((port: number, frame: Uint8Array) => void) | undefined;
  /** A frame from the CPU's MAC into the CPU port (tagged as the CPU port is set up). */
  cpuIngress(frame: Uint8Array): void;
  /** A frame from the CPU port to the CPU's MAC. */
  onCpuEgress: ((frame: Uint8Array) => void) | undefined;
  /** Forces the MAC-side link of `port` (`sim carrier`); null: follow the PHY again. */
  setCarrier(port: number, up: boolean | null): void;
  /** The PHY command unit never finishes (a wedged chip), for fault tests; absent where the family has none. */
  stuckPhyBusy?: boolean;
  /** Leaves the wire given to attachTo (the chip loses power). */
  detach(): void;
}

/** The emulator of the chip `def` names, with `phys[port]` behind its ports. */
export function createSwitchEmulator(def: SwitchDefinition, clock: Clock, phys: (AttachedPhy | undefined)[]): SwitchEmulator {
  switch (def.driver) {
    case 'mv88e6xxx':
      return new SimMv88e6xxx({ model: def.model, smiAddr: def.smiAddr, clock, phys, cpuPort: def.cpuPort });
    case 'mt7530':
      return new SimMt7530({ model: def.model, smiAddr: def.smiAddr, clock, phys, cpuPort: def.cpuPort });
    default:
      throw new Error(`sim: no emulator for switch family '${(def as { driver: string }).driver}'`);
  }
}
