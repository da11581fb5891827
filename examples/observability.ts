// `node --import tsx examples/observability.ts`: everything docs/observability.md shows, in one run, with
// no Consul — three local Express instances, one of them failing, a client with a logger, its stats,
// Prometheus metrics, an OpenTelemetry span and the status page. It stops everything it started.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import express from 'express';
import { Registry } from 'prom-client';
import { createClient, staticDiscovery, type Logger } from '../lib/index.js';
import { statusPage } from '../lib/observe/status-page.js'; // published as: import { statusPage } from 'proxyless/express'
import { openTelemetryTracing } from '../lib/observe/opentelemetry-tracing.js'; // 'proxyless/opentelemetry'
import { prometheusMetrics } from '../lib/observe/prometheus-metrics.js'; // 'proxyless/prometheus'

async function listen(app: express.Express | ((req: unknown, res: unknown) => void)): Promise<Server> {
  const server = createServer(app as Parameters<typeof createServer>[0]);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// Three instances of "users"; the third answers 503 to everything.
const instances = await Promise.all(
  [200, 200, 503].map((status, i) => {
    const app = express();
    app.get('/users/:id', (req, res) => res.status(status).json({ id: req.params.id, served: `users-${i + 1}` }));
    return listen(app);
  }),
);

// 1. A logger: pino works as is; here, a console-like one that keeps warnings and errors only.
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (_fields, message) => console.log(`  log warn: ${message}`),
  error: (_fields, message) => console.log(`  log error: ${message}`),
};
const users = createClient({
  service: 'users',
  discovery: staticDiscovery(instances.map(urlOf), { service: 'users' }),
  picker: 'round-robin',
  breaker: { consecutiveFailures: 3, maxEjectionPercent: 34 },
  logger,
});

// 2. Prometheus: the five metrics in a registry of your own (or prom-client's global one).
const registry = new Registry();
prometheusMetrics(users, { registry });

// 3. OpenTelemetry: once the SDK runs, every call is a CLIENT span with its attempts.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
openTelemetryTracing(users, { tracerProvider });

// 4. The status page, beside the app's own routes, and /metrics for Prometheus.
const app = express();
app.use('/lb', statusPage(users));
app.get('/metrics', async (_req, res) => {
  res.type(registry.contentType).send(await registry.metrics());
});
const site = await listen(app);

console.log('sending 30 requests; users-3 answers 503:');
for (let i = 0; i < 30; i++) await users.get(`/users/${i}`);

// 5. stats(): the same data the page shows.
const stats = users.stats();
console.log('\nstats():');
for (const instance of stats.instances) {
  console.log(`  ${instance.port}  ${instance.state.padEnd(9)} attempts ${String(instance.requests).padStart(2)}  failures ${instance.failures}  share ${(instance.share * 100).toFixed(0)} %`);
}
console.log(`  retries ${stats.retries.total} ${JSON.stringify(stats.retries.byReason)}, budget left ${stats.retries.budgetLeft}`);

const metrics = await (await fetch(`${urlOf(site)}/metrics`)).text();
console.log('\nGET /metrics (excerpt):');
for (const line of metrics.split('\n')) if (/^proxyless_(retries_total|instances|breaker_state)\{/.test(line)) console.log(`  ${line}`);

const [span] = exporter.getFinishedSpans().filter((s) => s.events.some((e) => e.name === 'retry'));
console.log('\na traced call that was retried:');
console.log(`  span ${span?.name} ${JSON.stringify(span?.attributes)}`);
for (const event of span?.events ?? []) console.log(`  event ${event.name} ${JSON.stringify(event.attributes)}`);

const page = await fetch(`${urlOf(site)}/lb`);
const status = (await (await fetch(`${urlOf(site)}/lb/status.json`)).json()) as { services: { service: string }[] };
console.log(`\nstatus page: ${urlOf(site)}/lb → ${page.status} ${page.headers.get('content-type')}; status.json lists ${status.services.map((s) => s.service).join(', ')}`);

await users.close();
await tracerProvider.shutdown();
context.disable();
propagation.disable();
for (const server of [site, ...instances]) {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
console.log('\nstopped everything the example started.');
