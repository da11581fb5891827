// proxyless against the central balancers users would put in front of a service instead: nginx and HAProxy
// (Debian's packages, fetched by scripts/balancers.mjs), round-robin and least-connections, on loopback in front
// of the same four Express instances (each in its own process), beside undici's BalancedPool. Four measures:
//   1. throughput: 16 requests kept in flight (closed loop), answers per second;
//   2. latency at equal offered load: an open-loop generator at half nginx's throughput, p50 and p99 from an
//      HDR histogram, each latency counted from when the request was due;
//   3. one instance 100 ms slower: p50, p99 and its share, per picker and per central balancer;
//   4. one instance killed (SIGKILL) under load: failed requests, and how long after the kill failures went on.
// Contenders alternate within each round; medians over rounds. The callers of nginx and HAProxy use an undici
// Pool, the fastest client in front of them. Prints each table; the throughput and latency ratios last.
//
//   node --import tsx bench/central-balancers.bench.ts [--rounds 5] [--round-ms 2000] [--latency-ms 3000]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Caller, balancedPoolCaller, originCaller, proxylessCaller, proxylessSendCaller } from './support/callers.js';
import { type CentralBalancer, type CentralKind, type CentralPolicy, startCentralBalancer } from './support/central-balancer.js';
import { closedLoop } from './support/closed-loop.js';
import { describeMachine } from './support/machine.js';
import type { CentralBalancersResult, KillRow, PathRow, SlowRow } from './support/central-balancers-result.js';
import { openLoop } from './support/open-loop.js';
import { type PlainInstance, startPlainInstance } from './support/processes.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'round-ms': { type: 'string', default: '2000' },
    'latency-ms': { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '16' },
  },
});
const ROUNDS = Number(values.rounds);
const ROUND_MS = Number(values['round-ms']);
const LATENCY_MS = Number(values['latency-ms']);
const CONCURRENCY = Number(values.concurrency);
const centralKinds: readonly (readonly [CentralKind, CentralPolicy])[] = [
  ['nginx', 'round-robin'],
  ['nginx', 'least-connections'],
  ['haproxy', 'round-robin'],
  ['haproxy', 'least-connections'],
];

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const ms = (micros: number): number => Math.round(micros / 10) / 100;
const machineAtStart = describeMachine();

async function withCentrals<T>(upstreams: readonly number[], use: (centrals: CentralBalancer[]) => Promise<T>): Promise<T> {
  const centrals: CentralBalancer[] = [];
  try {
    for (const [kind, policy] of centralKinds) centrals.push(await startCentralBalancer(kind, policy, upstreams));
    return await use(centrals);
  } finally {
    await Promise.all(centrals.map((central) => central.stop()));
  }
}

async function warm(callers: readonly Caller[]): Promise<void> {
  for (const caller of callers) await closedLoop(8, 300, () => caller.send());
}

async function requestPath(instances: readonly PlainInstance[]): Promise<{ rows: PathRow[]; offeredPerSecond: number }> {
  const origins = instances.map((instance) => instance.url);
  return withCentrals(
    instances.map((instance) => instance.port),
    async (centrals) => {
      const callers: Caller[] = [
        proxylessCaller(origins, 'undici'),
        proxylessCaller(origins, 'axios'),
        proxylessSendCaller(origins),
        balancedPoolCaller(origins),
        ...centrals.map((central) => originCaller(central.name, central.url)),
      ];
      try {
        await warm(callers);
        const throughput = new Map<string, number[]>(callers.map((caller) => [caller.name, []]));
        const errors = new Map<string, number>(callers.map((caller) => [caller.name, 0]));
        const cpu = new Map<string, number[]>(callers.map((caller) => [caller.name, []]));
        for (let round = 0; round < ROUNDS; round++) {
          for (let i = 0; i < callers.length; i++) {
            const caller = callers[(i + round) % callers.length] as Caller;
            const cpuBefore = process.cpuUsage();
            const result = await closedLoop(CONCURRENCY, ROUND_MS, () => caller.send());
            const used = process.cpuUsage(cpuBefore);
            cpu.get(caller.name)?.push((used.user + used.system) / Math.max(1, (result.throughput * ROUND_MS) / 1000));
            throughput.get(caller.name)?.push(result.throughput);
            errors.set(caller.name, (errors.get(caller.name) ?? 0) + result.errors);
          }
        }
        const nginxThroughput = median(throughput.get('nginx round-robin') ?? [0]);
        const offeredPerSecond = Math.max(100, Math.round((nginxThroughput * 0.5) / 50) * 50);
        const p50 = new Map<string, number[]>(callers.map((caller) => [caller.name, []]));
        const p99 = new Map<string, number[]>(callers.map((caller) => [caller.name, []]));
        for (let round = 0; round < Math.max(1, ROUNDS - 1); round++) {
          for (let i = 0; i < callers.length; i++) {
            const caller = callers[(i + round) % callers.length] as Caller;
            const result = await openLoop({ ratePerSecond: offeredPerSecond, durationMs: LATENCY_MS, send: () => caller.send(), warmUpMs: 300, maxInFlight: 2_000 });
            p50.get(caller.name)?.push(result.latency.percentile(0.5));
            p99.get(caller.name)?.push(result.latency.percentile(0.99));
            errors.set(caller.name, (errors.get(caller.name) ?? 0) + result.errors + result.dropped);
          }
        }
        const rows = callers.map((caller) => ({
          name: caller.name,
          throughput: Math.round(median(throughput.get(caller.name) ?? [])),
          callerCpuMicros: Math.round(median(cpu.get(caller.name) ?? [])),
          p50Ms: ms(median(p50.get(caller.name) ?? [])),
          p99Ms: ms(median(p99.get(caller.name) ?? [])),
          errors: errors.get(caller.name) ?? 0,
        }));
        return { rows, offeredPerSecond };
      } finally {
        await Promise.all(callers.map((caller) => caller.close()));
      }
    },
  );
}

async function slowInstance(fast: readonly PlainInstance[], ratePerSecond: number): Promise<SlowRow[]> {
  const slow = await startPlainInstance('slow', 100);
  const fleet = [...fast.slice(0, 3), slow];
  const origins = fleet.map((instance) => instance.url);
  try {
    return await withCentrals(
      fleet.map((instance) => instance.port),
      async (centrals) => {
        const callers: Caller[] = [
          ...(['p2c-ewma', 'least-request', 'round-robin'] as const).map((picker) => proxylessCaller(origins, 'undici', picker, `proxyless ${picker}`)),
          ...centrals.map((central) => originCaller(central.name, central.url)),
        ];
        try {
          const rows: SlowRow[] = [];
          for (const caller of callers) {
            let toSlow = 0;
            let total = 0;
            const result = await openLoop({
              ratePerSecond,
              durationMs: LATENCY_MS + 1_000,
              warmUpMs: 1_000,
              maxInFlight: 2_000,
              send: async () => {
                const name = await caller.send();
                total++;
                if (name === 'slow') toSlow++;
              },
            });
            rows.push({ name: caller.name, p50Ms: ms(result.latency.percentile(0.5)), p99Ms: ms(result.latency.percentile(0.99)), slowShare: total === 0 ? 0 : toSlow / total });
          }
          return rows;
        } finally {
          await Promise.all(callers.map((caller) => caller.close()));
        }
      },
    );
  } finally {
    await slow.stop();
  }
}

async function killedInstance(ratePerSecond: number): Promise<KillRow[]> {
  const rows: KillRow[] = [];
  const contenders: readonly (readonly [string, CentralKind | undefined])[] = [
    ['proxyless (undici)', undefined],
    ['nginx round-robin', 'nginx'],
    ['haproxy round-robin', 'haproxy'],
  ];
  for (const [name, kind] of contenders) {
    const fleet = await Promise.all(['k0', 'k1', 'k2', 'k3'].map((instance) => startPlainInstance(instance)));
    const central = kind === undefined ? undefined : await startCentralBalancer(kind, 'round-robin', fleet.map((instance) => instance.port));
    const caller = central === undefined ? proxylessCaller(fleet.map((instance) => instance.url), 'undici') : originCaller(name, central.url);
    try {
      await closedLoop(8, 300, () => caller.send());
      let killedAt = Number.POSITIVE_INFINITY;
      let lastFailure = Number.NEGATIVE_INFINITY;
      let failed = 0;
      const killer = setTimeout(() => {
        killedAt = performance.now();
        void fleet[3]?.stop();
      }, 1_000);
      const result = await openLoop({
        ratePerSecond,
        durationMs: 4_000,
        maxInFlight: 2_000,
        send: () =>
          caller.send().catch((error: unknown) => {
            failed++;
            lastFailure = performance.now();
            throw error;
          }),
      });
      clearTimeout(killer);
      rows.push({ name, requests: result.sent, failed, settledMs: failed === 0 ? 0 : Math.max(0, Math.round(lastFailure - killedAt)) });
    } finally {
      await caller.close();
      await central?.stop();
      await Promise.all(fleet.map((instance) => instance.stop()));
    }
  }
  return rows;
}

const instances = await Promise.all(['i0', 'i1', 'i2', 'i3'].map((name) => startPlainInstance(name)));
try {
  const { rows, offeredPerSecond } = await requestPath(instances);
  const nginx = rows.find((row) => row.name === 'nginx round-robin') as PathRow;
  console.log(`\n1–2. request path: four Express instances; ${CONCURRENCY} in flight for throughput; ${offeredPerSecond} req/s offered (open loop) for latency`);
  console.log('caller                          req/s   × nginx     p50 ms   × nginx    p99 ms   × nginx  errors  caller µs/req');
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(28)} ${String(row.throughput).padStart(7)}  ${(row.throughput / nginx.throughput).toFixed(2).padStart(7)}  ${row.p50Ms.toFixed(2).padStart(9)}  ${(row.p50Ms / nginx.p50Ms).toFixed(2).padStart(7)}  ${row.p99Ms.toFixed(2).padStart(8)}  ${(row.p99Ms / nginx.p99Ms).toFixed(2).padStart(7)}  ${String(row.errors).padStart(6)}  ${String(row.callerCpuMicros).padStart(13)}`,
    );
  }
  const slowRate = 200;
  const slow = await slowInstance(instances, slowRate);
  console.log(`\n3. one instance of four 100 ms slower, ${slowRate} req/s offered`);
  console.log('caller                        p50 ms    p99 ms   share of the slow one');
  for (const row of slow) console.log(`${row.name.padEnd(28)} ${row.p50Ms.toFixed(1).padStart(7)}  ${row.p99Ms.toFixed(1).padStart(8)}   ${(row.slowShare * 100).toFixed(1).padStart(5)} %`);
  const killRate = 300;
  const killed = await killedInstance(killRate);
  console.log(`\n4. one instance of four killed (SIGKILL) 1 s into 4 s at ${killRate} req/s`);
  console.log('caller                       requests  failed  failures went on for');
  for (const row of killed) console.log(`${row.name.padEnd(28)} ${String(row.requests).padStart(8)}  ${String(row.failed).padStart(6)}  ${row.settledMs} ms`);

  const machine = `${machineAtStart} (at the end: ${describeMachine().split('; ')[1]})`;
  if (process.env.BENCH_RESULT_FILE !== undefined) {
    const result: CentralBalancersResult = { machine, concurrency: CONCURRENCY, rounds: ROUNDS, offeredPerSecond, rows, slowRate, slow, killRate, killed };
    writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify(result, null, 2));
  }
  const undici = rows.find((row) => row.name === 'proxyless (undici)') as PathRow;
  const axiosRow = rows.find((row) => row.name === 'proxyless (axios)') as PathRow;
  const pool = rows.find((row) => row.name === 'undici BalancedPool') as PathRow;
  console.log(`\n${machine}`);
  console.log(
    `against nginx round-robin: proxyless (undici) ${(undici.throughput / nginx.throughput).toFixed(2)}× the throughput at ${(undici.p50Ms / nginx.p50Ms).toFixed(2)}× the p50; ` +
      `proxyless (axios) ${(axiosRow.throughput / nginx.throughput).toFixed(2)}×; undici BalancedPool ${(pool.throughput / nginx.throughput).toFixed(2)}× at ${(pool.p50Ms / nginx.p50Ms).toFixed(2)}× (medians of ${ROUNDS} rounds)`,
  );
} finally {
  await Promise.all(instances.map((instance) => instance.stop()));
}
