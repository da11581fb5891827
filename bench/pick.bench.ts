// How fast each picker and wrapper chooses, on a first attempt and on a retry, and what a change of
// membership or of availability costs.
// Run: node --import tsx bench/pick.bench.ts   (about a minute; prints its figures last)
//
// ns per pick: median of 5 runs of a tight loop of picks over a frozen array (every member
// available), after a warm-up that lets V8 optimise and the picker derive its state. "pick + hooks"
// adds the onRequestStart/onRequestEnd pair the client calls for each attempt. "retry": the same
// arrays, with `context.tried` naming where that request's first attempt went. Bytes per pick: heap
// growth over 200,000 picks after a forced collection, through V8's `gc` exposed at run time (no
// young-generation collection fits in between, so growth is what the picks allocated). Membership
// change: the first pick after one of 10,000 members is replaced (a new members array), where
// pickers rebuild what lasts; availability change: the first pick after one of 10,000 members is
// taken out (a new instances array, the same members). Medians of 5.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Instance } from '../lib/discovery/instance.js';
import { compose } from '../lib/pickers/compose.js';
import { consistentHash } from '../lib/pickers/consistent-hash.js';
import { byTag, canary } from '../lib/pickers/filters.js';
import { leastRequest } from '../lib/pickers/least-request.js';
import { locality } from '../lib/pickers/locality.js';
import { p2cEwma } from '../lib/pickers/p2c-ewma.js';
import { serverLoad } from '../lib/pickers/server-load.js';
import type { PickContext, Picker, RequestResult } from '../lib/pickers/picker.js';
import { random } from '../lib/pickers/random.js';
import { roundRobin } from '../lib/pickers/round-robin.js';
import { slowStart } from '../lib/pickers/slow-start.js';
import { subset } from '../lib/pickers/subset.js';
import { weightedRoundRobin } from '../lib/pickers/weighted-round-robin.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const SIZES = [10, 1_000, 10_000, 100_000] as const;
const CHANGE_SIZE = 10_000;
const RUNS = 5;
const PICKS_PER_RUN = 200_000;
const ALLOCATION_PICKS = 200_000;
const KEYS = 1024;

/** One attempt of a request: its key, its membership, and the one instance it already tried (if a retry). */
class BenchContext implements PickContext {
  readonly service = 'users';
  readonly method = 'GET';
  readonly url = '/';
  attempt = 1;
  triedInstance: Instance | undefined;

  constructor(
    public members: readonly Instance[],
    private readonly key: string,
  ) {}

  tried(instance: Instance): boolean {
    return instance === this.triedInstance;
  }

  header(name: string): string | undefined {
    return name === 'x-hash-key' ? this.key : undefined;
  }
}

/** First attempts and their retries, KEYS of each, over one membership. */
interface Requests {
  readonly first: readonly BenchContext[];
  readonly retry: readonly BenchContext[];
}

function requestsOver(members: readonly Instance[]): Requests {
  const first = Array.from({ length: KEYS }, (_, index) => new BenchContext(members, `user-${index}`));
  const retry = Array.from({ length: KEYS }, (_, index) => {
    const context = new BenchContext(members, `user-${index}`);
    context.attempt = 2;
    return context;
  });
  return { first, retry };
}

const success: RequestResult = { latencyMs: 12, outcome: 'success' };

const subjects: Record<string, () => Picker> = {
  'round-robin': () => roundRobin(),
  random: () => random(),
  'weighted-round-robin': () => weightedRoundRobin(),
  'least-request': () => leastRequest(),
  'p2c-ewma': () => p2cEwma(),
  'server-load': () => serverLoad(),
  'consistent-hash': () => consistentHash(),
  locality: () => locality({ zone: 'a' }),
  'slowStart(p2c-ewma)': () => slowStart(p2cEwma()),
  'subset(p2c-ewma)': () => subset(p2cEwma(), { size: 10, clientId: 7 }),
  'byTag | p2c-ewma': () => compose(byTag('http'), p2cEwma()),
  'byTag | subset(p2c-ewma)': () => compose(byTag('http'), subset(p2cEwma(), { size: 10, clientId: 7 })),
  'canary | consistent-hash': () => compose(canary({ share: 0.05, select: byTag('canary') }), consistentHash()),
};

function fleet(size: number, generation = 0): readonly Instance[] {
  const instances: Instance[] = [];
  for (let i = 0; i < size; i++) {
    const id = i === 0 ? `users-${generation}-0` : `users-${i}`;
    const zone = 'abc'[i % 3] as string;
    instances.push(
      Object.freeze({
        id,
        service: 'users',
        host: `10.0.${(i >> 8) & 255}.${i & 255}`,
        port: 8080,
        origin: `http://10.0.${(i >> 8) & 255}.${i & 255}:8080`,
        tags: i % 10 === 9 ? ['grpc'] : i % 20 === 0 ? ['http', 'canary'] : ['http'],
        meta: {},
        weight: 1 + (i % 4),
        health: 'passing' as const,
        node: { name: `node-${i}`, address: '10.0.0.1', datacenter: 'dc1', meta: { zone } },
      }),
    );
  }
  return Object.freeze(instances);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

let sink = 0;

function timePicks(picker: Picker, instances: readonly Instance[], contexts: readonly BenchContext[], picks: number, hooks: boolean): number {
  // A local small-integer checksum: adding into a module-level number would box it on every pick.
  let checksum = 0;
  const start = process.hrtime.bigint();
  if (hooks) {
    for (let n = 0; n < picks; n++) {
      const context = contexts[n & (KEYS - 1)]!;
      const instance = picker.pick(instances, context)!;
      picker.onRequestStart?.(instance, context);
      picker.onRequestEnd?.(instance, success, context);
      checksum = (checksum + instance.port) | 0;
    }
  } else {
    for (let n = 0; n < picks; n++) checksum = (checksum + picker.pick(instances, contexts[n & (KEYS - 1)]!)!.port) | 0;
  }
  const elapsed = Number(process.hrtime.bigint() - start);
  sink ^= checksum;
  return elapsed / picks;
}

/** A picker that has picked over `instances`, and retry contexts naming where each first attempt went. */
function warmed(create: () => Picker, instances: readonly Instance[], requests: Requests): Picker {
  const picker = create();
  requests.first.forEach((context, index) => {
    (requests.retry[index] as BenchContext).triedInstance = picker.pick(instances, context);
  });
  timePicks(picker, instances, requests.first, PICKS_PER_RUN, false);
  return picker;
}

function nsPerPick(picker: Picker, instances: readonly Instance[], contexts: readonly BenchContext[], hooks: boolean): number {
  timePicks(picker, instances, contexts, PICKS_PER_RUN / 2, hooks);
  const runs: number[] = [];
  for (let run = 0; run < RUNS; run++) runs.push(timePicks(picker, instances, contexts, PICKS_PER_RUN, hooks));
  return median(runs);
}

function bytesPerPick(picker: Picker, instances: readonly Instance[], contexts: readonly BenchContext[]): number {
  timePicks(picker, instances, contexts, PICKS_PER_RUN, false);
  const samples: number[] = [];
  for (let run = 0; run < 3; run++) {
    collectGarbage();
    let checksum = 0;
    const before = process.memoryUsage().heapUsed;
    for (let n = 0; n < ALLOCATION_PICKS; n++) checksum = (checksum + picker.pick(instances, contexts[n & (KEYS - 1)]!)!.port) | 0;
    samples.push((process.memoryUsage().heapUsed - before) / ALLOCATION_PICKS);
    sink ^= checksum;
  }
  return Math.max(0, median(samples));
}

/** Milliseconds of the first pick after each of RUNS + 1 changes (the first, a cold start, dropped). */
function firstPickMs(picker: Picker, change: (generation: number) => { instances: readonly Instance[]; members: readonly Instance[] }): number {
  const context = new BenchContext([], 'user-1');
  const times: number[] = [];
  for (let generation = 0; generation < RUNS + 1; generation++) {
    const { instances, members } = change(generation);
    context.members = members;
    const start = process.hrtime.bigint();
    sink ^= picker.pick(instances, context)!.port;
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times.slice(1));
}

function mathRandomNs(): number {
  const runs: number[] = [];
  for (let run = 0; run < RUNS + 1; run++) {
    const start = process.hrtime.bigint();
    let checksum = 0;
    for (let n = 0; n < 5_000_000; n++) checksum = (checksum + Math.floor(Math.random() * 1024)) | 0;
    runs.push(Number(process.hrtime.bigint() - start) / 5_000_000);
    sink ^= checksum;
  }
  return median(runs.slice(1));
}

const started = Date.now();
const fleets = new Map(SIZES.map((size) => [size, fleet(size)]));
const requests = new Map(SIZES.map((size) => [size, requestsOver(fleets.get(size)!)]));
const changeFleets = Array.from({ length: RUNS + 1 }, (_, generation) => fleet(CHANGE_SIZE, generation + 1));
const changeMembers = fleets.get(CHANGE_SIZE)!;
const outages = Array.from({ length: RUNS + 1 }, (_, generation) =>
  Object.freeze(changeMembers.filter((_, index) => index !== 1 + generation * 7)),
);
const rows: string[][] = [];
for (const [name, create] of Object.entries(subjects)) {
  const perSize = SIZES.map((size) => {
    const instances = fleets.get(size)!;
    const sizeRequests = requests.get(size)!;
    return nsPerPick(warmed(create, instances, sizeRequests), instances, sizeRequests.first, false);
  });
  const thousand = fleets.get(1_000)!;
  const thousandRequests = requests.get(1_000)!;
  const picker = warmed(create, thousand, thousandRequests);
  const withHooks = nsPerPick(picker, thousand, thousandRequests.first, true);
  const retry = nsPerPick(picker, thousand, thousandRequests.retry, false);
  const bytes = bytesPerPick(picker, thousand, thousandRequests.first);
  const retryBytes = bytesPerPick(picker, thousand, thousandRequests.retry);
  const membershipChange = firstPickMs(create(), (generation) => ({ instances: changeFleets[generation]!, members: changeFleets[generation]! }));
  const availabilityChanger = create();
  availabilityChanger.pick(changeMembers, new BenchContext(changeMembers, 'user-1'));
  const availabilityChange = firstPickMs(availabilityChanger, (generation) => ({ instances: outages[generation]!, members: changeMembers }));
  rows.push([
    name,
    ...perSize.map((ns) => ns.toFixed(0)),
    withHooks.toFixed(0),
    retry.toFixed(0),
    bytes.toFixed(2),
    retryBytes.toFixed(2),
    membershipChange.toFixed(2),
    availabilityChange.toFixed(2),
  ]);
}
const baseline = mathRandomNs();

const header = [
  'picker',
  'ns/pick @10',
  '@1,000',
  '@10,000',
  '@100,000',
  'pick+hooks @1,000',
  'retry @1,000',
  'bytes/pick',
  'bytes/retry',
  'membership change @10,000 (ms)',
  'availability change @10,000 (ms)',
];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
const line = (cells: string[]) =>
  cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
console.log(`node ${process.version}, ${Math.round((Date.now() - started) / 1000)} s (checksum ${sink & 7})`);
console.log(line(header));
for (const row of rows) console.log(line(row));
console.log(`Math.random() alone (floor(Math.random() * 1024)): ${baseline.toFixed(1)} ns per call`);
