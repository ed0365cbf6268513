import test from 'ava';
import { PcapngWriter, readPcapng } from '../sim/pcapng.ts';

test('pcapng: section, one interface per port, packets with direction and microsecond time', (t) => {
  const chunks: Uint8Array[] = [];
  const w = new PcapngWriter((c) => chunks.push(c), ['eth0', 'eth1']);
  const frame = Uint8Array.from({ length: 61 }, (_, i) => i);
  w.write(1, 1234.5, frame, 'out');
  w.write(0, 2000, frame.subarray(0, 60), 'in');
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) (bytes.set(c, o), (o += c.length));
  // Section Header Block: type 0x0A0D0D0A, then length 28, byte-order magic 0x1A2B3C4D.
  t.deepEqual([...bytes.subarray(0, 12)], [0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a]);
  const pkts = readPcapng(bytes);
  t.is(pkts.length, 2);
  t.like(pkts[0], { ifIndex: 1, ifName: 'eth1', timeUs: 1_234_500n, direction: 'out' });
  t.deepEqual([...pkts[0].data], [...frame]);
  t.like(pkts[1], { ifIndex: 0, ifName: 'eth0', timeUs: 2_000_000n, direction: 'in' });
  t.throws(() => readPcapng(bytes.subarray(0, bytes.length - 3)));
});
