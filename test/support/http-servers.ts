// Real Express servers inside the test process, for client tests that do not need to kill -9 them.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';

export interface TestServer {
  readonly port: number;
  readonly name: string;
  /** Requests this server has received, by path. */
  readonly hits: Map<string, number>;
  /** Changes how the server answers every request from now on. */
  respondWith(handler: (req: Request, res: Response) => void): void;
  close(): Promise<void>;
}

export async function startServer(name: string): Promise<TestServer> {
  const hits = new Map<string, number>();
  let handler = (req: Request, res: Response): void => {
    res.json({ server: name, method: req.method, path: req.path, body: req.body as unknown });
  };
  const app = express();
  app.use(express.json());
  app.use((req, res) => {
    hits.set(req.path, (hits.get(req.path) ?? 0) + 1);
    handler(req, res);
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    name,
    hits,
    respondWith(next) {
      handler = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function startServers(count: number): Promise<TestServer[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startServer(`s${i + 1}`)));
}

/** Total hits across paths. */
export function totalHits(server: TestServer): number {
  let total = 0;
  for (const n of server.hits.values()) total += n;
  return total;
}
