import { UsageError } from '../lib/errors.ts';
import { formatIpv4, parseHex, parseIpv4, parseMac, isMulticastMac, isZeroMac } from '../lib/addr.ts';
import type { PartnerLacpConfig } from './lacp-partner.ts';
import { printable, type Dispatcher } from '../firmware/console/dispatcher.ts';
import type { SimHardware } from './hardware.ts';
import { PcapngWriter } from './pcapng.ts';
import { simTraffic, simXmit } from './traffic.ts';
import { SimStream, parseStreamStart } from './stream.ts';
import type { NetStack } from '../firmware/net/stack.ts';
import type { BridgeMcu } from '../hal/sim/bridge-mcu.ts';
import type { UartPair } from '../hal/sim/uart.ts';
import { SeededRandom } from '../lib/random.ts';
import { SIM_COMMAND } from './instrument/spec.ts';

/** A file the capture writes into (the CLI opens real files; tests may keep bytes in memory). */
export interface CaptureFile {
  write(chunk: Uint8Array): void;
  close(): void;
}

/** The serial-MDIO bridge of the simulated board, for `sim bridge` faults. */
export interface SimBridge {
  mcu: BridgeMcu;
  /** The emulated UART between firmware and bridge; absent on a real serial device. */
  uart?: UartPair;
}

export interface SimControl {
  hw: SimHardware;
  bridge?: SimBridge;
  /** The firmware's network stack (for `sim traffic` and `sim xmit`). */
  net?: NetStack;
  /** Moves time: virtual time in the scenario runner, a real sleep in the main job. */
  wait(ms: number): Promise<void>;
  openCapture(path: string): CaptureFile;
}



/** Parses "250ms", "2s", "1.5s" or a bare number of milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text);
  if (!m) throw new UsageError(`'${printable(text)}' is not a duration (use <n>ms or <n>s)`);
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  if (!Number.isFinite(ms) || ms > 7 * 24 * 3600 * 1000) throw new UsageError(`duration ${printable(text)} out of range (at most 7 days)`);
  return ms;
}

/** The `sim` command: acts on the world around the simulated board, not on the firmware. */
export function registerSimCommands(d: Dispatcher, ctl: SimControl): void {
  const { hw } = ctl;
  let capture: CaptureFile | undefined;
  let stream: SimStream | undefined;
  const sleep = (ms: number) => new Promise<void>((resolve) => hw.clock.setTimer(ms, resolve));
  const names = hw.def.ports.map((p) => p.name);
  const port = (name: string | undefined): number => {
    const i = name === undefined ? -1 : hw.portIndex(name);
    if (i < 0) throw new UsageError(`sim: unknown port '${printable(name ?? '')}' (ports: ${names.join(', ')})`);
    return i;
  };
  const choice = <T extends string>(sub: string, v: string | undefined, allowed: readonly T[]): T => {
    if (v === undefined || !allowed.includes(v as T)) throw new UsageError(`sim ${sub}: expected ${allowed.join('|')}, got '${printable(v ?? '')}'`);
    return v as T;
  };
  const arity = (sub: string, args: string[], n: number, usage: string): void => {
    if (args.length !== n) throw new UsageError(`sim ${sub}: usage: sim ${usage}`);
  };
  const noise = new SeededRandom(0x6e6f6973);
  const bridgeFault = (args: string[]): string => {
    const b = ctl.bridge;
    if (!b) throw new UsageError('sim bridge: this board reaches its switch without a serial bridge (--bridge none)');
    const [what, arg] = args;
    const actions = ['off', 'on', 'reboot', 'hang', 'resume', 'loss', 'garbage', 'unplug', 'plug', 'power-cycle'] as const;
    choice('bridge', what, actions);
    if (what === 'reboot' && args.length === 2) choice('bridge reboot', arg, ['switch']);
    else arity('bridge', args, what === 'loss' || what === 'garbage' ? 2 : 1, `bridge ${what}${what === 'loss' ? ' <percent>' : what === 'garbage' ? ' <bytes>' : ''}`);
    switch (what) {
      case 'off':
        b.mcu.halt();
        return '';
      case 'on':
        if (!b.mcu.isRunning) b.mcu.start();
        return '';
      case 'reboot':
        if (arg === 'switch') hw.resetSwitch();
        b.mcu.reboot();
        return '';
      case 'hang':
      case 'resume':
        b.mcu.hung = what === 'hang';
        return '';
      case 'loss': {
        const pct = Number(arg);
        if (!/^\d+(\.\d+)?$/.test(arg) || pct > 100) throw new UsageError(`sim bridge loss: '${printable(arg)}' is not a percentage (0 to 100)`);
        b.mcu.answerLoss = pct / 100;
        return '';
      }
      case 'garbage': {
        const n = Number(arg);
        if (!/^\d+$/.test(arg) || n < 1 || n > 65536) throw new UsageError(`sim bridge garbage: '${printable(arg)}' is not a byte count (1 to 65536)`);
        b.mcu.sendGarbage(Uint8Array.from({ length: n }, () => noise.below(256)));
        return '';
      }
      case 'unplug':
      case 'plug':
        if (!b.uart) throw new UsageError('sim bridge: the bridge is on a real serial device here; unplug it there');
        b.uart.setConnected(what === 'plug');
        return '';
      case 'power-cycle':
        hw.powerCycle();
        b.mcu.reboot();
        return '';
    }
    return '';
  };

  d.register({
    ...SIM_COMMAND,
    run: async (all) => {
      const [sub, ...args] = all;
      switch (sub) {
        case 'link': {
          arity(sub, args, 2, 'link <port> up|down');
          const i = port(args[0]);
          const up = choice(sub, args[1], ['up', 'down']) === 'up';
          // A cable event ends any one-sided override: both sides follow the cable again.
          hw.phys[i].forceLink(null);
          hw.chip.setCarrier(hw.def.ports[i].switchPort, null);
          hw.world.setCable(i, up);
          return '';
        }
        case 'autoneg': {
          arity(sub, args, 1, 'autoneg <ms>');
          hw.setAutoneg(parseDuration(args[0]));
          return '';
        }
        case 'carrier': {
          arity(sub, args, 2, 'carrier <port> up|down');
          const i = port(args[0]);
          hw.chip.setCarrier(hw.def.ports[i].switchPort, choice(sub, args[1], ['up', 'down']) === 'up');
          return '';
        }
        case 'phy': {
          arity(sub, args, 2, 'phy <port> up|down');
          const i = port(args[0]);
          hw.phys[i].forceLink(choice(sub, args[1], ['up', 'down']) === 'up');
          return '';
        }
        case 'peer': {
          arity(sub, args, 2, 'peer <port> forward|drop');
          const i = port(args[0]);
          hw.world.setPeerForwarding(i, choice(sub, args[1], ['forward', 'drop']) === 'forward');
          return '';
        }
        case 'host': {
          arity(sub, args, 2, 'host <ip> up|down');
          const ip = parseIpv4(args[0]);
          const host = ip === undefined ? undefined : hw.world.host(ip);
          if (!host) {
            const hs = hw.world.hosts;
            throw new UsageError(`sim host: no simulated host '${printable(args[0])}' (hosts: ${hs.length ? `${formatIpv4(hs[0].ip)}-${formatIpv4(hs[hs.length - 1].ip)}` : 'none'})`);
          }
          host.up = choice(sub, args[1], ['up', 'down']) === 'up';
          return '';
        }
        case 'lacp': {
          if (args.length < 2) throw new UsageError('sim lacp: usage: sim lacp <port> active|passive|off|silent [fast|slow] [key <n>] [system <mac>]');
          const i = port(args[0]);
          if (args[1] === 'silent') {
            arity(sub, args, 2, 'lacp <port> silent');
            const { lacp, bridgePort } = hw.world.lacp(i);
            if (lacp.config(bridgePort).mode === 'off') throw new UsageError(`sim lacp: the partner has no LACP on ${args[0]} to silence (sim lacp ${args[0]} active first)`);
            lacp.configure(bridgePort, { silent: true });
            return '';
          }
          const cfg: Partial<PartnerLacpConfig> = { mode: choice(sub, args[1], ['active', 'passive', 'off'] as const), silent: false };
          for (let k = 2; k < args.length; k++) {
            const w = args[k];
            if (w === 'fast' || w === 'slow') cfg.fast = w === 'fast';
            else if (w === 'key') {
              const v = args[++k];
              const n = v !== undefined && /^\d+$/.test(v) ? Number(v) : NaN;
              if (!(n >= 0 && n <= 0xffff)) throw new UsageError(`sim lacp: key takes 0..65535, got '${printable(v ?? '')}'`);
              cfg.key = n;
            } else if (w === 'system') {
              const v = args[++k];
              const mac = v === undefined ? undefined : parseMac(v);
              if (!mac || isMulticastMac(mac) || isZeroMac(mac)) throw new UsageError(`sim lacp: system takes a unicast MAC address, got '${printable(v ?? '')}'`);
              cfg.system = mac;
            } else throw new UsageError(`sim lacp: unknown word '${printable(w)}' (fast|slow, key <n>, system <mac>)`);
          }
          const { lacp, bridgePort } = hw.world.lacp(i);
          lacp.configure(bridgePort, cfg);
          return '';
        }
        case 'wait': {
          arity(sub, args, 1, 'wait <n>ms|<n>s');
          await ctl.wait(parseDuration(args[0]));
          return '';
        }
        case 'traffic':
        case 'xmit': {
          if (!ctl.net) throw new UsageError(`sim ${sub}: no firmware network stack here`);
          const env = { net: ctl.net, world: hw.world, ports: names, sleep };
          return sub === 'traffic' ? simTraffic(env, args, hw.clock) : simXmit(env, args, hw.clock);
        }
        case 'stream': {
          if (!ctl.net) throw new UsageError('sim stream: no firmware network stack here');
          const what = args[0];
          if (what === undefined) {
            if (!stream) throw new UsageError("sim stream: no stream running (sim stream start <bond> rate <pps> ...)");
            return stream.report();
          }
          if (what === 'stop') {
            arity('stream', args, 1, 'stream stop');
            if (!stream) throw new UsageError('sim stream: no stream running');
            const s = stream;
            stream = undefined;
            return s.stop();
          }
          if (what !== 'start') throw new UsageError(`sim stream: expected start, stop or nothing, got '${printable(what)}'`);
          if (stream) throw new UsageError(`sim stream: a stream is already running on ${stream.bond.name} (sim stream stop first)`);
          const { bond, opts } = parseStreamStart(ctl.net, hw.world.hosts.length, args.slice(1));
          const s = new SimStream({ net: ctl.net, world: hw.world, clock: hw.clock, sleep }, bond, opts);
          await s.start();
          stream = s;
          return '';
        }
        case 'lag': {
          const mode = args[args.length - 1];
          const ports = args.slice(0, -1);
          if (ports.length === 0 || (mode !== 'static' && mode !== 'off')) throw new UsageError('sim lag: usage: sim lag <port>... static|off');
          const idx = [...new Set(ports.map(port))];
          const sides = idx.map((i) => hw.world.lacp(i));
          if (sides.some((x) => x.lacp !== sides[0].lacp)) throw new UsageError(`sim lag: ${ports.join(' ')} face different partner switches (one aggregation is on one switch)`);
          if (mode === 'static') sides[0].lacp.setStatic(sides.map((x) => x.bridgePort));
          else sides[0].lacp.clearStatic(sides.map((x) => x.bridgePort));
          return '';
        }
        case 'fdb': {
          arity(sub, args, 0, 'fdb');
          const rows: string[] = [];
          for (const b of hw.world.bridges) {
            for (const e of b.table().sort((x, y) => x.mac.localeCompare(y.mac))) rows.push(`${b.name} ${e.mac} ${e.where} moves ${e.moves}`);
          }
          return rows.join('\n');
        }
        case 'inject': {
          if (args.length < 2) throw new UsageError('sim inject: usage: sim inject <port> <hex>');
          const i = port(args[0]);
          const frame = parseHex(args.slice(1).join(''));
          if (!frame) throw new UsageError('sim inject: the frame must be hex digits (an even number of them)');
          if (frame.length < 14 || frame.length > 9216) throw new UsageError(`sim inject: a frame is 14 to 9216 bytes without FCS; got ${frame.length}`);
          hw.world.injectToBoard(i, frame);
          return '';
        }
        case 'stats': {
          arity(sub, args, 0, 'stats');
          return names.map((n, i) => {
            const s = hw.world.stats(i);
            return `${n} tx ${s.tx} rx ${s.rx} arp-tx ${s.arpTx} lacp-tx ${s.lacpTx}`;
          }).join('\n');
        }
        case 'pcap': {
          arity(sub, args, 1, 'pcap <file>|off');
          if (capture) {
            hw.world.setCapture(undefined);
            capture.close();
            capture = undefined;
          }
          if (args[0] === 'off') return '';
          const file = ctl.openCapture(args[0]);
          capture = file;
          hw.world.setCapture(new PcapngWriter((chunk) => file.write(chunk), names));
          return '';
        }
        case 'bridge':
          return bridgeFault(args);
        default:
          throw new UsageError(`sim: unknown subcommand '${printable(sub ?? '')}' (sim link|autoneg|carrier|phy|peer|host|lacp|lag|wait|traffic|xmit|stream|inject|stats|fdb|pcap; 'help sim')`);
      }
    },
  });
}
