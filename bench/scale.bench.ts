// What grows, and what does not. Three parts:
// 1. pick cost from 10 to 100,000 instances, for round-robin, least-request and p2c-ewma: ns per pick (a
//    first attempt with its start and end hooks), median of 5 tight loops — against the same loop over 10
//    instances, so the ratio says how cost grows with the fleet;
// 2. heap per client: 200 clients of a 10-instance service, after a forced collection;
// 3. heap after 1M requests through one client, its transport answering at once: measured every 250,000
//    requests after a forced collection — it must stay flat (nothing per request is kept).
// Heap per 1,000 instances of a Consul service: bench/discovery-scale.bench.ts.
//
//   node --import tsx bench/scale.bench.ts [--requests 1000000]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createClient } from '../lib/client/create-client.js';
import type { Instance } from '../lib/discovery/instance.js';
import { staticDiscovery } from '../lib/discovery/static-discovery.js';
import { createPicker } from '../lib/pickers/create-picker.js';
import type { PickContext, RequestResult } from '../lib/pickers/picker.js';
import { instanceAt } from '../test/support/fake-discovery.js';
import { instantBalancer, instantClient, sendAll } from './support/instant-client.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '1000000' } } });
const REQUESTS = Number(values.requests);
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const heapAfterCollection = (): number => {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
};
const median = (list: readonly number[]): number => [...list].sort((a, b) => a - b)[list.length >> 1] as number;

// 1. Pick cost by fleet size.
const sizes = [10, 100, 1_000, 10_000, 100_000];
const pickers = ['round-robin', 'least-request', 'p2c-ewma'] as const;
const success: RequestResult = { latencyMs: 5, outcome: 'success', status: 200 };
const pickNs: Record<string, Record<number, number>> = {};
for (const name of pickers) {
  pickNs[name] = {};
  for (const size of sizes) {
    const fleet: readonly Instance[] = Object.freeze(Array.from({ length: size }, (_, i) => instanceAt(20_000 + i)));
    const context: PickContext = { service: 'bench', method: 'GET', url: '/', attempt: 1, members: fleet, tried: () => false, header: () => undefined };
    const picker = createPicker(name);
    const loop = (count: number): void => {
      for (let i = 0; i < count; i++) {
        const chosen = picker.pick(fleet, context) as Instance;
        picker.onRequestStart?.(chosen, context);
        picker.onRequestEnd?.(chosen, success, context);
      }
    };
    loop(50_000);
    const runs: number[] = [];
    for (let run = 0; run < 5; run++) {
      const started = process.hrtime.bigint();
      loop(200_000);
      runs.push(Number(process.hrtime.bigint() - started) / 200_000);
    }
    (pickNs[name] as Record<number, number>)[size] = median(runs);
  }
}
console.log('ns per pick (with its hooks), by instances in the set:');
console.log(`${'picker'.padEnd(16)}${sizes.map((size) => String(size).padStart(10)).join('')}   100,000 ÷ 10`);
for (const name of pickers) {
  const row = pickNs[name] as Record<number, number>;
  console.log(`${name.padEnd(16)}${sizes.map((size) => (row[size] as number).toFixed(0).padStart(10)).join('')}   ${((row[100_000] as number) / (row[10] as number)).toFixed(2)}×`);
}

// 2. Heap per client.
const origins = Array.from({ length: 10 }, (_, i) => `http://127.0.0.1:${30_000 + i}`);
const before = heapAfterCollection();
const clients = Array.from({ length: 200 }, () => createClient({ service: 'bench', discovery: staticDiscovery(origins) }));
await Promise.all(clients.map((client) => client.ready()));
const perClientKiB = (heapAfterCollection() - before) / clients.length / 1024;
await Promise.all(clients.map((client) => client.close()));
console.log(`\nheap per client (10 instances, default options): ${perClientKiB.toFixed(1)} KiB (200 clients)`);

// 3. Heap over 1M requests.
const client = instantClient(instantBalancer());
await client.ready();
const checkpoints: { requests: number; heapMiB: number }[] = [{ requests: 0, heapMiB: heapAfterCollection() / 2 ** 20 }];
const step = REQUESTS / 4;
for (let done = 0; done < REQUESTS; ) {
  await sendAll(step, 32, () => client.get('/x'));
  done += step;
  checkpoints.push({ requests: done, heapMiB: heapAfterCollection() / 2 ** 20 });
}
await client.close();
console.log(`\nheap after a forced collection, every ${step.toLocaleString('en')} requests through client.get:`);
console.log(checkpoints.map((point) => `${point.requests.toLocaleString('en')}: ${point.heapMiB.toFixed(2)} MiB`).join('   '));
const growthMiB = (checkpoints.at(-1)?.heapMiB ?? 0) - (checkpoints[1]?.heapMiB ?? 0);
if (process.env.BENCH_RESULT_FILE !== undefined) writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify({ sizes, pickNs, perClientKiB, checkpoints }, null, 2));
console.log(
  `\npick cost at 100,000 instances is ${((pickNs['p2c-ewma'] as Record<number, number>)[100_000] as number).toFixed(0)} ns for p2c-ewma ` +
    `(${(((pickNs['p2c-ewma'] as Record<number, number>)[100_000] as number) / ((pickNs['p2c-ewma'] as Record<number, number>)[10] as number)).toFixed(2)}× its cost at 10); ` +
    `a client holds ${perClientKiB.toFixed(1)} KiB; the heap moved ${growthMiB >= 0 ? '+' : ''}${growthMiB.toFixed(2)} MiB from ${step.toLocaleString('en')} to ${REQUESTS.toLocaleString('en')} requests`,
);
