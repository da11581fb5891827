// A tiny stand-in for a Consul agent's HTTP API, for unit tests of behaviours a real agent will not show on
// demand: index resets, early returns, scripted errors, cache ages. Integration tests use real agents.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status?: number;
  index?: string;
  /** Service IDs of passing instances, ports 9000 + position. */
  ids?: string[];
  /** A plain-text body (an error) instead of health entries. */
  text?: string;
  headers?: Record<string, string>;
}

export interface SeenRequest {
  readonly at: number;
  readonly path: string;
  readonly index: string | null;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** Answers the n-th health request with `script(n)`, or holds it open as a blocking query would. */
export type Script = (n: number, request: SeenRequest) => Reply | 'hold';

export interface FakeConsul {
  readonly port: number;
  /** Health requests, in order. */
  readonly seen: SeenRequest[];
  /** Every other request (status, ACL probes), in order. */
  readonly other: SeenRequest[];
  /** What `/v1/status/leader` answers: a leader, none (""), or HTTP 500. */
  leader: 'known' | 'none' | 'error';
  close(): Promise<void>;
}

export async function startFakeConsul(script: Script): Promise<FakeConsul> {
  const seen: SeenRequest[] = [];
  const other: SeenRequest[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const record: SeenRequest = {
      at: performance.now(),
      path: url.pathname,
      index: url.searchParams.get('index'),
      query: url.searchParams,
      headers: request.headers,
    };
    if (url.pathname === '/v1/status/leader') {
      other.push(record);
      if (fake.leader === 'error') response.writeHead(500).end('No known Consul servers');
      else response.writeHead(200, { 'content-type': 'application/json' }).end(fake.leader === 'known' ? '"127.0.0.1:8300"' : '""');
      return;
    }
    if (!url.pathname.startsWith('/v1/health/service/')) {
      other.push(record);
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not in this fake');
      return;
    }
    seen.push(record);
    const reply = script(seen.length, record);
    if (reply === 'hold') return;
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.index !== undefined) headers['x-consul-index'] = reply.index;
    if (reply.text !== undefined) {
      response.writeHead(reply.status ?? 500, { ...headers, 'content-type': 'text/plain' }).end(reply.text);
      return;
    }
    response.writeHead(reply.status ?? 200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(healthEntries(reply.ids ?? [])));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: FakeConsul = {
    port: (server.address() as AddressInfo).port,
    seen,
    other,
    leader: 'known',
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return fake;
}

export function healthEntries(ids: readonly string[]): unknown[] {
  return ids.map((id, i) => ({
    Node: { Node: 'n1', Address: '127.0.0.1', Datacenter: 'dc1', Meta: {} },
    Service: { ID: id, Service: 'svc', Address: '', Port: 9000 + i, Tags: [], Meta: {} },
    Checks: [{ Status: 'passing' }],
  }));
}

/** Resolves once `condition` holds, polling every 5 ms; rejects after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
