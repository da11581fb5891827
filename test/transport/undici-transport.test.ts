// The undici transport, specified against real sockets: how each way an attempt can end is classified
// (the rest of the route decides on it), what it sends and how it reads, and what it leaves behind.
import assert from 'node:assert/strict';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import type { Instance } from '../../lib/discovery/instance.js';
import type { AttemptOutcome, IncomingResponse } from '../../lib/transport/attempt-outcome.js';
import { AttemptSignal } from '../../lib/transport/attempt-signal.js';
import type { OutgoingRequest } from '../../lib/transport/outgoing-request.js';
import { OneShotBody } from '../../lib/transport/request-body.js';
import { UndiciTransport } from '../../lib/transport/undici/undici-transport.js';
import { startBlackhole, type Blackhole } from '../support/blackhole.js';
import { instanceAt } from '../support/fake-discovery.js';
import { freePort } from '../support/free-port.js';
import { hitsOf, startRawServer, type RawHandler, type RawServer } from '../support/raw-server.js';
import { serverCert, serverKey, testCa } from './tls-fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function outgoing(fields: Partial<OutgoingRequest> = {}): OutgoingRequest {
  return { method: 'GET', path: '/', headers: {}, body: undefined, responseType: 'buffer', maxResponseBytes: Infinity, decompress: true, ...fields };
}

function bodyText(response: IncomingResponse): string {
  assert.ok(response.body instanceof Uint8Array, 'a buffered body');
  return Buffer.from(response.body).toString('utf8');
}

function responseOf(outcome: AttemptOutcome): IncomingResponse {
  assert.equal(outcome.kind, 'response', outcome.kind === 'response' ? '' : `${outcome.kind}: ${outcome.error.message}`);
  return (outcome as { response: IncomingResponse }).response;
}

/** The connections that carried a request to a server, and how many of them are still open. */
class Connections {
  opened = 0;
  open = 0;
  readonly seen = new WeakSet<Socket>();
}

/** `handler`, counting the connections its requests arrive on. */
function tracked(connections: Connections, handler: RawHandler): RawHandler {
  return (request, response, server) => {
    const socket = request.socket;
    if (!connections.seen.has(socket)) {
      connections.seen.add(socket);
      connections.opened++;
      connections.open++;
      socket.once('close', () => connections.open--);
    }
    handler(request, response, server);
  };
}

const answerOk: RawHandler = (request, response) => {
  request.resume();
  request.on('end', () => response.end('ok'));
};

describe('the undici transport', { timeout: 60_000 }, () => {
  let server: RawServer;
  let other: RawServer;
  let hole: Blackhole;
  let transport: UndiciTransport;
  let instance: Instance;

  before(async () => {
    [server, other] = await Promise.all([startRawServer(), startRawServer()]);
    hole = await startBlackhole();
  });
  after(async () => {
    await Promise.all([server.close(), other.close(), hole.close()]);
  });

  function fresh(options: { connectTimeoutMs?: number } = {}): UndiciTransport {
    server.hits.clear();
    other.hits.clear();
    server.respondWith(answerOk);
    transport = new UndiciTransport({ connectTimeoutMs: options.connectTimeoutMs ?? 1_000 });
    instance = instanceAt(server.port);
    return transport;
  }

  function send(request: OutgoingRequest, signal = new AttemptSignal(), to = instance): Promise<AttemptOutcome> {
    return transport.send(to, request, signal);
  }

  describe('classifies every way an attempt ends', () => {
    test('a refused connection was never sent', async () => {
      fresh();
      const dead = instanceAt(await freePort());
      try {
        const outcome = await send(outgoing(), undefined, dead);
        assert.equal(outcome.kind, 'never-sent');
        assert.equal((outcome as { error: { code?: string } }).error.code, 'ECONNREFUSED');
      } finally {
        transport.close();
      }
    });

    test('a connect that hangs ends at the connect timeout, never sent', async () => {
      fresh({ connectTimeoutMs: 200 });
      try {
        const started = performance.now();
        const outcome = await send(outgoing(), undefined, instanceAt(hole.port));
        assert.equal(outcome.kind, 'never-sent');
        assert.equal((outcome as { error: { code?: string } }).error.code, 'ERR_PROXYLESS_CONNECT_TIMEOUT');
        assert.match((outcome as { error: Error }).error.message, /timed out after 200 ms/);
        assert.ok(performance.now() - started < 3_000, 'the connect timeout ended it');
      } finally {
        transport.close();
      }
    });

    test('a connection reset after the server read the request is lost, not never-sent', async () => {
      fresh();
      server.respondWith((request) => {
        request.resume();
        request.on('end', () => request.socket.destroy());
      });
      try {
        const outcome = await send(outgoing({ method: 'POST', body: Buffer.from('{"cents":100}') }));
        assert.equal(outcome.kind, 'connection-lost');
        assert.equal((outcome as { error: { code?: string } }).error.code, 'ECONNRESET');
        assert.equal(hitsOf(server, 'POST /'), 1);
      } finally {
        transport.close();
      }
    });

    test('a reused keep-alive socket that the server closes under the request is lost, not never-sent', async () => {
      fresh();
      const connections = new Connections();
      server.respondWith(tracked(connections, answerOk));
      try {
        responseOf(await send(outgoing({ path: '/warm' })));
        // undici hands a socket on only a full turn of the event loop after its last response.
        await sleep(20);
        server.respondWith(tracked(connections, (request) => request.socket.destroy()));
        const outcome = await send(outgoing({ method: 'POST', path: '/charge', body: Buffer.from('x') }));
        assert.equal(outcome.kind, 'connection-lost');
        assert.equal(connections.opened, 1, 'the second request went over the first one’s socket');
      } finally {
        transport.close();
      }
    });

    test('a body cut mid-way is a lost connection that still shows the status', async () => {
      fresh();
      server.respondWith((request, response) => {
        request.resume();
        response.writeHead(200, { 'content-length': '100000' });
        response.write('{"items":[1,2,3');
        setTimeout(() => request.socket.destroy(), 20);
      });
      try {
        const outcome = await send(outgoing());
        assert.equal(outcome.kind, 'connection-lost');
        assert.equal(outcome.kind === 'connection-lost' ? outcome.response?.status : undefined, 200);
      } finally {
        transport.close();
      }
    });

    test('an abort while waiting for the answer ends the attempt at once, cancelled, and drops its socket', async () => {
      fresh();
      const connections = new Connections();
      server.respondWith(
        tracked(connections, (request, response) => {
          request.resume();
          setTimeout(() => response.end('late'), 2_000).unref();
        }),
      );
      try {
        const signal = new AttemptSignal();
        const pending = send(outgoing(), signal);
        await sleep(50);
        const started = performance.now();
        signal.abort();
        const outcome = await pending;
        assert.equal(outcome.kind, 'cancelled');
        assert.ok(performance.now() - started < 500);
        for (let i = 0; i < 50 && connections.open > 0; i++) await sleep(20);
        assert.equal(connections.open, 0, 'the socket of an aborted attempt is closed, not pooled');
      } finally {
        transport.close();
      }
    });

    test('an abort while connecting ends the attempt at once, cancelled', async () => {
      fresh({ connectTimeoutMs: 5_000 });
      try {
        const signal = new AttemptSignal();
        const pending = send(outgoing(), signal, instanceAt(hole.port));
        await sleep(50);
        const started = performance.now();
        signal.abort();
        assert.equal((await pending).kind, 'cancelled');
        assert.ok(performance.now() - started < 500);
      } finally {
        transport.close();
      }
    });

    test('a header undici refuses fails here, before anything is sent', async () => {
      fresh();
      try {
        const outcome = await send(outgoing({ headers: { 'transfer-encoding': 'chunked' } }));
        assert.equal(outcome.kind, 'failed');
        assert.equal(hitsOf(server, 'GET /'), 0);
      } finally {
        transport.close();
      }
    });
  });

  describe('a one-shot body', () => {
    test('is still unread after a refused connection, and goes whole to the next instance', async () => {
      fresh();
      let received = '';
      other.respondWith((request, response) => {
        request.setEncoding('utf8');
        request.on('data', (chunk: string) => (received += chunk));
        request.on('end', () => response.end('stored'));
      });
      const body = new OneShotBody(Readable.from(['hello ', 'world']));
      const request = outgoing({ method: 'PUT', path: '/file', body });
      try {
        const refused = await send(request, undefined, instanceAt(await freePort()));
        assert.equal(refused.kind, 'never-sent');
        assert.equal(body.consumed, false, 'a refused connection reads nothing of the body');
        assert.equal(bodyText(responseOf(await send(request, undefined, instanceAt(other.port)))), 'stored');
        assert.equal(received, 'hello world');
        assert.equal(body.consumed, true);
      } finally {
        transport.close();
      }
    });

    test('that fails while being sent is a local failure, not the instance’s', async () => {
      fresh();
      const source = new Readable({ read() {} });
      source.push('partial ');
      server.respondWith((request) => request.once('data', () => source.destroy(new Error('disk read failed'))));
      try {
        const outcome = await send(outgoing({ method: 'PUT', path: '/file', body: new OneShotBody(source) }));
        assert.equal(outcome.kind, 'failed');
        assert.match((outcome as { error: Error }).error.message, /disk read failed/);
      } finally {
        transport.close();
      }
    });
  });

  describe('reads responses as asked', () => {
    for (const [coding, encode] of [
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
    ] as const) {
      test(`asks for compressed bodies and decodes ${coding}`, async () => {
        fresh();
        let asked: string | undefined;
        server.respondWith((request, response) => {
          asked = request.headers['accept-encoding'];
          response.setHeader('content-encoding', coding);
          response.end(encode(Buffer.from('{"compressed":true}')));
        });
        try {
          const response = responseOf(await send(outgoing()));
          assert.equal(asked, 'gzip, deflate, br');
          assert.equal(bodyText(response), '{"compressed":true}');
          assert.equal(response.headers['content-encoding'], undefined, 'the decoded body has no coding left');
        } finally {
          transport.close();
        }
      });
    }

    test('decodes raw deflate, as some servers send it, in a buffer and in a stream', async () => {
      fresh();
      server.respondWith((_request, response) => {
        response.setHeader('content-encoding', 'deflate');
        response.end(deflateRawSync(Buffer.from('raw deflate')));
      });
      try {
        assert.equal(bodyText(responseOf(await send(outgoing()))), 'raw deflate');
        const streamed = responseOf(await send(outgoing({ responseType: 'stream' })));
        assert.equal(await text(streamed.body as Readable), 'raw deflate');
      } finally {
        transport.close();
      }
    });

    test('with decompress off, neither asks for nor decodes a coding', async () => {
      fresh();
      let asked: string | undefined = 'unset';
      const compressed = gzipSync(Buffer.from('as is'));
      server.respondWith((request, response) => {
        asked = request.headers['accept-encoding'];
        response.setHeader('content-encoding', 'gzip');
        response.end(compressed);
      });
      try {
        const response = responseOf(await send(outgoing({ decompress: false })));
        assert.equal(asked, undefined);
        assert.deepEqual(Buffer.from(response.body as Uint8Array), compressed);
        assert.equal(response.headers['content-encoding'], 'gzip');
      } finally {
        transport.close();
      }
    });

    test('a body over maxResponseBytes fails here, announced or not, compressed or not', async () => {
      fresh();
      const big = 'x'.repeat(2_000);
      try {
        server.respondWith((_request, response) => response.end(big));
        const announced = await send(outgoing({ maxResponseBytes: 1_000 }));
        assert.equal(announced.kind, 'failed');
        assert.equal((announced as { error: { code?: string } }).error.code, 'ERR_BAD_RESPONSE');
        assert.match((announced as { error: Error }).error.message, /maxContentLength size of 1000 exceeded/);

        server.respondWith((_request, response) => {
          response.write(big.slice(0, 900));
          setTimeout(() => response.end(big.slice(900)), 10);
        });
        assert.equal((await send(outgoing({ maxResponseBytes: 1_000 }))).kind, 'failed', 'a chunked body is counted as it arrives');

        server.respondWith((_request, response) => {
          response.setHeader('content-encoding', 'gzip');
          response.end(gzipSync(Buffer.from(big)));
        });
        assert.equal((await send(outgoing({ maxResponseBytes: 1_000 }))).kind, 'failed', 'a small compressed body inflating past the limit');
        assert.equal(bodyText(responseOf(await send(outgoing({ maxResponseBytes: 2_000 })))), big, 'exactly the limit is accepted');
      } finally {
        transport.close();
      }
    });

    test('a body that does not decode is a local failure', async () => {
      fresh();
      server.respondWith((_request, response) => {
        response.setHeader('content-encoding', 'gzip');
        response.end('not gzip at all');
      });
      try {
        const outcome = await send(outgoing());
        assert.equal(outcome.kind, 'failed');
        assert.match(String((outcome as { error: { code?: string } }).error.code), /^Z_/);
      } finally {
        transport.close();
      }
    });

    test('a stream response is handed on unread, and a cut in it reaches the reader', async () => {
      fresh();
      server.respondWith((request, response) => {
        request.resume();
        response.writeHead(200, { 'content-length': '100000' });
        response.write('first part');
        setTimeout(() => request.socket.destroy(), 50);
      });
      try {
        const response = responseOf(await send(outgoing({ responseType: 'stream' })));
        assert.equal(response.status, 200);
        await assert.rejects(text(response.body as Readable));
      } finally {
        transport.close();
      }
    });

    test('an informational head (103 Early Hints) is passed over for the response’s own', async () => {
      fresh();
      server.respondWith((_request, response) => {
        response.writeEarlyHints({ link: '</style.css>; rel=preload' });
        response.end('final');
      });
      try {
        for (const responseType of ['buffer', 'stream'] as const) {
          const response = responseOf(await send(outgoing({ responseType })));
          assert.equal(response.status, 200);
          assert.equal(responseType === 'buffer' ? bodyText(response) : await text(response.body as Readable), 'final');
        }
      } finally {
        transport.close();
      }
    });

    test('a stream response decodes as it arrives', async () => {
      fresh();
      server.respondWith((_request, response) => {
        response.setHeader('content-encoding', 'gzip');
        response.end(gzipSync(Buffer.from('streamed and decoded')));
      });
      try {
        const response = responseOf(await send(outgoing({ responseType: 'stream' })));
        assert.equal(await text(response.body as Readable), 'streamed and decoded');
      } finally {
        transport.close();
      }
    });
  });

  describe('owns its connections', () => {
    test('an idle socket is closed before the keep-alive timeout the server announced', async () => {
      fresh();
      const connections = new Connections();
      // The server itself keeps sockets for 30 s; only the client can close this one early.
      server.respondWith(
        tracked(connections, (_request, response) => {
          response.setHeader('keep-alive', 'timeout=2');
          response.end('ok');
        }),
      );
      try {
        responseOf(await send(outgoing()));
        assert.equal(connections.open, 1);
        for (let i = 0; i < 100 && connections.open > 0; i++) await sleep(50);
        assert.equal(connections.open, 0, 'closed a second before the announced 2 s');
      } finally {
        transport.close();
      }
    });

    test('sockets are kept alive and reused between attempts', async () => {
      fresh();
      const connections = new Connections();
      server.respondWith(tracked(connections, answerOk));
      try {
        for (let i = 0; i < 10; i++) responseOf(await send(outgoing()));
        // A socket is handed on a turn of the event loop after its response ended, so a request sent at
        // once may take a second one; never more.
        assert.ok(connections.opened <= 2, `${connections.opened} connections for 10 requests in a row`);
      } finally {
        transport.close();
      }
    });

    test('an instance that left discovery has its sockets closed; close() leaves none and sends nothing more', async () => {
      fresh();
      const connections = new Connections();
      server.respondWith(tracked(connections, answerOk));
      responseOf(await send(outgoing()));
      transport.instancesChanged([instanceAt(other.port)]);
      for (let i = 0; i < 50 && connections.open > 0; i++) await sleep(20);
      assert.equal(connections.open, 0);
      responseOf(await send(outgoing()));
      transport.close();
      for (let i = 0; i < 50 && connections.open > 0; i++) await sleep(20);
      assert.equal(connections.open, 0);
      assert.equal((await send(outgoing())).kind, 'never-sent');
    });

    test('an https: instance is reached with the client’s TLS options', async () => {
      const tlsServer = createHttpsServer({ cert: serverCert, key: serverKey }, (_request, response) => response.end('secure'));
      await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
      const port = (tlsServer.address() as AddressInfo).port;
      const secure = instanceAt(port, { origin: `https://127.0.0.1:${port}` });
      const trusting = new UndiciTransport({ connectTimeoutMs: 1_000, tls: { ca: testCa } });
      const untrusting = new UndiciTransport({ connectTimeoutMs: 1_000 });
      try {
        assert.equal(bodyText(responseOf(await trusting.send(secure, outgoing(), new AttemptSignal()))), 'secure');
        const refused = await untrusting.send(secure, outgoing(), new AttemptSignal());
        assert.equal(refused.kind, 'never-sent', 'a certificate that fails verification fails the handshake: nothing sent');
      } finally {
        trusting.close();
        untrusting.close();
        tlsServer.closeAllConnections();
        await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
      }
    });
  });
});
