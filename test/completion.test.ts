/** Tab completion for interactive consoles. */
import test from 'ava';
import { complete } from '../firmware/console/completion.ts';
import { bootTest } from './helpers/sim.ts';
import { SCENARIO_BOARDS, onBoard } from './helpers/boards.ts';

for (const board of SCENARIO_BOARDS) {
  test(onBoard(board, 'completes commands, subcommands, devices and virtual file paths'), async (t) => {
    const s = await bootTest(board);
    const c = (line: string) => complete(line, s.firmware.dispatcher, s.firmware.net);
    t.deepEqual(c('mod'), [['modprobe'], 'mod']);
    t.deepEqual(c('show b')[0], ['bond', 'bonds']);
    t.deepEqual(c('ifconfig et')[0], ['eth0', 'eth1', 'eth2', 'eth3']);
    await s.run('modprobe bonding');
    t.deepEqual(c('cat /proc/net/bonding/')[0], ['/proc/net/bonding/bond0']);
    t.true(c('echo 1 > /sys/class/net/bond0/bonding/mi')[0].includes('/sys/class/net/bond0/bonding/miimon'));
    t.true(c('modprobe bonding mi')[0].includes('miimon='));
    t.deepEqual(c('zzz')[0], []);
  });
}
