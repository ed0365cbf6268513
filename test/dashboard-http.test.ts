/**
 * The dashboard's web server and the embedded broker's MQTT over WebSocket, without a
 * browser: the built page and its headers, config.json, what it refuses (methods, unknown
 * paths, foreign Host names, WebSockets from foreign origins), `--http` parsing, ports in use,
 * and `bondfw run` printing the URL and serving it.
 */
import test from 'ava';
import { createServer, type Server } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { request } from 'node:http';
import mqtt from 'mqtt';
import { WebSocket } from 'ws';
import { startEmbeddedBroker } from '../firmware/telemetry/broker.ts';
import { dashboardConfig, startDashboard } from '../cli/http/dashboard.ts';
import { parseHttpSpec, startWebServer } from '../cli/http/server.ts';
import { runCli, startCli, stopCli, waitFor } from './helpers/cli.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(port: number, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function occupy(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, port: typeof a === 'object' && a ? a.port : 0 });
    });
  });
}

/** The WebSocket handshake's answer: 101 when taken, else the refusal's status. */
function handshake(url: string, origin?: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'mqtt', origin ? { origin } : {});
    ws.on('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

test('--http: <addr>:<port>, [<IPv6>]:<port> or none; anything else says what is allowed', (t) => {
  t.deepEqual(parseHttpSpec('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  t.deepEqual(parseHttpSpec('0.0.0.0:80'), { host: '0.0.0.0', port: 80 });
  t.deepEqual(parseHttpSpec('[::1]:9000'), { host: '::1', port: 9000 });
  t.deepEqual(parseHttpSpec('localhost:0'), { host: 'localhost', port: 0 });
  t.is(parseHttpSpec('none'), 'none');
  for (const bad of ['8080', '127.0.0.1', '127.0.0.1:99999', '::1:80', '[zz]:80', ':80', 'host:port', '']) {
    t.throws(() => parseHttpSpec(bad), { message: /--http takes <addr>:<port>/ }, bad);
  }
  const r = runCli(['run', '--http', '8080']);
  t.is(r.status, 1);
  t.regex(r.stderr, /bondfw: --http takes <addr>:<port> \(such as 127\.0\.0\.1:8080 or \[::1\]:8080\), or none \(got '8080'\)/);
});

test.serial('the page, its headers, config.json and what the server refuses; MQTT over WebSocket to the embedded broker', async (t) => {
  const broker = await startEmbeddedBroker(0);
  const dash = await startDashboard({ host: '127.0.0.1', port: 0 });
  const banner = dash.wire({ url: broker.url, group: 'g', node: 'n1', broker });
  const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(banner[0])![1]);
  t.is(banner[0], `dashboard: http://127.0.0.1:${port}/ (MQTT over WebSocket on ws://127.0.0.1:${port}/mqtt)`);
  const clients: mqtt.MqttClient[] = [];
  try {
    const page = await get(port, '/');
    t.is(page.status, 200);
    t.is(page.headers['content-type'], 'text/html; charset=utf-8');
    t.regex(String(page.headers['content-security-policy']), /default-src 'self'; script-src 'self'; style-src 'self'/);
    t.is(page.headers['x-content-type-options'], 'nosniff');
    const html = page.body.toString();
    // Everything the page loads is relative: from this server.
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) t.regex(m[1], /^(?:app\.js|app\.css|favicon\.svg|#\/.*)$/, m[1]);

    const js = await get(port, '/app.js', { headers: { 'Accept-Encoding': 'gzip' } });
    t.is(js.status, 200);
    t.is(js.headers['content-type'], 'text/javascript; charset=utf-8');
    t.is(js.headers['content-encoding'], 'gzip');
    const code = gunzipSync(js.body).toString();
    t.true(code.length > 100_000, 'mqtt.js, protobufjs and uPlot are in the bundle');
    t.notRegex(code, /https?:\/\/(?:cdn|unpkg|fonts\.)/, 'no CDN');
    const plain = await get(port, '/app.js');
    t.is(plain.headers['content-encoding'], undefined);
    t.deepEqual(gunzipSync(js.body), plain.body);
    t.is((await get(port, '/app.js', { headers: { 'If-None-Match': String(plain.headers.etag) } })).status, 304);
    t.is((await get(port, '/app.css')).headers['content-type'], 'text/css; charset=utf-8');
    t.is((await get(port, '/favicon.svg')).headers['content-type'], 'image/svg+xml');
    const head = await get(port, '/', { method: 'HEAD' });
    t.is(head.status, 200);
    t.is(head.body.length, 0);

    const config = await get(port, '/config.json');
    t.deepEqual(JSON.parse(config.body.toString()), { broker: '/mqtt', group: 'g', node: 'n1', mqtt: broker.url });

    t.is((await get(port, '/', { method: 'POST' })).status, 405);
    t.is((await get(port, '/../package.json')).status, 404);
    t.is((await get(port, '/dashboard/src/host.ts')).status, 404);
    t.is((await get(port, '/', { headers: { Host: 'rebound.example:8080' } })).status, 421, 'a DNS name rebound to loopback');
    t.is((await get(port, '/', { headers: { Host: `localhost:${port}` } })).status, 200);

    // MQTT over WebSocket reaches the same broker as TCP.
    const ws = `ws://127.0.0.1:${port}/mqtt`;
    t.is(await handshake(ws, 'http://evil.example'), 403, 'a page elsewhere cannot use the broker through the visitor');
    t.is(await handshake(ws, `http://127.0.0.1:${port}`), 101);
    t.is(await handshake(ws), 101, 'a client that is not a browser sends no Origin');
    t.is(await handshake(`ws://127.0.0.1:${port}/other`), 404);
    const tcp = mqtt.connect(broker.url, { protocolVersion: 4 });
    const wsc = mqtt.connect(ws, { protocolVersion: 4 });
    clients.push(tcp, wsc);
    await Promise.all([tcp, wsc].map((c) => new Promise((r) => c.once('connect', r))));
    await new Promise((r) => tcp.subscribe('spBv1.0/g/#', r));
    const got = new Promise<[string, string]>((r) => tcp.once('message', (topic, p) => r([topic, p.toString()])));
    wsc.publish('spBv1.0/g/NCMD/n1', 'over websocket');
    t.deepEqual(await got, ['spBv1.0/g/NCMD/n1', 'over websocket']);
  } finally {
    for (const c of clients) c.end(true);
    await broker.close();
    await dash.stop();
  }
});

test('the page is told the broker: /mqtt with the embedded one, a ws:// one as given, none for mqtt://', (t) => {
  t.deepEqual(dashboardConfig({ url: 'ws://10.1.1.1:9001', group: 'g', node: 'n' }), { broker: 'ws://10.1.1.1:9001', group: 'g', node: 'n', mqtt: 'ws://10.1.1.1:9001' });
  t.deepEqual(dashboardConfig({ url: 'mqtts://10.1.1.1:8883', group: 'g', node: 'n' }), { broker: null, group: 'g', node: 'n', mqtt: 'mqtts://10.1.1.1:8883' });
  t.deepEqual(dashboardConfig({ group: 'g', node: 'n' }), { broker: null, group: 'g', node: null, mqtt: null });
});

test.serial('a port in use: the default moves to a free one, an explicit one is an error', async (t) => {
  const taken = await occupy();
  try {
    const opts = { config: () => ({}), upgrade: () => undefined, assets: async () => new Map() };
    const moved = await startWebServer({ ...opts, endpoint: { host: '127.0.0.1', port: taken.port }, fallbackToFreePort: true });
    t.not(moved.port, taken.port);
    await moved.close();
    await t.throwsAsync(startWebServer({ ...opts, endpoint: { host: '127.0.0.1', port: taken.port } }), { message: `cannot serve the dashboard on 127.0.0.1:${taken.port}: address in use` });
    const r = runCli(['run', '--http', `127.0.0.1:${taken.port}`, '--mqtt', 'none']);
    t.is(r.status, 1);
    t.is(r.stderr, `bondfw: cannot serve the dashboard on 127.0.0.1:${taken.port}: address in use\n`);
  } finally {
    taken.server.close();
  }
});

test.serial('bondfw run prints the dashboard URL and serves the page; --http none turns it off', async (t) => {
  const p = startCli(['run', '--bridge', 'none', '--http', '127.0.0.1:0', '--mqtt', 'none']);
  try {
    const out = await waitFor(p.stdout, /console on stdin/);
    t.regex(out, /^telemetry off \(--mqtt none\)$/m);
    const m = /^dashboard: http:\/\/127\.0\.0\.1:(\d+)\/$/m.exec(out);
    t.truthy(m, out);
    const port = Number(m![1]);
    t.is((await get(port, '/')).status, 200);
    t.deepEqual(JSON.parse((await get(port, '/config.json')).body.toString()), { broker: null, group: 'gateways', node: null, mqtt: null });
  } finally {
    await stopCli(p);
  }
  const off = startCli(['run', '--bridge', 'none', '--http', 'none', '--mqtt', 'none']);
  try {
    t.regex(await waitFor(off.stdout, /console on stdin/), /^dashboard off \(--http none\)$/m);
  } finally {
    await stopCli(off);
  }
});

test('the page is told an external broker\'s address without the credentials in it', (t) => {
  const c = dashboardConfig({ url: 'wss://alice:s3cret@broker.example:8884/mqtt', group: 'g', node: 'n' });
  t.is(c.broker, 'wss://broker.example:8884/mqtt');
  t.is(c.mqtt, 'wss://broker.example:8884/mqtt');
  t.false(JSON.stringify(c).includes('s3cret'));
  t.is(dashboardConfig({ url: 'mqtts://bob:pw@h:8883', group: 'g', node: 'n' }).mqtt, 'mqtts://h:8883');
});
