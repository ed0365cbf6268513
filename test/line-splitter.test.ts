import test from 'ava';
import fc from 'fast-check';
import { LineSplitter } from '../hal/transport/line-splitter.ts';

const enc = (s: string) => new TextEncoder().encode(s);

test('CR, LF and CR LF each end one line; backspace erases', (t) => {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  s.push(enc('cat a\rcat b\ncat c\r'));
  s.push(enc('\ncat dd\x7f\x08e\r\n'));
  t.deepEqual(lines, ['cat a', 'cat b', 'cat c', 'cat e']);
});

test('overlong lines are reported, not delivered, and do not grow memory', (t) => {
  const lines: string[] = [];
  const over: number[] = [];
  const s = new LineSplitter((l) => lines.push(l), 16, (n) => over.push(n));
  s.push(enc(`${'x'.repeat(100)}\rok\r`));
  t.deepEqual(lines, ['ok']);
  t.deepEqual(over, [16]);
});

test('any byte stream splits without throwing (fuzz)', (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
      const s = new LineSplitter(() => {}, 32);
      for (const c of chunks) s.push(c);
      return true;
    }),
  );
  t.pass();
});
