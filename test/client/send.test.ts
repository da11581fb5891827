// client.send: the balancer's own request shape, on each transport — what it sends, what it resolves with,
// and that every failure rejects with a typed error carrying the call's report.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { callReportOf } from '../../lib/call/call-report.js';
import type { ClientOptions } from '../../lib/client/client-options.js';
import { createClient as createBaseClient } from '../../lib/client/create-client.js';
import { staticDiscovery } from '../../lib/discovery/static-discovery.js';
import { AbsoluteUrlError } from '../../lib/errors/absolute-url-error.js';
import { ClientClosedError } from '../../lib/errors/client-closed-error.js';
import { DeadlineExceededError } from '../../lib/errors/deadline-exceeded-error.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { NoHealthyInstancesError } from '../../lib/errors/no-healthy-instances-error.js';
import { RequestFailedError } from '../../lib/errors/request-failed-error.js';
import { FakeDiscovery } from '../support/fake-discovery.js';
import { prefer } from '../support/prefer-picker.js';
import { echoing, hitsOf, startRawServer, type Echo, type RawServer } from '../support/raw-server.js';

const echoOf = (body: Buffer): Echo => JSON.parse(body.toString('utf8')) as Echo;

for (const transport of ['axios', 'undici'] as const) {
  describe(`client.send (${transport} transport)`, { timeout: 60_000 }, () => {
    const createClient = (options: ClientOptions) => createBaseClient({ transport, ...options });
    let a: RawServer;
    let b: RawServer;

    before(async () => {
      [a, b] = await Promise.all([startRawServer(), startRawServer()]);
    });
    after(async () => {
      await Promise.all([a.close(), b.close()]);
    });

    function reset(): void {
      for (const [server, name] of [[a, 'a'], [b, 'b']] as const) {
        server.hits.clear();
        const echo = echoing(name);
        server.respondWith((request, response, raw) => {
          if (request.url === '/missing') response.statusCode = 404;
          echo(request, response, raw);
        });
      }
    }

    test('sends path, method, headers and body as given; resolves with the raw response for every status', async () => {
      reset();
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]) });
      try {
        const response = await client.send({ path: '/users/42?full=1', headers: { 'X-Trace': 't-1', accept: ['a/b', 'c/d'] } });
        assert.equal(response.status, 200);
        assert.equal(response.statusText, 'OK');
        assert.equal(response.headers['x-served-by'], 'a');
        assert.equal(response.instance.origin, a.url);
        assert.ok(Buffer.isBuffer(response.body));
        const echo = echoOf(response.body);
        assert.deepEqual([echo.method, echo.url, echo.headers['x-trace'], echo.headers.accept], ['GET', '/users/42?full=1', 't-1', 'a/b, c/d']);

        const posted = echoOf((await client.send({ path: 'orders', method: 'post', body: '{"n":1}', headers: { 'content-type': 'application/json' } })).body);
        assert.deepEqual([posted.method, posted.url, posted.body], ['POST', '/orders', '{"n":1}']);
        const bytes = echoOf((await client.send({ path: '/bytes', method: 'PUT', body: Buffer.from('raw') })).body);
        assert.equal(bytes.body, 'raw');
        const streamed = echoOf((await client.send({ path: '/stream', method: 'PUT', body: Readable.from([Buffer.from('st'), Buffer.from('ream')]) })).body);
        assert.equal(streamed.body, 'stream');

        const missing = await client.send({ path: '/missing' });
        assert.equal(missing.status, 404, 'a non-2xx resolves');
      } finally {
        await client.close();
      }
    });

    test('a compressed body comes decoded', async () => {
      reset();
      a.respondWith((request, response) => {
        request.resume();
        response.setHeader('content-encoding', 'gzip');
        response.end(gzipSync('plain text'));
      });
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]) });
      try {
        const response = await client.send({ path: '/zipped' });
        assert.equal(response.body.toString('utf8'), 'plain text');
        assert.equal(response.headers['content-encoding'], undefined);
      } finally {
        await client.close();
      }
    });

    test('a request it cannot send is refused before anything is sent, naming what is wrong', async () => {
      reset();
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]) });
      try {
        const refusal = (request: unknown) => client.send(request as never).then(() => assert.fail('must be refused'), (e: unknown) => e);
        const misspelt = await refusal({ path: '/x', header: {} });
        assert.ok(misspelt instanceof InvalidOptionError);
        assert.equal(misspelt.option, 'send.header');
        assert.match(misspelt.message, /did you mean `send\.headers`/);
        for (const [request, option] of [
          [{ path: 42 }, 'send.path'],
          [{ path: '/users/Ada Lovelace' }, 'send.path'],
          [{ path: '/café' }, 'send.path'],
          [{ path: '/x', method: 'GE T' }, 'send.method'],
          [{ path: '/x', headers: { 'x-n': 1 } }, 'send.headers.x-n'],
          [{ path: '/x', body: { json: true } }, 'send.body'],
          [{ path: '/x', deadlineMs: 0 }, 'send.deadlineMs'],
          [{ path: '/x', maxResponseBytes: -1 }, 'send.maxResponseBytes'],
          [{ path: '/x', signal: {} }, 'send.signal'],
          [null, 'send'],
        ] as const) {
          const error = await refusal(request);
          assert.ok(error instanceof InvalidOptionError, `${option}: ${String(error)}`);
          assert.equal(error.option, option);
        }
        await assert.rejects(client.send({ path: `${b.url}/direct` }), AbsoluteUrlError);
        assert.equal(a.hits.size + b.hits.size, 0, 'nothing was sent');
      } finally {
        await client.close();
      }
    });

    test('a lost connection on a POST rejects with RequestFailedError, not retried, the report attached', async () => {
      reset();
      a.respondWith((request) => {
        request.resume();
        request.on('end', () => request.socket.destroy());
      });
      const client = createClient({ service: 'payments', discovery: staticDiscovery([a.url, b.url]), picker: prefer(() => a.url) });
      try {
        const error = await client.send({ path: '/charge', method: 'POST', body: '{}' }).then(
          () => assert.fail('a POST whose connection was lost must not be retried'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof RequestFailedError);
        assert.equal(error.code, 'ERR_PROXYLESS_REQUEST_FAILED');
        assert.equal(error.kind, 'connection-lost');
        assert.equal(error.instance?.origin, a.url);
        assert.equal((error.cause as { code?: string }).code, 'ECONNRESET');
        assert.equal(callReportOf(error)?.notRetried, 'not-idempotent');
        assert.equal(hitsOf(b, 'POST /charge'), 0);
      } finally {
        await client.close();
      }
    });

    test('an idempotent request, or one with an Idempotency-Key in any case, goes to another instance', async () => {
      reset();
      a.respondWith((request) => request.socket.destroy());
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url, b.url]), picker: prefer(() => a.url) });
      try {
        assert.equal((await client.send({ path: '/users/1' })).headers['x-served-by'], 'b');
        const keyed = await client.send({ path: '/orders', method: 'POST', body: '{}', headers: { 'Idempotency-Key': 'k-1' } });
        assert.equal(keyed.headers['x-served-by'], 'b');
      } finally {
        await client.close();
      }
    });

    test("the deadline rejects with DeadlineExceededError; the caller's signal with its own reason", async () => {
      reset();
      a.respondWith((request, response) => {
        request.resume();
        setTimeout(() => response.end('late'), 3_000).unref();
      });
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]), defaultDeadlineMs: 300 });
      try {
        for (const [request, ms] of [[{ path: '/slow', deadlineMs: 150 }, 150], [{ path: '/slow' }, 300]] as const) {
          const started = performance.now();
          const error = await client.send(request).catch((e: unknown) => e);
          assert.ok(error instanceof DeadlineExceededError);
          assert.equal(error.deadlineMs, ms);
          assert.equal(callReportOf(error)?.attempts[0]?.outcome, 'timed-out');
          assert.ok(performance.now() - started < 2_000);
        }
        const reason = new Error('user left');
        const controller = new AbortController();
        setTimeout(() => controller.abort(reason), 30);
        assert.equal(await client.send({ path: '/slow', signal: controller.signal }).catch((e: unknown) => e), reason);
      } finally {
        await client.close({ timeoutMs: 100 });
      }
    });

    test('a body over maxResponseBytes fails the call: RequestFailedError of kind failed', async () => {
      reset();
      a.respondWith((request, response) => {
        request.resume();
        response.end('x'.repeat(10_000));
      });
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]) });
      try {
        const error = await client.send({ path: '/big', maxResponseBytes: 1_000 }).catch((e: unknown) => e);
        assert.ok(error instanceof RequestFailedError);
        assert.equal(error.kind, 'failed');
        assert.equal((await client.send({ path: '/big', maxResponseBytes: 10_000 })).body.length, 10_000);
      } finally {
        await client.close();
      }
    });

    test('no instance and a closed client reject with proxyless’s own errors', async () => {
      const empty = createClient({ service: 'users', discovery: new FakeDiscovery([]) });
      try {
        const error = await empty.send({ path: '/x' }).catch((e: unknown) => e);
        assert.ok(error instanceof NoHealthyInstancesError);
        assert.ok(callReportOf(error) !== undefined);
      } finally {
        await empty.close();
      }
      await assert.rejects(empty.send({ path: '/x' }), ClientClosedError);
    });
  });
}
