/** A real mosquitto on a loopback port, and a subscriber that decodes with Eclipse Tahu. */
import type { ChildProcess } from 'node:child_process';
import { spawnMosquitto } from './mosquitto.ts';
import { createRequire } from 'node:module';
import mqtt, { type MqttClient } from 'mqtt';

const require = createRequire(import.meta.url);
export const tahu = require('sparkplug-payload').get('spBv1.0') as { decodePayload(b: Uint8Array): { timestamp: unknown; seq: unknown; metrics: { name: string; value: unknown; type: string }[] } };

export { freePort, haveMosquitto } from './mosquitto.ts';
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts mosquitto (by default plain MQTT on `port`) and resolves once it takes connections there. */
export function startMosquitto(port: number, args: string[] = ['-p', String(port)]): Promise<ChildProcess> {
  return spawnMosquitto(args, port);
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

