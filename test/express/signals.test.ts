// Drains on signals, in real processes: SIGTERM (and SIGINT) by default, signals of one's choosing, none at
// all; an exit after the drain unless the application takes it over; and a second signal that exits at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { catalogEntries } from '../support/consul-catalog.js';
import { sleep } from '../support/load.js';
import { startRegisteredInstance, type RegisteredInstance, type RegisteredInstanceOptions } from '../support/registered-instance-process.js';

let consul: ConsulAgent;
const started: RegisteredInstance[] = [];

before(async () => {
  consul = await startConsul();
});

after(async () => {
  await Promise.all(started.map((instance) => instance.stop()));
  await consul.stop();
});

async function start(options: Omit<RegisteredInstanceOptions, 'consul'>): Promise<RegisteredInstance> {
  const instance = await startRegisteredInstance({ consul, check: { interval: '1s' }, ...options });
  started.push(instance);
  return instance;
}

const kinds = (instance: RegisteredInstance): string[] => instance.messages.filter((m) => m.type !== 'registered').map((m) => m.type);

test('SIGTERM drains the instance, which leaves Consul and exits 0 by itself', { timeout: 30_000 }, async () => {
  const instance = await start({ service: 'termed', drain: { propagationMs: 500 } });
  instance.signal('SIGTERM');
  assert.deepEqual(await instance.exitWithin(15_000), { code: 0, signal: null });
  assert.deepEqual(kinds(instance), ['draining', 'drained']);
  const drained = instance.messages.find((m) => m.type === 'drained');
  assert.ok(drained?.type === 'drained');
  assert.deepEqual([drained.signal, drained.deregistered, drained.requestsCutOff], ['SIGTERM', true, 0]);
  assert.deepEqual(await catalogEntries(consul, 'termed'), []);
});

test('a second signal during the drain exits at once, with the code of death by that signal', { timeout: 30_000 }, async () => {
  const instance = await start({ service: 'impatient', drain: { propagationMs: 20_000 } });
  instance.signal('SIGINT');
  await instance.waitFor((m) => m.type === 'draining', 10_000, 'the drain to begin');
  const second = performance.now();
  instance.signal('SIGTERM');
  assert.deepEqual(await instance.exitWithin(10_000), { code: 143, signal: null });
  assert.ok(performance.now() - second < 5_000, 'it did not wait for the drain');
  assert.deepEqual(kinds(instance), ['draining']);
});

test('drain.signals chooses the signals; false leaves SIGTERM to end the process at once, as Node does', { timeout: 30_000 }, async () => {
  const chosen = await start({ service: 'chosen', drain: { signals: ['SIGUSR2'], propagationMs: 200 } });
  const none = await start({ service: 'unhandled', drain: { signals: false } });
  chosen.signal('SIGUSR2');
  none.signal('SIGTERM');
  assert.deepEqual(await chosen.exitWithin(15_000), { code: 0, signal: null });
  assert.deepEqual(kinds(chosen), ['draining', 'drained']);
  assert.deepEqual(await none.exitWithin(5_000), { code: null, signal: 'SIGTERM' });
  assert.deepEqual(kinds(none), []);
});

test('with drain.exit false the process drains and stays for its own clean-up; Node handles the next signal', { timeout: 30_000 }, async () => {
  const instance = await start({ service: 'lingering', drain: { exit: false, propagationMs: 200 } });
  instance.signal('SIGTERM');
  await instance.waitFor((m) => m.type === 'drained', 15_000, 'the drain to end');
  await sleep(500);
  assert.equal(await Promise.race([instance.exited.then(() => 'exited'), sleep(0).then(() => 'running')]), 'running');
  assert.deepEqual(await catalogEntries(consul, 'lingering'), []);
  instance.signal('SIGTERM');
  assert.deepEqual(await instance.exitWithin(5_000), { code: null, signal: 'SIGTERM' });
});
