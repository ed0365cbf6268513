/**
 * `ping` and `arping`, as iputils parses their arguments and prints their errors: the first
 * bad option or value gives its iputils message as one `error:` line and nothing is sent.
 *
 * Both run until their count is done, or until Ctrl-C where the way in has one (a console).
 * From MQTT, scripts and the configuration nothing could stop them, so there an open-ended
 * run is refused: ping needs -c (and a -W other than 0), arping -c or -w.
 */
import type { Clock } from '../../lib/clock.ts';
import { UsageError } from '../../lib/errors.ts';
import { formatIpv4, parseIpv4 } from '../../lib/addr.ts';
import { runArping } from '../net/arping.ts';
import { MAX_ECHO_DATA, type HostLink } from '../net/host.ts';
import { DEFAULT_LINGER_US, runPing } from '../net/ping.ts';
import type { NetStack } from '../net/stack.ts';
import { printable, type CommandContext, type Dispatcher, type Source } from './dispatcher.ts';
import { getopt, strtod, strtolOrErr } from './getopt.ts';

/** Where probes may come from: not a saved configuration (a boot is not held up by pings). */
const PROBE_SOURCES: readonly Source[] = ['console', 'serial', 'mqtt', 'script'];

const INT_MAX = 2147483647n;
const LONG_MAX = 9223372036854775807n;
const UINT_MAX = 4294967295;

const PING_USAGE = 'ping [-c <count>] [-i <interval>] [-s <size>] [-I <interface>] [-W <timeout>] [-n] [-q] <destination>';
const ARPING_USAGE = 'arping [-c <count>] [-w <timeout>] [-I <device>] <destination>';

/** Default data bytes (iputils DEFDATALEN: 64-byte ICMP messages). */
const DEFAULT_DATA = 56;

/** The interface a probe goes out of: its admin state counts (Linux drops the routes of a device that is down). */
function adminUp(net: NetStack, link: HostLink): boolean {
  return net.devices.get(link.name)?.adminUp ?? link.up;
}

function unknownHost(prog: string, text: string): never {
  throw new UsageError(`${prog}: ${printable(text)}: Name or service not known`);
}

export function registerDiagCommands(d: Dispatcher, net: NetStack, clock: Clock): void {
  // ICMP identifiers, one per run, so that late replies to an earlier run are not counted.
  let nextIdent = 0x6201;

  d.register({
    name: 'ping',
    summary: 'send ICMP echo requests (iputils ping)',
    usage: [
      `${PING_USAGE}`,
      '-c: stop after <count> probes; without it, until Ctrl-C (required from MQTT and scripts)',
      '-i: seconds between probes (default 1; real numbers; as root, no minimum)',
      `-s: data bytes (default ${DEFAULT_DATA}, at most ${MAX_ECHO_DATA}: no IP fragmentation here)`,
      '-I: send out of this interface from its address, or from this local address',
      '-W: seconds to wait after the last probe when nothing answered (default 10; 0: for ever)',
      '-n: numeric output (always); -q: only the first line and the summary',
    ].join('\n'),
    access: 'probe',
    // Never from a saved configuration: it would only hold up the boot.
    sources: PROBE_SOURCES,
    run: (args, ctx) => ping(args, ctx),
  });

  d.register({
    name: 'arping',
    summary: 'send ARP requests to a neighbour (iputils arping)',
    usage: [
      ARPING_USAGE,
      '-c: stop after <count> probes; -w: stop after <timeout> seconds (one of them is required from MQTT and scripts)',
      '-I: the interface (default: the one the route to <destination> uses)',
    ].join('\n'),
    access: 'probe',
    sources: PROBE_SOURCES,
    run: (args, ctx) => arping(args, ctx),
  });

  async function ping(args: string[], ctx: CommandContext): Promise<string> {
    let count = 0;
    let intervalMs = 1000;
    let dataLen = DEFAULT_DATA;
    let lingerUs = DEFAULT_LINGER_US;
    let device: string | undefined;
    let sourceAddr: number | undefined;
    let quiet = false;
    const { events, operands } = getopt('ping', args, 'c:i:I:nqs:W:');
    for (const e of events) {
      if ('error' in e) throw new UsageError(`${e.error} (usage: ${PING_USAGE})`);
      const arg = e.arg ?? '';
      switch (e.opt) {
        case 'c':
          count = strtolOrErr('ping', arg, 'invalid argument', 1n, LONG_MAX);
          break;
        case 'i': {
          const v = strtod('ping', arg, 'bad timing interval');
          if (v < 0 || v > Number(INT_MAX) / 1000) throw new UsageError(`ping: bad timing interval: ${printable(arg)}`);
          intervalMs = Math.trunc(v * 1000);
          break;
        }
        case 'I': {
          const ip = parseIpv4(arg);
          if (ip !== undefined) {
            sourceAddr = ip;
            device = undefined;
          } else {
            device = arg;
            sourceAddr = undefined;
          }
          break;
        }
        case 's':
          dataLen = strtolOrErr('ping', arg, 'invalid argument', 0n, INT_MAX);
          break;
        case 'W': {
          const v = strtod('ping', arg, 'bad linger time');
          if (v < 0 || v > UINT_MAX / 1_000_000) throw new UsageError(`ping: bad linger time: ${printable(arg)}`);
          lingerUs = Math.trunc(v * 1_000_000);
          break;
        }
        case 'q':
          quiet = true;
          break;
        // 'n': addresses are always printed as numbers here (nothing resolves names).
      }
    }
    if (operands.length === 0) throw new UsageError(`ping: usage error: Destination address required (usage: ${PING_USAGE})`);
    if (dataLen > MAX_ECHO_DATA) {
      throw new UsageError(`ping: invalid -s value: '${dataLen}': out of range: 0 <= value <= ${MAX_ECHO_DATA} (no IP fragmentation here: a probe fits the 1500-byte MTU)`);
    }
    // iputils takes the words before the destination as a source route (IP options): not here.
    if (operands.length > 1) throw new UsageError(`ping: one destination only (source routes through ${operands.slice(0, -1).map(printable).join(' ')} are not supported here)`);
    const dst = parseIpv4(operands[0]) ?? unknownHost('ping', operands[0]);
    const host = net.host;

    let link: HostLink;
    let src: number;
    if (device !== undefined) {
      const found = host.link(device);
      if (!found) throw new UsageError(`ping: SO_BINDTODEVICE ${printable(device)}: No such device`);
      link = found;
      if (!adminUp(net, link)) throw new UsageError('ping: connect: Network is unreachable');
      // Linux would borrow another device's address (with a warning); the replies would then be
      // addressed to a link they do not arrive on, which this strong-host stack drops: refused.
      const s = host.sourceOn(device, dst);
      if (s === undefined) throw new UsageError(`ping: ${device} has no IPv4 address to send from (ip addr add <ip>/<prefix> dev ${device})`);
      src = s;
    } else {
      if (sourceAddr !== undefined && !host.isLocalAddress(sourceAddr)) throw new UsageError('ping: bind: Cannot assign requested address');
      const r = host.route(dst);
      if (!r || !adminUp(net, r.link)) throw new UsageError('ping: connect: Network is unreachable');
      link = r.link;
      src = sourceAddr ?? r.src;
    }
    if (host.isBroadcastOn(link.name, dst)) throw new UsageError('ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules');
    // Linux answers its own addresses through the loopback device, which this stack has not.
    if (host.isLocalAddress(dst)) throw new UsageError(`ping: ${formatIpv4(dst)} is an address of this gateway (there is no loopback device here to answer it)`);
    if (!ctx.interrupt) {
      if (!count) throw new UsageError(`ping: -c is required from ${ctx.source} (only a console can stop a ping with Ctrl-C)`);
      if (lingerUs === 0) throw new UsageError(`ping: -W 0 (wait for ever) needs a console to stop it with Ctrl-C, not ${ctx.source}`);
    }
    const ident = nextIdent;
    nextIdent = nextIdent === 0xffff ? 1 : nextIdent + 1;
    await runPing(host, clock, {
      dst, count, intervalMs, dataLen, lingerUs, quiet, link, src, ident,
      bind: device ?? (sourceAddr !== undefined ? '' : undefined),
      boundToLink: device !== undefined,
    }, (line) => ctx.write(line), ctx.interrupt);
    return '';
  }

  async function arping(args: string[], ctx: CommandContext): Promise<string> {
    let count = -1;
    let timeoutS = 0;
    let device: string | undefined;
    const { events, operands } = getopt('arping', args, 'c:w:I:');
    for (const e of events) {
      if ('error' in e) throw new UsageError(`${e.error} (usage: ${ARPING_USAGE})`);
      const arg = e.arg ?? '';
      if (e.opt === 'c') count = strtolOrErr('arping', arg, 'invalid argument', 1n, INT_MAX);
      else if (e.opt === 'w') timeoutS = strtolOrErr('arping', arg, 'invalid argument', 0n, INT_MAX);
      else device = arg === '' ? undefined : arg;
    }
    if (operands.length !== 1) throw new UsageError(`arping: usage: ${ARPING_USAGE}`);
    const target = parseIpv4(operands[0]) ?? unknownHost('arping', operands[0]);
    const host = net.host;
    let link: HostLink;
    if (device === undefined) {
      // Current iputils asks the kernel for the route's device (RTM_GETROUTE); with no route
      // the kernel answers with an error message, which arping reports as this.
      const r = host.route(target);
      if (!r) throw new UsageError('arping: NETLINK_ROUTE unexpected iov element');
      link = r.link;
    } else {
      const found = host.link(device);
      if (!found) throw new UsageError(`arping: Device ${printable(device)} not available.`);
      link = found;
    }
    if (!adminUp(net, link)) throw new UsageError(`Interface "${link.name}" is down`);
    const src = host.sourceOn(link.name, target);
    if (src === undefined) throw new UsageError('arping: no source address in not-DAD mode');
    if (!ctx.interrupt && count < 0 && timeoutS === 0) {
      throw new UsageError(`arping: -c or -w is required from ${ctx.source} (only a console can stop arping with Ctrl-C)`);
    }
    await runArping(host, clock, { target, count, timeoutS, link, src }, (line) => ctx.write(line), ctx.interrupt);
    return '';
  }
}
