// client.fetch: the WHATWG fetch shape through the balancer, on each transport — what it sends, what it
// resolves with, and that it rejects exactly as fetch does, with proxyless's own errors where fetch has none.
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
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { NoHealthyInstancesError } from '../../lib/errors/no-healthy-instances-error.js';
import { UnsupportedRequestOptionError } from '../../lib/errors/unsupported-request-option-error.js';
import { FakeDiscovery } from '../support/fake-discovery.js';
import { freePort } from '../support/free-port.js';
import { prefer } from '../support/prefer-picker.js';
import { echoing, hitsOf, startRawServer, type Echo, type RawServer } from '../support/raw-server.js';

for (const transport of ['axios', 'undici'] as const) {
  describe(`client.fetch (${transport} transport)`, { timeout: 60_000 }, () => {
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
        server.respondWith(echoing(name));
      }
    }

    test('resolves with a Response that tells which instance answered', async () => {
      reset();
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]) });
      try {
        const response = await client.fetch('/users/42?full=1', { headers: { 'x-trace': 't-1' } });
        assert.ok(response instanceof Response);
        assert.equal(response.status, 200);
        assert.equal(response.ok, true);
        assert.equal(response.headers.get('x-served-by'), 'a');
        assert.equal(response.url, `${a.url}/users/42?full=1`);
        const echo = (await response.json()) as Echo;
        assert.deepEqual([echo.method, echo.url], ['GET', '/users/42?full=1']);
      } finally {
        await client.close();
      }
    });

    test('a non-2xx is a Response, not a rejection', async () => {
      reset();
      a.respondWith((_request, response) => {
        response.statusCode = 404;
        response.end('no such user');
      });
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]) });
      try {
        const response = await client.fetch('/users/0');
        assert.equal(response.status, 404);
        assert.equal(response.ok, false);
        assert.equal(await response.text(), 'no such user');
      } finally {
        await client.close();
      }
    });

    test('every body kind is sent as fetch sends it, with its content type', async () => {
      reset();
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]) });
      const form = new FormData();
      form.append('name', 'Ada');
      const bytes = new TextEncoder().encode('bytes');
      const cases: [NonNullable<RequestInit['body']>, string | RegExp | undefined, string | RegExp][] = [
        ['plain text', 'text/plain;charset=UTF-8', 'plain text'],
        [new URLSearchParams({ q: 'a b' }), 'application/x-www-form-urlencoded;charset=UTF-8', 'q=a+b'],
        [bytes.buffer as ArrayBuffer, undefined, 'bytes'],
        [bytes, undefined, 'bytes'],
        [new Blob(['blob'], { type: 'text/csv' }), 'text/csv', 'blob'],
        [form, /^multipart\/form-data; boundary=/, /name="name"\r\n\r\nAda/],
        [Readable.toWeb(Readable.from([Buffer.from('stre'), Buffer.from('am')])) as ReadableStream, undefined, 'stream'],
      ];
      try {
        for (const [body, type, sent] of cases) {
          const echo = (await (await client.fetch('/echo', { method: 'POST', body, duplex: 'half' } as RequestInit)).json()) as Echo;
          if (type instanceof RegExp) assert.match(echo.headers['content-type'] ?? '', type);
          else assert.equal(echo.headers['content-type'], type);
          if (sent instanceof RegExp) assert.match(echo.body, sent);
          else assert.equal(echo.body, sent);
        }
      } finally {
        await client.close();
      }
    });

    test('a GET or HEAD with a body is refused as fetch refuses it, before anything is sent', async () => {
      reset();
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]) });
      try {
        await assert.rejects(client.fetch('/x', { body: 'no' }), TypeError);
        await assert.rejects(client.fetch('/x', { method: 'HEAD', body: 'no' }), TypeError);
        await assert.rejects(client.fetch('/x', { method: 'CONNECT' }), TypeError);
        assert.equal(a.hits.size, 0);
      } finally {
        await client.close();
      }
    });

    test('a stream body without duplex: \'half\' is refused as fetch refuses it, before anything is sent', async () => {
      reset();
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]) });
      try {
        const streams = [
          () => Readable.toWeb(Readable.from([Buffer.from('x')])) as ReadableStream,
          () => Readable.from([Buffer.from('x')]) as unknown as ReadableStream,
        ];
        for (const stream of streams) {
          await assert.rejects(client.fetch('/echo', { method: 'POST', body: stream() }), { name: 'TypeError', message: /duplex option is required/ });
        }
        assert.equal(a.hits.size, 0);
      } finally {
        await client.close();
      }
    });

    test('an absolute URL is refused as on the axios side, and never sent', async () => {
      reset();
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]) });
      try {
        for (const url of [`${a.url}/direct`, `//127.0.0.1:${a.port}/direct`]) await assert.rejects(client.fetch(url), AbsoluteUrlError);
        await assert.rejects(client.fetch(new URL(`${a.url}/direct`) as unknown as string), AbsoluteUrlError);
        assert.equal(hitsOf(a, 'GET /direct'), 0);
      } finally {
        await client.close();
      }
    });

    test('a network failure rejects with fetch’s TypeError, the cause and the call report attached', async () => {
      reset();
      a.respondWith((request) => {
        request.resume();
        request.on('end', () => request.socket.destroy());
      });
      const client = createClient({ service: 'payments', discovery: staticDiscovery([a.url, b.url]), picker: prefer(() => a.url) });
      try {
        const error = await client.fetch('/charge', { method: 'POST', body: '{}' }).then(
          () => assert.fail('a POST whose connection was lost must not be retried'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof TypeError);
        assert.equal(error.message, 'fetch failed');
        assert.equal((error.cause as { code?: string }).code, 'ECONNRESET');
        assert.equal(callReportOf(error)?.notRetried, 'not-idempotent');
        assert.equal(hitsOf(b, 'POST /charge'), 0);
      } finally {
        await client.close();
      }
    });

    test('an idempotent request goes to another instance through the same balancer', async () => {
      reset();
      a.respondWith((request) => request.socket.destroy());
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url, b.url]), picker: prefer(() => a.url) });
      try {
        const response = await client.fetch('/users/1');
        assert.equal(response.headers.get('x-served-by'), 'b');
        await response.arrayBuffer();
      } finally {
        await client.close();
      }
    });

    test("an aborted signal rejects with the signal's reason: AbortError, or the caller's own", async () => {
      reset();
      a.respondWith((request, response) => {
        request.resume();
        setTimeout(() => response.end('late'), 2_000).unref();
      });
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]) });
      try {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 30);
        const error = await client.fetch('/slow', { signal: controller.signal }).catch((e: unknown) => e);
        assert.ok(error instanceof DOMException);
        assert.equal(error.name, 'AbortError');
        const reason = new Error('user left');
        const mine = new AbortController();
        mine.abort(reason);
        assert.equal(await client.fetch('/slow', { signal: mine.signal }).catch((e: unknown) => e), reason);
      } finally {
        await client.close({ timeoutMs: 100 });
      }
    });

    test('the deadline rejects with a TimeoutError, from init.deadlineMs or the client default', async () => {
      reset();
      a.respondWith((request, response) => {
        request.resume();
        setTimeout(() => response.end('late'), 3_000).unref();
      });
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]), defaultDeadlineMs: 300 });
      try {
        for (const init of [{ deadlineMs: 150 }, {}]) {
          const started = performance.now();
          const error = await client.fetch('/slow', init).catch((e: unknown) => e);
          assert.ok(error instanceof DOMException);
          assert.equal(error.name, 'TimeoutError');
          assert.equal(callReportOf(error)?.attempts[0]?.outcome, 'timed-out');
          assert.ok(performance.now() - started < 2_000);
        }
        await assert.rejects(client.fetch('/slow', { deadlineMs: -1 }), InvalidOptionError);
      } finally {
        await client.close({ timeoutMs: 100 });
      }
    });

    test('no instance and a closed client reject with proxyless’s own errors', async () => {
      const empty = createClient({ service: 'users', discovery: new FakeDiscovery([]) });
      try {
        await assert.rejects(empty.fetch('/x'), NoHealthyInstancesError);
      } finally {
        await empty.close();
      }
      await assert.rejects(empty.fetch('/x'), ClientClosedError);
    });

    test('redirects come back as they are; `follow` is refused and `error` rejects', async () => {
      reset();
      a.respondWith((_request, response) => {
        response.statusCode = 302;
        response.setHeader('location', '/elsewhere');
        response.end();
      });
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]) });
      try {
        const response = await client.fetch('/old');
        assert.equal(response.status, 302);
        assert.equal(response.headers.get('location'), '/elsewhere');
        await assert.rejects(client.fetch('/old', { redirect: 'follow' }), UnsupportedRequestOptionError);
        await assert.rejects(client.fetch('/old', { redirect: 'error' }), TypeError);
        assert.equal(hitsOf(a, 'GET /elsewhere'), 0);
      } finally {
        await client.close();
      }
    });

    test('a compressed body is decoded; a 204 has no body', async () => {
      reset();
      a.respondWith((request, response) => {
        if (request.url === '/none') {
          response.statusCode = 204;
          response.end();
          return;
        }
        response.setHeader('content-encoding', 'gzip');
        response.end(gzipSync(Buffer.from('decoded')));
      });
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]) });
      try {
        assert.equal(await (await client.fetch('/zipped')).text(), 'decoded');
        const none = await client.fetch('/none');
        assert.equal(none.status, 204);
        assert.equal(none.body, null);
        assert.equal(await (await client.fetch('/zipped')).text(), 'decoded', 'the connection is still usable');
      } finally {
        await client.close();
      }
    });

    test('a body cut after the head arrived fails its reader; the Response itself was already out', async () => {
      reset();
      a.respondWith((request, response) => {
        request.resume();
        response.writeHead(200, { 'content-length': '100000' });
        response.write('{"partial":');
        setTimeout(() => request.socket.destroy(), 50);
      });
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url]) });
      try {
        const response = await client.fetch('/cut');
        assert.equal(response.status, 200);
        await assert.rejects(response.text());
      } finally {
        await client.close();
      }
    });

    test('a retried status is let go of, and the retry answers', async () => {
      reset();
      a.respondWith((request, response) => {
        request.resume();
        response.statusCode = 503;
        response.end('x'.repeat(200_000));
      });
      const client = createClient({ service: 'users', discovery: staticDiscovery([a.url, b.url]), picker: prefer(() => a.url) });
      try {
        const response = await client.fetch('/users/1');
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('x-served-by'), 'b');
        await response.text();
      } finally {
        await client.close();
      }
    });
  });
}

test('client.fetch refuses a dead instance’s path no differently: a never-sent request goes elsewhere', { timeout: 30_000 }, async () => {
  const live = await startRawServer((request, response) => {
    request.resume();
    request.on('end', () => response.end('live'));
  });
  const dead = `http://127.0.0.1:${await freePort()}`;
  const client = createBaseClient({ service: 'users', transport: 'undici', discovery: staticDiscovery([dead, live.url]), picker: prefer(() => dead) });
  try {
    const body = Readable.toWeb(Readable.from([Buffer.from('one-shot')])) as ReadableStream;
    const response = await client.fetch('/upload', { method: 'PUT', body, duplex: 'half' } as RequestInit);
    assert.equal(await response.text(), 'live', 'the stream was unread after the refused connection, so it went whole');
  } finally {
    await client.close();
    await live.close();
  }
});

test('client.fetch takes a body a custom transport already read in full, whatever it was asked for', async () => {
  const { createFetch } = await import('../../lib/client/fetch.js');
  const { testBalancer } = await import('../support/test-balancer.js');
  // The scripted transport answers with a byte array, as a transport that buffers everything would.
  const t = testBalancer({ behaviour: () => ({ status: 200 }) });
  const fetch = createFetch(t.balancer, { service: 'users', defaultDeadlineMs: 1_000 });
  const answered = fetch('/x');
  await t.advance(1);
  const response = await answered;
  assert.equal(response.status, 200);
  assert.equal((await response.arrayBuffer()).byteLength, 0);
  await t.balancer.close();
});
