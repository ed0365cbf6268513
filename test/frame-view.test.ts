import test from 'ava';
import { forgetFrameView, frameViewOf, keepFrameView } from '../lib/frame-view.ts';

test('a kept buffer has a DataView over exactly its bytes; others have none', (t) => {
  const outer = new Uint8Array(100);
  for (let i = 0; i < outer.length; i++) outer[i] = i;
  const buf = outer.subarray(7, 71);
  t.is(frameViewOf(buf), undefined);
  keepFrameView(buf);
  const v = frameViewOf(buf);
  t.truthy(v);
  t.is(v!.byteLength, 64);
  t.is(v!.getUint8(0), 7, 'view index 0 is buf[0]');
  t.is(v!.getUint32(60), (67 << 24) | (68 << 16) | (69 << 8) | 70);
  t.is(frameViewOf(outer), undefined, 'the larger array over the same buffer is another array');
  t.is(frameViewOf(buf.slice()), undefined, 'a copy is another array');
  keepFrameView(buf);
  t.is(frameViewOf(buf), v, 'keeping it again keeps the same view');
  forgetFrameView(buf);
  t.is(frameViewOf(buf), undefined);
  forgetFrameView(buf); // forgetting twice is harmless
});

test('two slots, the oldest given up first; empty and growable buffers are not kept', (t) => {
  const a = new Uint8Array(16), b = new Uint8Array(16), c = new Uint8Array(16);
  keepFrameView(a);
  keepFrameView(b);
  t.truthy(frameViewOf(a));
  t.truthy(frameViewOf(b));
  keepFrameView(c);
  t.is(frameViewOf(a), undefined, 'a third pushes out the first');
  t.truthy(frameViewOf(b));
  t.truthy(frameViewOf(c));
  forgetFrameView(b);
  forgetFrameView(c);
  keepFrameView(new Uint8Array(0));
  t.is(frameViewOf(new Uint8Array(0)), undefined);
  const Growable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
  const growable = new Uint8Array(new Growable(16, { maxByteLength: 64 }));
  keepFrameView(growable);
  t.is(frameViewOf(growable), undefined);
});
