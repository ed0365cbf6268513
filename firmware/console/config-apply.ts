/**
 * Applying a saved configuration so that the gateway ends in a known state: a configuration
 * applies whole (every line accepted) or not at all. One that fails is undone (back to the
 * boot state) and the next candidate tried, the previous good configuration first; when
 * none applies, the gateway runs unconfigured, as it booted. Every failure is in the log and
 * in what the caller prints; nothing on disk is changed here.
 */
import type { EventLog } from '../../lib/log.ts';
import type { NetStack } from '../net/stack.ts';
import { printable, type Dispatcher } from './dispatcher.ts';

/** A configuration that could be applied: its commands and where they come from. */
export interface ConfigCandidate {
  generation: number;
  lines: readonly string[];
  /** Where it was read ('/etc/gw.cfg', '/etc/gw.cfg.1 (rollback 1)'). */
  from: string;
}

export interface ApplyOutcome {
  /** The candidate that applied whole, or undefined: the gateway is in the boot state. */
  applied: ConfigCandidate | undefined;
  /** What to print: each refused line (`error: ...`) and what was done about it. */
  report: string[];
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

/**
 * Applies the first candidate that applies whole. `fresh`: the gateway is in the boot state
 * already (a boot), so the first candidate needs no reset.
 */
export async function applyFirstGood(
  d: Dispatcher,
  stack: NetStack,
  log: EventLog,
  candidates: readonly ConfigCandidate[],
  opts: { nested: boolean; fresh: boolean },
): Promise<ApplyOutcome> {
  const report: string[] = [];
  let clean = opts.fresh;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i];
    if (!clean) await stack.resetToBoot();
    clean = false;
    const problems = await applyConfig(d, c.lines, opts.nested);
    for (const p of problems) {
      log.error(p);
      report.push(`error: ${p}`);
    }
    if (problems.length === 0) {
      if (i > 0) {
        const msg = `config: running generation ${c.generation} from ${c.from} instead`;
        log.warn(msg);
        report.push(msg);
      }
      return { applied: c, report };
    }
    const next = candidates[i + 1];
    const msg = `config: generation ${c.generation} from ${c.from} did not apply (${problems.length} line${problems.length === 1 ? '' : 's'} refused): undone${next ? `; trying generation ${next.generation} from ${next.from}` : ''}`;
    log.error(msg);
    report.push(`error: ${msg}`);
  }
  await stack.resetToBoot();
  if (candidates.length > 0) {
    const msg = 'config: no saved configuration applies: running unconfigured (the boot state)';
    log.error(msg);
    report.push(`error: ${msg}`);
  }
  return { applied: undefined, report };
}
