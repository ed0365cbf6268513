/**
 * `config show|save|load|rollback`: the running configuration as console commands, kept in a
 * store the platform provides (two checksummed copies on disk under the CLI, and the
 * configurations saved before them).
 */
import { UsageError } from '../../lib/errors.ts';
import type { EventLog } from '../../lib/log.ts';
import type { NetStack } from '../net/stack.ts';
import { applyConfig, applyFirstGood, type ConfigCandidate } from './config-apply.ts';
import { printable, type Dispatcher } from './dispatcher.ts';
import { runningConfig } from './running-config.ts';
import type { Security } from './security.ts';

export { applyConfig };

/** One configuration kept from before: rollback `n` (1 the newest), or why it cannot be used. */
export interface HistoryCopy {
  n: number;
  path: string;
  generation?: number;
  lines?: string[];
  error?: string;
}

export interface ConfigStorage {
  readonly path: string;
  readonly backupPath: string;
  /** Saves the lines as the next generation, with the records (users, audit) when given; returns it. */
  save(lines: readonly string[], records?: readonly string[]): Promise<number>;
  load(): Promise<{ lines: string[] | undefined; generation: number; records?: string[]; source: string | undefined; warnings: string[]; error: string | undefined }>;
  /** Replaces the records, keeping the saved lines (users and the audit ring change on their own). */
  saveRecords?(records: readonly string[]): Promise<void>;
  /** The configurations saved before the current one, newest first. */
  loadHistory?(): Promise<HistoryCopy[]>;
}

/** The running configuration: bonds and ports, then the access policy (never users or secrets). */
export function configLines(stack: NetStack, security?: Security): string[] {
  return [...runningConfig(stack), ...(security?.configLines() ?? [])];
}

/** The good copies kept from before, as candidates to fall back on (newest first). */
export async function historyCandidates(storage: ConfigStorage): Promise<{ candidates: ConfigCandidate[]; damaged: string[] }> {
  const history = (await storage.loadHistory?.()) ?? [];
  const candidates: ConfigCandidate[] = [];
  const damaged: string[] = [];
  for (const h of history) {
    if (h.lines && h.generation !== undefined) candidates.push({ generation: h.generation, lines: h.lines, from: `${h.path} (rollback ${h.n})` });
    else damaged.push(`config: ${h.path}: ${h.error}`);
  }
  return { candidates, damaged };
}

const USAGE = [
  'config show          the running configuration as console commands (no users, hashes or secrets)',
  'config save          write it to the configuration file (two checksummed copies); the one it',
  '                     replaces is kept as rollback 1, and so on back (10 kept)',
  'config load          reset to the boot state and apply the saved configuration; if a line is',
  '                     refused it is undone and the newest earlier one that applies is used',
  'config rollback      list the configurations kept from before',
  'config rollback <n>  go back to rollback n (1: the one before the last save) and save it as',
  '                     the newest generation; if it does not apply, the saved one is put back',
  'users and the audit log are kept in the same file as they change (never rolled back)',
  'inside a saved configuration only config show runs',
].join('\n');

export function registerConfigCommands(d: Dispatcher, stack: NetStack, getStorage: () => ConfigStorage | undefined, security?: Security, log?: EventLog): void {
  const need = (): ConfigStorage => {
    const storage = getStorage();
    if (!storage) throw new UsageError('config: no configuration file (start the firmware with --config <path>)');
    return storage;
  };
  const logTo = log ?? stack.log;
  d.register({
    name: 'config',
    summary: 'show, save, load or roll back the configuration (the commands that recreate it)',
    usage: USAGE,
    access: (args) => (args.length === 1 && args[0] === 'show' ? 'read' : args.length === 1 && args[0] === 'rollback' ? 'read' : 'admin'),
    run: async (args, ctx) => {
      const sub = args[0];
      // A configuration that loads, saves or rolls back itself would recurse or rewrite the
      // file it is being read from: only show runs inside one.
      if (ctx.source === 'config' && sub !== 'show') throw new UsageError(`config ${printable(sub ?? '')}: not inside a saved configuration`);
      switch (sub) {
        case 'show':
          if (args.length !== 1) break;
          return configLines(stack, security).join('\n');
        case 'save': {
          if (args.length !== 1) break;
          const st = need();
          const generation = await st.save(configLines(stack, security), security?.records());
          return `configuration saved (generation ${generation}) to ${st.path} and ${st.backupPath}`;
        }
        case 'load': {
          if (args.length !== 1) break;
          const st = need();
          const r = await st.load();
          // Generation 0: the file holds users and the audit log, no configuration yet.
          if (!r.lines || r.generation === 0) throw new UsageError(r.error ?? `config: nothing saved in ${st.path}`);
          const { candidates, damaged } = await historyCandidates(st);
          const out = await applyFirstGood(d, stack, logTo, [{ generation: r.generation, lines: r.lines, from: r.source ?? st.path }, ...candidates], { nested: true, fresh: false });
          const done = out.applied ? [`configuration loaded (generation ${out.applied.generation}) from ${out.applied.from}`] : [];
          return [...r.warnings, ...(out.applied === undefined ? damaged : []), ...out.report, ...done].join('\n');
        }
        case 'rollback':
          if (args.length === 1) return listHistory(need());
          if (args.length === 2) return rollback(need(), args[1]);
          break;
        default:
          throw new UsageError(`config: unknown subcommand '${printable(sub ?? '')}' (show, save, load, rollback)`);
      }
      throw new UsageError('config: usage: config show|save|load|rollback [<n>]');
    },
  });

  async function listHistory(st: ConfigStorage): Promise<string> {
    const r = await st.load();
    const lines = [r.lines && r.generation > 0 ? `0  generation ${r.generation}  ${r.lines.length} commands  ${r.source} (current)` : `0  nothing saved in ${st.path}`];
    for (const h of (await st.loadHistory?.()) ?? []) {
      lines.push(h.lines ? `${h.n}  generation ${h.generation}  ${h.lines.length} commands  ${h.path}` : `${h.n}  damaged: ${h.error}  ${h.path}`);
    }
    return lines.join('\n');
  }

  async function rollback(st: ConfigStorage, arg: string): Promise<string> {
    const n = /^\d{1,3}$/.test(arg) ? Number(arg) : NaN;
    const history = (await st.loadHistory?.()) ?? [];
    const h = history.find((x) => x.n === n);
    if (!h) throw new UsageError(`config rollback: no configuration kept as '${printable(arg)}' (${history.length ? `kept: ${history.map((x) => x.n).join(' ')}` : 'none kept yet'}; 'config rollback' lists them)`);
    if (!h.lines || h.generation === undefined) throw new UsageError(`config rollback: ${h.path}: ${h.error}`);
    const current = await st.load();
    const candidates: ConfigCandidate[] = [{ generation: h.generation, lines: h.lines, from: `${h.path} (rollback ${n})` }];
    // Back where it was if the old one does not apply: the saved configuration.
    if (current.lines && current.generation > 0) candidates.push({ generation: current.generation, lines: current.lines, from: current.source ?? st.path });
    const out = await applyFirstGood(d, stack, logTo, candidates, { nested: true, fresh: false });
    if (out.applied !== candidates[0]) throw new UsageError([...out.report, `config rollback: generation ${h.generation} did not apply; nothing saved`].join('\n'));
    const generation = await st.save(configLines(stack, security), security?.records());
    const msg = `config: rolled back to generation ${h.generation} (rollback ${n}), saved as generation ${generation}`;
    logTo.info(msg);
    return msg;
  }
}
