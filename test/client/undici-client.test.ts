// createClient({ transport: 'undici' }): the client stays the axios instance it was — interceptors,
// transforms, response types, axios's errors — whatever sends the attempts.
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import axios, { AxiosError, isAxiosError } from 'axios';
import type { ClientOptions } from '../../lib/client/client-options.js';
import { createClient } from '../../lib/client/create-client.js';
import { staticDiscovery } from '../../lib/discovery/static-discovery.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { UnsupportedRequestOptionError } from '../../lib/errors/unsupported-request-option-error.js';
import { FakeDiscovery } from '../support/fake-discovery.js';
import { prefer } from '../support/prefer-picker.js';
import { hitsOf, startRawServer, type RawServer } from '../support/raw-server.js';

describe('an axios client on the undici transport', { timeout: 60_000 }, () => {
  let a: RawServer;
  let b: RawServer;

  before(async () => {
    [a, b] = await Promise.all([startRawServer(), startRawServer()]);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  function reset(): void {
    for (const server of [a, b]) {
      server.hits.clear();
      server.respondWith((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          response.setHeader('content-type', 'application/json');
          response.end(JSON.stringify({ server: server === a ? 'a' : 'b', method: request.method, body: Buffer.concat(chunks).toString('utf8') }));
        });
      });
    }
  }

  test('the transport is named at construction, with a did-you-mean for a typo', () => {
    const discovery = new FakeDiscovery([]);
    assert.throws(
      () => createClient({ service: 'users', discovery, transport: 'undic' as ClientOptions['transport'] }),
      (error: unknown) => error instanceof InvalidOptionError && error.option === 'transport' && /did you mean 'undici'/.test(error.message),
    );
  });

  test("interceptors and transforms run once, and the response is axios's", async () => {
    reset();
    const base = axios.create({ headers: { 'x-team': 'core' } });
    let requests = 0;
    base.interceptors.request.use((config) => {
      requests++;
      config.headers.set('x-intercepted', 'yes');
      return config;
    });
    base.interceptors.response.use((response) => ({ ...response, data: { wrapped: response.data as unknown } }));
    const client = createClient({ service: 'users', transport: 'undici', discovery: staticDiscovery([a.url]), axios: base });
    try {
      const response = await client.post<{ wrapped: { server: string; method: string; body: string } }>('/echo', { a: 1 });
      assert.equal(response.status, 200);
      assert.equal(response.headers['content-type'], 'application/json');
      assert.deepEqual(response.data.wrapped, { server: 'a', method: 'POST', body: '{"a":1}' });
      assert.equal(requests, 1);
    } finally {
      await client.close();
    }
  });

  test('response types, encodings and limits are honoured as axios honours them', async () => {
    reset();
    a.respondWith((request, response) => {
      request.resume();
      if (request.url === '/zipped') {
        response.setHeader('content-encoding', 'gzip');
        response.end(gzipSync(Buffer.from('{"zipped":true}')));
        return;
      }
      response.end('x'.repeat(5_000));
    });
    const client = createClient({ service: 'users', transport: 'undici', discovery: staticDiscovery([a.url]) });
    try {
      assert.deepEqual((await client.get('/zipped')).data, { zipped: true });
      const bytes = (await client.get<Buffer>('/big', { responseType: 'arraybuffer' })).data;
      assert.ok(Buffer.isBuffer(bytes) && bytes.length === 5_000);
      const stream = (await client.get<Readable>('/big', { responseType: 'stream' })).data;
      assert.equal((await text(stream)).length, 5_000);
      const error = await client.get('/big', { maxContentLength: 1_000 }).catch((e: unknown) => e);
      assert.ok(isAxiosError(error));
      assert.equal(error.code, 'ERR_BAD_RESPONSE');
      assert.equal(error.message, 'maxContentLength size of 1000 exceeded');
    } finally {
      await client.close();
    }
  });

  test("a non-2xx rejects with axios's own error, its response attached", async () => {
    reset();
    a.respondWith((_request, response) => {
      response.statusCode = 404;
      response.end('missing');
    });
    const client = createClient({ service: 'users', transport: 'undici', discovery: staticDiscovery([a.url]) });
    try {
      const error = await client.get('/nobody').catch((e: unknown) => e);
      assert.ok(error instanceof AxiosError);
      assert.equal(error.code, 'ERR_BAD_REQUEST');
      assert.equal(error.response?.status, 404);
      assert.equal(error.response?.data, 'missing');
    } finally {
      await client.close();
    }
  });

  test('a refused connection is retried elsewhere with the code axios users match on', async () => {
    reset();
    await a.close();
    const client = createClient({ service: 'users', transport: 'undici', discovery: staticDiscovery([a.url, b.url]), picker: prefer(() => a.url) });
    const failed: string[] = [];
    client.on('attemptFailed', ({ attempt, error }) => failed.push(`${attempt.outcome} ${String((error as { code?: string } | undefined)?.code)}`));
    try {
      assert.equal((await client.post<{ server: string }>('/charge', {})).data.server, 'b');
      assert.deepEqual(failed, ['never-sent ECONNREFUSED']);
    } finally {
      await client.close();
      a = await startRawServer();
    }
  });

  test('a streamed response that is retried lets go of its connection', async () => {
    reset();
    const sockets: { destroyed: boolean }[] = [];
    a.respondWith((request, response) => {
      sockets.push(request.socket);
      request.resume();
      response.statusCode = 503;
      // More than the socket buffers hold: the unread stream would keep the connection busy.
      response.end('x'.repeat(1_000_000));
    });
    const client = createClient({ service: 'users', transport: 'undici', discovery: staticDiscovery([a.url, b.url]), picker: prefer(() => a.url) });
    try {
      const response = await client.get<Readable>('/download', { responseType: 'stream' });
      assert.equal(response.status, 200);
      assert.match(await text(response.data), /"server":"b"/);
      for (let i = 0; i < 50 && sockets.some((s) => !s.destroyed); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(
        sockets.map((s) => s.destroyed),
        [true],
        'the 503 body was destroyed, not left to hold its socket',
      );
    } finally {
      await client.close();
    }
  });

  test('close() leaves no socket or timer behind', async () => {
    reset();
    const count = (): Map<string, number> => {
      const counts = new Map<string, number>();
      for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
      return counts;
    };
    await new Promise((resolve) => setTimeout(resolve, 50)); // let earlier tests' sockets finish closing
    const before = count();
    const client = createClient({ service: 'users', transport: 'undici', discovery: staticDiscovery([a.url, b.url]) });
    await Promise.all(Array.from({ length: 20 }, () => client.get('/x')));
    await (await client.fetch('/x')).text();
    assert.ok((count().get('TCPSocketWrap') ?? 0) > (before.get('TCPSocketWrap') ?? 0), 'connections were open');
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const [kind, n] of count()) assert.ok(n <= (before.get(kind) ?? 0), `${n} × ${kind} after close, ${before.get(kind) ?? 0} before`);
  });

  test('axios options that would route around any transport are refused before anything is sent', async () => {
    reset();
    const client = createClient({ service: 'users', transport: 'undici', discovery: staticDiscovery([a.url]) });
    try {
      for (const config of [{ transport: {} }, { httpVersion: 2 as const }, { httpAgent: {} }]) {
        await assert.rejects(client.get('/', config), UnsupportedRequestOptionError);
      }
      assert.equal(hitsOf(a, 'GET /'), 0);
    } finally {
      await client.close();
    }
  });
});
