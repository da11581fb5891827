import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import axios from 'axios';
import { AxiosTransport } from '../../lib/transport/axios-transport.js';
import { instanceAt } from '../support/fake-discovery.js';
import { startServers, type TestServer } from '../support/http-servers.js';

let servers: TestServer[];
const openSockets = new Map<number, number>();

before(async () => {
  servers = await startServers(2);
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

test('connections are kept alive per instance, and closed once the instance leaves the set', async () => {
  const transport = new AxiosTransport(axios.create(), '/api', 1_000);
  const [a, b] = [instanceAt(servers[0]!.port), instanceAt(servers[1]!.port)];
  for (const server of servers) {
    server.respondWith((req, res) => {
      const port = req.socket.localPort!;
      if (!openSockets.has(req.socket.remotePort!)) {
        openSockets.set(req.socket.remotePort!, port);
        req.socket.once('close', () => openSockets.delete(req.socket.remotePort!));
      }
      res.json({ path: req.originalUrl });
    });
  }
  for (let i = 0; i < 10; i++) {
    const { data } = await transport.send<{ path: string }, unknown>(i % 2 === 0 ? a : b, { url: '/users/1' });
    assert.equal(data.path, '/api/users/1', 'the path prefix is kept');
  }
  const socketsTo = (port: number): number => [...openSockets.values()].filter((p) => p === port).length;
  assert.equal(socketsTo(a.port), 1, 'sequential requests reuse one connection');
  assert.equal(socketsTo(b.port), 1);

  transport.instancesChanged([b]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(socketsTo(a.port), 0, 'the departed instance\'s idle connection is closed');
  assert.equal(socketsTo(b.port), 1, 'the remaining instance keeps its connection');

  transport.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(openSockets.size, 0);
});
