/**
 * The bonding HOWTO's example configurations (sections 3.3, 3.4 and 7.2), typed verbatim on
 * the console (the lines that load NIC drivers or edit init scripts aside), and what the
 * HOWTO says they do.
 */
import test from 'ava';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';

async function script(s: TestSystem, text: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const line of text.trim().split('\n')) out.set(line, await s.run(line));
  return out;
}

const mac = (s: TestSystem, dev: string) => s.run(`cat /sys/class/net/${dev}/address`);

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'HOWTO 3.3: balance-alb with ifenslave'), async (t) => {
    const s = await bootTest(board);
    const out = await script(s, `
modprobe bonding mode=balance-alb miimon=100
ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up
ifenslave bond0 eth0
ifenslave bond0 eth1`);
    for (const [line, o] of out) t.is(o, '', line);
    await s.run('sim wait 1s');
    const proc = await s.run('cat /proc/net/bonding/bond0');
    t.regex(proc, /Bonding Mode: adaptive load balancing\nPrimary Slave: None\nCurrently Active Slave: eth0\nMII Status: up\nMII Polling Interval \(ms\): 100/);
    t.regex(proc, /Slave Interface: eth0\nMII Status: up[^]*Slave Interface: eth1\nMII Status: up/);
    // HOWTO 4.2: every mode but tlb and alb gives the slaves the bond's address; alb does not.
    t.is(await mac(s, 'bond0'), await mac(s, 'eth0'));
    t.not(await mac(s, 'eth1'), await mac(s, 'eth0'));
    t.regex(await s.run('ifconfig bond0'), /inet addr:192\.168\.1\.1 {2}Bcast:192\.168\.1\.255 {2}Mask:255\.255\.255\.0\n {10}UP BROADCAST RUNNING MASTER MULTICAST/);
    // To shut down: the bond down, then the module out.
    t.is(await s.run('ifconfig bond0 down'), '');
    t.is(await s.run('rmmod bonding'), '');
    t.is(await s.run('ifconfig bond0'), "error: ifconfig: bond0: no such device (devices: eth0, eth1, eth2, eth3)");
  });

  test(onBoard(board, 'HOWTO 3.4: two bonds through sysfs, balance-alb with MII and active-backup with ARP'), async (t) => {
    const s = await bootTest(board);
    const out = await script(s, `
modprobe bonding
echo balance-alb > /sys/class/net/bond0/bonding/mode
ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up
echo 100 > /sys/class/net/bond0/bonding/miimon
echo +eth0 > /sys/class/net/bond0/bonding/slaves
echo +eth1 > /sys/class/net/bond0/bonding/slaves
echo +bond1 > /sys/class/net/bonding_masters
echo active-backup > /sys/class/net/bond1/bonding/mode
ifconfig bond1 192.168.2.1 netmask 255.255.255.0 up
echo +192.168.2.100 /sys/class/net/bond1/bonding/arp_ip_target
echo 2000 > /sys/class/net/bond1/bonding/arp_interval
echo +eth2 > /sys/class/net/bond1/bonding/slaves
echo +eth3 > /sys/class/net/bond1/bonding/slaves`);
    for (const [line, o] of out) {
      if (line.startsWith('echo +192.168.2.100 /sys')) {
        // The HOWTO's line has no '>': echo prints its words, as a shell would.
        t.is(o, '+192.168.2.100 /sys/class/net/bond1/bonding/arp_ip_target');
      } else t.is(o, '', line); // what bond_option_arp_interval_set says is debug only: nothing

    }
    t.is(await s.run('cat /sys/class/net/bonding_masters'), 'bond0 bond1');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/mode'), 'balance-alb 6');
    t.is(await s.run('cat /sys/class/net/bond1/bonding/mode'), 'active-backup 1');
    t.is(await s.run('cat /sys/class/net/bond1/bonding/slaves'), 'eth2 eth3');
    t.is(await s.run('cat /sys/class/net/bond1/bonding/arp_interval'), '2000');
    t.is(await s.run('cat /sys/class/net/bond1/bonding/miimon'), '0');
    // "The bond interface must be down before the mode can be changed" (3.4).
    t.is(await s.run('echo 6 > /sys/class/net/bond1/bonding/mode'), 'error: bond1: option mode: unable to set because the bond device has slaves');
    // "To free slave eth0 from bond bond0" and the master link.
    t.is(await s.run('echo -eth0 > /sys/class/net/eth0/master/bonding/slaves'), '');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/slaves'), 'eth1');
    // "To add ARP targets", then "To remove an ARP target" (3.4).
    await s.run('echo +192.168.0.100 > /sys/class/net/bond1/bonding/arp_ip_target');
    await s.run('echo +192.168.0.101 > /sys/class/net/bond1/bonding/arp_ip_target');
    await s.run('echo -192.168.0.100 > /sys/class/net/bond1/bonding/arp_ip_target');
    t.is(await s.run('cat /sys/class/net/bond1/bonding/arp_ip_target'), '192.168.0.101');
    // "To configure bond0 for balance-alb mode" with the bond down and empty.
    await s.run('echo -eth1 > /sys/class/net/bond0/bonding/slaves');
    t.is(await s.run('ifconfig bond0 down'), '');
    t.is(await s.run('echo 6 > /sys/class/net/bond0/bonding/mode'), '');
    t.is(await s.run('echo 1000 > /sys/class/net/bond0/bonding/miimon'), '');
    t.regex(await s.run('cat /proc/net/bonding/bond0'), /MII Polling Interval \(ms\): 1000/);
  });

  test(onBoard(board, 'HOWTO 7.2: several ARP targets, comma separated, as module options'), async (t) => {
    const s = await bootTest(board);
    t.is(await s.run('modprobe bonding arp_interval=60 arp_ip_target=192.168.0.1,192.168.0.3,192.168.0.9'), '');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/arp_ip_target'), '192.168.0.1 192.168.0.3 192.168.0.9');
    t.is(await s.run('cat /sys/class/net/bond0/bonding/arp_interval'), '60');
    await s.run('ifconfig bond0 192.168.0.2 netmask 255.255.255.0 up');
    await s.run('ifenslave bond0 eth0 eth1');
    await s.run('sim wait 1s');
    t.regex(await s.run('cat /proc/net/bonding/bond0'), /ARP Polling Interval \(ms\): 60\nARP Missed Max: 2\nARP IP target\/s \(n\.n\.n\.n form\): 192\.168\.0\.1, 192\.168\.0\.3, 192\.168\.0\.9\n/);
    // The monitor probes every target through every slave (balance-rr), from the bond's address.
    t.true(s.hw.world.stats(0).arpTx >= 3 * 15, `${s.hw.world.stats(0).arpTx} probes on eth0`);
    // For just a single target.
    const one = await bootTest(board);
    t.is(await one.run('modprobe bonding arp_interval=60 arp_ip_target=192.168.0.100'), '');
    t.is(await one.run('cat /sys/class/net/bond0/bonding/arp_ip_target'), '192.168.0.100');
  });
}
