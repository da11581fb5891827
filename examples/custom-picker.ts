// A runnable tour without Consul: three local Express servers, a client over staticDiscovery, a
// custom picker that prefers canaries for one tenant, and the errors a user meets first.
//
//   node --import tsx examples/custom-picker.ts
import type { AddressInfo } from 'node:net';
import express from 'express';
import { AbsoluteUrlError, createClient, createPicker, staticDiscovery, type Picker } from '../lib/index.js';

const servers = await Promise.all(
  ['blue', 'green', 'canary'].map(
    (name) =>
      new Promise<{ name: string; url: string; close: () => void }>((resolve) => {
        const app = express();
        app.get('/hello', (_req, res) => {
          res.json({ from: name });
        });
        const server = app.listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          resolve({ name, url: `http://127.0.0.1:${port}`, close: () => server.close() });
        });
      }),
  ),
);

// staticDiscovery has no tags; a real fleet gets them from Consul. Tag by URL for the example.
const canaryOrigin = servers[2]!.url;
const p2c = createPicker('p2c-ewma');
const tenantCanary: Picker = {
  name: 'tenant-canary',
  pick(instances, context) {
    if (context.header('x-tenant') === 'beta') {
      const canary = instances.find((instance) => instance.origin === canaryOrigin);
      if (canary) return canary;
    }
    return p2c.pick(instances.filter((instance) => instance.origin !== canaryOrigin), context);
  },
  // Let the inner picker keep learning latencies and load.
  onRequestStart: (instance, context) => p2c.onRequestStart?.(instance, context),
  onRequestEnd: (instance, result, context) => p2c.onRequestEnd?.(instance, result, context),
};

const client = createClient({
  service: 'hello',
  discovery: staticDiscovery(servers.map((s) => s.url), { service: 'hello' }),
  picker: tenantCanary,
});

try {
  const seen = new Map<string, number>();
  for (let i = 0; i < 20; i++) {
    const { data } = await client.get<{ from: string }>('/hello');
    seen.set(data.from, (seen.get(data.from) ?? 0) + 1);
  }
  console.log('everyone else:', Object.fromEntries(seen));

  const beta = await client.get<{ from: string }>('/hello', { headers: { 'x-tenant': 'beta' } });
  console.log('tenant beta:  ', beta.data.from);

  await client.get(`${servers[0]!.url}/hello`).catch((error: unknown) => {
    if (error instanceof AbsoluteUrlError) console.log('absolute URL: ', error.code);
  });
} finally {
  await client.close();
  for (const server of servers) server.close();
}
