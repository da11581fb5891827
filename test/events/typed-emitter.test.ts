import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { TypedEmitter } from '../../lib/events/typed-emitter.js';

interface Events {
  changed: [{ size: number }];
  failed: [Error, number];
}

test('listeners run in order with their typed payloads; once runs once; off removes', () => {
  const emitter = new TypedEmitter<Events>();
  const seen: string[] = [];
  const first = ({ size }: { size: number }): void => void seen.push(`first ${size}`);
  emitter.on('changed', first);
  emitter.once('changed', ({ size }) => seen.push(`once ${size}`));
  assert.equal(emitter.emit('changed', { size: 1 }), true);
  emitter.emit('changed', { size: 2 });
  emitter.off('changed', first);
  emitter.emit('changed', { size: 3 });
  assert.deepEqual(seen, ['first 1', 'once 1', 'first 2']);
  assert.equal(emitter.emit('failed', new Error('x'), 1), false, 'no listener');
});

test('a throwing listener does not stop the others; its error surfaces on the next tick', () => {
  // In a process of its own: the test runner claims uncaught exceptions in this one.
  const script = `
    import { TypedEmitter } from './lib/events/typed-emitter.ts';
    process.on('uncaughtException', (error) => console.log('surfaced: ' + error.message));
    const emitter = new TypedEmitter();
    emitter.on('changed', () => { throw new Error('listener bug'); });
    emitter.on('changed', ({ size }) => console.log('second listener: ' + size));
    emitter.emit('changed', { size: 7 });
    console.log('emit returned');
  `;
  const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: new URL('../../', import.meta.url),
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.deepEqual(output.trim().split('\n'), ['second listener: 7', 'emit returned', 'surfaced: listener bug']);
});
