// How fast a change in Consul reaches the picker's view: a real Consul agent (`consul agent -dev`), one client
// following a service of four instances; an instance is registered, then deregistered, again and again. For each
// change, the time from Consul accepting it (the agent API's answer) to the client's `instancesChanged` event
// holding it — beside a bare blocking query on the same endpoint, the floor any Consul watcher has, measured on
// the same changes. Medians and p99 over every change.
//
//   node --import tsx bench/discovery-changes.bench.ts [--changes 30] [--gap-ms 600]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createClient } from '../lib/client/create-client.js';
import { startConsul } from '../test/support/consul-agent.js';

const { values } = parseArgs({ options: { changes: { type: 'string', default: '30' }, 'gap-ms': { type: 'string', default: '600' } } });
const CHANGES = Number(values.changes);
const GAP_MS = Number(values['gap-ms']);
const service = 'changes';

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
const summary = (values: readonly number[]): { median: number; p99: number } => {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
};

const consul = await startConsul();
const client = createClient({ service, consul: { host: consul.host, port: consul.port } });
let stopWatching = false;
const stopBare = new AbortController();
try {
  for (let i = 0; i < 4; i++) await consul.registerService({ id: `${service}-${i}`, name: service, port: 10_000 + i });
  await client.ready();

  // The bare watcher: one blocking query after another, noting when each answer arrives and what it holds.
  const bareSeen: { at: number; ids: Set<string> }[] = [];
  const bare = (async () => {
    let index = '0';
    while (!stopWatching) {
      const response = await fetch(`http://${consul.address}/v1/health/service/${service}?passing=1&index=${index}&wait=30s`, { signal: stopBare.signal }).catch(() => undefined);
      if (response === undefined) break;
      index = response.headers.get('x-consul-index') ?? index;
      const entries = (await response.json()) as { Service: { ID: string } }[];
      bareSeen.push({ at: performance.now(), ids: new Set(entries.map((entry) => entry.Service.ID)) });
    }
  })();

  const clientSeen: { at: number; ids: Set<string> }[] = [];
  client.on('instancesChanged', ({ instances }) => clientSeen.push({ at: performance.now(), ids: new Set(instances.map((instance) => instance.id)) }));

  const proxyless: number[] = [];
  const floor: number[] = [];
  const waitFor = async (seen: { at: number; ids: Set<string> }[], from: number, holds: (ids: Set<string>) => boolean): Promise<number> => {
    for (let waited = 0; waited < 10_000; waited += 2) {
      const hit = seen.find((entry) => entry.at >= from && holds(entry.ids));
      if (hit !== undefined) return hit.at - from;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error('a change did not arrive within 10 s');
  };
  for (let change = 0; change < CHANGES; change++) {
    const id = `${service}-extra`;
    const adding = change % 2 === 0;
    const startedAt = performance.now();
    if (adding) await consul.registerService({ id, name: service, port: 11_000 });
    else await consul.deregisterService(id);
    const acceptedAt = performance.now();
    const holds = (ids: Set<string>): boolean => ids.has(id) === adding;
    const [viaClient, viaBare] = await Promise.all([waitFor(clientSeen, startedAt, holds), waitFor(bareSeen, startedAt, holds)]);
    proxyless.push(Math.max(0, viaClient - (acceptedAt - startedAt)));
    floor.push(Math.max(0, viaBare - (acceptedAt - startedAt)));
    // Changes a few per second at most: faster churn meets the watch's rate limit (a token bucket, 5 at once,
    // then one every 250 ms), which is there so that a flapping service cannot make the client hammer Consul.
    await new Promise((resolve) => setTimeout(resolve, GAP_MS));
  }
  stopWatching = true;
  const ours = summary(proxyless);
  const bareSummary = summary(floor);
  if (process.env.BENCH_RESULT_FILE !== undefined) writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify({ changes: CHANGES, proxyless: ours, bare: bareSummary }, null, 2));
  console.log(`\n${CHANGES} changes (registrations and deregistrations, alternating), from Consul's answer to the change seen:`);
  console.log(`  bare blocking query   median ${bareSummary.median.toFixed(1)} ms, p99 ${bareSummary.p99.toFixed(1)} ms`);
  console.log(`  proxyless's picker    median ${ours.median.toFixed(1)} ms, p99 ${ours.p99.toFixed(1)} ms`);
  console.log(
    `a change reaches proxyless's picker in ${ours.median.toFixed(1)} ms (median; p99 ${ours.p99.toFixed(1)} ms); ` +
      `a bare blocking query on the same changes: ${bareSummary.median.toFixed(1)} ms (p99 ${bareSummary.p99.toFixed(1)} ms)`,
  );
  stopBare.abort();
  await bare;
} finally {
  stopWatching = true;
  stopBare.abort();
  await client.close();
  await consul.stop();
}
