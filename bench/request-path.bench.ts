// What the client's own path costs per request, with the network taken out: a transport that answers at
// once stands in for the wire, so what is left is the call (deadline timer, budget, retry bookkeeping),
// the health layer (breaker admission and recording), the picker and its feedback. Alternatives measured
// in the same run: the transport called alone, and axios with an adapter that answers at once (what the
// axios facade costs before the balancer adds anything). The cost is the process's CPU time per request,
// not the wall clock: on a shared machine the wall clock counts the time other processes held the cores.
// Runs alternate between contenders; medians of several runs, overheads last. Then each contender runs once
// more under V8's sampling heap profiler for the bytes it allocates per request, garbage included. `--concurrency 32` keeps
// that many requests in flight, as a busy client does (calls then share their deadline timer).
//
//   node --import tsx bench/request-path.bench.ts [--concurrency 1] [--requests 200000] [--runs 7]
import { parseArgs } from 'node:util';
import axios from 'axios';
import type { CallRequest } from '../lib/call/call.js';
import { AttemptSignal } from '../lib/transport/attempt-signal.js';
import { bytesPerCall } from './support/allocation.js';
import { instantBalancer, instantClient, instantInstances, instantTransport, sendAll } from './support/instant-client.js';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '1' },
    requests: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '7' },
  },
});
const REQUESTS = Number(values.requests);
const RUNS = Number(values.runs);
/** Calls per contender under the sampling heap profiler. */
const ALLOCATION_CALLS = 5_000;
const CONCURRENCY = Number(values.concurrency);

async function microsPerRequest(send: () => Promise<unknown>): Promise<number> {
  const started = process.cpuUsage();
  await sendAll(REQUESTS, CONCURRENCY, send);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / REQUESTS;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

const plain = instantBalancer({ breaker: false });
const guarded = instantBalancer();
const client = instantClient(instantBalancer());
const bareAxios = axios.create({ adapter: async (config) => ({ data: '{}', status: 200, statusText: 'OK', headers: {}, config }) });
const request: CallRequest = {
  request: { method: 'GET', path: '/x', headers: {}, body: undefined, responseType: 'buffer', maxResponseBytes: Infinity, decompress: true },
  url: '/x',
  deadlineMs: 15_000,
  signal: undefined,
};
const contenders: Record<string, () => Promise<unknown>> = {
  'transport alone': () => instantTransport.send(instantInstances[0]!, request.request, new AttemptSignal()),
  'call, no breaker': () => plain.call(request),
  'call (default)': () => guarded.call(request),
  'axios, instant adapter': () => bareAxios.get('/x'),
  'client.get (default)': () => client.get('/x'),
  'client.fetch (default)': async () => (await client.fetch('/x')).arrayBuffer(),
  'client.send (default)': () => client.send({ path: '/x' }),
};
const results: Record<string, number[]> = {};
for (const send of Object.values(contenders)) await microsPerRequest(send); // warm-up
for (let run = 0; run < RUNS; run++) {
  for (const [name, send] of Object.entries(contenders)) (results[name] ??= []).push(await microsPerRequest(send));
}
// Apart from the timed runs: the sampling profiler slows what it watches.
const allocated: Record<string, number> = {};
for (const [name, send] of Object.entries(contenders)) allocated[name] = await bytesPerCall(ALLOCATION_CALLS, CONCURRENCY, send);
await Promise.all([plain.close(), guarded.close(), client.close()]);

const m = (name: string): number => median(results[name]!);
const kib = (name: string): string => `${((allocated[name] ?? 0) / 1024).toFixed(1)} KiB`;
console.log(
  `request path, ${REQUESTS.toLocaleString('en')} requests × ${RUNS} runs, ${CONCURRENCY} in flight, 10 instances, p2c-ewma, Node ${process.version}`,
);
for (const name of Object.keys(results)) {
  console.log(`${name.padEnd(24)} ${m(name).toFixed(2).padStart(6)} µs CPU/request  ${Math.round(allocated[name] ?? 0).toLocaleString('en').padStart(6)} bytes allocated/request`);
}
console.log(
  `balancer overhead: ${(m('call (default)') - m('transport alone')).toFixed(2)} µs/request with breakers, budget and deadline; ` +
    `${(m('call, no breaker') - m('transport alone')).toFixed(2)} µs without breakers; ` +
    `the axios facade adds ${(m('client.get (default)') - m('call (default)')).toFixed(2)} µs, of which axios itself ${(m('axios, instant adapter')).toFixed(2)} µs; ` +
    `client.get / axios alone: ${(m('client.get (default)') / m('axios, instant adapter')).toFixed(2)}×; ` +
    `client.send adds ${(m('client.send (default)') - m('call (default)')).toFixed(2)} µs to the call, client.fetch ${(m('client.fetch (default)') - m('call (default)')).toFixed(2)} µs (medians); ` +
    `the call allocates ${kib('call (default)')} per request, client.send ${kib('client.send (default)')}, client.get ${kib('client.get (default)')} (axios alone ${kib('axios, instant adapter')})`,
);
