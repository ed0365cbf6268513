/**
 * The far end's traffic for `interop:lacp`, run inside Open vSwitch's network namespace
 * (`ip netns exec <ns> node --import tsx/esm tools/interop/udp-peer.ts <ip> <port>`): UDP flows to
 * the firmware at a fixed rate, each datagram numbered, and a receiver counting the firmware's
 * datagrams per flow (source port). Driven by JSON lines on stdin, answers JSON lines on
 * stdout:
 *
 *   {"op":"send","dst":"10.99.0.1","dport":9000,"sport":30000,"flows":16,"rate":50,"tag":7,"size":1000}
 *        starts `flows` flows from source ports sport..sport+flows-1, `rate` datagrams/s each,
 *        `size` payload bytes: tag (u32), the flow's sequence number (u32), big-endian, zeros
 *   {"op":"stop"}     stops sending; answers {"sent":[per flow]}
 *   {"op":"counts"}   answers {"rx":{"<sport>":n,...},"maxGapMs":{"<sport>":ms,...}} for what
 *                     arrived on <ip>:<port> since the last reset
 *   {"op":"reset"}    clears the receive counts; answers {"reset":true}
 *   {"op":"quit"}
 * Prints {"ready":true} once the receiver is bound.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createInterface } from 'node:readline';

interface SendCmd {
  op: 'send';
  dst: string;
  dport: number;
  sport: number;
  flows: number;
  rate: number;
  tag: number;
  /** UDP payload bytes (at least 8). */
  size: number;
}

const [listenIp, listenPort] = [process.argv[2], Number(process.argv[3])];
const answer = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

// --- receiver ---------------------------------------------------------------------------
const rx = new Map<number, number>();
const lastAt = new Map<number, number>();
const maxGap = new Map<number, number>();
// A receive buffer that holds a second or more of the flows while this process waits for a CPU.
const receiver = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
receiver.on('message', (_msg, from) => {
  const now = performance.now();
  rx.set(from.port, (rx.get(from.port) ?? 0) + 1);
  const last = lastAt.get(from.port);
  if (last !== undefined) maxGap.set(from.port, Math.max(maxGap.get(from.port) ?? 0, now - last));
  lastAt.set(from.port, now);
});

// --- sender -----------------------------------------------------------------------------
let sockets: Socket[] = [];
let sent: number[] = [];
let timer: NodeJS.Timeout | undefined;

async function startSending(c: SendCmd): Promise<void> {
  stopSending();
  sockets = await Promise.all(
    Array.from({ length: c.flows }, (_, i) => new Promise<Socket>((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(c.sport + i, listenIp, () => resolve(s));
    })),
  );
  sent = new Array<number>(c.flows).fill(0);
  const start = performance.now();
  const tick = (): void => {
    // Due counts from the elapsed time: a late timer sends what it owes, the rate stays fixed.
    const due = Math.floor(((performance.now() - start) * c.rate) / 1000);
    for (let f = 0; f < sockets.length; f++) {
      while (sent[f] < due) {
        // A buffer per datagram: dgram may still hold the last one when send() returns.
        const payload = Buffer.alloc(c.size);
        payload.writeUInt32BE(c.tag >>> 0, 0);
        payload.writeUInt32BE(sent[f], 4);
        sockets[f].send(payload, c.dport, c.dst);
        sent[f]++;
      }
    }
  };
  timer = setInterval(tick, 5);
}

function stopSending(): void {
  if (timer) clearInterval(timer);
  timer = undefined;
  for (const s of sockets) s.close();
  sockets = [];
}

receiver.bind(listenPort, listenIp, () => answer({ ready: true }));

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const c = JSON.parse(line) as { op: string };
  switch (c.op) {
    case 'send':
      startSending(c as SendCmd).then(
        () => answer({ sending: true }),
        (e: Error) => answer({ error: e.message }),
      );
      break;
    case 'stop':
      stopSending();
      answer({ sent });
      break;
    case 'counts':
      answer({ rx: Object.fromEntries(rx), maxGapMs: Object.fromEntries([...maxGap].map(([p, g]) => [p, Math.round(g)])) });
      break;
    case 'reset':
      rx.clear();
      lastAt.clear();
      maxGap.clear();
      answer({ reset: true });
      break;
    case 'quit':
      process.exit(0);
  }
});
// The tool gone (stdin closed): nothing is left to drive us.
lines.on('close', () => process.exit(0));
