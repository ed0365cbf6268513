/**
 * The console on a serial line with the real serialport binding over pseudo-terminals:
 * it survives the device vanishing and coming back, keeps up with thousands of lines a
 * second, and line endings as terminal programs send them all work.
 */
import test from 'ava';
import { SerialPort } from 'serialport';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dispatcher } from '../firmware/console/dispatcher.ts';
import { SerialConsole } from '../hal/transport/serial-console.ts';
import { openPtyPair } from '../hal/transport/pty.ts';
import { ptysOrSkip } from './helpers/pty.ts';

function openPort(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const p = new SerialPort({ path, baudRate: 115200 }, (e) => (e ? reject(e) : resolve(p)));
  });
}

function collect(port: SerialPort): { text: () => string } {
  let text = '';
  port.on('data', (c: Buffer) => (text += c.toString('latin1')));
  return { text: () => text };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function console_(path: string, notes: string[]): SerialConsole {
  const d = new Dispatcher();
  d.register({ name: 'echo', summary: '', usage: '', access: 'read', run: (a) => a.join(' ') });
  const c: SerialConsole = new SerialConsole(path, 115200, async (line) => {
    const r = await d.execute(line, 'serial');
    if (r.output) c.write(`${r.output}\n`);
  }, (n) => notes.push(n), 100);
  return c;
}

test('the serial console survives the device vanishing and coming back', async (t) => {
  if (!ptysOrSkip(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'bondfw-serial-'));
  const paths = { a: join(dir, 'fw'), b: join(dir, 'term') };
  let pty = await openPtyPair(paths);
  const notes: string[] = [];
  const con = console_(paths.a, notes);
  await con.open();
  try {
    let term = await openPort(paths.b);
    let got = collect(term);
    term.write('echo one\r');
    await until(() => got.text().includes('one\r\n'));
    // Unplugged: both ends vanish.
    await new Promise((r) => term.close(r));
    await pty.close();
    await until(() => notes.some((n) => /device gone/.test(n)));
    // Plugged back: the same paths return; the console reopens and answers again.
    pty = await openPtyPair(paths);
    await until(() => notes.some((n) => /device back/.test(n)));
    term = await openPort(paths.b);
    got = collect(term);
    term.write('echo two\n');
    await until(() => got.text().includes('two\r\n'));
    t.pass();
    await new Promise((r) => term.close(r));
  } finally {
    await con.close();
    await pty.close();
  }
});

test('thousands of lines a second, with CR, LF and CR LF endings, all answered in order', async (t) => {
  if (!ptysOrSkip(t)) return;
  const pty = await openPtyPair();
  const con = console_(pty.a, []);
  await con.open();
  try {
    const term = await openPort(pty.b);
    const got = collect(term);
    const endings = ['\r', '\n', '\r\n'];
    const n = 3000;
    let burst = '';
    for (let i = 0; i < n; i++) burst += `echo ${i}${endings[i % 3]}`;
    const t0 = Date.now();
    term.write(burst);
    await until(() => got.text().includes(`${n - 1}\r\n`), 20000);
    const lines = got.text().split('\r\n').filter((l) => l !== '');
    t.deepEqual(lines, Array.from({ length: n }, (_, i) => String(i)));
    t.log(`${n} lines answered in ${Date.now() - t0} ms`);
    await new Promise((r) => term.close(r));
  } finally {
    await con.close();
    await pty.close();
  }
});
