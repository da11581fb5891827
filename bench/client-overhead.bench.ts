// What proxyless costs per request: the same Express instance (in its own process) is called by bare
// axios with a keep-alive agent, by axios tuned as proxyless sends (no redirect following, no proxy
// lookup), and by a proxyless client (default picker, breaker and retry on), in rotating rounds so
// all see the same machine noise. Prints medians and the ratios last.
//
//   node --import tsx bench/client-overhead.bench.ts [--rounds 6] [--seconds 2] [--concurrency 32]
import { Agent } from 'node:http';
import { parseArgs } from 'node:util';
import axios from 'axios';
import { createClient } from '../lib/client/create-client.js';
import { staticDiscovery } from '../lib/discovery/static-discovery.js';
import { startInstance } from '../test/support/instance-process.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '32' },
  },
});
const rounds = Number(values.rounds);
const durationMs = Number(values.seconds) * 1000;
const concurrency = Number(values.concurrency);

interface RoundResult {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

type Send = () => Promise<unknown>;

/** Closed loop: `concurrency` callers, each sending its next request when the last one answers. */
async function round(send: Send): Promise<RoundResult> {
  const latencies: number[] = [];
  const deadline = performance.now() + durationMs;
  let failures = 0;
  const caller = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const started = performance.now();
      try {
        await send();
        latencies.push(performance.now() - started);
      } catch {
        failures++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, caller));
  const elapsed = performance.now() - started;
  if (failures > 0) throw new Error(`${failures} requests failed during a round`);
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

const server = await startInstance({ service: 'bench' });
const agent = new Agent({ keepAlive: true });
const bare = axios.create({ baseURL: server.url, httpAgent: agent });
const tuned = axios.create({ baseURL: server.url, httpAgent: agent, maxRedirects: 0, proxy: false });
const balanced = createClient({ service: 'bench', discovery: staticDiscovery([server.url], { service: 'bench' }) });

const contenders = {
  axios: () => bare.get('/whoami'),
  'axios-tuned': () => tuned.get('/whoami'),
  proxyless: () => balanced.get('/whoami'),
} satisfies Record<string, Send>;
type Contender = keyof typeof contenders;
const names = Object.keys(contenders) as Contender[];
const results: Record<Contender, RoundResult[]> = { axios: [], 'axios-tuned': [], proxyless: [] };

try {
  console.log(`client overhead: ${rounds} rounds of ${durationMs} ms each, ${concurrency} concurrent callers, Node ${process.version}`);
  // Warm-up: JIT, sockets, the picker's latency estimate.
  for (const name of names) await round(contenders[name]);
  for (let r = 0; r < rounds; r++) {
    // Rotate the order so no contender always runs first or last.
    const order = names.map((_, i) => names[(i + r) % names.length]!);
    for (const name of order) {
      const result = await round(contenders[name]);
      results[name].push(result);
      console.log(`round ${r + 1} ${name.padEnd(11)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms`);
    }
  }
  const summary = (name: Contender) => ({
    rps: median(results[name].map((r) => r.requestsPerSecond)),
    p50: median(results[name].map((r) => r.p50)),
    p99: median(results[name].map((r) => r.p99)),
  });
  const a = summary('axios');
  const t = summary('axios-tuned');
  const p = summary('proxyless');
  console.log('');
  console.log('| client | req/s (median) | p50 ms | p99 ms |');
  console.log('|---|---:|---:|---:|');
  console.log(`| axios (keep-alive) | ${a.rps.toFixed(0)} | ${a.p50.toFixed(2)} | ${a.p99.toFixed(2)} |`);
  console.log(`| axios (keep-alive, maxRedirects 0, proxy false) | ${t.rps.toFixed(0)} | ${t.p50.toFixed(2)} | ${t.p99.toFixed(2)} |`);
  console.log(`| proxyless | ${p.rps.toFixed(0)} | ${p.p50.toFixed(2)} | ${p.p99.toFixed(2)} |`);
  console.log('');
  console.log(`proxyless / axios throughput: ${(p.rps / a.rps).toFixed(3)}x; proxyless / tuned axios: ${(p.rps / t.rps).toFixed(3)}x (medians of ${rounds} rounds)`);
} finally {
  await balanced.close();
  agent.destroy();
  await server.stop();
}
