// Unit tests of the blocking-query loop against a tiny fake of Consul's HTTP API, for behaviours a real
// agent will not show on demand: index resets, early returns, churn, scripted errors, cache ages.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsulAgents } from '../../lib/discovery/consul-agents.js';
import { consulConnections } from '../../lib/discovery/consul-connection.js';
import { resolveQueryOptions, type ConsulQueryOptions } from '../../lib/discovery/consul-health-query.js';
import { ConsulHealthWatch, type ConsulWatchTuning } from '../../lib/discovery/consul-health-watch.js';
import { DiscoveryError } from '../../lib/errors/discovery-error.js';
import { DiscoveryRecorder } from '../support/discovery-recorder.js';
import { startFakeConsul, until, type FakeConsul, type Script } from '../support/fake-consul.js';
import { freePort } from '../support/free-port.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fake(script: Script): Promise<FakeConsul> {
  const consul = await startFakeConsul(script);
  cleanups.push(() => consul.close());
  return consul;
}

/** A watch of service "svc" through agents on `ports`, in that order; closed after the test. */
function watch(ports: number[], tuning: ConsulWatchTuning = {}, query: ConsulQueryOptions = {}, checkIntervalMs = 60_000): ConsulHealthWatch {
  const agents = new ConsulAgents(
    consulConnections(ports.map((port) => ({ host: '127.0.0.1', port })), 'consul', {}),
    { checkIntervalMs, checkTimeoutMs: 500 },
  );
  const created = new ConsulHealthWatch({
    agents,
    service: 'svc',
    query: resolveQueryOptions(query),
    source: `consul at ${agents.addresses}, service "svc"`,
    waitMs: 1000,
    firstWaitMs: 1000,
    burst: 100,
    refillMs: 10,
    ...tuning,
  });
  cleanups.push(() => {
    created.close();
    agents.close();
  });
  return created;
}

const ids = (recorder: DiscoveryRecorder) => recorder.sets.map((set) => set.map((i) => i.id));

describe('ConsulHealthWatch', { timeout: 20_000 }, () => {
  test('an index that goes backwards starts over from index 0, and the answer with it is delivered', async () => {
    const consul = await fake((n) => {
      if (n === 1) return { index: '10', ids: ['a'] };
      if (n === 2) return { index: '5', ids: ['a', 'b'] };
      if (n === 3) return { index: '12', ids: ['a', 'b'] };
      return 'hold';
    });
    const recorder = new DiscoveryRecorder();
    watch([consul.port]).add(recorder);
    await until(() => consul.seen.length >= 4);
    assert.deepEqual(consul.seen.map((r) => r.index), ['0', '10', '0', '12']);
    assert.deepEqual(ids(recorder), [['a'], ['a', 'b']]);
  });

  test('a blocking query never uses an index below 1: a missing or zero index blocks on 1', async () => {
    const consul = await fake((n) => (n === 1 ? { ids: ['a'] } : n === 2 ? { index: '0', ids: ['a'] } : 'hold'));
    watch([consul.port]).add(new DiscoveryRecorder());
    await until(() => consul.seen.length >= 3);
    assert.deepEqual(consul.seen.map((r) => r.index), ['0', '1', '1']);
  });

  test('an index that keeps moving without a change (churn the query filters out) is followed at the bucket pace', async () => {
    let index = 100;
    const consul = await fake(() => ({ index: String(++index), ids: ['a'] }));
    const recorder = new DiscoveryRecorder();
    watch([consul.port], { burst: 3, refillMs: 100 }).add(recorder);
    await until(() => consul.seen.length >= 8, 5000);
    const gaps = consul.seen.slice(1, 8).map((r, i) => r.at - consul.seen[i]!.at);
    // The burst goes at once; after it, one call per 100 ms however often Consul returns.
    // From the fourth call on, one call per token: the first may use what refilled during the burst.
    const paced = consul.seen[7]!.at - consul.seen[3]!.at;
    assert.ok(paced >= 3 * 100 - 5, `4 paced calls took ${paced.toFixed(0)} ms; gaps ${gaps.map(Math.round).join(', ')}`);
    assert.deepEqual(ids(recorder), [['a']], 'the same set is not delivered twice');
  });

  test('blocking waits start short and double up to the longest wait', async () => {
    const consul = await fake((n) => (n <= 5 ? { index: '7', ids: ['a'] } : 'hold'));
    watch([consul.port], { firstWaitMs: 250, waitMs: 1000 }).add(new DiscoveryRecorder());
    await until(() => consul.seen.length >= 6);
    assert.deepEqual(consul.seen.map((r) => r.query.get('wait')), [null, '250ms', '500ms', '1000ms', '1000ms', '1000ms']);
  });

  test('errors back off exponentially up to the cap, keep the last set, and recovery is reported live', async () => {
    const consul = await fake((n) => {
      if (n === 1) return { index: '3', ids: ['a'] };
      if (n <= 6) return { status: 500, text: 'rpc error: No cluster leader' };
      if (n === 7) return { index: '4', ids: ['a'] };
      return 'hold';
    });
    const recorder = new DiscoveryRecorder();
    watch([consul.port], { backoffBaseMs: 40, backoffMaxMs: 160, random: () => 0.999 }).add(recorder);
    await until(() => consul.seen.length >= 8);
    const gaps = consul.seen.slice(1, 8).map((r, i) => r.at - consul.seen[i]!.at);
    // Request 2 follows the first answer at once; then 40, 80, 160, 160, 160 ms of backoff; then at once.
    const expected = [0, 40, 80, 160, 160, 160];
    expected.forEach((ms, i) => assert.ok(gaps[i]! >= ms * 0.999 - 5, `gap ${i} was ${gaps[i]} ms, expected ≥ ${ms}`));
    // Capped: uncapped, the last wait would be 40 × 2^4 = 640 ms. The bound leaves a loaded machine its delays.
    assert.ok(gaps[5]! < 500, `backoff is capped: ${gaps.map(Math.round).join(', ')}`);
    assert.equal(consul.seen[6]!.index, '0', 'after errors the loop starts over from index 0');
    assert.equal(recorder.errors.length, 5);
    assert.ok(recorder.errors[0] instanceof DiscoveryError);
    assert.equal((recorder.errors[0] as DiscoveryError).transient, true);
    assert.match(recorder.errors[0]!.message, /HTTP 500: rpc error: No cluster leader/);
    assert.deepEqual(ids(recorder), [['a']], 'errors never empty the set');
    await until(() => recorder.statuses.length >= 2);
    assert.deepEqual(
      recorder.log.filter((entry) => entry.startsWith('status')),
      ['status:stale:unreachable', 'status:live'],
      'stale once every agent failed, live again at the next answer',
    );
    assert.match(JSON.stringify(recorder.statuses[0]), /the 1 instance last known are still served/);
  });

  test('query options become Consul query parameters, and the consistency mode and cache flags with them', async () => {
    const consul = await fake(() => 'hold');
    watch(
      [consul.port],
      {},
      { tags: ['v2', 'eu'], datacenter: 'dc2', nodeMeta: { zone: 'z1', rack: 'r7' }, filter: 'Service.Meta.v == "2"', cached: true, consistency: 'stale' },
    ).add(new DiscoveryRecorder());
    await until(() => consul.seen.length >= 1);
    const query = consul.seen[0]!.query;
    assert.deepEqual(query.getAll('tag'), ['v2', 'eu']);
    assert.deepEqual(query.getAll('node-meta'), ['zone:z1', 'rack:r7']);
    assert.equal(query.get('dc'), 'dc2');
    assert.equal(query.get('filter'), 'Service.Meta.v == "2"');
    assert.equal(query.get('passing'), 'true');
    assert.ok(query.has('cached') && query.has('stale') && !query.has('consistent'));

    const strict = await fake(() => 'hold');
    watch([strict.port], {}, { consistency: 'consistent' }).add(new DiscoveryRecorder());
    await until(() => strict.seen.length >= 1);
    assert.ok(strict.seen[0]!.query.has('consistent') && !strict.seen[0]!.query.has('cached'));
  });

  test('a new subscriber to a failing watch learns the error and the stale status at once', async () => {
    const consul = await fake((n) => (n === 1 ? { index: '3', ids: ['a'] } : { status: 500, text: 'No cluster leader' }));
    const first = new DiscoveryRecorder();
    const running = watch([consul.port], { backoffBaseMs: 5_000, backoffMaxMs: 5_000, random: () => 0.999 });
    running.add(first);
    await first.until((r) => r.errors.length >= 1);
    const late = new DiscoveryRecorder();
    running.add(late);
    await late.until((r) => r.log.length >= 3, 500, 'the replay');
    assert.deepEqual(late.log, ['set:a', 'status:stale:unreachable', 'error:ERR_PROXYLESS_DISCOVERY']);
    assert.equal(late.errors[0], first.errors.at(-1), 'the very error the others saw');
  });

  test('an empty answer right after a reconnect holds the last set, stale, until instances are back', async () => {
    let phase: 'up' | 'down' | 'empty' | 'back' = 'up';
    const consul = await fake(() => {
      if (phase === 'up') return { index: '5', ids: ['a', 'b'] };
      if (phase === 'down') return { status: 500, text: 'agent restarting' };
      if (phase === 'empty') return { index: '2', ids: [] };
      return { index: '9', ids: ['a', 'b'] };
    });
    const recorder = new DiscoveryRecorder();
    watch([consul.port], { waitMs: 50, firstWaitMs: 50, backoffBaseMs: 10, backoffMaxMs: 20 }, { emptyGraceMs: 10_000 }).add(recorder);
    await recorder.until((r) => r.sets.length === 1);
    phase = 'down';
    await recorder.until((r) => r.errors.length >= 1);
    phase = 'empty';
    await recorder.until((r) => r.latestStatus?.state === 'stale' && r.latestStatus.reason === 'holding-through-empty');
    const requests = consul.seen.length;
    await until(() => consul.seen.length >= requests + 3, 3000, 'more empty answers');
    assert.deepEqual(ids(recorder), [['a', 'b']], 'the empty answers are not delivered while held');
    assert.match(JSON.stringify(recorder.latestStatus), /the 2 instances last known are held for up to 10000 ms/);
    phase = 'back';
    await recorder.until((r) => r.latestStatus?.state === 'live');
    assert.deepEqual(ids(recorder), [['a', 'b']], 'the same set came back: nothing new to deliver');
  });

  test('an empty answer that outlasts the grace period is followed: a service scaled to zero reads as empty', async () => {
    let phase: 'up' | 'down' | 'empty' = 'up';
    const consul = await fake(() => {
      if (phase === 'up') return { index: '5', ids: ['a'] };
      if (phase === 'down') return { status: 500, text: 'agent restarting' };
      return { index: '2', ids: [] };
    });
    const recorder = new DiscoveryRecorder();
    watch([consul.port], { waitMs: 50, firstWaitMs: 50, backoffBaseMs: 10, backoffMaxMs: 20 }, { emptyGraceMs: 300 }).add(recorder);
    await recorder.until((r) => r.sets.length === 1);
    phase = 'down';
    await recorder.until((r) => r.errors.length >= 1);
    phase = 'empty';
    const started = performance.now();
    await recorder.until((r) => r.latestIds().length === 0 && r.sets.length === 2, 5000, 'the empty set');
    assert.ok(performance.now() - started >= 250, 'held for the grace period first');
    await recorder.until((r) => r.latestStatus?.state === 'live');
    assert.deepEqual(
      recorder.log.filter((entry) => entry.startsWith('status')),
      ['status:stale:unreachable', 'status:stale:holding-through-empty', 'status:live'],
    );
  });

  test('an empty answer without a reconnect is followed at once', async () => {
    const consul = await fake((n) => (n === 1 ? { index: '5', ids: ['a'] } : n === 2 ? { index: '6', ids: [] } : 'hold'));
    const recorder = new DiscoveryRecorder();
    watch([consul.port]).add(recorder);
    await recorder.until((r) => r.sets.length === 2);
    assert.deepEqual(ids(recorder), [['a'], []]);
    assert.equal(recorder.statuses.length, 0);
  });

  test('an answer from the agent cache with a non-zero Age is served and said stale, until Age is 0 again', async () => {
    const consul = await fake((n) => {
      if (n === 1) return { index: '5', ids: ['a'], headers: { 'x-cache': 'HIT', age: '0' } };
      if (n === 2) return { index: '6', ids: ['a', 'b'], headers: { 'x-cache': 'HIT', age: '12' } };
      if (n === 3) return { index: '7', ids: ['a', 'b'], headers: { 'x-cache': 'HIT', age: '0' } };
      return 'hold';
    });
    const recorder = new DiscoveryRecorder();
    watch([consul.port], {}, { cached: true }).add(recorder);
    await recorder.until((r) => r.latestStatus?.state === 'live');
    assert.deepEqual(ids(recorder), [['a'], ['a', 'b']]);
    assert.deepEqual(recorder.log, ['set:a', 'set:a,b', 'status:stale:agent-lost-servers', 'status:live']);
    assert.match(JSON.stringify(recorder.statuses[0]), /refreshed 12 s ago: it has lost contact with the Consul servers/);
  });

  test('an agent that fails is left for the next at once; the first is used again once it answers with a leader', async () => {
    let localFails = true;
    const local = await fake((n) => (localFails && n > 1 ? { status: 500, text: 'No known Consul servers' } : { index: String(10 + n), ids: ['a'] }));
    const remote = await fake((n) => (n === 1 ? { index: '20', ids: ['a'] } : 'hold'));
    local.leader = 'error';
    const recorder = new DiscoveryRecorder();
    const running = watch([local.port, remote.port], { backoffBaseMs: 5_000, backoffMaxMs: 5_000 }, {}, 100);
    running.add(recorder);
    await until(() => remote.seen.length >= 2, 3000, 'the remote agent to be used');
    assert.equal(running.agent, `127.0.0.1:${remote.port}`);
    assert.equal(recorder.errors.length, 1);
    assert.match(recorder.errors[0]!.message, new RegExp(`consul at 127\\.0\\.0\\.1:${local.port}, service "svc" failed: HTTP 500`));
    assert.deepEqual(ids(recorder), [['a']], 'no set is lost or repeated across the failover');

    localFails = false;
    local.leader = 'known';
    const before = local.seen.length;
    await until(() => running.agent === `127.0.0.1:${local.port}`, 3000, 'the return to the local agent');
    await until(() => local.seen.length > before, 3000, 'a request to the local agent');
    assert.equal(local.seen[before]!.index, '0', 'a new agent is asked from index 0');
  });

  test('when every agent fails, the loop backs off instead of going round the list at once', async () => {
    const down = await Promise.all([freePort(), freePort()]);
    const recorder = new DiscoveryRecorder();
    const running = watch(down, { backoffBaseMs: 200, backoffMaxMs: 200, random: () => 0.999 });
    running.add(recorder);
    await new Promise((resolve) => setTimeout(resolve, 700));
    // Two at once (one per agent), then one every 200 ms: about 5 in 700 ms, not hundreds.
    assert.ok(running.requests >= 2 && running.requests <= 7, `${running.requests} requests in 700 ms`);
    assert.match(recorder.errors[0]!.message, /ECONNREFUSED/);
  });

  test('close cancels the request in flight and leaves no timer or socket behind', async () => {
    const consul = await fake(() => 'hold');
    const running = watch([consul.port]);
    running.add(new DiscoveryRecorder());
    await until(() => consul.seen.length >= 1);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    const left = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout' || kind.startsWith('TCP'));
    // Sockets finish closing on a later turn of the event loop; none may linger.
    await until(() => left().length === 0, 1000).catch(() => undefined);
    assert.deepEqual(left(), []);
    assert.ok(running.closed);
  });
});
