// The failure path, specified: what a caller sees when instances fail in each way, and that nothing is
// sent twice that must not be, nothing is lost silently, and nothing waits past its deadline. Each test
// names the defect it guards against (the scripts in the project's defect repros show them).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import axios, { AxiosError, isAxiosError } from 'axios';
import { callReportOf } from '../../lib/call/call-report.js';
import type { ClientOptions } from '../../lib/client/client-options.js';
import { createClient as createBaseClient } from '../../lib/client/create-client.js';
import { staticDiscovery } from '../../lib/discovery/static-discovery.js';
import type { Discovery } from '../../lib/discovery/discovery.js';
import { AllInstancesBusyError } from '../../lib/errors/all-instances-busy-error.js';
import { ProxylessError } from '../../lib/errors/proxyless-error.js';
import { UnsupportedRequestOptionError } from '../../lib/errors/unsupported-request-option-error.js';
import type { Picker } from '../../lib/pickers/picker.js';
import { startBlackhole, type Blackhole } from '../support/blackhole.js';
import { freePort } from '../support/free-port.js';
import { prefer } from '../support/prefer-picker.js';
import { hitsOf, startRawServer, type RawServer } from '../support/raw-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The whole specification holds for each transport: the classification is theirs, the rest is shared.
for (const transport of ['axios', 'undici'] as const) describe(`the failure path (${transport} transport)`, { timeout: 60_000 }, () => {
  const createClient = (options: ClientOptions) => createBaseClient({ transport, ...options });
  let a: RawServer;
  let b: RawServer;
  let hole: Blackhole;

  before(async () => {
    [a, b] = await Promise.all([startRawServer(), startRawServer()]);
    hole = await startBlackhole();
  });
  after(async () => {
    await Promise.all([a.close(), b.close(), hole.close()]);
  });

  function reset(): void {
    a.hits.clear();
    b.hits.clear();
    a.applied.clear();
    b.applied.clear();
    a.respondWith((_request, response) => response.end('ok from A'));
    b.respondWith((request, response) => {
      request.resume();
      request.on('end', () => response.end('ok from B'));
    });
  }

  test('a POST whose connection was lost after the server read it is not sent again (repro 01)', async () => {
    reset();
    a.respondWith((request, response) => {
      if (request.method === 'GET') {
        response.end('warm');
        return;
      }
      request.resume();
      request.on('end', () => request.socket.destroy()); // processed the charge, then died before answering
    });
    const client = createClient({ service: 'payments', discovery: staticDiscovery([a.url, b.url]), picker: prefer(() => a.url) });
    try {
      await client.get('/warm'); // a keep-alive socket to A, reused by the POST
      const error = await client.post('/charge', { cents: 100 }, { headers: { 'x-request-id': 'charge-1' } }).then(
        () => assert.fail('the POST must fail: it may have been applied'),
        (e: unknown) => e,
      );
      assert.ok(isAxiosError(error));
      assert.equal(error.code, 'ECONNRESET');
      assert.equal(callReportOf(error)?.notRetried, 'not-idempotent');
      assert.equal(callReportOf(error)?.attempts[0]?.outcome, 'connection-lost');
      assert.equal(a.applied.get('charge-1'), 1);
      assert.equal(hitsOf(b, 'POST /charge'), 0, 'the charge never reached B');
    } finally {
      await client.close();
    }
  });

  test('the same POST with an Idempotency-Key goes to another instance', async () => {
    reset();
    a.respondWith((request) => {
      request.resume();
      request.on('end', () => request.socket.destroy());
    });
    const client = createClient({ service: 'payments', discovery: staticDiscovery([a.url, b.url]), picker: prefer(() => a.url) });
    try {
      const response = await client.post('/charge', { cents: 100 }, { headers: { 'idempotency-key': 'k-1' } });
      assert.equal(response.data, 'ok from B');
    } finally {
      await client.close();
    }
  });

  test('a stream body that was read is never sent again, and never sent empty (repro 02)', async () => {
    reset();
    const dead = `http://127.0.0.1:${await freePort()}`;
    const client = createClient({ service: 'files', discovery: staticDiscovery([dead, b.url]), picker: prefer(() => dead) });
    try {
      const error = await client.put('/file', Readable.from(['hello ', 'world'])).then(
        () => undefined,
        (e: unknown) => e,
      );
      // Whether the refused connection left the stream unread decides; either way B never gets a truncated body.
      if (error === undefined) {
        assert.equal(hitsOf(b, 'PUT /file'), 1);
      } else {
        assert.ok(isAxiosError(error));
        assert.equal(callReportOf(error)?.notRetried, 'body-not-replayable');
        assert.equal(hitsOf(b, 'PUT /file'), 0);
      }
    } finally {
      await client.close();
    }
  });

  test('a streamed body past maxBodyLength fails with axios\'s error, and is not sent elsewhere', async () => {
    reset();
    const client = createClient({ service: 'files', discovery: staticDiscovery([b.url]) });
    let breakerOpened = 0;
    client.on('breakerOpened', () => breakerOpened++);
    try {
      const chunks = Array.from({ length: 8 }, () => Buffer.alloc(1024, 120));
      const error = await client.put('/file', Readable.from(chunks), { maxBodyLength: 4096 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(isAxiosError(error), `expected an AxiosError, got ${String(error)}`);
      assert.equal(error.code, AxiosError.ERR_BAD_REQUEST);
      assert.match(error.message, /maxBodyLength/);
      assert.equal(breakerOpened, 0, "the caller's oversized body says nothing of the instance's health");
      assert.ok(hitsOf(b, 'PUT /file') <= 1, 'sent at most once');
      const ok = await client.put('/file', Readable.from(chunks.slice(0, 2)), { maxBodyLength: 4096 });
      assert.equal(ok.status, 200, 'a stream within the limit goes through');
    } finally {
      await client.close();
    }
  });

  test('a response body past maxContentLength fails at once: not retried elsewhere, not held against the instance', async () => {
    reset();
    for (const server of [a, b]) {
      server.respondWith((request, response) => {
        request.resume();
        response.end('x'.repeat(10_000));
      });
    }
    const client = createClient({ service: 'files', discovery: staticDiscovery([a.url, b.url]), breaker: { consecutiveFailures: 1 } });
    let breakerOpened = 0;
    client.on('breakerOpened', () => breakerOpened++);
    try {
      const error = await client.get('/big', { maxContentLength: 1_000 }).catch((e: unknown) => e);
      assert.ok(isAxiosError(error), `expected an AxiosError, got ${String(error)}`);
      assert.equal(error.message, 'maxContentLength size of 1000 exceeded');
      assert.equal(hitsOf(a, 'GET /big') + hitsOf(b, 'GET /big'), 1, 'this process refused the body: no other instance is asked');
      assert.equal(callReportOf(error)?.attempts[0]?.outcome, 'failed');
      assert.equal(breakerOpened, 0);
    } finally {
      await client.close();
    }
  });

  test('a full breaker.capacity sends requests elsewhere and never opens a breaker (repro 03)', async () => {
    reset();
    const slow = (_request: unknown, response: { end(body: string): void }) => setTimeout(() => response.end('ok'), 150);
    a.respondWith(slow);
    b.respondWith(slow);
    const client = createClient({ service: 'busy', discovery: staticDiscovery([a.url, b.url]), picker: 'round-robin', breaker: { capacity: 2 } });
    let opened = 0;
    client.on('breakerOpened', () => opened++);
    try {
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => client.get('/')));
      const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
      const refused = results.filter((r) => r.status === 'rejected' && r.reason instanceof AllInstancesBusyError).length;
      assert.equal(fulfilled, 4, 'two at a time on each of the two instances');
      assert.equal(refused, 2, 'the rest are told every instance is busy, at once');
      assert.equal(opened, 0);
      assert.equal((await client.get('/')).status, 200, 'a busy instance is healthy once it has room');
    } finally {
      await client.close();
    }
  });

  test('a half-open instance takes exactly its trial; every other request goes elsewhere (repro 04)', async () => {
    reset();
    let failing = true;
    a.respondWith((request, response) => {
      request.resume();
      if (failing) {
        response.statusCode = 500;
        response.end('down');
        return;
      }
      setTimeout(() => response.end('ok from A'), 300);
    });
    const client = createClient({
      service: 's',
      discovery: staticDiscovery([a.url, b.url]),
      picker: prefer(() => a.url),
      retry: false,
      breaker: { resetTimeout: 200, consecutiveFailures: 3, maxEjectionPercent: 50 },
    });
    try {
      await client.ready();
      const aId = client.instances().find((i) => i.origin === a.url)!.id;
      for (let i = 0; i < 3; i++) await client.get('/', { validateStatus: () => true });
      assert.equal(client.breakerState(aId), 'open');
      failing = false;
      await sleep(300);
      assert.equal(client.breakerState(aId), 'half-open');
      const results = await Promise.all(Array.from({ length: 10 }, () => client.get<string>('/')));
      assert.deepEqual(results.map((r) => r.status), Array(10).fill(200));
      assert.equal(results.filter((r) => r.data === 'ok from A').length, 1, 'one trial went to A');
      assert.equal(client.breakerState(aId), 'closed');
    } finally {
      await client.close();
    }
  });

  test('an https: instance gets a pool of its own and the connect timeout (repro 09)', async () => {
    const client = createClient({
      service: 's',
      discovery: staticDiscovery([`https://127.0.0.1:${hole.port}`]),
      connectTimeoutMs: 200,
      retry: false,
      breaker: false,
    });
    try {
      const started = performance.now();
      const error = await client.get('/', { timeout: 5_000 }).catch((e: unknown) => e);
      assert.ok(isAxiosError(error));
      assert.equal(error.code, 'ERR_PROXYLESS_CONNECT_TIMEOUT');
      assert.ok(performance.now() - started < 3_000, 'the connect timeout, not the deadline, ended it');
      assert.equal(callReportOf(error)?.attempts[0]?.outcome, 'never-sent');
    } finally {
      await client.close();
    }
  });

  test('an AbortSignal is honoured while the request waits for the first instance list (repro 10)', async () => {
    const never: Discovery = { description: 'a discovery that never answers', subscribe: () => ({ close() {} }) };
    const client = createClient({ service: 's', discovery: never, discoveryTimeoutMs: 5_000 });
    try {
      const controller = new AbortController();
      const started = performance.now();
      const request = client.get('/', { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      const error = await request.catch((e: unknown) => e);
      assert.ok(axios.isCancel(error));
      assert.ok(performance.now() - started < 1_000);
    } finally {
      await client.close();
    }
  });

  test('the status is read before response interceptors reshape the response (repro 11)', async () => {
    reset();
    const json = JSON.stringify({ status: 503, message: 'job queued' });
    for (const server of [a, b]) {
      server.respondWith((_request, response) => {
        response.setHeader('content-type', 'application/json');
        response.end(json);
      });
    }
    const unwrapping = axios.create();
    unwrapping.interceptors.response.use((response) => response.data as never);
    const client = createClient({ service: 'jobs', discovery: staticDiscovery([a.url, b.url]), axios: unwrapping, picker: 'round-robin' });
    let opened = 0;
    client.on('breakerOpened', () => opened++);
    try {
      for (let i = 0; i < 6; i++) {
        const body = (await client.get('/job')) as unknown as { status: number };
        assert.equal(body.status, 503, 'the interceptor ran, once');
      }
      assert.equal(hitsOf(a, 'GET /job') + hitsOf(b, 'GET /job'), 6, 'no retry: every answer was a 200');
      assert.equal(opened, 0);
    } finally {
      await client.close();
    }
  });

  test("a 5xx the caller's validateStatus accepts comes back as a response, never an internal error (repro 12)", async () => {
    reset();
    a.respondWith((_request, response) => {
      response.statusCode = 503;
      response.end('busy');
    });
    const client = createClient({ service: 's', discovery: staticDiscovery([a.url]) });
    try {
      for (let i = 0; i < 8; i++) {
        const response = await client.get('/', { validateStatus: () => true });
        assert.equal(response.status, 503);
      }
      const error = await client.get('/').catch((e: unknown) => e);
      assert.ok(error instanceof AxiosError && !(error instanceof ProxylessError));
      assert.equal(error.response?.status, 503);
    } finally {
      await client.close();
    }
  });

  test('breaker.timeout aborts a late attempt and counts it against the instance (repro 13)', async () => {
    reset();
    a.respondWith((request, response) => {
      request.resume();
      setTimeout(() => response.end('late'), 400).unref();
    });
    const outcomes: string[] = [];
    const spy: Picker = { name: 'spy', pick: (instances) => instances[0], onRequestEnd: (_i, result) => outcomes.push(result.outcome) };
    const client = createClient({ service: 's', discovery: staticDiscovery([a.url]), picker: spy, retry: false, breaker: { timeout: 50 } });
    let opened = 0;
    client.on('breakerOpened', () => opened++);
    try {
      for (let i = 0; i < 5; i++) {
        const error = await client.get('/').catch((e: unknown) => e);
        assert.ok(isAxiosError(error));
        assert.equal(error.code, 'ETIMEDOUT');
      }
      assert.deepEqual(outcomes, Array(5).fill('failure'));
      assert.equal(opened, 1);
    } finally {
      await client.close();
    }
  });

  test('a response cut mid-body is a lost connection: retried for GET, counted against the instance (repro 15)', async () => {
    reset();
    a.respondWith((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-length': '100000', 'content-type': 'application/json' });
      response.write('{"items":[1,2,3');
      setTimeout(() => request.socket.destroy(), 20);
    });
    b.respondWith((_request, response) => response.end('{"items":[]}'));
    const client = createClient({ service: 's', discovery: staticDiscovery([a.url, b.url]), picker: prefer(() => a.url) });
    try {
      for (let i = 0; i < 5; i++) assert.deepEqual((await client.get('/list')).data, { items: [] });
      const aId = client.instances().find((i) => i.origin === a.url)!.id;
      assert.equal(client.breakerState(aId), 'open');
      const error = await client.post('/list', {}, { headers: {} }).catch(() => undefined);
      assert.equal(error !== undefined || hitsOf(b, 'POST /list') === 1, true);
    } finally {
      await client.close();
    }
  });

  test('retry.statuses means what it says for any status, 429 included, honouring Retry-After (repro 16)', async () => {
    reset();
    a.respondWith((request, response) => {
      request.resume();
      response.statusCode = 429;
      response.setHeader('retry-after', '0');
      response.end('slow down');
    });
    const client = createClient({ service: 's', discovery: staticDiscovery([a.url, b.url]), picker: prefer(() => a.url), retry: { statuses: [429, 503] } });
    try {
      const response = await client.get('/');
      assert.equal(response.data, 'ok from B');
      assert.equal(hitsOf(a, 'GET /'), 1);
    } finally {
      await client.close();
    }
  });

  test('a Retry-After past the deadline ends the call at once with the server answer', async () => {
    reset();
    a.respondWith((request, response) => {
      request.resume();
      response.statusCode = 503;
      response.setHeader('retry-after', '30');
      response.end('maintenance');
    });
    const client = createClient({ service: 's', discovery: staticDiscovery([a.url, b.url]), picker: prefer(() => a.url) });
    try {
      const started = performance.now();
      const error = await client.get('/', { timeout: 2_000 }).catch((e: unknown) => e);
      assert.ok(isAxiosError(error));
      assert.equal(error.response?.status, 503);
      assert.equal(callReportOf(error)?.notRetried, 'deadline');
      assert.ok(performance.now() - started < 1_000, 'gave up at once rather than wait');
    } finally {
      await client.close();
    }
  });

  test("the caller's timeout is the deadline of the whole call, across attempts, with axios's own error", async () => {
    reset();
    for (const server of [a, b]) {
      server.respondWith((request, response) => {
        request.resume();
        setTimeout(() => response.end('late'), 2_000).unref();
      });
    }
    const client = createClient({ service: 's', discovery: staticDiscovery([a.url, b.url]), retry: { attemptTimeoutMs: 200 } });
    try {
      const started = performance.now();
      const error = await client.get('/', { timeout: 500 }).catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      assert.ok(isAxiosError(error));
      assert.equal(error.code, 'ECONNABORTED');
      assert.equal(error.message, 'timeout of 500ms exceeded');
      assert.ok(elapsed >= 480 && elapsed < 900, `rejected after ${Math.round(elapsed)} ms`);
      const attempts = callReportOf(error)?.attempts ?? [];
      assert.ok(attempts.length >= 2, 'the first attempt timed out and another was tried within the deadline');
      assert.equal(attempts[0]?.outcome, 'timed-out');
    } finally {
      await client.close();
    }
  });

  test('a request with no timeout still ends: defaultDeadlineMs', async () => {
    reset();
    a.respondWith((request, response) => {
      request.resume();
      setTimeout(() => response.end('late'), 5_000).unref();
    });
    const client = createClient({ service: 's', discovery: staticDiscovery([a.url]), defaultDeadlineMs: 300 });
    try {
      const error = await client.get('/').catch((e: unknown) => e);
      assert.ok(isAxiosError(error));
      assert.equal(error.code, 'ECONNABORTED');
      assert.equal(callReportOf(error)?.attempts[0]?.outcome, 'timed-out');
    } finally {
      await client.close();
    }
  });

  test('a cancelled call is never retried and never counts against its instance', async () => {
    reset();
    a.respondWith((request, response) => {
      request.resume();
      setTimeout(() => response.end('late'), 1_000).unref();
    });
    const client = createClient({ service: 's', discovery: staticDiscovery([a.url, b.url]), picker: prefer(() => a.url), breaker: { consecutiveFailures: 1 } });
    let opened = 0;
    client.on('breakerOpened', () => opened++);
    try {
      for (let i = 0; i < 3; i++) {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 30);
        const error = await client.get('/', { signal: controller.signal }).catch((e: unknown) => e);
        assert.ok(axios.isCancel(error));
      }
      assert.equal(hitsOf(b, 'GET /'), 0);
      assert.equal(opened, 0);
    } finally {
      await client.close();
    }
  });

  test('the retry budget caps what a failing fleet receives, and says so', async () => {
    reset();
    for (const server of [a, b]) {
      server.respondWith((request, response) => {
        request.resume();
        response.statusCode = 503;
        response.end('down');
      });
    }
    const client = createClient({
      service: 's',
      discovery: staticDiscovery([a.url, b.url]),
      breaker: false,
      retry: { budget: { ratio: 0.1, minPerSecond: 1, windowMs: 10_000 }, backoff: false },
    });
    const reasons = new Map<string, number>();
    client.on('notRetried', ({ reason }) => reasons.set(reason, (reasons.get(reason) ?? 0) + 1));
    try {
      const requests = 200;
      for (let i = 0; i < requests; i++) await client.get('/').catch(() => undefined);
      const received = hitsOf(a, 'GET /') + hitsOf(b, 'GET /');
      // 10 s × 1/s in reserve, plus 10 % of 200 requests: at most 30 retries.
      assert.ok(received <= requests + 30, `the servers received ${received} attempts for ${requests} requests`);
      assert.ok((reasons.get('budget') ?? 0) >= requests - 30);
    } finally {
      await client.close();
    }
  });

  test('a hedge goes to another instance when the first is slow, and the first answer wins', async () => {
    reset();
    a.respondWith((request, response) => {
      request.resume();
      setTimeout(() => response.end('slow A'), 1_000).unref();
    });
    const client = createClient({ service: 's', discovery: staticDiscovery([a.url, b.url]), picker: prefer(() => a.url), hedge: { delayMs: 50 } });
    const hedges: string[] = [];
    client.on('hedge', ({ instance }) => hedges.push(instance.origin));
    try {
      const started = performance.now();
      const response = await client.get('/');
      assert.equal(response.data, 'ok from B');
      assert.ok(performance.now() - started < 800);
      assert.deepEqual(hedges, [b.url]);
      const post = client.post('/write', {}); // never hedged: not idempotent
      assert.equal((await post).status, 200);
      assert.equal(hitsOf(b, 'POST /write') + hitsOf(a, 'POST /write'), 1);
    } finally {
      await client.close({ timeoutMs: 100 });
    }
  });

  test('close({ timeoutMs }) cancels what is still under way after the bound', async () => {
    reset();
    a.respondWith((request, response) => {
      request.resume();
      setTimeout(() => response.end('late'), 5_000).unref();
    });
    const client = createClient({ service: 's', discovery: staticDiscovery([a.url]) });
    await client.ready();
    const underWay = client.get('/').catch((e: unknown) => e);
    await sleep(50);
    const started = performance.now();
    await client.close({ timeoutMs: 100 });
    assert.ok(performance.now() - started < 1_000);
    const error = await underWay;
    assert.ok(error instanceof ProxylessError && error.code === 'ERR_PROXYLESS_CLIENT_CLOSED');
  });

  test('request options that would leave the balancer are refused before anything is sent', async () => {
    reset();
    const client = createClient({ service: 's', discovery: staticDiscovery([a.url]) });
    try {
      for (const config of [{ socketPath: '/tmp/x.sock' }, { proxy: { host: 'p', port: 1 } }, { maxRedirects: 3 }]) {
        await assert.rejects(client.get('/', config), UnsupportedRequestOptionError);
      }
      await assert.rejects(client.get('/', { baseURL: 'http://elsewhere' }), /bypass the balancer/);
      assert.equal(hitsOf(a, 'GET /'), 0);
      // A colon in the first segment is a path (a Google-style custom method), not a scheme.
      assert.equal((await client.post('/users:batchGet', {})).status, 200);
      assert.equal(hitsOf(a, 'POST /users:batchGet'), 1);
    } finally {
      await client.close();
    }
  });
});
