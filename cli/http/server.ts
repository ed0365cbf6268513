/**
 * The dashboard's web server (Node): the page's files, `config.json` (what the page connects
 * to by default) and the WebSocket upgrades of one path handed to whoever takes them (the
 * embedded broker, on /mqtt). Files come from memory, never from a path in the URL.
 *
 * Bound to loopback, it answers only requests addressed to a loopback name, so that a web
 * page elsewhere cannot reach it through a DNS name rebound to 127.0.0.1; and it takes a
 * WebSocket only from a page of its own origin (or from a client that sends no Origin, which
 * is not a browser), so that a page elsewhere cannot send the gateway commands through the
 * visitor's browser.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { FirmwareError, UsageError } from '../../lib/errors.ts';

export interface HttpEndpoint {
  host: string;
  port: number;
}

export const DEFAULT_HTTP: HttpEndpoint = { host: '127.0.0.1', port: 8080 };

/** `<addr>:<port>`, `[<IPv6>]:<port>` or `none`; throws with what is allowed. */
export function parseHttpSpec(spec: string): HttpEndpoint | 'none' {
  if (spec === 'none') return 'none';
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(spec);
  const host = m?.[1] ?? m?.[2];
  const port = m ? Number(m[3]) : NaN;
  if (!m || !host || port > 65535 || (m[1] !== undefined && isIP(m[1]) !== 6)) {
    throw new UsageError(`--http takes <addr>:<port> (such as 127.0.0.1:8080 or [::1]:8080), or none (got '${spec}')`);
  }
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface StaticAsset {
  type: string;
  body: Uint8Array;
}

export interface ServerOptions {
  endpoint: HttpEndpoint;
  /** The endpoint is a default: if its port is taken, take a free one. */
  fallbackToFreePort?: boolean;
  /** The page's files by path ('/' for the page); built on the first request. */
  assets: () => Promise<Map<string, StaticAsset>>;
  /** Served as /config.json; undefined while not known yet (503). */
  config(): unknown;
  /** WebSocket upgrades of this path go to `handle`. */
  upgrade(): { path: string; handle(req: IncomingMessage, socket: Duplex, head: Buffer): void } | undefined;
}

export interface WebServer {
  host: string;
  port: number;
  /** http://host:port/ (IPv6 in brackets). */
  url: string;
  close(): Promise<void>;
}

/**
 * Nothing but this server's own files: every script, style, image and font comes from it;
 * the broker may be anywhere the user points the page (ws: and wss:).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self' ws: wss:", "worker-src 'self' blob:", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

interface Prepared {
  type: string;
  body: Buffer;
  gzip: Buffer | undefined;
  etag: string;
}

function prepare(a: StaticAsset): Prepared {
  const body = Buffer.from(a.body);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { type: a.type, body, gzip: body.length > 1024 ? gzipSync(body) : undefined, etag };
}

/** The host part of a Host or Origin header's authority, brackets dropped. */
function authorityHost(authority: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(authority) ?? /^([^:]+)(?::\d+)?$/.exec(authority);
  return (m?.[1] ?? '').toLowerCase();
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

export async function startWebServer(opts: ServerOptions): Promise<WebServer> {
  const { endpoint } = opts;
  const loopbackOnly = isLoopback(endpoint.host);
  let built: Promise<Map<string, Prepared>> | undefined;
  const files = (): Promise<Map<string, Prepared>> => {
    built ??= opts.assets().then((m) => new Map([...m].map(([k, v]) => [k, prepare(v)])));
    // A failed build is tried again on the next request.
    built.catch(() => (built = undefined));
    return built;
  };
  let config: Prepared | undefined;
  const configFile = (): Prepared | undefined => {
    const c = opts.config();
    if (c !== undefined) config ??= prepare({ type: 'application/json; charset=utf-8', body: Buffer.from(`${JSON.stringify(c)}\n`) });
    return config;
  };

  const hostAllowed = (req: IncomingMessage): boolean => !loopbackOnly || isLoopback(authorityHost(req.headers.host ?? ''));

  const send = (req: IncomingMessage, res: ServerResponse, status: number, type: string, body: Buffer, extra: Record<string, string> = {}) => {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': String(body.length),
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      ...extra,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const text = (req: IncomingMessage, res: ServerResponse, status: number, message: string, extra?: Record<string, string>) =>
    send(req, res, status, 'text/plain; charset=utf-8', Buffer.from(`${message}\n`), extra);

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostAllowed(req)) return text(req, res, 421, 'this server answers only to a loopback address (127.0.0.1, localhost, [::1])');
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(req, res, 405, 'only GET and HEAD', { Allow: 'GET, HEAD' });
    const path = (req.url ?? '/').split('?')[0];
    let file: Prepared | undefined;
    if (path === '/config.json') {
      file = configFile();
      if (!file) return text(req, res, 503, 'starting');
    } else {
      let all: Map<string, Prepared>;
      try {
        all = await files();
      } catch (e) {
        return text(req, res, 500, `the dashboard could not be built: ${(e as Error).message}`);
      }
      file = all.get(path === '/index.html' ? '/' : path);
    }
    if (!file) return text(req, res, 404, `no such file: ${path}`);
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, { ETag: file.etag, 'Cache-Control': 'no-cache' });
      res.end();
      return;
    }
    const gzip = file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    send(req, res, 200, file.type, gzip ? file.gzip! : file.body, { ETag: file.etag, Vary: 'Accept-Encoding', ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) });
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((e: unknown) => {
      if (!res.headersSent) text(req, res, 500, (e as Error).message);
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '/').split('?')[0];
    const upgrade = opts.upgrade();
    if (!upgrade || path !== upgrade.path) return refuse('404 Not Found');
    if (!hostAllowed(req)) return refuse('421 Misdirected Request');
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let same = false;
      try {
        same = new URL(origin).host.toLowerCase() === String(req.headers.host ?? '').toLowerCase();
      } catch {
        same = false;
      }
      if (!same) return refuse('403 Forbidden');
    }
    upgrade.handle(req, socket, head);
  });

  let port: number;
  try {
    port = await listen(server, endpoint.host, endpoint.port);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!opts.fallbackToFreePort || code !== 'EADDRINUSE') {
      throw new FirmwareError(`cannot serve the dashboard on ${endpoint.host}:${endpoint.port}: ${code === 'EADDRINUSE' ? 'address in use' : (e as Error).message}`);
    }
    port = await listen(server, endpoint.host, 0);
  }
  // The job lives as long as its console; a server bound before a boot that fails must not keep it.
  server.unref();
  const shown = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return {
    host: endpoint.host,
    port,
    url: `http://${shown}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
