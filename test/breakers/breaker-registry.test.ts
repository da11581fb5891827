import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveBreakerOptions } from '../../lib/breakers/breaker-options.js';
import { BreakerRegistry, type BreakerState } from '../../lib/breakers/breaker-registry.js';
import { instanceAt } from '../support/fake-discovery.js';

const refused = (): Promise<never> => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
const ok = (): Promise<string> => Promise.resolve('ok');

test('breakers are created on first use, per instance id, and shut down when their instance leaves', async () => {
  const registry = new BreakerRegistry(resolveBreakerOptions(), () => {});
  const [a, b, c] = [instanceAt(1), instanceAt(2), instanceAt(3)];
  assert.equal(registry.size, 0);
  await registry.run(a, ok);
  await registry.run(b, ok);
  await registry.run({ ...a, tags: ['changed'] }, ok); // a new snapshot of the same instance
  assert.equal(registry.size, 2);
  registry.retain([b, c]);
  assert.equal(registry.size, 1);
  registry.close();
  assert.equal(registry.size, 0);
});

test('consecutive failures open the breaker, and only the open ones are reported open', async () => {
  const changes: [string, BreakerState][] = [];
  const registry = new BreakerRegistry(resolveBreakerOptions({ consecutiveFailures: 3, resetTimeout: 60_000 }), (id, state) =>
    changes.push([id, state]),
  );
  const [a, b] = [instanceAt(1), instanceAt(2)];
  try {
    for (let i = 0; i < 3; i++) await registry.run(a, refused).catch(() => undefined);
    await registry.run(b, ok);
    assert.deepEqual(changes, [['i-1', 'open']]);
    assert.equal(registry.isOpen('i-1'), true);
    assert.equal(registry.isOpen('i-2'), false);
    assert.equal(registry.anyOpen, true);
    assert.equal(registry.state('i-1'), 'open');
    await assert.rejects(registry.run(a, ok), (error: { code?: string }) => error.code === 'EOPENBREAKER');
    registry.retain([b]);
    assert.equal(registry.anyOpen, false, 'an instance that left takes its open breaker with it');
  } finally {
    registry.close();
  }
});

test('4xx-like failures the client excuses do not count toward opening', async () => {
  const changes: BreakerState[] = [];
  const registry = new BreakerRegistry(resolveBreakerOptions({ consecutiveFailures: 2, volumeThreshold: 1 }), (_id, state) => changes.push(state));
  const rejected = (): Promise<never> => Promise.reject(Object.assign(new Error('excused'), { code: 'SOMETHING_ELSE' }));
  try {
    for (let i = 0; i < 10; i++) await registry.run(instanceAt(1), rejected).catch(() => undefined);
    assert.deepEqual(changes, []);
  } finally {
    registry.close();
  }
});
