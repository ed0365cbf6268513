/**
 * The text of Linux's `ethtool <dev>` and `ethtool -S <dev>` (ethtool 6.x over netlink:
 * netlink/settings.c linkmodes_reply_cb, linkinfo_reply_cb, wol_reply_cb,
 * linkstate_reply_cb; common.c dump_mdix, dump_wol; ethtool.c do_gstats), from settings
 * gathered elsewhere. Pure: no hardware, no devices.
 */
import {
  hasLinkMode,
  LINK_MODE_1000baseT_Full,
  LINK_MODE_1000baseT_Half,
  LINK_MODE_1000baseX_Full,
  LINK_MODE_100baseT_Full,
  LINK_MODE_100baseT_Half,
  LINK_MODE_10baseT_Full,
  LINK_MODE_10baseT_Half,
  LINK_MODE_AUI,
  LINK_MODE_Asym_Pause,
  LINK_MODE_Autoneg,
  LINK_MODE_Backplane,
  LINK_MODE_BNC,
  LINK_MODE_FIBRE,
  LINK_MODE_MII,
  LINK_MODE_Pause,
  LINK_MODE_TP,
  linkModeBits,
} from '../../hal/phy/link-modes.ts';
import type { MasterSlave, MdiX } from '../../hal/phy/phy.ts';

/** Everything `ethtool <dev>` prints, as the kernel hands it to ethtool. */
export interface EthtoolSettings {
  /** Link-mode masks (hal/phy/link-modes.ts bits); 0 when the device reports none (a bond). */
  supported: number;
  advertising: number;
  lpAdvertising: number;
  /** Mb/s; 0 or less: unknown. */
  speed: number;
  duplex: 'full' | 'half' | 'unknown';
  autoneg: boolean;
  masterSlave: MasterSlave | null;
  connector: 'tp' | 'other';
  phyAddress: number;
  transceiver: 'internal' | 'external';
  /** Printed only for a twisted-pair port (ethtool shows MDI-X for PORT_TP only). */
  mdix: MdiX;
  /** Wake-on-LAN modes supported and enabled (ethtool letters), or null when the device has no get_wol. */
  wol: { supported: string; enabled: string } | null;
  linkDetected: boolean;
}

/** Kernel link_mode_names of the modes a copper port can have, and whether each is half duplex. */
const REAL_MODES: ReadonlyMap<number, { name: string; half: boolean }> = new Map([
  [LINK_MODE_10baseT_Half, { name: '10baseT/Half', half: true }],
  [LINK_MODE_10baseT_Full, { name: '10baseT/Full', half: false }],
  [LINK_MODE_100baseT_Half, { name: '100baseT/Half', half: true }],
  [LINK_MODE_100baseT_Full, { name: '100baseT/Full', half: false }],
  [LINK_MODE_1000baseT_Half, { name: '1000baseT/Half', half: true }],
  [LINK_MODE_1000baseT_Full, { name: '1000baseT/Full', half: false }],
  [LINK_MODE_1000baseX_Full, { name: '1000baseX/Full', half: false }],
]);

/** LM_CLASS_PORT modes, as ethtool prints them between brackets. */
const PORT_MODES: ReadonlyMap<number, string> = new Map([
  [LINK_MODE_TP, 'TP'],
  [LINK_MODE_AUI, 'AUI'],
  [LINK_MODE_MII, 'MII'],
  [LINK_MODE_FIBRE, 'FIBRE'],
  [LINK_MODE_BNC, 'BNC'],
  [LINK_MODE_Backplane, 'Backplane'],
]);

/**
 * netlink/settings.c dump_link_modes for LM_CLASS_REAL: the modes after `label`, a half
 * duplex mode and the full duplex one right after it on one line ("ugly hack to preserve
 * old output format"), every other mode on a new line under the first; "Not reported" when
 * there is none.
 */
function realModes(label: string, mask: number): string {
  let text = `\t${label}`;
  let prev = -2;
  let first = true;
  for (const b of linkModeBits(mask)) {
    const mode = REAL_MODES.get(b);
    if (!mode) continue;
    if (!first) text += b === prev + 1 && REAL_MODES.get(prev)?.half ? ' ' : `\n\t${' '.repeat(label.length)}`;
    text += mode.name;
    first = false;
    prev = b;
  }
  return first ? `${text}Not reported` : text;
}

/** netlink/settings.c dump_pause. */
function pause(label: string, mask: number): string {
  const p = hasLinkMode(mask, LINK_MODE_Pause);
  const asym = hasLinkMode(mask, LINK_MODE_Asym_Pause);
  return `\t${label}${p ? (asym ? 'Symmetric Receive-only' : 'Symmetric') : asym ? 'Transmit-only' : 'No'}`;
}

const yesNo = (v: boolean): string => (v ? 'Yes' : 'No');

/** common.c dump_mdix: without a user setting (mdix_ctrl invalid), the resolved state or "Unknown". */
function mdixText(mdix: MdiX): string {
  return `\tMDI-X: ${mdix === 'mdi' ? 'off' : mdix === 'mdi-x' ? 'on' : 'Unknown'}`;
}

/** The lines of `ethtool <name>`. */
export function formatEthtoolSettings(name: string, s: EthtoolSettings): string {
  const lines = [`Settings for ${name}:`];
  // Our modes (ETHTOOL_A_LINKMODES_OURS): supported from the mask, advertised from the value.
  // The ports print with "\t " between them: ethtool's separator for that list is " ", after a tab.
  const ports = linkModeBits(s.supported).flatMap((b) => PORT_MODES.get(b) ?? []);
  lines.push(`\tSupported ports: [ ${ports.join('\t ')} ]`);
  lines.push(realModes('Supported link modes:   ', s.supported));
  lines.push(pause('Supported pause frame use: ', s.supported));
  lines.push(`\tSupports auto-negotiation: ${yesNo(hasLinkMode(s.supported, LINK_MODE_Autoneg))}`);
  lines.push('\tSupported FEC modes: Not reported');
  lines.push(realModes('Advertised link modes:  ', s.advertising));
  lines.push(pause('Advertised pause frame use: ', s.advertising));
  lines.push(`\tAdvertised auto-negotiation: ${yesNo(hasLinkMode(s.advertising, LINK_MODE_Autoneg))}`);
  lines.push('\tAdvertised FEC modes: Not reported');
  // The kernel sends the partner's modes only when there are any (linkmodes.c peer_empty).
  if (s.lpAdvertising !== 0) {
    lines.push(realModes('Link partner advertised link modes:  ', s.lpAdvertising));
    lines.push(pause('Link partner advertised pause frame use: ', s.lpAdvertising));
    lines.push(`\tLink partner advertised auto-negotiation: ${yesNo(hasLinkMode(s.lpAdvertising, LINK_MODE_Autoneg))}`);
    lines.push('\tLink partner advertised FEC modes: Not reported');
  }
  lines.push(s.speed > 0 ? `\tSpeed: ${s.speed}Mb/s` : '\tSpeed: Unknown!');
  lines.push(`\tDuplex: ${s.duplex === 'full' ? 'Full' : s.duplex === 'half' ? 'Half' : 'Unknown! (255)'}`);
  lines.push(`\tAuto-negotiation: ${s.autoneg ? 'on' : 'off'}`);
  if (s.masterSlave) {
    lines.push(`\tmaster-slave cfg: ${s.masterSlave.cfg}`);
    lines.push(`\tmaster-slave status: ${s.masterSlave.state}`);
  }
  lines.push(`\tPort: ${s.connector === 'tp' ? 'Twisted Pair' : 'Other'}`);
  lines.push(`\tPHYAD: ${s.phyAddress}`);
  lines.push(`\tTransceiver: ${s.transceiver}`);
  if (s.connector === 'tp') lines.push(mdixText(s.mdix));
  if (s.wol) lines.push(`\tSupports Wake-on: ${s.wol.supported}`, `\tWake-on: ${s.wol.enabled}`);
  lines.push(`\tLink detected: ${s.linkDetected ? 'yes' : 'no'}`);
  return lines.join('\n');
}

/** ethtool.c do_gstats: the heading, then each counter indented by five spaces. */
export function formatEthtoolStats(stats: readonly { name: string; value: number }[]): string {
  return ['NIC statistics:', ...stats.map((s) => `     ${s.name}: ${s.value}`)].join('\n');
}
