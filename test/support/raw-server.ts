// A plain Node HTTP server inside the test process, for tests that must control the socket itself: cut a
// response mid-body, reset a connection after reading a request, answer slowly. It counts every request
// it received by method and path, and every request it *applied*, by the `x-request-id` header — what a
// test of "nothing duplicated" counts.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RawHandler = (request: IncomingMessage, response: ServerResponse, server: RawServer) => void;

export interface RawServer {
  readonly url: string;
  readonly port: number;
  /** Requests received, by `METHOD /path`. */
  readonly hits: Map<string, number>;
  /** Times each `x-request-id` was received in full (its body read to the end). */
  readonly applied: Map<string, number>;
  respondWith(handler: RawHandler): void;
  close(): Promise<void>;
}

export async function startRawServer(handler: RawHandler = (_request, response) => response.end('ok')): Promise<RawServer> {
  let current = handler;
  const hits = new Map<string, number>();
  const applied = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const key = `${request.method} ${request.url}`;
    hits.set(key, (hits.get(key) ?? 0) + 1);
    const id = request.headers['x-request-id'];
    if (typeof id === 'string') request.once('end', () => applied.set(id, (applied.get(id) ?? 0) + 1));
    current(request, response, raw);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const raw: RawServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    applied,
    respondWith(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return raw;
}

/** How many requests for `METHOD /path` the server received. */
export function hitsOf(server: RawServer, key: string): number {
  return server.hits.get(key) ?? 0;
}

/** What {@link echoing} answers: the request as the server received it. */
export interface Echo {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Answers each request, once its body is in, with its {@link Echo} as JSON and `x-served-by: name`. */
export function echoing(name: string): RawHandler {
  return (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const echo: Echo = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      response.setHeader('content-type', 'application/json');
      response.setHeader('x-served-by', name);
      response.end(JSON.stringify(echo));
    });
  };
}
