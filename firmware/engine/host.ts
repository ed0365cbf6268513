/**
 * The host interface: the only way the firmware image (`npm run build:image`, one ES2020
 * script per board) reaches the platform it runs on. Everything else (the board definition,
 * the MDIO bus over the bridge protocol, the PHY and switch drivers, the link poll, the
 * CPU-port tag codec, bonding, LACP, the host stack, the console, the Sparkplug edge node and
 * its payload codec, the configuration store) is inside the image, in JavaScript.
 *
 * Eight groups of primitives, each one that a microcontroller SDK offers directly
 * (docs/porting.md maps them onto ESP-IDF and Zephyr):
 *
 *   1. UART bytes out and in: the serial-MDIO bridge's UART, and a serial console's.
 *   2. Frames out and in on the CPU conduit (the CPU's Ethernet MAC wired to the switch's CPU
 *      port; the frames carry the switch's management tag, which the image adds and removes).
 *   3. A monotonic clock and one-shot timers (and the date, where the host knows it).
 *   4. Flash blocks: read, erase, write.
 *   5. MQTT: connect with a will, publish, subscribe (the host's own MQTT client, with the
 *      broker's address, credentials and TLS kept on the host side).
 *   6. Console text out, lines in.
 *   7. Log lines out.
 *   8. Passwords: the platform's slow, salted key-derivation function, to hash a console
 *      user's password and to check one (the SDK's crypto library with its random source).
 *
 * Nothing else crosses. Calls go both ways and are synchronous: the host calls the image's
 * entry points (`EngineGuest`) when something happens (a timer is due, bytes or a frame
 * arrived, a console line was typed, an MQTT event), runs the engine's pending jobs (promise
 * reactions) to completion after each, and the image calls `EngineHost` functions, none of
 * which calls back into the image before it returns. Work that completes later (an MQTT
 * publish acknowledged, a subscription granted, a password hashed) is answered by an entry
 * point call carrying the token the image gave.
 *
 * Bytes cross as `Uint8Array`s that the receiver owns (copied at the boundary where the
 * engine needs it); text as strings (UTF-8 where it meets bytes).
 */

/** The UARTs the image uses: the serial-MDIO bridge's, and the serial console's. */
export type UartId = 'bridge' | 'console';

export type HostLogLevel = 'info' | 'warn' | 'error';

/** How the image asks the host's MQTT client to connect (the broker itself is the host's setting). */
export interface MqttConnectOptions {
  /** MQTT 5 (5) or 3.1.1 (4). */
  protocolVersion: 4 | 5;
  /** Clean start (MQTT 5) or clean session (3.1.1); the image keeps no session on the broker. */
  clean: boolean;
  keepaliveS: number;
  /** Give up a connection attempt after this long (ms). */
  connectTimeoutMs: number;
  /** The last will (Sparkplug's NDEATH). */
  will: { topic: string; payload: Uint8Array; qos: 0 | 1; retain: boolean };
  /** Largest packet the image takes from the broker; larger ones are dropped unread (`mqttOversized`). */
  maxPacketBytes: number;
}

/** Flash as the host offers it to the image: `blocks` erase blocks of `blockSize` bytes (a partition). */
export interface FlashGeometry {
  blockSize: number;
  blocks: number;
}

/** What the image calls. */
export interface EngineHost {
  // 3. Clock and timers -------------------------------------------------------------------
  /** Milliseconds since boot, monotonic (fractions allowed). */
  now(): number;
  /** Milliseconds since 1970 (UTC), when the host knows the date (RTC, SNTP); NaN when not. */
  wallClock(): number;
  /**
   * Arms one-shot timer `id` (a positive integer the image chooses) to fire `ms` from now;
   * the host then calls `EngineGuest.timerFired(id)`. Timers due at the same time fire in the
   * order they were armed. An id is armed at most once at a time.
   */
  timerStart(id: number, ms: number): void;
  /** Disarms timer `id`; a timer that fired or was never armed is ignored. */
  timerCancel(id: number): void;

  // 1. UARTs ------------------------------------------------------------------------------
  /** True while the UART's device is there (a USB adapter can be unplugged). */
  uartUp(uart: UartId): boolean;
  /** Queues bytes for transmission (dropped while the UART is down). */
  uartWrite(uart: UartId, bytes: Uint8Array): void;

  // 2. CPU conduit ------------------------------------------------------------------------
  /**
   * Sends the first `length` bytes of `frame`, one complete tagged Ethernet frame (no FCS), to
   * the switch's CPU port; the host copies them before it returns (the image reuses its
   * transmit buffers: nothing is allocated per frame).
   */
  conduitSend(frame: Uint8Array, length: number): void;

  // 4. Flash ------------------------------------------------------------------------------
  /** The partition the image may use for its configuration; `blocks` 0 when there is none. */
  flashGeometry(): FlashGeometry;
  /** Reads `length` bytes of block `block` from `offset`. */
  flashRead(block: number, offset: number, length: number): Uint8Array;
  /** Erases block `block` (every byte reads 0xff afterwards). */
  flashErase(block: number): void;
  /** Writes `bytes` into block `block` at `offset` (erased bytes only, as NOR flash programs). */
  flashWrite(block: number, offset: number, bytes: Uint8Array): void;

  // 5. MQTT -------------------------------------------------------------------------------
  /**
   * Starts session `session` (an integer the image chooses, new for each attempt) to the
   * host's broker. The host answers with `mqttConnected`, or `mqttError` and `mqttClosed`;
   * later `mqttMessage` for what the session subscribed to, and `mqttClosed` when it ends.
   */
  mqttConnect(session: number, opts: MqttConnectOptions): void;
  /** Subscribes at `qos`; `mqttDone(session, token, error)` when the broker granted it or not. */
  mqttSubscribe(session: number, token: number, filters: readonly string[], qos: 0 | 1): void;
  /** Publishes; with a token other than 0, `mqttDone` follows when it has gone (QoS 0) or was acknowledged (QoS 1). */
  mqttPublish(session: number, token: number, topic: string, payload: Uint8Array, qos: 0 | 1): void;
  /**
   * Ends the session: cleanly (a DISCONNECT, so the broker drops the will) or, `force`, by
   * closing the connection. `mqttDone` with the token (other than 0) when it is over.
   */
  mqttEnd(session: number, token: number, force: boolean): void;

  // 6. Console ----------------------------------------------------------------------------
  /** Text for the console (lines end in "\n"). */
  consoleWrite(text: string): void;
  /** The console is ready for the next line: shows `text` as its prompt ('' for none). */
  consolePrompt(text: string): void;
  /** Whether typed characters are echoed (false while a password is typed). */
  consoleEcho(on: boolean): void;

  // 7. Log --------------------------------------------------------------------------------
  /** One event-log line: its level, its time on the monotonic clock (ms) and its text. */
  log(level: HostLogLevel, time: number, text: string): void;

  // 8. Passwords --------------------------------------------------------------------------
  /**
   * Hashes `password` with the platform's slow KDF and a fresh random salt, into one string
   * that carries the algorithm, its parameters, the salt and the key (a PHC string such as
   * `$scrypt$ln=14,r=8,p=1$<salt>$<key>` or `$pbkdf2-sha256$i=<n>$<salt>$<key>`). The host
   * answers `passwordDone(token, encoded, '')`, or `passwordDone(token, '', error)`. The work
   * takes long by design: the host does it off the image's task and answers later.
   */
  passwordHash(token: number, password: string): void;
  /**
   * Checks `password` against `encoded` (what `passwordHash` made, here or on another host
   * with the same KDF): `passwordDone(token, 'match' | 'mismatch', '')`; a string the host
   * cannot read is a mismatch.
   */
  passwordVerify(token: number, password: string, encoded: string): void;
}

/** What `passwordDone` carries back for a `passwordVerify`. */
export const PASSWORD_MATCH = 'match';
export const PASSWORD_MISMATCH = 'mismatch';

/** What the host calls: the image's entry points. */
export interface EngineGuest {
  /** Timer `id` is due. */
  timerFired(id: number): void;
  /** Bytes arrived on a UART (any chunking). */
  uartData(uart: UartId, bytes: Uint8Array): void;
  /** A UART's device went away or came back. */
  uartState(uart: UartId, up: boolean): void;
  /** A tagged frame from the switch's CPU port (no FCS). */
  conduitFrame(frame: Uint8Array): void;
  /** Session `session` is connected (CONNACK accepted). */
  mqttConnected(session: number): void;
  /** A message on a subscribed topic; `sender` is the MQTT 5 user property `user`, '' when absent. */
  mqttMessage(session: number, topic: string, payload: Uint8Array, sender: string): void;
  /** Why the session failed or broke, in the MQTT client's words (before `mqttClosed`). */
  mqttError(session: number, text: string): void;
  /** The session's connection is closed (after a failure, a loss, or `mqttEnd`). */
  mqttClosed(session: number): void;
  /** Work under `token` is complete; `error` is '' when it succeeded. */
  mqttDone(session: number, token: number, error: string): void;
  /** A packet longer than `maxPacketBytes` arrived and was dropped unread. */
  mqttOversized(session: number, bytes: number, type: number, qos: number): void;
  /**
   * The host's console is ready (whatever it shows first, shown): a `session` console shows
   * its prompt or login, and from then on the event log's lines while someone is logged in.
   */
  consoleStart(): void;
  /** A line typed on the console (without its line ending). */
  consoleLine(line: string): void;
  /** Ctrl-C on the console: true when it interrupted something (a running command, a prompt). */
  consoleInterrupt(): boolean;
  /** Password work under `token` is complete: its result, or `error` (not '') when it failed. */
  passwordDone(token: number, result: string, error: string): void;
  /** Planned shutdown: the edge node says NDEATH and disconnects, the board is closed. */
  stop(): Promise<void>;
}

/**
 * What the image is told at boot, once (on a microcontroller: build-time settings or
 * non-volatile storage). The board itself is the image's: one image per board.
 */
export interface BootConfig {
  /**
   * The console: `script` runs each line as the scenario runner does (source `script`, the
   * whole output, then an empty prompt); `session` is a console someone sits at, with its
   * login and prompt (source `console`, or `serial` for a console on the `console` UART,
   * whose bytes the image splits into lines).
   */
  console:
    | { mode: 'script' }
    | { mode: 'session'; source: 'console' | 'serial'; login: boolean; idleMs: number; prompt: string };
  /** The bridge UART's speed (for answer deadlines); the board's own when absent. */
  bridgeBaud?: number;
  /** Keep the configuration in the flash partition (two checksummed copies and the rollback history). */
  flashConfig?: boolean;
  /** The Sparkplug B edge node; absent: telemetry off. */
  telemetry?: {
    group: string;
    node: string;
    /** The broker as log lines name it (password masked): the host holds the real address. */
    brokerLabel: string;
    periodMs: number;
    primaryHost?: string;
    maxBackoffMs?: number;
  };
  /**
   * The host hashes passwords (group 8). Absent or false: `user add` and `passwd` are
   * refused and no login succeeds.
   */
  passwords?: boolean;
  /** The role remote commands run with, over the saved setting (`mqtt-commands`). */
  remoteRole?: 'none' | 'read' | 'operate' | 'admin';
}

/** What `boot` says once the firmware is up: the lines a start banner shows. */
export interface BootReport {
  /** The bridge microcontroller's firmware version, where the switch is behind one. */
  bridgeVersion?: string;
  /** What loading the saved configuration said (which copy, damaged copies, refused lines). */
  configLines: string[];
  /** The edge node, as the banner names it (`telemetry: Sparkplug B edge node ...`), or that it is off. */
  telemetry: string;
  /** The role remote commands run with (the saved `mqtt-commands`, or the boot setting over it). */
  remoteRole: string;
  /** The port table (`show ports`). */
  portTable: string;
}

/**
 * The image's one global, `bondfwImage`: `boot` brings the firmware up over `host` and returns
 * its entry points at once (the host may need to deliver bridge bytes and timers before the
 * boot is done); `booted` settles when it is up, or rejects with why it could not start.
 */
export interface EngineImage {
  /** The board this image is built for. */
  readonly board: string;
  boot(host: EngineHost, config: BootConfig): { guest: EngineGuest; booted: Promise<BootReport> };
}
