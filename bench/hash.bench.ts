// Nanoseconds per consistent-hash pick at 10 to 100,000 instances, the time to rebuild the ring when
// membership changes, and the time to derive the view of it when one instance is taken out.
// Usage: node --import tsx bench/hash.bench.ts
import type { Instance } from '../lib/discovery/instance.js';
import { consistentHash } from '../lib/pickers/consistent-hash.js';
import type { PickContext } from '../lib/pickers/picker.js';

const KEYS = 4_096;
const PICKS = 2_000_000;

function fleet(size: number): readonly Instance[] {
  return Object.freeze(
    Array.from({ length: size }, (_, index): Instance => {
      const host = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
      return {
        id: `carts-${index}`,
        service: 'carts',
        host,
        port: 8080,
        origin: `http://${host}:8080`,
        tags: [],
        meta: {},
        weight: 1,
        health: 'passing',
        node: { name: `node-${index}`, address: host, datacenter: 'dc1', meta: {} },
      };
    }),
  );
}

function contexts(count: number, members: readonly Instance[]): PickContext[] {
  return Array.from({ length: count }, (_, index) => {
    const key = `user-${index * 7919}`;
    return { service: 'carts', method: 'GET', url: '/', attempt: 1, members, tried: () => false, header: () => key };
  });
}

function nsPerPick(size: number, withLoads: boolean): number {
  const instances = fleet(size);
  const picker = consistentHash();
  const requests = contexts(KEYS, instances);
  picker.pick(instances, requests[0]!);
  if (withLoads) {
    // Two requests in flight on every instance, so every pick checks the load bound.
    for (const instance of instances) {
      picker.onRequestStart!(instance, requests[0]!);
      picker.onRequestStart!(instance, requests[0]!);
    }
  }
  let sink = 0;
  for (let index = 0; index < PICKS / 10; index += 1) sink += picker.pick(instances, requests[index & (KEYS - 1)]!)!.port;
  const started = process.hrtime.bigint();
  for (let index = 0; index < PICKS; index += 1) sink += picker.pick(instances, requests[index & (KEYS - 1)]!)!.port;
  const elapsed = Number(process.hrtime.bigint() - started);
  if (sink === 0) console.log('unreachable');
  return elapsed / PICKS;
}

function rebuildMs(size: number): number {
  const picker = consistentHash();
  let best = Infinity;
  for (let round = 0; round < 5; round += 1) {
    const instances = fleet(size);
    const request = contexts(1, instances)[0]!;
    const started = process.hrtime.bigint();
    picker.pick(instances, request);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return best;
}

function outageMs(size: number): number {
  const picker = consistentHash();
  const members = fleet(size);
  const request = contexts(1, members)[0]!;
  picker.pick(members, request);
  let best = Infinity;
  for (let round = 0; round < 5; round += 1) {
    const available = Object.freeze(members.filter((_, index) => index !== round));
    const started = process.hrtime.bigint();
    picker.pick(available, request);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return best;
}

console.log('instances   ns/pick (no load)   ns/pick (2 in flight each)   rebuild ms (best of 5)   one out ms (best of 5)');
for (const size of [10, 1_000, 10_000, 100_000]) {
  const idle = nsPerPick(size, false).toFixed(0);
  const loaded = nsPerPick(size, true).toFixed(0);
  const rebuild = rebuildMs(size).toFixed(1);
  const outage = outageMs(size).toFixed(2);
  console.log(`${String(size).padStart(9)}   ${idle.padStart(17)}   ${loaded.padStart(26)}   ${rebuild.padStart(22)}   ${outage.padStart(22)}`);
}
