/**
 * Hardware LAG is a capability a switch family may lack: on the Marvell board an 802.3ad bond
 * programs the switch's trunk tables, on the MediaTek board (no LAG offload in any public
 * source) it does not, and says so at boot and in `show bond`. Frames cross the bond either
 * way.
 */
import test from 'ava';
import { simGw4 } from '../boards/sim-gw4.ts';
import { simMt7531 } from '../boards/sim-mt7531.ts';
import { bootTest, type TestSystem } from './helpers/sim.ts';

async function lacpBond(s: TestSystem): Promise<void> {
  for (const l of [
    'modprobe bonding mode=802.3ad miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4',
    'ifconfig bond0 192.168.1.1 netmask 255.255.255.0 up',
    'ifenslave bond0 eth0 eth1',
    'sim lacp eth0 active fast',
    'sim lacp eth1 active fast',
    'sim wait 4s',
  ]) {
    const out = await s.run(l);
    if (out.startsWith('error')) throw new Error(`${l}: ${out}`);
  }
}

test.serial('sim-gw4: the bond programs switch LAG 1 and show bond says which ports distribute', async (t) => {
  const s = await bootTest(simGw4);
  t.notRegex(await s.run('log'), /no hardware LAG/);
  await lacpBond(s);
  t.regex(await s.run('show bond bond0'), /\n {2}switch LAG: 1, distributing on eth0 eth1\n/);
  t.deepEqual(JSON.parse(await s.run('show bond bond0 json')).switchLag, { id: 1, ports: ['eth0', 'eth1'] });
  t.regex(await s.run('log'), /bond0: switch trunk 1: eth0 eth1/);
  t.regex(await s.run('ping -c 5 192.168.1.100'), /5 packets transmitted, 5 received, 0% packet loss/);
});

test.serial('sim-mt7531: no hardware LAG, said at boot and in show bond; the bond carries traffic through the CPU port', async (t) => {
  const s = await bootTest(simMt7531);
  t.regex(await s.run('log'), /mt7530: no hardware LAG on the MT7531: bonds forward through the CPU port/);
  await lacpBond(s);
  t.regex(await s.run('show bond bond0'), /\n {2}switch LAG: none: the switch has no hardware LAG, so the bond's frames all go through the CPU port\n/);
  t.is(JSON.parse(await s.run('show bond bond0 json')).switchLag, null);
  t.notRegex(await s.run('log'), /switch trunk/);
  t.regex(await s.run('ping -c 5 192.168.1.100'), /5 packets transmitted, 5 received, 0% packet loss/);
  // Both members carry frames, hashed by the bond itself.
  await s.run('sim stream start bond0 rate 400 flows 16');
  await s.run('sim wait 2s');
  const out = await s.run('sim stream stop');
  t.regex(out, /^sent (\d+) received \1 lost 0 duplicated 0 reordered 0$/m);
  const tx = await s.run('show bond bond0 json');
  const slaves = JSON.parse(tx).slaveDetails as { name: string; txFrames: number }[];
  t.true(slaves.every((x) => x.txFrames > 50), JSON.stringify(slaves));
});

test('a bond that is not 802.3ad shows no switch LAG line', async (t) => {
  const s = await bootTest(simGw4);
  await s.run('modprobe bonding mode=active-backup miimon=100');
  await s.run('ifconfig bond0 up');
  await s.run('ifenslave bond0 eth0 eth1');
  t.notRegex(await s.run('show bond bond0'), /switch LAG/);
  t.false('switchLag' in JSON.parse(await s.run('show bond bond0 json')));
});
