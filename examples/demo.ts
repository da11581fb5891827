// `npm run demo`: proxyless against real parts. A Consul agent, three Express instances of "users" in
// their own processes, and a client under steady load; one instance is killed with SIGKILL halfway and
// the demo shows the traffic moving off it without a single failed request.
//
// The agent and the instances are the integration tests' own fixtures, so the demo exercises exactly
// what the tests do. Nothing here needs configuration: Consul is found or fetched by
// scripts/consul-binary.mjs, every port is a free one.
import { createClient, type BalancedClient } from '../lib/index.js';
import { startConsul, type ConsulAgent } from '../test/support/consul-agent.js';
import { startFleet, type Fleet, type TestInstance } from '../test/support/instance-process.js';
import { startLoad, waitFor, type Load, type LoadResult } from '../test/support/load.js';

const SERVICE = 'users';
const INSTANCES = 3;
const CALLERS = 8;
const SECONDS_BEFORE_KILL = 4;
const SECONDS_AFTER_KILL = 6;
const VICTIM_INDEX = 1;

const BAR_WIDTH = 8;
const BAR_EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** Ctrl-C aborts whatever the demo waits for; the `finally` below then stops every process it started. */
const interrupted = new AbortController();

async function main(): Promise<number> {
  printHeader();
  let consul: ConsulAgent | undefined;
  let fleet: Fleet | undefined;
  let client: BalancedClient | undefined;
  let load: Load | undefined;
  try {
    let since = performance.now();
    startLine('starting a Consul agent (dev mode) …');
    consul = await startConsul({ node: 'proxyless-demo' });
    endLine(` ready on ${consul.address} (${seconds(performance.now() - since)})`);
    interrupted.signal.throwIfAborted();

    since = performance.now();
    startLine(`starting ${INSTANCES} Express instances of "${SERVICE}" …`);
    fleet = await startFleet(INSTANCES, { consul, service: SERVICE });
    endLine(` ${fleet.map((instance) => `${instance.id} on :${instance.port}`).join(', ')}`);
    interrupted.signal.throwIfAborted();

    client = createClient({ service: SERVICE, consul: { host: consul.host, port: consul.port } });
    const c = client;
    await c.ready({ timeoutMs: 10_000 });
    // Consul lists a registered instance as passing only after its first health check (within 1 s).
    await waitFor(() => c.instances().length === INSTANCES || interrupted.signal.aborted, 10_000, `${INSTANCES} passing instances`);
    interrupted.signal.throwIfAborted();
    console.log(`the client sees ${INSTANCES} passing instances in Consul (${seconds(performance.now() - since)} after they started)`);
    console.log('');

    return await runUnderLoad(c, fleet, (started) => (load = started));
  } finally {
    endLine('');
    const stopping = performance.now();
    await load?.stop();
    await client?.close();
    await fleet?.stopAll();
    await consul?.stop();
    console.log(`stopped everything the demo started (${seconds(performance.now() - stopping)})`);
  }
}

async function runUnderLoad(client: BalancedClient, fleet: Fleet, loadStarted: (load: Load) => void): Promise<number> {
  const victim = fleet[VICTIM_INDEX]!;
  const ids = fleet.map((instance) => instance.id);
  const failedAttempts = recordFailedAttempts(client, fleet);

  const load = startLoad(CALLERS, () => client.get<{ id: string }>('/whoami'));
  loadStarted(load);
  const startedAt = performance.now();
  const at = (): string => `${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)} s`;
  let killedAt: number | undefined;
  let breakerOpenedAt: number | undefined;
  let removedAt: number | undefined;

  client.on('breakerOpened', ({ instance }) => {
    if (instance.id === victim.id) breakerOpenedAt ??= performance.now();
    event(`${at()}   ⚡ breakerOpened      ${instance.id}: its breaker tripped, the picker leaves it out`);
  });
  client.on('breakerHalfOpened', ({ instance }) => event(`${at()}   ⚡ breakerHalfOpened  ${instance.id}: one trial request`));
  client.on('breakerClosed', ({ instance }) => event(`${at()}   ⚡ breakerClosed      ${instance.id}`));
  client.on('instancesChanged', ({ added, removed, instances }) => {
    if (removed.some((instance) => instance.id === victim.id)) removedAt ??= performance.now();
    const change = [...removed.map((i) => `-${i.id}`), ...added.map((i) => `+${i.id}`)].join(' ');
    event(`${at()}   ⚡ instancesChanged   ${change}: Consul's health check now lists ${instances.length} passing`);
  });
  client.on('discoveryError', ({ error }) => event(`${at()}   ⚡ discoveryError     ${error.message}`));

  console.log(`   time    req/s  ${ids.map((id) => id.padEnd(16)).join('')}failed`);
  let previous = load.snapshot();
  let before: LoadResult | undefined;
  for (let tick = 1; tick <= SECONDS_BEFORE_KILL + SECONDS_AFTER_KILL; tick++) {
    await sleepUntil(startedAt + tick * 1000);
    const now = load.snapshot();
    console.log(tickLine(at(), ids, previous, now));
    previous = now;
    if (tick === SECONDS_BEFORE_KILL) {
      killedAt = performance.now();
      console.log(`${at()}   ✖ SIGKILL ${victim.id} (port ${victim.port}): the process dies mid-request, Consul is not told`);
      await victim.kill('SIGKILL');
      // Taken once the process is gone: whatever it answered, it answered before the kill.
      before = load.snapshot();
    }
  }
  const total = await load.stop();
  const elapsed = performance.now() - startedAt;

  printSummary({ ids, victim, before: before!, total, elapsed, failedAttempts, killedAt: killedAt!, breakerOpenedAt, removedAt });
  return total.failed === 0 ? 0 : 1;
}

/**
 * Prints a client event, unless Ctrl-C was pressed: the terminal sends SIGINT to Consul and the
 * instances too, and their going away is not news.
 */
function event(line: string): void {
  if (!interrupted.signal.aborted) console.log(line);
}

function tickLine(at: string, ids: readonly string[], previous: LoadResult, now: LoadResult): string {
  const requests = now.ok + now.failed - previous.ok - previous.failed;
  const shares = ids.map((id) => {
    const served = (now.byInstance.get(id) ?? 0) - (previous.byInstance.get(id) ?? 0);
    const share = requests === 0 ? 0 : served / requests;
    return `${percent(share)} ${bar(share)}`.padEnd(16);
  });
  return `${at}  ${thousands(requests).padStart(6)}  ${shares.join('')}${now.failed}`;
}

interface Summary {
  ids: readonly string[];
  victim: TestInstance;
  before: LoadResult;
  total: LoadResult;
  elapsed: number;
  failedAttempts: FailedAttempts;
  killedAt: number;
  breakerOpenedAt: number | undefined;
  removedAt: number | undefined;
}

function printSummary(s: Summary): void {
  const requests = s.total.ok + s.total.failed;
  const beforeCount = s.before.ok + s.before.failed;
  const afterCount = requests - beforeCount;
  const victimId = s.victim.id;
  const victimFailures = s.failedAttempts.byInstance.get(victimId) ?? new Map<string, number>();
  const victimFailed = [...victimFailures.values()].reduce((sum, n) => sum + n, 0);
  const otherFailed = [...s.failedAttempts.byInstance].filter(([id]) => id !== victimId);
  const sinceKill = (t: number | undefined): string => (t === undefined ? '' : duration(t - s.killedAt));

  console.log('');
  console.log('summary');
  console.log(`  requests      ${thousands(requests)} in ${seconds(s.elapsed)} (${thousands(Math.round(requests / (s.elapsed / 1000)))}/s), ${CALLERS} callers`);
  console.log(`  failed        ${s.total.failed}${s.total.failed === 0 ? '' : `: ${s.total.errors.join('; ')}`}`);
  console.log(
    `  retried       ${victimFailed === 0 ? 'none' : `${victimFailed} attempts on ${victimId} (${codes(victimFailures)}), each sent again to another instance`}` +
      (victimFailed === 0 ? '' : `; the last ${sinceKill(s.failedAttempts.last)} after the kill`),
  );
  for (const [id, failures] of otherFailed) console.log(`                also ${codes(failures)} on ${id}`);
  console.log(
    `  breaker       ${
      s.breakerOpenedAt === undefined
        ? `stayed closed: ${victimFailed} failed attempts (it opens after 5 in a row); the picker had already steered away`
        : `opened ${sinceKill(s.breakerOpenedAt)} after the kill`
    }`,
  );
  console.log(`  Consul        ${s.removedAt === undefined ? `still listed ${victimId} as passing` : `dropped ${victimId} ${sinceKill(s.removedAt)} after the kill (health check every 1 s)`}`);
  console.log('');
  console.log(`  served by     ${'before the kill'.padEnd(18)}after the kill`);
  for (const id of s.ids) {
    const servedBefore = s.before.byInstance.get(id) ?? 0;
    const servedAfter = (s.total.byInstance.get(id) ?? 0) - servedBefore;
    const note = id === victimId ? '   ← killed' : '';
    console.log(`  ${id.padEnd(12)}  ${served(servedBefore, beforeCount).padEnd(18)}${served(servedAfter, afterCount)}${note}`);
  }
  console.log('');
  console.log(s.total.failed === 0 ? `no request failed.` : `${s.total.failed} requests failed.`);
}

function codes(failures: ReadonlyMap<string, number>): string {
  return [...failures].map(([code, count]) => `${count} × ${code}`).join(', ');
}

interface FailedAttempts {
  /** Failed attempts by instance id, then by error code. */
  readonly byInstance: Map<string, Map<string, number>>;
  /** When the last attempt failed (performance.now()). */
  last: number | undefined;
}

/**
 * Records every attempt that failed, by instance and error code. These never reach a caller when the
 * client retries them on another instance; the client's `attemptFailed` event tells them.
 */
function recordFailedAttempts(client: BalancedClient, fleet: Fleet): FailedAttempts {
  const idByOrigin = new Map(fleet.map((instance) => [instance.url, instance.id]));
  const failed: FailedAttempts = { byInstance: new Map(), last: undefined };
  client.on('attemptFailed', ({ attempt, error }) => {
    const id = idByOrigin.get(attempt.instance.origin) ?? 'unknown';
    const code = (error as { code?: string } | undefined)?.code ?? attempt.outcome;
    const codes = failed.byInstance.get(id) ?? new Map<string, number>();
    codes.set(code, (codes.get(code) ?? 0) + 1);
    failed.byInstance.set(id, codes);
    failed.last = performance.now();
  });
  return failed;
}

function printHeader(): void {
  console.log(`proxyless demo: client-side load balancing, one instance killed under load

  • a Consul agent in dev mode, on free local ports
  • ${INSTANCES} Express instances of "${SERVICE}", each in its own process, registered in Consul
    with an HTTP health check every second
  • a proxyless client (picker p2c-ewma, a circuit breaker per instance, retries on another
    instance) with ${CALLERS} callers sending GET /whoami back to back

Each second: requests answered, each instance's share, failed requests so far. After
${SECONDS_BEFORE_KILL} s one instance is killed with SIGKILL; the demo runs ${SECONDS_AFTER_KILL} s more. Ctrl-C stops it.
`);
}

let lineOpen = false;

/** Starts a line that a step's outcome completes, so that a failure in between begins on a line of its own. */
function startLine(text: string): void {
  process.stdout.write(text);
  lineOpen = true;
}

function endLine(text: string): void {
  if (!lineOpen) return;
  console.log(text);
  lineOpen = false;
}

function sleepUntil(deadline: number): Promise<void> {
  interrupted.signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(interrupted.signal.reason);
    };
    const timer = setTimeout(() => {
      interrupted.signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, deadline - performance.now()));
    interrupted.signal.addEventListener('abort', onAbort, { once: true });
  });
}

function served(count: number, of: number): string {
  return `${thousands(count).padStart(6)} (${percent(of === 0 ? 0 : count / of)})`;
}

function bar(share: number): string {
  const eighths = Math.round(share * BAR_WIDTH * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + BAR_EIGHTHS[eighths % 8]!;
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`.padStart(5);
}

function thousands(n: number): string {
  return n.toLocaleString('en-US');
}

/** Milliseconds below a second, where they are what tells. */
function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : seconds(ms);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

process.on('SIGINT', () => {
  if (interrupted.signal.aborted) {
    // A second Ctrl-C: leave now; the fixtures SIGKILL their child processes on exit.
    process.exit(130);
  }
  console.log('\ninterrupted: stopping everything the demo started …');
  lineOpen = false;
  interrupted.abort(new Error('interrupted'));
});

main().then(
  (code) => {
    process.exitCode = interrupted.signal.aborted ? 130 : code;
  },
  (error: unknown) => {
    if (interrupted.signal.aborted) {
      process.exitCode = 130;
      return;
    }
    const cause = error instanceof Error && error.cause instanceof Error ? `\n  cause: ${error.cause.message}` : '';
    console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}${cause}`);
    process.exitCode = 1;
  },
);
