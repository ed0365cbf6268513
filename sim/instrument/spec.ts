/**
 * The `sim` command as the console shows it: its name, usage and who may run it, the same
 * whether the firmware runs natively (sim/commands.ts) or inside the engine, where the
 * firmware image carries the gateway's half of it (gateway.ts). Portable.
 */
import type { Command } from '../../firmware/console/dispatcher.ts';

export const SIM_USAGE = [
  'sim link <port> up|down          cable plugged/pulled (PHY link and MAC carrier follow)',
  'sim autoneg <ms>                 autonegotiation time for links coming up',
  'sim carrier <port> up|down       the switch chip\'s MAC-side link only',
  'sim phy <port> up|down           the PHY\'s link only',
  'sim peer <port> forward|drop     the link partner passes or drops frames; link stays up',
  'sim host <ip> up|down            a host behind the partner answers, or not',
  'sim lacp <port> active|passive|off [fast|slow] [key <n>] [system <mac>]',
  '                                 LACP on the link partner\'s port facing <port>',
  'sim lacp <port> silent           the partner\'s LACP there hangs: no LACPDUs, no timeouts,',
  '                                 its aggregation stays as it was (active/passive/off resume)',
  'sim wait <n>ms|<n>s              let time pass',
  'sim traffic <bond> <frames> [flows <n>] [udp|tcp]',
  '                                 frames from the gateway through the bond to the hosts;',
  '                                 per slave the frames that left on it, then the replies',
  'sim xmit <bond> udp|tcp|icmp <src-ip>[:<port>] <dst-ip>[:<port>] [smac <mac>] [dmac <mac>] [vlan <id>]',
  '                                 one frame on the bond\'s transmit path; the port(s) it left on',
  'sim stream start <bond> rate <pps> [flows <n>] [udp|tcp] [size <bytes>]',
  '                                 numbered frames through the bond to the hosts, echoed back,',
  '                                 while time runs; size is the frame on the wire (64-1518)',
  'sim stream                       the running counts',
  'sim stream stop                  sent/received/lost/duplicated/reordered, frames per slave,',
  '                                 flows that changed transmit port',
  'sim lag <port>... static|off     a static link aggregation (no LACP) on the link partner',
  'sim fdb                          the link partner\'s address table: MAC, port or LAG, moves',
  'sim inject <port> <hex>          deliver a raw frame (no FCS) to the board on <port>',
  'sim stats                        per port: tx rx arp-tx lacp-tx (board\'s view)',
  'sim pcap <file>|off              record every frame crossing every cable (pcapng)',
  'sim bridge off|on                the serial-MDIO bridge loses power / boots (a new boot nonce)',
  'sim bridge reboot [switch]       the bridge resets and boots again at once; with switch, the',
  '                                 switch chip is reset with it (PHYs and links stay up)',
  'sim bridge hang|resume           the bridge stops answering / answers again (same boot)',
  'sim bridge loss <percent>        that share of the bridge\'s answers is lost on the way',
  'sim bridge garbage <bytes>       line noise from the bridge (random bytes, no framing)',
  'sim bridge unplug|plug           the bridge\'s serial cable (the emulated UART only)',
  'sim bridge power-cycle           the bridge board restarts: bridge, switch and PHYs reset',
].join('\n');

export const SIM_COMMAND: Omit<Command, 'run'> = {
  name: 'sim',
  group: 'simulated world',
  summary: 'act on the simulated world: cables, link partner, hosts, time, capture',
  usage: SIM_USAGE,
  // The world, not the gateway: reachable from the consoles and scripts only, never from
  // MQTT or a saved configuration. A capture writes a file on the host.
  sources: ['console', 'serial', 'script'],
  access: (all) => {
    if (all[0] === 'pcap' && all[1] !== 'off') return 'admin';
    if (all[0] === 'stats' || all[0] === 'fdb' || (all[0] === 'stream' && all.length === 1)) return 'read';
    return 'world';
  },
};
