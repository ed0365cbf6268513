/**
 * Every option of `bondfw run`, checked before anything starts: a bad value stops the job
 * with one line that says why and a non-zero exit, never a half-started process that a
 * supervisor would take for a healthy one. The checks read the files they name (PEM keys and
 * certificates parse, a key matches its certificate, a certificate is in date), and say
 * which option was wrong.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { findBoard } from '../boards/index.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { isGrant } from '../firmware/console/access.ts';
import { checkSparkplugId, maskUrl } from '../firmware/telemetry/sparkplug-ids.ts';
import { parseSerialSpec } from '../hal/transport/serial-console.ts';
import { BRIDGE_MODES, type BridgeMode } from '../sim/boot.ts';
import { parseHttpSpec } from './http/server.ts';

/** A mistake on the command line: printed as `bondfw: <message>`, exit status 1. */
export class CliError extends Error {}

export const RUN_OPTIONS = [
  'board', 'console', 'autoneg', 'bridge', 'mdio', 'config', 'mqtt', 'group', 'node', 'mqtt-user', 'mqtt-password', 'mqtt-ca', 'mqtt-cert', 'mqtt-key', 'telemetry-period',
  'mqtt-password-file', 'mqtt-commands', 'primary-host', 'login', 'idle-timeout', 'http', 'engine',
] as const;

/** URL schemes the MQTT client speaks; the TLS ones need (or may take) --mqtt-ca/cert/key. */
const MQTT_SCHEMES = ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'];
const TLS_SCHEMES = ['mqtts:', 'ssl:', 'wss:'];

/** What the checks found out, for the start-up to use. */
export interface CheckedRun {
  board: BoardDefinition;
  /** The MQTT bridge's serial device and speed, for a board behind one. */
  mdio?: { path: string; baud: number };
}

/** Reads an option's file; says which option and why when it cannot. */
function readOptionFile(option: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read --${option} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

function parseCertificate(option: string, pem: string, now: number): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (e) {
    throw new CliError(`--${option}: not a PEM certificate (${(e as Error).message})`);
  }
  if (Date.parse(cert.validTo) < now) throw new CliError(`--${option}: the certificate expired on ${cert.validTo}`);
  if (Date.parse(cert.validFrom) > now) throw new CliError(`--${option}: the certificate is not valid before ${cert.validFrom}`);
  return cert;
}

function parseKey(where: string, pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (e) {
    const msg = (e as Error).message;
    throw new CliError(`${where}: not a usable PEM private key (${/passphrase/i.test(msg) ? 'it is encrypted; give it unencrypted, mode 600' : msg})`);
  }
}

/** Throws CliError for the first option that cannot work; returns what was learned. */
export function checkRunOptions(opts: Map<string, string>, env: NodeJS.ProcessEnv = process.env, now = Date.now()): CheckedRun {
  let board: BoardDefinition;
  try {
    board = findBoard(opts.get('board') ?? 'sim-gw4');
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const sim = board.transport.kind === 'sim';
  let mdio: CheckedRun['mdio'];
  if (sim) {
    if (opts.has('mdio')) throw new CliError(`--mdio is for boards behind a serial bridge; ${board.name} is simulated (see --bridge)`);
    const mode = opts.get('bridge') ?? 'inproc';
    if (!BRIDGE_MODES.includes(mode as BridgeMode)) throw new CliError(`unknown bridge mode '${mode}' (modes: ${BRIDGE_MODES.join(', ')})`);
    if (opts.has('autoneg')) {
      const ms = Number(opts.get('autoneg'));
      if (!/^\d+(\.\d+)?$/.test(opts.get('autoneg')!) || !Number.isFinite(ms)) throw new CliError('--autoneg takes milliseconds (0 or more)');
    }
  } else {
    for (const o of ['bridge', 'autoneg']) if (opts.has(o)) throw new CliError(`--${o} is for simulated boards; ${board.name} is real hardware`);
    if (board.transport.kind === 'serial-bridge') {
      const spec = opts.get('mdio');
      // Without a speed, the board's bridge speed: the bridge on its UART runs at that.
      mdio = spec ? serialSpec('mdio', spec, board.transport.baud) : { path: board.transport.path, baud: board.transport.baud };
      if (!existsSync(mdio.path)) throw new CliError(`cannot open the MDIO bridge's serial port ${mdio.path}: no such device (--mdio)`);
    }
  }
  const engine = opts.get('engine') ?? 'native';
  if (engine !== 'native' && engine !== 'quickjs' && engine !== 'quickjs-ng' && engine !== 'xs') throw new CliError(`unknown engine '${engine}' (engines: native, quickjs, quickjs-ng, xs)`);
  // The image reaches its switch through the bridge protocol on a UART, nothing else.
  if (engine !== 'native' && sim && opts.get('bridge') === 'none') throw new CliError(`--engine ${engine}: the firmware image reaches its switch through the serial bridge only (--bridge inproc or pty)`);
  const consoleSpec = opts.get('console');
  if (consoleSpec !== undefined) {
    const c = serialSpec('console', consoleSpec, 115200);
    if (!existsSync(c.path)) throw new CliError(`cannot open serial console ${c.path}: no such device (--console)`);
  }
  const login = opts.get('login');
  if (login !== undefined && login !== 'on' && login !== 'off') throw new CliError(`--login takes on or off (got '${login}')`);
  const idle = opts.get('idle-timeout');
  if (idle !== undefined && !/^\d+$/.test(idle)) throw new CliError('--idle-timeout takes seconds (0: never)');
  const config = opts.get('config');
  if (config !== undefined) checkConfigPath(config);
  const http = opts.get('http');
  if (http !== undefined) {
    try {
      parseHttpSpec(http);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }
  const role = opts.get('mqtt-commands');
  if (role !== undefined && !isGrant(role)) throw new CliError(`--mqtt-commands takes none, read, operate or admin (got '${role}')`);
  for (const [o, what] of [['group', 'group id'], ['node', 'edge node id'], ['primary-host', 'primary host id']] as const) {
    const v = opts.get(o);
    if (v === undefined) continue;
    try {
      checkSparkplugId(what, v);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }
  checkTelemetry(opts, env, now);
  return { board, mdio };
}

function serialSpec(option: string, spec: string, defaultBaud: number): { path: string; baud: number } {
  try {
    return parseSerialSpec(spec, defaultBaud);
  } catch (e) {
    throw new CliError(`--${option}: ${(e as Error).message}`);
  }
}

/** The configuration file is never a symbolic link, and its directory exists. */
function checkConfigPath(path: string): void {
  let st: ReturnType<typeof lstatSync> | undefined;
  try {
    st = lstatSync(path);
  } catch {
    st = undefined;
  }
  if (st?.isSymbolicLink()) throw new CliError(`--config ${path} is a symbolic link; the configuration is never read or written through one`);
  if (st && !st.isFile()) throw new CliError(`--config ${path} is not a regular file`);
  const dir = dirname(path);
  let d: ReturnType<typeof statSync>;
  try {
    d = statSync(dir);
  } catch {
    throw new CliError(`--config: the directory ${dir} does not exist`);
  }
  if (!d.isDirectory()) throw new CliError(`--config: ${dir} is not a directory`);
}

/** The broker URL, credentials and TLS material: all of it usable, or a refusal now. */
function checkTelemetry(opts: Map<string, string>, env: NodeJS.ProcessEnv, now: number): void {
  const url = opts.get('mqtt');
  const tlsOptions = ['mqtt-ca', 'mqtt-cert', 'mqtt-key'].filter((o) => opts.has(o));
  if (url === 'none') return;
  const period = opts.get('telemetry-period');
  if (period !== undefined && (!/^\d+$/.test(period) || Number(period) < 100)) throw new CliError('--telemetry-period takes milliseconds (100 or more)');
  let tls = false;
  if (url !== undefined) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new CliError(`--mqtt takes a URL such as mqtt://host:1883 or mqtts://host:8883 (got '${maskUrl(url)}')`);
    }
    if (!MQTT_SCHEMES.includes(u.protocol)) throw new CliError(`--mqtt: ${u.protocol.slice(0, -1)}:// is not MQTT (use mqtt://, mqtts://, ws:// or wss://; got '${maskUrl(url)}')`);
    if (!u.hostname) throw new CliError(`--mqtt: no broker host in '${maskUrl(url)}'`);
    tls = TLS_SCHEMES.includes(u.protocol);
  }
  if (!tls && tlsOptions.length > 0) {
    throw new CliError(`--${tlsOptions[0]} is for a TLS broker, and ${url === undefined ? 'the embedded broker' : `'${maskUrl(url)}'`} is not one (use mqtts:// or wss://)`);
  }
  const certPem = opts.has('mqtt-cert') ? readOptionFile('mqtt-cert', opts.get('mqtt-cert')!) : undefined;
  const keyPem = opts.has('mqtt-key') ? readOptionFile('mqtt-key', opts.get('mqtt-key')!) : env.BONDFW_MQTT_KEY;
  const keyWhere = opts.has('mqtt-key') ? '--mqtt-key' : 'BONDFW_MQTT_KEY';
  if (opts.has('mqtt-ca')) parseCertificate('mqtt-ca', readOptionFile('mqtt-ca', opts.get('mqtt-ca')!), now);
  if (certPem !== undefined && keyPem === undefined) throw new CliError('--mqtt-cert needs its key: --mqtt-key <pem> or BONDFW_MQTT_KEY');
  if (opts.has('mqtt-key') && certPem === undefined) throw new CliError('--mqtt-key needs its certificate: --mqtt-cert <pem>');
  if (certPem !== undefined && keyPem !== undefined) {
    const cert = parseCertificate('mqtt-cert', certPem, now);
    const key = parseKey(keyWhere, keyPem);
    if (!cert.checkPrivateKey(key)) throw new CliError(`${keyWhere} is not the key of the --mqtt-cert certificate`);
  }
  const pwFile = opts.get('mqtt-password-file');
  if (pwFile !== undefined) readOptionFile('mqtt-password-file', pwFile);
}
