/**
 * The firmware image inside Moddable's XS, the engine that ships on ESP32-class devices, run
 * by Agoric's xsnap as a worker process: the second engine behind the same host interface.
 *
 * xsnap's protocol is commands both ways: the image calls the host with XS's synchronous
 * `issueCommand` (the worker waits for Node's answer), and the host calls the image's entry
 * points with the worker's asynchronous `issueCommand`, which XS answers once its promise
 * jobs have run. So the host's calls into the image complete later; `idle()` resolves when
 * every one of them has, and the scenario runner's virtual clock waits for it after each
 * timer (EngineSim), so that time moves only when the image has finished with the last event.
 * Bytes cross as JSON arrays of numbers (xsnap carries one byte string per command).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { type } from 'node:os';
import type { BootConfig, BootReport, EngineGuest, EngineHost, MqttConnectOptions, UartId } from '../../firmware/engine/host.ts';
import { NO_WALL_CLOCK, bootWaiter } from './guest-binding.ts';

/** The binding inside XS: the host's functions over `issueCommand`, the image booted, `handleCommand` for the host's calls. */
function binding(config: BootConfig): string {
  return String.raw`
(() => {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const call = (op, ...args) => {
    const r = JSON.parse(dec.decode(issueCommand(enc.encode(JSON.stringify([op, ...args])).buffer)));
    if (r && r.error !== undefined) throw new Error(r.error);
    return r === null ? undefined : r.value;
  };
${NO_WALL_CLOCK}  const arr = (b, n = b.length) => Array.from(b.subarray(0, n));
  const host = {
    now: () => call('now'),
    wallClock: () => call('wallClock'),
    timerStart: (id, ms) => call('timerStart', id, ms),
    timerCancel: (id) => call('timerCancel', id),
    uartUp: (u) => call('uartUp', u),
    uartWrite: (u, b) => call('uartWrite', u, arr(b)),
    conduitSend: (f, n) => call('conduitSend', arr(f, n)),
    flashGeometry: () => call('flashGeometry'),
    flashRead: (b, o, n) => Uint8Array.from(call('flashRead', b, o, n)),
    flashErase: (b) => call('flashErase', b),
    flashWrite: (b, o, d) => call('flashWrite', b, o, arr(d)),
    mqttConnect: (s, o) => call('mqttConnect', s, { ...o, will: { ...o.will, payload: arr(o.will.payload) } }),
    mqttSubscribe: (s, t, filters, qos) => call('mqttSubscribe', s, t, filters, qos),
    mqttPublish: (s, t, topic, p, qos) => call('mqttPublish', s, t, topic, arr(p), qos),
    mqttEnd: (s, t, force) => call('mqttEnd', s, t, force),
    consoleWrite: (t) => call('consoleWrite', t),
    consolePrompt: (t) => call('consolePrompt', t),
    consoleEcho: (on) => call('consoleEcho', on),
    log: (level, time, text) => call('log', level, time, text),
    passwordHash: (t, pw) => call('passwordHash', t, pw),
    passwordVerify: (t, pw, e) => call('passwordVerify', t, pw, e),
  };
  const { guest, booted } = globalThis.bondfwImage.boot(host, ${JSON.stringify(config)});
  booted.then((r) => call('booted', r), (e) => call('bootFailed', String(e && e.message || e)));
  const bytes = { uartData: 1, conduitFrame: 0, mqttMessage: 2 };
  globalThis.handleCommand = (buf) => {
    const [op, ...a] = JSON.parse(dec.decode(buf));
    if (op === 'gc') {
      gc();
      return enc.encode('null').buffer;
    }
    if (op === 'stop') {
      guest.stop().then(() => call('stopped', ''), (e) => call('stopped', String(e && e.message || e)));
      return enc.encode('null').buffer;
    }
    if (op in bytes) a[bytes[op]] = Uint8Array.from(a[bytes[op]]);
    const r = guest[op](...a);
    return enc.encode(JSON.stringify(r === undefined ? null : r)).buffer;
  };
})();
`;
}

/** XS's own heap figures from the worker's meter: slots in use after its last collection. */
export interface XsHeap {
  slots: number;
  peakSlots: number;
}

/**
 * xsnap and what it needs, or an error that says XS is not here (`@agoric/xsnap` builds a
 * native worker when it is installed, which needs a C compiler).
 */
async function loadXsnap(): Promise<{ xsnap(o: object): Promise<XsnapWorker>; tmp: { default: { tmpName: unknown } } }> {
  try {
    await import('./xsnap-env.ts');
    // Untyped JavaScript packages: loaded by name, typed here by what is used of them.
    const xsnapPackage: string = '@agoric/xsnap';
    const tmpPackage: string = 'tmp';
    const { xsnap } = (await import(xsnapPackage)) as { xsnap(o: object): Promise<XsnapWorker> };
    const tmp = (await import(tmpPackage)) as { default: { tmpName: unknown } };
    return { xsnap, tmp };
  } catch (e) {
    throw new Error(`Moddable XS is not available: the package @agoric/xsnap is not installed or its native worker did not build (${(e as Error).message.split('\n')[0]})`);
  }
}

/** Why the XS engine cannot run here, or undefined when it can. */
export async function xsUnavailable(): Promise<string | undefined> {
  try {
    await loadXsnap();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** A firmware image running in an xsnap worker over `host`. */
export class XsFirmware {
  readonly guest: EngineGuest;
  readonly booted: Promise<BootReport>;
  private readonly pending = new Set<Promise<unknown>>();
  private slots = 0;
  private peakSlots = 0;
  private stopWaiter: ((error: string) => void) | undefined;
  private failure: Error | undefined;

  private constructor(
    private readonly worker: XsnapWorker,
    booted: Promise<BootReport>,
  ) {
    this.booted = booted;
    const send = (op: string, ...args: unknown[]): void => {
      const p = this.worker.issueStringCommand(JSON.stringify([op, ...args])).then((r) => {
        this.meter(r.meterUsage);
      }, (e: unknown) => {
        this.failure ??= e instanceof Error ? e : new Error(String(e));
      });
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    };
    const arr = (b: Uint8Array) => Array.from(b);
    this.guest = {
      timerFired: (id) => send('timerFired', id),
      uartData: (u, b) => send('uartData', u, arr(b)),
      uartState: (u, up) => send('uartState', u, up),
      conduitFrame: (f) => send('conduitFrame', arr(f)),
      mqttConnected: (s) => send('mqttConnected', s),
      mqttMessage: (s, topic, p, sender) => send('mqttMessage', s, topic, arr(p), sender),
      mqttError: (s, text) => send('mqttError', s, text),
      mqttClosed: (s) => send('mqttClosed', s),
      mqttDone: (s, t, e) => send('mqttDone', s, t, e),
      mqttOversized: (s, n, t, q) => send('mqttOversized', s, n, t, q),
      consoleStart: () => send('consoleStart'),
      consoleLine: (line) => send('consoleLine', line),
      // The answer comes later over xsnap: the live console answers from what it has seen (engine-run.ts).
      consoleInterrupt: () => {
        send('consoleInterrupt');
        return false;
      },
      passwordDone: (t, r, e) => send('passwordDone', t, r, e),
      stop: () => new Promise<void>((resolve, reject) => {
        this.stopWaiter = (e) => (e ? reject(new Error(e)) : resolve());
        send('stop');
      }),
    };
  }

  /** Starts an xsnap worker, loads `script` into it and boots the image over `host`. */
  static async start(script: string, host: EngineHost, config: BootConfig): Promise<XsFirmware> {
    // xsnap's Node side wants SES's `assert` and HandledPromise, and hardens what it hands
    // out; nothing here locks the Node process down (lockdown is never called).
    let fw: XsFirmware | undefined;
    const boot = bootWaiter();
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    const answer = (value: unknown) => enc.encode(JSON.stringify(value === undefined ? null : { value }));
    const handleCommand = async (msg: Uint8Array): Promise<Uint8Array> => {
      const [op, ...a] = JSON.parse(dec.decode(msg)) as [string, ...unknown[]];
      try {
        switch (op) {
          case 'booted':
            boot.events.booted(a[0] as BootReport);
            return answer(undefined);
          case 'bootFailed':
            boot.events.bootFailed(a[0] as string);
            return answer(undefined);
          case 'stopped': {
            const w = fw?.stopWaiter;
            if (fw) fw.stopWaiter = undefined;
            w?.(a[0] as string);
            return answer(undefined);
          }
          case 'uartWrite':
            return answer(host.uartWrite(a[0] as UartId, Uint8Array.from(a[1] as number[])));
          case 'conduitSend': {
            const f = Uint8Array.from(a[0] as number[]);
            return answer(host.conduitSend(f, f.length));
          }
          case 'flashRead':
            return answer(Array.from(host.flashRead(a[0] as number, a[1] as number, a[2] as number)));
          case 'flashWrite':
            return answer(host.flashWrite(a[0] as number, a[1] as number, Uint8Array.from(a[2] as number[])));
          case 'mqttConnect': {
            const o = a[1] as MqttConnectOptions & { will: { payload: number[] } };
            return answer(host.mqttConnect(a[0] as number, { ...o, will: { ...o.will, payload: Uint8Array.from(o.will.payload) } }));
          }
          case 'mqttPublish':
            return answer(host.mqttPublish(a[0] as number, a[1] as number, a[2] as string, Uint8Array.from(a[3] as number[]), a[4] as 0 | 1));
          default: {
            const fn = (host as unknown as Record<string, (...x: unknown[]) => unknown>)[op];
            if (typeof fn !== 'function') throw new Error(`no host function '${op}'`);
            return answer(fn.apply(host, a));
          }
        }
      } catch (e) {
        return enc.encode(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
      }
    };
    const worker = await startWorker(handleCommand);
    try {
      const loaded = await worker.evaluate(script);
      fw = new XsFirmware(worker, boot.booted);
      fw.meter(loaded.meterUsage);
      fw.loadedSlots = fw.slots;
      const r = await worker.evaluate(binding(config));
      fw.meter(r.meterUsage);
      return fw;
    } catch (e) {
      await worker.close().catch(() => {});
      throw e;
    }
  }

  /**
   * Ctrl-C with the image's own answer: true when it interrupted something (a running
   * command, a prompt). It comes once XS has run the call (`guest.consoleInterrupt` sends the
   * same call and cannot wait for it).
   */
  async interrupt(): Promise<boolean> {
    const r = await this.worker.issueStringCommand(JSON.stringify(['consoleInterrupt']));
    this.meter(r.meterUsage);
    return JSON.parse(r.reply as unknown as string) === true;
  }

  /** Slots in use once the image was loaded, before it booted. */
  loadedSlots = 0;

  private meter(m: { currentHeapCount?: number | null } | undefined): void {
    const n = m?.currentHeapCount ?? 0;
    this.slots = n;
    this.peakSlots = Math.max(this.peakSlots, n);
  }

  heap(): XsHeap {
    return { slots: this.slots, peakSlots: this.peakSlots };
  }

  /**
   * Bytes of a snapshot of the machine now (xsnap writes what is live after a collection: its
   * slots and its chunks, the strings, bytecode and buffers the meter does not count).
   */
  async snapshotBytes(): Promise<number> {
    await this.idle();
    return snapshotBytes(this.worker);
  }

  /** Bytes of a snapshot of a machine that has loaded `script` and run nothing else. */
  static async imageSnapshotBytes(script: string): Promise<number> {
    const worker = await startWorker(async () => new Uint8Array());
    try {
      await worker.evaluate(script);
      return await snapshotBytes(worker);
    } finally {
      await worker.close().catch(() => {});
    }
  }

  /** Runs XS's garbage collector in the worker; resolves with the slots still in use. */
  async collect(): Promise<number> {
    await this.idle();
    const r = await this.worker.issueStringCommand(JSON.stringify(['gc']));
    this.meter(r.meterUsage);
    return this.slots;
  }

  /** Resolves when every call into the worker so far has been answered (and what those calls caused, too). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    if (this.failure) throw this.failure;
  }

  async dispose(): Promise<void> {
    await this.worker.close().catch(() => {});
  }
}

/** An xsnap worker whose calls to its host go to `handleCommand`. */
async function startWorker(handleCommand: (msg: Uint8Array) => Promise<Uint8Array>): Promise<XsnapWorker> {
  const { xsnap, tmp } = await loadXsnap();
  return xsnap({
    os: type(), spawn, fs: { ...fsp, createReadStream: fs.createReadStream, tmpName: tmp.default.tmpName },
    name: 'bondfw-image', handleCommand, stderr: 'inherit', stdout: 'inherit', meteringLimit: 0,
  });
}

/** Bytes of a snapshot of `worker`'s machine (xsnap collects before it writes). */
async function snapshotBytes(worker: XsnapWorker): Promise<number> {
  let n = 0;
  for await (const c of worker.makeSnapshotStream('bondfw-heap')) n += c.length;
  return n;
}

interface XsnapRun {
  reply: Uint8Array;
  meterUsage: { currentHeapCount: number | null };
}

interface XsnapWorker {
  evaluate(code: string): Promise<XsnapRun>;
  issueStringCommand(message: string): Promise<XsnapRun>;
  makeSnapshotStream(description: string): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}
