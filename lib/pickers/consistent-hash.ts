/**
 * Consistent hashing with bounded loads: requests with the same key go to the same instance while
 * it is available and not overloaded, so per-key state (a cache, a session, a shard) stays warm.
 *
 * Structure: a ring hash (`hash-ring.ts`; Envoy's `RING_HASH`), not Maglev. On a ring, removing an
 * instance moves exactly the keys it owned and adding one takes keys only for itself, which is the
 * strongest form of minimal disruption; Maglev's table reshuffles a few keys between survivors too.
 * The ring is built from the membership, so an instance taken out for a while (an open breaker, an
 * ejection) hands its keys to the next owners along the ring and takes them back when it returns,
 * and nothing else moves.
 *
 * The ring is also what bounded loads are defined on: a key whose instance is full walks on to the
 * next point (Mirrokni, Thorup, Zadimoghaddam, "Consistent Hashing with Bounded Loads", 2017; used by
 * Google Cloud Pub/Sub, HAProxy's `hash-balance-factor`, Envoy's `hash_balance_factor`). The bound is
 * kept for each instances array the picker is given, over the requests in flight on that array's
 * instances alone, so a picker behind a canary split or inside `locality` keeps it on every side.
 *
 * A retry walks on past the instances the request already tried, as Envoy's ring hash does: the same
 * fallback for the same key, and the instance the key moves to if its owner leaves.
 */
import type { Random } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { murmur3 } from './hash.js';
import { HashRing, MAX_RING_POINTS, type RingView } from './hash-ring.js';
import { InstanceSetCache } from './instance-set-cache.js';
import type { PickContext, Picker, PickerBaseOptions } from './picker.js';
import { pickerRandom } from './picker-random.js';
import { checkPickerOptions } from './picker-options.js';

export interface ConsistentHashOptions extends PickerBaseOptions {
  /**
   * The request's key; requests with equal keys go to the same instance. Default: the `x-hash-key`
   * header. A request without a key (undefined or empty) goes to a random instance, chosen in
   * proportion to weight and still within the load bound.
   */
  readonly key?: (context: PickContext) => string | undefined;
  /**
   * c in "bounded loads": no instance is given a request while it has ceil(c × average in-flight)
   * or more, the average taken over the instances picked from (their requests in flight, counting
   * the new one, shared by weight). Lower spreads hot keys sooner; `Infinity` turns the bound off
   * (strict affinity). Default 1.25, as recommended by Mirrokni et al. Must be at least 1.
   */
  readonly loadFactor?: number;
  /**
   * Ring points for an instance of the lightest weight. More points spread keys more evenly (the
   * spread of shares shrinks as 1/sqrt(points)) at the cost of memory (8 bytes a point) and rebuild
   * time. Default 100. The ring is capped at 524,288 points; above that every instance gets fewer.
   */
  readonly pointsPerInstance?: number;
}

const DEFAULT_LOAD_FACTOR = 1.25;
// Shares of keys then spread by about ±10 % (1/sqrt(100)). (Envoy's 1,024-point minimum ring is far
// coarser at scale.)
const DEFAULT_POINTS_PER_INSTANCE = 100;
// Views whose in-flight totals the hooks keep current: a canary's two sides, a locality's zones and
// the whole set fit; a view used again after falling out is recounted once, in one pass.
const COUNTED_VIEWS = 4;

const defaultKey = (context: PickContext): string | undefined => context.header('x-hash-key');

export function consistentHash(options: ConsistentHashOptions = {}): Picker {
  checkPickerOptions('consistent-hash', options, ['key', 'loadFactor', 'pointsPerInstance'], '{ loadFactor: 1.25 }');
  return new ConsistentHashPicker(options);
}

class ConsistentHashPicker implements Picker {
  readonly name = 'consistent-hash';
  readonly #keyOf: (context: PickContext) => string | undefined;
  readonly #loadFactor: number;
  readonly #random: Random;
  readonly #rings: InstanceSetCache<HashRing>;
  // Keyed by id, not by position, so counts survive rebuilds and instances leaving mid-request.
  readonly #inFlight = new Map<string, number>();
  /** The views whose `inFlight` the hooks keep current, most recently used last. */
  readonly #counted: RingView[] = [];

  constructor(options: ConsistentHashOptions) {
    const loadFactor = options.loadFactor ?? DEFAULT_LOAD_FACTOR;
    if (!(loadFactor >= 1)) {
      throw new InvalidOptionError('loadFactor', `must be a number of at least 1 (or Infinity), not ${String(loadFactor)}`);
    }
    const pointsPerInstance = options.pointsPerInstance ?? DEFAULT_POINTS_PER_INSTANCE;
    if (!Number.isInteger(pointsPerInstance) || pointsPerInstance < 1 || pointsPerInstance > MAX_RING_POINTS) {
      throw new InvalidOptionError(
        'pointsPerInstance',
        `must be an integer from 1 to ${MAX_RING_POINTS}, not ${String(pointsPerInstance)}`,
      );
    }
    this.#keyOf = options.key ?? defaultKey;
    this.#loadFactor = loadFactor;
    this.#random = options.random ?? pickerRandom();
    this.#rings = new InstanceSetCache((members) => new HashRing(members, pointsPerInstance));
  }

  pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
    if (instances.length <= 1) return instances[0];
    const view = this.#rings.get(context.members).view(instances);
    if (!view.counted) this.#count(view);
    const key = this.#keyOf(context);
    const start =
      key === undefined || key === ''
        ? Math.floor(this.#random() * view.length)
        : view.firstPointAtOrAfter(murmur3(key));
    return this.#walk(view, start, context);
  }

  onRequestStart(instance: Instance): void {
    this.#inFlight.set(instance.id, (this.#inFlight.get(instance.id) ?? 0) + 1);
    const counted = this.#counted;
    for (let index = 0; index < counted.length; index += 1) {
      const view = counted[index] as RingView;
      if (view.indexOf(instance.id) >= 0) view.inFlight += 1;
    }
  }

  onRequestEnd(instance: Instance): void {
    const count = this.#inFlight.get(instance.id);
    if (count === undefined) return;
    if (count <= 1) this.#inFlight.delete(instance.id);
    else this.#inFlight.set(instance.id, count - 1);
    const counted = this.#counted;
    for (let index = 0; index < counted.length; index += 1) {
      const view = counted[index] as RingView;
      if (view.indexOf(instance.id) >= 0) view.inFlight -= 1;
    }
  }

  /** Starts keeping `view`'s in-flight total, from the counts by id, in place of the least recent. */
  #count(view: RingView): void {
    if (this.#counted.length === COUNTED_VIEWS) (this.#counted.shift() as RingView).counted = false;
    let total = 0;
    // The requests in flight are few next to the instances: count those that fall in the view.
    for (const [id, count] of this.#inFlight) if (view.indexOf(id) >= 0) total += count;
    view.inFlight = total;
    view.counted = true;
    this.#counted.push(view);
  }

  /**
   * From `start` clockwise, the first available instance the request has not tried that is below
   * its bound. One lap finds one unless the request tried every instance below its bound: the bounds
   * add up to c × (in-flight + 1), more than the requests the instances hold. Failing that, an
   * untried instance wins over the bound (a retry must not go back to where it failed), then the
   * bound over a tried one.
   */
  #walk(view: RingView, start: number, context: PickContext): Instance | undefined {
    const { instances, weights } = view;
    const length = view.length;
    const bounded = view.inFlight > 0 && this.#loadFactor !== Infinity;
    const allowed = bounded ? (this.#loadFactor * (view.inFlight + 1)) / view.totalWeight : 0;
    let firstUntried = -1;
    let firstBelowBound = -1;
    let firstAvailable = -1;
    let at = start;
    for (let step = 0; step < length; step += 1, at += 1) {
      if (at >= length) at = 0;
      const owner = view.ownerAt(at);
      if (owner < 0) continue;
      const instance = instances[owner] as Instance;
      const untried = !context.tried(instance);
      const belowBound = !bounded || (this.#inFlight.get(instance.id) ?? 0) < Math.ceil(allowed * (weights[owner] as number));
      if (untried && belowBound) return instance;
      if (firstAvailable < 0) firstAvailable = owner;
      if (untried) {
        if (firstUntried < 0) firstUntried = owner;
      } else if (belowBound && firstBelowBound < 0) {
        firstBelowBound = owner;
      }
    }
    return instances[firstUntried >= 0 ? firstUntried : firstBelowBound >= 0 ? firstBelowBound : firstAvailable];
  }
}
