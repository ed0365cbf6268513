/**
 * The firmware image (dist/image/<board>.js) inside QuickJS, through quickjs-emscripten: the
 * binding between an `EngineHost` in Node and the image's `EngineGuest`, under a memory limit.
 * Every call into the engine is followed by its pending jobs (promise reactions), run to the
 * end, so the image is never left half-way between two host events. The image finds no wall
 * clock (Date reads throw), no timers and no Node APIs: only what the host interface gives.
 */
import { getQuickJS, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime } from 'quickjs-emscripten';
import type { BootConfig, BootReport, EngineGuest, EngineHost } from '../../firmware/engine/host.ts';
import { BINDING, GUEST_ENTRIES, bootWaiter, guestOver, hostFunctions, isSharedHandle, plainToHandle, stopSignal, type GuestEntry, type Plain } from './guest-binding.ts';

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
  private readonly stopping = stopSignal();

  private constructor(
    private readonly rt: QuickJSRuntime,
    private readonly vm: QuickJSContext,
    private readonly opts: QuickJsOptions,
    script: string,
    host: EngineHost,
    config: BootConfig,
  ) {
    const boot = bootWaiter();
    this.booted = boot.booted;
    this.bindHost(host, config, boot.events);
    this.checked(vm.evalCode(script, 'bondfw-image.js'));
    this.loadedBytes = this.heap().used;
    this.checked(vm.evalCode(BINDING, 'binding.js'));
    const g = vm.getProp(vm.global, '__guest');
    for (const name of GUEST_ENTRIES) this.entries.set(name, vm.getProp(g, name));
    g.dispose();
    this.runJobs();
    this.guest = guestOver((name, ...args) => this.call(name, ...args), () => this.stopping.stop(() => this.call('stop')));
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

  /** Numbers, strings and booleans as plain values; anything else stays a handle. */
  private fromHandle(h: QuickJSHandle): Plain | QuickJSHandle {
    const t = this.vm.typeof(h);
    if (t === 'number') return this.vm.getNumber(h);
    if (t === 'string') return this.vm.getString(h);
    if (t === 'boolean') return this.vm.dump(h) === true;
    if (t === 'undefined') return undefined;
    return h;
  }

  private call(name: GuestEntry, ...plain: Plain[]): Plain {
    if (this.disposed) return undefined;
    const args = plain.map((v) => plainToHandle(this.vm, v));
    const fn = this.entries.get(name)!;
    const r = this.vm.callFunction(fn, this.vm.undefined, ...args);
    for (const a of args) if (!isSharedHandle(this.vm, a)) a.dispose();
    if (r.error) {
      const e = this.vm.dump(r.error) as { message?: string; stack?: string };
      r.error.dispose();
      throw new Error(`engine: ${name}: ${e?.message ?? String(e)}\n${e?.stack ?? ''}`);
    }
    const value = this.vm.typeof(r.value) === 'boolean' ? this.vm.dump(r.value) === true : undefined;
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
  private bindHost(host: EngineHost, config: BootConfig, boot: ReturnType<typeof bootWaiter>['events']): void {
    const vm = this.vm;
    const readBytes = (ab: unknown, offset: number, length: number): Uint8Array => {
      const view = vm.getArrayBuffer(ab as QuickJSHandle);
      const out = view.value.slice(offset, offset + length);
      view.dispose();
      return out;
    };
    const table = hostFunctions(host, config, { ...boot, stopped: this.stopping.stopped }, readBytes);
    const h = vm.newObject();
    for (const [name, f] of Object.entries(table)) {
      const handle = vm.newFunction(name, (...args) => {
        const r = f(...args.map((a) => this.fromHandle(a)));
        return r === undefined ? undefined : plainToHandle(this.vm, r);
      });
      vm.setProp(h, name, handle);
      handle.dispose();
    }
    vm.setProp(vm.global, '__h', h);
    h.dispose();
  }
}
