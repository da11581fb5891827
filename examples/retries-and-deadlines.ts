// The call model in one run, without Consul: three local Express instances, one of them failing, and a
// client that retries what is safe to retry, refuses to repeat what is not, reports every attempt of a
// failed request, and gives up at the request's deadline — through axios's interface, then through
// client.send. docs/getting-started.md walks through it.
//
//   node --import tsx examples/retries-and-deadlines.ts
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { callReportOf, createClient, staticDiscovery, type CallReport } from '../lib/index.js';

// blue and green answer; red answers 503 to everything. Every instance takes 2 s over GET /slow.
const colours = ['blue', 'green', 'red'];
const servers = await Promise.all(
  colours.map((name) => {
    const app = express();
    app.use((_req, res, next) => (name === 'red' ? res.status(503).json({ from: name }) : next()));
    app.get('/hello', (_req, res) => res.json({ from: name }));
    app.post('/orders', (_req, res) => res.status(201).json({ from: name }));
    app.get('/slow', (_req, res) => {
      const timer = setTimeout(() => res.json({ from: name }), 2_000);
      res.on('close', () => clearTimeout(timer));
    });
    return new Promise<Server>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server));
    });
  }),
);
const names = new Map(servers.map((server, i) => [`http://127.0.0.1:${(server.address() as AddressInfo).port}`, colours[i]!]));
const nameOf = (origin: string) => names.get(origin) ?? origin;
const attempts = (report: CallReport | undefined) =>
  report?.attempts.map((a) => `${nameOf(a.instance.origin)} ${a.status ?? a.outcome} in ${Math.round(a.durationMs)} ms`).join(', ');

const client = createClient({
  service: 'hello',
  discovery: staticDiscovery([...names.keys()], { service: 'hello' }),
  // Round-robin gives red its turn every third request; the default picker would learn to avoid it.
  picker: 'round-robin',
});

// Every decision is an event; a payload is built only for an event with a listener.
client.on('retry', ({ method, url, after, delayMs }) =>
  console.log(`  event retry: ${method} ${url} got ${after.status ?? after.outcome} from ${nameOf(after.instance.origin)}; again in ${Math.round(delayMs)} ms`),
);
client.on('notRetried', ({ method, url, reason }) => console.log(`  event notRetried: ${method} ${url}: ${reason}`));

try {
  console.log('4 GETs (idempotent: a 503 goes to another instance):');
  for (let i = 0; i < 4; i++) {
    const { data } = await client.get<{ from: string }>('/hello');
    console.log(`  GET /hello → ${data.from}`);
  }

  console.log('3 POSTs (not idempotent: a 503 may mean it was applied, so it is not repeated):');
  for (let i = 0; i < 3; i++) {
    try {
      const { data } = await client.post<{ from: string }>('/orders', { item: i });
      console.log(`  POST /orders → ${data.from}`);
    } catch (error) {
      const report = callReportOf(error);
      console.log(`  POST /orders failed; attempts: ${attempts(report)}; not retried: ${report?.notRetried}`);
    }
  }

  console.log('3 POSTs with an Idempotency-Key (the server deduplicates, so they may be repeated):');
  for (let i = 0; i < 3; i++) {
    const response = await client.post<{ from: string }>('/orders', { item: i }, { headers: { 'Idempotency-Key': `order-${i}` } });
    console.log(`  POST /orders → ${response.data.from}`);
  }

  console.log('a deadline: timeout is the whole call, retries included:');
  const started = performance.now();
  await client.get('/slow', { timeout: 300 }).catch((error: unknown) => {
    const { code, message } = error as { code?: string; message: string };
    console.log(`  GET /slow → ${code} "${message}" after ${Math.round(performance.now() - started)} ms; attempts: ${attempts(callReportOf(error))}`);
  });

  console.log('the same route without axios: client.send (every status resolves; failures are typed):');
  for (let i = 0; i < 3; i++) {
    const response = await client.send({ path: '/hello' });
    const { from } = JSON.parse(response.body.toString('utf8')) as { from: string };
    console.log(`  send GET /hello → ${response.status} from ${from}`);
  }
  await client.send({ path: '/slow', deadlineMs: 300 }).catch((error: unknown) => {
    const { name, code } = error as { name: string; code?: string };
    console.log(`  send GET /slow → ${name} (${code}); attempts: ${attempts(callReportOf(error))}`);
  });
} finally {
  await client.close({ timeoutMs: 1_000 });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  console.log('stopped everything the example started.');
}
