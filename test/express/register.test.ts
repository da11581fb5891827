// register() against a real Consul agent: what an operator sees in Consul, and what a client of the service
// sees, as the instance registers and its health function answers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hostname } from 'node:os';
import { createClient } from '../../lib/client/create-client.js';
import type { BalancedClient } from '../../lib/client/balanced-client.js';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { catalogEntries, untilCatalog } from '../support/consul-catalog.js';
import { waitFor } from '../support/load.js';
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

async function start(options: Parameters<typeof startRegisteredApp>[1]): Promise<RegisteredApp> {
  const app = await startRegisteredApp(consul, options);
  apps.push(app);
  return app;
}

test('an instance is listed with its address, port, tags, meta and weights, and passes after its first check', { timeout: 20_000 }, async () => {
  const app = await start({ service: 'listed', tags: ['v2'], meta: { version: '2.1.0' }, weights: { passing: 3, warning: 1 } });
  const port = Number(new URL(app.url).port);
  assert.equal(app.registration.id, `listed-${hostname()}-${port}-${process.pid}`, 'a default id unique per instance');
  assert.equal(app.registration.origin, app.url);
  const [entry] = await untilCatalog(consul, 'listed', (entries) => entries[0]?.check?.status === 'passing', 10_000, 'a passing check');
  assert.deepEqual(
    { id: entry!.id, address: entry!.address, port: entry!.port, tags: entry!.tags, meta: entry!.meta, weights: entry!.weights },
    { id: app.registration.id, address: '127.0.0.1', port, tags: ['v2'], meta: { version: '2.1.0' }, weights: { Passing: 3, Warning: 1 } },
  );
  assert.match(entry!.check!.output, /"status":"passing"/);
});

test('the health route answers ahead of middleware and a catch-all 404 added before register()', { timeout: 20_000 }, async () => {
  const app = await start({
    service: 'guarded',
    build: (express) => {
      express.use((request, response, next) => {
        if (request.get('authorization') === 'Bearer secret') next();
        else response.status(401).json({ error: 'unauthorized' });
      });
      express.use((_request, response) => {
        response.status(404).json({ error: 'not found' });
      });
    },
  });
  const response = await fetch(`${app.url}/health`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: 'passing', service: 'guarded', id: app.registration.id });
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const refused = await fetch(`${app.url}/elsewhere`);
  assert.equal(refused.status, 401, "the app's own routes are untouched");
  assert.match(refused.headers.get('endpoint-load-metrics') ?? '', /^TEXT cpu_utilization=.*named_metrics\.rif=1$/, 'every response reports the load, by default');
  await untilCatalog(consul, 'guarded', (entries) => entries[0]?.check?.status === 'passing', 10_000, 'a passing check');
});

test('loadReport: false leaves responses without the load report', { timeout: 20_000 }, async () => {
  const app = await start({ service: 'unreported', loadReport: false });
  const response = await fetch(`${app.url}/health`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('endpoint-load-metrics'), null);
});

test("the health function's state reaches Consul, and warning applies Weights.Warning for clients that include it", { timeout: 30_000 }, async () => {
  const app = await start({ service: 'moody', weights: { passing: 5, warning: 2 } });
  const client = createClient({ service: 'moody', consul: { host: consul.host, port: consul.port }, discovery: { includeWarning: true } });
  clients.push(client);
  await client.ready({ timeoutMs: 10_000 });
  await waitFor(() => client.instances()[0]?.health === 'passing', 10_000, 'passing');
  assert.equal(client.instances()[0]!.weight, 5);

  app.setHealth('warning');
  assert.equal((await fetch(`${app.url}/health`)).status, 429, "429 is Consul's warning");
  await waitFor(() => client.instances()[0]?.health === 'warning', 10_000, 'warning');
  assert.equal(client.instances()[0]!.weight, 2);

  app.setHealth('critical');
  assert.equal((await fetch(`${app.url}/health`)).status, 503);
  await waitFor(() => client.instances().length === 0, 10_000, 'the critical instance to be dropped');
  const [entry] = await catalogEntries(consul, 'moody');
  assert.deepEqual([entry!.check!.type, entry!.check!.status], ['http', 'critical']);
});

test('a TTL check carries the health function to Consul in a third of the TTL, with no route needed', { timeout: 30_000 }, async () => {
  const app = await start({ service: 'heartbeat', check: { ttl: '3s' } });
  await untilCatalog(consul, 'heartbeat', (entries) => entries[0]?.check?.status === 'passing', 5_000, 'passing at once');
  app.setHealth('critical');
  const turned = performance.now();
  const [entry] = await untilCatalog(consul, 'heartbeat', (entries) => entries[0]?.check?.status === 'critical', 5_000, 'critical');
  assert.ok(performance.now() - turned < 3_000, 'reported before the TTL ran out');
  assert.deepEqual([entry!.check!.type, entry!.check!.output], ['ttl', 'critical']);
});
