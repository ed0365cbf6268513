import test from 'ava';
import fc from 'fast-check';
import { Dispatcher } from '../firmware/console/dispatcher.ts';
import { tokenize } from '../firmware/console/tokenize.ts';
import { UsageError } from '../lib/errors.ts';

test('tokenizer: words, quotes, redirection and comments', (t) => {
  t.deepEqual(tokenize('echo +eth0 > /sys/class/net/bond0/bonding/slaves'), ['echo', '+eth0', '>', '/sys/class/net/bond0/bonding/slaves']);
  t.deepEqual(tokenize('echo 100>/x'), ['echo', '100', '>', '/x']);
  t.deepEqual(tokenize(`echo "a b" 'c d'  # trailing comment`), ['echo', 'a b', 'c d']);
  t.deepEqual(tokenize('   # only a comment'), []);
  t.deepEqual(tokenize('a#b'), ['a#b']);
  t.throws(() => tokenize('echo "open'), { instanceOf: UsageError });
  t.throws(() => tokenize('cat \x1b[A'), { message: /control characters/ });
  t.throws(() => tokenize('x'.repeat(5000)), { message: /too long/ });
});

test('dispatcher: unknown commands and thrown usage errors give one error line', async (t) => {
  const d = new Dispatcher();
  let calls = 0;
  d.register({
    name: 'poke',
    summary: 'poke things',
    usage: 'poke <n>',
    access: 'read',
    run: (args) => {
      if (args.length !== 1) throw new UsageError('poke: usage: poke <n>');
      calls++;
      return `poked ${args[0]}`;
    },
  });
  t.deepEqual(await d.execute('poke 3', 'console'), { ok: true, output: 'poked 3' });
  t.deepEqual(await d.execute('poke', 'mqtt'), { ok: false, output: 'error: poke: usage: poke <n>' });
  t.deepEqual(await d.execute('frobnicate', 'serial'), { ok: false, output: "error: unknown command 'frobnicate' (try 'help')" });
  t.deepEqual(await d.execute('', 'script'), { ok: true, output: '' });
  t.is(calls, 1);
  const help = await d.execute('help', 'console');
  t.regex(help.output, /poke\s+poke things/);
  t.regex((await d.execute('help poke', 'console')).output, /usage:\n {2}poke <n>/);
});

test('dispatcher: internal faults are reported, not thrown', async (t) => {
  const d = new Dispatcher();
  d.register({ name: 'boom', summary: '', usage: '', access: 'read', run: () => { throw new TypeError('x is undefined'); } });
  t.deepEqual(await d.execute('boom', 'console'), { ok: false, output: 'error: internal error: x is undefined' });
});

test('dispatcher: commands run one at a time in arrival order', async (t) => {
  const d = new Dispatcher();
  const log: string[] = [];
  d.register({
    name: 'slow',
    summary: '',
    usage: '',
    access: 'read',
    run: async (args) => {
      log.push(`start ${args[0]}`);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`end ${args[0]}`);
      return '';
    },
  });
  await Promise.all([d.execute('slow 1', 'console'), d.execute('slow 2', 'mqtt')]);
  t.deepEqual(log, ['start 1', 'end 1', 'start 2', 'end 2']);
});

test('dispatcher: any line gives a result and never throws (fuzz)', async (t) => {
  const d = new Dispatcher();
  d.register({ name: 'ok', summary: '', usage: '', access: 'read', run: (a) => a.join(',') });
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 300, unit: 'binary' }), async (line) => {
      const r = await d.execute(line, 'serial');
      return typeof r.output === 'string' && (r.ok || r.output.startsWith('error: '));
    }),
    { numRuns: 500 },
  );
  t.pass();
});
