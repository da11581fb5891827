/**
 * Consistent hashing with bounded loads: requests with the same key go to the same instance while
 * it is present and not overloaded, so per-key state (a cache, a session, a shard) stays warm.
 *
 * Structure: a ring hash (Karger et al., 1997; Envoy's `RING_HASH`), not Maglev. On a ring, removing
 * an instance moves exactly the keys it owned and adding one takes keys only for itself, which is the
 * strongest form of minimal disruption; Maglev's table reshuffles a few keys between survivors too.
 * The ring is also what bounded loads are defined on: a key whose instance is full walks on to the
 * next point (Mirrokni, Thorup, Zadimoghaddam, "Consistent Hashing with Bounded Loads", 2017; used by
 * Google Cloud Pub/Sub, HAProxy's `hash-balance-factor`, Envoy's `hash_balance_factor`). Its costs
 * are paid at rebuild: points are derived from two hashes of the id (no string per point) and
 * radix-sorted in typed arrays; a pick is one key hash and a binary search, without allocation.
 *
 * Each instance gets `pointsPerInstance` points (100) times its weight relative to the
 * lightest instance, so an instance of weight 3 owns about three times the keys of one of weight 1.
 * Points depend on the instance's id alone, so a key's owner survives any churn that does not touch
 * the owner (while the lightest weight stays the same).
 */
import type { Random } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { murmur3, mix32 } from './hash.js';
import { InstanceSetCache } from './instance-set-cache.js';
import type { PickContext, Picker, PickerBaseOptions } from './picker.js';
import { pickerRandom } from './picker-random.js';

export interface ConsistentHashOptions extends PickerBaseOptions {
  /**
   * The request's key; requests with equal keys go to the same instance. Default: the `x-hash-key`
   * header. A request without a key (undefined or empty) goes to a random instance, chosen in
   * proportion to weight and still within the load bound.
   */
  readonly key?: (context: PickContext) => string | undefined;
  /**
   * c in "bounded loads": no instance is given a request while it has ceil(c × average in-flight)
   * or more, the average taken over the instances picked from and counting the new request. Lower
   * spreads hot keys sooner; `Infinity` turns the bound off (strict affinity). Default 1.25, as
   * recommended by Mirrokni et al. Must be at least 1.
   */
  readonly loadFactor?: number;
  /**
   * Ring points for an instance of the lightest weight. More points spread keys more evenly (the
   * spread of shares shrinks as 1/sqrt(points)) at the cost of memory (8 bytes a point) and rebuild
   * time. Default 100. The ring is capped at 4,194,304 points; above that every instance gets fewer.
   */
  readonly pointsPerInstance?: number;
}

const DEFAULT_LOAD_FACTOR = 1.25;
// Shares of keys then spread by about ±10 % (1/sqrt(100)). (Envoy's 1,024-point minimum ring is far
// coarser at scale.)
const DEFAULT_POINTS_PER_INSTANCE = 100;
// Bounds memory (8 bytes a point) and rebuild time: past about 5,000 instances each gets fewer than
// 100 points (about 50 at 10,000, shares within ±15 %, which bounded loads evens out under load), so
// a membership change of a 10,000-instance fleet still applies in well under 50 ms.
const MAX_RING_POINTS = 1 << 19;
const SECOND_HASH_SEED = 0x9747b28c;
// More retries than this walk no further along the ring (the client allows at most 10 tries).
const MAX_RETRY_SKIPS = 16;

const defaultKey = (context: PickContext): string | undefined => context.header('x-hash-key');

export function consistentHash(options: ConsistentHashOptions = {}): Picker {
  return new ConsistentHashPicker(options);
}

/** The ring for one instances array: sorted points and, for each point, its owner's index. */
interface HashRing {
  readonly points: Uint32Array;
  readonly owners: Uint32Array;
  /**
   * `bucketStarts[b]` is the first point whose top bits are ≥ b (one more entry holds the length), so a
   * lookup binary-searches a handful of points instead of the whole ring and touches few cache lines.
   */
  readonly bucketStarts: Uint32Array;
  readonly bucketShift: number;
  /** Instance weights in the order of the instances array, and their sum: each one's share of the bound. */
  readonly weights: Float64Array;
  readonly totalWeight: number;
}

class ConsistentHashPicker implements Picker {
  readonly name = 'consistent-hash';
  readonly #keyOf: (context: PickContext) => string | undefined;
  readonly #loadFactor: number;
  readonly #random: Random;
  readonly #rings: InstanceSetCache<HashRing>;
  // Keyed by id, not by array position, so counts survive rebuilds and rings built for other arrays.
  readonly #inFlight = new Map<string, number>();
  #inFlightTotal = 0;
  /** Owners already passed over by a retry's walk; preallocated so a retry allocates nothing. */
  readonly #passed = new Uint32Array(MAX_RETRY_SKIPS);

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
    this.#rings = new InstanceSetCache((instances) => buildRing(instances, pointsPerInstance));
  }

  pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
    if (instances.length <= 1) return instances[0];
    const ring = this.#rings.get(instances);
    const points = ring.points;
    const key = this.#keyOf(context);
    const start =
      key === undefined || key === ''
        ? Math.floor(this.#random() * points.length)
        : firstPointAtOrAfter(ring, murmur3(key));
    // As Envoy's ring hash does on a retry: the key's next owners along the ring, so a retry goes
    // to another instance, and the same one for the same key, without rebuilding a ring.
    const from = context.attempt > 1 ? this.#skipOwners(ring, start, context.attempt - 1) : start;
    return this.#walk(instances, ring, from);
  }

  /** The first point, from `start` on, whose owner is the (skips + 1)-th distinct owner met. */
  #skipOwners(ring: HashRing, start: number, skips: number): number {
    const { owners } = ring;
    const length = owners.length;
    const passed = this.#passed;
    const wanted = Math.min(skips, passed.length);
    let count = 0;
    let at = start;
    for (let step = 0; step < length; step += 1, at += 1) {
      if (at >= length) at = 0;
      const owner = owners[at] ?? 0;
      if (isAmong(passed, count, owner)) continue;
      if (count === wanted) return at;
      passed[count++] = owner;
    }
    // Fewer distinct instances than skips: start over from the key's own owner.
    return start;
  }

  onRequestStart(instance: Instance): void {
    this.#inFlight.set(instance.id, (this.#inFlight.get(instance.id) ?? 0) + 1);
    this.#inFlightTotal += 1;
  }

  onRequestEnd(instance: Instance): void {
    const count = this.#inFlight.get(instance.id);
    if (count === undefined) return;
    if (count <= 1) this.#inFlight.delete(instance.id);
    else this.#inFlight.set(instance.id, count - 1);
    this.#inFlightTotal -= 1;
  }

  /**
   * From `start` clockwise, the first instance below its bound. One lap always finds one: the bounds
   * add up to c × (in-flight + 1), more than the in-flight requests the instances can hold.
   */
  #walk(instances: readonly Instance[], ring: HashRing, start: number): Instance | undefined {
    const { points, owners, weights } = ring;
    const length = points.length;
    const firstOwner = owners[start === length ? 0 : start] ?? 0;
    if (this.#inFlightTotal === 0 || this.#loadFactor === Infinity) return instances[firstOwner];
    const allowed = (this.#loadFactor * (this.#inFlightTotal + 1)) / ring.totalWeight;
    let at = start;
    for (let step = 0; step < length; step += 1) {
      if (at >= length) at = 0;
      const owner = owners[at] ?? 0;
      const instance = instances[owner];
      if (instance !== undefined) {
        const load = this.#inFlight.get(instance.id) ?? 0;
        if (load < Math.ceil(allowed * (weights[owner] ?? 0))) return instance;
      }
      at += 1;
    }
    return instances[firstOwner];
  }
}

function isAmong(values: Uint32Array, count: number, value: number): boolean {
  for (let index = 0; index < count; index += 1) if (values[index] === value) return true;
  return false;
}

/** Index of the first point ≥ `hash`, or `points.length` when `hash` is past the last (wraps to 0). */
function firstPointAtOrAfter(ring: HashRing, hash: number): number {
  const points = ring.points;
  const bucket = hash >>> ring.bucketShift;
  let low = ring.bucketStarts[bucket] ?? 0;
  let high = ring.bucketStarts[bucket + 1] ?? points.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((points[middle] ?? 0) < hash) low = middle + 1;
    else high = middle;
  }
  return low;
}

function buildRing(instances: readonly Instance[], pointsPerInstance: number): HashRing {
  const count = instances.length;
  const firstHashes = new Uint32Array(count);
  const steps = new Uint32Array(count);
  let lightest = Infinity;
  let totalWeight = 0;
  for (let index = 0; index < count; index += 1) {
    const instance = instances[index] as Instance;
    firstHashes[index] = murmur3(instance.id);
    // Odd, so the points of one instance never repeat before 2^32 steps.
    steps[index] = (murmur3(instance.id, SECOND_HASH_SEED) | 1) >>> 0;
    lightest = Math.min(lightest, instance.weight);
    totalWeight += instance.weight;
  }

  const weights = new Float64Array(count);
  const pointCounts = new Uint32Array(count);
  let totalPoints = 0;
  for (let index = 0; index < count; index += 1) {
    const weight = (instances[index] as Instance).weight;
    weights[index] = weight;
    const points = Math.max(1, Math.round((pointsPerInstance * weight) / lightest));
    pointCounts[index] = points;
    totalPoints += points;
  }
  if (totalPoints > MAX_RING_POINTS) {
    const scale = MAX_RING_POINTS / totalPoints;
    totalPoints = 0;
    for (let index = 0; index < count; index += 1) {
      const points = Math.max(1, Math.floor((pointCounts[index] ?? 1) * scale));
      pointCounts[index] = points;
      totalPoints += points;
    }
  }

  // Points are laid down in an order that depends on ids only, so that when two instances hash to
  // the same point, the same one wins whatever order discovery listed them in.
  const order = Array.from({ length: count }, (_, index) => index);
  order.sort((a, b) => {
    const byHash = (firstHashes[a] ?? 0) - (firstHashes[b] ?? 0);
    if (byHash !== 0) return byHash;
    const idA = (instances[a] as Instance).id;
    const idB = (instances[b] as Instance).id;
    return idA < idB ? -1 : idA > idB ? 1 : 0;
  });

  const points = new Uint32Array(totalPoints);
  const owners = new Uint32Array(totalPoints);
  let at = 0;
  for (const index of order) {
    const first = firstHashes[index] ?? 0;
    const step = steps[index] ?? 1;
    const pointCount = pointCounts[index] ?? 0;
    for (let replica = 0; replica < pointCount; replica += 1) {
      points[at] = mix32(first + Math.imul(replica, step));
      owners[at] = index;
      at += 1;
    }
  }
  sortPointsWithOwners(points, owners);
  // About four points a bucket, and at most 2^16 buckets (256 KiB).
  const bucketBits = Math.max(1, Math.min(16, Math.floor(Math.log2(totalPoints)) - 2));
  const bucketShift = 32 - bucketBits;
  const bucketStarts = new Uint32Array((1 << bucketBits) + 1);
  let bucket = 0;
  for (let index = 0; index < totalPoints; index += 1) {
    const pointBucket = (points[index] ?? 0) >>> bucketShift;
    while (bucket <= pointBucket) bucketStarts[bucket++] = index;
  }
  while (bucket < bucketStarts.length) bucketStarts[bucket++] = totalPoints;
  return { points, owners, bucketStarts, bucketShift, weights, totalWeight };
}

/**
 * LSD radix sort on 16-bit digits, stable, carrying owners along: linear time, where a comparison
 * sort of a million points would take most of the 50 ms a 10,000-instance rebuild may use.
 */
function sortPointsWithOwners(points: Uint32Array, owners: Uint32Array): void {
  const length = points.length;
  const scratchPoints = new Uint32Array(length);
  const scratchOwners = new Uint32Array(length);
  const counts = new Uint32Array(65_536);
  let fromPoints: Uint32Array = points;
  let fromOwners: Uint32Array = owners;
  let toPoints: Uint32Array = scratchPoints;
  let toOwners: Uint32Array = scratchOwners;
  for (let shift = 0; shift < 32; shift += 16) {
    counts.fill(0);
    for (let index = 0; index < length; index += 1) {
      const digit = ((fromPoints[index] ?? 0) >>> shift) & 0xffff;
      counts[digit] = (counts[digit] ?? 0) + 1;
    }
    let offset = 0;
    for (let digit = 0; digit < 65_536; digit += 1) {
      const digitCount = counts[digit] ?? 0;
      counts[digit] = offset;
      offset += digitCount;
    }
    for (let index = 0; index < length; index += 1) {
      const point = fromPoints[index] ?? 0;
      const digit = (point >>> shift) & 0xffff;
      const target = counts[digit] ?? 0;
      counts[digit] = target + 1;
      toPoints[target] = point;
      toOwners[target] = fromOwners[index] ?? 0;
    }
    [fromPoints, toPoints] = [toPoints, fromPoints];
    [fromOwners, toOwners] = [toOwners, fromOwners];
  }
  // Two passes leave the sorted result back in the caller's arrays.
}
