import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import axios, { AxiosError } from 'axios';
import { createClient } from '../../lib/client/create-client.js';
import type { BreakerEvent } from '../../lib/client/client-events.js';
import { AbsoluteUrlError } from '../../lib/errors/absolute-url-error.js';
import { ClientClosedError } from '../../lib/errors/client-closed-error.js';
import { DiscoveryTimeoutError } from '../../lib/errors/discovery-timeout-error.js';
import { NoHealthyInstancesError } from '../../lib/errors/no-healthy-instances-error.js';
import type { Picker } from '../../lib/pickers/picker.js';
import { FakeDiscovery, instanceAt } from '../support/fake-discovery.js';
import { startBlackhole } from '../support/blackhole.js';
import { freePort } from '../support/free-port.js';
import { startServers, totalHits, type TestServer } from '../support/http-servers.js';

describe('BalancedClient', { timeout: 60_000 }, () => {
  let servers: TestServer[];

  before(async () => {
    servers = await startServers(4);
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  function resetServers(): void {
    for (const server of servers) {
      server.hits.clear();
      server.respondWith((req, res) => {
        res.json({ server: server.name, method: req.method, body: req.body as unknown });
      });
    }
  }

  test('round-robin spreads evenly across four instances', async () => {
    resetServers();
    const client = createClient({
      service: 'users',
      discovery: new FakeDiscovery(servers.map((s) => instanceAt(s.port))),
      picker: 'round-robin',
    });
    try {
      for (let i = 0; i < 200; i++) await client.get('/spread');
      assert.deepEqual(
        servers.map((s) => s.hits.get('/spread')),
        [50, 50, 50, 50],
      );
    } finally {
      await client.close();
    }
  });

  test('a response comes back exactly as axios returns it', async () => {
    resetServers();
    const client = createClient({ service: 'users', discovery: new FakeDiscovery([instanceAt(servers[0]!.port)]) });
    try {
      const response = await client.post<{ server: string; method: string; body: unknown }>('/echo', { a: 1 });
      assert.equal(response.status, 200);
      assert.deepEqual(response.data, { server: 's1', method: 'POST', body: { a: 1 } });
    } finally {
      await client.close();
    }
  });

  test('an absolute URL is refused and never sent', async () => {
    resetServers();
    const client = createClient({ service: 'users', discovery: new FakeDiscovery(servers.map((s) => instanceAt(s.port))) });
    try {
      const target = `http://127.0.0.1:${servers[0]!.port}/direct`;
      for (const url of [target, `//127.0.0.1:${servers[0]!.port}/direct`, 'HTTPS://example.invalid/x', '\\\\evil/x']) {
        await assert.rejects(client.get(url), (error: unknown) => {
          assert.ok(error instanceof AbsoluteUrlError);
          assert.equal(error.code, 'ERR_PROXYLESS_ABSOLUTE_URL');
          assert.match(error.message, /users/);
          assert.match(error.message, /path/);
          return true;
        });
      }
      await assert.rejects(client.get('/x', { baseURL: target }), AbsoluteUrlError);
      assert.equal(servers.reduce((n, s) => n + totalHits(s), 0), 0);
    } finally {
      await client.close();
    }
  });

  test('no known instance rejects at once, naming the service', async () => {
    const client = createClient({ service: 'billing', discovery: new FakeDiscovery([]) });
    try {
      const started = performance.now();
      await assert.rejects(client.get('/x'), (error: unknown) => {
        assert.ok(error instanceof NoHealthyInstancesError);
        assert.equal(error.code, 'ERR_PROXYLESS_NO_HEALTHY_INSTANCES');
        assert.match(error.message, /"billing"/);
        return true;
      });
      assert.ok(performance.now() - started < 1_000);
    } finally {
      await client.close();
    }
  });

  test('a refused connection is retried on another instance, even for POST', async () => {
    resetServers();
    const deadPort = await freePort();
    const discovery = new FakeDiscovery([instanceAt(deadPort), instanceAt(servers[0]!.port)]);
    const client = createClient({ service: 'users', discovery, picker: 'round-robin', breaker: false });
    try {
      for (let i = 0; i < 20; i++) {
        const response = await client.post<{ server: string }>('/orders', { i });
        assert.equal(response.data.server, 's1');
      }
      assert.equal(servers[0]!.hits.get('/orders'), 20);
    } finally {
      await client.close();
    }
  });

  test('a connection that is not established in connectTimeoutMs is retried on another instance, even for POST', async () => {
    resetServers();
    const blackhole = await startBlackhole();
    const discovery = new FakeDiscovery([instanceAt(blackhole.port), instanceAt(servers[0]!.port)]);
    const client = createClient({ service: 'users', discovery, picker: 'round-robin', breaker: false, connectTimeoutMs: 200 });
    try {
      const timings: number[] = [];
      for (let i = 0; i < 4; i++) {
        const started = performance.now();
        const response = await client.post<{ server: string }>('/orders', { i });
        timings.push(performance.now() - started);
        assert.equal(response.data.server, 's1');
      }
      // Round-robin sends every other request to the blackhole first: those take the timeout, no more.
      assert.ok(timings.some((ms) => ms >= 190 && ms < 1_000), `timings ${timings.map((t) => t.toFixed(0)).join(', ')}`);
    } finally {
      await client.close();
      await blackhole.close();
    }
  });

  test('a retry never goes to the instance just tried while another exists, whatever the picker prefers', async () => {
    resetServers();
    const deadPort = await freePort();
    const firstAlways: Picker = { name: 'first-always', pick: (instances) => instances[0] };
    const discovery = new FakeDiscovery([instanceAt(deadPort), instanceAt(servers[0]!.port), instanceAt(servers[1]!.port)]);
    const client = createClient({ service: 'users', discovery, picker: firstAlways, breaker: false, retry: { attempts: 2 } });
    try {
      const answeredBy = new Set<string>();
      for (let i = 0; i < 10; i++) {
        const response = await client.put<{ server: string }>('/orders/1', { i });
        answeredBy.add(response.data.server);
      }
      assert.ok([...answeredBy].every((server) => server === 's1' || server === 's2'), 'every retry left the dead instance');
    } finally {
      await client.close();
    }
  });

  test("a retry goes where a picker that reads context.tried chooses among the instances not tried", async () => {
    resetServers();
    const deadPort = await freePort();
    const firstUntried: Picker = { name: 'first-untried', pick: (instances, context) => instances.find((i) => !context.tried(i)) };
    const discovery = new FakeDiscovery([instanceAt(deadPort), instanceAt(servers[0]!.port), instanceAt(servers[1]!.port)]);
    const client = createClient({ service: 'users', discovery, picker: firstUntried, breaker: false });
    try {
      for (let i = 0; i < 5; i++) {
        const response = await client.post<{ server: string }>('/orders', { i });
        assert.equal(response.data.server, 's1');
      }
    } finally {
      await client.close();
    }
  });

  test('a 503 is retried on another instance for GET but not for POST', async () => {
    resetServers();
    servers[0]!.respondWith((_req, res) => {
      res.status(503).json({ server: 's1' });
    });
    const discovery = new FakeDiscovery([instanceAt(servers[0]!.port), instanceAt(servers[1]!.port)]);
    const client = createClient({ service: 'users', discovery, picker: 'round-robin', breaker: false });
    try {
      for (let i = 0; i < 10; i++) {
        const response = await client.get<{ server: string }>('/read');
        assert.equal(response.data.server, 's2');
      }
      let failedPosts = 0;
      for (let i = 0; i < 10; i++) {
        await client.post('/write').catch((error: unknown) => {
          assert.ok(error instanceof AxiosError);
          assert.equal(error.response?.status, 503);
          failedPosts++;
        });
      }
      assert.equal(failedPosts, 5, 'every POST that landed on the failing instance fails, and only those');
    } finally {
      await client.close();
    }
  });

  test('a 4xx is returned to the caller untouched: no retry, no breaker', async () => {
    resetServers();
    for (const server of servers) {
      server.respondWith((_req, res) => {
        res.status(404).json({ missing: true });
      });
    }
    const opened: BreakerEvent[] = [];
    const client = createClient({
      service: 'users',
      discovery: new FakeDiscovery(servers.map((s) => instanceAt(s.port))),
      breaker: { volumeThreshold: 1 },
    });
    client.on('breakerOpened', (event) => opened.push(event));
    try {
      for (let i = 0; i < 20; i++) {
        await assert.rejects(client.get('/nothing'), (error: unknown) => error instanceof AxiosError && error.response?.status === 404);
      }
      assert.equal(servers.reduce((n, s) => n + totalHits(s), 0), 20, 'each request was sent once');
      assert.deepEqual(opened, []);
    } finally {
      await client.close();
    }
  });

  test("a 5xx the caller's validateStatus accepts is returned when no retry takes its place", async () => {
    resetServers();
    servers[0]!.respondWith((_req, res) => {
      res.status(500).json({ broken: true });
    });
    const client = createClient({ service: 'users', discovery: new FakeDiscovery([instanceAt(servers[0]!.port)]), breaker: false });
    try {
      const response = await client.get('/x', { validateStatus: () => true });
      assert.equal(response.status, 500);
      assert.deepEqual(response.data, { broken: true });
    } finally {
      await client.close();
    }
  });

  test('a failing instance trips its breaker and is routed around at once', async () => {
    resetServers();
    servers[0]!.respondWith((_req, res) => {
      res.status(500).end();
    });
    const opened: BreakerEvent[] = [];
    const client = createClient({
      service: 'users',
      discovery: new FakeDiscovery([instanceAt(servers[0]!.port), instanceAt(servers[1]!.port)]),
      picker: 'round-robin',
      breaker: { volumeThreshold: 3, resetTimeout: 60_000 },
      retry: false,
    });
    client.on('breakerOpened', (event) => opened.push(event));
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        statuses.push(await client.get('/x', { validateStatus: () => true }).then((r) => r.status));
      }
      assert.equal(opened.length, 1);
      assert.equal(opened[0]!.instance.port, servers[0]!.port);
      assert.equal(client.breakerState(`i-${servers[0]!.port}`), 'open');
      assert.ok((servers[0]!.hits.get('/x') ?? 0) <= 3, `the failing instance saw ${servers[0]!.hits.get('/x')} requests`);
      assert.deepEqual(statuses.slice(-20), new Array(20).fill(200));
    } finally {
      await client.close();
    }
  });

  test('a busy instance that starts failing opens its breaker after 5 failures in a row', async () => {
    resetServers();
    const opened: BreakerEvent[] = [];
    const client = createClient({
      service: 'users',
      discovery: new FakeDiscovery([instanceAt(servers[0]!.port), instanceAt(servers[1]!.port)]),
      picker: 'round-robin',
      breaker: { resetTimeout: 60_000 },
      retry: false,
    });
    client.on('breakerOpened', (event) => opened.push(event));
    try {
      for (let i = 0; i < 200; i++) await client.get('/warm');
      servers[0]!.respondWith((_req, res) => {
        res.status(500).end();
      });
      for (let i = 0; i < 40; i++) await client.get('/x', { validateStatus: () => true });
      // 100 successes sit in its window, so the share of failures alone (50 %) would not open it yet.
      assert.equal(opened.length, 1);
      assert.equal(servers[0]!.hits.get('/x'), 5);
    } finally {
      await client.close();
    }
  });

  test('an open breaker lets one trial through after resetTimeout and closes when the instance recovered', async () => {
    resetServers();
    servers[0]!.respondWith((_req, res) => {
      res.status(500).end();
    });
    const states: string[] = [];
    const client = createClient({
      service: 'users',
      discovery: new FakeDiscovery([instanceAt(servers[0]!.port), instanceAt(servers[1]!.port)]),
      picker: 'round-robin',
      breaker: { resetTimeout: 200 },
      retry: false,
    });
    client.on('breakerOpened', () => states.push('open'));
    client.on('breakerHalfOpened', () => states.push('half-open'));
    client.on('breakerClosed', () => states.push('closed'));
    try {
      for (let i = 0; i < 20; i++) await client.get('/x', { validateStatus: () => true });
      assert.deepEqual(states, ['open']);
      resetServers(); // the instance recovers
      // resetTimeout is 200 ms; a loaded machine may run the timer late, so wait for it rather than guess.
      for (const started = performance.now(); states.length < 2 && performance.now() - started < 5_000; ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(states, ['open', 'half-open']);
      for (let i = 0; i < 20; i++) await client.get('/x');
      assert.deepEqual(states, ['open', 'half-open', 'closed']);
      assert.equal(client.breakerState(`i-${servers[0]!.port}`), 'closed');
      assert.ok((servers[0]!.hits.get('/x') ?? 0) >= 9, 'the recovered instance takes its share again');
    } finally {
      await client.close();
    }
  });

  test("a wrapped axios instance keeps its defaults, interceptors and path prefix", async () => {
    resetServers();
    servers[0]!.respondWith((req, res) => {
      res.json({ path: req.path, auth: req.header('authorization') ?? null, trace: req.header('x-trace') ?? null });
    });
    const wrapped = axios.create({ baseURL: '/api/v1', headers: { authorization: 'Bearer t' } });
    wrapped.interceptors.request.use((config) => {
      config.headers.set('x-trace', 'abc');
      return config;
    });
    const client = createClient({ service: 'users', discovery: new FakeDiscovery([instanceAt(servers[0]!.port)]), axios: wrapped });
    try {
      const { data } = await client.get('/users/1');
      assert.deepEqual(data, { path: '/api/v1/users/1', auth: 'Bearer t', trace: 'abc' });
    } finally {
      await client.close();
    }
  });

  test("postForm sends multipart form data; the client copies a wrapped instance's defaults and shares its interceptors", async () => {
    resetServers();
    servers[0]!.respondWith((req, res) => {
      res.json({ contentType: req.header('content-type') ?? null, tenant: req.header('x-tenant') ?? null, trace: req.header('x-trace') ?? null });
    });
    const wrapped = axios.create({ headers: { 'x-tenant': 'acme' } });
    const client = createClient({ service: 'users', discovery: new FakeDiscovery([instanceAt(servers[0]!.port)]), axios: wrapped });
    try {
      // An interceptor added to the wrapped instance after the client was made still runs on its calls.
      wrapped.interceptors.request.use((config) => {
        config.headers.set('x-trace', 't-1');
        return config;
      });
      assert.equal(client.defaults.headers['x-tenant'], 'acme');
      const { data } = await client.postForm<{ contentType: string; tenant: string; trace: string }>('/upload', { name: 'report', size: '3' });
      assert.match(data.contentType, /^multipart\/form-data; boundary=/);
      assert.equal(data.tenant, 'acme');
      assert.equal(data.trace, 't-1');
    } finally {
      await client.close();
    }
  });

  test('a custom picker sees the request and the instances with tags and meta', async () => {
    resetServers();
    const seen: { tags: string[]; meta: Record<string, string>; header: string | undefined; url: string; method: string }[] = [];
    const ended: { id: string; outcome: string; status: number | undefined }[] = [];
    const canaryFirst: Picker = {
      name: 'canary-first',
      pick(instances, context) {
        const canary = instances.find((i) => i.tags.includes('canary'));
        const choice = canary ?? instances[0];
        if (choice) seen.push({ tags: [...choice.tags], meta: { ...choice.meta }, header: context.header('X-Tenant'), url: context.url, method: context.method });
        return choice;
      },
      onRequestEnd(instance, result) {
        ended.push({ id: instance.id, outcome: result.outcome, status: result.status });
      },
    };
    const discovery = new FakeDiscovery([
      instanceAt(servers[0]!.port, { tags: ['stable'] }),
      instanceAt(servers[1]!.port, { tags: ['canary'], meta: { version: '2.0.0' } }),
    ]);
    const client = createClient({ service: 'users', discovery, picker: canaryFirst });
    try {
      const { data } = await client.get<{ server: string }>('/who', { headers: { 'x-tenant': 'acme' } });
      assert.equal(data.server, 's2');
      assert.deepEqual(seen, [{ tags: ['canary'], meta: { version: '2.0.0' }, header: 'acme', url: '/who', method: 'GET' }]);
      assert.deepEqual(ended, [{ id: `i-${servers[1]!.port}`, outcome: 'success', status: 200 }]);
    } finally {
      await client.close();
    }
  });

  test('a request made before the first instance list waits for it', async () => {
    resetServers();
    const discovery = new FakeDiscovery();
    const client = createClient({ service: 'users', discovery });
    try {
      const pending = client.get<{ server: string }>('/early');
      setTimeout(() => discovery.set([instanceAt(servers[2]!.port)]), 50);
      assert.equal((await pending).data.server, 's3');
    } finally {
      await client.close();
    }
  });

  test('ready() rejects within its timeout, naming the source and the last error', async () => {
    const discovery = new FakeDiscovery();
    const client = createClient({ service: 'users', discovery });
    try {
      discovery.fail(new Error('connect ECONNREFUSED 127.0.0.1:1'));
      const started = performance.now();
      await assert.rejects(client.ready({ timeoutMs: 200 }), (error: unknown) => {
        assert.ok(error instanceof DiscoveryTimeoutError);
        assert.equal(error.code, 'ERR_PROXYLESS_DISCOVERY_TIMEOUT');
        assert.match(error.message, /a fake discovery/);
        assert.match(error.message, /ECONNREFUSED/);
        return true;
      });
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 190 && elapsed < 1_000, `rejected after ${elapsed} ms`);
    } finally {
      await client.close();
    }
  });

  test('instancesChanged reports what was added and removed', async () => {
    const discovery = new FakeDiscovery([instanceAt(1001), instanceAt(1002)]);
    const client = createClient({ service: 'users', discovery });
    const events: { added: string[]; removed: string[]; size: number }[] = [];
    client.on('instancesChanged', (event) => {
      events.push({ added: event.added.map((i) => i.id), removed: event.removed.map((i) => i.id), size: event.instances.length });
    });
    try {
      discovery.set([instanceAt(1002), instanceAt(1003)]);
      assert.deepEqual(events, [{ added: ['i-1003'], removed: ['i-1001'], size: 2 }]);
      assert.deepEqual(
        client.instances().map((i) => i.id),
        ['i-1002', 'i-1003'],
      );
    } finally {
      await client.close();
    }
  });

  test('close() lets requests under way finish, refuses new ones, then resolves', async () => {
    resetServers();
    servers[0]!.respondWith((_req, res) => {
      setTimeout(() => res.json({ server: 's1' }), 200);
    });
    const client = createClient({ service: 'users', discovery: new FakeDiscovery([instanceAt(servers[0]!.port)]) });
    const order: string[] = [];
    const underWay = client.get<{ server: string }>('/slow').then((response) => {
      order.push(`answered by ${response.data.server}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = client.close().then(() => order.push('closed'));
    await assert.rejects(client.get('/late'), ClientClosedError);
    await Promise.all([underWay, closing]);
    assert.deepEqual(order, ['answered by s1', 'closed']);
    assert.equal(servers[0]!.hits.get('/late'), undefined);
  });

  test('after close() nothing the client started is left: no socket, no timer', async () => {
    resetServers();
    const count = (): Map<string, number> => {
      const counts = new Map<string, number>();
      for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
      return counts;
    };
    await new Promise((resolve) => setTimeout(resolve, 50)); // let earlier tests' sockets finish closing
    const before = count();
    const client = createClient({ service: 'users', discovery: new FakeDiscovery(servers.map((s) => instanceAt(s.port))) });
    for (let i = 0; i < 20; i++) await client.get('/x');
    assert.ok((count().get('TCPSocketWrap') ?? 0) > (before.get('TCPSocketWrap') ?? 0), 'connections were open');
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const [kind, n] of count()) assert.ok(n <= (before.get(kind) ?? 0), `${n} × ${kind} after close, ${before.get(kind) ?? 0} before`);
  });

  test('close() unsubscribes, rejects later requests and waiters', async () => {
    const discovery = new FakeDiscovery();
    const client = createClient({ service: 'users', discovery });
    const waiting = assert.rejects(client.ready({ timeoutMs: 10_000 }), ClientClosedError);
    assert.equal(discovery.subscribers, 1);
    await client.close();
    assert.equal(discovery.subscribers, 0);
    await waiting;
    await assert.rejects(client.get('/x'), (error: unknown) => error instanceof ClientClosedError && error.code === 'ERR_PROXYLESS_CLIENT_CLOSED');
  });
});
