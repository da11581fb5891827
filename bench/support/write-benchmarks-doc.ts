// Writes docs/benchmarks.md (and docs/img/bench-*.svg) from what `npm run bench` collected: each benchmark's
// printed output, its command, and the figures it saved as JSON. Every figure on the page comes from there.
// Usage (by scripts/run-benchmarks.mjs): node --import tsx bench/support/write-benchmarks-doc.ts RESULTS_DIR short|long
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChart } from './bar-chart.js';
import type { CentralBalancersResult as Central, PathRow } from './central-balancers-result.js';

const [resultsDir, profile] = process.argv.slice(2) as [string, string];

interface Changes {
  readonly changes: number;
  readonly proxyless: { median: number; p99: number };
  readonly bare: { median: number; p99: number };
}
interface Scale {
  readonly sizes: readonly number[];
  readonly pickNs: Record<string, Record<string, number>>;
  readonly perClientKiB: number;
  readonly checkpoints: readonly { requests: number; heapMiB: number }[];
}

const names = readdirSync(resultsDir)
  .filter((file) => file.endsWith('.out'))
  .map((file) => file.slice(0, -4))
  .sort();
const output = (name: string): string => readFileSync(join(resultsDir, `${name}.out`), 'utf8');
const json = <T>(name: string): T | undefined => (existsSync(join(resultsDir, `${name}.json`)) ? (JSON.parse(readFileSync(join(resultsDir, `${name}.json`), 'utf8')) as T) : undefined);
const meta = (name: string): { command: string; seconds: number } => JSON.parse(readFileSync(join(resultsDir, `${name}.meta.json`), 'utf8')) as { command: string; seconds: number };

/** The bench file's opening comment, without its usage line: what it measures and how. */
function description(name: string): string {
  const lines: string[] = [];
  for (const line of readFileSync(join('bench', `${name}.bench.ts`), 'utf8').split('\n')) {
    if (!line.startsWith('//')) break;
    const body = line.replace(/^\/\/ ?/, '');
    if (/^\s*(node |Run: )/.test(body)) continue;
    lines.push(body);
  }
  return lines.join('\n').trim();
}

/** The last lines a benchmark printed, where its figures are. */
function tail(name: string, count: number): string {
  const lines = output(name).trimEnd().split('\n').filter((line) => !line.startsWith('(checksum'));
  return lines.slice(-count).join('\n');
}

const fixed = (value: number, digits = 2): string => value.toFixed(digits);
const ratio = (value: number, base: number): string => `${(value / base).toFixed(2)}×`;
const img = (file: string, svg: string): string => {
  writeFileSync(join('docs', 'img', file), svg);
  return `img/${file}`;
};
const isOurs = (label: string): boolean => label.startsWith('proxyless');

const central = json<Central>('central-balancers');
const changes = json<Changes>('discovery-changes');
const scale = json<Scale>('scale');
const parts: string[] = [];
parts.push(`# Benchmarks

Every figure on this page was printed by a benchmark in \`bench/\` during one run of \`npm run bench\`${profile === 'long' ? ' --long' : ''}, which
wrote this page; each section names the command that reproduces its figures alone. The machine is shared and
noisy, so runs alternate between contenders and quote medians; read the ratios, which hold better than the
absolute figures from one machine to another.

**Machine**: ${central?.machine ?? 'see each benchmark'}.
`);

if (central !== undefined) {
  const nginx = central.rows.find((row) => row.name === 'nginx round-robin') as PathRow;
  const undici = central.rows.find((row) => row.name === 'proxyless (undici)') as PathRow;
  const axiosRow = central.rows.find((row) => row.name === 'proxyless (axios)') as PathRow;
  const pool = central.rows.find((row) => row.name === 'undici BalancedPool') as PathRow;
  const sendRow = central.rows.find((row) => row.name === 'proxyless send (undici)');
  const throughputChart = img('bench-throughput.svg', barChart(`Throughput, ${central.concurrency} requests in flight (req/s, more is better)`, 'requests per second', central.rows.map((row) => ({ label: row.name, value: row.throughput })), isOurs));
  const p99Chart = img('bench-latency.svg', barChart(`p99 at ${central.offeredPerSecond} req/s offered (ms, less is better)`, 'ms', central.rows.map((row) => ({ label: row.name, value: row.p99Ms })), isOurs));
  const leastSlow = [...central.slow].sort((a, b) => a.slowShare - b.slowShare)[0] as Central['slow'][number];
  const bestSlowP99 = [...central.slow].sort((a, b) => a.p99Ms - b.p99Ms)[0] as Central['slow'][number];
  const slowChart = img('bench-slow-instance.svg', barChart('Share of requests sent to the instance 100 ms slower (%, less is better)', '% of requests', central.slow.map((row) => ({ label: row.name, value: row.slowShare * 100 })), isOurs));
  parts.push(`## Against a central balancer: nginx and HAProxy

\`${meta('central-balancers').command}\` (${meta('central-balancers').seconds} s)

${description('central-balancers')}

### Throughput and latency

| caller | req/s | × nginx | p50 ms | × nginx | p99 ms | × nginx | errors | caller CPU µs / request |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${central.rows.map((row) => `| ${row.name} | ${row.throughput.toLocaleString('en')} | ${ratio(row.throughput, nginx.throughput)} | ${fixed(row.p50Ms)} | ${ratio(row.p50Ms, nginx.p50Ms)} | ${fixed(row.p99Ms)} | ${ratio(row.p99Ms, nginx.p99Ms)} | ${row.errors} | ${row.callerCpuMicros} |`).join('\n')}

Throughput with ${central.concurrency} requests in flight; p50 and p99 at ${central.offeredPerSecond} req/s offered (half of nginx
round-robin's throughput), open loop; medians of ${central.rounds} rounds. *Caller CPU* is the calling process's CPU time per
request during the throughput runs: for nginx and HAProxy, only their caller's, not theirs. With the undici transport proxyless served
**${ratio(undici.throughput, nginx.throughput)} nginx's throughput at ${ratio(undici.p50Ms, nginx.p50Ms)} its p50**; with axios,
${ratio(axiosRow.throughput, nginx.throughput)}${sendRow === undefined ? '' : `; through \`client.send\`, which skips axios's interface, ${ratio(sendRow.throughput, nginx.throughput)} (${ratio(sendRow.throughput, pool.throughput)} BalancedPool's, at ${ratio(sendRow.callerCpuMicros, pool.callerCpuMicros)} its CPU per request)`}; undici's BalancedPool, which balances with none of proxyless's failure handling,
${ratio(pool.throughput, nginx.throughput)} at ${ratio(pool.p50Ms, nginx.p50Ms)}.

![Throughput](${throughputChart})

![p99 latency](${p99Chart})

**Reading it.** On two shared cores the balancer, the four Express instances and the caller all compete for the
same CPU: a central balancer's extra hop costs CPU that the instances would otherwise use, and its latency is a
second queue. A caller-side balancer adds neither, but it spends the caller's own CPU per request, and on two
cores shared with the instances that CPU is what limits it. Through axios's interface proxyless spent
${ratio(undici.callerCpuMicros, pool.callerCpuMicros)} BalancedPool's CPU per request here${sendRow === undefined ? '' : `; through \`client.send\` — the same call model (deadline, retry
rule, budget), breakers and picker feedback, without axios — ${ratio(sendRow.callerCpuMicros, pool.callerCpuMicros)}`}: the difference is axios's own core (its config
merges, headers and transforms; \`bench/request-path.bench.ts\` below measures it apart). An offered load above
what a caller can serve (the axios transport, here) shows as queueing in its p50, and past 2,000 requests in
flight as *errors*: the generator counts a request it could not send as one, rather than queue it unseen.

### One instance 100 ms slower

| caller | p50 ms | p99 ms | share of the slow instance |
| --- | ---: | ---: | ---: |
${central.slow.map((row) => `| ${row.name} | ${fixed(row.p50Ms, 1)} | ${fixed(row.p99Ms, 1)} | ${fixed(row.slowShare * 100, 1)} % |`).join('\n')}

${central.slowRate} req/s offered, open loop, after a second of warm-up. Round-robin gives the slow instance its quarter
whoever does it; least-request and least-connections give it less as its requests pile up; p2c-ewma learns its
latency. Here the smallest share went to ${leastSlow.name} (${fixed(leastSlow.slowShare * 100, 1)} %) and the lowest p99 was
${bestSlowP99.name}'s (${fixed(bestSlowP99.p99Ms, 1)} ms).

![Share of the slow instance](${slowChart})

### One instance killed under load

| caller | requests | failed | failures went on for |
| --- | ---: | ---: | ---: |
${central.killed.map((row) => `| ${row.name} | ${row.requests} | ${row.failed} | ${row.settledMs} ms |`).join('\n')}

${central.killRate} req/s for 4 s; one instance of four gets SIGKILL after 1 s. proxyless sends a request whose connection
was refused to another instance whatever its method (it provably never left) and its breaker takes the instance
out; nginx retries on the next upstream (\`proxy_next_upstream error\`) and marks the instance failed for 10 s;
HAProxy redispatches a refused connection (\`option redispatch\`); a request already on a connection the kill
reset is not retried by it. [Reliability](reliability.md) has proxyless's side of this in detail (\`npm run faults\`).
`);
}

if (changes !== undefined) {
  parts.push(`## Discovery: a change in Consul to the picker's view

\`${meta('discovery-changes').command}\` (${meta('discovery-changes').seconds} s)

${description('discovery-changes')}

| watcher | median ms | p99 ms |
| --- | ---: | ---: |
| a bare blocking query | ${fixed(changes.bare.median, 1)} | ${fixed(changes.bare.p99, 1)} |
| proxyless's picker | ${fixed(changes.proxyless.median, 1)} | ${fixed(changes.proxyless.p99, 1)} |

${changes.changes} changes. A change reaches the picker as fast as any watcher of Consul sees it; the tail is the watch's
rate limit (a burst of 5 queries, then one every 250 ms), which keeps a flapping service from making every
client hammer Consul. A lone change, after a quiet spell, is never held back.
`);
}

if (scale !== undefined) {
  const first = scale.checkpoints[1];
  const last = scale.checkpoints.at(-1);
  parts.push(`## Scale: pick cost, memory per client, memory over a million requests

\`${meta('scale').command}\` (${meta('scale').seconds} s)

${description('scale')}

ns per pick, with the start and end hooks the client calls for each attempt:

| picker | ${scale.sizes.map((size) => size.toLocaleString('en')).join(' | ')} | 100,000 ÷ 10 |
| --- | ${scale.sizes.map(() => '---:').join(' | ')} | ---: |
${Object.entries(scale.pickNs).map(([name, row]) => `| ${name} | ${scale.sizes.map((size) => fixed(row[String(size)] ?? Number.NaN, 0)).join(' | ')} | ${ratio(row['100000'] ?? Number.NaN, row['10'] ?? Number.NaN)} |`).join('\n')}

Heap per client (10 instances, default options): **${fixed(scale.perClientKiB, 1)} KiB**. Heap after a forced collection, through
${last?.requests.toLocaleString('en')} requests of one client: ${scale.checkpoints.map((point) => `${point.requests.toLocaleString('en')}: ${fixed(point.heapMiB)} MiB`).join(', ')} —
${first !== undefined && last !== undefined ? `${(last.heapMiB - first.heapMiB >= 0 ? '+' : '')}${fixed(last.heapMiB - first.heapMiB)} MiB from the first checkpoint to the last` : ''}: nothing per request is kept.
Heap per instance of a 10,000-instance Consul service: \`discovery-scale\` below.
`);
}

const covered = new Set(['central-balancers', 'discovery-changes', 'scale']);
parts.push(`## Every other benchmark

Each prints its figures last; below, what it measures, its command, and the end of what it printed in this run.
`);
for (const name of names.filter((name) => !covered.has(name))) {
  parts.push(`### ${name}

\`${meta(name).command}\` (${meta(name).seconds} s)

${description(name)}

\`\`\`
${tail(name, name === 'server-load' ? 9 : 14)}
\`\`\`
`);
}

writeFileSync(join('docs', 'benchmarks.md'), parts.join('\n'));
console.log('wrote docs/benchmarks.md');
