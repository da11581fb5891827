// What observability costs per request, with the network taken out (an instant transport, as in
// request-path.bench.ts): the same balancer with nothing installed, with Prometheus metrics, with
// OpenTelemetry tracing into an SDK that records spans, and with both. Also the cost of a stats() snapshot.
// Prints medians of several runs, and each one's overhead over the uninstrumented call in the same run.
//
//   node --import tsx bench/observe.bench.ts [--requests 100000] [--runs 7]
import { parseArgs } from 'node:util';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import type { CallRequest } from '../lib/call/call.js';
import type { BalancedClient } from '../lib/client/balanced-client.js';
import type { Balancer } from '../lib/client/balancer.js';
import { openTelemetryTracing } from '../lib/observe/opentelemetry-tracing.js';
import { prometheusMetrics } from '../lib/observe/prometheus-metrics.js';
import { instantBalancer, instantClient, sendAll } from './support/instant-client.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '100000' }, runs: { type: 'string', default: '7' } } });
const REQUESTS = Number(values.requests);
const RUNS = Number(values.runs);

/** A client on an instant transport, and its balancer. */
function client(): { balancer: Balancer; client: BalancedClient } {
  const balancer = instantBalancer();
  return { balancer, client: instantClient(balancer) };
}

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const bare = client();
const metered = client();
prometheusMetrics(metered.client, { registry: new Registry() });
const traced = client();
openTelemetryTracing(traced.client, { tracerProvider });
const both = client();
prometheusMetrics(both.client, { registry: new Registry() });
openTelemetryTracing(both.client, { tracerProvider });

const request: CallRequest = {
  request: { method: 'GET', path: '/x', headers: {}, body: undefined, responseType: 'buffer', maxResponseBytes: Infinity, decompress: true },
  url: '/x',
  deadlineMs: 15_000,
  signal: undefined,
};
const contenders: Record<string, () => Promise<unknown>> = {
  'call, nothing installed': () => bare.balancer.call(request),
  'call, prometheus': () => metered.balancer.call(request),
  'call, opentelemetry': () => traced.balancer.call(request),
  'call, both': () => both.balancer.call(request),
};

async function microsPerRequest(send: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await sendAll(REQUESTS, 1, send);
  exporter.reset();
  return ((performance.now() - started) * 1000) / REQUESTS;
}

function microsPerStats(): number {
  const started = performance.now();
  for (let i = 0; i < 10_000; i++) bare.client.stats();
  return ((performance.now() - started) * 1000) / 10_000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

const results: Record<string, number[]> = {};
for (const send of Object.values(contenders)) await microsPerRequest(send); // warm-up
const stats: number[] = [];
for (let run = 0; run < RUNS; run++) {
  for (const [name, send] of Object.entries(contenders)) (results[name] ??= []).push(await microsPerRequest(send));
  stats.push(microsPerStats());
}
await Promise.all([bare, metered, traced, both].map(({ client }) => client.close()));
await tracerProvider.shutdown();

const base = median(results['call, nothing installed']!);
console.log(`observability per request, ${REQUESTS.toLocaleString('en')} sequential calls × ${RUNS} runs, 10 instances, p2c-ewma, Node ${process.version}`);
for (const [name, values] of Object.entries(results)) {
  const m = median(values);
  console.log(`${name.padEnd(26)} ${m.toFixed(2).padStart(6)} µs/request  ${name === 'call, nothing installed' ? '' : `+${(m - base).toFixed(2)} µs (×${(m / base).toFixed(2)})`}`);
}
console.log(`${'stats() of 10 instances'.padEnd(26)} ${median(stats).toFixed(2).padStart(6)} µs/snapshot`);
