// Consul itself goes away under load: the client keeps serving from the instances it last saw; the agent
// comes back empty (a restarted dev agent knows no service) and the instances take seconds to register
// again, during which the last set is held; then changes flow again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from '../../lib/client/create-client.js';
import type { BalancedClient } from '../../lib/client/balanced-client.js';
import type { DiscoveryErrorEvent } from '../../lib/client/client-events.js';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { startFleet, type Fleet } from '../support/instance-process.js';
import { sleep, startLoad, waitFor } from '../support/load.js';

let consul: ConsulAgent;
let instances: Fleet;
let client: BalancedClient;

before(async () => {
  consul = await startConsul();
  instances = await startFleet(3, { consul, service: 'ledger' });
  client = createClient({ service: 'ledger', consul: { host: consul.host, port: consul.port } });
  await client.ready({ timeoutMs: 10_000 });
  await waitFor(() => client.instances().length === 3, 15_000, 'three passing instances');
});

after(async () => {
  await client.close();
  await instances.stopAll();
  await consul.stop();
});

test('Consul killed and restarted empty under load fails no request while instances register again', { timeout: 90_000 }, async () => {
  const errors: DiscoveryErrorEvent[] = [];
  client.on('discoveryError', (event) => errors.push(event));

  const load = startLoad(6, () => client.get<{ id: string }>('/whoami'));
  await sleep(300);
  await consul.kill();
  await sleep(2_000);
  const duringOutage = load.snapshot();
  assert.equal(duringOutage.failed, 0, `failed requests while Consul was down: ${duringOutage.errors.join('; ')}`);
  assert.equal(duringOutage.byInstance.size, 3, 'all three instances kept serving');
  assert.ok(errors.length >= 1, 'the outage was reported as discovery errors');
  assert.ok(errors.every((e) => e.instancesKept === 3), 'the last known instances were kept');
  assert.match(errors[0]!.error.message, new RegExp(consul.address.replace(/\./g, '\\.')));
  // Backing off: a few attempts in two seconds, not hundreds.
  assert.ok(errors.length < 30, `${errors.length} discovery errors in 2 s: not backing off`);

  // The agent comes back knowing no service; the instances register again 3 s later.
  await consul.restart();
  await sleep(3_000);
  assert.equal(client.instances().length, 3, 'the empty answer of the restarted agent is held through');
  for (const instance of instances) await instance.register();
  await sleep(1_500);
  const throughRestart = load.snapshot();
  assert.equal(throughRestart.failed, 0, `failed requests through the restart: ${throughRestart.errors.join('; ')}`);
  assert.ok(throughRestart.ok > duringOutage.ok, 'requests kept flowing');

  await instances[2]!.deregister();
  await waitFor(() => client.instances().length === 2, 5_000, 'a deregistration after the restart');
  const result = await load.stop();
  assert.equal(result.failed, 0, `failed requests after the restart: ${result.errors.join('; ')}`);
});
