/**
 * The event log under a flood: a warning or error that repeats is logged ten times, then
 * counted, with one line per window saying how often it came (the window doubling while it
 * goes on); information lines always go in; the first entries after boot stay whatever
 * follows, and the `log` command marks where entries were not kept.
 */
import test from 'ava';
import { VirtualClock } from '../lib/clock.ts';
import { EventLog, REPEAT_BURST, REPEAT_WINDOW_MAX_MS, REPEAT_WINDOW_MS, formatLogEntries } from '../lib/log.ts';
import { bootTest } from './helpers/sim.ts';

test('an error every 100 ms for an hour: ten lines, then one count per window, the window doubling', async (t) => {
  const clock = new VirtualClock();
  const log = new EventLog(clock);
  const seen: string[] = [];
  log.subscribe((e) => seen.push(`${e.time} ${e.text}`));
  for (let i = 0; i < 36_000; i++) {
    log.error('mdio bridge: a request went unanswered');
    await clock.advance(100);
  }
  await clock.advance(REPEAT_WINDOW_MAX_MS); // the last window says its count
  const lines = log.tail().map((e) => e.text);
  t.is(lines.filter((l) => l === 'mdio bridge: a request went unanswered').length, REPEAT_BURST);
  const counts = lines.filter((l) => / \(repeated \d+ times\)$/.test(l));
  // 5 s, 10 s, 20 s, ... up to 300 s: a handful of lines for an hour.
  t.true(counts.length >= 12 && counts.length <= 20, `${counts.length} count lines`);
  t.is(counts[0], `mdio bridge: a request went unanswered (repeated ${REPEAT_WINDOW_MS / 100 - REPEAT_BURST} times)`);
  t.is(counts[1], 'mdio bridge: a request went unanswered (repeated 100 times)', 'the second window is twice as long');
  const total = REPEAT_BURST + counts.reduce((n, l) => n + Number(/repeated (\d+) times/.exec(l)![1]), 0);
  t.is(total, 36_000, 'every copy is either logged or counted');
  t.is(seen.length, lines.length, 'listeners hear what is logged, no more');
  t.is(log.suppressed, total - REPEAT_BURST);
});

test('information lines are never counted away; different texts are followed apart; a pause ends a run', async (t) => {
  const clock = new VirtualClock();
  const log = new EventLog(clock);
  for (let i = 0; i < 30; i++) {
    log.info('eth0: link down');
    log.warn('a');
    log.warn('b');
  }
  t.is(log.tail().filter((e) => e.text === 'eth0: link down').length, 30);
  t.is(log.tail().filter((e) => e.text === 'a').length, REPEAT_BURST);
  t.is(log.tail().filter((e) => e.text === 'b').length, REPEAT_BURST);
  await clock.advance(REPEAT_WINDOW_MS);
  t.deepEqual(log.tail().slice(-2).map((e) => e.text), ['a (repeated 20 times)', 'b (repeated 20 times)']);
  await clock.advance(2 * REPEAT_WINDOW_MS + 1); // a window with no copy ends the run
  log.warn('a');
  t.is(log.tail()[log.tail().length - 1].text, 'a', 'a new run is logged as it comes');
});

test('the first entries after boot are kept beside the newest; log marks the gap', async (t) => {
  const clock = new VirtualClock();
  const log = new EventLog(clock, 50, 10);
  for (let i = 0; i < 500; i++) log.info(`line ${i}`);
  const all = log.tail();
  t.is(all.length, 60);
  t.deepEqual(all.slice(0, 10).map((e) => e.text), Array.from({ length: 10 }, (_, i) => `line ${i}`));
  t.is(all[10].text, 'line 450');
  t.is(log.dropped, 440);
  const text = formatLogEntries(all);
  t.is(text[10], '-- 440 entries not kept --');
  t.deepEqual(log.tail(3).map((e) => e.text), ['line 497', 'line 498', 'line 499']);

  const s = await bootTest();
  for (let i = 0; i < 1500; i++) await s.run(`echo ${i % 2 ? 100 : 200} > /sys/class/net/bonding_masters`);
  const shown = (await s.run('log 2000')).split('\n');
  t.regex(shown[0], /mv88e6xxx: switch 88E6352 found at SMI address 0x10/, 'how the gateway came up is still there');
  t.true(shown.some((l) => /^-- \d+ entries not kept --$/.test(l)));
});

test('what the log keeps is the first entries and the newest ones, whatever the sizes (against a plain list)', async (t) => {
  const { default: fc } = await import('fast-check');
  fc.assert(
    fc.property(fc.nat(30), fc.nat(10), fc.array(fc.constantFrom<'info' | 'warn' | 'error'>('info', 'warn', 'error'), { maxLength: 120 }), fc.integer({ min: -2, max: 200 }), (capacity, keepFirst, levels, n) => {
      const clock = new VirtualClock();
      const log = new EventLog(clock, capacity, keepFirst);
      // Distinct texts: no repeats to count.
      levels.forEach((level, i) => {
        log.add(level, `line ${i}`);
      });
      const all = levels.map((level, i) => ({ level, text: `line ${i}`, seq: i }));
      const newest = capacity > 0 ? all.slice(Math.max(0, all.length - capacity)) : [];
      const oldest = newest.length > 0 ? newest[0].seq : all.length;
      const kept = [...all.slice(0, keepFirst).filter((e) => e.seq < oldest), ...newest];
      const want = n >= kept.length ? kept : kept.slice(Math.max(0, kept.length - Math.max(0, n)));
      const got = log.tail(n).map(({ level, text, seq }) => ({ level, text, seq }));
      t.deepEqual(got, n <= 0 ? [] : want);
      t.is(log.dropped, newest.length > 0 ? Math.max(0, oldest - Math.min(keepFirst, all.length)) : 0);
      t.deepEqual(log.tail().map((e) => e.seq), kept.map((e) => e.seq));
    }),
    { numRuns: 300 },
  );
});
