/**
 * The bond modes that plug into the core (bond.ts `registerBondMode`): balance-tlb and
 * balance-alb. Imported once, for its effect, by firmware/system.ts.
 */
import { registerBondMode } from './bond.ts';
import { createAlbMode } from './alb.ts';
import { BOND_MODE_ALB, BOND_MODE_TLB } from './options.ts';

registerBondMode(BOND_MODE_TLB, createAlbMode);
registerBondMode(BOND_MODE_ALB, createAlbMode);
