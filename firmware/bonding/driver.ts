/**
 * The bonding "module": loaded by `modprobe bonding`, it keeps the module parameters (the
 * defaults every new bond starts from), creates `max_bonds` bonds at load, and creates and
 * destroys bonds at run time through /sys/class/net/bonding_masters (bond_sysfs.c).
 */
import { UsageError } from '../../lib/errors.ts';
import { Bond, availableModesText, bondModeAvailable, type BondEnv } from './bond.ts';
import { readModuleParams } from './module-params.ts';
import { cloneBondOptions, defaultBondOptions, type BondOptions } from './options.ts';

export interface DriverHooks {
  /** True when a network device of this name exists (a port, a bond, a VLAN device). */
  nameTaken(name: string): boolean;
  added(bond: Bond): void;
  removed(bond: Bond): void;
}

const IFNAME_RE = /^[^\s/:]{1,15}$/;
/** Bonds created at load: a gateway's few ports need no more (Linux allows INT_MAX). */
const MAX_BONDS_HERE = 1000;

export class BondingDriver {
  loaded = false;
  /** Module parameters: what a new bond starts with. */
  defaults: BondOptions = defaultBondOptions();
  readonly bonds = new Map<string, Bond>();

  constructor(
    private readonly env: BondEnv,
    private readonly hooks: DriverHooks,
  ) {}

  /**
   * `modprobe bonding <param>=<value> ...`: the parameters read as Linux reads them
   * (module-params.ts), with its messages in the log. Returns the warnings and errors the
   * load logged (for the console). Loading an already loaded module does nothing (as modprobe).
   */
  async load(params: readonly string[]): Promise<string[]> {
    if (this.loaded) return [];
    const { defaults, maxBonds, messages } = readModuleParams(params);
    if (!bondModeAvailable(defaults.mode)) {
      throw new UsageError(`modprobe: bonding: mode ${defaults.mode} is not available in this firmware`, `available: ${availableModesText()}`);
    }
    if (maxBonds > MAX_BONDS_HERE) throw new UsageError(`modprobe: bonding: max_bonds (${maxBonds}) is more than this gateway takes`, `at most ${MAX_BONDS_HERE}`);
    this.defaults = defaults;
    this.loaded = true;
    for (const [level, text] of messages) this.env.log[level](text);
    for (let i = 0; i < maxBonds; i++) {
      const name = `bond${i}`;
      if (!this.hooks.nameTaken(name)) this.create(name);
    }
    return messages.filter(([level]) => level !== 'info').map(([, text]) => text);
  }

  /** `rmmod bonding`: every bond goes, with its slaves. */
  async unload(): Promise<void> {
    if (!this.loaded) throw new UsageError('rmmod: ERROR: Module bonding is not currently loaded');
    for (const name of [...this.bonds.keys()]) await this.destroy(name);
    this.loaded = false;
    this.defaults = defaultBondOptions();
  }

  private requireLoaded(): void {
    if (!this.loaded) throw new UsageError('the bonding module is not loaded (run: modprobe bonding)');
  }

  /** bond_create. */
  create(name: string): Bond {
    this.requireLoaded();
    if (!IFNAME_RE.test(name) || name === '.' || name === '..') {
      throw new UsageError(`invalid bond name '${name}' (at most 15 characters, no spaces, '/' or ':')`);
    }
    if (this.hooks.nameTaken(name)) throw new UsageError(`bonding: ${name} already exists`, 'File exists');
    const bond = new Bond(name, this.env);
    Object.assign(bond.opts, cloneBondOptions(this.defaults));
    bond.opts.max_bonds = this.defaults.max_bonds;
    this.bonds.set(name, bond);
    bond.initMode();
    this.hooks.added(bond);
    return bond;
  }

  /** bond_uninit through bonding_masters: slaves are released first. */
  async destroy(name: string): Promise<void> {
    this.requireLoaded();
    const bond = this.bonds.get(name);
    if (!bond) throw new UsageError(`bonding: unable to delete non-existent ${name}`, 'No such device');
    await bond.destroy();
    this.bonds.delete(name);
    this.hooks.removed(bond);
    // bond_uninit.
    this.env.log.info(`${name}: Released all slaves`);
  }

  get(name: string): Bond | undefined {
    return this.bonds.get(name);
  }

  list(): Bond[] {
    return [...this.bonds.values()];
  }
}
