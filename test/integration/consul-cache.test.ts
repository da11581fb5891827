// Reading through the agent cache (`discovery: { cached: true }`) on a real cluster: however many clients
// block on a client agent, it keeps one watch on the servers; and when it loses the servers it goes on
// answering from its cache with a growing Age, which discovery serves and reports stale.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from '../../lib/client/create-client.js';
import { ConsulDiscovery } from '../../lib/discovery/consul-discovery.js';
import type { DiscoverySubscription } from '../../lib/discovery/discovery.js';
import { ConsulWatchRegistry } from '../../lib/discovery/consul-watch-registry.js';
import { startConsulCluster, type ConsulCluster } from '../support/consul-cluster.js';
import { DiscoveryRecorder } from '../support/discovery-recorder.js';
import { startFleet, type Fleet } from '../support/instance-process.js';
import { sleep, startLoad, waitFor } from '../support/load.js';

describe('the agent cache', { timeout: 90_000 }, () => {
  let cluster: ConsulCluster;
  let fleet: Fleet;

  before(async () => {
    cluster = await startConsulCluster({ clients: 1 });
    fleet = await startFleet(2, { consul: cluster.server, service: 'catalog' });
  });

  after(async () => {
    await fleet?.stopAll();
    await cluster?.stop();
  });

  /** How many calls the client agent has made to the servers (a cumulative counter). */
  async function serverCalls(): Promise<number> {
    const response = await fetch(`http://${cluster.clients[0]!.address}/v1/agent/metrics?format=prometheus`);
    const line = (await response.text()).split('\n').find((text) => text.startsWith('consul_client_rpc '));
    return Number(line?.split(' ')[1] ?? 0);
  }

  /** Server calls made while 20 processes' worth of watches follow three changes, with or without the cache. */
  async function callsFor20Watches(cached: boolean): Promise<number> {
    const agent = cluster.clients[0]!;
    const subscriptions: DiscoverySubscription[] = [];
    const recorders: DiscoveryRecorder[] = [];
    const before = await serverCalls();
    try {
      for (let i = 0; i < 20; i++) {
        const recorder = new DiscoveryRecorder();
        recorders.push(recorder);
        // A registry of its own for each: as if each were another process on the host.
        const discovery = new ConsulDiscovery({ service: 'cache-probe', consul: { host: agent.host, port: agent.port }, cached }, { registry: new ConsulWatchRegistry() });
        subscriptions.push(discovery.subscribe(recorder));
      }
      for (const recorder of recorders) await recorder.until((r) => r.sets.length > 0);
      for (let n = 1; n <= 3; n++) {
        await cluster.server.registerService({ id: `cache-probe-${n}`, name: 'cache-probe', port: 7100 + n, address: '127.0.0.1' });
        for (const recorder of recorders) await recorder.until((r) => r.latestIds().length === n, 5_000, `instance ${n}`);
      }
      return (await serverCalls()) - before;
    } finally {
      for (const subscription of subscriptions) subscription.close();
      for (let n = 1; n <= 3; n++) await cluster.server.deregisterService(`cache-probe-${n}`);
    }
  }

  test('20 clients of one agent cost the servers one watch through the cache, not 20', async () => {
    const direct = await callsFor20Watches(false);
    const cached = await callsFor20Watches(true);
    console.log(`# 20 watches following 3 changes: ${direct} calls to the servers directly, ${cached} through the agent cache`);
    assert.ok(direct >= 20 * 4, `without the cache every watch calls the servers (${direct})`);
    // The agent's own business (anti-entropy, coordinates) adds a few calls of its own.
    assert.ok(cached < 20 && cached * 4 <= direct, `through the cache the agent calls them for all (${cached})`);
  });

  test('an agent that lost its servers answers from its cache: the set is served, and reported stale', async () => {
    const agent = cluster.clients[0]!;
    const consulOption = { host: agent.host, port: agent.port };
    const client = createClient({ service: 'catalog', consul: consulOption, discovery: { cached: true } });
    const recorder = new DiscoveryRecorder();
    const subscription = new ConsulDiscovery({ service: 'catalog', consul: consulOption, cached: true }).subscribe(recorder);
    try {
      await client.ready({ timeoutMs: 10_000 });
      await waitFor(() => client.instances().length === 2, 15_000, 'two passing instances');
      const load = startLoad(4, () => client.get<{ id: string }>('/whoami'));
      try {
        await sleep(200);
        await cluster.server.kill();
        const lost = (r: DiscoveryRecorder) => r.latestStatus?.state === 'stale' && r.latestStatus.reason === 'agent-lost-servers';
        await recorder.until(lost, 15_000, 'the stale status');
        const status = recorder.latestStatus!;
        assert.ok(status.state === 'stale');
        assert.match(status.detail, /answers from its cache, refreshed \d+ s ago: it has lost contact with the Consul servers/);
        assert.deepEqual(recorder.latestIds().length, 2, 'the cached set is served');
        // Between cached answers the agent's blocking queries fail; the status holds, errors back off.
        await sleep(3_000);
        assert.ok(lost(recorder), 'still reported as an agent cut off from its servers');
        const statusesSinceLost = recorder.statuses.slice(recorder.statuses.findIndex((s) => s.state === 'stale' && s.reason === 'agent-lost-servers'));
        assert.equal(statusesSinceLost.length, 1, `the status does not flap: ${recorder.log.join(' ')}`);
        assert.equal(client.instances().length, 2);
      } finally {
        const result = await load.stop();
        assert.equal(result.failed, 0, `failed requests: ${result.errors.join('; ')}`);
      }
    } finally {
      subscription.close();
      await client.close();
    }
  });
});
