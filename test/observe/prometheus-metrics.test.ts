// proxyless/prometheus: the five metrics, from real clients on real servers, as Prometheus scrapes them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { createClient } from '../../lib/client/create-client.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { prometheusMetrics } from '../../lib/observe/prometheus-metrics.js';
import { FakeDiscovery, instanceAt } from '../support/fake-discovery.js';
import { startServers, type TestServer } from '../support/http-servers.js';

/** The value of the sample `name{labels}` in a scrape, or `undefined` when there is none. */
function sample(scrape: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of scrape.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = match[2]!.split(',');
    if (wanted.length === have.length && wanted.every((pair) => have.includes(pair))) return Number(match[3]);
  }
  return undefined;
}

describe('proxyless/prometheus', { timeout: 60_000 }, () => {
  let servers: TestServer[];

  before(async () => {
    servers = await startServers(3);
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  test('two clients in one registry: attempts by instance and outcome, durations, retries, instance states and breakers', async () => {
    const [a, b, bad] = servers as [TestServer, TestServer, TestServer];
    a.respondWith((_req, res) => res.json({ ok: true }));
    b.respondWith((_req, res) => res.status(404).end());
    bad.respondWith((_req, res) => res.status(503).end());
    const registry = new Registry();
    const users = createClient({
      service: 'users',
      discovery: new FakeDiscovery([instanceAt(a.port, { id: 'users-a' }), instanceAt(bad.port, { id: 'users-bad' })]),
      picker: 'round-robin',
      breaker: { consecutiveFailures: 2, maxEjectionPercent: 50, panicThresholdPercent: 0 },
      retry: { backoff: false },
    });
    const orders = createClient({ service: 'orders', discovery: new FakeDiscovery([instanceAt(b.port, { id: 'orders-b' })]) });
    prometheusMetrics(users, { registry });
    prometheusMetrics(orders, { registry });
    prometheusMetrics(orders, { registry }); // a second registration of the same client counts nothing twice
    try {
      for (let i = 0; i < 10; i++) await users.get('/users');
      for (let i = 0; i < 4; i++) await orders.get('/orders').catch(() => undefined);
      const scrape = await registry.metrics();

      assert.equal(sample(scrape, 'proxyless_requests_total', { service: 'users', instance: 'users-a', outcome: 'success' }), 10);
      assert.equal(sample(scrape, 'proxyless_requests_total', { service: 'users', instance: 'users-bad', outcome: 'server-error' }), 2);
      assert.equal(sample(scrape, 'proxyless_requests_total', { service: 'orders', instance: 'orders-b', outcome: 'success' }), 4, 'a 404 is an instance that works');
      assert.equal(sample(scrape, 'proxyless_request_duration_seconds_count', { service: 'users', instance: 'users-a' }), 10);
      assert.ok(sample(scrape, 'proxyless_request_duration_seconds_sum', { service: 'users', instance: 'users-a' })! > 0);
      assert.equal(sample(scrape, 'proxyless_request_duration_seconds_bucket', { service: 'users', instance: 'users-a', le: '+Inf' }), 10);
      assert.equal(sample(scrape, 'proxyless_retries_total', { service: 'users', reason: '503' }), 2);
      assert.equal(sample(scrape, 'proxyless_instances', { service: 'users', state: 'healthy' }), 1);
      assert.equal(sample(scrape, 'proxyless_instances', { service: 'users', state: 'open' }), 1);
      assert.equal(sample(scrape, 'proxyless_instances', { service: 'users', state: 'half-open' }), 0);
      assert.equal(sample(scrape, 'proxyless_instances', { service: 'orders', state: 'healthy' }), 1);
      assert.equal(sample(scrape, 'proxyless_breaker_state', { service: 'users', instance: 'users-bad' }), 2);
      assert.equal(sample(scrape, 'proxyless_breaker_state', { service: 'users', instance: 'users-a' }), 0);
      assert.match(scrape, /# TYPE proxyless_request_duration_seconds histogram/);
    } finally {
      await Promise.all([users.close(), orders.close()]);
    }
    const afterClose = await registry.metrics();
    assert.equal(sample(afterClose, 'proxyless_instances', { service: 'users', state: 'healthy' }), undefined, 'a closed client leaves the gauges');
    assert.equal(sample(afterClose, 'proxyless_requests_total', { service: 'users', instance: 'users-a', outcome: 'success' }), 10, 'counters keep their counts');
  });

  test('hedges are counted as retries with reason "hedge"', async () => {
    const [slow, fast] = servers as [TestServer, TestServer];
    slow.respondWith((_req, res) => setTimeout(() => res.json({ ok: true }), 300));
    fast.respondWith((_req, res) => res.json({ ok: true }));
    const registry = new Registry();
    const client = createClient({
      service: 'search',
      discovery: new FakeDiscovery([instanceAt(slow.port, { id: 'search-slow' }), instanceAt(fast.port, { id: 'search-fast' })]),
      picker: { name: 'slow-first', pick: (instances, context) => instances.find((i) => !context.tried(i) && i.id === 'search-slow') ?? instances.find((i) => !context.tried(i)) },
      hedge: { delayMs: 20 },
    });
    prometheusMetrics(client, { registry });
    try {
      await client.get('/search');
      await new Promise((resolve) => setTimeout(resolve, 50)); // the losing attempt ends once aborted
      const scrape = await registry.metrics();
      assert.equal(sample(scrape, 'proxyless_retries_total', { service: 'search', reason: 'hedge' }), 1);
      assert.equal(sample(scrape, 'proxyless_requests_total', { service: 'search', instance: 'search-fast', outcome: 'success' }), 1);
      assert.equal(sample(scrape, 'proxyless_requests_total', { service: 'search', instance: 'search-slow', outcome: 'cancelled' }), 1);
    } finally {
      await client.close();
    }
  });

  test('anything but a client, or an unknown option, is refused', () => {
    assert.throws(() => prometheusMetrics({} as never), InvalidOptionError);
    const client = createClient({ service: 'users', discovery: new FakeDiscovery([]) });
    assert.throws(() => prometheusMetrics(client, { registy: new Registry() } as never), /did you mean `registry`/);
    return client.close();
  });
});
