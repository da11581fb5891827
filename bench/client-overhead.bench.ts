// What proxyless costs per request against what a user would pick instead, on the same real Express
// instances (each in its own process): bare axios with a keep-alive agent, undici's `request` on a `Pool`
// per instance (round-robin between them when there are several), undici's own `BalancedPool`, and
// proxyless on the axios transport and on the undici transport (default picker, breakers, retries on), plus
// its `fetch` and `send`. Each contender reads and parses the JSON body. Rounds alternate, in an order rotated each
// round so that all see the same machine noise; medians of the rounds, then ratios, are printed last.
//
//   node --import tsx bench/client-overhead.bench.ts [--rounds 6] [--seconds 2] [--concurrency 32] [--instances 1]
import { Agent } from 'node:http';
import { parseArgs } from 'node:util';
import axios, { type AxiosInstance } from 'axios';
import { BalancedPool, Pool } from 'undici';
import { createClient } from '../lib/client/create-client.js';
import { staticDiscovery } from '../lib/discovery/static-discovery.js';
import { startFleet } from '../test/support/instance-process.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '32' },
    instances: { type: 'string', default: '1' },
  },
});
const rounds = Number(values.rounds);
const durationMs = Number(values.seconds) * 1000;
const concurrency = Number(values.concurrency);
const instanceCount = Number(values.instances);

interface RoundResult {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

type Send = () => Promise<unknown>;

/** Closed loop: `concurrency` callers, each sending its next request when the last one answered. */
async function round(send: Send): Promise<RoundResult> {
  const latencies: number[] = [];
  const deadline = performance.now() + durationMs;
  let failures = 0;
  let firstFailure: unknown;
  const caller = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const started = performance.now();
      try {
        await send();
        latencies.push(performance.now() - started);
      } catch (error) {
        failures++;
        firstFailure ??= error;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, caller));
  const elapsed = performance.now() - started;
  if (failures > 0) throw new Error(`${failures} requests failed during a round`, { cause: firstFailure });
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: (latencies.length / elapsed) * 1000,
    p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Takes the next of `items` on each call: the bare clients' balancing, the least any balancer does. */
function rotating<T>(items: readonly T[]): () => T {
  let next = 0;
  return () => items[next++ % items.length]!;
}

const fleet = await startFleet(instanceCount, { service: 'bench' });
const urls = fleet.map((instance) => instance.url);
const agent = new Agent({ keepAlive: true });
const nextAxios = rotating<AxiosInstance>(urls.map((url) => axios.create({ baseURL: url, httpAgent: agent })));
const pools = urls.map((url) => new Pool(url));
const nextPool = rotating(pools);
const balancedPool = new BalancedPool(urls);
const onAxios = createClient({ service: 'bench', discovery: staticDiscovery(urls, { service: 'bench' }) });
const onUndici = createClient({ service: 'bench', transport: 'undici', discovery: staticDiscovery(urls, { service: 'bench' }) });

const contenders = {
  axios: () => nextAxios().get('/whoami'),
  'undici request': async () => (await nextPool().request({ path: '/whoami', method: 'GET' })).body.json(),
  'undici BalancedPool': async () => (await balancedPool.request({ path: '/whoami', method: 'GET' })).body.json(),
  'proxyless (axios transport)': () => onAxios.get('/whoami'),
  'proxyless (undici transport)': () => onUndici.get('/whoami'),
  'proxyless fetch (undici)': async () => (await onUndici.fetch('/whoami')).json(),
  'proxyless send (undici)': async () => JSON.parse((await onUndici.send({ path: '/whoami' })).body.toString('utf8')) as unknown,
} satisfies Record<string, Send>;
type Contender = keyof typeof contenders;
const names = Object.keys(contenders) as Contender[];
const results = Object.fromEntries(names.map((name) => [name, [] as RoundResult[]])) as Record<Contender, RoundResult[]>;

try {
  console.log(
    `client overhead: ${rounds} rounds of ${durationMs} ms per contender, ${concurrency} concurrent callers, ` +
      `${instanceCount} Express instance${instanceCount === 1 ? '' : 's'}, Node ${process.version}`,
  );
  // Warm-up: JIT, sockets, the picker's latency estimate.
  for (const name of names) await round(contenders[name]);
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]!);
    for (const name of order) {
      const result = await round(contenders[name]);
      results[name].push(result);
      console.log(`round ${r + 1} ${name.padEnd(28)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms`);
    }
  }
  const summary = (name: Contender) => ({
    rps: median(results[name].map((r) => r.requestsPerSecond)),
    p50: median(results[name].map((r) => r.p50)),
    p99: median(results[name].map((r) => r.p99)),
  });
  const axiosRps = summary('axios').rps;
  const undiciRps = summary('undici request').rps;
  console.log('');
  console.log('| client | req/s (median) | p50 ms | p99 ms | vs axios | vs undici request |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const name of names) {
    const s = summary(name);
    console.log(`| ${name} | ${s.rps.toFixed(0)} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${(s.rps / axiosRps).toFixed(2)}× | ${(s.rps / undiciRps).toFixed(2)}× |`);
  }
  console.log('');
  console.log(
    `proxyless (undici transport) / undici request: ${(summary('proxyless (undici transport)').rps / undiciRps).toFixed(3)}×; ` +
      `proxyless (axios transport) / axios: ${(summary('proxyless (axios transport)').rps / axiosRps).toFixed(3)}× (medians of ${rounds} rounds)`,
  );
} finally {
  await Promise.all([onAxios.close(), onUndici.close(), balancedPool.destroy(), ...pools.map((pool) => pool.destroy())]);
  agent.destroy();
  await fleet.stopAll();
}
