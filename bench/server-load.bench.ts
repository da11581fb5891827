// Balancing on what the servers report, with real processes: a real Consul agent, four Express instances that
// register themselves (and so report their load on every response), each serving 4 requests at a time for
// 10 ms; one of them also serves a steady stream from outside proxyless (another service, a batch job), which
// no client sees. Several client processes call the service at a constant rate; rounds alternate between the
// server-load picker and p2c-ewma, so both meet the same machine. Prints each round, then the medians of the
// rounds' p50 and p99 per picker and their ratio, last.
//
//   node --import tsx bench/server-load.bench.ts [--rounds 3] [--round-ms 8000] [--clients 3] [--rate 150] [--outside 350]
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { startConsul } from '../test/support/consul-agent.js';
import { killAndWait, trackChildProcess } from '../test/support/child-processes.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'round-ms': { type: 'string', default: '8000' },
    clients: { type: 'string', default: '3' },
    rate: { type: 'string', default: '150' },
    outside: { type: 'string', default: '350' },
  },
});
const ROUNDS = Number(values.rounds);
const ROUND_MS = Number(values['round-ms']);
const CLIENTS = Number(values.clients);
const RATE = Number(values.rate);
const OUTSIDE = Number(values.outside);
const SLOTS = 4;
const SERVICE_MS = 10;
const service = 'slotted';

const instanceScript = fileURLToPath(new URL('./support/slotted-instance.ts', import.meta.url));
const clientScript = fileURLToPath(new URL('./support/load-client.ts', import.meta.url));

function start(script: string, variable: string, config: object): ChildProcess {
  const child = fork(script, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, [variable]: JSON.stringify(config) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  trackChildProcess(child);
  return child;
}

function firstMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it reported`)));
  });
}

/** Sends GET /work to `origin` at `ratePerSecond`, not waiting on answers, until stopped. */
function outsideLoad(origin: string, ratePerSecond: number): () => Promise<void> {
  const pool = new Pool(origin, { connections: 64 });
  const gapMs = 1000 / ratePerSecond;
  const started = performance.now();
  let sent = 0;
  let stopped = false;
  const inFlight = new Set<Promise<unknown>>();
  const tick = (): void => {
    if (stopped) return;
    const due = Math.floor((performance.now() - started) / gapMs);
    for (; sent < due; sent++) {
      const request = pool.request({ path: '/work', method: 'GET' }).then((response) => response.body.dump(), () => undefined);
      inFlight.add(request);
      void request.then(() => inFlight.delete(request));
    }
    setTimeout(tick, 2);
  };
  tick();
  return async () => {
    stopped = true;
    await Promise.all(inFlight);
    await pool.close();
  };
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const consul = await startConsul();
const instances: ChildProcess[] = [];
try {
  const ports: number[] = [];
  for (let i = 0; i < 4; i++) {
    const child = start(instanceScript, 'SLOTTED_INSTANCE', { service, consul: { host: consul.host, port: consul.port }, slots: SLOTS, serviceMs: SERVICE_MS });
    instances.push(child);
    ports.push((await firstMessage<{ port: number }>(child, 'an instance')).port);
  }
  const capacity = (4 * SLOTS * 1000) / SERVICE_MS;
  console.log(
    `four instances of ${SLOTS} slots × ${SERVICE_MS} ms (${capacity} req/s in all); ${CLIENTS} client processes × ${RATE} req/s; ` +
      `${OUTSIDE} req/s from outside to the instance on port ${ports[0]} (${((OUTSIDE / (capacity / 4)) * 100).toFixed(0)} % of its capacity); ` +
      `the fleet at ${(((CLIENTS * RATE + OUTSIDE) / capacity) * 100).toFixed(0)} % of its capacity`,
  );
  const results = new Map<string, { p50: number[]; p99: number[] }>([
    ['p2c-ewma', { p50: [], p99: [] }],
    ['server-load', { p50: [], p99: [] }],
  ]);
  // A round nobody measures first: the instances' and the outside caller's connections and JIT warm up.
  await runRound('p2c-ewma', 3_000);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['p2c-ewma', 'server-load'] : ['server-load', 'p2c-ewma'];
    for (const picker of order) {
      const { latencies, failed } = await runRound(picker, ROUND_MS);
      const p50 = percentile(latencies, 0.5);
      const p99 = percentile(latencies, 0.99);
      const entry = results.get(picker) as { p50: number[]; p99: number[] };
      entry.p50.push(p50);
      entry.p99.push(p99);
      console.log(`round ${round + 1} ${picker.padEnd(12)} ${latencies.length} requests, ${failed} failed, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
    }
  }

  /** One round: the outside caller and every client process, for `durationMs`; the clients' latencies, sorted. */
  async function runRound(picker: string, durationMs: number): Promise<{ latencies: number[]; failed: number }> {
    const stopOutside = outsideLoad(`http://127.0.0.1:${ports[0]}`, OUTSIDE);
    const clients = Array.from({ length: CLIENTS }, () =>
      start(clientScript, 'LOAD_CLIENT', { service, consul: { host: consul.host, port: consul.port }, picker, ratePerSecond: RATE, durationMs }),
    );
    const reports = await Promise.all(clients.map((child) => firstMessage<{ latencies: number[]; failed: number }>(child, 'a client')));
    await stopOutside();
    return {
      latencies: reports.flatMap((report) => report.latencies).sort((a, b) => a - b),
      failed: reports.reduce((sum, report) => sum + report.failed, 0),
    };
  }

  const p2c = results.get('p2c-ewma') as { p50: number[]; p99: number[] };
  const server = results.get('server-load') as { p50: number[]; p99: number[] };
  console.log(
    `\nmedians of ${ROUNDS} rounds: p2c-ewma p50 ${median(p2c.p50).toFixed(1)} ms, p99 ${median(p2c.p99).toFixed(1)} ms; ` +
      `server-load p50 ${median(server.p50).toFixed(1)} ms, p99 ${median(server.p99).toFixed(1)} ms`,
  );
  console.log(`server-load's p99 is ${(median(server.p99) / median(p2c.p99)).toFixed(2)}× p2c-ewma's (lower is better)`);
} finally {
  await Promise.all(instances.map((child) => killAndWait(child)));
  await consul.stop();
}
