// A client told of two Consul agents of a real cluster (a server and two client agents on loopback): the
// agent in use is killed under load, and the client goes on through the other one without a failed request,
// follows changes through it, and returns to the first once it is back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from '../../lib/client/create-client.js';
import type { BalancedClient } from '../../lib/client/balanced-client.js';
import { consulWatchRegistry } from '../../lib/discovery/consul-watch-registry.js';
import { startConsulCluster, type ConsulCluster } from '../support/consul-cluster.js';
import { startFleet, startInstance, type Fleet } from '../support/instance-process.js';
import { sleep, startLoad, waitFor } from '../support/load.js';

let cluster: ConsulCluster;
let instances: Fleet;
let client: BalancedClient;

before(async () => {
  cluster = await startConsulCluster({ clients: 2 });
  // Registered through the server, so that the instances outlive either client agent.
  instances = await startFleet(4, { consul: cluster.server, service: 'inventory' });
  const [local, remote] = cluster.clients;
  client = createClient({
    service: 'inventory',
    consul: [
      { host: local!.host, port: local!.port },
      { host: remote!.host, port: remote!.port },
    ],
  });
  await client.ready({ timeoutMs: 10_000 });
  await waitFor(() => client.instances().length === 4, 15_000, 'four passing instances');
});

after(async () => {
  await client?.close();
  await instances?.stopAll();
  await cluster?.stop();
});

const agentInUse = () => consulWatchRegistry.watches().find((watch) => watch.source.endsWith('service "inventory"'))?.agent;

test('the agent in use killed under load fails no request; changes flow through the next agent, then the first again', { timeout: 90_000 }, async () => {
  const [local, remote] = cluster.clients;
  assert.equal(agentInUse(), local!.address, 'the first agent is used while it answers');

  const load = startLoad(6, () => client.get<{ id: string }>('/whoami'));
  await sleep(300);
  await local!.kill();
  await waitFor(() => agentInUse() === remote!.address, 5_000, 'the move to the second agent');

  // A change made after the failover reaches the client through the second agent.
  let started = performance.now();
  await instances[3]!.deregister();
  await waitFor(() => client.instances().length === 3, 5_000, 'a deregistration through the second agent');
  console.log(`# after the failover, a deregistration reached the client in ${(performance.now() - started).toFixed(0)} ms`);

  const throughFailover = load.snapshot();
  assert.equal(throughFailover.failed, 0, `failed requests: ${throughFailover.errors.join('; ')}`);
  assert.equal(throughFailover.byInstance.size, 4, 'every instance served');

  // The first agent comes back, rejoins the cluster, and is used again.
  await local!.restart();
  started = performance.now();
  await waitFor(() => agentInUse() === local!.address, 15_000, 'the return to the first agent');
  console.log(`# the restarted first agent was used again ${(performance.now() - started).toFixed(0)} ms after it was ready`);
  const joining = await startInstance({ consul: cluster.server, service: 'inventory', id: 'inventory-new' });
  try {
    await waitFor(() => client.instances().some((i) => i.id === 'inventory-new'), 10_000, 'a registration through the first agent');
    await sleep(300);
    const result = await load.stop();
    assert.equal(result.failed, 0, `failed requests: ${result.errors.join('; ')}`);
    assert.ok((result.byInstance.get('inventory-new') ?? 0) > 0, 'the new instance receives traffic');
  } finally {
    await joining.stop();
  }
});

test('an agent in use that stops answering (SIGSTOP) is left within a check, with no failed request', { timeout: 90_000 }, async () => {
  const [local, remote] = cluster.clients;
  await waitFor(() => agentInUse() === local!.address, 15_000, 'the first agent in use');
  const load = startLoad(6, () => client.get<{ id: string }>('/whoami'));
  try {
    await sleep(300);
    local!.pause();
    const paused = performance.now();
    // A frozen agent refuses nothing: only the agents' check (every 5 s, 2 s to answer) can tell.
    await waitFor(() => agentInUse() === remote!.address, 15_000, 'the move away from the frozen agent');
    console.log(`# a frozen agent was left ${(performance.now() - paused).toFixed(0)} ms after it froze`);
    await instances[0]!.deregister();
    await waitFor(() => !client.instances().some((i) => i.id === instances[0]!.id), 5_000, 'a change through the second agent');
    local!.resume();
    await waitFor(() => agentInUse() === local!.address, 15_000, 'the return once it answers again');
  } finally {
    local!.resume();
    const result = await load.stop();
    assert.equal(result.failed, 0, `failed requests: ${result.errors.join('; ')}`);
  }
});
