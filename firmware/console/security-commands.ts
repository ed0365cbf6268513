/**
 * `user`, `passwd`, `logout`, `whoami`, `audit` and `mqtt-commands`: console users with
 * their roles, passwords typed at prompts (never on a command line), the audit log, and the
 * role remote commands (NCMD/DCMD) run with.
 */
import { UsageError } from '../../lib/errors.ts';
import { GRANTS, isGrant, isRole, type Principal } from './access.ts';
import { formatAuditEntry, isoTime } from './audit.ts';
import { printable, type CommandContext, type Dispatcher } from './dispatcher.ts';
import type { Security } from './security.ts';
import { checkPassword, checkUserName, type PasswordHasher } from './users.ts';
import { table } from './system-commands.ts';

const NEW = ['New password: ', 'Retype new password: '];

export function registerSecurityCommands(d: Dispatcher, sec: Security): void {
  const users = sec.users;
  const hasher = (cmd: string): PasswordHasher => {
    if (!sec.hasher) throw new UsageError(`${cmd}: this platform has no password hashing`);
    return sec.hasher;
  };
  /** The typed passwords, checked: they match and are acceptable. */
  const newPassword = (cmd: string, ctx: CommandContext, from = 0): string => {
    const s = ctx.secrets;
    if (!s || s.length < from + 2) throw new UsageError(`${cmd}: the password is typed at a prompt on a console (serial or stdin), never on a command line`);
    if (s[from] !== s[from + 1]) throw new UsageError(`${cmd}: the passwords do not match; nothing changed`);
    try {
      checkPassword(s[from]);
    } catch (e) {
      throw new UsageError(`${cmd}: ${(e as Error).message}; nothing changed`);
    }
    return s[from];
  };
  const kept = async (): Promise<string> => ((await sec.persist()) ? '' : 'note: no configuration file (--config): kept until restart only');
  const need = (name: string | undefined) => {
    const u = name === undefined ? undefined : users.get(name);
    if (!u) throw new UsageError(`user: no user '${printable(name ?? '')}'`);
    return u;
  };

  d.register({
    name: 'user',
    summary: 'console users: list, add (password prompted), delete, change role',
    usage: [
      'user [list]                 the users and their roles',
      'user add <name> <role>      add a user; the password is prompted twice (no echo)',
      'user del <name>             remove a user',
      'user role <name> <role>     change a user\'s role',
      'roles: read (show state), operate (bonds and ports), admin (registers, config, users)',
      'the first user is an admin; once a user exists a serial console asks for a login',
    ].join('\n'),
    access: (args) => (args.length === 0 || (args.length === 1 && args[0] === 'list') ? 'accounts' : 'admin'),
    secrets: (args) => (args[0] === 'add' ? NEW : []),
    run: async (args, ctx) => {
      const [sub, name, role, ...extra] = args;
      if (sub === undefined || (sub === 'list' && args.length === 1)) {
        const list = users.list();
        if (list.length === 0) return 'no users (consoles need no login)';
        return table(['USER', 'ROLE'], list.map((u) => [u.name, u.role]));
      }
      if (sub === 'add') {
        if (name === undefined || role === undefined || extra.length) throw new UsageError('user: usage: user add <name> <role>');
        checkUserName(name);
        if (!isRole(role)) throw new UsageError(`user: unknown role '${printable(role)}' (read, operate, admin)`);
        if (users.get(name)) throw new UsageError(`user: '${name}' exists (change the password with passwd ${name})`);
        if (users.size === 0 && role !== 'admin') throw new UsageError('user: the first user must be an admin (nobody could administer the gateway once consoles ask for a login)');
        const password = newPassword('user', ctx);
        users.set({ name, role, hash: await hasher('user').hash(password) });
        return kept();
      }
      if (sub === 'del' && name !== undefined && role === undefined) {
        const u = need(name);
        if (u.role === 'admin' && users.size > 1 && users.adminsWithout(name) === 0) throw new UsageError(`user: ${name} is the last admin; add another admin first`);
        users.remove(name);
        return kept();
      }
      if (sub === 'role' && name !== undefined && role !== undefined && extra.length === 0) {
        const u = need(name);
        if (!isRole(role)) throw new UsageError(`user: unknown role '${printable(role)}' (read, operate, admin)`);
        if (u.role === 'admin' && role !== 'admin' && users.adminsWithout(name) === 0) throw new UsageError(`user: ${name} is the last admin; add another admin first`);
        users.set({ ...u, role });
        return kept();
      }
      throw new UsageError('user: usage: user [list] | user add <name> <role> | user del <name> | user role <name> <role>');
    },
  });

  d.register({
    name: 'passwd',
    summary: 'change your password, or (admin) another user\'s',
    usage: 'passwd                your own: the current password, then the new one twice\npasswd <user>         an admin sets another user\'s: the new one twice',
    // Your own password: anyone logged in. Someone else's: an admin.
    access: (args) => (args.length === 0 ? 'self' : 'admin'),
    secrets: (args: string[], p: Principal) => (args.length === 0 ? (p.user !== undefined ? ['Current password: ', ...NEW] : []) : NEW),
    run: async (args, ctx) => {
      if (args.length > 1) throw new UsageError('passwd: usage: passwd [<user>]');
      const self = args.length === 0;
      const name = self ? ctx.principal.user : args[0];
      if (name === undefined) throw new UsageError('passwd: not logged in as a user here; name the user (passwd <user>)');
      const u = need(name);
      const h = hasher('passwd');
      if (self) {
        if (!ctx.secrets || ctx.secrets.length < 3) throw new UsageError('passwd: the passwords are typed at prompts on a console, never on a command line');
        if (!(await sec.verify(name, ctx.secrets[0]))) throw new UsageError('passwd: Authentication token manipulation error (the current password is wrong); nothing changed');
      }
      const password = newPassword('passwd', ctx, self ? 1 : 0);
      users.set({ ...u, hash: await h.hash(password) });
      return kept();
    },
  });

  d.register({
    name: 'logout',
    summary: 'end this console\'s login session',
    usage: 'logout',
    access: 'self',
    run: (args, ctx) => {
      if (args.length) throw new UsageError('logout: usage: logout');
      if (!ctx.session?.loginRequired) throw new UsageError(`logout: this console asks for no login (${ctx.session ? 'no users, or login off' : `not a console: ${ctx.source}`})`);
      ctx.session.logout();
      return '';
    },
  });

  d.register({
    name: 'whoami',
    summary: 'who this console or source runs as, and with which role',
    usage: 'whoami',
    access: 'read',
    run: (args, ctx) => {
      if (args.length) throw new UsageError('whoami: usage: whoami');
      const p = ctx.principal;
      return p.user !== undefined ? `${p.user} (${p.role}) on ${ctx.source}` : `${ctx.source} (${p.role}), no user`;
    },
  });

  d.register({
    name: 'audit',
    summary: 'the audit log: every state-changing command, accepted or refused, and logins',
    usage: 'audit [<n>] [json]   the newest n entries (default 20): time, source, who, outcome, line',
    access: 'read',
    run: (args) => {
      const json = args[args.length - 1] === 'json';
      const rest = json ? args.slice(0, -1) : args;
      let n = 20;
      if (rest.length > 1 || (rest.length === 1 && !/^[1-9]\d{0,5}$/.test(rest[0]))) throw new UsageError('audit: usage: audit [<n>] [json] (n a positive whole number)');
      if (rest.length === 1) n = Number(rest[0]);
      const list = sec.audit.entries().slice(-n);
      if (json) return JSON.stringify(list.map((e) => ({ time: isoTime(e.time), source: e.source, who: e.who, outcome: e.outcome, line: e.line })));
      return list.length ? list.map(formatAuditEntry).join('\n') : 'no audit entries';
    },
  });

  d.register({
    name: 'mqtt-commands',
    summary: 'the role remote commands (NCMD, DCMD) run with: none, read, operate or admin',
    usage: 'mqtt-commands                 show it\nmqtt-commands none|read|operate|admin   set it (saved with config save; --mqtt-commands overrides at start)',
    access: (args) => (args.length === 0 ? 'read' : 'admin'),
    run: (args) => {
      if (args.length === 0) return d.roleOf('mqtt');
      if (args.length > 1 || !isGrant(args[0])) throw new UsageError(`mqtt-commands: expected ${GRANTS.join('|')}, got '${printable(args.join(' '))}'`);
      d.setRole('mqtt', args[0]);
      return '';
    },
  });
}
