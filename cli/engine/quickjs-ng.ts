/**
 * The firmware image inside QuickJS-ng (through quickjs-wasi), loaded the way a device loads
 * it: as bytecode compiled beforehand, without the source text and debug information
 * (QuickJS's `JS_STRIP_SOURCE | JS_STRIP_DEBUG`, what `qjsc -s` writes into flash). QuickJS
 * keeps each function's source for `Function.prototype.toString` unless it is stripped, and
 * on a microcontroller nobody pays for that. The heap here is counted in bytes the engine's
 * allocator holds, the figure its memory limit is enforced against.
 *
 * The binding is the one every in-process engine shares (guest-binding.ts): the image finds
 * no wall clock, no timers and no Node APIs; each call into it runs its pending jobs to the end.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CompileFlags, QuickJS, type JSValueHandle } from 'quickjs-wasi';
import type { BootConfig, BootReport, EngineGuest, EngineHost } from '../../firmware/engine/host.ts';
import { BINDING, GUEST_ENTRIES, bootWaiter, guestOver, hostFunctions, isSharedHandle, plainToHandle, stopSignal, type GuestEntry, type Plain } from './guest-binding.ts';
import type { HeapFigures } from './quickjs.ts';

export interface QuickJsNgOptions {
  /** Bytes the engine's allocator may hold; default 4 MiB. */
  memoryLimit?: number;
  /** Walk the heap for `memoryUsedSize` every this many calls into the engine (default 256). */
  sampleEvery?: number;
}

/** The engine's memory: the allocator's bytes (what the limit counts) and QuickJS's own count of its structures. */
export interface NgHeapFigures extends HeapFigures {
  /** Bytes the allocator holds now (with its rounding and partly used arenas). */
  allocated: number;
  /** The most the allocator held at any call into the engine. */
  peakAllocated: number;
}

let wasmModule: WebAssembly.Module | undefined;
const bytecodeCache = new Map<string, Uint8Array>();

/** The engine's WebAssembly module, compiled once per process (Node's global; the lib types here have only its types). */
function engineModule(): WebAssembly.Module {
  const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => WebAssembly.Module } }).WebAssembly;
  wasmModule ??= new wasm.Module(readFileSync(fileURLToPath(import.meta.resolve('quickjs-wasi/quickjs.wasm'))));
  return wasmModule;
}

/**
 * The image as bytecode, compiled in an engine of its own (as `qjsc` does off the device):
 * stripped of source and debug information unless `keepSource`.
 */
export async function compileImage(script: string, keepSource = false): Promise<Uint8Array> {
  const key = `${keepSource ? 'k' : 's'}:${script}`;
  const cached = bytecodeCache.get(key);
  if (cached) return cached;
  const vm = await QuickJS.create({ wasm: engineModule(), memoryLimit: 64 * 1024 * 1024 });
  try {
    const flags = keepSource ? 0 : CompileFlags.STRIP_SOURCE | CompileFlags.STRIP_DEBUG;
    const code = vm.compile(script, 'bondfw-image.js', 0, flags);
    if (bytecodeCache.size >= 8) bytecodeCache.clear();
    bytecodeCache.set(key, code);
    return code;
  } finally {
    vm.dispose();
  }
}

/** A firmware image running in QuickJS-ng over `host`. */
export class QuickJsNgFirmware {
  readonly guest: EngineGuest;
  readonly booted: Promise<BootReport>;
  /** Bytes QuickJS counted for the image once loaded (bytecode, atoms, functions), before it booted. */
  readonly loadedBytes: number;
  /** Bytes the allocator held once the image was loaded. */
  readonly loadedAllocated: number;
  /** Size of the bytecode the image was loaded from. */
  readonly bytecodeBytes: number;
  private peak = 0;
  private peakAllocated = 0;
  private calls = 0;
  private disposed = false;
  private readonly entries = new Map<string, JSValueHandle>();
  /** Handles host functions returned: the engine took its own reference; ours go after the call. */
  private returned: JSValueHandle[] = [];
  private readonly stopping = stopSignal();

  private constructor(
    private readonly vm: QuickJS,
    private readonly opts: QuickJsNgOptions,
    bytecode: Uint8Array,
    host: EngineHost,
    config: BootConfig,
  ) {
    const boot = bootWaiter();
    this.booted = boot.booted;
    this.bytecodeBytes = bytecode.length;
    this.bindHost(host, config, boot.events);
    vm.evalBytecode(bytecode).dispose();
    vm.runGC();
    this.loadedBytes = this.heap().used;
    this.loadedAllocated = vm.getAllocatedSize();
    vm.evalCode(BINDING, 'binding.js').dispose();
    const g = vm.global.getProp('__guest');
    for (const name of GUEST_ENTRIES) this.entries.set(name, g.getProp(name));
    g.dispose();
    this.settle();
    this.guest = guestOver((name, ...args) => this.call(name, ...args), () => this.stopping.stop(() => this.call('stop')));
  }

  /** Compiles `script` (a built image) to bytecode, loads it into a fresh engine and boots it over `host`. */
  static async start(script: string, host: EngineHost, config: BootConfig, opts: QuickJsNgOptions = {}): Promise<QuickJsNgFirmware> {
    const bytecode = await compileImage(script);
    const vm = await QuickJS.create({ wasm: engineModule(), memoryLimit: opts.memoryLimit ?? 4 * 1024 * 1024, maxStackSize: 512 * 1024 });
    try {
      return new QuickJsNgFirmware(vm, opts, bytecode, host, config);
    } catch (e) {
      vm.dispose();
      throw e instanceof Error ? new Error(`engine: ${e.message}`) : e;
    }
  }

  /** QuickJS's count of its structures now and the most seen, with the allocator's bytes. */
  heap(): NgHeapFigures {
    const used = this.vm.getMemoryUsage().memoryUsedSize;
    this.peak = Math.max(this.peak, used);
    const allocated = this.vm.getAllocatedSize();
    this.peakAllocated = Math.max(this.peakAllocated, allocated);
    return { used, peak: this.peak, allocated, peakAllocated: this.peakAllocated };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.releaseReturned();
    for (const h of this.entries.values()) h.dispose();
    this.entries.clear();
    this.vm.dispose();
  }

  private fromHandle(h: JSValueHandle): Plain | JSValueHandle {
    if (h.isNumber) return h.toNumber();
    if (h.isString) return h.toString();
    if (h.isBool) return h.toBoolean();
    if (h.isUndefined) return undefined;
    return h;
  }

  private call(name: GuestEntry, ...plain: Plain[]): Plain {
    if (this.disposed) return undefined;
    const args = plain.map((v) => plainToHandle(this.vm, v));
    let value: Plain;
    try {
      const r = this.vm.callFunction(this.entries.get(name)!, this.vm.undefined, ...args);
      value = r.isBool ? r.toBoolean() : undefined;
      r.dispose();
    } catch (e) {
      throw new Error(`engine: ${name}: ${errorText(e)}`);
    } finally {
      for (const a of args) if (!isSharedHandle(this.vm, a)) a.dispose();
      this.releaseReturned();
    }
    this.settle();
    const allocated = this.vm.getAllocatedSize();
    if (allocated > this.peakAllocated) this.peakAllocated = allocated;
    if (++this.calls % (this.opts.sampleEvery ?? 256) === 0) this.heap();
    return value;
  }

  /** Runs the pending jobs (promise reactions) to the end. */
  private settle(): void {
    try {
      this.vm.executePendingJobs();
    } catch (e) {
      throw new Error(`engine: a job failed: ${errorText(e)}`);
    } finally {
      this.releaseReturned();
    }
  }

  private releaseReturned(): void {
    const r = this.returned;
    if (r.length === 0) return;
    this.returned = [];
    for (const h of r) h.dispose();
  }

  private bindHost(host: EngineHost, config: BootConfig, boot: ReturnType<typeof bootWaiter>['events']): void {
    const vm = this.vm;
    const readBytes = (ab: unknown, offset: number, length: number): Uint8Array =>
      new Uint8Array((ab as JSValueHandle).toArrayBuffer(), offset, length).slice();
    const table = hostFunctions(host, config, { ...boot, stopped: this.stopping.stopped }, readBytes);
    const h = vm.newObject();
    for (const [name, f] of Object.entries(table)) {
      const fn = vm.newFunction(name, (...args) => {
        const r = f(...args.map((a) => this.fromHandle(a)));
        const handle = plainToHandle(this.vm, r);
        if (!isSharedHandle(this.vm, handle)) this.returned.push(handle);
        return handle;
      });
      h.setProp(name, fn);
      fn.dispose();
    }
    vm.global.setProp('__h', h);
    h.dispose();
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.message}${e.stack && !e.stack.includes(e.message) ? `\n${e.stack}` : ''}`;
  return String(e);
}
