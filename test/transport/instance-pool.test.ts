// The per-instance connection pool of the axios transport, against a real Node server: idle sockets are
// closed by the client before the server would close them, so a request is never written to a socket the
// server is closing at that instant (a reset that, for a POST, cannot be repaired by sending it again).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import axios from 'axios';
import type { Instance } from '../../lib/discovery/instance.js';
import { AttemptSignal } from '../../lib/transport/attempt-signal.js';
import type { OutgoingRequest } from '../../lib/transport/outgoing-request.js';
import { AxiosTransport } from '../../lib/transport/axios/axios-transport.js';
import { instanceAt } from '../support/fake-discovery.js';

interface Connection {
  /** Who ended the connection: the client (a FIN the server read), or the server's own keep-alive timeout. */
  closedBy: 'client' | 'server' | undefined;
}

describe('the per-instance connection pool', { timeout: 30_000 }, () => {
  let server: Server;
  let instance: Instance;
  const connections: Connection[] = [];

  before(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.end('ok'));
    });
    // Advertised as `Keep-Alive: timeout=2`: shorter than the 4 s the pool assumes without a hint.
    server.keepAliveTimeout = 2_000;
    server.on('connection', (socket: Socket) => {
      const connection: Connection = { closedBy: undefined };
      connections.push(connection);
      socket.once('timeout', () => (connection.closedBy ??= 'server'));
      socket.once('end', () => (connection.closedBy ??= 'client'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    instance = instanceAt(port);
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test("the first response's Keep-Alive hint already decides when its idle socket is closed, before the server closes it", async () => {
    const transport = new AxiosTransport(axios, { connectTimeoutMs: 1_000 });
    const request: OutgoingRequest = {
      method: 'POST',
      path: '/orders',
      headers: {},
      body: Buffer.from('{}'),
      responseType: 'buffer',
      maxResponseBytes: Infinity,
      decompress: true,
    };
    try {
      const outcome = await transport.send(instance, request, new AttemptSignal());
      assert.equal(outcome.kind, 'response');
      assert.equal(connections.length, 1);
      const started = performance.now();
      while (connections[0]!.closedBy === undefined && performance.now() - started < 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(connections[0]!.closedBy, 'client', 'the client closed its idle socket before the server timed it out');
    } finally {
      transport.close();
    }
  });
});
