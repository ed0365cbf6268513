/**
 * `config show|save|load`: the running configuration as console commands, kept in a
 * store the platform provides (two checksummed copies on disk under the CLI).
 */
import { UsageError } from '../../lib/errors.ts';
import type { NetStack } from '../net/stack.ts';
import { printable, type Dispatcher } from './dispatcher.ts';
import { runningConfig } from './running-config.ts';
import type { Security } from './security.ts';

export interface ConfigStorage {
  readonly path: string;
  readonly backupPath: string;
  /** Saves the lines as the next generation, with the records (users, audit) when given; returns it. */
  save(lines: readonly string[], records?: readonly string[]): Promise<number>;
  load(): Promise<{ lines: string[] | undefined; generation: number; records?: string[]; source: string | undefined; warnings: string[]; error: string | undefined }>;
  /** Replaces the records, keeping the saved lines (users and the audit ring change on their own). */
  saveRecords?(records: readonly string[]): Promise<void>;
}

/** Runs saved lines through the dispatcher; returns one line per refused command. */
export async function applyConfig(d: Dispatcher, lines: readonly string[], nested: boolean): Promise<string[]> {
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const r = nested ? await d.executeNested(lines[i], 'config') : await d.execute(lines[i], 'config');
    if (!r.ok) problems.push(`config line ${i + 1} '${printable(lines[i])}': ${r.output.replace(/^error: /, '')}`);
  }
  return problems;
}

/** The running configuration: bonds and ports, then the access policy (never users or secrets). */
export function configLines(stack: NetStack, security?: Security): string[] {
  return [...runningConfig(stack), ...(security?.configLines() ?? [])];
}

export function registerConfigCommands(d: Dispatcher, stack: NetStack, getStorage: () => ConfigStorage | undefined, security?: Security): void {
  const need = (): ConfigStorage => {
    const storage = getStorage();
    if (!storage) throw new UsageError('config: no configuration file (start the firmware with --config <path>)');
    return storage;
  };
  d.register({
    name: 'config',
    summary: 'show, save or load the configuration (the commands that recreate it)',
    usage: 'config show          the running configuration as console commands (no users, hashes or secrets)\nconfig save          write it to the configuration file (two checksummed copies)\nconfig load          reset to the boot state and apply the saved configuration\nusers and the audit log are kept in the same file as they change',
    access: (args) => (args.length === 1 && args[0] === 'show' ? 'read' : 'admin'),
    run: async (args) => {
      if (args.length !== 1) throw new UsageError('config: usage: config show|save|load');
      switch (args[0]) {
        case 'show':
          return configLines(stack, security).join('\n');
        case 'save': {
          const st = need();
          const generation = await st.save(configLines(stack, security), security?.records());
          return `configuration saved (generation ${generation}) to ${st.path} and ${st.backupPath}`;
        }
        case 'load': {
          const st = need();
          const r = await st.load();
          // Generation 0: the file holds users and the audit log, no configuration yet.
          if (!r.lines || r.generation === 0) throw new UsageError(r.error ?? `config: nothing saved in ${st.path}`);
          await stack.resetToBoot();
          const problems = await applyConfig(d, r.lines, true);
          return [...r.warnings, ...problems, `configuration loaded (generation ${r.generation}) from ${r.source}`].join('\n');
        }
        default:
          throw new UsageError(`config: unknown subcommand '${printable(args[0])}' (show, save, load)`);
      }
    },
  });
}
