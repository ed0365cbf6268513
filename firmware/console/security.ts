/**
 * The gateway's security state next to the dispatcher: the users, the audit ring, and the
 * platform's password hasher. Users and the audit ring are kept as records of the saved
 * configuration (the platform's `RecordStore`: two checksummed copies on disk under the CLI)
 * and written there as they change, without touching the saved commands; the role remote
 * commands run with is part of the configuration's commands (`mqtt-commands <role>`).
 */
import type { Clock } from '../../lib/clock.ts';
import type { EventLog } from '../../lib/log.ts';
import { Ratelimit } from '../../lib/ratelimit.ts';
import { errorText } from '../../lib/errors.ts';
import { AuditLog, auditRecord, parseAuditRecord, type AuditEntry } from './audit.ts';
import type { Dispatcher } from './dispatcher.ts';
import { UserTable, parseUserRecord, userRecord, type PasswordHasher } from './users.ts';

export interface RecordStore {
  /** Keeps `records` with the saved configuration, leaving its commands as they are. */
  saveRecords(records: readonly string[]): Promise<void>;
}

export interface SecurityOptions {
  /** Milliseconds since 1970 for audit times; without it, the firmware clock's (since boot). */
  wallClock?: () => number;
  hasher?: PasswordHasher;
}

export class Security {
  readonly users = new UserTable();
  readonly audit: AuditLog;
  hasher: PasswordHasher | undefined;
  private persisting: Promise<unknown> = Promise.resolve();
  private readonly failures = new Ratelimit(1, 60_000);
  private dummy: Promise<string> | undefined;

  constructor(
    readonly dispatcher: Dispatcher,
    private readonly clock: Clock,
    private readonly log: EventLog,
    /** Where records go: the configuration storage, once the platform has one. */
    private readonly store: () => RecordStore | undefined,
    opts: SecurityOptions = {},
  ) {
    this.hasher = opts.hasher;
    this.audit = new AuditLog(opts.wallClock ?? (() => clock.now()), log);
    dispatcher.onAudit((e) => {
      this.audit.record(e);
      void this.persist();
    });
  }

  /** Users, then the audit ring, as configuration records. */
  records(): string[] {
    return [...this.users.list().map(userRecord), ...this.audit.entries().map(auditRecord)];
  }

  /** Takes the records of a loaded configuration; returns one line per record it could not read. */
  restore(records: readonly string[]): string[] {
    const problems: string[] = [];
    const audit: AuditEntry[] = [];
    this.users.clear();
    for (const r of records) {
      if (r.startsWith('user ')) {
        const u = parseUserRecord(r);
        if (u) this.users.set(u);
        else problems.push(`config: a user record is malformed; ignored`);
      } else if (r.startsWith('audit ')) {
        const e = parseAuditRecord(r);
        if (e) audit.push(e);
        else problems.push('config: an audit record is malformed; ignored');
      } else {
        problems.push(`config: unknown record '${r.split(' ')[0].slice(0, 20)}'; ignored`);
      }
    }
    this.audit.restore(audit);
    return problems;
  }

  /**
   * Writes users and the audit ring to the store, one write after another. Resolves false
   * when there is no store (kept in memory until restart) or the write failed (logged).
   */
  persist(): Promise<boolean> {
    const run = this.persisting.then(async () => {
      const store = this.store();
      if (!store) return false;
      try {
        await store.saveRecords(this.records());
        return true;
      } catch (e) {
        if (this.failures.allow(this.clock.now())) this.log.error(`config: cannot keep users and audit: ${errorText(e)}`);
        return false;
      }
    });
    this.persisting = run;
    return run;
  }

  /** True when `password` is `name`'s. An unknown name costs the same time as a known one. */
  async verify(name: string, password: string): Promise<boolean> {
    const hasher = this.hasher;
    if (!hasher) return false;
    const user = this.users.get(name);
    if (!user) {
      this.dummy ??= hasher.hash('not a password of anyone');
      await hasher.verify(password, await this.dummy);
      return false;
    }
    return hasher.verify(password, user.hash);
  }

  /** The configuration lines for what the dispatcher holds of the policy (after the bonds and ports). */
  configLines(): string[] {
    const remote = this.dispatcher.roleOf('mqtt');
    return remote === 'read' ? [] : [`mqtt-commands ${remote}`];
  }
}
