// The first mistakes users make with Consul get clear, fast answers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from '../../lib/client/create-client.js';
import { DiscoveryTimeoutError } from '../../lib/errors/discovery-timeout-error.js';
import { NoHealthyInstancesError } from '../../lib/errors/no-healthy-instances-error.js';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { freePort } from '../support/free-port.js';

let consul: ConsulAgent;

before(async () => {
  consul = await startConsul();
});

after(async () => {
  await consul.stop();
});

test('ready() rejects within its timeout when Consul is unreachable, naming the address and the cause', { timeout: 10_000 }, async () => {
  const port = await freePort();
  const client = createClient({ service: 'users', consul: { host: '127.0.0.1', port } });
  try {
    const started = performance.now();
    await assert.rejects(client.ready({ timeoutMs: 800 }), (error: unknown) => {
      assert.ok(error instanceof DiscoveryTimeoutError);
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.match(error.message, /ECONNREFUSED/);
      assert.match(error.message, /CONSUL_HTTP_ADDR/);
      return true;
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1_500, `rejected after ${elapsed.toFixed(0)} ms`);
  } finally {
    await client.close();
  }
});

test('a request for a service with no instance in Consul rejects at once, naming the service', { timeout: 10_000 }, async () => {
  const client = createClient({ service: 'nobody-home', consul: { host: consul.host, port: consul.port } });
  try {
    await client.ready({ timeoutMs: 5_000 });
    const started = performance.now();
    await assert.rejects(client.get('/x'), (error: unknown) => {
      assert.ok(error instanceof NoHealthyInstancesError);
      assert.match(error.message, /"nobody-home"/);
      assert.match(error.message, new RegExp(consul.address.replace(/\./g, '\\.')));
      return true;
    });
    // Far below the 10 s a request waits for a first instance list: it did not wait at all.
    assert.ok(performance.now() - started < 1_000, 'rejected without waiting');
  } finally {
    await client.close();
  }
});
