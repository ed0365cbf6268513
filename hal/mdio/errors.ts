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
