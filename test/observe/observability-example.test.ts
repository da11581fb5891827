// docs/observability.md quotes examples/observability.ts: it must keep running as shown.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

test('examples/observability.ts: a logged breaker, stats, metrics, a traced retry and the page, then everything stopped', () => {
  const output = execFileSync(process.execPath, ['--import', 'tsx', 'examples/observability.ts'], {
    cwd: new URL('../../', import.meta.url),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.match(output, /log warn: users: \S+ \(127\.0\.0\.1:\d+\) taken out: its breaker opened/);
  assert.match(output, /\d+ +open +attempts +3 +failures 3/);
  assert.match(output, /retries 3 \{"503":3\}, budget left \d+/);
  assert.match(output, /proxyless_instances\{service="users",state="open"\} 1/);
  assert.match(output, /event retry \{"proxyless\.retry\.reason":"503"/);
  assert.match(output, /status page: \S+\/lb → 200 text\/html; charset=utf-8; status\.json lists users/);
  assert.match(output, /stopped everything the example started\.\n$/);
});
