/**
 * Deterministic subsetting: each client talks to only `size` of the instances, chosen so that every
 * instance serves the same number of clients (±1). With thousands of clients and instances, this
 * bounds connections per process without the 50 %–150 % load spread of random subsets.
 *
 * The algorithm is the Google SRE book's ("Load Balancing in the Datacenter"): with
 * subsetCount = floor(members / size), clients are grouped in rounds of subsetCount consecutive ids;
 * round r = floor(clientId / subsetCount) shuffles the members with seed r, and the client takes
 * slice number clientId % subsetCount. Within a round every member is in at most one subset, and the
 * leftovers differ from round to round, which evens out the remainder.
 *
 * The shuffle orders members by MurmurHash3 of their id seeded with the round, rather than a seeded
 * Fisher–Yates over a sorted list, so churn disturbs little: survivors keep their relative order. While
 * subsetCount stays the same, a member leaving or joining leaves a client's subset unchanged when it
 * sorts after that subset in the round's order, and otherwise swaps exactly one member. When the count
 * of members crosses a multiple of `size`, subsetCount changes and subsets are drawn afresh.
 *
 * Subsets are drawn from the membership (`context.members`) alone, then narrowed to what is available:
 * a breaker opening or an ejection never moves a subset, so connections stay where they are. The
 * inner picker is given the subset as its membership and its available members to pick from. When
 * none of them is available, or a retry has tried them all, the request goes to the other available
 * instances in turn (untried first) without asking the inner picker, whose own state stays the
 * subset's: a request never fails for subsetting alone.
 */
import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { murmur3 } from './hash.js';
import { InstanceSetCache } from './instance-set-cache.js';
import { NarrowedContext } from './narrowed-context.js';
import type { PickContext, Picker, RequestResult } from './picker.js';
import { hasUntried, untriedFrom } from './untried.js';
import { checkPickerOptions } from './picker-options.js';

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
  checkPickerOptions('subset', options, ['size', 'clientId'], '{ size: 10, clientId: 3 }', false);
  return new SubsetPicker(picker, options);
}

/** One membership's subset, and its available part for each instances array. */
class MemberSubset {
  readonly members: readonly Instance[];
  /** Each member's position in the subset, by id. */
  readonly #positions: Map<string, number>;
  readonly #available = new InstanceSetCache<readonly Instance[]>((instances) => this.#narrow(instances));

  constructor(members: readonly Instance[]) {
    this.members = members;
    this.#positions = new Map(members.map((member, position) => [member.id, position]));
  }

  /** The subset's members among `instances`: the subset itself while all are, `instances` when all of them are in it. */
  available(instances: readonly Instance[]): readonly Instance[] {
    return this.#available.get(instances);
  }

  #narrow(instances: readonly Instance[]): readonly Instance[] {
    const kept = instances.filter((instance) => this.#positions.has(instance.id));
    // Handing on an array the inner picker already knows keeps its derived state.
    if (kept.length === this.members.length) return this.members;
    if (kept.length === instances.length) return instances;
    const position = (instance: Instance): number => this.#positions.get(instance.id) as number;
    return Object.freeze(kept.sort((a, b) => position(a) - position(b)));
  }
}

class SubsetPicker implements Picker {
  readonly name: string;
  readonly #inner: Picker;
  readonly #subsets: InstanceSetCache<MemberSubset>;
  readonly #narrowed = new NarrowedContext();
  /** Where the next request that cannot use the subset starts looking. */
  #outsideTurn = 0;

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
    this.#subsets = new InstanceSetCache((members) => new MemberSubset(subsetOf(members, size, clientId)));
  }

  pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
    const memberSubset = this.#subsets.get(context.members);
    const available = memberSubset.available(instances);
    if (available.length > 0 && (available.length === instances.length || hasUntried(available, context))) {
      return this.#inner.pick(available, this.#narrowed.narrow(context, memberSubset.members));
    }
    const count = instances.length;
    if (count === 0) return undefined;
    let turn = this.#outsideTurn;
    if (turn >= count) turn %= count;
    const untried = untriedFrom(instances, turn, context);
    if (untried < 0 && available.length > 0) {
      return this.#inner.pick(available, this.#narrowed.narrow(context, memberSubset.members));
    }
    const chosen = untried >= 0 ? untried : turn;
    this.#outsideTurn = chosen + 1;
    return instances[chosen];
  }

  onRequestStart(instance: Instance, context: PickContext): void {
    this.#inner.onRequestStart?.(instance, context);
  }

  onRequestEnd(instance: Instance, result: RequestResult, context: PickContext): void {
    this.#inner.onRequestEnd?.(instance, result, context);
  }
}

function subsetOf(members: readonly Instance[], size: number, clientId: number): readonly Instance[] {
  if (members.length <= size) return members;
  const subsetCount = Math.floor(members.length / size);
  const round = Math.floor(clientId / subsetCount);
  const subsetIndex = clientId % subsetCount;
  const keyed = members.map((member) => ({ member, key: murmur3(member.id, round) }));
  keyed.sort((a, b) => a.key - b.key || (a.member.id < b.member.id ? -1 : a.member.id > b.member.id ? 1 : 0));
  const start = subsetIndex * size;
  return Object.freeze(keyed.slice(start, start + size).map((entry) => entry.member));
}
