// Unit tests of the blocking-query loop against a tiny fake of Consul's HTTP API (the health endpoint only),
// for behaviours a real agent will not show on demand: index resets, early returns, scripted errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Consul from 'consul';
import { ConsulHealthWatch, type ConsulHealthWatchOptions } from '../../lib/discovery/consul-health-watch.js';
import { DiscoveryError } from '../../lib/errors/discovery-error.js';
import { DiscoveryRecorder } from '../support/discovery-recorder.js';

interface Reply {
  status?: number;
  index?: string;
  ids?: string[];
  text?: string;
}

interface SeenRequest {
  at: number;
  index: string | null;
  query: URLSearchParams;
}

/** A fake agent: answers the n-th request with `script(n)` (or holds it open, as a blocking query would). */
async function fakeConsul(script: (n: number, request: SeenRequest) => Reply | 'hold') {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const record = { at: performance.now(), index: url.searchParams.get('index'), query: url.searchParams };
    seen.push(record);
    const reply = script(seen.length, record);
    if (reply === 'hold') return;
    const headers: Record<string, string> = {};
    if (reply.index !== undefined) headers['x-consul-index'] = reply.index;
    if (reply.text !== undefined) {
      response.writeHead(reply.status ?? 500, { ...headers, 'content-type': 'text/plain' }).end(reply.text);
      return;
    }
    const body = (reply.ids ?? []).map((id, i) => ({
      Node: { Node: 'n1', Address: '127.0.0.1', Datacenter: 'dc1', Meta: {} },
      Service: { ID: id, Service: 'svc', Address: '', Port: 9000 + i, Tags: [], Meta: {} },
      Checks: [{ Status: 'passing' }],
    }));
    response.writeHead(reply.status ?? 200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const client = new Consul({ host: '127.0.0.1', port });
  const watches: ConsulHealthWatch[] = [];
  return {
    seen,
    watch(options: Partial<ConsulHealthWatchOptions> = {}) {
      const watch = new ConsulHealthWatch({ client, service: 'svc', query: {}, source: `consul at 127.0.0.1:${port}, service "svc"`, waitMs: 1000, ...options });
      watches.push(watch);
      return watch;
    },
    async close() {
      for (const watch of watches) watch.close();
      client.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('ConsulHealthWatch', { timeout: 20_000 }, () => {
  test('an index that goes backwards starts over from index 0, and the answer with it is delivered', async () => {
    const consul = await fakeConsul((n) => {
      if (n === 1) return { index: '10', ids: ['a'] };
      if (n === 2) return { index: '5', ids: ['a', 'b'] };
      if (n === 3) return { index: '12', ids: ['a', 'b'] };
      return 'hold';
    });
    const recorder = new DiscoveryRecorder();
    try {
      consul.watch().add(recorder);
      await until(() => consul.seen.length >= 4);
      assert.deepEqual(consul.seen.map((r) => r.index), ['0', '10', '0', '12']);
      assert.deepEqual(recorder.sets.map((set) => set.map((i) => i.id)), [['a'], ['a', 'b']]);
    } finally {
      await consul.close();
    }
  });

  test('a call that returns without the index moving is spaced by the minimum interval; a real change is not', async () => {
    const consul = await fakeConsul((n) => {
      if (n === 1) return { index: '7', ids: ['a'] };
      if (n <= 3) return { index: '7', ids: ['a'] };
      if (n === 4) return { index: '8', ids: ['b'] };
      return 'hold';
    });
    const recorder = new DiscoveryRecorder();
    try {
      consul.watch({ minIntervalMs: 200 }).add(recorder);
      await until(() => consul.seen.length >= 5);
      const at = consul.seen.map((r) => r.at);
      assert.ok(at[1]! - at[0]! < 100, `after the first answer the loop blocks at once (${at[1]! - at[0]!} ms)`);
      assert.ok(at[2]! - at[1]! >= 190, `unmoved index spaced ${at[2]! - at[1]!} ms`);
      assert.ok(at[3]! - at[2]! >= 190, `unmoved index spaced ${at[3]! - at[2]!} ms`);
      assert.ok(at[4]! - at[3]! < 100, `a moved index is followed at once (${at[4]! - at[3]!} ms)`);
      assert.deepEqual(recorder.sets.map((set) => set.map((i) => i.id)), [['a'], ['b']], 'the same set is not delivered twice');
    } finally {
      await consul.close();
    }
  });

  test('errors back off exponentially up to the cap, keep the last set, and success resets the backoff', async () => {
    const consul = await fakeConsul((n) => {
      if (n === 1) return { index: '3', ids: ['a'] };
      if (n <= 6) return { status: 500, text: 'rpc error: No cluster leader' };
      if (n === 7) return { index: '4', ids: ['a'] };
      return 'hold';
    });
    const recorder = new DiscoveryRecorder();
    try {
      consul.watch({ backoffBaseMs: 40, backoffMaxMs: 160, random: () => 0.999 }).add(recorder);
      await until(() => consul.seen.length >= 8);
      const gaps = consul.seen.slice(1, 8).map((r, i) => r.at - consul.seen[i]!.at);
      // Request 2 follows the first answer at once; then 40, 80, 160, 160, 160 ms of backoff; then at once (index 0 after errors).
      const expected = [0, 40, 80, 160, 160, 160];
      expected.forEach((ms, i) => assert.ok(gaps[i]! >= ms * 0.999 - 5, `gap ${i} was ${gaps[i]} ms, expected ≥ ${ms}`));
      assert.ok(gaps[2]! < 150 && gaps[5]! < 300, `backoff is bounded: ${gaps.map(Math.round).join(', ')}`);
      assert.equal(consul.seen[6]!.index, '0', 'after errors the loop starts over from index 0');
      assert.equal(recorder.errors.length, 5);
      assert.ok(recorder.errors[0] instanceof DiscoveryError);
      assert.match(recorder.errors[0]!.message, /HTTP 500: rpc error: No cluster leader/);
      assert.deepEqual(recorder.sets.map((set) => set.map((i) => i.id)), [['a']], 'errors never empty the set');
    } finally {
      await consul.close();
    }
  });

  test('a missing index is treated as a reset and polled no faster than the minimum interval', async () => {
    const consul = await fakeConsul((n) => (n <= 3 ? { ids: ['a'] } : 'hold'));
    try {
      consul.watch({ minIntervalMs: 100 }).add(new DiscoveryRecorder());
      await until(() => consul.seen.length >= 4);
      assert.deepEqual(consul.seen.map((r) => r.index), ['0', '0', '0', '0']);
      assert.ok(consul.seen[3]!.at - consul.seen[1]!.at >= 190);
    } finally {
      await consul.close();
    }
  });

  test('query options become Consul query parameters', async () => {
    const consul = await fakeConsul(() => 'hold');
    try {
      consul
        .watch({ query: { tags: ['v2', 'eu'], datacenter: 'dc2', nodeMeta: { zone: 'z1', rack: 'r7' }, filter: 'Service.Meta.v == "2"' } })
        .add(new DiscoveryRecorder());
      await until(() => consul.seen.length >= 1);
      const query = consul.seen[0]!.query;
      assert.deepEqual(query.getAll('tag'), ['v2', 'eu']);
      assert.deepEqual(query.getAll('node-meta'), ['zone:z1', 'rack:r7']);
      assert.equal(query.get('dc'), 'dc2');
      assert.equal(query.get('filter'), 'Service.Meta.v == "2"');
      assert.equal(query.get('passing'), 'true');
      assert.equal(query.get('wait'), '1000ms');
    } finally {
      await consul.close();
    }
  });

  test('close cancels the request in flight and leaves no timer or socket behind', async () => {
    const consul = await fakeConsul(() => 'hold');
    const watch = consul.watch();
    watch.add(new DiscoveryRecorder());
    await until(() => consul.seen.length >= 1);
    await consul.close();
    const left = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout' || kind.startsWith('TCP'));
    // Sockets finish closing on a later turn of the event loop; none may linger.
    await until(() => left().length === 0, 1000).catch(() => undefined);
    assert.deepEqual(left(), []);
    assert.ok(watch.closed);
  });
});
