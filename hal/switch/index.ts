/**
 * Opens the switch chip a board definition names: the family's driver identifies it on the
 * MDIO bus and checks it is the model the board says.
 */
import type { SwitchDefinition } from '../../boards/types.ts';
import { DeviceError } from '../../lib/errors.ts';
import type { MdioBus } from '../mdio/bus.ts';
import type { SwitchChip } from './chip.ts';
import { Mt7530 } from './mt7530/chip.ts';
import { Mv88e6xxx } from './mv88e6xxx/chip.ts';

/** `label` names the board in the error when the chip found is not the one it names. */
export async function openSwitch(def: SwitchDefinition, bus: MdioBus, label: string): Promise<SwitchChip> {
  switch (def.driver) {
    case 'mv88e6xxx': {
      const chip = await Mv88e6xxx.probe(bus, def.smiAddr, def.model);
      if (chip.model !== def.model) throw new DeviceError(`${label}: expected an 88E${def.model}-class switch, found ${chip.modelName}`);
      chip.tagging = def.tagging;
      return chip;
    }
    case 'mt7530': {
      // Probed for the model the board names: only that model's ID register is read.
      return Mt7530.probe(bus, def.smiAddr, def.model);
    }
    default:
      throw new DeviceError(`no driver for switch family '${(def as { driver: string }).driver}'`);
  }
}
