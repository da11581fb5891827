import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../lib/clock.js';
import type { Instance } from '../../lib/discovery/instance.js';
import { leastRequest } from '../../lib/pickers/least-request.js';
import type { PickContext, Picker } from '../../lib/pickers/picker.js';
import { instanceAt } from '../support/fake-discovery.js';
import { requestTo } from './request-context.js';

const context: PickContext = { service: 'users', method: 'GET', url: '/', attempt: 1, members: [], tried: () => false, header: () => undefined };
const success = { latencyMs: 5, outcome: 'success' as const };

/** Starts `count` requests that stay open, returning how many each instance holds. */
function openRequests(picker: Picker, instances: readonly Instance[], count: number): Map<string, number> {
  const open = new Map<string, number>(instances.map((instance) => [instance.id, 0]));
  for (let n = 0; n < count; n++) {
    const instance = picker.pick(instances, context)!;
    picker.onRequestStart?.(instance, context);
    open.set(instance.id, open.get(instance.id)! + 1);
  }
  return open;
}

describe('least-request', () => {
  test('prefers the less loaded of two instances', () => {
    const instances = Object.freeze([instanceAt(9000), instanceAt(9001)]);
    const picker = leastRequest({ random: seededRandom(1) });
    for (let n = 0; n < 5; n++) picker.onRequestStart?.(instances[0]!, context);
    for (let n = 0; n < 4; n++) assert.equal(picker.pick(instances, context), instances[1]);
  });

  test('keeps requests in flight level across equal instances', () => {
    const instances = Object.freeze([9000, 9001, 9002, 9003].map((port) => instanceAt(port)));
    const picker = leastRequest({ random: seededRandom(2) });
    const open = [...openRequests(picker, instances, 400).values()];
    // Two choices keep the gap to a few requests; choosing at random would leave about 20.
    assert.ok(Math.max(...open) - Math.min(...open) <= 6, `in flight ${open.join(', ')}`);
  });

  test('counts a finished request out, so the instance is preferred again', () => {
    const instances = Object.freeze([instanceAt(9000), instanceAt(9001)]);
    const picker = leastRequest({ random: seededRandom(3) });
    picker.onRequestStart?.(instances[0]!, context);
    picker.onRequestStart?.(instances[1]!, context);
    picker.onRequestStart?.(instances[1]!, context);
    picker.onRequestEnd?.(instances[1]!, success, context);
    picker.onRequestEnd?.(instances[1]!, success, context);
    assert.equal(picker.pick(instances, context), instances[1]);
  });

  test('with unequal weights, holds requests in flight in proportion to weight (active-request bias 1)', () => {
    const instances = Object.freeze([instanceAt(9000, { weight: 1 }), instanceAt(9001, { weight: 3 })]);
    const picker = leastRequest({ random: seededRandom(4) });
    const open = openRequests(picker, instances, 400);
    // Stable when 3 / (heavy + 1) ≈ 1 / (light + 1).
    assert.ok(Math.abs(open.get('i-9001')! + 1 - 3 * (open.get('i-9000')! + 1)) <= 3, JSON.stringify([...open]));
  });

  test('with bias 0, weights alone decide: the heavier instance always wins the pair', () => {
    const instances = Object.freeze([instanceAt(9000, { weight: 1 }), instanceAt(9001, { weight: 2 })]);
    const picker = leastRequest({ activeRequestBias: 0, random: seededRandom(5) });
    assert.deepEqual(Object.fromEntries(openRequests(picker, instances, 50)), { 'i-9000': 0, 'i-9001': 50 });
  });

  test('keeps the count of an instance across a change of the set', () => {
    const a = instanceAt(9000);
    const b = instanceAt(9001);
    const picker = leastRequest({ random: seededRandom(6) });
    picker.pick(Object.freeze([a, b]), context);
    for (let n = 0; n < 3; n++) picker.onRequestStart?.(a, context);
    // A new snapshot of `a` (same id) in a new array.
    const next = Object.freeze([instanceAt(9000, { tags: ['v2'] }), b]);
    for (let n = 0; n < 4; n++) assert.equal(picker.pick(next, context), b);
  });

  test('sends a retry to an instance it has not tried, however idle a tried one is', () => {
    const instances = Object.freeze([9000, 9001, 9002].map((port) => instanceAt(port)));
    const picker = leastRequest({ random: seededRandom(7) });
    picker.pick(instances, requestTo(instances));
    for (let n = 0; n < 4; n++) picker.onRequestStart?.(instances[1]!, context);
    const retry = requestTo(instances, { tried: [instances[0]!] });
    const chosen = new Set(Array.from({ length: 50 }, () => picker.pick(instances, retry)!.id));
    assert.deepEqual([...chosen], ['i-9002']);
  });

  test('rejects a negative bias, naming the option', () => {
    assert.throws(() => leastRequest({ activeRequestBias: -1 }), {
      code: 'ERR_PROXYLESS_INVALID_OPTION',
      option: 'picker.activeRequestBias',
    });
  });
});
