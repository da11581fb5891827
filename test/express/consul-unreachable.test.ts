// Consul unreachable when an instance starts: the server serves from the start while registration retries;
// register() resolves once the agent answers, or rejects after registerTimeoutMs and lets go.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import express from 'express';
import { register, RegistrationTimeoutError, RegistrationError, type Registration } from '../../lib/express/index.js';
import { startConsul } from '../support/consul-agent.js';
import { untilCatalog } from '../support/consul-catalog.js';
import { freePort } from '../support/free-port.js';
import { sleep } from '../support/load.js';

async function listeningApp(): Promise<{ app: express.Express; server: ReturnType<express.Express['listen']>; url: string }> {
  const app = express();
  app.get('/whoami', (_request, response) => {
    response.json({ id: 'starting' });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { app, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test('register() keeps retrying while Consul is down, the server serving meanwhile, and resolves once it is up', { timeout: 40_000 }, async () => {
  const consul = await startConsul();
  await consul.kill();
  const { app, server, url } = await listeningApp();
  let registration: Registration | undefined;
  try {
    const registering = register(server, { service: 'patient', app, consul: { host: consul.host, port: consul.port }, drain: { signals: false } });
    let settled = false;
    void registering.then(
      () => (settled = true),
      () => (settled = true),
    );
    await sleep(1_000);
    assert.equal(settled, false, 'still trying');
    assert.equal((await fetch(`${url}/whoami`)).status, 200, 'the server serves before it is registered');

    await consul.restart();
    registration = await registering;
    await untilCatalog(consul, 'patient', (entries) => entries.length === 1, 5_000, 'the instance listed');
  } finally {
    await registration?.deregister();
    server.closeAllConnections();
    server.close();
    await consul.stop();
  }
});

test('register() rejects after registerTimeoutMs, naming the agent and the cause, and lets go of the server', { timeout: 20_000 }, async () => {
  const port = await freePort();
  const { app, server, url } = await listeningApp();
  try {
    const signalListeners = process.listenerCount('SIGUSR2');
    const started = performance.now();
    await assert.rejects(
      register(server, { service: 'lonely', app, consul: { host: '127.0.0.1', port }, registerTimeoutMs: 800, drain: { signals: ['SIGUSR2'] } }),
      (error: unknown) => {
        assert.ok(error instanceof RegistrationTimeoutError);
        assert.equal(error.code, 'ERR_PROXYLESS_REGISTRATION_TIMEOUT');
        assert.match(error.message, new RegExp(`Consul at 127\\.0\\.0\\.1:${port} did not accept instance "lonely-`));
        assert.match(error.message, /within 800 ms \(\d+ attempts; last error: connect ECONNREFUSED/);
        assert.match(error.message, /CONSUL_HTTP_ADDR/);
        assert.ok(error.attempts >= 2, `retried (${error.attempts} attempts)`);
        assert.ok(error.cause instanceof RegistrationError);
        return true;
      },
    );
    assert.ok(performance.now() - started < 5_000, 'rejected near its bound');
    assert.equal(process.listenerCount('SIGUSR2'), signalListeners, 'its signal listener is gone');
    assert.equal((await fetch(`${url}/whoami`)).status, 200, 'the server keeps serving');
    const health = await fetch(`${url}/health`);
    assert.deepEqual([health.status, ((await health.json()) as { reason: string }).reason], [503, 'not registered with Consul']);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
