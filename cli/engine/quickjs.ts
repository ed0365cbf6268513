/**
 * The firmware image (dist/image/<board>.js) inside QuickJS, through quickjs-emscripten: the
 * binding between an `EngineHost` in Node and the image's `EngineGuest`, under a memory limit.
 * Every call into the engine is followed by its pending jobs (promise reactions), run to the
 * end, so the image is never left half-way between two host events. The image finds no wall
 * clock (Date reads throw), no timers and no Node APIs: only what the host interface gives.
 */
import { getQuickJS, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime } from 'quickjs-emscripten';
import type { BootConfig, BootReport, EngineGuest, EngineHost, MqttConnectOptions, UartId } from '../../firmware/engine/host.ts';

/**
 * The binding as the image sees it: `__h` holds the host's functions with bytes as
 * (ArrayBuffer, offset, length); this script wraps them into an EngineHost, boots the image,
 * and leaves `__guest` entry points that take bytes as ArrayBuffers.
 */
const BINDING = String.raw`
(() => {
  const h = globalThis.__h;
  delete globalThis.__h;
  // No wall clock in the image: a read of it is a bug the tests must see.
  const RealDate = Date;
  const noClock = () => { throw new Error('the firmware image read the wall clock (Date); time comes from the host'); };
  globalThis.Date = new Proxy(RealDate, {
    construct(target, args) { if (args.length === 0) noClock(); return Reflect.construct(target, args); },
    apply: noClock,
    get(target, key) { return key === 'now' ? noClock : Reflect.get(target, key); },
  });
  const bytes = (b) => [b.buffer, b.byteOffset, b.byteLength];
  const host = {
    now: () => h.now(),
    wallClock: () => h.wallClock(),
    timerStart: (id, ms) => h.timerStart(id, ms),
    timerCancel: (id) => h.timerCancel(id),
    uartUp: (u) => h.uartUp(u),
    uartWrite: (u, b) => h.uartWrite(u, ...bytes(b)),
    conduitSend: (f, n) => h.conduitSend(f.buffer, f.byteOffset, n),
    flashGeometry: () => ({ blockSize: h.flashBlockSize(), blocks: h.flashBlocks() }),
    flashRead: (b, o, n) => new Uint8Array(h.flashRead(b, o, n)),
    flashErase: (b) => h.flashErase(b),
    flashWrite: (b, o, d) => h.flashWrite(b, o, ...bytes(d)),
    mqttConnect: (s, o) => h.mqttConnect(s, JSON.stringify({ ...o, will: { ...o.will, payload: undefined } }), ...bytes(o.will.payload)),
    mqttSubscribe: (s, t, filters, qos) => h.mqttSubscribe(s, t, JSON.stringify(filters), qos),
    mqttPublish: (s, t, topic, p, qos) => h.mqttPublish(s, t, topic, ...bytes(p), qos),
    mqttEnd: (s, t, force) => h.mqttEnd(s, t, force),
    consoleWrite: (t) => h.consoleWrite(t),
    consolePrompt: (t) => h.consolePrompt(t),
    consoleEcho: (on) => h.consoleEcho(on),
    log: (level, time, text) => h.log(level, time, text),
  };
  const { guest, booted } = globalThis.bondfwImage.boot(host, JSON.parse(h.config()));
  booted.then((r) => h.booted(JSON.stringify(r)), (e) => h.bootFailed(String(e && e.message || e)));
  globalThis.__guest = {
    timerFired: (id) => guest.timerFired(id),
    uartData: (u, ab) => guest.uartData(u, new Uint8Array(ab)),
    uartState: (u, up) => guest.uartState(u, up),
    conduitFrame: (ab) => guest.conduitFrame(new Uint8Array(ab)),
    mqttConnected: (s) => guest.mqttConnected(s),
    mqttMessage: (s, topic, ab, sender) => guest.mqttMessage(s, topic, new Uint8Array(ab), sender),
    mqttError: (s, text) => guest.mqttError(s, text),
    mqttClosed: (s) => guest.mqttClosed(s),
    mqttDone: (s, t, e) => guest.mqttDone(s, t, e),
    mqttOversized: (s, n, type, qos) => guest.mqttOversized(s, n, type, qos),
    consoleStart: () => guest.consoleStart(),
    consoleLine: (line) => guest.consoleLine(line),
    consoleInterrupt: () => guest.consoleInterrupt(),
    stop: () => guest.stop().then(() => h.stopped(''), (e) => h.stopped(String(e && e.message || e))),
  };
})();
`;

export interface QuickJsOptions {
  /** Bytes the engine may allocate (QuickJS's malloc limit); default 4 MiB. */
  memoryLimit?: number;
  /** Sample the heap every this many calls into the engine (default 256). */
  sampleEvery?: number;
}

/** The engine's memory, as QuickJS counts it. */
export interface HeapFigures {
  /** Bytes in use now. */
  used: number;
  /** The most seen at any sample. */
  peak: number;
}

/** A firmware image running in QuickJS over `host`. */
export class QuickJsFirmware {
  /** The image's entry points; each call runs the engine's pending jobs before it returns. */
  readonly guest: EngineGuest;
  /** Settles when the firmware is up, or with why it could not start. */
  readonly booted: Promise<BootReport>;
  /** Bytes the image script occupied in the engine once loaded, before it booted. */
  readonly loadedBytes: number;
  private peak = 0;
  private calls = 0;
  private disposed = false;
  private readonly entries = new Map<string, QuickJSHandle>();
  private stopWaiter: ((error: string) => void) | undefined;

  private constructor(
    private readonly rt: QuickJSRuntime,
    private readonly vm: QuickJSContext,
    private readonly opts: QuickJsOptions,
    script: string,
    host: EngineHost,
    config: BootConfig,
  ) {
    let bootOk: (r: BootReport) => void = () => {};
    let bootFail: (e: Error) => void = () => {};
    this.booted = new Promise<BootReport>((resolve, reject) => {
      bootOk = resolve;
      bootFail = reject;
    });
    this.booted.catch(() => {});
    this.bindHost(host, config, (r) => bootOk(JSON.parse(r) as BootReport), (e) => bootFail(new Error(e)));
    this.checked(vm.evalCode(script, 'bondfw-image.js'));
    this.loadedBytes = this.heap().used;
    this.checked(vm.evalCode(BINDING, 'binding.js'));
    const g = vm.getProp(vm.global, '__guest');
    for (const name of ['timerFired', 'uartData', 'uartState', 'conduitFrame', 'mqttConnected', 'mqttMessage', 'mqttError', 'mqttClosed', 'mqttDone', 'mqttOversized', 'consoleStart', 'consoleLine', 'consoleInterrupt', 'stop']) {
      this.entries.set(name, vm.getProp(g, name));
    }
    g.dispose();
    this.runJobs();
    const num = (n: number) => vm.newNumber(n);
    const str = (s: string) => vm.newString(s);
    const buf = (b: Uint8Array) => vm.newArrayBuffer(b.slice().buffer);
    const bool = (v: boolean) => (v ? vm.true : vm.false);
    this.guest = {
      timerFired: (id) => this.call('timerFired', num(id)),
      uartData: (u, b) => this.call('uartData', str(u), buf(b)),
      uartState: (u, up) => this.call('uartState', str(u), bool(up)),
      conduitFrame: (f) => this.call('conduitFrame', buf(f)),
      mqttConnected: (s) => this.call('mqttConnected', num(s)),
      mqttMessage: (s, topic, p, sender) => this.call('mqttMessage', num(s), str(topic), buf(p), str(sender)),
      mqttError: (s, text) => this.call('mqttError', num(s), str(text)),
      mqttClosed: (s) => this.call('mqttClosed', num(s)),
      mqttDone: (s, t, e) => this.call('mqttDone', num(s), num(t), str(e)),
      mqttOversized: (s, n, type, qos) => this.call('mqttOversized', num(s), num(n), num(type), num(qos)),
      consoleStart: () => this.call('consoleStart'),
      consoleLine: (line) => this.call('consoleLine', str(line)),
      consoleInterrupt: () => this.call('consoleInterrupt') === true,
      stop: () => new Promise<void>((resolve, reject) => {
        this.stopWaiter = (e) => (e ? reject(new Error(e)) : resolve());
        this.call('stop');
      }),
    };
  }

  /** Loads `script` (a built image) into a fresh QuickJS runtime and boots it over `host`. */
  static async start(script: string, host: EngineHost, config: BootConfig, opts: QuickJsOptions = {}): Promise<QuickJsFirmware> {
    const QuickJS = await getQuickJS();
    const rt = QuickJS.newRuntime();
    rt.setMemoryLimit(opts.memoryLimit ?? 4 * 1024 * 1024);
    rt.setMaxStackSize(512 * 1024);
    const vm = rt.newContext();
    try {
      return new QuickJsFirmware(rt, vm, opts, script, host, config);
    } catch (e) {
      vm.dispose();
      rt.dispose();
      throw e;
    }
  }

  /** The engine's heap now, and the most seen. */
  heap(): HeapFigures {
    const h = this.rt.computeMemoryUsage();
    const u = this.vm.dump(h) as { memory_used_size?: number };
    h.dispose();
    const used = u.memory_used_size ?? 0;
    this.peak = Math.max(this.peak, used);
    return { used, peak: this.peak };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const h of this.entries.values()) h.dispose();
    this.entries.clear();
    this.vm.dispose();
    this.rt.dispose();
  }

  private checked(r: ReturnType<QuickJSContext['evalCode']>): void {
    if (r.error) {
      const e = this.vm.dump(r.error) as { message?: string; stack?: string } | string;
      r.error.dispose();
      throw new Error(`engine: ${typeof e === 'object' && e ? `${e.message}\n${e.stack ?? ''}` : String(e)}`);
    }
    r.value.dispose();
  }

  private call(name: string, ...args: QuickJSHandle[]): unknown {
    if (this.disposed) {
      for (const a of args) if (a.alive && a !== this.vm.true && a !== this.vm.false) a.dispose();
      return undefined;
    }
    const fn = this.entries.get(name)!;
    const r = this.vm.callFunction(fn, this.vm.undefined, ...args);
    for (const a of args) if (a !== this.vm.true && a !== this.vm.false) a.dispose();
    let value: unknown;
    if (r.error) {
      const e = this.vm.dump(r.error) as { message?: string; stack?: string };
      r.error.dispose();
      throw new Error(`engine: ${name}: ${e?.message ?? String(e)}\n${e?.stack ?? ''}`);
    }
    value = this.vm.typeof(r.value) === 'boolean' ? this.vm.dump(r.value) : undefined;
    r.value.dispose();
    this.runJobs();
    if (++this.calls % (this.opts.sampleEvery ?? 256) === 0) this.heap();
    return value;
  }

  private runJobs(): void {
    for (;;) {
      const r = this.rt.executePendingJobs(-1);
      if (r.error) {
        const e = this.vm.dump(r.error) as { message?: string; stack?: string };
        r.error.dispose();
        throw new Error(`engine: a job failed: ${e?.message ?? String(e)}\n${e?.stack ?? ''}`);
      }
      const n = r.value;
      if (n === 0) return;
    }
  }

  /** The host's functions as the binding script expects them in `__h`. */
  private bindHost(host: EngineHost, config: BootConfig, booted: (r: string) => void, failed: (e: string) => void): void {
    const vm = this.vm;
    const h = vm.newObject();
    const fn = (name: string, f: (...a: QuickJSHandle[]) => QuickJSHandle | void) => {
      const handle = vm.newFunction(name, f);
      vm.setProp(h, name, handle);
      handle.dispose();
    };
    const num = (x: QuickJSHandle) => vm.getNumber(x);
    const str = (x: QuickJSHandle) => vm.getString(x);
    const bytes = (ab: QuickJSHandle, off: QuickJSHandle, len: QuickJSHandle): Uint8Array => {
      const view = vm.getArrayBuffer(ab);
      const o = num(off);
      const out = view.value.slice(o, o + num(len));
      view.dispose();
      return out;
    };
    fn('config', () => vm.newString(JSON.stringify(config)));
    fn('booted', (r) => booted(str(r)));
    fn('bootFailed', (e) => failed(str(e)));
    fn('stopped', (e) => {
      const w = this.stopWaiter;
      this.stopWaiter = undefined;
      w?.(str(e));
    });
    fn('now', () => vm.newNumber(host.now()));
    fn('wallClock', () => vm.newNumber(host.wallClock()));
    fn('timerStart', (id, ms) => host.timerStart(num(id), num(ms)));
    fn('timerCancel', (id) => host.timerCancel(num(id)));
    fn('uartUp', (u) => (host.uartUp(str(u) as UartId) ? vm.true : vm.false));
    fn('uartWrite', (u, ab, off, len) => host.uartWrite(str(u) as UartId, bytes(ab, off, len)));
    fn('conduitSend', (ab, off, len) => {
      const f = bytes(ab, off, len);
      host.conduitSend(f, f.length);
    });
    fn('flashBlockSize', () => vm.newNumber(host.flashGeometry().blockSize));
    fn('flashBlocks', () => vm.newNumber(host.flashGeometry().blocks));
    fn('flashRead', (b, o, n) => vm.newArrayBuffer(host.flashRead(num(b), num(o), num(n)).slice().buffer));
    fn('flashErase', (b) => host.flashErase(num(b)));
    fn('flashWrite', (b, o, ab, off, len) => host.flashWrite(num(b), num(o), bytes(ab, off, len)));
    fn('mqttConnect', (s, json, ab, off, len) => {
      const o = JSON.parse(str(json)) as MqttConnectOptions;
      o.will.payload = bytes(ab, off, len);
      host.mqttConnect(num(s), o);
    });
    fn('mqttSubscribe', (s, t, filters, qos) => host.mqttSubscribe(num(s), num(t), JSON.parse(str(filters)) as string[], num(qos) as 0 | 1));
    fn('mqttPublish', (s, t, topic, ab, off, len, qos) => host.mqttPublish(num(s), num(t), str(topic), bytes(ab, off, len), num(qos) as 0 | 1));
    fn('mqttEnd', (s, t, force) => host.mqttEnd(num(s), num(t), vm.dump(force) === true));
    fn('consoleWrite', (t) => host.consoleWrite(str(t)));
    fn('consolePrompt', (t) => host.consolePrompt(str(t)));
    fn('consoleEcho', (on) => host.consoleEcho(vm.dump(on) === true));
    fn('log', (level, time, text) => host.log(str(level) as 'info', num(time), str(text)));
    vm.setProp(vm.global, '__h', h);
    h.dispose();
  }
}
