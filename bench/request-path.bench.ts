// What the client's own path costs per request, with the network taken out: a transport that
// answers at once stands in for axios, so what is left is validation, picking, the breaker, the
// feedback hooks and the promise chain. The alternative measured in the same run is calling that
// transport directly. Prints medians of several runs, the overhead in µs last.
//
//   node --import tsx bench/request-path.bench.ts
import axios, { type AxiosResponse } from 'axios';
import { resolveBreakerOptions } from '../lib/breakers/breaker-options.js';
import { BalancedClient } from '../lib/client/balanced-client.js';
import { systemClock } from '../lib/clock.js';
import type { Instance } from '../lib/discovery/instance.js';
import { createPicker } from '../lib/pickers/create-picker.js';
import { RetryPolicy } from '../lib/retry/retry-policy.js';
import type { Transport } from '../lib/transport/transport.js';
import { FakeDiscovery, instanceAt } from '../test/support/fake-discovery.js';

const REQUESTS = 200_000;
const RUNS = 7;

const response = { status: 200, statusText: 'OK', data: {}, headers: {}, config: {} } as AxiosResponse;
const instantTransport: Transport = {
  send: <T, D>() => Promise.resolve(response as AxiosResponse<T, D>),
  instancesChanged() {},
  close() {},
};
const instances: Instance[] = Array.from({ length: 10 }, (_, i) => instanceAt(1000 + i));

function client(withBreaker: boolean): BalancedClient {
  return new BalancedClient({
    service: 'bench',
    discovery: new FakeDiscovery(instances),
    picker: createPicker('p2c-ewma'),
    breaker: withBreaker ? resolveBreakerOptions() : undefined,
    retry: new RetryPolicy(undefined),
    transport: instantTransport,
    axios: axios.create(),
    discoveryTimeoutMs: 1_000,
    clock: systemClock,
  });
}

async function microsPerRequest(send: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < REQUESTS; i++) await send();
  return ((performance.now() - started) * 1000) / REQUESTS;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

const withBreaker = client(true);
const withoutBreaker = client(false);
const contenders: Record<string, () => Promise<unknown>> = {
  'transport alone': () => instantTransport.send(instances[0]!, { url: '/x' }),
  'client, no breaker': () => withoutBreaker.get('/x'),
  'client (default)': () => withBreaker.get('/x'),
};
const results: Record<string, number[]> = {};
for (const send of Object.values(contenders)) await microsPerRequest(send); // warm-up
for (let run = 0; run < RUNS; run++) {
  for (const [name, send] of Object.entries(contenders)) (results[name] ??= []).push(await microsPerRequest(send));
}
await withBreaker.close();
await withoutBreaker.close();

console.log(`request path, ${REQUESTS.toLocaleString('en')} sequential requests × ${RUNS} runs, 10 instances, p2c-ewma, Node ${process.version}`);
for (const [name, values] of Object.entries(results)) console.log(`${name.padEnd(20)} ${median(values).toFixed(2).padStart(6)} µs/request`);
const base = median(results['transport alone']!);
console.log(
  `client overhead: ${(median(results['client (default)']!) - base).toFixed(2)} µs/request with a breaker, ` +
    `${(median(results['client, no breaker']!) - base).toFixed(2)} µs without (medians)`,
);
