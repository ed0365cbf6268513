/**
 * The embedded MQTT broker of the main job (aedes, MQTT 3.1.1): so that `npm start` shows
 * telemetry with no set-up. It listens on 127.0.0.1:1883, or on a free port if that one is
 * taken; and MQTT over WebSocket (aedes over `ws`) on the upgrade requests it is handed
 * (the dashboard's web server hands it those for /mqtt, so it is on that server's address).
 */
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';

export interface EmbeddedBroker {
  port: number;
  url: string;
  /** Takes an HTTP upgrade request as an MQTT over WebSocket connection. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

export async function startEmbeddedBroker(preferred = 1883): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle as never);
  // MQTT over WebSocket names its subprotocol `mqtt` (MQTT 3.1.1, 6.0).
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has('mqtt') ? 'mqtt' : false) });
  let port: number;
  try {
    port = await listen(server, preferred);
  } catch {
    port = await listen(server, 0); // taken: any free port
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    upgrade: (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => broker.handle(createWebSocketStream(ws) as never, req as never));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        broker.close(() => server.close(() => resolve()));
      }),
  };
}
