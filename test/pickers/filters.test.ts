import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../lib/clock.js';
import type { Instance } from '../../lib/discovery/instance.js';
import { compose } from '../../lib/pickers/compose.js';
import { byInstance, byMeta, byTag, canary } from '../../lib/pickers/filters.js';
import type { PickContext, Picker, RequestResult } from '../../lib/pickers/picker.js';
import { roundRobin } from '../../lib/pickers/round-robin.js';
import { instanceAt } from '../support/fake-discovery.js';
import { requestTo } from './request-context.js';

const context: PickContext = { service: 'users', method: 'GET', url: '/', attempt: 1, members: [], tried: () => false, header: () => undefined };

const fleet = Object.freeze([
  instanceAt(9000, { tags: ['v1'], meta: { version: '1' } }),
  instanceAt(9001, { tags: ['v2', 'canary'], meta: { version: '2' } }),
  instanceAt(9002, { tags: ['v2'], meta: { version: '2' } }),
  instanceAt(9003, { tags: ['v2'], meta: { version: '3' }, weight: 5 }),
]);

function ids(instances: readonly Instance[]): string[] {
  return instances.map((instance) => instance.id);
}

describe('instance filters', () => {
  test('byTag keeps the instances that carry every tag given', () => {
    assert.deepEqual(ids(byTag('v2').select(fleet, context)), ['i-9001', 'i-9002', 'i-9003']);
    assert.deepEqual(ids(byTag('v2', 'canary').select(fleet, context)), ['i-9001']);
  });

  test('byMeta matches a key and value, or a predicate over the meta', () => {
    assert.deepEqual(ids(byMeta('version', '2').select(fleet, context)), ['i-9001', 'i-9002']);
    assert.deepEqual(ids(byMeta((meta) => Number(meta.version) >= 2).select(fleet, context)), ['i-9001', 'i-9002', 'i-9003']);
  });

  test('byInstance keeps the instances the predicate accepts', () => {
    assert.deepEqual(ids(byInstance((instance) => instance.weight > 1).select(fleet, context)), ['i-9003']);
  });

  test('a filter returns the same array object for the same input, and the input itself when it keeps all', () => {
    const filter = byTag('v2');
    const first = filter.select(fleet, context);
    assert.equal(filter.select(fleet, context), first);
    const other = Object.freeze(fleet.slice(1));
    assert.equal(filter.select(other, context), other);
    assert.equal(filter.select(fleet, context), first);
  });

  test('a filter runs its predicate once per instance of a new array, not per request', () => {
    let calls = 0;
    const filter = byInstance(() => {
      calls++;
      return true;
    });
    for (let n = 0; n < 100; n++) filter.select(fleet, context);
    assert.equal(calls, fleet.length);
  });

  test('byTag without tags is rejected', () => {
    assert.throws(() => byTag(), { code: 'ERR_PROXYLESS_INVALID_OPTION', option: 'byTag' });
  });
});

describe('canary', () => {
  test('sends its share of requests to the selected instances and the rest to the others', () => {
    const split = canary({ share: 0.1, select: byTag('canary'), random: seededRandom(1) });
    let toCanary = 0;
    for (let n = 0; n < 10_000; n++) {
      const side = split.select(fleet, context);
      if (side.length === 1 && side[0]!.id === 'i-9001') toCanary++;
      else assert.deepEqual(ids(side), ['i-9000', 'i-9002', 'i-9003']);
    }
    assert.ok(toCanary > 900 && toCanary < 1_100, `canary requests: ${toCanary}`);
  });

  test('hands out the same two arrays request after request', () => {
    const split = canary({ share: 0.5, select: byTag('canary'), random: seededRandom(2) });
    const seen = new Set<readonly Instance[]>();
    for (let n = 0; n < 100; n++) seen.add(split.select(fleet, context));
    assert.equal(seen.size, 2);
  });

  test('sends everything to the others when there is no canary, and to the canaries when all are', () => {
    const split = canary({ share: 0.5, select: byTag('canary'), random: seededRandom(3) });
    const noCanary = Object.freeze([fleet[0]!, fleet[2]!]);
    const allCanary = Object.freeze([fleet[1]!]);
    for (let n = 0; n < 20; n++) {
      assert.equal(split.select(noCanary, context), noCanary);
      assert.deepEqual(ids(split.select(allCanary, context)), ['i-9001']);
    }
  });

  test('sends a retry to the other side once it has tried every instance of the side drawn', () => {
    const split = canary({ share: 1, select: byTag('canary'), random: seededRandom(5) });
    const retry = requestTo(fleet, { tried: [fleet[1]!] });
    for (let n = 0; n < 20; n++) assert.deepEqual(ids(split.select(fleet, retry)), ['i-9000', 'i-9002', 'i-9003']);
    const everywhere = requestTo(fleet, { tried: fleet });
    assert.deepEqual(ids(split.select(fleet, everywhere)), ['i-9001']);
  });

  test('rejects a share outside 0 to 1, naming the option', () => {
    assert.throws(() => canary({ share: 5, select: byTag('canary') }), { option: 'canary.share' });
  });
});

describe('compose', () => {
  test('picks only among the instances every filter keeps', () => {
    const picker = compose(byTag('v2'), byMeta((meta) => meta.version === '2'), roundRobin({ random: seededRandom(4) }));
    const picked = new Set<string>();
    for (let n = 0; n < 20; n++) picked.add(picker.pick(fleet, context)!.id);
    assert.deepEqual([...picked].sort(), ['i-9001', 'i-9002']);
  });

  test('returns undefined when a filter leaves no instance, rather than falling back to the unfiltered set', () => {
    const picker = compose(byTag('v3'), roundRobin());
    assert.equal(picker.pick(fleet, context), undefined);
  });

  test('forwards the hooks to the picker inside', () => {
    const seen: string[] = [];
    const inner: Picker = {
      name: 'recording',
      pick: (instances) => instances[0],
      onRequestStart: (instance) => seen.push(`start ${instance.id}`),
      onRequestEnd: (instance, result: RequestResult) => seen.push(`end ${instance.id} ${result.outcome}`),
    };
    const picker = compose(byTag('v2'), inner);
    const instance = picker.pick(fleet, context)!;
    picker.onRequestStart?.(instance, context);
    picker.onRequestEnd?.(instance, { latencyMs: 3, outcome: 'failure' }, context);
    assert.deepEqual(seen, ['start i-9001', 'end i-9001 failure']);
    assert.equal(picker.name, 'byTag(v2) | recording');
  });

  test('gives the picker inside the same array while the set is unchanged', () => {
    const arrays = new Set<readonly Instance[]>();
    const picker = compose(byTag('v2'), {
      pick: (instances: readonly Instance[]) => {
        arrays.add(instances);
        return instances[0];
      },
    });
    for (let n = 0; n < 10; n++) picker.pick(fleet, context);
    assert.equal(arrays.size, 1);
  });

  test('hands the picker inside the members the per-instance filters keep, and the whole membership past a split', () => {
    const seen: (readonly Instance[])[] = [];
    const recording: Picker = {
      pick: (instances, pickContext) => {
        seen.push(pickContext.members);
        return instances[0];
      },
    };
    const available = Object.freeze(fleet.slice(0, 3));
    compose(byTag('v2'), recording).pick(available, requestTo(fleet));
    assert.deepEqual(ids(seen[0]!), ['i-9001', 'i-9002', 'i-9003']);
    compose(canary({ share: 0.5, select: byTag('canary') }), recording).pick(available, requestTo(fleet));
    assert.equal(seen[1], fleet);
    assert.equal(byTag('v2').perInstance, true);
    assert.equal(canary({ share: 0.5, select: byTag('canary') }).perInstance, undefined);
  });

  test('rejects a call without a picker', () => {
    assert.throws(() => compose(...([byTag('v2')] as unknown as [Picker])), { option: 'picker' });
  });
});
