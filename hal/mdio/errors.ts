import { DeviceError } from '../../lib/errors.ts';

/** A `wait` op whose register never matched within its tries. */
export class MdioTimeoutError extends DeviceError {
  override name = 'MdioTimeoutError';
  constructor(
    readonly phy: number,
    readonly reg: number,
    readonly tries: number,
    readonly lastValue: number,
  ) {
    super(`mdio: phy 0x${phy.toString(16)} reg ${reg} did not reach the expected value in ${tries} reads (last 0x${lastValue.toString(16).padStart(4, '0')})`);
  }
}

/**
 * The inner unit of an indirect operation (the Global2 SMI PHY unit behind a switch's SMI) never
 * went idle: `phy` and `reg` name its command register as a device register of the switch.
 */
export class MdioUnitTimeoutError extends MdioTimeoutError {
  override name = 'MdioUnitTimeoutError';
  constructor(dev: number, reg: number, tries: number, lastValue: number) {
    super(dev, reg, tries, lastValue);
    this.message = `mdio: device 0x${dev.toString(16)} command register ${reg} stayed busy for ${tries} reads (last 0x${lastValue.toString(16).padStart(4, '0')})`;
  }
}
