// Consul's weights and warning state reach the pickers as Consul means them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from '../../lib/client/create-client.js';
import type { BalancedClient } from '../../lib/client/balanced-client.js';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { startInstance, type TestInstance } from '../support/instance-process.js';
import { waitFor } from '../support/load.js';

let consul: ConsulAgent;
const instances: TestInstance[] = [];
const clients: BalancedClient[] = [];

before(async () => {
  consul = await startConsul();
});

after(async () => {
  for (const client of clients) await client.close();
  for (const instance of instances) await instance.stop();
  await consul.stop();
});

function client(options: Omit<Parameters<typeof createClient>[0], 'consul'>): BalancedClient {
  const created = createClient({ ...options, consul: { host: consul.host, port: consul.port } });
  clients.push(created);
  return created;
}

async function consulApi(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`http://${consul.address}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  assert.equal(response.status, 200, `${method} ${path}: ${await response.text()}`);
}

test('weighted-round-robin serves instances in proportion to their Consul weights', { timeout: 30_000 }, async () => {
  const light = await startInstance({ consul, service: 'weighted', id: 'weighted-1', weight: 1 });
  const heavy = await startInstance({ consul, service: 'weighted', id: 'weighted-3', weight: 3 });
  instances.push(light, heavy);
  const c = client({ service: 'weighted', picker: 'weighted-round-robin' });
  await c.ready({ timeoutMs: 10_000 });
  await waitFor(() => c.instances().length === 2, 15_000, 'two passing instances');
  assert.deepEqual(
    c.instances().map((i) => [i.id, i.weight]).sort(),
    [
      ['weighted-1', 1],
      ['weighted-3', 3],
    ],
  );
  const counts = new Map<string, number>();
  for (let i = 0; i < 400; i++) {
    const { data } = await c.get<{ id: string }>('/whoami');
    counts.set(data.id, (counts.get(data.id) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(counts), { 'weighted-1': 100, 'weighted-3': 300 });
});

test('a warning instance is used only when asked, with its Weights.Warning', { timeout: 30_000 }, async () => {
  const passing = await startInstance({ consul, service: 'warned', id: 'warned-ok' });
  const warning = await startInstance({ service: 'warned', id: 'warned-degraded' });
  instances.push(passing, warning);
  // A TTL check the test sets to "warning" by hand, as a degraded instance would report itself.
  await consulApi('PUT', '/v1/agent/service/register', {
    ID: 'warned-degraded',
    Name: 'warned',
    Address: '127.0.0.1',
    Port: warning.port,
    Weights: { Passing: 10, Warning: 2 },
    Check: { CheckID: 'warned-degraded-ttl', TTL: '60s' },
  });
  await consulApi('PUT', '/v1/agent/check/warn/warned-degraded-ttl');

  const strict = client({ service: 'warned' });
  const tolerant = client({ service: 'warned', discovery: { includeWarning: true } });
  await strict.ready({ timeoutMs: 10_000 });
  await tolerant.ready({ timeoutMs: 10_000 });
  await waitFor(() => strict.instances().length === 1 && tolerant.instances().length === 2, 15_000, 'both views of the service');

  assert.deepEqual(
    strict.instances().map((i) => i.id),
    ['warned-ok'],
  );
  const degraded = tolerant.instances().find((i) => i.id === 'warned-degraded');
  assert.equal(degraded?.health, 'warning');
  assert.equal(degraded?.weight, 2);
  assert.equal(tolerant.instances().find((i) => i.id === 'warned-ok')?.health, 'passing');
});
