import test from 'ava';
import { VirtualClock } from '../lib/clock.ts';
import { RealClock } from '../hal/clock-real.ts';
import { SeededRandom } from '../lib/random.ts';

test('virtual timers run in due order, ties in the order set, with time at their due time', async (t) => {
  const clock = new VirtualClock();
  const seen: string[] = [];
  clock.setTimer(30, () => seen.push(`c@${clock.now()}`));
  clock.setTimer(10, () => seen.push(`a@${clock.now()}`));
  clock.setTimer(10, () => seen.push(`b@${clock.now()}`));
  await clock.advance(29);
  t.deepEqual(seen, ['a@10', 'b@10']);
  t.is(clock.now(), 29);
  await clock.advance(1);
  t.deepEqual(seen, ['a@10', 'b@10', 'c@30']);
});

test('a timer set by a timer within the window also runs, exactly on time', async (t) => {
  const clock = new VirtualClock();
  const times: number[] = [];
  const tick = () => {
    times.push(clock.now());
    if (times.length < 5) clock.setTimer(200, tick);
  };
  clock.setTimer(200, tick);
  await clock.advance(1000);
  t.deepEqual(times, [200, 400, 600, 800, 1000]);
});

test('cancelled timers do not run; promise chains settle between timers', async (t) => {
  const clock = new VirtualClock();
  let ran = false;
  const h = clock.setTimer(5, () => (ran = true));
  clock.cancel(h);
  const order: string[] = [];
  clock.setTimer(1, () => void Promise.resolve().then(() => Promise.resolve()).then(() => order.push('async-after-1')));
  clock.setTimer(2, () => order.push('timer-2'));
  await clock.advance(10);
  t.false(ran);
  t.deepEqual(order, ['async-after-1', 'timer-2']);
  t.is(clock.pending, 0);
});

test('advance is not re-entrant', async (t) => {
  const clock = new VirtualClock();
  const first = clock.advance(1);
  await t.throwsAsync(() => clock.advance(1), { message: /re-entrant/ });
  await first;
});

test('seeded random is repeatable and in range', (t) => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const xs = Array.from({ length: 100 }, () => a.below(7));
  t.deepEqual(xs, Array.from({ length: 100 }, () => b.below(7)));
  t.true(xs.every((x) => x >= 0 && x < 7));
  t.true(new Set(xs).size === 7);
  t.throws(() => a.below(0));
});

test('drive moves time only as far as the work needs', async (t) => {
  const clock = new VirtualClock();
  const delay = (ms: number) => new Promise<void>((r) => clock.setTimer(ms, r));
  clock.setTimer(1000, () => {}); // unrelated, later
  const result = await clock.drive((async () => {
    await delay(3);
    await delay(4.5);
    return 'done';
  })());
  t.is(result, 'done');
  t.is(clock.now(), 7.5);
  const tick = () => void clock.setTimer(100, tick); // a periodic poll keeps time moving
  tick();
  await t.throwsAsync(clock.drive(new Promise(() => {}), 5000), { message: /not done after 5000 ms/ });
  const c2 = new VirtualClock();
  await t.throwsAsync(c2.drive(new Promise(() => {})), { message: /waiting on nothing/ });
});

test('real timers shorter than Node resolves are never early, run in due order, and cancel', async (t) => {
  // Time stands still while the timers are set, so their order is fixed however slowly the
  // test runs; then it moves with the wall clock again.
  let held: number | undefined = performance.now();
  const clock = new RealClock({ time: () => held ?? performance.now() });
  const seen: { name: string; late: number }[] = [];
  const at = (name: string, ms: number) => {
    const due = clock.now() + ms;
    return clock.setTimer(ms, () => seen.push({ name, late: clock.now() - due }));
  };
  at('c', 1.5);
  at('a', 0.2);
  const gone = at('x', 0.5);
  at('b', 0.7);
  at('d', 3);
  clock.cancel(gone);
  held = undefined;
  await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(seen.map((s) => s.name), ['a', 'b', 'c', 'd']);
  for (const s of seen) t.true(s.late >= 0, `${s.name} ran ${-s.late} ms early`);
  // Cancelled from within the wait, and all of them at shutdown.
  let ran = 0;
  clock.setTimer(0.3, () => ran++);
  clock.setTimer(5, () => ran++);
  clock.cancelAll();
  await new Promise((r) => setTimeout(r, 20));
  t.is(ran, 0);
});
