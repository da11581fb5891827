import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../lib/clock.js';
import type { Instance } from '../../lib/discovery/instance.js';
import type { PickContext } from '../../lib/pickers/picker.js';
import { random } from '../../lib/pickers/random.js';
import { roundRobin } from '../../lib/pickers/round-robin.js';
import { instanceAt } from '../support/fake-discovery.js';
import { requestTo } from './request-context.js';

const context: PickContext = { service: 'users', method: 'GET', url: '/', attempt: 1, members: [], tried: () => false, header: () => undefined };
const four = Object.freeze([9000, 9001, 9002, 9003].map((port) => instanceAt(port)));

function countPicks(pick: () => Instance | undefined, times: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 0; n < times; n++) {
    const id = pick()?.id ?? 'none';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe('round-robin', () => {
  test('spreads evenly across four instances', () => {
    const picker = roundRobin({ random: seededRandom(1) });
    const counts = countPicks(() => picker.pick(four, context), 400);
    assert.deepEqual([...counts.values()], [100, 100, 100, 100]);
  });

  test('takes the instances in turn, each once per round', () => {
    const picker = roundRobin({ random: seededRandom(2) });
    const first = picker.pick(four, context)!;
    const start = four.indexOf(first);
    const rest = Array.from({ length: 7 }, () => four.indexOf(picker.pick(four, context)!));
    assert.deepEqual(rest, [1, 2, 3, 4, 5, 6, 7].map((step) => (start + step) % 4));
  });

  test('starts at a different instance for differently seeded pickers, so a fleet of clients does not march in step', () => {
    const starts = new Set<string>();
    for (let seed = 0; seed < 16; seed++) starts.add(roundRobin({ random: seededRandom(seed) }).pick(four, context)!.id);
    assert.equal(starts.size, 4);
  });

  test('keeps cycling over the new set when instances are added and removed', () => {
    const picker = roundRobin({ random: seededRandom(3) });
    for (let n = 0; n < 5; n++) picker.pick(four, context);
    const two = Object.freeze(four.slice(0, 2));
    assert.deepEqual([...countPicks(() => picker.pick(two, context), 10).values()], [5, 5]);
    const six = Object.freeze([...four, instanceAt(9004), instanceAt(9005)]);
    assert.deepEqual([...countPicks(() => picker.pick(six, context), 60).values()], [10, 10, 10, 10, 10, 10]);
  });

  test('sends a retry whose turn falls on a tried instance to the next one it has not tried', () => {
    const picker = roundRobin({ random: () => 0 });
    assert.equal(picker.pick(four, requestTo(four, { tried: [four[0]!, four[1]!] })), four[2]);
    assert.equal(picker.pick(four, requestTo(four)), four[3]);
    assert.equal(picker.pick(four, requestTo(four, { tried: four })), four[0]);
  });
});

describe('random', () => {
  test('reaches every instance, each about a quarter of the time', () => {
    const picker = random({ random: seededRandom(4) });
    const counts = countPicks(() => picker.pick(four, context), 4_000);
    assert.equal(counts.size, 4);
    for (const count of counts.values()) assert.ok(count > 900 && count < 1_100, `count ${count}`);
  });

  test('returns undefined for no instances and the only one for one', () => {
    const picker = random({ random: seededRandom(5) });
    assert.equal(picker.pick([], context), undefined);
    assert.equal(picker.pick([four[2]!], context), four[2]);
  });

  test('sends a retry to an instance it has not tried, each of them alike, while one is left', () => {
    const picker = random({ random: seededRandom(6) });
    const retry = requestTo(four, { tried: [four[1]!] });
    const counts = countPicks(() => picker.pick(four, retry), 3_000);
    assert.deepEqual([...counts.keys()].sort(), ['i-9000', 'i-9002', 'i-9003']);
    for (const count of counts.values()) assert.ok(count > 900 && count < 1_100, `count ${count}`);
    assert.ok(four.includes(picker.pick(four, requestTo(four, { tried: four }))!));
  });
});
