// A Consul agent that restarts empty has forgotten every instance on it; each notices and registers again
// within a few seconds — by asking the agent (HTTP check) or by its next TTL report being refused.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { register, type Registration, type RegisteredEvent } from '../../lib/express/index.js';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { untilCatalog } from '../support/consul-catalog.js';
import { startRegisteredApp, type RegisteredApp } from '../support/registered-app.js';

let consul: ConsulAgent;
let httpChecked: RegisteredApp;
let plain: Server;
let ttlReported: Registration;

before(async () => {
  consul = await startConsul();
  httpChecked = await startRegisteredApp(consul, { service: 'remembered', id: 'remembered-http' });
  // A TTL check needs no app: a bare Node server will do.
  plain = createServer((_request, response) => response.end('ok')).listen(0, '127.0.0.1');
  ttlReported = await register(plain, {
    service: 'remembered',
    id: 'remembered-ttl',
    consul: { host: consul.host, port: consul.port },
    check: { ttl: '3s' },
    drain: { signals: false },
  });
});

after(async () => {
  await httpChecked.stop();
  await ttlReported.deregister();
  plain.close();
  await consul.stop();
});

test('an agent restarted empty has every instance registered again within a few seconds', { timeout: 40_000 }, async () => {
  await untilCatalog(consul, 'remembered', (entries) => entries.filter((e) => e.check?.status === 'passing').length === 2, 10_000, 'both passing');
  const again: RegisteredEvent[] = [];
  httpChecked.registration.on('registered', (event) => again.push(event));
  ttlReported.on('registered', (event) => again.push(event));

  await consul.restart();
  const restarted = performance.now();
  await untilCatalog(consul, 'remembered', (entries) => entries.length === 2, 15_000, 'both registered again');
  const seconds = (performance.now() - restarted) / 1_000;
  console.log(`# both instances registered again ${seconds.toFixed(1)} s after the agent came back`);
  assert.ok(seconds < 8, `registered again after ${seconds.toFixed(1)} s`);
  assert.deepEqual(
    again.map(({ id, again: isAgain }) => [id, isAgain]).sort(),
    [
      ['remembered-http', true],
      ['remembered-ttl', true],
    ],
  );
  await untilCatalog(consul, 'remembered', (entries) => entries.every((e) => e.check?.status === 'passing'), 10_000, 'both passing again');
});
