/**
 * Runs the portable core bundle (dist/bondfw-core.js) inside QuickJS, under a memory limit,
 * with two 802.3ad bonds of two ports each wired back to back in the guest, and reports
 * whether LACP converged and the peak heap. `npm run test:quickjs` prints the BENCH lines.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getQuickJS } from 'quickjs-emscripten';
import { buildCore } from './build-core.ts';

/** The guest program: plain JavaScript over the bundle's `bondfw` global. */
const GUEST = `
(async () => {
  const clock = new bondfw.VirtualClock();
  const log = new bondfw.EventLog(clock, 32);
  const env = (seed) => ({ clock, log, random: new bondfw.SeededRandom(seed), deliver() {}, notifyPeers() {}, arpRoute() { return undefined; }, hasIp() { return false; } });
  const port = (name, last) => ({
    name, mac: Uint8Array.of(2, 0, 0, 0, 0, last), adminUp: false, carrier: true, speed: 1000, duplex: 'full', mtu: 1500,
    master: undefined, promiscuity: 0, allmulti: 0, peer: null, bond: null,
    setMac(m) { this.mac = m.slice(); }, async setAdminUp(u) { this.adminUp = u; }, async probeLink() { return this.adminUp && this.carrier; },
    send(f, n) {
      const copy = f.slice(0, n), peer = this.peer;
      clock.setTimer(0, () => { const s = peer.bond.slave(peer.name); if (s) peer.bond.receive(s, copy, n); });
      return true;
    },
    countRxDropped() {},
  });
  const bonds = ['a', 'b'].map((side, i) => {
    const b = new bondfw.Bond('bond' + side, env(i + 1));
    for (const [o, v] of [['mode', '802.3ad'], ['lacp_rate', 'fast'], ['miimon', '100'], ['xmit_hash_policy', 'layer3+4']]) b.setOptionText(o, v);
    b.open();
    return b;
  });
  const ports = [[port('a0', 0xa0), port('a1', 0xa1)], [port('b0', 0xb0), port('b1', 0xb1)]];
  for (let i = 0; i < 2; i++) {
    ports[0][i].peer = ports[1][i]; ports[1][i].peer = ports[0][i];
    ports[0][i].bond = bonds[0]; ports[1][i].bond = bonds[1];
  }
  for (let i = 0; i < 2; i++) { await bonds[0].enslave(ports[0][i]); await bonds[1].enslave(ports[1][i]); }
  const states = [];
  for (let t = 0; t < 60; t++) {
    await clock.advance(100);
    if (t === 29) states.push(bonds.map((b) => b.modeExtension.lacp.ports.map((p) => p.actor.state & 0x3f)));
  }
  states.push(bonds.map((b) => b.modeExtension.lacp.ports.map((p) => p.actor.state & 0x3f)));
  return JSON.stringify({ states, usable: bonds.map((b) => b.usableSlaves.length), proc: bondfw.formatProcBonding(bonds[0], 'quickjs').split('\\n').length });
})()
`;

export interface QuickJsResult {
  states: number[][][];
  usable: number[];
  proc: number;
  peakHeapBytes: number;
  bundleBytes: number;
}

export async function runCoreInQuickJs(memoryLimit = 2 * 1024 * 1024): Promise<QuickJsResult> {
  const built = await buildCore();
  const QuickJS = await getQuickJS();
  const rt = QuickJS.newRuntime();
  rt.setMemoryLimit(memoryLimit);
  rt.setMaxStackSize(512 * 1024);
  const vm = rt.newContext();
  let peak = 0;
  const sample = (): void => {
    const h = rt.computeMemoryUsage();
    const usage = vm.dump(h) as { memory_used_size?: number; malloc_size?: number };
    h.dispose();
    peak = Math.max(peak, usage.memory_used_size ?? usage.malloc_size ?? 0);
  };
  try {
    const loaded = vm.evalCode(readFileSync(built.path, 'utf8'), 'bondfw-core.js');
    vm.unwrapResult(loaded).dispose();
    sample();
    const run = vm.unwrapResult(vm.evalCode(GUEST, 'guest.js'));
    // Guest promises settle as their jobs run.
    let state = vm.getPromiseState(run);
    for (let i = 0; i < 1_000_000 && state.type === 'pending'; i++) {
      const r = rt.executePendingJobs(64);
      if (r.error) {
        const e = vm.dump(r.error);
        r.error.dispose();
        throw new Error(`guest job failed: ${JSON.stringify(e)}`);
      }
      if (i % 64 === 0) sample();
      state = vm.getPromiseState(run);
    }
    sample();
    if (state.type === 'rejected') {
      const e = vm.dump(state.error);
      state.error.dispose();
      throw new Error(`guest failed: ${JSON.stringify(e)}`);
    }
    if (state.type !== 'fulfilled') throw new Error('guest did not finish');
    const text = vm.dump(state.value) as string;
    state.value.dispose();
    run.dispose();
    return { ...(JSON.parse(text) as Omit<QuickJsResult, 'peakHeapBytes' | 'bundleBytes'>), peakHeapBytes: peak, bundleBytes: built.bytes };
  } finally {
    vm.dispose();
    rt.dispose();
  }
}

if (process.argv[1]?.endsWith('quickjs-core.ts')) {
  // npm run test:quickjs: the scenario scripts under Node and with the core in QuickJS, then
  // two LACP bonds back to back inside the engine alone.
  const { readdirSync, readFileSync: read } = await import('node:fs');
  const { join } = await import('node:path');
  const { runScenarioInNode, runScenarioInQuickJs } = await import('./quickjs-host.ts');
  const { simGw4 } = await import('../boards/sim-gw4.ts');
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'scenarios');
  let peak = 0;
  let failed = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.txt')).sort()) {
    const lines = read(join(dir, f), 'utf8').split('\n').filter((l) => l.trim() !== '');
    const node = await runScenarioInNode(simGw4, lines);
    const q = await runScenarioInQuickJs(simGw4, lines);
    peak = Math.max(peak, q.peakHeapBytes);
    const same = q.output === node;
    if (!same) failed++;
    process.stdout.write(`${f}: ${same ? 'identical output' : 'OUTPUT DIFFERS'} under Node and QuickJS (${lines.length} lines, peak heap ${q.peakHeapBytes} bytes)\n`);
  }
  const r = await runCoreInQuickJs();
  peak = Math.max(peak, r.peakHeapBytes);
  process.stdout.write(`two LACP bonds back to back in QuickJS: ${JSON.stringify(r.states[1])}; usable slaves ${JSON.stringify(r.usable)}\n`);
  process.stdout.write(`BENCH quickjs-peak-heap-bytes ${peak} bytes\nBENCH core-bundle-bytes ${r.bundleBytes} bytes\n`);
  process.exitCode = failed ? 1 : 0;
}
