import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Deadlines } from '../../lib/call/deadlines.js';
import { ManualClock } from '../../lib/clock.js';

function holder(name: string, log: string[]) {
  return { deadlinePassed: () => log.push(`${name}@`) };
}

describe('calls’ deadlines', () => {
  test('each passes exactly at its own time, whatever ended before it', () => {
    const clock = new ManualClock();
    const deadlines = new Deadlines(clock);
    const log: string[] = [];
    const stamp = (name: string) => ({ deadlinePassed: () => log.push(`${name}@${clock.now()}`) });
    deadlines.start(stamp('a'), 100);
    clock.advance(10);
    const b = deadlines.start(stamp('b'), 100);
    clock.advance(10);
    deadlines.start(stamp('c'), 100);
    deadlines.start(stamp('short'), 30);
    b.cancel();
    clock.advance(200);
    assert.deepEqual(log, ['short@50', 'a@100', 'c@120']);
  });

  test('calls of one duration in flight together share one timer', () => {
    const clock = new ManualClock();
    const deadlines = new Deadlines(clock);
    const log: string[] = [];
    const timers = Array.from({ length: 100 }, (_, i) => deadlines.start(holder(`call-${i}`, log), 15_000));
    assert.equal(clock.pendingTimers, 1);
    for (const timer of timers.slice(0, 50)) timer.cancel();
    clock.advance(15_000);
    assert.equal(log.length, 50, 'the half still in flight expired; the half that ended did not');
  });

  test('a client with nothing in flight holds no timer', () => {
    const clock = new ManualClock();
    const deadlines = new Deadlines(clock);
    const log: string[] = [];
    const first = deadlines.start(holder('a', log), 100);
    const second = deadlines.start(holder('b', log), 250);
    first.cancel();
    second.cancel();
    assert.equal(clock.pendingTimers, 0);
    second.cancel();
    clock.advance(1_000);
    assert.deepEqual(log, []);
  });
});
