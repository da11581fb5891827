import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../lib/clock.js';
import type { Instance } from '../../lib/discovery/instance.js';
import { resolveBreakerOptions, type BreakerOptions } from '../../lib/health/breaker-options.js';
import type { BreakerState } from '../../lib/health/instance-breaker.js';
import { InstanceHealth } from '../../lib/health/instance-health.js';
import { instanceAt } from '../support/fake-discovery.js';
import { settle } from '../support/test-balancer.js';

interface Recorded {
  readonly health: InstanceHealth;
  readonly clock: ManualClock;
  readonly instances: Instance[];
  readonly changes: string[];
  /** One attempt on `instance` that fails (`true`) or succeeds; returns whether it was admitted. */
  attempt(instance: Instance, failed: boolean): Promise<boolean>;
}

function health(count: number, options: BreakerOptions = {}): Recorded {
  const clock = new ManualClock(0);
  const changes: string[] = [];
  const instances = Array.from({ length: count }, (_, i) => instanceAt(20_000 + i));
  const layer = new InstanceHealth(resolveBreakerOptions(options), clock, {
    breakerChanged: (instance: Instance, state: BreakerState) => changes.push(`${instance.port} ${state}`),
    panicChanged: (panicking) => changes.push(panicking ? 'panic' : 'calm'),
    ejectionChanged: (instance: Instance, ejected: boolean) => changes.push(`${instance.port} ${ejected ? 'ejected' : 'returned'}`),
  });
  layer.setMembers(Object.freeze(instances));
  return {
    health: layer,
    clock,
    instances,
    changes,
    async attempt(instance, failed) {
      const admission = layer.admit(instance);
      if (admission === undefined) return false;
      layer.settle(instance, admission, failed);
      await settle(); // opossum counts outcomes a microtask later
      return true;
    },
  };
}

describe('the health layer', () => {
  test('consecutive failures open a breaker; its instance leaves availability at once', async () => {
    const h = health(4, { consecutiveFailures: 3 });
    const [first] = h.instances;
    for (let i = 0; i < 3; i++) await h.attempt(first!, true);
    assert.equal(h.health.breakerState(first!.id), 'open');
    assert.deepEqual(h.changes, ['20000 open']);
    assert.equal(h.health.available.length, 3);
    assert.ok(!h.health.available.includes(first!));
    h.health.close();
  });

  test('the failure share over the rolling window opens a breaker too (opossum decides)', async () => {
    const h = health(4, { consecutiveFailures: false, volumeThreshold: 10, errorThresholdPercentage: 50 });
    const [first] = h.instances;
    for (let i = 0; i < 12; i++) await h.attempt(first!, i % 3 !== 0); // two of three failed, never three in a row
    assert.equal(h.health.breakerState(first!.id), 'open');
    h.health.close();
  });

  test('half-open takes exactly its trial slots; a failed trial reopens for longer, up to the maximum', async () => {
    const h = health(4, { consecutiveFailures: 1, resetTimeout: 1_000, maxResetTimeout: 2_500, halfOpenRequests: 2 });
    const [first] = h.instances;
    await h.attempt(first!, true);
    const openedFor: number[] = [];
    for (let round = 0; round < 3; round++) {
      const openedAt = h.clock.now();
      while (h.health.breakerState(first!.id) === 'open') h.clock.advance(100);
      openedFor.push(h.clock.now() - openedAt);
      assert.equal(h.health.breakerState(first!.id), 'half-open');
      const a = h.health.admit(first!);
      const b = h.health.admit(first!);
      assert.deepEqual([a, b], ['trial', 'trial']);
      assert.equal(h.health.admit(first!), undefined, 'a third attempt is not a trial');
      assert.ok(!h.health.available.includes(first!), 'with its trial slots taken it is not offered to pickers');
      h.health.settle(first!, 'trial', true);
      h.health.settle(first!, 'trial', true);
    }
    assert.deepEqual(openedFor, [1_000, 2_000, 2_500]);
    h.health.close();
  });

  test('a successful trial closes the breaker with a fresh window', async () => {
    const h = health(4, { consecutiveFailures: 2, resetTimeout: 500 });
    const [first] = h.instances;
    await h.attempt(first!, true);
    await h.attempt(first!, true);
    h.clock.advance(500);
    assert.equal(h.health.breakerState(first!.id), 'half-open');
    await h.attempt(first!, false);
    assert.equal(h.health.breakerState(first!.id), 'closed');
    await h.attempt(first!, true);
    assert.equal(h.health.breakerState(first!.id), 'closed', 'old failures do not reopen it at the first new one');
    h.health.close();
  });

  test('at most maxEjectionPercent of the fleet is ever out, and at least one instance may be', async () => {
    const h = health(4, { consecutiveFailures: 1 }); // 10 %: one of four
    for (const instance of h.instances) await h.attempt(instance, true);
    const open = h.instances.filter((i) => h.health.breakerState(i.id) === 'open');
    assert.equal(open.length, 1);
    assert.equal(h.health.available.length, 3);
    h.health.close();
  });

  test('below panicThresholdPercent available, every instance is offered, open breakers notwithstanding', async () => {
    const h = health(4, { consecutiveFailures: 1, maxEjectionPercent: 100, panicThresholdPercent: 50 });
    for (const instance of h.instances.slice(0, 3)) await h.attempt(instance, true);
    assert.equal(h.health.panicking, true);
    assert.equal(h.health.available, h.health.members);
    assert.ok(h.changes.includes('panic'));
    assert.equal(h.health.admit(h.instances[0]!), 'attempt', 'an open instance takes traffic in panic');
    h.health.close();
  });

  test('a full capacity refuses admission without blame, and frees with each settled attempt', () => {
    const h = health(2, { capacity: 1 });
    const [first] = h.instances;
    assert.equal(h.health.admit(first!), 'attempt');
    assert.equal(h.health.admit(first!), undefined);
    h.health.settle(first!, 'attempt', false);
    assert.equal(h.health.admit(first!), 'attempt');
    assert.equal(h.health.breakerState(first!.id), 'closed');
    h.health.close();
  });

  test('an instance that flaps out of discovery and back keeps its breaker', async () => {
    const h = health(4, { consecutiveFailures: 1 });
    const [first, ...rest] = h.instances;
    await h.attempt(first!, true);
    h.health.setMembers(Object.freeze(rest));
    h.health.setMembers(Object.freeze(h.instances));
    assert.equal(h.health.breakerState(first!.id), 'open');
    h.health.close();
  });

  test('close() leaves no timer behind', async () => {
    const h = health(3, { consecutiveFailures: 1 });
    await h.attempt(h.instances[0]!, true);
    assert.ok(h.clock.pendingTimers > 0);
    h.health.close();
    assert.equal(h.clock.pendingTimers, 0);
  });

  test('under any sequence of outcomes, time and churn: the cap holds, availability is never empty, trials are bounded', async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('attempt' as const), index: fc.nat(7), failed: fc.boolean() }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 5_000 }) }),
      fc.record({ kind: fc.constant('members' as const), keep: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60 }), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 3 }), async (steps, maxEjectionPercent, halfOpenRequests) => {
        const h = health(8, { consecutiveFailures: 2, resetTimeout: 1_000, maxEjectionPercent, halfOpenRequests });
        let members = h.instances;
        let membershipChanged = false;
        for (const s of steps) {
          if (s.kind === 'advance') h.clock.advance(s.ms);
          else if (s.kind === 'members') {
            const next = h.instances.filter((_, i) => s.keep[i]);
            members = next.length === 0 ? h.instances : next;
            membershipChanged = true;
            h.health.setMembers(Object.freeze(members));
          } else {
            const instance = h.instances[s.index]!;
            const admission = h.health.admit(instance);
            if (admission !== undefined) {
              h.health.settle(instance, admission, s.failed);
              await settle();
            }
          }
          assert.ok(h.health.available.length > 0, 'never an empty set while instances exist');
          if (!membershipChanged) {
            const out = members.filter((i) => h.health.state(i.id) !== 'healthy').length;
            assert.ok(out <= Math.ceil((maxEjectionPercent * members.length) / 100), `${out} of ${members.length} out at ${maxEjectionPercent} %`);
          }
        }
        for (const instance of members) {
          if (h.health.breakerState(instance.id) !== 'half-open') continue;
          let trials = 0;
          while (h.health.admit(instance) === 'trial') trials++;
          assert.ok(trials <= halfOpenRequests);
        }
        h.health.close();
        assert.equal(h.clock.pendingTimers, 0);
      }),
      { numRuns: 60 },
    );
  });
});

describe('outlier detection', () => {
  /** Attempts on every instance of `h` for one interval: `failing` fails the share given, the others none. */
  async function interval(h: Recorded, failing: Instance, failureShare: number, perInstance = 120): Promise<void> {
    for (const instance of h.health.members) {
      for (let i = 0; i < perInstance; i++) {
        const admission = h.health.admit(instance);
        if (admission === undefined) break;
        h.health.settle(instance, admission, instance === failing && i < failureShare * perInstance);
      }
    }
    await settle();
  }

  test('an instance failing far more than its peers is ejected at the interval, and returns after its time', async () => {
    // Breakers would not open here: 10 % failures, never five in a row.
    const h = health(10, { consecutiveFailures: false, errorThresholdPercentage: 50, outlierDetection: { intervalMs: 1_000, baseEjectionMs: 5_000 } });
    const outlier = h.instances[3]!;
    await interval(h, outlier, 0.1);
    h.clock.advance(1_000);
    assert.equal(h.health.state(outlier.id), 'ejected');
    assert.deepEqual(h.changes, [`${outlier.port} ejected`]);
    assert.ok(!h.health.available.includes(outlier));
    assert.equal(h.health.admit(outlier), undefined);
    h.clock.advance(5_000);
    assert.equal(h.health.state(outlier.id), 'healthy');
    assert.deepEqual(h.changes, [`${outlier.port} ejected`, `${outlier.port} returned`]);
    h.health.close();
  });

  test('fewer than minimumHosts instances with enough requests eject nothing', async () => {
    const h = health(4, { consecutiveFailures: false, outlierDetection: { intervalMs: 1_000 } }); // success rate needs 5
    await interval(h, h.instances[0]!, 0.3);
    h.clock.advance(1_000);
    assert.deepEqual(h.changes, []);
    h.health.close();
  });

  test('ejection time grows for an instance that keeps failing, within the cap shared with breakers', async () => {
    const h = health(10, { consecutiveFailures: false, errorThresholdPercentage: 90, outlierDetection: { intervalMs: 1_000, baseEjectionMs: 2_000 } });
    const outlier = h.instances[0]!;
    const ejectedFor: number[] = [];
    for (let round = 0; round < 3; round++) {
      await interval(h, outlier, 0.2);
      h.clock.advance(1_000);
      const from = h.clock.now();
      while (h.health.state(outlier.id) === 'ejected') h.clock.advance(1_000);
      ejectedFor.push(h.clock.now() - from);
    }
    // 2 s, then 4 s, then 6 s: checked at each one-second interval.
    assert.deepEqual(ejectedFor, [2_000, 4_000, 6_000]);
    // With another instance already out, a second outlier stays in: 10 % of ten is one.
    await interval(h, outlier, 0.2);
    const second = h.instances[1]!;
    for (let i = 0; i < 120; i++) {
      const admission = h.health.admit(second);
      if (admission !== undefined) h.health.settle(second, admission, i % 4 === 0);
    }
    await settle();
    h.clock.advance(1_000);
    const out = h.instances.filter((i) => h.health.state(i.id) !== 'healthy');
    assert.equal(out.length, 1);
    h.health.close();
  });
});
