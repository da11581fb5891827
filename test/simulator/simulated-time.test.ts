import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedTime } from '../../lib/simulator/simulated-time.js';

describe('SimulatedTime', () => {
  test('runs events in time order, and those due at the same time in the order they were set', async () => {
    const time = new SimulatedTime();
    const ran: string[] = [];
    time.delay(() => ran.push(`b@${time.now()}`), 20);
    time.delay(() => ran.push(`a@${time.now()}`), 10);
    time.delay(() => ran.push(`c@${time.now()}`), 20);
    time.at(5, () => {
      ran.push(`first@${time.now()}`);
      return false;
    });
    await time.run();
    assert.deepEqual(ran, ['first@5', 'a@10', 'b@20', 'c@20']);
  });

  test('a cancelled timer never runs, even one cancelled after others were set', async () => {
    const time = new SimulatedTime();
    const ran: number[] = [];
    const cancelled = time.delay(() => ran.push(1), 10);
    time.delay(() => ran.push(2), 20);
    cancelled.cancel();
    cancelled.cancel();
    await time.run();
    assert.deepEqual(ran, [2]);
    assert.equal(time.pending, 0);
  });

  test('background timers do not keep the run going, but run while foreground events remain', async () => {
    const time = new SimulatedTime();
    const ran: string[] = [];
    const tick = (): void => {
      ran.push(`tick@${time.now()}`);
      time.background.delay(tick, 100);
    };
    time.background.delay(tick, 100);
    time.delay(() => ran.push(`work@${time.now()}`), 250);
    await time.run();
    assert.deepEqual(ran, ['tick@100', 'tick@200', 'work@250']);
    assert.equal(time.now(), 250);
  });

  test('every promise chain an event sets going settles before the next event, at the time of its event', async () => {
    const time = new SimulatedTime();
    const seen: string[] = [];
    const deep = async (depth: number): Promise<number> => (depth === 0 ? time.now() : deep(depth - 1));
    time.delay(() => {
      void deep(50).then((at) => seen.push(`chain from 10 ended at ${at}, now ${time.now()}`));
    }, 10);
    time.delay(() => seen.push(`next event at ${time.now()}`), 10);
    await time.run();
    assert.deepEqual(seen, ['chain from 10 ended at 10, now 10', 'next event at 10']);
  });

  test('a timer set from a promise reaction is scheduled from the time the reaction ran', async () => {
    const time = new SimulatedTime();
    const seen: number[] = [];
    time.delay(() => {
      void Promise.resolve().then(() => time.delay(() => seen.push(time.now()), 5));
    }, 10);
    await time.run();
    assert.deepEqual(seen, [15]);
  });

  test('runDue runs what is due now, background timers included, and leaves later events alone', async () => {
    const time = new SimulatedTime();
    const ran: string[] = [];
    time.delay(() => ran.push('work'), 10);
    await time.run();
    time.background.delay(() => ran.push('due'), 0);
    time.delay(() => ran.push('cancelled'), 0).cancel();
    time.background.delay(() => ran.push('later'), 100);
    await time.runDue();
    assert.deepEqual(ran, ['work', 'due']);
    assert.equal(time.now(), 10);
  });
});
