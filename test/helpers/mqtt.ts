/** A real mosquitto on a loopback port, and a subscriber that decodes with Eclipse Tahu. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import mqtt, { type MqttClient } from 'mqtt';

const require = createRequire(import.meta.url);
export const tahu = require('sparkplug-payload').get('spBv1.0') as { decodePayload(b: Uint8Array): { timestamp: unknown; seq: unknown; metrics: { name: string; value: unknown; type: string }[] } };

export const haveMosquitto = spawnSync('sh', ['-c', 'command -v mosquitto'], { stdio: 'ignore' }).status === 0;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export async function startMosquitto(port: number, args: string[] = ['-p', String(port)]): Promise<ChildProcess> {
  const p = spawn('mosquitto', args, { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 500 });
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
  throw new Error('mosquitto did not start');
}

export interface Msg {
  topic: string;
  at: number;
  p: ReturnType<typeof tahu.decodePayload>;
}

/** `protocolVersion` 4 for a broker without MQTT 5 (the embedded one). */
export function subscriber(url: string, protocolVersion: 4 | 5 = 5): Promise<{ c: MqttClient; msgs: Msg[]; next(pred: (m: Msg) => boolean, ms?: number): Promise<Msg> }> {
  return new Promise((resolve) => {
    const msgs: Msg[] = [];
    const waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
    const c = mqtt.connect(url, { protocolVersion });
    c.on('message', (topic, payload) => {
      let p: Msg['p'];
      try {
        p = tahu.decodePayload(new Uint8Array(payload));
      } catch {
        return; // our own garbage NCMD, echoed by the broker
      }
      const m = { topic, at: performance.now(), p };
      msgs.push(m);
      for (const w of [...waiters]) if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    });
    c.on('connect', () => c.subscribe('spBv1.0/#', { qos: 1 }, () => resolve({
      c, msgs,
      next: (pred, ms = 5000) => {
        const old = msgs.find(pred);
        if (old) return Promise.resolve(old);
        return new Promise((res, rej) => {
          const t = setTimeout(() => rej(new Error('no such message in time')), ms);
          waiters.push({ pred, resolve: (m) => { clearTimeout(t); res(m); } });
        });
      },
    })));
  });
}

export const metric = (m: Msg, name: string) => m.p.metrics.find((x) => x.name === name)?.value;
export const num = (v: unknown) => (typeof v === 'object' && v !== null && 'toNumber' in v ? (v as { toNumber(): number }).toNumber() : Number(v));

