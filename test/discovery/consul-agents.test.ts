// Unit tests of agent failover: which agent is in use, when it changes, and that checks stop with the list.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsulAgents } from '../../lib/discovery/consul-agents.js';
import { consulConnections } from '../../lib/discovery/consul-connection.js';
import { resolveQueryOptions } from '../../lib/discovery/consul-health-query.js';
import { ConsulHealthWatch } from '../../lib/discovery/consul-health-watch.js';
import { startBlackhole } from '../support/blackhole.js';
import { DiscoveryRecorder } from '../support/discovery-recorder.js';
import { startFakeConsul, until } from '../support/fake-consul.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function agents(ports: number[], checkIntervalMs = 60_000, checkTimeoutMs = 500): ConsulAgents {
  const list = new ConsulAgents(consulConnections(ports.map((port) => ({ host: '127.0.0.1', port })), 'consul', {}), {
    checkIntervalMs,
    checkTimeoutMs,
  });
  cleanups.push(() => list.close());
  return list;
}

describe('ConsulAgents', { timeout: 20_000 }, () => {
  test('the first agent is in use; a failure moves to the next, and round the list', () => {
    const list = agents([1001, 1002, 1003]);
    const changes: number[] = [];
    list.onChange((agent) => changes.push(agent.position));
    assert.equal(list.inUse.position, 0);
    list.failed(list.inUse);
    list.failed(list.inUse);
    list.failed(list.inUse);
    assert.deepEqual(changes, [1, 2, 0]);
    assert.equal(list.addresses, '127.0.0.1:1001 or 127.0.0.1:1002 or 127.0.0.1:1003');
  });

  test('a failure reported late, for an agent no longer in use, changes nothing', () => {
    const list = agents([1001, 1002]);
    const first = list.inUse;
    list.failed(first);
    list.failed(first);
    assert.equal(list.inUse.position, 1);
  });

  test('an agent that hangs is left at the next check, and a watch follows to the next agent', async () => {
    const hung = await startBlackhole();
    cleanups.push(() => hung.close());
    const healthy = await startFakeConsul((n) => (n === 1 ? { index: '4', ids: ['a'] } : 'hold'));
    cleanups.push(() => healthy.close());
    const list = agents([hung.port, healthy.port], 200, 300);
    const watch = new ConsulHealthWatch({ agents: list, service: 'svc', query: resolveQueryOptions({}), source: 'test', answerMarginMs: 30_000 });
    cleanups.push(() => watch.close());
    const recorder = new DiscoveryRecorder();
    const started = performance.now();
    watch.add(recorder);
    await recorder.until((r) => r.sets.length === 1, 5000, 'the set through the healthy agent');
    const elapsed = performance.now() - started;
    assert.equal(watch.agent, `127.0.0.1:${healthy.port}`);
    assert.deepEqual(recorder.latestIds(), ['a']);
    assert.equal(recorder.errors.length, 0, 'leaving a hung agent is not a failure of discovery');
    // A check every 200 ms (±20 %) that waits 300 ms for the hung agent: well under the 30 s answer bound.
    assert.ok(elapsed < 10_000, `took ${elapsed.toFixed(0)} ms`);
  });

  test('an agent without a leader is not returned to; one with a leader is', async () => {
    const local = await startFakeConsul(() => 'hold');
    cleanups.push(() => local.close());
    const remote = await startFakeConsul(() => 'hold');
    cleanups.push(() => remote.close());
    local.leader = 'none';
    const list = agents([local.port, remote.port], 50, 300);
    list.failed(list.inUse);
    const checks = local.other.length;
    await until(() => local.other.length >= checks + 3, 3000, 'three checks of the local agent');
    assert.equal(list.inUse.position, 1, 'no leader: still on the remote agent');
    local.leader = 'known';
    await until(() => list.inUse.position === 0, 3000, 'the return to the local agent');
  });

  test('close stops the checks', async () => {
    const local = await startFakeConsul(() => 'hold');
    cleanups.push(() => local.close());
    const list = agents([local.port, 1], 20, 300);
    await until(() => local.other.length >= 2);
    list.close();
    const checks = local.other.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(local.other.length, checks);
  });
});
