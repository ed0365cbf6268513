/**
 * `ethtool <dev>` and `ethtool -S <dev>`, as Linux's ethtool prints them for the devices
 * of this firmware:
 * - a front-panel port is a DSA user port with its PHY under phylib: the PHY's link modes
 *   read through its driver, masked by what the switch MAC accepts, the carrier from the
 *   switch; `-S` gives the port's own frame counters then the switch chip's counters
 *   (net/dsa/user.c dsa_user_get_ethtool_stats);
 * - a bond reports what bonding's get_link_ksettings does (the speed of the slaves that can
 *   send, added up, or the slowest in broadcast mode; the first known duplex; port "Other";
 *   no link modes) and has no counters for `-S` ("no stats available"), as in Linux;
 * - an 802.1Q device reports its lower device's settings (vlan_ethtool_get_link_ksettings)
 *   with its own carrier, and no Wake-on-LAN or counters.
 */
import { UsageError } from '../../lib/errors.ts';
import type { Board, BoardPort } from '../../hal/board.ts';
import { readLinkSettings } from '../../hal/link-settings.ts';
import type { NetDevice, NetDeviceTable } from '../net/netdev.ts';
import { VlanDevice } from '../net/vlan-device.ts';
import { printable, type Dispatcher } from './dispatcher.ts';
import { formatEthtoolSettings, formatEthtoolStats, type EthtoolSettings } from './ethtool-format.ts';

const USAGE = 'ethtool <dev>\nethtool -S|--statistics <dev>\n<dev> is a front-panel port, a bond or a VLAN device; e.g. ethtool eth0';
const SHORT_USAGE = 'ethtool <dev> | ethtool -S <dev>';

/**
 * Wake-on-LAN: a DSA user port always answers get_wol (dsa_user_get_wol asks the PHY, then
 * the switch). None of our PHY drivers implements Wake-on-LAN, as Linux's entries for the
 * switch-internal Marvell PHYs (88E1540, 88E6390 family) and genphy do not, and mv88e6xxx has
 * no get_wol: nothing supported, nothing enabled ("d").
 */
const PORT_WOL = { supported: 'd', enabled: 'd' };

export function registerEthtoolCommand(d: Dispatcher, board: Board, devices: NetDeviceTable): void {
  const portOf = (dev: NetDevice): BoardPort | undefined => (dev.kind === 'port' ? board.port(dev.name) : undefined);

  const lookup = (name: string): NetDevice => {
    const dev = devices.get(name);
    if (!dev) {
      const names = devices.list().map((x) => x.name).join(' ');
      throw new UsageError(`ethtool: no such device '${printable(name)}' (devices: ${names})`);
    }
    return dev;
  };

  async function portSettings(port: BoardPort): Promise<EthtoolSettings> {
    const s = await readLinkSettings(board, port);
    return { ...s, wol: PORT_WOL };
  }

  /** bond_ethtool_get_link_ksettings: speed and duplex only; the link info fields at their defaults. */
  function bondSettings(dev: NetDevice): EthtoolSettings {
    return {
      supported: 0, advertising: 0, lpAdvertising: 0,
      speed: dev.speed, duplex: dev.duplex, autoneg: false, masterSlave: null,
      connector: 'other', phyAddress: 0, transceiver: 'internal', mdix: 'invalid', wol: null,
      linkDetected: dev.carrier,
    };
  }

  async function settings(dev: NetDevice): Promise<EthtoolSettings> {
    const port = portOf(dev);
    if (port) return portSettings(port);
    if (dev instanceof VlanDevice) {
      const base = await settings(dev.lower);
      return { ...base, wol: null, linkDetected: dev.carrier };
    }
    return bondSettings(dev);
  }

  async function stats(dev: NetDevice): Promise<string> {
    const port = portOf(dev);
    if (!port) throw new UsageError(`ethtool: ${dev.name}: no stats available (only front-panel ports have counters)`);
    // dsa_user_get_ethtool_stats: the user port's own counters first, then the switch's.
    const c = dev.counters;
    const own = [
      { name: 'tx_packets', value: c.txPackets },
      { name: 'tx_bytes', value: c.txBytes },
      { name: 'rx_packets', value: c.rxPackets },
      { name: 'rx_bytes', value: c.rxBytes },
    ];
    return formatEthtoolStats([...own, ...(await board.chip.readPortStats(port.switchPort))]);
  }

  d.register({
    name: 'ethtool',
    summary: 'link settings or hardware counters of a port, as Linux ethtool prints them',
    usage: USAGE,
    // The PHY's latched link bit comes from the last poll, and the statistics capture only
    // snapshots counters: reading a port's settings or counters changes nothing.
    access: 'read',
    run: async (args) => {
      if (args.length === 1 && !args[0].startsWith('-')) return formatEthtoolSettings(args[0], await settings(lookup(args[0])));
      if (args.length === 2 && (args[0] === '-S' || args[0] === '--statistics') && !args[1].startsWith('-')) return stats(lookup(args[1]));
      const option = args.find((a) => a.startsWith('-') && a !== '-S' && a !== '--statistics');
      if (option !== undefined) throw new UsageError(`ethtool: option '${printable(option)}' is not supported here (${SHORT_USAGE})`);
      throw new UsageError(`ethtool: bad command line argument(s) (${SHORT_USAGE})`);
    },
  });
}
