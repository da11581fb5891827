// Many clients in one process against one real agent: clients of the same service share one watch, and
// clients created and closed in a loop leave nothing running inside Consul. Consul limits each client host to
// 200 connections at once (limits.http_max_conns_per_client); a blocking query left running by every closed
// client used to reach it within seconds, after which Consul refused every connection from the host.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from '../../lib/client/create-client.js';
import type { BalancedClient } from '../../lib/client/balanced-client.js';
import { consulWatchRegistry } from '../../lib/discovery/consul-watch-registry.js';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { sleep } from '../support/load.js';

describe('many clients in one process', { timeout: 120_000 }, () => {
  let consul: ConsulAgent;

  before(async () => {
    consul = await startConsul();
  });

  after(async () => {
    await consul?.stop();
  });

  const consulOption = () => ({ host: consul.host, port: consul.port });

  test('500 clients created and closed one after another leave Consul answering at once', async () => {
    await consul.registerService({ id: 'churn-1', name: 'churn', port: 7001, address: '127.0.0.1' });
    const started = performance.now();
    for (let i = 0; i < 500; i++) {
      const client = createClient({ service: 'churn', consul: consulOption() });
      await client.ready({ timeoutMs: 10_000 });
      assert.equal(client.instances().length, 1);
      // Each client lives until its blocking query waits inside Consul, as any client that is used does.
      while ((consulWatchRegistry.watches()[0]?.requests ?? 0) < 2) await sleep(1);
      await sleep(1);
      await client.close();
    }
    const elapsed = performance.now() - started;
    console.log(`# 500 clients created, ready and closed in ${elapsed.toFixed(0)} ms`);
    assert.equal(consulWatchRegistry.watches().length, 0, 'no watch outlives its clients');

    // A new connection, as any other program on the host would open.
    const answered = performance.now();
    const response = await fetch(`http://${consul.address}/v1/status/leader`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(response.status, 200);
    assert.notEqual(await response.json(), '');
    const client = createClient({ service: 'churn', consul: consulOption() });
    try {
      await client.ready({ timeoutMs: 5_000 });
      assert.equal(client.instances().length, 1);
    } finally {
      await client.close();
    }
    console.log(`# then Consul answered a new connection and a new client in ${(performance.now() - answered).toFixed(0)} ms`);
  });

  test('200 clients of 20 services make 20 watches on Consul, not 200', async () => {
    const services = Array.from({ length: 20 }, (_, i) => `scale-${i}`);
    for (const [i, service] of services.entries()) {
      await consul.registerService({ id: `${service}-1`, name: service, port: 8000 + i, address: '127.0.0.1' });
    }
    const clients: BalancedClient[] = [];
    try {
      for (let copy = 0; copy < 10; copy++) {
        for (const service of services) clients.push(createClient({ service, consul: consulOption() }));
      }
      await Promise.all(clients.map((client) => client.ready({ timeoutMs: 10_000 })));
      assert.ok(clients.every((client) => client.instances().length === 1));
      const watches = consulWatchRegistry.watches();
      const requests = watches.reduce((sum, watch) => sum + watch.requests, 0);
      console.log(`# 200 clients of 20 services: ${watches.length} watches, ${requests} requests to Consul so far`);
      assert.equal(watches.length, 20);
      assert.ok(watches.every((watch) => watch.observers === 10));
      // Each watch: its first answer, then the blocking query that waits for a change (a few more while its
      // waits are young); 200 separate watches would have sent at least 400.
      assert.ok(requests < 200, `${requests} requests`);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    assert.equal(consulWatchRegistry.watches().length, 0);
  });
});
