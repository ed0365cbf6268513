import { UsageError } from '../../lib/errors.ts';
import { formatLogEntries, type EventLog } from '../../lib/log.ts';
import type { Board } from '../../hal/board.ts';
import { formatMac } from '../../lib/addr.ts';
import type { NetDeviceTable } from '../net/netdev.ts';
import type { NetStack } from '../net/stack.ts';
import { registerEthtoolCommand } from './ethtool-commands.ts';
import { registerRegisterCommands, showBonds } from './native-commands.ts';
import { printable, type Dispatcher } from './dispatcher.ts';

export const FIRMWARE_VERSION = '0.1.0';

export interface PortRow {
  port: string;
  /** unknown: the switch cannot be reached, so nobody knows. */
  link: 'up' | 'down' | 'unknown';
  speed: number | null;
  duplex: string;
  carrier: boolean;
  phyLink: boolean;
  admin: 'up' | 'down';
  mac: string;
  phy: string;
  switchPort: number;
  rxPackets: number;
  txPackets: number;
  rxDropped: number;
  txDropped: number;
}

export function portRows(board: Board, devices: NetDeviceTable): PortRow[] {
  return board.ports.map((p) => {
    const dev = devices.get(p.name);
    return {
      port: p.name,
      link: !p.adminUp ? 'down' : p.carrierState,
      speed: p.speed > 0 ? p.speed : null,
      duplex: p.duplex,
      carrier: p.carrier,
      phyLink: p.phy.link,
      admin: p.adminUp ? 'up' : 'down',
      mac: formatMac(dev ? dev.mac : p.permanentMac),
      phy: p.phyDriver.name,
      switchPort: p.switchPort,
      rxPackets: p.counters.rxPackets,
      txPackets: p.counters.txPackets,
      rxDropped: p.counters.rxDropped,
      txDropped: p.counters.txDropped,
    };
  });
}

/** Formats rows as a left-aligned text table with a header. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

export function formatPortTable(rows: PortRow[]): string {
  return table(
    ['PORT', 'LINK', 'SPEED', 'DUPLEX', 'ADMIN', 'MAC', 'PHY', 'RX', 'TX'],
    rows.map((r) => [r.port, r.link, r.speed === null ? '-' : `${r.speed}`, r.duplex, r.admin, r.mac, r.phy, r.rxPackets, r.txPackets]),
  );
}

export function registerSystemCommands(d: Dispatcher, board: Board, devices: NetDeviceTable, log: EventLog, stack?: NetStack): void {
  d.register({
    name: 'show',
    summary: 'show ports, bonds, or one bond in detail (add json for machine-readable output)',
    usage: 'show ports [json]\nshow bonds [json]\nshow bond <name> [json]',
    access: 'read',
    run: (args) => {
      const json = args[args.length - 1] === 'json';
      const what = json ? args.slice(0, -1) : args;
      if (what.length === 1 && what[0] === 'ports') {
        const rows = portRows(board, devices);
        return json ? JSON.stringify(rows) : formatPortTable(rows);
      }
      const bonds = stack ? showBonds(stack, what, json) : undefined;
      if (bonds !== undefined) return bonds;
      throw new UsageError(`show: unknown object '${printable(what.join(' '))}' (show ports|bonds|bond <name> [json])`);
    },
  });
  registerRegisterCommands(d, board);
  registerEthtoolCommand(d, board, devices);
  d.register({
    name: 'version',
    summary: 'firmware version and board',
    usage: 'version',
    access: 'read',
    run: () => `bondfw ${FIRMWARE_VERSION} board ${board.def.name} switch ${board.chip.modelName}`,
  });
  d.register({
    name: 'log',
    summary: 'show the event log (newest last)',
    usage: 'log [<n>]          the newest n entries (50); the first entries after boot are kept\n                   whatever follows, and a line marks entries no longer kept',
    access: 'read',
    run: (args) => {
      let n = 50;
      if (args.length > 0) {
        n = Number(args[0]);
        if (!Number.isInteger(n) || n <= 0 || args.length > 1) throw new UsageError('log: usage: log [<n>] (n a positive whole number)');
      }
      return formatLogEntries(log.tail(n)).join('\n');
    },
  });
}
