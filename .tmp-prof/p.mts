import { VirtualClock } from '../lib/clock.ts';
import { bootSim, runScenarioLine } from '../sim/boot.ts';
import { nodeSettle } from '../hal/clock-real.ts';
import { simGw4 } from '../boards/sim-gw4.ts';
import { scryptHasher } from '../firmware/config/password.ts';
const bridge = (process.argv[2] ?? 'none') as any;
const clock = new VirtualClock(nodeSettle);
const s = await bootSim(simGw4, clock, { bridge, autonegMs: 0, wait: (ms) => clock.advance(ms), drive: (w) => clock.drive(w), security: { hasher: scryptHasher({ sync: true }) }, openCapture: () => ({ write() {}, close() {} }) });
const r = (l: string) => runScenarioLine(s.firmware, clock, l);
for (const l of ['modprobe bonding mode=802.3ad miimon=100 lacp_rate=fast max_bonds=2', 'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up', 'ifenslave bond0 eth0 eth1', 'sim lacp eth0 active fast', 'sim lacp eth1 active fast',
 'echo active-backup > /sys/class/net/bond1/bonding/mode', 'echo 100 > /sys/class/net/bond1/bonding/miimon', 'ifconfig bond1 10.0.0.1 netmask 255.255.255.0 up', 'ifenslave bond1 eth2 eth3']) await r(l);
const w0 = Date.now();
await r('sim wait 3000s');
console.log(`${bridge}: 3000 s virtual in ${Date.now() - w0} ms`);
process.exit(0);
