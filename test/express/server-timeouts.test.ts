// Behind client-side balancers the client, not the server, closes an idle connection: the server's
// keep-alive timeout is raised above any client's, unless its user chose one.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { applyServerTimeouts } from '../../lib/express/server-timeouts.js';

test("a server with Node's defaults keeps idle connections 65 s, and waits for headers longer still", () => {
  const server = createServer();
  applyServerTimeouts(server);
  assert.deepEqual([server.keepAliveTimeout, server.headersTimeout], [65_000, 66_000]);
});

test("timeouts the user set are kept; headersTimeout is raised above a user's keepAliveTimeout only if left at Node's default", () => {
  const chosen = createServer({ keepAliveTimeout: 10_000, headersTimeout: 20_000 });
  applyServerTimeouts(chosen);
  assert.deepEqual([chosen.keepAliveTimeout, chosen.headersTimeout], [10_000, 20_000]);
  const longKeepAlive = createServer({ keepAliveTimeout: 90_000 });
  applyServerTimeouts(longKeepAlive);
  assert.deepEqual([longKeepAlive.keepAliveTimeout, longKeepAlive.headersTimeout], [90_000, 91_000]);
});
