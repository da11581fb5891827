// Integration tests of ConsulDiscovery against a real Consul agent and real instance processes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent as HttpAgent } from 'node:http';
import Consul from 'consul';
import { ConsulDiscovery } from '../../lib/discovery/consul-discovery.js';
import type { DiscoverySubscription } from '../../lib/discovery/discovery.js';
import { ConsulWatchRegistry } from '../../lib/discovery/consul-watch-registry.js';
import { DiscoveryError } from '../../lib/errors/discovery-error.js';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { DiscoveryRecorder } from '../support/discovery-recorder.js';
import { startFleet, startInstance } from '../support/instance-process.js';

describe('ConsulDiscovery with a real agent', { timeout: 90_000 }, () => {
  let consul: ConsulAgent;

  before(async () => {
    const started = performance.now();
    consul = await startConsul({ nodeMeta: { zone: 'zone-a' } });
    console.log(`consul agent ready in ${Math.round(performance.now() - started)} ms`);
  });

  after(async () => {
    await consul.stop();
  });

  const discovery = (service: string, options: Partial<ConstructorParameters<typeof ConsulDiscovery>[0]> = {}) =>
    new ConsulDiscovery({ service, consul: { host: consul.host, port: consul.port }, ...options });

  test('delivers the passing instances of the service, then a registration and a deregistration within 500 ms', async () => {
    const fleet = await startFleet(2, { consul, service: 'users' });
    const recorder = new DiscoveryRecorder();
    const subscription = discovery('users').subscribe(recorder);
    try {
      await recorder.until((r) => r.latestIds().length === 2, 10_000, 'two passing instances');
      assert.deepEqual(recorder.latestIds(), ['users-1', 'users-2']);
      const first = recorder.latest![0]!;
      assert.equal(first.origin, `http://127.0.0.1:${fleet[0]!.port}`);
      assert.equal(first.node.meta.zone, 'zone-a');
      assert.ok(Object.isFrozen(recorder.latest) && Object.isFrozen(first));

      // Registered without a check, so it is passing the moment the agent has it.
      const extra = await startInstance({ service: 'users', id: 'users-3' });
      let started = performance.now();
      await consul.registerService({ id: 'users-3', name: 'users', port: extra.port, address: '127.0.0.1' });
      await recorder.until((r) => r.latestIds().includes('users-3'), 2000, 'users-3 registered');
      const registerMs = performance.now() - started;

      started = performance.now();
      await consul.deregisterService('users-1');
      await recorder.until((r) => !r.latestIds().includes('users-1'), 2000, 'users-1 deregistered');
      const deregisterMs = performance.now() - started;
      console.log(`propagation: registration ${registerMs.toFixed(1)} ms, deregistration ${deregisterMs.toFixed(1)} ms`);
      assert.ok(registerMs < 500, `registration took ${registerMs} ms`);
      assert.ok(deregisterMs < 500, `deregistration took ${deregisterMs} ms`);
      // users-2 did not change, so it is the very same object as before.
      assert.equal(recorder.latest!.find((i) => i.id === 'users-2'), recorder.sets.at(-3)!.find((i) => i.id === 'users-2'));
      await extra.stop();
    } finally {
      subscription.close();
      await fleet.stopAll();
    }
  });

  test('an instance killed with SIGKILL leaves the set once its health check fails', async () => {
    const fleet = await startFleet(2, { consul, service: 'crashy' });
    const recorder = new DiscoveryRecorder();
    const subscription = discovery('crashy').subscribe(recorder);
    try {
      await recorder.until((r) => r.latestIds().length === 2, 10_000, 'two passing instances');
      await fleet[0]!.kill('SIGKILL');
      await recorder.until((r) => r.latestIds().length === 1, 10_000, 'the killed instance to leave');
      assert.deepEqual(recorder.latestIds(), ['crashy-2']);
    } finally {
      subscription.close();
      await fleet.stopAll();
    }
  });

  test('tags, node meta and a filter narrow the set', async () => {
    await consul.registerService({ id: 'orders-a', name: 'orders', port: 4001, address: '127.0.0.1', tags: ['v2', 'eu'], meta: { version: '2' } });
    await consul.registerService({ id: 'orders-b', name: 'orders', port: 4002, address: '127.0.0.1', tags: ['v2'], meta: { version: '2' } });
    await consul.registerService({ id: 'orders-c', name: 'orders', port: 4003, address: '127.0.0.1', tags: ['v1'], meta: { version: '1' } });
    const cases = [
      { options: { tags: ['v2'] }, ids: ['orders-a', 'orders-b'] },
      { options: { tags: ['v2', 'eu'] }, ids: ['orders-a'] },
      { options: { nodeMeta: { zone: 'zone-a' } }, ids: ['orders-a', 'orders-b', 'orders-c'] },
      { options: { nodeMeta: { zone: 'zone-b' } }, ids: [] },
      { options: { filter: 'Service.Meta.version == "1"' }, ids: ['orders-c'] },
    ];
    for (const { options, ids } of cases) {
      const recorder = new DiscoveryRecorder();
      const subscription = discovery('orders', options).subscribe(recorder);
      try {
        await recorder.until((r) => r.sets.length > 0, 5000, JSON.stringify(options));
        assert.deepEqual(recorder.latestIds(), ids, JSON.stringify(options));
      } finally {
        subscription.close();
      }
    }
  });

  test('a bad filter surfaces a DiscoveryError naming Consul and its message, and the loop keeps trying', async () => {
    const registry = new ConsulWatchRegistry();
    const recorder = new DiscoveryRecorder();
    const bad = new ConsulDiscovery({ service: 'orders', consul: { host: consul.host, port: consul.port }, filter: 'Service.Meta ==' }, { registry });
    const subscription = bad.subscribe(recorder);
    try {
      await recorder.until((r) => r.errors.length >= 3, 5000, 'three errors');
      const error = recorder.errors[0]!;
      assert.ok(error instanceof DiscoveryError);
      assert.equal(error.code, 'ERR_PROXYLESS_DISCOVERY');
      assert.match(error.message, new RegExp(`consul at ${consul.address}, service "orders"`));
      // Consul 1.8 answers a filter it cannot parse with HTTP 500 (later versions with 400).
      assert.match(error.message, /HTTP (400|500): Failed to create boolean expression evaluator/);
      assert.equal(recorder.sets.length, 0, 'an error is never turned into an empty set');
      assert.ok(registry.watches()[0]!.requests >= 3);
    } finally {
      subscription.close();
    }
  });

  test('two subscribers to the same query share one watch, which stops with the last of them', async () => {
    const registry = new ConsulWatchRegistry();
    // Blocking waits as long as the test, so that any request counted was caused by a subscriber.
    const tuning = { firstWaitMs: 30_000 };
    const make = () => new ConsulDiscovery({ service: 'orders', consul: { host: consul.host, port: consul.port }, tags: ['v2'] }, { registry, tuning });
    const early = new DiscoveryRecorder();
    const late = new DiscoveryRecorder();
    const first = make().subscribe(early);
    let second: DiscoverySubscription | undefined;
    try {
      await early.until((r) => r.sets.length > 0);
      // The first answer is followed by the blocking request that waits for the next change.
      while (registry.watches()[0]!.requests < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      const requestsBefore = registry.watches()[0]!.requests;
      second = make().subscribe(late);
      await late.until((r) => r.sets.length > 0, 1000, 'the late subscriber to get the current set');
      assert.equal(late.latest, early.latest, 'the late subscriber receives the very same frozen set');
      assert.equal(registry.watches().length, 1);
      assert.equal(registry.watches()[0]!.observers, 2);
      assert.equal(registry.watches()[0]!.requests, requestsBefore, 'the second subscriber sends no request of its own');
      first.close();
      assert.equal(registry.watches().length, 1);
      second.close();
      assert.equal(registry.watches().length, 0);
    } finally {
      first.close();
      second?.close();
    }
  });

  test('a given Consul client is used and not destroyed', async () => {
    let connections = 0;
    const agent = new HttpAgent({ keepAlive: true });
    agent.on('free', () => undefined);
    const createConnection = agent.createConnection.bind(agent);
    agent.createConnection = ((...args: Parameters<typeof createConnection>) => {
      connections += 1;
      return createConnection(...args);
    }) as typeof agent.createConnection;
    const client = new Consul({ host: consul.host, port: consul.port, agent });
    const recorder = new DiscoveryRecorder();
    const given = new ConsulDiscovery({ service: 'orders', consul: client, tags: ['v1'] });
    assert.equal(given.description, `consul at ${consul.address}, service "orders"`);
    const subscription = given.subscribe(recorder);
    try {
      await recorder.until((r) => r.sets.length > 0);
    } finally {
      subscription.close();
    }
    assert.deepEqual(recorder.latestIds(), ['orders-c']);
    assert.ok(connections >= 1, 'discovery read through the given client');
    const leader = await client.status.leader();
    assert.equal(typeof leader, 'string', 'the given client still works after discovery closed');
    client.destroy();
  });
});

describe('ConsulDiscovery while the agent dies and comes back', { timeout: 90_000 }, () => {
  let consul: ConsulAgent;

  before(async () => {
    consul = await startConsul();
  });

  after(async () => {
    await consul.stop();
  });

  test('keeps the last set, reports errors with backoff, holds it through the restarted empty agent, then follows again', async () => {
    const registry = new ConsulWatchRegistry();
    const service = new ConsulDiscovery({ service: 'payments', consul: { host: consul.host, port: consul.port } }, { registry });
    await consul.registerService({ id: 'payments-1', name: 'payments', port: 5001, address: '127.0.0.1' });
    const recorder = new DiscoveryRecorder();
    const subscription = service.subscribe(recorder);
    try {
      await recorder.until((r) => r.latestIds().length === 1);
      const setsBefore = recorder.sets.length;

      await consul.kill();
      const requestsAtKill = registry.watches()[0]!.requests;
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const failedCalls = registry.watches()[0]!.requests - requestsAtKill;
      console.log(`while Consul was down for 2 s: ${failedCalls} calls, ${recorder.errors.length} errors`);
      assert.equal(recorder.sets.length, setsBefore, 'no set is delivered while Consul is down');
      assert.deepEqual(recorder.latestIds(), ['payments-1']);
      assert.ok(recorder.errors.length >= 2, 'errors are reported');
      assert.match(recorder.errors[0]!.message, /ECONNREFUSED|ECONNRESET|socket hang up/);
      assert.ok(recorder.statuses.some((s) => s.state === 'stale' && s.reason === 'unreachable'), 'the set is said stale');
      // Backoff from 100 ms doubling to 5 s (full jitter): far fewer than the 20 calls a fixed 100 ms would make.
      assert.ok(failedCalls >= 2 && failedCalls <= 12, `${failedCalls} calls in 2 s`);

      // The restarted dev agent is empty: its answer is held through while instances register again.
      await consul.restart();
      await recorder.until((r) => r.latestStatus?.state === 'stale' && r.latestStatus.reason === 'holding-through-empty', 10_000, 'the hold');
      assert.deepEqual(recorder.latestIds(), ['payments-1'], 'the last set is still served');
      await consul.registerService({ id: 'payments-1', name: 'payments', port: 5001, address: '127.0.0.1' });
      await consul.registerService({ id: 'payments-2', name: 'payments', port: 5002, address: '127.0.0.1' });
      await recorder.until((r) => r.latestIds().includes('payments-2'), 2000, 'payments-2 after the restart');
      await recorder.until((r) => r.latestStatus?.state === 'live', 2000, 'live again');
      assert.ok(recorder.sets.every((set) => set.length > 0), 'no empty set was ever delivered');
    } finally {
      subscription.close();
    }
  });

  test('a service that truly went to zero reads as empty once the grace period is over', async () => {
    const registry = new ConsulWatchRegistry();
    const service = new ConsulDiscovery({ service: 'ledger', consul: { host: consul.host, port: consul.port }, emptyGraceMs: 1_000 }, { registry });
    await consul.registerService({ id: 'ledger-1', name: 'ledger', port: 5001, address: '127.0.0.1' });
    const recorder = new DiscoveryRecorder();
    const subscription = service.subscribe(recorder);
    try {
      await recorder.until((r) => r.latestIds().length === 1);
      await consul.restart();
      await recorder.until((r) => r.latestStatus?.state === 'stale' && r.latestStatus.reason === 'holding-through-empty', 10_000, 'the hold');
      const held = performance.now();
      await recorder.until((r) => r.latestIds().length === 0, 5_000, 'the empty set');
      assert.ok(performance.now() - held >= 900, 'held for the grace period');
      await recorder.until((r) => r.latestStatus?.state === 'live', 2000, 'live: empty is the truth');
    } finally {
      subscription.close();
    }
  });
});
