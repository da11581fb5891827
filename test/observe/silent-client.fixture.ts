// A client without a logger, through a failing instance, an open breaker and a discovery error: run by
// event-logger.test.ts, which asserts that this process wrote nothing at all.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from '../../lib/client/create-client.js';
import { FakeDiscovery, instanceAt } from '../support/fake-discovery.js';

const server = createServer((_request, response) => {
  response.statusCode = 503;
  response.end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const discovery = new FakeDiscovery([instanceAt((server.address() as AddressInfo).port)]);
const client = createClient({ service: 'users', discovery, breaker: { consecutiveFailures: 1, maxEjectionPercent: 100, panicThresholdPercent: 0 } });
for (let i = 0; i < 3; i++) await client.get('/users').catch(() => undefined);
await client.post('/users', {}).catch(() => undefined);
discovery.fail(new Error('consul unreachable'));
await client.close();
server.close();
