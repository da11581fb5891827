/**
 * Deterministic subsetting: each client talks to only `size` of the instances, chosen so that every
 * instance serves the same number of clients (±1). With thousands of clients and instances, this
 * bounds connections per process without the 50 %–150 % load spread of random subsets.
 *
 * The algorithm is the Google SRE book's ("Load Balancing in the Datacenter"): with
 * subsetCount = floor(instances / size), clients are grouped in rounds of subsetCount consecutive ids;
 * round r = floor(clientId / subsetCount) shuffles the instances with seed r, and the client takes
 * slice number clientId % subsetCount. Within a round every instance is in at most one subset, and the
 * leftovers differ from round to round, which evens out the remainder.
 *
 * The shuffle orders instances by MurmurHash3 of their id seeded with the round, rather than a seeded
 * Fisher–Yates over a sorted list, so churn disturbs little: survivors keep their relative order. While
 * subsetCount stays the same, an instance leaving or joining leaves a client's subset unchanged when it
 * sorts after that subset in the round's order, and otherwise swaps exactly one member. When the count
 * of instances crosses a multiple of `size`, subsetCount changes and subsets are drawn afresh.
 *
 * Put it before filters that drop instances for a while (open breakers), so their flapping does not
 * move subsets. When there are no more instances than `size`, the inner picker sees them all.
 */
import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { murmur3 } from './hash.js';
import { InstanceSetCache } from './instance-set-cache.js';
import type { PickContext, Picker, RequestResult } from './picker.js';

export interface SubsetOptions {
  /** How many instances this client talks to. A whole number of at least 1. */
  readonly size: number;
  /**
   * This client's number, unique and dense across the calling fleet (0, 1, 2, … as with a StatefulSet
   * ordinal or a task index): consecutive ids share out the instances evenly.
   */
  readonly clientId: number;
}

export function subset(picker: Picker, options: SubsetOptions): Picker {
  return new SubsetPicker(picker, options);
}

class SubsetPicker implements Picker {
  readonly name: string;
  readonly #inner: Picker;
  readonly #subsets: InstanceSetCache<readonly Instance[]>;

  constructor(inner: Picker, options: SubsetOptions) {
    const { size, clientId } = options;
    if (!Number.isInteger(size) || size < 1) {
      throw new InvalidOptionError('size', `must be a whole number of at least 1, not ${String(size)}`);
    }
    if (!Number.isSafeInteger(clientId) || clientId < 0) {
      throw new InvalidOptionError('clientId', `must be a whole number of at least 0, unique per client, not ${String(clientId)}`);
    }
    this.name = `subset(${inner.name ?? 'custom'})`;
    this.#inner = inner;
    this.#subsets = new InstanceSetCache((instances) => subsetOf(instances, size, clientId));
  }

  pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
    return this.#inner.pick(this.#subsets.get(instances), context);
  }

  onRequestStart(instance: Instance, context: PickContext): void {
    this.#inner.onRequestStart?.(instance, context);
  }

  onRequestEnd(instance: Instance, result: RequestResult, context: PickContext): void {
    this.#inner.onRequestEnd?.(instance, result, context);
  }
}

function subsetOf(instances: readonly Instance[], size: number, clientId: number): readonly Instance[] {
  if (instances.length <= size) return instances;
  const subsetCount = Math.floor(instances.length / size);
  const round = Math.floor(clientId / subsetCount);
  const subsetIndex = clientId % subsetCount;
  const keyed = instances.map((instance) => ({ instance, key: murmur3(instance.id, round) }));
  keyed.sort((a, b) => a.key - b.key || (a.instance.id < b.instance.id ? -1 : a.instance.id > b.instance.id ? 1 : 0));
  const start = subsetIndex * size;
  return Object.freeze(keyed.slice(start, start + size).map((entry) => entry.instance));
}
