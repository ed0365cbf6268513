/**
 * The bond's software transmit path (Bond.xmit: mode, slave choice, hash, the slave's send)
 * for each built-in mode, over 1,000,000 frames cycling through 1,024 distinct IPv4 UDP
 * frames and 4 slaves whose ports only count what they are given (the edge of the world).
 * Prints ns per frame and heap bytes per frame (should be 0: the path allocates nothing).
 */
import { VirtualClock } from '../lib/clock.ts';
import { EventLog } from '../lib/log.ts';
import { SeededRandom } from '../lib/random.ts';
import { Bond } from '../firmware/bonding/bond.ts';
import type { BondPort } from '../firmware/bonding/slave.ts';
import { buildIpv4, IPPROTO_UDP } from '../firmware/net/packets.ts';
import { bestNsPer, type Benchmark } from './types.ts';

const N = 1_000_000;
const DISTINCT = 1024;

class CountingPort implements BondPort {
  mac = Uint8Array.of(2, 0, 0, 0, 0, 0);
  adminUp = false;
  readonly carrier = true;
  readonly speed = 1000;
  readonly duplex = 'full' as const;
  mtu = 1500;
  master: string | undefined;
  promiscuity = 0;
  allmulti = 0;
  sent = 0;
  constructor(readonly name: string) {}
  setMac(mac: Uint8Array): void {
    this.mac = mac.slice();
  }
  async setAdminUp(up: boolean): Promise<void> {
    this.adminUp = up;
  }
  async probeLink(): Promise<boolean> {
    return true;
  }
  send(_frame: Uint8Array, _length: number): boolean {
    this.sent++;
    return true;
  }
  countRxDropped(): void {}
}

async function makeBond(mode: string): Promise<{ bond: Bond; ports: CountingPort[] }> {
  const clock = new VirtualClock();
  const bond = new Bond('bond0', {
    clock,
    log: new EventLog(clock),
    random: new SeededRandom(7),
    deliver: () => {},
    notifyPeers: () => {},
    arpRoute: () => undefined,
    hasIp: () => false,
  });
  bond.setOptionText('mode', mode);
  bond.setOptionText('xmit_hash_policy', 'layer3+4');
  bond.open();
  const ports = [0, 1, 2, 3].map((i) => new CountingPort(`eth${i}`));
  for (const p of ports) await bond.enslave(p);
  await clock.advance(0); // the monitor's first round; the virtual clock moves no further
  return { bond, ports };
}

export const bondXmit: Benchmark = {
  name: 'bond-xmit',
  async run(report) {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < DISTINCT; i++) {
      frames.push(buildIpv4({ dst: Uint8Array.of(2, 0, 0, 1, i >> 8, i), src: Uint8Array.of(2, 0, 0, 0, 0, 1), protocol: IPPROTO_UDP, srcIp: 0xc0a80101, dstIp: 0xc0a80100 + (i & 0xff), srcPort: 1024 + i, dstPort: 9 }));
    }
    for (const mode of ['balance-rr', 'active-backup', 'balance-xor', 'broadcast']) {
      const { bond, ports } = await makeBond(mode);
      const loop = (): void => {
        for (let i = 0; i < N; i++) {
          const f = frames[i & (DISTINCT - 1)];
          bond.xmit(f, f.length);
        }
      };
      loop();
      const ns = await bestNsPer(5, N, loop);
      report(`bond-xmit-${mode}-ns-per-frame`, ns, 'ns');
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) {
        gc();
        const before = process.memoryUsage().heapUsed;
        loop();
        const after = process.memoryUsage().heapUsed;
        report(`bond-xmit-${mode}-heap-bytes-per-frame`, Math.max(0, after - before) / N, 'bytes');
      }
      const sent = ports.map((p) => p.sent);
      if (sent.every((n) => n === 0)) throw new Error(`bond-xmit: ${mode} sent nothing`);
    }
  },
};
