/** A real mosquitto on loopback ports, with a WebSocket listener, for tests that restart it. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';

export const haveMosquitto = spawnSync('sh', ['-c', 'command -v mosquitto'], { stdio: 'ignore' }).status === 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Writes `<dir>/mosquitto.conf`: MQTT on `tcp`, MQTT over WebSocket on `ws`, both on 127.0.0.1. */
export function mosquittoConfig(dir: string, tcp: number, ws: number): string {
  const path = join(dir, 'mosquitto.conf');
  writeFileSync(path, [`listener ${tcp} 127.0.0.1`, `listener ${ws} 127.0.0.1`, 'protocol websockets', 'allow_anonymous true', ''].join('\n'));
  // mosquitto started as root drops to its own user.
  chmodSync(dir, 0o755);
  chmodSync(path, 0o644);
  return path;
}

/** Starts mosquitto with `config` and resolves once it takes MQTT connections on `tcp`. */
export function startMosquitto(config: string, tcp: number): Promise<ChildProcess> {
  return spawnMosquitto(['-c', config], tcp);
}

/** Starts mosquitto with `args` and resolves once it takes MQTT connections on `tcp`. */
export async function spawnMosquitto(args: string[], tcp: number): Promise<ChildProcess> {
  const p = spawn('mosquitto', args, { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = mqtt.connect(`mqtt://127.0.0.1:${tcp}`, { reconnectPeriod: 0, connectTimeout: 500 });
      c.on('connect', () => {
        resolve(true);
        c.end(true);
      });
      c.on('error', () => resolve(false));
      c.on('close', () => resolve(false));
    });
    if (ok) return p;
    await sleep(50);
  }
  p.kill();
  throw new Error('mosquitto did not start');
}

export function stopMosquitto(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill();
  return exited;
}
