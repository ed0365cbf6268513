/**
 * Scenario scripts against the firmware core running inside QuickJS: the emulated board
 * (registers, cables, link partner, hosts) and the `sim` commands stay here in Node, in
 * virtual time; the core (firmware/quickjs/guest.ts, from the dist/bondfw-core.js bundle)
 * runs in the engine under a memory limit. Frames, port state, timers and console lines
 * cross the boundary. The output has the scenario runner's format, so it can be compared
 * line for line with the same script run under Node.
 */
import { readFileSync } from 'node:fs';
import { getQuickJS, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime } from 'quickjs-emscripten';
import { VirtualClock } from '../lib/clock.ts';
import { EventLog } from '../lib/log.ts';
import { Dispatcher } from '../firmware/console/dispatcher.ts';
import { Board } from '../hal/board.ts';
import { nodeSettle } from '../hal/clock-real.ts';
import { SimHardware } from '../sim/hardware.ts';
import { registerSimCommands } from '../sim/commands.ts';
import { bootSim, runScenarioLine } from '../sim/boot.ts';
import { PortDevice } from '../firmware/net/port-device.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { buildCore } from './build-core.ts';

const noCapture = () => ({ write() {}, close() {} });

/** Runs `lines` under Node (the normal firmware), in the scenario runner's output format. */
export async function runScenarioInNode(def: BoardDefinition, lines: readonly string[]): Promise<string> {
  const clock = new VirtualClock(nodeSettle);
  const sys = await bootSim(def, clock, { bridge: 'none', autonegMs: 0, wait: (ms) => clock.advance(ms), openCapture: noCapture, drive: (w) => clock.drive(w) });
  let out = '';
  for (const line of lines) {
    out += `> ${line}\n`;
    const output = await runScenarioLine(sys.firmware, clock, line);
    if (output) out += `${output}\n`;
  }
  sys.firmware.stop();
  return out;
}

const SHIM = `
globalThis.__guest = new bondfw.Guest({
  now: () => __h.now(),
  setTimer: (id, ms) => __h.setTimer(id, ms),
  cancelTimer: (id) => __h.cancelTimer(id),
  log: (level, time, text) => __h.log(level, time, text),
  send: (i, f) => __h.send(i, f.buffer.slice(f.byteOffset, f.byteOffset + f.length)),
  portState: (i) => JSON.parse(__h.portState(i)),
  setAdminUp: (i, up) => __h.setAdminUp(i, up),
  probeLink: (i, c) => __h.probeLink(i, c),
}, JSON.parse(__h.ports()).map((p) => ({ name: p.name, permanentMac: Uint8Array.from(p.mac) })));
globalThis.__recv = (i, ab) => __guest.receive(i, new Uint8Array(ab));
globalThis.__changed = () => __guest.portChanged();
globalThis.__fire = (id) => __guest.fire(id);
globalThis.__exec = (line) => __guest.execute(line);
`;

export interface QuickJsScenarioResult {
  output: string;
  peakHeapBytes: number;
}

/** Runs `lines` with the core inside QuickJS under `memoryLimit` bytes. */
export async function runScenarioInQuickJs(def: BoardDefinition, lines: readonly string[], memoryLimit = 2 * 1024 * 1024): Promise<QuickJsScenarioResult> {
  const bundle = readFileSync((await buildCore()).path, 'utf8');
  const QuickJS = await getQuickJS();
  const rt: QuickJSRuntime = QuickJS.newRuntime();
  rt.setMemoryLimit(memoryLimit);
  rt.setMaxStackSize(512 * 1024);
  const vm: QuickJSContext = rt.newContext();
  let peak = 0;
  const sample = (): void => {
    const h = rt.computeMemoryUsage();
    const u = vm.dump(h) as { memory_used_size?: number };
    h.dispose();
    peak = Math.max(peak, u.memory_used_size ?? 0);
  };
  const jobs = (): void => {
    for (;;) {
      const r = rt.executePendingJobs(-1);
      if (r.error) {
        const e = vm.dump(r.error);
        r.error.dispose();
        throw new Error(`guest job failed: ${JSON.stringify(e)}`);
      }
      if (r.value === 0) break;
    }
  };

  // The board, in virtual time, as bootSim makes it (registers wired straight, no bridge).
  const clock = new VirtualClock(nodeSettle);
  const hw = new SimHardware(def, clock, { autonegMs: 0 });
  const log = new EventLog(clock);
  const board = await clock.drive(Board.open(def, hw.bus, hw.conduit, clock, log));
  const sim = new Dispatcher();
  registerSimCommands(sim, { hw, wait: (ms) => clock.advance(ms), openCapture: noCapture });

  const timers = new Map<number, number>();
  const call = (name: string, ...args: QuickJSHandle[]): QuickJSHandle => {
    const fn = vm.getProp(vm.global, name);
    const r = vm.callFunction(fn, vm.undefined, ...args);
    fn.dispose();
    for (const a of args) a.dispose();
    return vm.unwrapResult(r);
  };
  const h = vm.newObject();
  const def_ = (name: string, fn: (...args: QuickJSHandle[]) => QuickJSHandle | void) => {
    const f = vm.newFunction(name, fn);
    vm.setProp(h, name, f);
    f.dispose();
  };
  // Port devices over the board, as the Node firmware has them: state and link reads.
  const devices = board.ports.map((p) => new PortDevice(board, p));
  def_('now', () => vm.newNumber(clock.now()));
  def_('ports', () => vm.newString(JSON.stringify(board.ports.map((p) => ({ name: p.name, mac: [...p.permanentMac] })))));
  def_('setTimer', (id, ms) => {
    const n = vm.getNumber(id);
    timers.set(n, clock.setTimer(vm.getNumber(ms), () => {
      timers.delete(n);
      call('__fire', vm.newNumber(n)).dispose();
      jobs();
    }));
  });
  def_('cancelTimer', (id) => {
    const t = timers.get(vm.getNumber(id));
    if (t !== undefined) clock.cancel(t);
    timers.delete(vm.getNumber(id));
  });
  def_('log', () => {});
  def_('send', (i, ab) => {
    const bytes = vm.getArrayBuffer(ab);
    const frame = bytes.value.slice();
    bytes.dispose();
    return devices[vm.getNumber(i)].send(frame, frame.length) ? vm.true : vm.false;
  });
  def_('portState', (i) => {
    const d = devices[vm.getNumber(i)];
    return vm.newString(JSON.stringify({ carrier: d.port.carrier, adminUp: d.adminUp, speed: d.speed, duplex: d.duplex }));
  });
  const later = <T>(work: Promise<T>, wrap: (v: T) => QuickJSHandle): QuickJSHandle => {
    const d = vm.newPromise();
    work.then(
      (v) => {
        const handle = wrap(v);
        d.resolve(handle);
        handle.dispose();
        d.dispose();
        jobs();
      },
      (e: unknown) => {
        const err = vm.newError(String(e));
        d.reject(err);
        err.dispose();
        d.dispose();
        jobs();
      },
    );
    return d.handle;
  };
  def_('setAdminUp', (i, up) => later(devices[vm.getNumber(i)].setAdminUp(vm.dump(up) === true), () => vm.undefined));
  // The same register reads the Node firmware's ports make.
  def_('probeLink', (i, c) => later(devices[vm.getNumber(i)].probeLink(vm.dump(c) === true), (v) => (v ? vm.true : vm.false)));
  vm.setProp(vm.global, '__h', h);
  h.dispose();

  let output = '';
  try {
    vm.unwrapResult(vm.evalCode(bundle, 'bondfw-core.js')).dispose();
    vm.unwrapResult(vm.evalCode(SHIM, 'shim.js')).dispose();
    jobs();
    sample();
    board.setReceiver((p, frame, length) => {
      call('__recv', vm.newNumber(board.ports.indexOf(p)), vm.newArrayBuffer(frame.slice(0, length).buffer)).dispose();
      jobs();
    });
    board.onPortChange(() => {
      call('__changed').dispose();
      jobs();
    });
    board.start();
    for (const line of lines) {
      output += `> ${line}\n`;
      let text: string;
      if (/^\s*sim(\s|$)/.test(line)) {
        const r = await clock.drive(sim.execute(line, 'script'));
        text = r.output;
      } else {
        const p = call('__exec', vm.newString(line));
        jobs();
        // Let virtual time pass while the guest waits on the hardware (as clock.drive does).
        for (let guard = 0; ; guard++) {
          const st = vm.getPromiseState(p);
          if (st.type === 'fulfilled') {
            text = vm.getString(st.value);
            st.value.dispose();
            break;
          }
          if (st.type === 'rejected') {
            const e = vm.dump(st.error);
            st.error.dispose();
            throw new Error(`guest command failed: ${JSON.stringify(e)}`);
          }
          await clock.advance(0);
          jobs();
          if (vm.getPromiseState(p).type !== 'pending') continue;
          const due = clock.nextDue;
          if (due === undefined || guard > 100_000) throw new Error(`'${line}': the guest waits on nothing`);
          await clock.advance(due - clock.now());
          jobs();
        }
        p.dispose();
      }
      await clock.advance(0);
      jobs();
      sample();
      if (text) output += `${text}\n`;
    }
  } finally {
    board.close();
    for (const t of timers.values()) clock.cancel(t);
    vm.dispose();
    rt.dispose();
  }
  return { output, peakHeapBytes: peak };
}
