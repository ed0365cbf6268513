/**
 * The embedded MQTT broker of the main job (aedes, MQTT 3.1.1): so that `npm start` shows
 * telemetry with no set-up. It listens on 127.0.0.1:1883, or on a free port if that one is
 * taken.
 */
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';

export interface EmbeddedBroker {
  port: number;
  url: string;
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
  let port: number;
  try {
    port = await listen(server, preferred);
  } catch {
    port = await listen(server, 0); // taken: any free port
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      }),
  };
}
