/**
 * The portable core as one module: what an embedding (a microcontroller-class JavaScript
 * engine such as QuickJS) needs to run the firmware's bonding, LACP, host stack, option table
 * and console. `npm run build:core` bundles this into one ES2020 script with no imports.
 */
export { VirtualClock, PeriodicTimer, type Clock } from '../lib/clock.ts';
export { EventLog, formatLogEntry } from '../lib/log.ts';
export { SeededRandom } from '../lib/random.ts';
export { FirmwareError, UsageError, errorText } from '../lib/errors.ts';
export { Bond, registerBondMode, type BondEnv } from './bonding/bond.ts';
export { Mode8023ad } from './bonding/bond3ad.ts';
import './bonding/modes.ts';
export { BondingDriver } from './bonding/driver.ts';
export { BOND_OPTIONS, defaultBondOptions, setOption, formatOption } from './bonding/options.ts';
export { formatProcBonding } from './bonding/procfs.ts';
export { xmitHash, hashToIndex } from './bonding/hash.ts';
export type { BondPort } from './bonding/slave.ts';
export { Lacp } from './lacp/engine.ts';
export { decodeLacpdu, encodeLacpdu, Lacpdu } from './lacp/pdu.ts';
export { HostStack } from './net/host.ts';
export { Dispatcher } from './console/dispatcher.ts';
export { tokenize } from './console/tokenize.ts';
export { Guest, type GuestHost, type GuestPortInfo } from './quickjs/guest.ts';
