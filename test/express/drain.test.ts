// A drain, in the order that fails no request: out of Consul first, serving while clients catch up (every
// response retiring its connection), then no longer accepting. And deregister(), which lets go entirely.
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { Agent, request } from 'node:http';
import { after, before, test } from 'node:test';
import { createClient } from '../../lib/client/create-client.js';
import type { BalancedClient } from '../../lib/client/balanced-client.js';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { catalogEntries } from '../support/consul-catalog.js';
import { sleep, waitFor } from '../support/load.js';
import { startRegisteredApp, type RegisteredApp } from '../support/registered-app.js';

let consul: ConsulAgent;
const apps: RegisteredApp[] = [];
const clients: BalancedClient[] = [];

before(async () => {
  consul = await startConsul();
});

after(async () => {
  for (const client of clients) await client.close();
  for (const app of apps) await app.stop();
  await consul.stop();
});

type Outcome = { status: number; connection: string | undefined } | { error: string };

/** One GET on a fresh keep-alive connection: the status and Connection header, or the error code. */
async function getOnce(url: string): Promise<Outcome> {
  const agent = new Agent({ keepAlive: true });
  try {
    return await new Promise<Outcome>((resolve) => {
      const outgoing = request(url, { agent }, (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }));
      });
      outgoing.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      outgoing.end();
    });
  } finally {
    agent.destroy();
  }
}

test('drain() leaves Consul first, serves with Connection: close while clients catch up, then stops accepting', { timeout: 30_000 }, async () => {
  const app = await startRegisteredApp(consul, { service: 'leaving' });
  apps.push(app);
  const client = createClient({ service: 'leaving', consul: { host: consul.host, port: consul.port } });
  clients.push(client);
  await client.ready({ timeoutMs: 10_000 });
  await waitFor(() => client.instances().length === 1, 10_000, 'the instance to pass');
  const events: string[] = [];
  app.registration.on('draining', () => events.push('draining'));
  app.registration.on('drained', () => events.push('drained'));

  const started = performance.now();
  const draining = app.registration.drain();
  assert.equal(app.registration.drain(), draining, 'a second call joins the drain under way');
  const goneAfter = await waitFor(() => client.instances().length === 0, 5_000, 'the client to drop the instance');
  assert.deepEqual(await catalogEntries(consul, 'leaving'), [], 'deregistered, not merely critical');
  const meanwhile = await getOnce(`${app.url}/whoami`);
  assert.deepEqual(meanwhile, { status: 200, connection: 'close' }, 'still serving while clients catch up, each connection retired');
  assert.equal((await fetch(`${app.url}/health`)).status, 503, 'the health route says the instance is leaving');

  const result = await draining;
  const closedAfter = performance.now() - started;
  console.log(`# the client dropped the instance after ${goneAfter.toFixed(0)} ms; the server closed after ${closedAfter.toFixed(0)} ms`);
  assert.ok(goneAfter < 2_000, 'clients see the deregistration well within the default propagation wait');
  assert.ok(closedAfter >= 2_000, 'the server accepted connections for the whole propagation wait');
  assert.deepEqual({ deregistered: result.deregistered, requestsCutOff: result.requestsCutOff }, { deregistered: true, requestsCutOff: 0 });
  assert.deepEqual(await getOnce(`${app.url}/whoami`), { error: 'ECONNREFUSED' });
  assert.deepEqual(events, ['draining', 'drained']);
  // Its discovery watch would otherwise run into the next test, which counts timers.
  await client.close();
});

test('deregister() takes the instance out of Consul and lets go of it, leaving nothing running; a later drain() waits only what remains', { timeout: 30_000 }, async () => {
  // Every timer created from here to the end of deregister(), unref'd ones included; a TTL check, so that no
  // check request from Consul reaches the server meanwhile.
  const timers: { timer: { _destroyed?: boolean }; stack: string }[] = [];
  const hook = createHook({
    init: (_id, type, _trigger, resource) => {
      if (type === 'Timeout') timers.push({ timer: resource as { _destroyed?: boolean }, stack: new Error().stack ?? '' });
    },
  }).enable();
  const app = await startRegisteredApp(consul, { service: 'released', check: { ttl: '3s' }, drain: { signals: false, propagationMs: 3_000 } });
  apps.push(app);
  await sleep(1_200);
  await app.registration.deregister();
  hook.disable();
  // The server's own connection checker runs as long as it listens.
  const running = timers.filter(({ timer, stack }) => timer._destroyed === false && !stack.includes('setupConnectionsTracking'));
  assert.deepEqual(running.map(({ stack }) => stack), [], 'no timer left running');
  assert.deepEqual(await catalogEntries(consul, 'released'), []);

  assert.equal((await fetch(`${app.url}/whoami`)).status, 200, 'the server still serves');
  assert.equal((await fetch(`${app.url}/health`)).status, 503, 'the health route says it is out of service');

  await sleep(3_100);
  const result = await app.registration.drain();
  assert.ok(result.durationMs < 2_000, `the propagation wait had already elapsed (${result.durationMs.toFixed(0)} ms)`);
  assert.equal(app.server.listening, false);
});
