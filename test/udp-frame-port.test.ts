/** The UDP frame port: one Ethernet frame per datagram on loopback, both ways. */
import test from 'ava';
import { createSocket } from 'node:dgram';
import { UdpFramePort } from '../sim/udp-frame-port.ts';

test('frames go out as datagrams and come in from them; a down port neither sends nor delivers', async (t) => {
  const peer = createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  const peerPort = peer.address().port;
  const local = 40000 + Math.floor(Math.random() * 10000);
  const port = new UdpFramePort({ name: 'p0', localPort: local, remotePort: peerPort, mac: Uint8Array.of(2, 0, 0, 0, 0, 1) });
  await port.open();
  const got: Buffer[] = [];
  peer.on('message', (m) => got.push(m));
  const rx: number[][] = [];
  port.onFrame((f, n) => rx.push([...f.subarray(0, n)]));
  const frame = Uint8Array.from({ length: 60 }, (_, i) => i);
  t.false(port.send(frame, 60), 'down: nothing sent');
  await port.setAdminUp(true);
  t.true(port.send(frame, 60));
  frame.fill(0xee); // the caller reuses its buffer at once
  peer.send(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x88, 0x09]), local, '127.0.0.1');
  for (let i = 0; i < 100 && (got.length === 0 || rx.length === 0); i++) await new Promise((r) => setTimeout(r, 10));
  t.deepEqual([...got[0]], Array.from({ length: 60 }, (_, i) => i));
  t.deepEqual(rx[0].slice(12), [0x88, 0x09]);
  t.true(await port.probeLink(), 'no interface: link follows admin state');
  port.linkOverride = false;
  t.false(await port.probeLink());
  port.close();
  peer.close();
});
