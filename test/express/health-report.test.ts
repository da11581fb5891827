// The health function decides the check's state; whatever goes wrong with it reads as critical, with the
// reason where an operator looks: the check's output in Consul.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportHealth } from '../../lib/express/health-report.js';
import type { HealthFunction, HealthState } from '../../lib/express/register-options.js';

test('each state the function answers, at once or later, is reported as it is', async () => {
  for (const state of ['passing', 'warning', 'critical'] as const) {
    assert.deepEqual(await reportHealth(() => state, 1_000), { state, output: state });
    assert.deepEqual(await reportHealth(async () => state, 1_000), { state, output: state });
  }
});

test('a function that throws or rejects reports critical with its message', async () => {
  const throws: HealthFunction = () => {
    throw new Error('database unreachable');
  };
  assert.deepEqual(await reportHealth(throws, 1_000), { state: 'critical', output: 'health() failed: database unreachable' });
  assert.deepEqual(await reportHealth(() => Promise.reject(new Error('pool exhausted')), 1_000), {
    state: 'critical',
    output: 'health() failed: pool exhausted',
  });
});

test('a function that hangs reports critical once its bound runs out', async () => {
  const started = performance.now();
  const report = await reportHealth(() => new Promise<HealthState>(() => undefined), 50);
  assert.deepEqual(report, { state: 'critical', output: 'health() did not answer within 50 ms' });
  assert.ok(performance.now() - started < 2_000);
});

test('an answer that is not a state reports critical, saying what was expected', async () => {
  const report = await reportHealth((() => 'ok') as unknown as HealthFunction, 1_000);
  assert.deepEqual(report, { state: 'critical', output: `health() returned "ok"; it must return 'passing', 'warning' or 'critical'` });
});
