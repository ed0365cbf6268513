/**
 * The saved configuration in a flash partition (firmware/config/flash-copies.ts): the same
 * two checksummed copies and rollback history as the files, in erase blocks, with NOR flash's
 * rules enforced by the memory part; a write cut short by power loss, a damaged copy, a full
 * slot.
 */
import test from 'ava';
import { FlashConfig, type FlashBlocks } from '../firmware/config/flash-copies.ts';
import { MemoryFlash } from '../firmware/config/memory-flash.ts';
import { formatConfig } from '../firmware/config/generations.ts';

const LINES = ['modprobe bonding mode=active-backup miimon=100', 'ifenslave bond0 eth0 eth1'];

test('save and load: two copies, newest generation, records kept', async (t) => {
  const flash = new MemoryFlash(4096, 24);
  const store = new FlashConfig(flash);
  t.is(store.path, 'flash:config');
  t.is(store.backupPath, 'flash:config.bak');
  const empty = await store.load();
  t.deepEqual([empty.lines, empty.generation, empty.warnings, empty.error], [undefined, 0, [], undefined]);
  t.is(await store.save(LINES, ['user admin x']), 1);
  t.is(await store.save([...LINES, 'ifconfig bond0 up']), 2);
  const r = await store.load();
  t.is(r.generation, 2);
  t.deepEqual(r.lines, [...LINES, 'ifconfig bond0 up']);
  t.deepEqual(r.records, ['user admin x']);
  t.is(r.source, 'flash:config');
  // The slots hold exactly the file format, with its CRC.
  const slot = store.slotStore.slotBlocks * 4096;
  const text = new TextDecoder().decode(flash.bytes.subarray(8, 8 + (flash.bytes[4] | (flash.bytes[5] << 8))));
  t.is(text, formatConfig([...LINES, 'ifconfig bond0 up'], 2, ['user admin x'], 2));
  t.is(new TextDecoder().decode(flash.bytes.subarray(slot + 8, slot + 8 + text.length)), text);
});

test('the configuration each save replaces is kept for rollback, as many as the partition has slots for', async (t) => {
  const store = new FlashConfig(new MemoryFlash(1024, 6));
  t.is(store.history, 4, 'six blocks: two copies and four rollbacks');
  for (let g = 1; g <= 7; g++) await store.save([`echo ${g}`]);
  const h = await store.loadHistory();
  t.deepEqual(h.map((e) => [e.n, e.path, e.generation, e.lines]), [
    [1, 'flash:config.1', 6, ['echo 6']],
    [2, 'flash:config.2', 5, ['echo 5']],
    [3, 'flash:config.3', 4, ['echo 4']],
    [4, 'flash:config.4', 3, ['echo 3']],
  ]);
});

test('a damaged copy is reported and the other one used', async (t) => {
  const flash = new MemoryFlash(4096, 12);
  const store = new FlashConfig(flash);
  await store.save(LINES);
  await store.save([...LINES, 'ifconfig bond0 up']);
  // A byte of the primary copy's text lost its set bits (flash wears out that way).
  t.not(flash.bytes[8 + 40], 0);
  flash.bytes[8 + 40] = 0;
  const r = await store.load();
  t.is(r.generation, 2);
  t.is(r.source, 'flash:config.bak');
  t.deepEqual(r.warnings, ['config: flash:config: checksum mismatch (the file was changed or damaged)', 'config: using flash:config.bak (generation 2)']);
});

/** Flash that loses power after `budget` writes: every write after that is lost and throws. */
function dying(flash: MemoryFlash, budget: number): FlashBlocks & { dead: boolean } {
  let left = budget;
  const f = {
    blockSize: flash.blockSize,
    blocks: flash.blocks,
    dead: false,
    read: (b: number, o: number, n: number) => flash.read(b, o, n),
    erase: (b: number) => {
      if (f.dead) throw new Error('power lost');
      flash.erase(b);
    },
    write: (b: number, o: number, d: Uint8Array) => {
      if (left-- <= 0) f.dead = true;
      if (f.dead) throw new Error('power lost');
      flash.write(b, o, d);
    },
  };
  return f;
}

test('power lost in the middle of a save: the copy being written is damaged, the other loads', async (t) => {
  for (let budget = 0; budget < 8; budget++) {
    const flash = new MemoryFlash(256, 12);
    await new FlashConfig(flash).save(LINES);
    const cut = dying(flash, budget);
    await t.throwsAsync(new FlashConfig(cut).save([...LINES, 'ifconfig bond0 up']), { message: 'power lost' });
    const r = await new FlashConfig(flash).load();
    t.truthy(r.lines, `cut after ${budget} writes: a copy loads`);
    t.true(r.generation === 1 || r.generation === 2);
    t.is(r.error, undefined);
  }
});

test('a write cut short before its header is damaged, not absent', async (t) => {
  const flash = new MemoryFlash(256, 4);
  const store = new FlashConfig(flash);
  await store.save(LINES);
  // The backup slot erased and its text programmed, the header never written.
  const slot = store.slotStore.slotBlocks;
  flash.erase(slot);
  flash.write(slot, 8, new TextEncoder().encode('# bondfw configuration, generation 2\n'));
  const r = await store.load();
  t.is(r.source, 'flash:config');
  t.deepEqual(r.warnings, ['config: flash:config.bak: write cut short (no header)', 'config: using flash:config (generation 1)']);
});

test('a configuration larger than a slot is refused and nothing is written', async (t) => {
  const flash = new MemoryFlash(256, 4);
  const store = new FlashConfig(flash);
  await store.save(LINES);
  const before = flash.bytes.slice();
  await t.throwsAsync(store.save(Array.from({ length: 40 }, (_, i) => `echo ${i} > /sys/class/net/bond0/bonding/miimon`)), { message: /configuration too large for its flash slot \(\d+ bytes; at most 248\)/ });
  t.deepEqual(flash.bytes.subarray(0, 512), before.subarray(0, 512), 'both copies as they were');
  t.is((await store.load()).generation, 1);
});

test('the memory part keeps NOR rules: programming without an erase is refused', (t) => {
  const flash = new MemoryFlash(16, 2);
  flash.write(0, 0, Uint8Array.of(0x0f));
  t.throws(() => flash.write(0, 0, Uint8Array.of(0xf0)), { message: /programmed again without an erase/ });
  flash.erase(0);
  flash.write(0, 0, Uint8Array.of(0xf0));
  t.is(flash.read(0, 0, 1)[0], 0xf0);
  t.throws(() => new FlashConfig(new MemoryFlash(16, 1)), { message: /cannot hold two configuration copies/ });
});
