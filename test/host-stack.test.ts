import test from 'ava';
import fc from 'fast-check';
import { VirtualClock } from '../lib/clock.ts';
import { UsageError } from '../lib/errors.ts';
import { EventLog } from '../lib/log.ts';
import { ARP_DEFAULTS, ArpCache } from '../firmware/net/arp-cache.ts';
import { formatMac, parseHex, parseIpv4 } from '../lib/addr.ts';
import { HostStack, MAX_FRAME, type HostLink } from '../firmware/net/host.ts';
import { ARP_REPLY, ARP_REQUEST, BROADCAST_MAC, buildArp, buildIpv4 } from '../firmware/net/packets.ts';
import { SimHost } from '../sim/host.ts';
import { frameViewOf } from '../lib/frame-view.ts';
import { XMIT_LAYER23, XMIT_LAYER34, xmitHash } from '../firmware/bonding/hash.ts';

// ---- the edge of the world: links that record what the stack transmits ----

class FakeLink implements HostLink {
  up = true;
  accept = true;
  /** Copies of the frames transmitted, with the send time. */
  readonly sent: { at: number; bytes: Uint8Array }[] = [];
  /** Called after the frame is recorded (a wire to somewhere). */
  onXmit: ((frame: Uint8Array, length: number) => void) | undefined;
  keep = true;
  lastBuffer: Uint8Array | undefined;
  differentBuffers = 0;
  xmits = 0;

  constructor(
    readonly name: string,
    public mac: Uint8Array,
    public vlan = -1,
    private readonly clock?: VirtualClock,
  ) {}

  xmit(frame: Uint8Array, length: number): boolean {
    this.xmits++;
    if (this.lastBuffer !== undefined && this.lastBuffer !== frame) this.differentBuffers++;
    this.lastBuffer = frame;
    if (this.keep) this.sent.push({ at: this.clock?.now() ?? 0, bytes: frame.slice(0, length) });
    this.onXmit?.(frame, length);
    return this.accept;
  }

  hex(i = this.sent.length - 1): string {
    return hexOf(this.sent[i].bytes);
  }
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ip = (s: string): number => parseIpv4(s)!;
const mac = (s: string): Uint8Array => parseHex(s)!;

const OUR_MAC = mac('0250430a1b2d');
const PEER_MAC = mac('001122334455');
const PEER2_MAC = mac('00aabbccddee');
const OUR_IP = ip('192.168.1.1');
const PEER_IP = ip('192.168.1.100');

function setup(vlan = -1) {
  const clock = new VirtualClock();
  const log = new EventLog(clock);
  const stack = new HostStack({ clock, log });
  const link = new FakeLink(vlan >= 0 ? `bond0.${vlan}` : 'bond0', OUR_MAC, vlan, clock);
  stack.attach(link);
  stack.addAddress(link.name, OUR_IP, 24);
  return { clock, log, stack, link };
}

/** The Internet checksum written out again here, so the stack's is checked independently. */
function csum(b: Uint8Array, start: number, end: number, pseudo: number[] = []): number {
  const words: number[] = [...pseudo];
  for (let i = start; i < end; i += 2) words.push((b[i] << 8) | (i + 1 < end ? b[i + 1] : 0));
  let s = words.reduce((a, w) => a + w, 0);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}
const pseudo = (src: number, dst: number, proto: number, len: number): number[] => [src >>> 16, src & 0xffff, dst >>> 16, dst & 0xffff, proto, len];

function arpRequest(opts: { from?: Uint8Array; sip?: number; tip?: number; dst?: Uint8Array; vlan?: number } = {}): Uint8Array {
  const from = opts.from ?? PEER_MAC;
  return buildArp(opts.dst ?? BROADCAST_MAC, from, { op: ARP_REQUEST, senderMac: from, senderIp: opts.sip ?? PEER_IP, targetMac: new Uint8Array(6), targetIp: opts.tip ?? OUR_IP }, opts.vlan);
}

function arpReply(opts: { from?: Uint8Array; sip?: number; to?: Uint8Array; tip?: number } = {}): Uint8Array {
  const from = opts.from ?? PEER_MAC;
  const to = opts.to ?? OUR_MAC;
  return buildArp(to, from, { op: ARP_REPLY, senderMac: from, senderIp: opts.sip ?? PEER_IP, targetMac: to, targetIp: opts.tip ?? OUR_IP });
}

function feed(stack: HostStack, link: HostLink, frame: Uint8Array): void {
  stack.receive(link, frame, frame.length);
}

/** Settles the promise's outcome into a box, to look at while virtual time moves. */
function watch<T>(p: Promise<T>): { done: boolean; value: T | undefined } {
  const box: { done: boolean; value: T | undefined } = { done: false, value: undefined };
  void p.then((v) => {
    box.done = true;
    box.value = v;
  });
  return box;
}

test('frames are built in one scratch buffer with a DataView kept for it, and hash as their copies do', (t) => {
  const { stack, link } = setup();
  feed(stack, link, arpRequest()); // learns the peer
  t.true(stack.sendIpv4(PEER_IP, 17, 5000, 7, 4));
  t.true(stack.sendIpv4(PEER_IP, 6, 5001, 80, 0));
  const scratch = link.lastBuffer!;
  const view = frameViewOf(scratch);
  t.truthy(view, 'the transmit scratch has a kept view');
  t.is(view!.byteLength, MAX_FRAME);
  // The last frame (TCP) is still in the scratch: the bond's hash through the view equals
  // the hash of the copy read byte by byte.
  const copy = link.sent[link.sent.length - 1].bytes;
  for (const p of [XMIT_LAYER23, XMIT_LAYER34]) t.is(xmitHash(scratch, copy.length, p), xmitHash(copy, copy.length, p));
  t.is(link.differentBuffers, 0, 'every frame from the one scratch');
});

// ---- ARP ----

test('an ARP request for our address gets a byte-exact unicast reply, and the requester is learned STALE', (t) => {
  const { stack, link } = setup();
  feed(stack, link, arpRequest());
  t.is(link.sent.length, 1);
  t.is(
    link.hex(),
    '001122334455' + // to the requester's MAC
      '0250430a1b2d' + // from ours
      '0806' + // ARP
      '0001' + '0800' + '06' + '04' + // Ethernet/IPv4
      '0002' + // reply
      '0250430a1b2d' + 'c0a80101' + // sender: our MAC, 192.168.1.1
      '001122334455' + 'c0a80164' + // target: the requester, 192.168.1.100
      '00'.repeat(18), // padding to 60 bytes
  );
  t.like(stack.stats, { arpRequestsIn: 1, arpRepliesOut: 1 });
  t.like(stack.neighbours(), [{ ip: PEER_IP, link: 'bond0', state: 'STALE', ageMs: 0 }]);
  t.is(formatMac(stack.neighbours()[0].mac!), '00:11:22:33:44:55');
});

test('on a VLAN link the ARP reply is tagged (and a tagged request is taken)', (t) => {
  const { stack, link } = setup(100);
  feed(stack, link, arpRequest({ vlan: 100 }));
  t.is(
    link.hex(),
    '001122334455' + '0250430a1b2d' +
      '8100' + '0064' + // 802.1Q, VID 100
      '0806' + '0001' + '0800' + '06' + '04' + '0002' +
      '0250430a1b2d' + 'c0a80101' + '001122334455' + 'c0a80164' +
      '00'.repeat(18), // padded to 64 bytes
  );
  // An untagged frame handed to the VLAN device (the VLAN layer stripped the tag) is taken too.
  feed(stack, link, arpRequest());
  t.is(link.sent.length, 2);
  t.is(link.hex(), link.hex(0));
});

test('ARP is answered per link only, and not for unknown, loopback or multicast targets', (t) => {
  const { stack, link } = setup();
  const other = new FakeLink('bond1', mac('02000000bb01'));
  stack.attach(other);
  stack.addAddress('bond1', ip('10.0.0.1'), 24);
  // A request on bond0 for bond1's address: not answered (separate L2 domains, see host.ts).
  feed(stack, link, arpRequest({ tip: ip('10.0.0.1') }));
  feed(stack, link, arpRequest({ tip: ip('192.168.1.2') }));
  feed(stack, link, arpRequest({ tip: ip('127.0.0.1') }));
  feed(stack, link, arpRequest({ tip: ip('224.0.0.1') }));
  t.is(link.sent.length, 0);
  t.is(other.sent.length, 0);
  t.deepEqual(stack.neighbours(), [], 'requests not for us teach nothing new (arp_accept=0)');
  feed(stack, other, arpRequest({ tip: ip('10.0.0.1'), sip: ip('10.0.0.9') }));
  t.is(other.sent.length, 1);
});

test('a duplicate-address probe (sender 0.0.0.0) is answered with target IP 0 and learns nothing', (t) => {
  const { stack, link } = setup();
  feed(stack, link, arpRequest({ sip: 0 }));
  t.is(link.hex(), '001122334455' + '0250430a1b2d' + '0806' + '0001080006040002' + '0250430a1b2d' + 'c0a80101' + '001122334455' + '00000000' + '00'.repeat(18));
  t.deepEqual(stack.neighbours(), []);
});

test('ARP claiming one of our addresses is neither answered nor learned, and is logged (rate-limited)', (t) => {
  const { stack, link, log } = setup();
  // A gratuitous ARP from someone else for 192.168.1.1.
  for (let i = 0; i < 20; i++) feed(stack, link, arpRequest({ sip: OUR_IP, tip: OUR_IP }));
  t.is(link.sent.length, 0);
  t.deepEqual(stack.neighbours(), []);
  const warns = log.tail().filter((e) => e.level === 'warn');
  t.is(warns.length, 10);
  t.is(warns[0].text, 'bond0: ARP from 00:11:22:33:44:55 claims our address 192.168.1.1');
  // Our own GARP coming back is not a conflict.
  feed(stack, link, arpRequest({ from: OUR_MAC, sip: OUR_IP, tip: OUR_IP }));
  t.is(log.tail().filter((e) => e.level === 'warn').length, 10);
});

test('gratuitous ARPs: one per address, byte-exact, untagged and tagged; none when the link is down', (t) => {
  const { stack, link } = setup();
  stack.addAddress('bond0', ip('10.1.2.3'), 8);
  t.is(stack.sendGratuitousArps('bond0'), 2);
  const garp = (ipHex: string, tag = ''): string =>
    'ffffffffffff' + '0250430a1b2d' + tag + '0806' + '0001080006040001' + // request
    '0250430a1b2d' + ipHex + // sender: our MAC and the address
    '000000000000' + ipHex + // target MAC zero, target IP = the address
    '00'.repeat(18);
  t.is(link.hex(0), garp('c0a80101'));
  t.is(link.hex(1), garp('0a010203'));
  t.is(stack.stats.garpOut, 2);

  const v = setup(42);
  t.is(v.stack.sendGratuitousArps('bond0.42'), 1);
  t.is(v.link.hex(), garp('c0a80101', '8100002a'));

  // The MAC is read at send time (fail_over_mac can change it).
  link.mac = mac('02aabbccdd01');
  stack.sendGratuitousArps('bond0');
  t.is(link.hex().slice(12, 24), '02aabbccdd01');
  t.is(link.hex().slice(44, 56), '02aabbccdd01');

  link.up = false;
  t.is(stack.sendGratuitousArps('bond0'), 0);
  t.is(link.sent.length, 4);
  link.up = true;
  link.accept = false;
  t.is(stack.sendGratuitousArps('bond0'), 0, 'frames the link drops are not counted as sent');
  t.is(stack.sendGratuitousArps('nope'), 0);
});

test('gratuitous ARPs match packets.ts buildArp byte for byte', (t) => {
  const { stack, link } = setup(7);
  stack.sendGratuitousArps(link.name);
  const ref = buildArp(BROADCAST_MAC, OUR_MAC, { op: ARP_REQUEST, senderMac: OUR_MAC, senderIp: OUR_IP, targetMac: new Uint8Array(6), targetIp: OUR_IP }, 7);
  t.is(link.hex(), hexOf(ref));
});

// ---- resolution ----

test('resolution: 3 requests 1 s apart, then undefined at 3 s; FAILED for 60 s, then gone; no timers left', async (t) => {
  const { clock, stack, link } = setup();
  const r = watch(stack.resolve(PEER_IP));
  await clock.advance(0);
  t.is(link.sent.length, 1);
  t.is(
    link.hex(),
    'ffffffffffff' + '0250430a1b2d' + '0806' + '0001080006040001' +
      '0250430a1b2d' + 'c0a80101' + // from our MAC and 192.168.1.1 (the route's source)
      '000000000000' + 'c0a80164' + // who has 192.168.1.100
      '00'.repeat(18),
  );
  t.like(stack.neighbours(), [{ ip: PEER_IP, state: 'INCOMPLETE', mac: undefined }]);
  await clock.advance(999);
  t.is(link.sent.length, 1);
  await clock.advance(1);
  t.is(link.sent.length, 2);
  await clock.advance(1000);
  t.is(link.sent.length, 3);
  t.deepEqual(link.sent.map((s) => s.at), [0, 1000, 2000]);
  t.true(link.sent.every((s) => hexOf(s.bytes) === link.hex(0)));
  await clock.advance(999);
  t.false(r.done);
  await clock.advance(1);
  t.true(r.done);
  t.is(r.value, undefined);
  t.is(clock.now(), 3000);
  t.is(link.sent.length, 3);
  t.like(stack.neighbours(), [{ state: 'FAILED', mac: undefined, ageMs: 0 }]);
  t.is(stack.stats.arpRequestsOut, 3);
  t.is(clock.pending, 1, 'one timer, for the FAILED entry');
  await clock.advance(59_999);
  t.is(stack.neighbours().length, 1);
  await clock.advance(1);
  t.deepEqual(stack.neighbours(), []);
  t.is(clock.pending, 0, 'nothing left to expire, no timer');
});

test('resolution: a reply in between resolves at once and stops the requests; then REACHABLE 30 s, then STALE', async (t) => {
  const { clock, stack, link } = setup();
  const r = watch(stack.resolve(PEER_IP));
  await clock.advance(1500);
  t.is(link.sent.length, 2);
  feed(stack, link, arpReply());
  await clock.advance(0);
  t.true(r.done);
  t.is(formatMac(r.value!), '00:11:22:33:44:55');
  t.like(stack.neighbours(), [{ state: 'REACHABLE', ageMs: 0 }]);
  t.is(clock.pending, 0);
  await clock.advance(10_000);
  t.is(link.sent.length, 2);
  // Cached: at once, nothing sent.
  const again = watch(stack.resolve(PEER_IP));
  await clock.advance(0);
  t.true(again.done);
  t.is(formatMac(again.value!), '00:11:22:33:44:55');
  t.is(link.sent.length, 2);
  await clock.advance(19_999);
  t.like(stack.neighbours(), [{ state: 'REACHABLE', ageMs: 29_999 }]);
  await clock.advance(1);
  t.like(stack.neighbours(), [{ state: 'STALE' }]);
  // STALE is still used.
  t.true(stack.sendIpv4(PEER_IP, 17, 1000, 7, 0));
  t.is(link.hex().slice(0, 12), '001122334455');
  t.is(clock.pending, 0);
});

test('resolution: concurrent resolutions of one address share the requests; a request from it also resolves', async (t) => {
  const { clock, stack, link } = setup();
  const a = watch(stack.resolve(PEER_IP));
  await clock.advance(500);
  const b = watch(stack.resolve(PEER_IP));
  await clock.advance(600);
  t.is(link.sent.length, 2, 'requests at 0 and 1000 only');
  // The neighbour asks for us before it answers: its request completes the resolution.
  feed(stack, link, arpRequest());
  await clock.advance(0);
  t.true(a.done && b.done);
  t.is(formatMac(a.value!), '00:11:22:33:44:55');
  t.is(formatMac(b.value!), '00:11:22:33:44:55');
  t.not(a.value, b.value, 'each caller gets its own copy');
  t.like(stack.neighbours(), [{ state: 'STALE' }], 'a request is not a confirmation');
  t.is(link.sent.length, 3, 'plus our reply');
  t.is(clock.pending, 0);
});

test('resolution: a failed address is tried afresh; off-subnet, local and broadcast addresses resolve to undefined', async (t) => {
  const { clock, stack, link } = setup();
  const first = watch(stack.resolve(PEER_IP));
  await clock.advance(3000);
  t.true(first.done);
  const second = watch(stack.resolve(PEER_IP));
  await clock.advance(0);
  t.is(link.sent.length, 4);
  t.like(stack.neighbours(), [{ state: 'INCOMPLETE' }]);
  feed(stack, link, arpReply());
  await clock.advance(0);
  t.is(formatMac(second.value!), '00:11:22:33:44:55');
  t.is(clock.pending, 0, 'the FAILED-entry timer went with the entry');
  for (const dst of ['10.0.0.1', '192.168.1.1', '192.168.1.255', '192.168.1.0', '255.255.255.255', '224.0.0.5']) {
    t.is(await stack.resolve(ip(dst)), undefined, dst);
  }
  t.is(link.sent.length, 4);
});

test('resolution on a VLAN link sends tagged requests from the subnet primary address', async (t) => {
  const { clock, stack, link } = setup(100);
  stack.addAddress(link.name, ip('192.168.1.2'), 24); // secondary
  stack.addAddress(link.name, ip('10.0.0.1'), 8);
  void stack.resolve(ip('192.168.1.77'));
  await clock.advance(0);
  t.is(link.hex(), 'ffffffffffff' + '0250430a1b2d' + '81000064' + '0806' + '0001080006040001' + '0250430a1b2d' + 'c0a80101' + '000000000000' + 'c0a8014d' + '00'.repeat(18));
  await clock.advance(1000);
  t.is(link.hex(1), link.hex(0), 'retries the same');
  await clock.advance(5000);
});

test('detaching a link fails its pending resolutions and drops its addresses and neighbours', async (t) => {
  const { clock, stack, link } = setup();
  stack.attach(new FakeLink('bond1', PEER2_MAC));
  stack.addAddress('bond1', ip('10.0.0.1'), 24);
  feed(stack, link, arpRequest({ sip: ip('192.168.1.50') }));
  const r = watch(stack.resolve(PEER_IP));
  await clock.advance(0);
  stack.detach('bond0');
  await clock.advance(0);
  t.true(r.done);
  t.is(r.value, undefined);
  t.deepEqual(stack.neighbours(), []);
  t.is(clock.pending, 0);
  t.is(stack.linkOfAddress(OUR_IP), undefined);
  t.is(stack.route(PEER_IP), undefined);
  t.throws(() => stack.addresses('bond0'), { instanceOf: UsageError, message: 'Device "bond0" does not exist.' });
  stack.detach('bond0');
  // Re-attached, it starts with nothing.
  stack.attach(link);
  t.deepEqual(stack.addresses('bond0'), []);
});

// ---- neighbour learning ----

test('learning: replies update existing entries only; a unicast reply confirms (REACHABLE); locktime; gratuitous ARP overrides', async (t) => {
  const { clock, stack, link } = setup();
  // An unsolicited reply from a stranger creates nothing (arp_accept=0).
  feed(stack, link, arpReply());
  t.deepEqual(stack.neighbours(), []);
  // A request addressed to us creates the entry STALE.
  feed(stack, link, arpRequest());
  t.like(stack.neighbours(), [{ state: 'STALE' }]);
  // A unicast reply now confirms it.
  await clock.advance(2000);
  feed(stack, link, arpReply());
  t.like(stack.neighbours(), [{ state: 'REACHABLE', ageMs: 0 }]);
  // Within locktime (1 s after the last update) another MAC is ignored...
  await clock.advance(1000);
  feed(stack, link, arpReply({ from: PEER2_MAC }));
  t.is(formatMac(stack.neighbours()[0].mac!), '00:11:22:33:44:55');
  // ...after it, taken (as STALE: a broadcast or non-confirming update).
  await clock.advance(1);
  feed(stack, link, arpRequest({ from: PEER2_MAC, tip: ip('192.168.1.200') }));
  t.like(stack.neighbours(), [{ state: 'STALE' }]);
  t.is(formatMac(stack.neighbours()[0].mac!), '00:aa:bb:cc:dd:ee');
  // A gratuitous ARP (sender IP = target IP) is taken even within locktime: a failover.
  feed(stack, link, arpRequest({ from: PEER_MAC, tip: PEER_IP }));
  t.is(formatMac(stack.neighbours()[0].mac!), '00:11:22:33:44:55');
  // A request from a REACHABLE neighbour with the same MAC leaves it REACHABLE.
  await clock.advance(5000);
  feed(stack, link, arpReply());
  feed(stack, link, arpRequest());
  t.like(stack.neighbours(), [{ state: 'REACHABLE' }]);
  // Replies broadcast (not to our MAC) do not confirm.
  await clock.advance(30_000);
  feed(stack, link, arpReply({ to: BROADCAST_MAC }));
  t.like(stack.neighbours(), [{ state: 'STALE' }]);
  t.is(stack.stats.arpRepliesIn, 5);
  t.is(clock.pending, 0);
});

test('learning refuses multicast sender MACs and martian sender IPs', (t) => {
  const { stack, link } = setup();
  feed(stack, link, arpRequest({ from: mac('01005e000001') }));
  feed(stack, link, arpRequest({ sip: ip('127.0.0.1') }));
  feed(stack, link, arpRequest({ sip: ip('224.1.1.1') }));
  t.is(link.sent.length, 0);
  t.deepEqual(stack.neighbours(), []);
  t.is(stack.stats.drops.badHeader, 1);
  t.is(stack.stats.drops.martian, 2);
});

test('removing the last address of a link flushes its neighbours (fib_disable_ip → arp_ifdown)', (t) => {
  const { stack, link } = setup();
  stack.addAddress('bond0', ip('192.168.1.2'), 24);
  feed(stack, link, arpRequest());
  stack.removeAddress('bond0', OUR_IP, 24);
  t.is(stack.neighbours().length, 1);
  stack.removeAddress('bond0', ip('192.168.1.2'));
  t.deepEqual(stack.neighbours(), []);
});

test('the table is bounded (gc_thresh3 1024): the oldest STALE entries make room', (t) => {
  const { stack, link } = setup();
  stack.setPrimaryAddress('bond0', ip('10.0.0.1'), 16);
  for (let i = 0; i < 1030; i++) feed(stack, link, arpRequest({ sip: ip('10.0.0.0') + 2 + i, tip: ip('10.0.0.1') }));
  const n = stack.neighbours();
  t.is(n.length, 1024);
  t.is(n[0].ip, ip('10.0.0.0') + 2 + 6);
  t.is(link.sent.length, 1030, 'every request answered');
});

test('ArpCache: FAILED entries go first, then the oldest STALE; REACHABLE and INCOMPLETE ones are never evicted', async (t) => {
  const clock = new VirtualClock();
  const solicited: number[] = [];
  let overflows = 0;
  const cache = new ArpCache(clock, (_l, ip) => solicited.push(ip), () => overflows++, { ...ARP_DEFAULTS, maxEntries: 3 });
  const m = (b: number) => Uint8Array.of(0, 0, 0, 0, 0, b);
  void cache.resolve('x', 1); // will fail
  await clock.advance(3000);
  t.deepEqual(solicited, [1, 1, 1]);
  t.is(cache.state('x', 1), 'FAILED');
  t.true(cache.learn('x', 2, m(2), 0)); // STALE
  t.true(cache.learn('x', 3, m(3), 0));
  t.is(cache.size, 3);
  t.true(cache.learn('x', 4, m(4), 0), 'the FAILED entry made room');
  t.false(cache.has('x', 1));
  t.is(clock.pending, 0, 'and its timer went with it');
  t.true(cache.update('x', 3, m(3), 0, true, false)); // REACHABLE
  await clock.advance(1);
  t.true(cache.learn('x', 5, m(5), 0), 'the oldest STALE made room');
  t.deepEqual(cache.entries().map((e) => [e.ip, e.state]), [[3, 'REACHABLE'], [4, 'STALE'], [5, 'STALE']]);
  void cache.resolve('x', 6); // evicts 4
  t.true(cache.update('x', 5, m(5), 0, true, false));
  t.false(cache.learn('x', 7, m(7), 0), 'nothing left to evict');
  t.is(overflows, 1);
  t.is(await cache.resolve('x', 8), undefined);
  t.is(overflows, 2);
  t.is(cache.lookup('x', 3)![5], 3);
  t.is(cache.lookup('x', 6), undefined);
  cache.flushLink('x');
  t.is(cache.size, 0);
  t.is(clock.pending, 0);
});

// ---- ICMP ----

/** An echo request from the peer: id 0x1234, seq 1, data de ad be ef, TOS 0x10. */
function echoRequest(vlan = -1, dstIp = OUR_IP): Uint8Array {
  const f = buildIpv4({ dst: OUR_MAC, src: PEER_MAC, vlan, protocol: 1, srcIp: PEER_IP, dstIp, kind: 8, icmpIdSeq: 0x12340001, payload: 4 });
  const o = vlan >= 0 ? 18 : 14;
  f[o + 1] = 0x10; // TOS
  f[o + 6] = 0; // no DF, as ping sends
  f.set([0xde, 0xad, 0xbe, 0xef], o + 28);
  f[o + 10] = 0;
  f[o + 11] = 0;
  const ipck = csum(f, o, o + 20);
  f[o + 10] = ipck >> 8;
  f[o + 11] = ipck & 255;
  f[o + 22] = 0;
  f[o + 23] = 0;
  const ick = csum(f, o + 20, o + 32);
  f[o + 22] = ick >> 8;
  f[o + 23] = ick & 255;
  return f;
}

test('ICMP echo request: a byte-exact echo reply with the same id, seq, data and TOS, checksums verified', (t) => {
  const { stack, link } = setup();
  const req = echoRequest();
  // The request as built: IP checksum f717, ICMP checksum 482d (computed apart from the code).
  t.is(hexOf(req.subarray(14, 46)), '45100020000000004001f717c0a80164c0a80101' + '0800482d12340001deadbeef');
  feed(stack, link, req);
  t.is(link.sent.length, 1);
  t.is(
    link.hex(),
    '001122334455' + '0250430a1b2d' + '0800' + // to the frame's source MAC
      '45' + '10' + '0020' + // v4, IHL 5, TOS copied, total 32
      '0001' + '0000' + // IP ID 1, no DF (Linux's ICMP socket uses IP_PMTUDISC_DONT)
      '40' + '01' + 'f716' + // TTL 64, ICMP, header checksum
      'c0a80101' + 'c0a80164' + // from us to the peer
      '00' + '00' + '502d' + // echo reply, code 0, checksum
      '1234' + '0001' + 'deadbeef' + // id, seq, data as sent
      '00'.repeat(14), // padding to 60
  );
  const r = link.sent[0].bytes;
  t.is(csum(r, 14, 34), 0, 'IP header checksum verifies');
  t.is(csum(r, 34, 46), 0, 'ICMP checksum verifies');
  t.like(stack.stats, { icmpEchoIn: 1, icmpEchoRepliesOut: 1 });
  // The next reply has the next IP ID.
  feed(stack, link, req);
  t.is(link.hex().slice(36, 40), '0002');
});

test('ICMP echo on a VLAN link is answered tagged; large and bad-checksum requests', (t) => {
  const { stack, link } = setup(100);
  feed(stack, link, echoRequest(100));
  const r = link.sent[0].bytes;
  t.is(hexOf(r.subarray(12, 18)), '810000640800');
  t.is(r.length, 64);
  t.is(csum(r, 18, 38), 0);
  t.is(csum(r, 38, 50), 0);
  t.is(hexOf(r.subarray(38, 50)), '0000502d12340001deadbeef');

  // 1472 bytes of data (a full-MTU ping), patterned: echoed byte for byte.
  const big = buildIpv4({ dst: OUR_MAC, src: PEER_MAC, protocol: 1, srcIp: PEER_IP, dstIp: OUR_IP, kind: 8, icmpIdSeq: 0x00070009, payload: 1472 });
  for (let i = 0; i < 1472; i++) big[42 + i] = i & 255;
  big[36] = 0;
  big[37] = 0;
  const ck = csum(big, 34, big.length);
  big[36] = ck >> 8;
  big[37] = ck & 255;
  const plain = setup();
  feed(plain.stack, plain.link, big);
  const br = plain.link.sent[0].bytes;
  t.is(br.length, 1514);
  t.is(csum(br, 34, 1514), 0);
  t.is(hexOf(br.subarray(42)), hexOf(big.subarray(42)));

  const bad = echoRequest();
  bad[45] ^= 1; // data changed, checksum not
  feed(plain.stack, plain.link, bad);
  t.is(plain.link.sent.length, 1);
  t.is(plain.stack.stats.drops.badChecksum, 1);
});

test('echo requests for other addresses, from martian sources, or broadcast are not answered', (t) => {
  const { stack, link } = setup();
  stack.attach(new FakeLink('bond1', PEER2_MAC));
  stack.addAddress('bond1', ip('10.0.0.1'), 24);
  feed(stack, link, echoRequest(-1, ip('10.0.0.1'))); // bond1's address, arriving on bond0
  feed(stack, link, echoRequest(-1, ip('192.168.1.255')));
  feed(stack, link, echoRequest(-1, ip('192.168.1.9')));
  t.is(link.sent.length, 0);
  t.is(stack.stats.drops.notLocal, 3);
});

// ---- sending ----

test('sendIpv4: byte-exact UDP, TCP and ICMP with checksums verified independently', (t) => {
  const { stack, link } = setup();
  t.false(stack.sendIpv4(PEER_IP, 17, 5000, 7, 4), 'not resolved yet');
  t.is(stack.stats.drops.noNeighbour, 1);
  feed(stack, link, arpRequest()); // learns the peer
  link.sent.length = 0;

  t.true(stack.sendIpv4(PEER_IP, 17, 5000, 7, 4));
  t.is(
    link.hex(),
    '001122334455' + '0250430a1b2d' + '0800' +
      '4500' + '0020' + '0000' + '4000' + '4011' + 'b717' + 'c0a80101' + 'c0a80164' + // DF, TTL 64, UDP
      '1388' + '0007' + '000c' + '6891' + // 5000 -> 7, length 12, checksum
      '00000000' + // payload
      '00'.repeat(14),
  );
  let f = link.sent[0].bytes;
  t.is(csum(f, 14, 34), 0);
  t.is(csum(f, 34, 46, pseudo(OUR_IP, PEER_IP, 17, 12)), 0);

  t.true(stack.sendIpv4(PEER_IP, 6, 40000, 80, 0));
  t.is(
    link.hex(),
    '001122334455' + '0250430a1b2d' + '0800' +
      '4500' + '0028' + '0000' + '4000' + '4006' + 'b71a' + 'c0a80101' + 'c0a80164' +
      '9c40' + '0050' + '00000000' + '00000000' + // ports, seq, ack
      '5018' + 'ffff' + '8f86' + '0000' + // offset 5, PSH|ACK, window, checksum, urgent
      '00'.repeat(6), // padding to 60
  );
  f = link.sent[1].bytes;
  t.is(csum(f, 34, 54, pseudo(OUR_IP, PEER_IP, 6, 20)), 0);

  // Identical to packets.ts buildIpv4 apart from the L4 checksums it leaves zero.
  for (const [protocol, ck] of [[17, 40], [6, 50], [1, -1]] as const) {
    t.true(stack.sendIpv4(PEER_IP, protocol, 1234, 4321, 100));
    const got = link.sent[link.sent.length - 1].bytes;
    const ref = buildIpv4({ dst: PEER_MAC, src: OUR_MAC, protocol, srcIp: OUR_IP, dstIp: PEER_IP, srcPort: 1234, dstPort: 4321, kind: protocol === 1 ? 8 : undefined, icmpIdSeq: 0x04d210e1, payload: 100 });
    if (ck > 0) {
      ref[ck] = got[ck];
      ref[ck + 1] = got[ck + 1];
      t.is(csum(got, 34, got.length, pseudo(OUR_IP, PEER_IP, protocol, got.length - 34)), 0);
    } else {
      t.is(csum(got, 34, got.length), 0);
    }
    t.is(hexOf(got), hexOf(ref), `protocol ${protocol}`);
  }

  link.up = false;
  t.false(stack.sendIpv4(PEER_IP, 17, 1, 2, 0));
  link.up = true;
  t.false(stack.sendIpv4(ip('10.9.9.9'), 17, 1, 2, 0));
  t.is(stack.stats.drops.noRoute, 1);
  link.accept = false;
  t.false(stack.sendIpv4(PEER_IP, 17, 1, 2, 0));
  t.is(stack.stats.drops.xmitFailed, 1);
  t.is(stack.stats.ipv4Out, 5);
  t.throws(() => stack.sendIpv4(PEER_IP, 17, 1, 2, 1473), { instanceOf: UsageError });
  t.throws(() => stack.sendIpv4(PEER_IP, 17, 70000, 2, 0), { instanceOf: UsageError });
  t.throws(() => stack.sendIpv4(PEER_IP, 2 as 17, 1, 2, 0), { instanceOf: UsageError });
  link.accept = true;
  t.true(stack.sendIpv4(PEER_IP, 17, 1, 2, 1472));
  t.is(link.sent[link.sent.length - 1].bytes.length, 1514);
});

test('sendIpv4 on a VLAN link writes the tag', (t) => {
  const { stack, link } = setup(4094);
  feed(stack, link, arpRequest({ vlan: 4094 }));
  t.true(stack.sendIpv4(PEER_IP, 1, 1, 2, 0));
  const f = link.sent[link.sent.length - 1].bytes;
  t.is(hexOf(f.subarray(12, 18)), '81000ffe0800');
  t.is(f.length, 64);
  t.is(csum(f, 18, 38), 0);
  t.is(csum(f, 38, 46), 0);
});

test('transmit builds every frame in one reused scratch buffer (100k datagrams and GARPs)', (t) => {
  const { stack, link } = setup(3);
  feed(stack, link, arpRequest({ vlan: 3 }));
  link.keep = false;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 100_000; i++) {
    stack.sendIpv4(PEER_IP, i % 3 === 0 ? 17 : i % 3 === 1 ? 6 : 1, i & 0xffff, 80, i % 200);
    stack.sendGratuitousArps(link.name);
  }
  t.is(link.xmits, 200_001);
  t.is(link.differentBuffers, 0, 'the same Uint8Array every time');
  t.is(link.lastBuffer!.length, MAX_FRAME);
  if (gc) {
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    t.true(grown < 2_000_000, `heap grew ${grown} bytes`);
  } else {
    t.log('global.gc not exposed: heap growth not measured (the buffer identity check stands in)');
  }
  // And the last frame is still right.
  link.keep = true;
  stack.sendIpv4(PEER_IP, 17, 5000, 7, 4);
  t.is(link.hex(), '001122334455' + '0250430a1b2d' + '81000003' + '0800' + '4500002000004000' + '4011b717c0a80101c0a80164' + '13880007000c689100000000' + '00'.repeat(14));
});

test('a frame delivered back into the stack from inside xmit gets a buffer of its own', (t) => {
  const { stack, link } = setup();
  let nested: Uint8Array | undefined;
  let outerAfter = '';
  link.onXmit = (frame, length) => {
    if (nested) return;
    nested = frame;
    feed(stack, link, echoRequest()); // answered from inside this xmit
    outerAfter = hexOf(frame.subarray(0, length));
  };
  stack.sendGratuitousArps('bond0');
  t.is(link.sent.length, 2);
  t.is(outerAfter, link.hex(0), 'the GARP was not overwritten by the nested echo reply');
  t.is(link.hex(1).slice(24, 28), '0800');
  t.is(csum(link.sent[1].bytes, 14, 34), 0);
});

// ---- delivery ----

test('listeners read the payload in place: UDP data up to the UDP length, TCP data after its data offset, echo data after the ICMP header', (t) => {
  const { stack, link } = setup();
  const got: [number, string][] = [];
  stack.onDelivered((_l, protocol, _src, _sp, _dp, p) => got.push([protocol, hexOf(p.frame.subarray(p.dataOffset, p.dataOffset + p.dataLength))]));
  // UDP with 6 data bytes in a frame padded to 60: the padding is not payload (checksum 0: none).
  const udp = buildIpv4({ dst: OUR_MAC, src: PEER_MAC, protocol: 17, srcIp: PEER_IP, dstIp: OUR_IP, srcPort: 9, dstPort: 9, payload: 6 });
  udp.set([0xde, 0xad, 0xbe, 0xef, 0x00, 0x2a], 42);
  udp.fill(0x55, 48);
  feed(stack, link, udp);
  const tcp = buildIpv4({ dst: OUR_MAC, src: PEER_MAC, protocol: 6, srcIp: PEER_IP, dstIp: OUR_IP, srcPort: 80, dstPort: 40000, payload: 3 });
  tcp.set([1, 2, 3], 54);
  feed(stack, link, tcp);
  feed(stack, link, buildIpv4({ dst: OUR_MAC, src: PEER_MAC, protocol: 1, srcIp: PEER_IP, dstIp: OUR_IP, kind: 0, icmpIdSeq: 0x00050006, payload: 4 }));
  t.deepEqual(got, [
    [17, 'deadbeef002a'],
    [6, '010203'],
    [1, '00000000'],
  ]);
});

test('UDP, TCP and echo replies to us reach the listeners; bad UDP checksums and broken headers do not', (t) => {
  const { stack, link } = setup();
  const got: [string, number, number, number, number][] = [];
  const off = stack.onDelivered((l, protocol, src, sp, dp) => got.push([l.name, protocol, src, sp, dp]));
  feed(stack, link, buildIpv4({ dst: OUR_MAC, src: PEER_MAC, protocol: 17, srcIp: PEER_IP, dstIp: OUR_IP, srcPort: 53, dstPort: 3000 }));
  feed(stack, link, buildIpv4({ dst: OUR_MAC, src: PEER_MAC, protocol: 6, srcIp: PEER_IP, dstIp: OUR_IP, srcPort: 80, dstPort: 40000, kind: 0x10 }));
  feed(stack, link, buildIpv4({ dst: OUR_MAC, src: PEER_MAC, protocol: 1, srcIp: PEER_IP, dstIp: OUR_IP, kind: 0, icmpIdSeq: 0x00050006 }));
  // Broadcast MAC with our unicast IP is taken (Linux's default drop_unicast_in_l2_multicast=0).
  feed(stack, link, buildIpv4({ dst: BROADCAST_MAC, src: PEER_MAC, protocol: 17, srcIp: PEER_IP, dstIp: OUR_IP, srcPort: 1, dstPort: 2 }));
  t.deepEqual(got, [
    ['bond0', 17, PEER_IP, 53, 3000],
    ['bond0', 6, PEER_IP, 80, 40000],
    ['bond0', 1, PEER_IP, 5, 6],
    ['bond0', 17, PEER_IP, 1, 2],
  ]);
  t.is(stack.stats.delivered, 4);

  // A UDP checksum that does not verify (non-zero and wrong) is dropped.
  const udp = buildIpv4({ dst: OUR_MAC, src: PEER_MAC, protocol: 17, srcIp: PEER_IP, dstIp: OUR_IP, srcPort: 53, dstPort: 3000, payload: 2 });
  udp[40] = 0x12;
  udp[41] = 0x34;
  feed(stack, link, udp);
  // Made right, it is taken.
  udp[40] = 0;
  udp[41] = 0;
  const ck = csum(udp, 34, 44, pseudo(PEER_IP, OUR_IP, 17, 10));
  udp[40] = ck >> 8;
  udp[41] = ck & 255;
  feed(stack, link, udp);
  t.is(got.length, 5);
  t.is(stack.stats.drops.badChecksum, 1);

  const badLen = buildIpv4({ dst: OUR_MAC, src: PEER_MAC, protocol: 17, srcIp: PEER_IP, dstIp: OUR_IP });
  badLen[39] = 200; // UDP length beyond the datagram
  feed(stack, link, badLen);
  const badIp = buildIpv4({ dst: OUR_MAC, src: PEER_MAC, protocol: 17, srcIp: PEER_IP, dstIp: OUR_IP });
  badIp[22] = 1; // TTL changed, header checksum not
  feed(stack, link, badIp);
  const frag = buildIpv4({ dst: OUR_MAC, src: PEER_MAC, protocol: 17, srcIp: PEER_IP, dstIp: OUR_IP });
  frag[20] = 0x20; // more fragments
  frag[24] = 0;
  frag[25] = 0;
  const fck = csum(frag, 14, 34);
  frag[24] = fck >> 8;
  frag[25] = fck & 255;
  feed(stack, link, frag);
  t.is(got.length, 5);
  t.like(stack.stats.drops, { badHeader: 1, badChecksum: 2, unsupported: 1 });

  off();
  feed(stack, link, buildIpv4({ dst: OUR_MAC, src: PEER_MAC, protocol: 17, srcIp: PEER_IP, dstIp: OUR_IP, srcPort: 1, dstPort: 2 }));
  t.is(got.length, 5);
  t.is(stack.stats.delivered, 6);
});

test('receive rules: other unicast MACs, multicast, wrong VLANs, stacked tags, down or unknown links are ignored', (t) => {
  const { stack, link } = setup();
  const v = new FakeLink('bond0.100', OUR_MAC, 100);
  stack.attach(v);
  stack.addAddress('bond0.100', ip('10.100.0.1'), 24);
  feed(stack, link, arpRequest({ dst: PEER2_MAC })); // unicast to another MAC
  feed(stack, link, arpRequest({ dst: mac('01005e000001') })); // multicast
  feed(stack, link, arpRequest({ vlan: 5 })); // tagged on an untagged link
  feed(stack, v, arpRequest({ vlan: 5, tip: ip('10.100.0.1') })); // the wrong VLAN
  feed(stack, v, arpRequest({ vlan: 0, tip: ip('10.100.0.1') })); // priority tag: the untagged device's
  const stacked = arpRequest({ vlan: 100, tip: ip('10.100.0.1') });
  const qinq = new Uint8Array(stacked.length + 4);
  qinq.set(stacked.subarray(0, 16));
  qinq.set([0x81, 0x00, 0x00, 0x64], 16);
  qinq.set(stacked.subarray(16), 20);
  feed(stack, v, qinq);
  t.is(link.sent.length + v.sent.length, 0);
  t.like(stack.stats.drops, { otherHost: 1, multicast: 1, wrongVlan: 4 });
  // A priority-tagged frame (VID 0) on the untagged link is the untagged link's.
  feed(stack, link, arpRequest({ vlan: 0 }));
  t.is(link.sent.length, 1);
  t.is(link.hex().slice(24, 28), '0806', 'answered untagged');
  link.up = false;
  feed(stack, link, arpRequest());
  t.is(link.sent.length, 1);
  feed(stack, new FakeLink('eth9', OUR_MAC), arpRequest());
  t.like(stack.stats.drops, { linkDown: 1, notAttached: 1 });
  t.is(stack.stats.dropped, 8);
});

test('malformed frames never throw (fuzz); whatever is answered is well-formed; frames cut short are dropped', (t) => {
  const { stack, link } = setup();
  const v = new FakeLink('bond0.7', OUR_MAC, 7);
  stack.attach(v);
  stack.addAddress('bond0.7', ip('10.7.0.1'), 24);
  const seeds = [
    arpRequest(),
    arpRequest({ vlan: 7, tip: ip('10.7.0.1') }),
    arpReply(),
    echoRequest(),
    echoRequest(7, ip('10.7.0.1')),
    buildIpv4({ dst: OUR_MAC, src: PEER_MAC, protocol: 17, srcIp: PEER_IP, dstIp: OUR_IP, srcPort: 1, dstPort: 2, payload: 3 }),
    buildIpv4({ dst: OUR_MAC, src: PEER_MAC, protocol: 6, srcIp: PEER_IP, dstIp: OUR_IP, srcPort: 1, dstPort: 2 }),
  ];
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 120 }),
        fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 })).map(([s, edits]) => {
          const f = s.slice();
          for (const [at, val] of edits) f[at % f.length] = val;
          return f;
        }),
      ),
      fc.oneof(fc.constant(-1), fc.integer({ min: -10, max: 200 }), fc.constant(Number.NaN)),
      fc.boolean(),
      (frame, lenChoice, onVlan) => {
        const len = lenChoice === -1 ? frame.length : lenChoice;
        t.notThrows(() => stack.receive(onVlan ? v : link, frame, len));
      },
    ),
    { numRuns: 3000 },
  );
  // Whatever the stack sent in answer is a well-formed ARP reply or ICMP echo reply.
  const answers = [...link.sent, ...v.sent].map((s) => s.bytes);
  t.true(answers.length > 0);
  for (const f of answers) {
    const o = f[12] === 0x81 ? 16 : 12;
    t.true(f.length >= 60);
    if (f[o] === 0x08 && f[o + 1] === 0x06) {
      t.is(hexOf(f.subarray(o + 2, o + 10)), '0001080006040002');
    } else {
      t.is(hexOf(f.subarray(o, o + 3)), '080045');
      const total = (f[o + 4] << 8) | f[o + 5];
      t.is(csum(f, o + 2, o + 22), 0);
      t.is(f[o + 22], 0, 'echo reply');
      t.is(csum(f, o + 22, o + 2 + total), 0);
    }
  }
  // Frames cut short of their headers by `length` are dropped, whatever the buffer holds.
  const before = link.sent.length;
  const dropped = stack.stats.dropped;
  const req = arpRequest();
  for (let len = 0; len < 42; len++) stack.receive(link, req, len);
  t.is(link.sent.length, before);
  t.is(stack.stats.dropped, dropped + 42);
});

// ---- addresses and routes ----

test('addresses: iproute2 errors, secondaries after primaries, promotion, wildcard delete, ifconfig replace', (t) => {
  const { stack } = setup();
  const err = (fn: () => void, message: string) => t.throws(fn, { instanceOf: UsageError, message });
  err(() => stack.addAddress('bond0', OUR_IP, 24), 'RTNETLINK answers: File exists');
  err(() => stack.addAddress('nope', OUR_IP, 24), 'Cannot find device "nope"');
  err(() => stack.addAddress('bond0', ip('10.0.0.1'), 33), 'Error: any valid prefix is expected rather than "10.0.0.1/33".');
  err(() => stack.addAddress('bond0', ip('10.0.0.1'), -1), 'Error: any valid prefix is expected rather than "10.0.0.1/-1".');
  err(() => stack.addAddress('bond0', ip('10.0.0.1'), 1.5), 'Error: any valid prefix is expected rather than "10.0.0.1/1.5".');
  err(() => stack.addAddress('bond0', 2 ** 32, 8), 'Error: inet prefix is expected rather than "4294967296".');
  err(() => stack.removeAddress('bond0', ip('10.0.0.1')), 'RTNETLINK answers: Cannot assign requested address');
  err(() => stack.removeAddress('bond0', OUR_IP, 16), 'RTNETLINK answers: Cannot assign requested address');
  err(() => stack.removeAddress('nope', OUR_IP), 'Cannot find device "nope"');
  err(() => stack.setPrimaryAddress('nope', OUR_IP, 24), 'SIOCSIFADDR: No such device');
  err(() => stack.addresses('nope'), 'Device "nope" does not exist.');

  const list = () => stack.addresses('bond0').map((a) => `${a.ip >>> 24}.${(a.ip >>> 16) & 255}.${(a.ip >>> 8) & 255}.${a.ip & 255}/${a.prefix}`);
  stack.addAddress('bond0', ip('192.168.1.2'), 24); // secondary of 192.168.1.0/24
  stack.addAddress('bond0', OUR_IP, 16); // same IP, other prefix: allowed, a primary
  stack.addAddress('bond0', ip('10.0.0.1'), 8);
  t.deepEqual(list(), ['192.168.1.1/24', '192.168.1.1/16', '10.0.0.1/8', '192.168.1.2/24']);
  t.deepEqual(stack.route(PEER_IP), { link: stack.linkOfAddress(OUR_IP)!, src: OUR_IP });
  // Deleting the primary promotes the secondary (to after the last primary); it becomes the source.
  stack.removeAddress('bond0', OUR_IP, 24);
  t.deepEqual(list(), ['192.168.1.1/16', '10.0.0.1/8', '192.168.1.2/24']);
  t.is(stack.route(PEER_IP)!.src, ip('192.168.1.2'));
  // Without a prefix, the first address with that IP goes (iproute2's wildcard delete).
  stack.removeAddress('bond0', OUR_IP);
  t.deepEqual(list(), ['10.0.0.1/8', '192.168.1.2/24']);
  // ifconfig replaces the first address, prefix and all.
  stack.setPrimaryAddress('bond0', ip('172.16.0.1'), 12);
  t.deepEqual(list(), ['192.168.1.2/24', '172.16.0.1/12']);
  stack.setPrimaryAddress('bond0', ip('192.168.1.2'), 24);
  t.deepEqual(list(), ['192.168.1.2/24', '172.16.0.1/12'], 'the same address again: nothing changes');
  err(() => stack.setPrimaryAddress('bond0', ip('1.2.3.4'), 40), 'Error: any valid prefix is expected rather than "1.2.3.4/40".');
  const other = setup();
  other.stack.removeAddress('bond0', OUR_IP);
  other.stack.setPrimaryAddress('bond0', ip('10.1.1.1'), 24);
  t.deepEqual(other.stack.addresses('bond0'), [{ ip: ip('10.1.1.1'), prefix: 24 }], 'ifconfig on a link without addresses adds one');
});

test('routes: longest prefix, then the route made first; source address; attached links only; linkOfAddress', (t) => {
  const clock = new VirtualClock();
  const stack = new HostStack({ clock });
  const links = ['a', 'b', 'c', 'd', 'e'].map((n, i) => new FakeLink(n, Uint8Array.of(2, 0, 0, 0, 0, i + 1)));
  for (const l of links) stack.attach(l);
  stack.addAddress('a', ip('10.0.0.1'), 8);
  stack.addAddress('b', ip('10.1.0.1'), 16);
  stack.addAddress('c', ip('10.1.2.1'), 24);
  stack.addAddress('d', ip('172.16.0.1'), 16);
  stack.addAddress('e', ip('172.16.0.2'), 16);
  stack.addAddress('e', ip('192.168.9.9'), 32);
  const r = (dst: string) => {
    const x = stack.route(ip(dst));
    return x && `${x.link.name} ${x.src >>> 24}.${(x.src >>> 16) & 255}.${(x.src >>> 8) & 255}.${x.src & 255}`;
  };
  t.is(r('10.1.2.200'), 'c 10.1.2.1');
  t.is(r('10.1.3.5'), 'b 10.1.0.1');
  t.is(r('10.200.0.1'), 'a 10.0.0.1');
  t.is(r('11.0.0.1'), undefined);
  t.is(r('172.16.5.5'), 'd 172.16.0.1', 'same prefix on two links: the first route wins');
  t.is(r('192.168.9.9'), 'e 192.168.9.9');
  t.is(r('192.168.9.8'), undefined);
  stack.removeAddress('d', ip('172.16.0.1'));
  stack.addAddress('d', ip('172.16.0.1'), 16);
  t.is(r('172.16.5.5'), 'e 172.16.0.2', 'a re-made route comes after');
  links[4].up = false;
  t.is(r('172.16.5.5'), 'e 172.16.0.2', 'up or not: the caller decides');
  stack.detach('e');
  t.is(r('172.16.5.5'), 'd 172.16.0.1');
  t.is(stack.linkOfAddress(ip('10.1.2.1')), links[2]);
  t.is(stack.linkOfAddress(ip('10.1.2.2')), undefined);
  t.is(stack.linkOfAddress(ip('172.16.0.2')), undefined, 'detached');
  // The default route of a /0 address covers everything not more specific.
  stack.addAddress('a', ip('100.64.0.1'), 0);
  t.is(r('8.8.8.8'), 'a 100.64.0.1');
  // attach is idempotent per name: addresses stay.
  stack.attach(links[0]);
  t.is(stack.addresses('a').length, 2);
});

// ---- against the simulated host ----

test('talks to a SimHost: resolves it, pings it, exchanges UDP and TCP', async (t) => {
  const { clock, stack, link } = setup();
  const hostIp = ip('192.168.1.100');
  const host = new SimHost(hostIp, PEER_MAC, (f) => clock.setTimer(0, () => stack.receive(link, f, f.length)));
  link.onXmit = (frame, length) => {
    const copy = frame.slice(0, length);
    clock.setTimer(0, () => host.receive(copy));
  };
  const got: number[][] = [];
  stack.onDelivered((_l, protocol, src, sp, dp) => got.push([protocol, src, sp, dp]));
  const m = await clock.drive(stack.resolve(hostIp));
  t.is(formatMac(m!), '00:11:22:33:44:55');
  t.like(stack.neighbours(), [{ state: 'REACHABLE' }]);
  t.true(stack.sendIpv4(hostIp, 1, 0x77, 3, 8));
  t.true(stack.sendIpv4(hostIp, 17, 5000, 53, 10));
  t.true(stack.sendIpv4(hostIp, 6, 40000, 80, 0));
  await clock.advance(10);
  t.deepEqual(got, [
    [1, hostIp, 0x77, 3],
    [17, hostIp, 53, 5000],
    [6, hostIp, 80, 40000],
  ]);
  // The host resolves us and learns our MAC from our reply.
  host.resolve(OUR_IP);
  await clock.advance(10);
  t.is(formatMac(host.arpCache.get(OUR_IP)!), '02:50:43:0a:1b:2d');
  t.is(clock.pending, 0);
});

test('sendEchoRequest: an echo request as iputils builds it, byte for byte, from the scratch buffer', (t) => {
  const { stack, link } = setup(10);
  const frames = () => link.sent.length;
  // 24 data bytes: 16 of timestamp (1.5 s = tv_sec 1, tv_usec 500000), then bytes 16..23.
  t.true(stack.sendEchoRequest(link, PEER_MAC, OUR_IP, PEER_IP, 0x6201, 7, 24, 1_500_000));
  t.true(stack.sendEchoRequest(link, PEER_MAC, OUR_IP, PEER_IP, 0x6201, 8, 24, 1_500_000));
  t.is(link.differentBuffers, 0, 'both built in the same buffer');
  t.is(frames(), 2);
  const f = link.sent[0].bytes;
  t.is(hexOf(f.subarray(0, 18)), '001122334455' + '0250430a1b2d' + '8100000a' + '0800', 'to the neighbour, VLAN 10');
  // IPv4: 20 + 8 + 24 = 52 bytes, ID 0, DF, TTL 64, ICMP, 192.168.1.1 -> 192.168.1.100.
  t.is(hexOf(f.subarray(18, 38)).replace(/^(.{20})..../, '$1xxxx'), '45000034000040004001' + 'xxxx' + 'c0a80101' + 'c0a80164');
  t.is(csum(f, 18, 38), 0, 'IPv4 header checksum');
  const icmp = f.subarray(38, 38 + 32);
  t.is(hexOf(icmp.subarray(0, 8)).replace(/^(....)..../, '$1xxxx'), '0800' + 'xxxx' + '6201' + '0007', 'echo request, identifier 0x6201, sequence 7');
  t.is(hexOf(icmp.subarray(8, 24)), '0100000000000000' + '20a1070000000000', 'struct timeval, 64-bit little-endian: 1 s, 500000 µs');
  t.is(hexOf(icmp.subarray(24, 32)), '1011121314151617', 'then byte i = i');
  t.is(csum(icmp, 0, 32), 0, 'ICMP checksum');
  t.is(f.length, 70);
  t.throws(() => stack.sendEchoRequest(link, PEER_MAC, OUR_IP, PEER_IP, 1, 1, 1473, 0), { instanceOf: UsageError });
  link.up = false;
  t.false(stack.sendEchoRequest(link, PEER_MAC, OUR_IP, PEER_IP, 1, 1, 56, 0));
  t.is(stack.stats.icmpEchoRequestsOut, 2);
});

test('the simulated host echoes a request\'s data; the reply reaches onDelivered with its TTL, length and data', (t) => {
  const { clock, stack, link } = setup();
  const host = new SimHost(PEER_IP, PEER_MAC, (frame) => stack.receive(link, frame, frame.length));
  link.onXmit = (frame, length) => host.receive(frame.slice(0, length));
  const seen: string[] = [];
  stack.onDelivered((_l, proto, src, id, seq, p) => {
    seen.push(`${proto} ${src === PEER_IP} ${id} ${seq} ttl ${p.ttl} len ${p.length} ${hexOf(p.frame.subarray(p.offset + 8, p.offset + p.length))}`);
  });
  stack.sendEchoRequest(link, PEER_MAC, OUR_IP, PEER_IP, 9, 3, 20, 2_000_001);
  t.deepEqual(seen, [`1 true 9 3 ttl 64 len 28 ${'0200000000000000' + '0100000000000000' + '10111213'}`]);
  t.is(clock.now(), 0);
});
