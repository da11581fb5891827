// How fast each picker chooses, and what a change of membership costs.
// Run: node --import tsx bench/pick.bench.ts   (about 30 s; prints its figures last)
//
// ns per pick: median of 5 runs of a tight loop of picks over a frozen array, after a warm-up that
// lets V8 optimise and the picker derive its state for the array. "pick + hooks" adds the
// onRequestStart/onRequestEnd pair the client calls for each attempt. Bytes per pick: heap growth
// over 200,000 picks after a forced collection, through V8's `gc` exposed at run time (no young
// generation collection fits in between, so growth is what the picks allocated). Membership change:
// the first pick on a new 10,000-instance array (one instance replaced), which is where pickers
// rebuild their derived state; median of 5.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Instance } from '../lib/discovery/instance.js';
import { compose } from '../lib/pickers/compose.js';
import { consistentHash } from '../lib/pickers/consistent-hash.js';
import { byTag } from '../lib/pickers/filters.js';
import { leastRequest } from '../lib/pickers/least-request.js';
import { p2cEwma } from '../lib/pickers/p2c-ewma.js';
import type { PickContext, Picker, RequestResult } from '../lib/pickers/picker.js';
import { random } from '../lib/pickers/random.js';
import { roundRobin } from '../lib/pickers/round-robin.js';
import { weightedRoundRobin } from '../lib/pickers/weighted-round-robin.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const SIZES = [10, 1_000, 10_000, 100_000] as const;
const RUNS = 5;
const PICKS_PER_RUN = 500_000;
const ALLOCATION_PICKS = 200_000;

let keyCounter = 0;
const keys = Array.from({ length: 1024 }, (_, i) => `user-${i}`);
const context: PickContext = {
  service: 'users',
  method: 'GET',
  url: '/',
  attempt: 1,
  members: [],
  tried: () => false,
  header: (name) => (name === 'x-hash-key' ? keys[keyCounter++ & 1023] : undefined),
};
const success: RequestResult = { latencyMs: 12, outcome: 'success' };

const subjects: Record<string, () => Picker> = {
  'round-robin': () => roundRobin(),
  random: () => random(),
  'weighted-round-robin': () => weightedRoundRobin(),
  'least-request': () => leastRequest(),
  'p2c-ewma': () => p2cEwma(),
  'consistent-hash': () => consistentHash(),
  'byTag | p2c-ewma': () => compose(byTag('http'), p2cEwma()),
};

function fleet(size: number, generation = 0): readonly Instance[] {
  const instances: Instance[] = [];
  for (let i = 0; i < size; i++) {
    const id = i === 0 ? `users-${generation}-0` : `users-${i}`;
    instances.push(
      Object.freeze({
        id,
        service: 'users',
        host: `10.0.${(i >> 8) & 255}.${i & 255}`,
        port: 8080,
        origin: `http://10.0.${(i >> 8) & 255}.${i & 255}:8080`,
        tags: i % 10 === 9 ? ['grpc'] : ['http'],
        meta: {},
        weight: 1 + (i % 4),
        health: 'passing' as const,
        node: { name: `node-${i}`, address: '10.0.0.1', datacenter: 'dc1', meta: {} },
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

function timePicks(picker: Picker, instances: readonly Instance[], picks: number, hooks: boolean): number {
  // A local small-integer checksum: adding into a module-level number would box it on every pick.
  let checksum = 0;
  const start = process.hrtime.bigint();
  if (hooks) {
    for (let n = 0; n < picks; n++) {
      const instance = picker.pick(instances, context)!;
      picker.onRequestStart?.(instance, context);
      picker.onRequestEnd?.(instance, success, context);
      checksum = (checksum + instance.port) | 0;
    }
  } else {
    for (let n = 0; n < picks; n++) checksum = (checksum + picker.pick(instances, context)!.port) | 0;
  }
  const elapsed = Number(process.hrtime.bigint() - start);
  sink ^= checksum;
  return elapsed / picks;
}

function nsPerPick(create: () => Picker, instances: readonly Instance[], hooks: boolean): number {
  const picker = create();
  timePicks(picker, instances, PICKS_PER_RUN, hooks);
  const runs: number[] = [];
  for (let run = 0; run < RUNS; run++) runs.push(timePicks(picker, instances, PICKS_PER_RUN, hooks));
  return median(runs);
}

function bytesPerPick(create: () => Picker, instances: readonly Instance[]): number {
  const picker = create();
  timePicks(picker, instances, PICKS_PER_RUN, false);
  const samples: number[] = [];
  for (let run = 0; run < 3; run++) {
    collectGarbage();
    let checksum = 0;
    const before = process.memoryUsage().heapUsed;
    for (let n = 0; n < ALLOCATION_PICKS; n++) checksum = (checksum + picker.pick(instances, context)!.port) | 0;
    samples.push((process.memoryUsage().heapUsed - before) / ALLOCATION_PICKS);
    sink ^= checksum;
  }
  return Math.max(0, median(samples));
}

function membershipChangeMs(create: () => Picker): number {
  const picker = create();
  const times: number[] = [];
  for (let generation = 0; generation < RUNS + 1; generation++) {
    const instances = fleet(10_000, generation);
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
const rows: string[][] = [];
for (const [name, create] of Object.entries(subjects)) {
  const perSize = SIZES.map((size) => nsPerPick(create, fleets.get(size)!, false));
  const withHooks = nsPerPick(create, fleets.get(1_000)!, true);
  const bytes = bytesPerPick(create, fleets.get(1_000)!);
  const change = membershipChangeMs(create);
  rows.push([
    name,
    ...perSize.map((ns) => ns.toFixed(0)),
    withHooks.toFixed(0),
    bytes.toFixed(2),
    change.toFixed(2),
  ]);
}
const baseline = mathRandomNs();

const header = ['picker', 'ns/pick @10', '@1,000', '@10,000', '@100,000', 'pick+hooks @1,000', 'bytes/pick', 'change of 10,000 (ms)'];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
const line = (cells: string[]) =>
  cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
console.log(`node ${process.version}, ${Math.round((Date.now() - started) / 1000)} s (checksum ${sink & 7})`);
console.log(line(header));
for (const row of rows) console.log(line(row));
console.log(`Math.random() alone (floor(Math.random() * 1024)): ${baseline.toFixed(1)} ns per call`);
