/**
 * Node as one host of the engine's interface (firmware/engine/host.ts): its clock (virtual in
 * the scenario runner, real in `bondfw run`), serial links for the UARTs (the emulated UART
 * to the emulated bridge, a pseudo-terminal, a real device), the simulated switch's CPU port
 * as the conduit, a flash partition (in memory, or a file), MQTT.js as the MQTT client, and
 * the console on whatever terminal the CLI gives it.
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import type { ByteLink } from '../../hal/bridge/link.ts';
import type { Conduit } from '../../hal/frames.ts';
import type { FlashBlocks } from '../../firmware/config/flash-copies.ts';
import type { MqttConnector, MqttSession } from '../../firmware/telemetry/mqtt-session.ts';
import type { PasswordHasher } from '../../firmware/console/users.ts';
import { PASSWORD_MATCH, PASSWORD_MISMATCH, type EngineGuest, type EngineHost, type FlashGeometry, type HostLogLevel, type MqttConnectOptions, type UartId } from '../../firmware/engine/host.ts';

/** Where the console's text goes on this host. */
export interface HostConsole {
  write(text: string): void;
  /** The console is ready for a line; `text` is its prompt. */
  prompt(text: string): void;
  echo(on: boolean): void;
}

export interface NodeHostOptions {
  clock: Clock;
  /** The UARTs the board has: the bridge's, and a serial console's. */
  uarts: Partial<Record<UartId, ByteLink>>;
  /** The CPU's MAC wired to the switch's CPU port (absent where the frames go through the bridge). */
  conduit?: Conduit;
  flash?: FlashBlocks;
  /** Sessions to the broker (absent: telemetry off). */
  mqtt?: MqttConnector;
  console: HostConsole;
  log?: (level: HostLogLevel, time: number, text: string) => void;
  /** Milliseconds since 1970; NaN (the default) where the date is not the firmware's business (virtual time). */
  wallClock?: () => number;
  /** The password KDF (scrypt, as the native firmware's); absent: the host answers every request with an error. */
  passwords?: PasswordHasher;
}

export class NodeEngineHost implements EngineHost {
  private guest: EngineGuest | undefined;
  private readonly timers = new Map<number, TimerHandle>();
  private readonly sessions = new Map<number, MqttSession>();
  /** Calls into the engine the host made, by kind (the heap benchmark reports them). */
  readonly counters = { timers: 0, uartChunks: 0, frames: 0, mqttEvents: 0 };

  constructor(private readonly opts: NodeHostOptions) {}

  /** Connects the image's entry points: from now on the host's events reach it. */
  attach(guest: EngineGuest): void {
    this.guest = guest;
    for (const [id, link] of Object.entries(this.opts.uarts) as [UartId, ByteLink][]) {
      link.setReceiver((chunk) => {
        this.counters.uartChunks++;
        this.guest?.uartData(id, chunk);
      });
      link.setStateListener((up) => this.guest?.uartState(id, up));
    }
    this.opts.conduit?.setReceiver((frame, length) => {
      this.counters.frames++;
      this.guest?.conduitFrame(frame.subarray(0, length));
    });
  }

  /** Stops delivering events and cancels the timers (the image is gone). */
  detach(): void {
    this.guest = undefined;
    for (const t of this.timers.values()) this.opts.clock.cancel(t);
    this.timers.clear();
    for (const s of this.sessions.values()) s.end(true);
    this.sessions.clear();
  }

  /** Timers the image has armed now. */
  get armedTimers(): number {
    return this.timers.size;
  }

  now(): number {
    return this.opts.clock.now();
  }

  wallClock(): number {
    return this.opts.wallClock?.() ?? NaN;
  }

  timerStart(id: number, ms: number): void {
    const old = this.timers.get(id);
    if (old !== undefined) this.opts.clock.cancel(old);
    this.timers.set(id, this.opts.clock.setTimer(ms, () => {
      this.timers.delete(id);
      this.counters.timers++;
      this.guest?.timerFired(id);
    }));
  }

  timerCancel(id: number): void {
    const t = this.timers.get(id);
    if (t === undefined) return;
    this.opts.clock.cancel(t);
    this.timers.delete(id);
  }

  uartUp(uart: UartId): boolean {
    return this.opts.uarts[uart]?.up ?? false;
  }

  uartWrite(uart: UartId, bytes: Uint8Array): void {
    this.opts.uarts[uart]?.write(bytes);
  }

  conduitSend(frame: Uint8Array, length: number): void {
    this.opts.conduit?.send(frame, length);
  }

  flashGeometry(): FlashGeometry {
    const f = this.opts.flash;
    return f ? { blockSize: f.blockSize, blocks: f.blocks } : { blockSize: 0, blocks: 0 };
  }

  flashRead(block: number, offset: number, length: number): Uint8Array {
    if (!this.opts.flash) throw new Error('no flash partition');
    return this.opts.flash.read(block, offset, length);
  }

  flashErase(block: number): void {
    if (!this.opts.flash) throw new Error('no flash partition');
    this.opts.flash.erase(block);
  }

  flashWrite(block: number, offset: number, bytes: Uint8Array): void {
    if (!this.opts.flash) throw new Error('no flash partition');
    this.opts.flash.write(block, offset, bytes);
  }

  mqttConnect(session: number, opts: MqttConnectOptions): void {
    const connect = this.opts.mqtt;
    const event = (fn: (g: EngineGuest) => void) => {
      this.counters.mqttEvents++;
      if (this.guest) fn(this.guest);
    };
    if (!connect) {
      // No broker on this host: the attempt fails as a refused connection would.
      this.opts.clock.setTimer(0, () => {
        event((g) => g.mqttError(session, 'no MQTT client on this host'));
        event((g) => g.mqttClosed(session));
      });
      return;
    }
    const s = connect(opts, {
      connect: () => event((g) => g.mqttConnected(session)),
      message: (topic, payload, sender) => event((g) => g.mqttMessage(session, topic, payload, sender ?? '')),
      error: (text) => event((g) => g.mqttError(session, text)),
      // The session stays until the image ends it (it does, forced, after a close).
      close: () => event((g) => g.mqttClosed(session)),
      oversized: (p) => event((g) => g.mqttOversized(session, p.bytes, p.type, p.qos)),
    });
    this.sessions.set(session, s);
  }

  private done(session: number, token: number, error = ''): void {
    if (token !== 0) {
      this.counters.mqttEvents++;
      this.guest?.mqttDone(session, token, error);
    }
  }

  mqttSubscribe(session: number, token: number, filters: readonly string[], qos: 0 | 1): void {
    const s = this.sessions.get(session);
    if (!s) return this.done(session, token, 'not connected');
    const subs: Record<string, 0 | 1> = {};
    for (const f of filters) subs[f] = qos;
    s.subscribe(subs, (e) => this.done(session, token, e ?? ''));
  }

  mqttPublish(session: number, token: number, topic: string, payload: Uint8Array, qos: 0 | 1): void {
    const s = this.sessions.get(session);
    if (!s) return this.done(session, token, 'not connected');
    s.publish(topic, payload, qos, () => this.done(session, token));
  }

  mqttEnd(session: number, token: number, force: boolean): void {
    const s = this.sessions.get(session);
    if (force) this.sessions.delete(session);
    if (!s) return this.done(session, token);
    s.end(force, () => {
      this.sessions.delete(session);
      this.done(session, token);
    });
  }

  consoleWrite(text: string): void {
    this.opts.console.write(text);
  }

  consolePrompt(text: string): void {
    this.opts.console.prompt(text);
  }

  consoleEcho(on: boolean): void {
    this.opts.console.echo(on);
  }

  passwordHash(token: number, password: string): void {
    this.password(token, (h) => h.hash(password));
  }

  passwordVerify(token: number, password: string, encoded: string): void {
    this.password(token, async (h) => ((await h.verify(password, encoded)) ? PASSWORD_MATCH : PASSWORD_MISMATCH));
  }

  /** Runs the KDF and answers later, never from within the image's call. */
  private password(token: number, work: (h: PasswordHasher) => Promise<string>): void {
    const h = this.opts.passwords;
    const answer = h ? Promise.resolve().then(() => work(h)) : Promise.reject(new Error('no password hashing on this host'));
    answer.then(
      (result) => this.guest?.passwordDone(token, result, ''),
      (e: unknown) => this.guest?.passwordDone(token, '', e instanceof Error ? e.message : String(e)),
    );
  }

  log(level: HostLogLevel, time: number, text: string): void {
    this.opts.log?.(level, time, text);
  }
}
