/**
 * What every in-process JavaScript engine binding shares (QuickJS through quickjs-emscripten,
 * QuickJS-ng through quickjs-wasi): the binding script that runs inside the engine after the
 * image, the host's functions as that script calls them, and the image's entry points as the
 * host calls them. The values that cross are plain: numbers, strings, booleans, and bytes as
 * ArrayBuffers (JSON text where a structure crosses), so each engine's own binding only
 * converts those to and from its value handles.
 */
import type { BootConfig, BootReport, EngineGuest, EngineHost, MqttConnectOptions, UartId } from '../../firmware/engine/host.ts';

/**
 * A value crossing between Node and the engine. Into the engine, bytes go as ArrayBuffers;
 * out of it, an ArrayBuffer stays the engine's value (`ByteSource`), read through the
 * binding's `readBytes` only for the range the call names, so a frame in a large transmit
 * buffer is not copied whole.
 */
export type Plain = number | string | boolean | ArrayBuffer | undefined;

/** An ArrayBuffer inside the engine, as the engine's binding represents it. */
export type ByteSource = unknown;

/** Copies `length` bytes from `offset` of an ArrayBuffer inside the engine. */
export type ReadBytes = (source: ByteSource, offset: number, length: number) => Uint8Array;

/**
 * Inside the engine, before the image runs: no wall clock (Date() and Date.now() throw), so
 * that a read of it is a bug the tests see; time comes from the host.
 */
export const NO_WALL_CLOCK = String.raw`
  const RealDate = Date;
  const noClock = () => { throw new Error('the firmware image read the wall clock (Date); time comes from the host'); };
  globalThis.Date = new Proxy(RealDate, {
    construct(target, args) { if (args.length === 0) noClock(); return Reflect.construct(target, args); },
    apply: noClock,
    get(target, key) { return key === 'now' ? noClock : Reflect.get(target, key); },
  });
`;

/**
 * The binding as the image sees it: `__h` holds the host's functions with bytes as
 * (ArrayBuffer, offset, length); this script wraps them into an EngineHost, boots the image,
 * and leaves `__guest` entry points that take bytes as ArrayBuffers.
 */
export const BINDING = String.raw`
(() => {
  const h = globalThis.__h;
  delete globalThis.__h;
${NO_WALL_CLOCK}  const bytes = (b) => [b.buffer, b.byteOffset, b.byteLength];
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
    passwordHash: (t, pw) => h.passwordHash(t, pw),
    passwordVerify: (t, pw, e) => h.passwordVerify(t, pw, e),
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
    passwordDone: (t, r, e) => guest.passwordDone(t, r, e),
    stop: () => guest.stop().then(() => h.stopped(''), (e) => h.stopped(String(e && e.message || e))),
  };
})();
`;

/** The entry points the binding script leaves in `__guest`. */
export const GUEST_ENTRIES = [
  'timerFired', 'uartData', 'uartState', 'conduitFrame', 'mqttConnected', 'mqttMessage', 'mqttError',
  'mqttClosed', 'mqttDone', 'mqttOversized', 'consoleStart', 'consoleLine', 'consoleInterrupt', 'passwordDone', 'stop',
] as const;

export type GuestEntry = (typeof GUEST_ENTRIES)[number];

/** What the binding script reports back besides the host interface. */
export interface BindingEvents {
  booted(report: BootReport): void;
  bootFailed(error: string): void;
  stopped(error: string): void;
}

type HostFunction = (...args: (Plain | ByteSource)[]) => Plain | void;

/**
 * The functions the binding script finds in `__h`, over `host`. They take numbers, strings
 * and booleans as plain values and ArrayBuffers as the engine's own (`readBytes` copies out
 * the range named).
 */
export function hostFunctions(host: EngineHost, config: BootConfig, events: BindingEvents, readBytes: ReadBytes): Record<string, HostFunction> {
  const num = (x: unknown) => x as number;
  const str = (x: unknown) => x as string;
  const bytes = (ab: ByteSource, off: unknown, len: unknown): Uint8Array => readBytes(ab, num(off), num(len));
  const copy = (b: Uint8Array): ArrayBuffer => b.slice().buffer;
  return {
    config: () => JSON.stringify(config),
    booted: (r) => events.booted(JSON.parse(str(r)) as BootReport),
    bootFailed: (e) => events.bootFailed(str(e)),
    stopped: (e) => events.stopped(str(e)),
    now: () => host.now(),
    wallClock: () => host.wallClock(),
    timerStart: (id, ms) => host.timerStart(num(id), num(ms)),
    timerCancel: (id) => host.timerCancel(num(id)),
    uartUp: (u) => host.uartUp(str(u) as UartId),
    uartWrite: (u, ab, off, len) => host.uartWrite(str(u) as UartId, bytes(ab, off, len)),
    conduitSend: (ab, off, len) => {
      const f = bytes(ab, off, len);
      host.conduitSend(f, f.length);
    },
    flashBlockSize: () => host.flashGeometry().blockSize,
    flashBlocks: () => host.flashGeometry().blocks,
    flashRead: (b, o, n) => copy(host.flashRead(num(b), num(o), num(n))),
    flashErase: (b) => host.flashErase(num(b)),
    flashWrite: (b, o, ab, off, len) => host.flashWrite(num(b), num(o), bytes(ab, off, len)),
    mqttConnect: (s, json, ab, off, len) => {
      const o = JSON.parse(str(json)) as MqttConnectOptions;
      o.will.payload = bytes(ab, off, len);
      host.mqttConnect(num(s), o);
    },
    mqttSubscribe: (s, t, filters, qos) => host.mqttSubscribe(num(s), num(t), JSON.parse(str(filters)) as string[], num(qos) as 0 | 1),
    mqttPublish: (s, t, topic, ab, off, len, qos) => host.mqttPublish(num(s), num(t), str(topic), bytes(ab, off, len), num(qos) as 0 | 1),
    mqttEnd: (s, t, force) => host.mqttEnd(num(s), num(t), force === true),
    consoleWrite: (t) => host.consoleWrite(str(t)),
    consolePrompt: (t) => host.consolePrompt(str(t)),
    consoleEcho: (on) => host.consoleEcho(on === true),
    log: (level, time, text) => host.log(str(level) as 'info', num(time), str(text)),
    passwordHash: (t, pw) => host.passwordHash(num(t), str(pw)),
    passwordVerify: (t, pw, e) => host.passwordVerify(num(t), str(pw), str(e)),
  };
}

/**
 * The image's entry points over `call`, which runs one `__guest` function with plain values
 * (bytes copied into the engine) and returns what it returned; `stop` waits for the binding's
 * `stopped` event.
 */
export function guestOver(call: (name: GuestEntry, ...args: Plain[]) => Plain, stop: () => Promise<void>): EngineGuest {
  const buf = (b: Uint8Array): ArrayBuffer => b.slice().buffer;
  return {
    timerFired: (id) => void call('timerFired', id),
    uartData: (u, b) => void call('uartData', u, buf(b)),
    uartState: (u, up) => void call('uartState', u, up),
    conduitFrame: (f) => void call('conduitFrame', buf(f)),
    mqttConnected: (s) => void call('mqttConnected', s),
    mqttMessage: (s, topic, p, sender) => void call('mqttMessage', s, topic, buf(p), sender),
    mqttError: (s, text) => void call('mqttError', s, text),
    mqttClosed: (s) => void call('mqttClosed', s),
    mqttDone: (s, t, e) => void call('mqttDone', s, t, e),
    mqttOversized: (s, n, type, qos) => void call('mqttOversized', s, n, type, qos),
    consoleStart: () => void call('consoleStart'),
    consoleLine: (line) => void call('consoleLine', line),
    consoleInterrupt: () => call('consoleInterrupt') === true,
    passwordDone: (t, r, e) => void call('passwordDone', t, r, e),
    stop,
  };
}

/** The result of booting an image: `booted` settles once, from the binding's events. */
export function bootWaiter(): { booted: Promise<BootReport>; events: Pick<BindingEvents, 'booted' | 'bootFailed'> } {
  let ok: (r: BootReport) => void = () => {};
  let fail: (e: Error) => void = () => {};
  const booted = new Promise<BootReport>((resolve, reject) => {
    ok = resolve;
    fail = reject;
  });
  booted.catch(() => {});
  return { booted, events: { booted: (r) => ok(r), bootFailed: (e) => fail(new Error(e)) } };
}

/** What both QuickJS bindings' contexts offer for making values. */
export interface HandleMaker<H> {
  newNumber(n: number): H;
  newString(s: string): H;
  newArrayBuffer(b: ArrayBuffer): H;
  readonly true: H;
  readonly false: H;
  readonly undefined: H;
}

/** A plain value as a handle: a new one, or for true, false and undefined the context's own. */
export function plainToHandle<H>(vm: HandleMaker<H>, v: Plain | void): H {
  if (typeof v === 'number') return vm.newNumber(v);
  if (typeof v === 'string') return vm.newString(v);
  if (typeof v === 'boolean') return v ? vm.true : vm.false;
  if (v instanceof ArrayBuffer) return vm.newArrayBuffer(v);
  return vm.undefined;
}

/** True for the context's own handles (true, false, undefined), which are never disposed. */
export function isSharedHandle<H>(vm: HandleMaker<H>, h: H): boolean {
  return h === vm.true || h === vm.false || h === vm.undefined;
}

/**
 * A planned stop through the binding: `stop(run)` calls the image's `stop` entry with `run`
 * and settles when the binding reports `stopped` (rejecting with what it said went wrong).
 */
export function stopSignal(): { stop(run: () => void): Promise<void>; stopped(error: string): void } {
  let waiter: ((error: string) => void) | undefined;
  return {
    stop: (run) => new Promise<void>((resolve, reject) => {
      waiter = (e) => (e ? reject(new Error(e)) : resolve());
      run();
    }),
    stopped: (e) => {
      const w = waiter;
      waiter = undefined;
      w?.(e);
    },
  };
}
