/**
 * Who may do what: the roles a source or a user runs with, and what a command line does,
 * which decides the role it needs and whether it is audited. The dispatcher is the one place
 * that checks them (dispatcher.ts); every command declares its access (a fixed kind, or one
 * chosen from its arguments: `ip link show` reads, `ip link set` changes).
 *
 * The roles follow the split trusted gateway consoles make (RouterOS policies, OpenWrt's
 * read-only ACLs, mosquitto's read/write ACLs): reading is separate from changing, and
 * changing the bonds and ports is separate from touching registers, the saved configuration
 * and the users.
 */

/** What a principal may do, lowest first. */
export type Role = 'read' | 'operate' | 'admin';
export const ROLES: readonly Role[] = ['read', 'operate', 'admin'];

/** A role, or nothing at all (remote commands switched off). */
export type Grant = 'none' | Role;
export const GRANTS: readonly Grant[] = ['none', ...ROLES];

/** What a command line does. */
export type Access = 'read' | 'self' | 'probe' | 'world' | 'change' | 'accounts' | 'registers' | 'admin';

export interface AccessKind {
  /** The least role that may run it. */
  role: Role;
  /** Recorded in the audit log (accepted or refused): it changes the gateway's state. */
  audited: boolean;
  /** How a refusal says what the line does. */
  does: string;
}

export const ACCESS: Readonly<Record<Access, AccessKind>> = {
  /** Shows state (files, tables, counters, the log). */
  read: { role: 'read', audited: false, does: 'reads state' },
  /** Acts on the user's own session or password (`passwd`, `logout`): anyone, but recorded. */
  self: { role: 'read', audited: true, does: 'acts on your own account' },
  /**
   * Puts frames on the wire and holds the console while it runs (ping, arping): no state of
   * the gateway changes, but it is not something a read-only dashboard should start.
   */
  probe: { role: 'operate', audited: false, does: 'sends probes' },
  /** Acts on the simulated world around a sim board (cables, partners, time), not on the gateway. */
  world: { role: 'operate', audited: false, does: 'acts on the simulated world' },
  /** Changes bonds, ports, addresses, VLAN devices. */
  change: { role: 'operate', audited: true, does: 'changes state' },
  /** Lists the users and their roles: nothing changes, but it is an admin's business. */
  accounts: { role: 'admin', audited: false, does: 'reads the user accounts' },
  /**
   * Raw hardware registers, read or written: a write bypasses every driver, and a read of a
   * clear-on-read or latched register (BMSR's link bit) hides an event from the monitors.
   */
  registers: { role: 'admin', audited: true, does: 'touches hardware registers' },
  /** The saved configuration, users, the remote-command policy, files on the host. */
  admin: { role: 'admin', audited: true, does: 'administers the gateway' },
};

export const ACCESS_KINDS = Object.keys(ACCESS) as Access[];

const RANK: Record<Grant, number> = { none: 0, read: 1, operate: 2, admin: 3 };

/** True when `have` may run what needs `need`. */
export function permits(have: Grant, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

export function isGrant(text: string): text is Grant {
  return (GRANTS as readonly string[]).includes(text);
}

export function isRole(text: string): text is Role {
  return (ROLES as readonly string[]).includes(text);
}

/** Who a line runs as: a logged-in user, or the source's own role. */
export interface Principal {
  role: Grant;
  /** A user name, an MQTT sender, or the source itself. */
  who: string;
  /** Set when `who` is a user who logged in (`whoami`, `passwd` without a name). */
  user?: string;
}
