import './bonding/modes.ts';
import type { Clock } from '../lib/clock.ts';
import { EventLog } from '../lib/log.ts';
import { SeededRandom, type Random } from '../lib/random.ts';
import { Dispatcher } from './console/dispatcher.ts';
import { registerBondingCommands } from './console/bonding-commands.ts';
import { registerDiagCommands } from './console/diag-commands.ts';
import { historyCandidates, registerConfigCommands, type ConfigStorage } from './console/config-commands.ts';
import { applyFirstGood } from './console/config-apply.ts';
import { registerNetCommands } from './console/net-commands.ts';
import { registerSystemCommands } from './console/system-commands.ts';
import { registerSecurityCommands } from './console/security-commands.ts';
import { Security, type SecurityOptions } from './console/security.ts';
import { SysFs } from './console/sysfs.ts';
import type { NetDeviceTable } from './net/netdev.ts';
import { NetStack } from './net/stack.ts';
import { boardHardware } from './board-hardware.ts';
import type { Board } from '../hal/board.ts';

/**
 * The firmware on a board that is up: the network stack (ports, bonds, VLAN devices, host
 * stack), the virtual files, and the one command dispatcher with the commands registered.
 */
export class Firmware {
  readonly dispatcher = new Dispatcher();
  readonly sysfs = new SysFs();
  readonly net: NetStack;
  /** Users, the audit log, the password hasher. */
  readonly security: Security;
  /** Where `config save` writes and `config load` reads (set by the platform: --config). */
  configStorage: ConfigStorage | undefined;

  constructor(
    readonly board: Board,
    readonly clock: Clock,
    readonly log: EventLog,
    random: Random = new SeededRandom(0x626f6e64),
    security: SecurityOptions = {},
  ) {
    this.net = new NetStack(boardHardware(board), clock, log, random);
    this.security = new Security(this.dispatcher, clock, log, () => {
      const st = this.configStorage;
      return st?.saveRecords ? { saveRecords: (r) => st.saveRecords!(r) } : undefined;
    }, security);
    registerNetCommands(this.dispatcher, this.sysfs, this.net);
    registerBondingCommands(this.dispatcher, this.sysfs, this.net);
    registerSystemCommands(this.dispatcher, board, this.net.devices, log, this.net);
    registerConfigCommands(this.dispatcher, this.net, () => this.configStorage, this.security, log);
    registerDiagCommands(this.dispatcher, this.net, clock);
    registerSecurityCommands(this.dispatcher, this.security);
  }

  /**
   * Boot-time load of the saved configuration: the newest good copy is applied; a damaged
   * copy is reported. A configuration that does not apply whole is undone and the newest
   * earlier one that does is run instead (the failing one stays on disk); with none, or no
   * good copy, the firmware starts unconfigured and says so. Returns the lines to show.
   */
  async loadConfig(storage: ConfigStorage, loaded?: Awaited<ReturnType<ConfigStorage['load']>>): Promise<string[]> {
    this.configStorage = storage;
    const r = loaded ?? (await storage.load());
    const out = [...r.warnings];
    for (const w of r.warnings) this.log.warn(w);
    if (r.error) {
      this.log.error(r.error);
      out.push(`error: ${r.error}`);
      // Both copies damaged: a configuration kept from before still brings the gateway up.
      const { candidates } = await historyCandidates(storage);
      if (candidates.length === 0) return out;
      const applied = await applyFirstGood(this.dispatcher, this.net, this.log, candidates, { nested: false, fresh: true });
      out.push(...applied.report);
      if (applied.applied) out.push(`config: loaded generation ${applied.applied.generation} from ${applied.applied.from} (${applied.applied.lines.length} commands)`);
      return out;
    }
    if (!r.lines) return out;
    // Users and the audit ring first: the commands may set the policy they work with.
    for (const w of this.security.restore(r.records ?? [])) {
      this.log.warn(w);
      out.push(w);
    }
    if (r.generation === 0) {
      const msg = `config: no configuration saved yet in ${r.source} (users and the audit log are kept there)`;
      this.log.info(msg);
      out.push(msg);
      return out;
    }
    const { candidates, damaged } = await historyCandidates(storage);
    const applied = await applyFirstGood(this.dispatcher, this.net, this.log, [{ generation: r.generation, lines: r.lines, from: r.source ?? storage.path }, ...candidates], { nested: false, fresh: true });
    out.push(...applied.report);
    if (!applied.applied) {
      for (const w of damaged) this.log.warn(w);
      out.push(...damaged);
      return out;
    }
    const msg = `config: loaded generation ${applied.applied.generation} from ${applied.applied.from} (${applied.applied.lines.length} commands)`;
    this.log.info(msg);
    out.push(msg);
    return out;
  }

  get devices(): NetDeviceTable {
    return this.net.devices;
  }

  start(): void {
    this.board.start();
  }

  stop(): void {
    for (const b of this.net.bonding.list()) b.close();
    this.board.close();
  }
}

export { EventLog };
