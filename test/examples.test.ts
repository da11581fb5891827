// The examples the docs point to must keep running as shown.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

test('examples/custom-picker.ts routes a tenant to the canary and refuses an absolute URL', () => {
  const output = execFileSync(process.execPath, ['--import', 'tsx', 'examples/custom-picker.ts'], {
    cwd: new URL('../', import.meta.url),
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.match(output, /everyone else: \{ (blue|green): \d+(, (blue|green): \d+)? \}/);
  assert.doesNotMatch(output.split('\n')[0]!, /canary/);
  assert.match(output, /tenant beta: +canary/);
  assert.match(output, /absolute URL: +ERR_PROXYLESS_ABSOLUTE_URL/);
});

test('npm run demo: one instance killed under load, no request failed, everything stopped', { timeout: 60_000 }, () => {
  const output = execFileSync(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], {
    cwd: new URL('../', import.meta.url),
    encoding: 'utf8',
    timeout: 50_000,
  });
  assert.match(output, /SIGKILL users-2/);
  assert.match(output, /failed +0\n/);
  assert.match(output, /no request failed\./);
  assert.match(output, /stopped everything the demo started/);
});

// Six service processes start one after another here; on a loaded machine that alone can take a minute.
test('npm run example:express: two self-registered services call each other; a rolling restart of one fails nothing', { timeout: 150_000 }, () => {
  const output = execFileSync(process.execPath, ['--import', 'tsx', 'examples/express/run.ts'], {
    cwd: new URL('../', import.meta.url),
    encoding: 'utf8',
    timeout: 140_000,
  });
  assert.match(output, /POST \/orders +orders-\d \(asked users-\d\): a slide rule for Ada Lovelace/);
  assert.match(output, /GET \/users\/2\/orders +users-\d \(asked orders-\d\): a notebook, a punched card/);
  assert.match(output, /SIGTERM users-1: drained \(0 requests cut off\), exited with code 0/);
  assert.match(output, /SIGTERM users-2: drained \(0 requests cut off\), exited with code 0/);
  assert.match(output, /failed +0\n/);
  assert.match(output, /users now +users-3, users-4\n/);
  assert.match(output, /stopped everything the example started/);
});

test('examples/retries-and-deadlines.ts: a 503 retried for GETs and keyed POSTs, not for a plain POST; the report; the deadline; the same through send', () => {
  const output = execFileSync(process.execPath, ['--import', 'tsx', 'examples/retries-and-deadlines.ts'], {
    cwd: new URL('../', import.meta.url),
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(output.match(/GET \/hello → (blue|green)\n/g)?.length, 4);
  assert.match(output, /event retry: GET \/hello got 503 from red; again in \d+ ms/);
  assert.match(output, /event notRetried: POST \/orders: not-idempotent/);
  assert.match(output, /POST \/orders failed; attempts: red 503 in \d+ ms; not retried: not-idempotent/);
  assert.equal(output.match(/POST \/orders → (blue|green)\n/g)?.length, 5);
  assert.match(output, /Idempotency-Key[^\n]*\n(.*\n)*? +event retry: POST \/orders got 503 from red/);
  assert.match(output, /GET \/slow → ECONNABORTED "timeout of 300ms exceeded" after \d+ ms; attempts: (.*, )?(blue|green) timed-out in \d+ ms\n/);
  assert.equal(output.match(/send GET \/hello → 200 from (blue|green)\n/g)?.length, 3, 'send retries the 503 as get does');
  assert.match(output, /send GET \/slow → DeadlineExceededError \(ERR_PROXYLESS_DEADLINE_EXCEEDED\); attempts: (.*, )?(blue|green) timed-out in \d+ ms\n/);
  assert.match(output, /stopped everything the example started\.\n$/);
});
