// The server's side of a drain, on real sockets: responses that retire their connections, a close that never
// cuts a request short within its bound, and idle keep-alive sockets closed only when the drain says so.
import assert from 'node:assert/strict';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'node:test';
import { ServerDrain } from '../../lib/express/server-drain.js';

interface Answer {
  status: number;
  connection: string | undefined;
}

async function listen(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function get(port: number, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** A handler that holds each request until the test releases it. */
function heldAnswers(): {
  handler: (request: IncomingMessage, response: ServerResponse) => void;
  arrived: (count: number) => Promise<void>;
  release(): void;
} {
  const held: ServerResponse[] = [];
  let total = 0;
  const waiters: { count: number; wake: () => void }[] = [];
  return {
    handler: (_request, response) => {
      held.push(response);
      total += 1;
      for (const waiter of waiters.filter((w) => w.count <= total)) waiter.wake();
    },
    arrived: (count) =>
      count <= total ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, wake: () => resolve() })),
    release: () => {
      for (const response of held.splice(0)) response.end('ok');
    },
  };
}

test('once asked, every response says Connection: close — one already being handled included', { timeout: 10_000 }, async () => {
  const answers = heldAnswers();
  const { server, port } = await listen(answers.handler);
  const drain = new ServerDrain(server);
  const agent = new Agent({ keepAlive: true });
  try {
    const inFlight = get(port, agent);
    await answers.arrived(1);
    drain.closeAfterResponses();
    answers.release();
    assert.deepEqual(await inFlight, { status: 200, connection: 'close' });
    const later = get(port, agent);
    await answers.arrived(2);
    answers.release();
    assert.deepEqual(await later, { status: 200, connection: 'close' });
  } finally {
    agent.destroy();
    await drain.close(1_000);
  }
});

test('close() stops accepting, lets the request in flight finish, and reports none cut off', { timeout: 10_000 }, async () => {
  const answers = heldAnswers();
  const { server, port } = await listen(answers.handler);
  const drain = new ServerDrain(server);
  const agent = new Agent({ keepAlive: true });
  try {
    const inFlight = get(port, agent);
    await answers.arrived(1);
    const closing = drain.close(5_000);
    await assert.rejects(get(port, new Agent()), { code: 'ECONNREFUSED' }, 'no new connection is accepted');
    answers.release();
    assert.deepEqual(await inFlight, { status: 200, connection: 'close' });
    assert.equal(await closing, 0);
    assert.equal(server.listening, false);
  } finally {
    agent.destroy();
  }
});

test('close() cuts off a request still unanswered when its bound runs out, and says so', { timeout: 10_000 }, async () => {
  const answers = heldAnswers();
  const { server, port } = await listen(answers.handler);
  const drain = new ServerDrain(server);
  const agent = new Agent({ keepAlive: true });
  try {
    const stuck = get(port, agent);
    await answers.arrived(1);
    const started = performance.now();
    assert.equal(await drain.close(200), 1);
    assert.ok(performance.now() - started < 3_000, 'the bound held');
    await assert.rejects(stuck, { code: 'ECONNRESET' });
  } finally {
    agent.destroy();
  }
});

test('an idle keep-alive socket stays open until close(), which closes it', { timeout: 10_000 }, async () => {
  const { server, port } = await listen((_request, response) => response.end('ok'));
  const drain = new ServerDrain(server);
  const agent = new Agent({ keepAlive: true });
  try {
    const sockets: Socket[] = [];
    server.on('connection', (socket: Socket) => sockets.push(socket));
    assert.deepEqual(await get(port, agent), { status: 200, connection: 'keep-alive' });
    drain.closeAfterResponses();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(sockets.length, 1);
    assert.equal(sockets[0]!.destroyed, false, 'an idle socket is not closed while a client may still write to it');
    const closed = new Promise((resolve) => sockets[0]!.once('close', resolve));
    assert.equal(await drain.close(1_000), 0);
    await closed;
  } finally {
    agent.destroy();
  }
});
