// client.stats(): what a client sees and does, as plain data, on real servers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from '../../lib/client/create-client.js';
import { FakeDiscovery, instanceAt } from '../support/fake-discovery.js';
import { startServers, type TestServer } from '../support/http-servers.js';

describe('client.stats()', { timeout: 60_000 }, () => {
  let servers: TestServer[];

  before(async () => {
    servers = await startServers(3);
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  function answerNormally(): void {
    for (const server of servers) server.respondWith((_req, res) => res.json({ id: server.name }));
  }

  test('counts the attempts each instance got, its failures and the retries they caused, and shows its breaker open', async () => {
    answerNormally();
    const [good1, good2, bad] = servers as [TestServer, TestServer, TestServer];
    bad.respondWith((_req, res) => res.status(503).json({ id: bad.name }));
    const client = createClient({
      service: 'users',
      discovery: new FakeDiscovery(servers.map((s) => instanceAt(s.port))),
      picker: 'round-robin',
      breaker: { consecutiveFailures: 3, maxEjectionPercent: 50 },
      retry: { backoff: false },
    });
    try {
      for (let i = 0; i < 30; i++) await client.get('/users');
      const stats = client.stats();
      const byPort = new Map(stats.instances.map((i) => [i.port, i]));
      const failing = byPort.get(bad.port)!;
      assert.equal(stats.service, 'users');
      assert.equal(stats.picker, 'round-robin');
      assert.equal(failing.state, 'open');
      assert.equal(failing.failures, 3, 'three 503s in a row opened it; it got no more attempts');
      assert.equal(failing.requests, 3);
      assert.equal(byPort.get(good1.port)!.state, 'healthy');
      assert.equal(byPort.get(good1.port)!.failures, 0);
      assert.equal(stats.retries.total, 3, 'each 503 was retried on a good instance');
      assert.deepEqual(stats.retries.byReason, { '503': 3 });
      assert.equal(stats.totals.requests, 33);
      assert.equal(stats.totals.failures, 3);
      assert.equal(stats.totals.healthy, 2);
      assert.equal(stats.totals.inFlight, 0);
      assert.equal(byPort.get(good1.port)!.requests + byPort.get(good2.port)!.requests, 30);
      const shares = stats.instances.reduce((sum, i) => sum + i.share, 0);
      assert.ok(Math.abs(shares - 1) < 1e-9, `shares add up to 1, got ${shares}`);
      assert.equal(typeof stats.retries.budgetLeft, 'number');
      assert.ok(stats.retries.budgetLeft! > 0);
      assert.equal(stats.panic, false);
      assert.deepEqual(stats.discovery, { state: 'live', source: 'a fake discovery' });
      assert.equal(byPort.get(good1.port)!.latencyMs, undefined, 'round-robin keeps no latency estimate');
    } finally {
      await client.close();
    }
  });

  test("gives p2c-ewma's latency estimate: a slow instance's is higher than a fast one's", async () => {
    answerNormally();
    const [fast, slow] = servers as [TestServer, TestServer];
    slow.respondWith((_req, res) => setTimeout(() => res.json({ id: slow.name }), 60));
    const client = createClient({ service: 'users', discovery: new FakeDiscovery([instanceAt(fast.port), instanceAt(slow.port)]) });
    try {
      for (let i = 0; i < 40; i++) await client.get('/users');
      const stats = client.stats();
      assert.equal(stats.picker, 'p2c-ewma');
      const fastStats = stats.instances.find((i) => i.port === fast.port)!;
      const slowStats = stats.instances.find((i) => i.port === slow.port)!;
      assert.equal(typeof slowStats.latencyMs, 'number');
      assert.equal(typeof fastStats.latencyMs, 'number');
      assert.ok(slowStats.latencyMs! > 40, `the slow instance's estimate is near its 60 ms, got ${slowStats.latencyMs}`);
      assert.ok(fastStats.latencyMs! < slowStats.latencyMs!, 'the fast one is estimated faster');
      assert.ok(fastStats.share > slowStats.share, 'and it took more of the traffic');
    } finally {
      await client.close();
    }
  });

  test("tells discovery's state: waiting, failing with the error's message, then live", async () => {
    answerNormally();
    const discovery = new FakeDiscovery();
    const client = createClient({ service: 'users', discovery });
    try {
      assert.equal(client.stats().discovery.state, 'waiting');
      assert.deepEqual(client.stats().instances, []);
      discovery.fail(new Error('consul at 127.0.0.1:8500 answered HTTP 500'));
      assert.deepEqual(client.stats().discovery, { state: 'failing', source: 'a fake discovery', detail: 'consul at 127.0.0.1:8500 answered HTTP 500' });
      discovery.set([instanceAt(servers[0]!.port)]);
      assert.equal(client.stats().discovery.state, 'live');
      assert.equal(client.stats().instances.length, 1);
    } finally {
      await client.close();
    }
  });

  test('counts failures that were not retried by why not, and says when retries are not budgeted', async () => {
    answerNormally();
    const bad = servers[2]!;
    bad.respondWith((_req, res) => res.status(503).end());
    const client = createClient({
      service: 'users',
      discovery: new FakeDiscovery([instanceAt(bad.port)]),
      retry: { budget: false, backoff: false },
      breaker: false,
    });
    try {
      await client.post('/orders', {}).catch(() => undefined);
      const stats = client.stats();
      assert.deepEqual(stats.retries.notRetried, { 'not-idempotent': 1 });
      assert.equal(stats.retries.total, 0);
      assert.equal(stats.retries.budgetLeft, null);
      assert.deepEqual(JSON.parse(JSON.stringify(stats)), stats, 'a snapshot is plain data');
    } finally {
      await client.close();
    }
  });
});
