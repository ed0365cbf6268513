/**
 * The bonding "module": loaded by `modprobe bonding`, it keeps the module parameters (the
 * defaults every new bond starts from), creates `max_bonds` bonds at load, and creates and
 * destroys bonds at run time through /sys/class/net/bonding_masters (bond_sysfs.c).
 */
import { UsageError } from '../core/errors.ts';
import { Bond, availableModesText, bondModeAvailable, type BondEnv } from './bond.ts';
import { cloneBondOptions, defaultBondOptions, optionDef, setOption, type BondOptions } from './options.ts';

export interface DriverHooks {
  /** True when a network device of this name exists (a port, a bond, a VLAN device). */
  nameTaken(name: string): boolean;
  added(bond: Bond): void;
  removed(bond: Bond): void;
}

const IFNAME_RE = /^[^\s/:]{1,15}$/;

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
   * `modprobe bonding <param>=<value> ...` (bond_check_params): parameters are checked
   * against the option table with the given mode; a parameter that has no effect in that mode
   * is ignored with a warning, as Linux does; anything else wrong refuses the load.
   * Returns the warnings. Loading an already loaded module does nothing (as modprobe).
   */
  async load(params: readonly string[]): Promise<string[]> {
    if (this.loaded) return [];
    const opts = defaultBondOptions();
    const warnings: string[] = [];
    const pairs: [string, string][] = [];
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new UsageError(`modprobe: parameter '${p}' is not <name>=<value>`);
      const name = p.slice(0, eq);
      if (!optionDef(name)) throw new UsageError(`modprobe: bonding: unknown parameter '${name}'`);
      pairs.push([name, p.slice(eq + 1)]);
    }
    // Module parameters are read together, not in order (bond_check_params): the mode first,
    // then miimon (the delays are multiples of it), then the ARP targets. The table's default
    // miimon of 100 applies only when no ARP monitor is asked for.
    const rank = (n: string): number => ['mode', 'miimon', 'arp_ip_target'].indexOf(n) >>> 0;
    pairs.sort((a, b) => rank(a[0]) - rank(b[0]));
    if (pairs.some(([n]) => n === 'arp_interval') && !pairs.some(([n]) => n === 'miimon')) opts.miimon = 0;
    for (const [name, value] of pairs) {
      const def = optionDef(name)!;
      if (!def.modes.includes(opts.mode)) {
        warnings.push(`bonding: Warning: ${name} has no effect in mode ${opts.mode}; ignored`);
        continue;
      }
      // Module parameters are read before any bond exists: the bond is down and empty.
      const r = name === 'arp_ip_target'
        ? this.addTargets(opts, value)
        : setOption(opts, name, value, { up: false, slaveCount: 0 });
      warnings.push(...r.warnings.map((w) => `bonding: ${w}`));
    }
    if (!bondModeAvailable(opts.mode)) {
      throw new UsageError(`modprobe: bonding: mode ${opts.mode} is not available in this firmware (available: ${availableModesText()})`);
    }
    if (opts.max_bonds > 1000) throw new UsageError('modprobe: bonding: max_bonds must be at most 1000 on this gateway');
    this.defaults = opts;
    this.loaded = true;
    for (let i = 0; i < opts.max_bonds; i++) {
      const name = `bond${i}`;
      if (!this.hooks.nameTaken(name)) this.create(name);
    }
    for (const w of warnings) this.env.log.warn(w);
    return warnings;
  }

  private addTargets(opts: BondOptions, value: string): { warnings: string[] } {
    // arp_ip_target=a,b,c as a module parameter.
    for (const ip of value.split(',')) setOption(opts, 'arp_ip_target', `+${ip}`, { up: false, slaveCount: 0 });
    return { warnings: [] };
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
    if (this.hooks.nameTaken(name)) throw new UsageError(`bond ${name} already exists (File exists)`);
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
    if (!bond) throw new UsageError(`unable to delete non-existent bond ${name} (No such device)`);
    await bond.destroy();
    this.bonds.delete(name);
    this.hooks.removed(bond);
    this.env.log.info(`${name}: bond deleted`);
  }

  get(name: string): Bond | undefined {
    return this.bonds.get(name);
  }

  list(): Bond[] {
    return [...this.bonds.values()];
  }
}
