// Consul discovery at scale, against a real Consul agent (`consul agent -dev`, found or fetched as the tests
// do). Two parts, each beside an alternative measured in the same run:
//
// 1. 200 clients of 20 services in one process: the watches, sockets and requests they cost Consul, shared
//    (what createClient does) against one watch per client.
// 2. One client following a 10,000-instance service: the time from a change in Consul to the new set in the
//    client (median of several updates), what of it is proxyless's own work (parse, compare, build the set)
//    against parsing the answer alone and against rebuilding every instance, and the memory per instance.
//
//   node --expose-gc --import tsx bench/discovery-scale.bench.ts
import { createClient } from '../lib/client/create-client.js';
import type { BalancedClient } from '../lib/client/balanced-client.js';
import { ConsulDiscovery } from '../lib/discovery/consul-discovery.js';
import { emptySnapshot, nextInstanceSnapshot, type InstanceSnapshot } from '../lib/discovery/consul-health-entries.js';
import type { DiscoverySubscription } from '../lib/discovery/discovery.js';
import type { Instance } from '../lib/discovery/instance.js';
import { ConsulWatchRegistry, consulWatchRegistry } from '../lib/discovery/consul-watch-registry.js';
import { startConsul, type ConsulAgent } from '../test/support/consul-agent.js';

const SERVICES = 20;
const CLIENTS_PER_SERVICE = 10;
const INSTANCES = 10_000;
const UPDATES = 9;
const PARSE_RUNS = 9;

const gc = (globalThis as { gc?: () => void }).gc;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tcpSockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;

const consul = await startConsul();
try {
  // The big service first: after part 1, Consul 1.8 keeps the closed watches' blocking queries running for
  // the rest of their waits (seconds), and those count against its 200 connections per client host.
  await bigService(consul);
  await sharing(consul);
} finally {
  await consul.stop();
}

async function sharing(agent: ConsulAgent): Promise<void> {
  const services = Array.from({ length: SERVICES }, (_, i) => `svc-${i}`);
  for (const [i, service] of services.entries()) {
    await agent.registerService({ id: `${service}-1`, name: service, port: 9000 + i, address: '127.0.0.1' });
  }
  const at = { host: agent.host, port: agent.port };
  const sockets = tcpSockets();

  let started = performance.now();
  const clients: BalancedClient[] = [];
  for (let copy = 0; copy < CLIENTS_PER_SERVICE; copy++) for (const service of services) clients.push(createClient({ service, consul: at }));
  await Promise.all(clients.map((client) => client.ready()));
  const sharedReadyMs = performance.now() - started;
  await sleep(5_000);
  const shared = {
    watches: consulWatchRegistry.watches().length,
    sockets: tcpSockets() - sockets,
    requests: consulWatchRegistry.watches().reduce((sum, watch) => sum + watch.requests, 0),
  };
  await Promise.all(clients.map((client) => client.close()));

  started = performance.now();
  const registries: ConsulWatchRegistry[] = [];
  const subscriptions: DiscoverySubscription[] = [];
  const firstSets: Promise<void>[] = [];
  for (let copy = 0; copy < CLIENTS_PER_SERVICE; copy++) {
    for (const service of services) {
      const registry = new ConsulWatchRegistry();
      registries.push(registry);
      firstSets.push(
        new Promise((resolve) => {
          subscriptions.push(new ConsulDiscovery({ service, consul: at }, { registry }).subscribe({ onInstances: () => resolve(), onError: () => undefined }));
        }),
      );
    }
  }
  await Promise.all(firstSets);
  const unsharedReadyMs = performance.now() - started;
  await sleep(5_000);
  const unshared = {
    watches: registries.reduce((sum, registry) => sum + registry.watches().length, 0),
    sockets: tcpSockets() - sockets,
    requests: registries.reduce((sum, registry) => sum + registry.watches().reduce((total, watch) => total + watch.requests, 0), 0),
  };
  for (const subscription of subscriptions) subscription.close();

  console.log(`${SERVICES * CLIENTS_PER_SERVICE} clients of ${SERVICES} services in one process, Consul ${agent.address}, Node ${process.version}`);
  console.log(`                         watches  sockets  requests in the first 5 s  all ready in`);
  for (const [name, figures, ms] of [
    ['shared (createClient)', shared, sharedReadyMs],
    ['one watch per client', unshared, unsharedReadyMs],
  ] as const) {
    console.log(
      `${name.padEnd(24)} ${String(figures.watches).padStart(7)}  ${String(figures.sockets).padStart(7)}  ${String(figures.requests).padStart(25)}  ${ms.toFixed(0).padStart(9)} ms`,
    );
  }
  console.log(`sharing: ${(unshared.requests / shared.requests).toFixed(1)}× fewer requests, ${(unshared.sockets / Math.max(1, shared.sockets)).toFixed(1)}× fewer sockets`);
}

async function bigService(agent: ConsulAgent): Promise<void> {
  let started = performance.now();
  await registerMany(agent, INSTANCES);
  const registerMs = performance.now() - started;

  const sets: { at: number; instances: readonly Instance[] }[] = [];
  let wake: (() => void) | undefined;
  const discovery = new ConsulDiscovery({ service: 'big', consul: { host: agent.host, port: agent.port } }, { registry: new ConsulWatchRegistry() });
  started = performance.now();
  const subscription = discovery.subscribe({
    onInstances: (instances) => {
      sets.push({ at: performance.now(), instances });
      wake?.();
    },
    onError: (error) => console.error(error.message),
  });
  const next = (count: number) =>
    new Promise<void>((resolve) => {
      if (sets.length >= count) return resolve();
      wake = () => {
        if (sets.length >= count) resolve();
      };
    });
  await next(1);
  const firstSetMs = performance.now() - started;

  // Updates: one more instance each time, timed from the PUT to the set in the client.
  const updateMs: number[] = [];
  for (let u = 0; u < UPDATES; u++) {
    await sleep(300);
    const sent = performance.now();
    await agent.api('PUT', '/v1/catalog/register', {
      Node: 'bench-0',
      Address: '10.1.0.0',
      Service: { ID: `extra-${u}`, Service: 'big', Port: 30000 + u, Address: '10.3.0.1' },
    });
    await next(u + 2);
    updateMs.push(sets.at(-1)!.at - sent);
  }
  const last = sets.at(-1)!.instances;
  const count = sets[0]!.instances.length;
  const firstIds = new Set(sets[0]!.instances);
  const unchanged = last.filter((instance) => firstIds.has(instance)).length;
  // Memory: what the heap gives back when the watch and the sets it delivered go (measured by freeing,
  // since a heap that grew to parse 9 MB does not shrink back to where it was).
  sets.length = 0;
  firstIds.clear();
  const watchBytes = await freed(() => subscription.close());

  // Consul's part: the answer itself, fetched as a plain HTTP client would.
  const fetchMs: number[] = [];
  let text = '';
  for (let run = 0; run < PARSE_RUNS; run++) {
    const t = performance.now();
    text = await (await fetch(`http://${agent.address}/v1/health/service/big?passing=1`)).text();
    fetchMs.push(performance.now() - t);
  }

  // proxyless's own part of an update, on the very answer Consul gives, beside two alternatives.
  const options = { includeWarning: false };
  const previous: InstanceSnapshot = nextInstanceSnapshot('big', JSON.parse(text), emptySnapshot, options)!;
  const body = JSON.parse(text) as unknown[];
  const timings: Record<string, number[]> = {
    'JSON.parse of the answer': [],
    'compare with the set before': [],
    'rebuild every instance': [],
  };
  for (let run = 0; run < PARSE_RUNS; run++) {
    let t = performance.now();
    JSON.parse(text);
    timings['JSON.parse of the answer']!.push(performance.now() - t);
    t = performance.now();
    nextInstanceSnapshot('big', body, previous, options);
    timings['compare with the set before']!.push(performance.now() - t);
    t = performance.now();
    nextInstanceSnapshot('big', body, emptySnapshot, options);
    timings['rebuild every instance']!.push(performance.now() - t);
  }

  // The alternative: Consul's answer kept as parsed.
  let kept: unknown[] | undefined = JSON.parse(text) as unknown[];
  const parsedBytes = await freed(() => {
    kept = undefined;
  });
  void kept;

  console.log(`one client following a ${count.toLocaleString('en')}-instance service (registered in ${registerMs.toFixed(0)} ms; answer ${(text.length / 1e6).toFixed(1)} MB)`);
  console.log(`first set delivered in ${firstSetMs.toFixed(0)} ms`);
  console.log(`an update, from the PUT to the new set in the client: median ${median(updateMs).toFixed(0)} ms over ${UPDATES} (min ${Math.min(...updateMs).toFixed(0)}, max ${Math.max(...updateMs).toFixed(0)})`);
  console.log(`  of which Consul answering the whole list (a plain fetch): median ${median(fetchMs).toFixed(0)} ms`);
  for (const [name, values] of Object.entries(timings)) console.log(`  ${name.padEnd(30)} ${median(values).toFixed(1).padStart(7)} ms (median of ${PARSE_RUNS})`);
  const compare = median(timings['compare with the set before']!);
  console.log(
    `proxyless's own work per update beyond JSON.parse: ${compare.toFixed(1)} ms (${((compare * 1000) / count).toFixed(2)} µs per instance), ` +
      `${(median(timings['rebuild every instance']!) / compare).toFixed(1)}× less than rebuilding every instance`,
  );
  console.log(`instances kept as the same objects across the updates: ${unchanged.toLocaleString('en')} of ${count.toLocaleString('en')}`);
  if (gc) {
    const perInstance = watchBytes / count;
    console.log(
      `memory: ${perInstance.toFixed(0)} bytes of heap per instance followed, against ${(parsedBytes / count).toFixed(0)} for Consul's answer kept as parsed ` +
        `(${(parsedBytes / watchBytes).toFixed(1)}×)`,
    );
  } else console.log('memory: run with --expose-gc to measure the heap per instance');
  console.log('');
}

/** The heap `release` gives back, after full collections. */
async function freed(release: () => void): Promise<number> {
  if (gc === undefined) return Number.NaN;
  for (let i = 0; i < 3; i++) gc();
  const before = process.memoryUsage().heapUsed;
  release();
  await sleep(100);
  for (let i = 0; i < 3; i++) gc();
  return before - process.memoryUsage().heapUsed;
}

/** Registers `count` instances of service "big" on 100 made-up nodes, 64 catalog operations per transaction. */
async function registerMany(agent: ConsulAgent, count: number): Promise<void> {
  const nodes = 100;
  const operations: unknown[] = [];
  for (let n = 0; n < nodes; n++) operations.push({ Node: { Verb: 'set', Node: { Node: `bench-${n}`, Address: `10.1.0.${n}`, Datacenter: 'dc1' } } });
  for (let i = 0; i < count; i++) {
    operations.push({
      Service: {
        Verb: 'set',
        Node: `bench-${i % nodes}`,
        Service: { ID: `big-${i}`, Service: 'big', Port: 20000 + (i % 10_000), Address: `10.2.${i >> 8}.${i & 255}`, Tags: ['v1'], Meta: { version: '1' } },
      },
    });
  }
  for (let start = 0; start < operations.length; start += 64) await agent.api('PUT', '/v1/txn', operations.slice(start, start + 64));
}
