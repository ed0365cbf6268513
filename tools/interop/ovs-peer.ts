/**
 * Open vSwitch as `interop:lacp`'s independent partner, through ../shared/tools/lacp-peer.sh
 * (which runs a private OVS in its own network namespace and bonds the given interfaces with
 * LACP), extended from here without touching the script: an internal port with an address on
 * OVS's bridge, the bond's settings, per-member interface counters, and programs run inside
 * the namespace. Nothing here blocks: the firmware's timers must keep running meanwhile.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface RunResult {
  status: number | null;
  out: string;
}

/** Runs a program to its end without blocking the event loop. */
export function run(cmd: string, args: readonly string[], env?: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env } });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    p.on('error', (e) => resolve({ status: -1, out: e.message }));
    p.on('close', (status) => resolve({ status, out: out.trim() }));
  });
}

export async function runOk(cmd: string, args: readonly string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.out}`);
  return r.out;
}

/** One member's frames as its interface counts them (inside OVS's namespace). */
export interface MemberCounters {
  rx: number;
  tx: number;
}

export class OvsPeer {
  /** lacp-peer.sh's names for this instance (see the script). */
  readonly bridge: string;
  readonly bondPort: string;
  private readonly runDir: string;
  netns = '';

  constructor(
    private readonly script: string,
    readonly name: string,
    readonly members: readonly string[],
  ) {
    this.bridge = `lpbr${name}`;
    this.bondPort = `lpbond${name}`;
    this.runDir = `/tmp/lacp-peer-ovs-${name}`;
  }

  private peer(args: string[], env?: Record<string, string>): Promise<RunResult> {
    return run(this.script, [args[0], this.name, ...args.slice(1)], env);
  }

  async start(env: Record<string, string>): Promise<string> {
    const r = await this.peer(['start', ...this.members], env);
    if (r.status !== 0) throw new Error(`OVS did not start: ${r.out}`);
    this.netns = readFileSync(`${this.runDir}/netns`, 'utf8').trim();
    return r.out;
  }

  state(): Promise<RunResult> {
    return this.peer(['state']);
  }

  wait(seconds: number): Promise<RunResult> {
    return this.peer(['wait', String(seconds)]);
  }

  show(): Promise<RunResult> {
    return this.peer(['show']);
  }

  appctl(...args: string[]): Promise<RunResult> {
    return this.peer(['appctl', ...args]);
  }

  async vsctl(...args: string[]): Promise<string> {
    const r = await this.peer(['vsctl', ...args]);
    if (r.status !== 0) throw new Error(`ovs-vsctl ${args.join(' ')}: ${r.out}`);
    return r.out;
  }

  /** A command inside OVS's namespace. */
  exec(cmd: string, args: readonly string[]): Promise<RunResult> {
    return run('ip', ['netns', 'exec', this.netns, cmd, ...args]);
  }

  /**
   * An OVS internal port on the bridge with an address: OVS's own host on the aggregate. With
   * the userspace datapath the port is a tap device in the namespace vswitchd runs in.
   */
  async addHost(port: string, cidr: string): Promise<void> {
    await this.vsctl('add-port', this.bridge, port, '--', 'set', 'interface', port, 'type=internal');
    for (let i = 0; i < 50; i++) {
      if ((await run('ip', ['-n', this.netns, 'link', 'show', port])).status === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await runOk('ip', ['-n', this.netns, 'addr', 'add', cidr, 'dev', port]);
    await runOk('ip', ['-n', this.netns, 'link', 'set', port, 'up']);
  }

  /** Interface counters of the bond's members, read in the namespace. */
  async memberCounters(): Promise<MemberCounters[]> {
    const out = await runOk('ip', ['-n', this.netns, '-s', '-j', 'link', 'show']);
    const links = JSON.parse(out) as { ifname: string; stats64?: { rx: { packets: number }; tx: { packets: number } } }[];
    return this.members.map((m) => {
      const l = links.find((x) => x.ifname === m);
      if (!l?.stats64) throw new Error(`no counters for ${m} in ${this.netns}`);
      return { rx: l.stats64.rx.packets, tx: l.stats64.tx.packets };
    });
  }

  /**
   * How many of the balance-tcp bond's hash buckets each member carries, from `bond/show`
   * (a bucket is listed once traffic has used it).
   */
  async bucketsPerMember(): Promise<number[]> {
    const r = await this.appctl('bond/show', this.bondPort);
    if (r.status !== 0) throw new Error(`bond/show: ${r.out}`);
    const counts = this.members.map(() => 0);
    let member = -1;
    for (const line of r.out.split('\n')) {
      const m = /^member (\S+): /.exec(line);
      if (m) member = this.members.indexOf(m[1]);
      else if (member >= 0 && /^\s+hash \d+:/.test(line)) counts[member]++;
    }
    return counts;
  }

  stopSync(): void {
    spawnSync(this.script, ['stop', this.name], { stdio: 'ignore' });
  }
}

/** udp-peer.ts running in the namespace, driven by JSON lines. */
export class NsTraffic {
  private readonly child: ChildProcess;
  private readonly waiting: ((o: Record<string, unknown>) => void)[] = [];
  private stderr = '';

  constructor(peer: OvsPeer, program: string, listenIp: string, listenPort: number, cwd: string) {
    this.child = spawn('ip', ['netns', 'exec', peer.netns, process.execPath, '--import', 'tsx/esm', program, listenIp, String(listenPort)], {
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.waiting.shift()?.(JSON.parse(line) as Record<string, unknown>));
  }

  /** Resolves with the next answer (the first is {"ready":true}). */
  next(ms = 10000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`udp-peer: no answer in ${ms} ms ${this.stderr.trim()}`)), ms);
      this.waiting.push((o) => {
        clearTimeout(t);
        if (typeof o.error === 'string') reject(new Error(`udp-peer: ${o.error}`));
        else resolve(o);
      });
    });
  }

  ask(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = this.next();
    this.child.stdin!.write(`${JSON.stringify(cmd)}\n`);
    return answer;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }
}
