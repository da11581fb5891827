import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type AttemptAbortListener, AttemptSignal } from '../../lib/transport/attempt-signal.js';

function recorder(name: string, log: string[]): AttemptAbortListener {
  return { attemptAborted: (reason) => log.push(`${name}:${reason.name}`) };
}

/** Read through a function: the assertion above narrowed `signal.reason` to `undefined`. */
const reasonOf = (signal: AttemptSignal): Error | undefined => signal.reason;

describe('an attempt’s signal', () => {
  test('tells each listener still listening once, with an AbortError unless given a reason', () => {
    const signal = new AttemptSignal();
    const log: string[] = [];
    const a = recorder('a', log);
    signal.listen(a);
    signal.listen(recorder('b', log));
    signal.listen(recorder('c', log));
    assert.equal(signal.aborted, false);
    assert.ok(signal.reason === undefined, 'no reason before it aborts');
    signal.abort();
    signal.abort(new Error('again'));
    assert.deepEqual(log, ['a:AbortError', 'b:AbortError', 'c:AbortError']);
    assert.equal(signal.aborted, true);
    assert.equal(reasonOf(signal)?.name, 'AbortError');
  });

  test('a listener that left is not told; any order of leaving keeps the others', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.nat(5)), (count, leaving) => {
        const signal = new AttemptSignal();
        const told = new Set<number>();
        const listeners = Array.from({ length: count }, (_, i) => ({ attemptAborted: () => void told.add(i) }));
        for (const listener of listeners) signal.listen(listener);
        const left = new Set(leaving.filter((i) => i < count));
        for (const i of left) signal.unlisten(listeners[i]!);
        signal.abort(new Error('stop'));
        assert.deepEqual([...told].sort(), [...Array(count).keys()].filter((i) => !left.has(i)));
      }),
    );
  });

  test('its AbortSignal aborts with it, with the same reason, made before or after', () => {
    const signal = new AttemptSignal();
    const early = signal.toAbortSignal();
    assert.equal(signal.toAbortSignal(), early, 'one AbortSignal, made once');
    assert.equal(early.aborted, false);
    const reason = new Error('hedge won');
    signal.abort(reason);
    assert.equal(early.aborted, true);
    assert.equal(early.reason, reason);
    const late = signal.toAbortSignal();
    assert.equal(late.aborted, true);
    assert.equal(late.reason, reason);
  });
});
