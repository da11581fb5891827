// The health route speaks Consul's language: 200 passing, 429 warning, anything else critical.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import express from 'express';
import type { HealthReport } from '../../lib/express/health-report.js';
import { healthRouteHandler, mountHealthRoute } from '../../lib/express/health-route.js';

test('each state has the status code Consul maps to it, and a reason beside a state the function did not give', async () => {
  let report: HealthReport = { state: 'passing', output: 'passing' };
  const app = express();
  app.use((_request, response) => {
    response.status(404).end();
  });
  mountHealthRoute(app, '/_health', healthRouteHandler(async () => report, 'users', 'users-1'));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_health`;
  try {
    const seen: [number, unknown][] = [];
    for (const next of [
      { state: 'passing', output: 'passing' },
      { state: 'warning', output: 'warning' },
      { state: 'critical', output: 'draining' },
    ] as const) {
      report = next;
      const response = await fetch(url);
      seen.push([response.status, await response.json()]);
    }
    assert.deepEqual(seen, [
      [200, { status: 'passing', service: 'users', id: 'users-1' }],
      [429, { status: 'warning', service: 'users', id: 'users-1' }],
      [503, { status: 'critical', service: 'users', id: 'users-1', reason: 'draining' }],
    ]);
    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.status, 503, 'HEAD answers as GET does');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
