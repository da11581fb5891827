/**
 * The hash ring of consistent hashing (Karger et al., 1997; Envoy's `RING_HASH`): every member of the
 * service owns points on a 32-bit circle, and a key belongs to the owner of the first point at or
 * after the key's hash.
 *
 * The ring belongs to membership: it is built once per `context.members` array, so breakers opening
 * and closing never move a point. What is available is a *view* of it: the ring's points whose owners
 * may be picked now, copied in order (a linear pass, no hashing or sorting) once per instances array,
 * so a key's owner among the available instances is the first available owner clockwise from the key
 * on the membership's ring — the same whatever availability did before. When every member is
 * available the view shares the ring's arrays.
 *
 * Costs are paid when a set changes: points are derived from two hashes of the id (no string per
 * point) and radix-sorted in typed arrays; a lookup is a bucket index and a short binary search.
 */
import type { Instance } from '../discovery/instance.js';
import { mix32, murmur3 } from './hash.js';
import { InstanceSetCache } from './instance-set-cache.js';

// Bounds memory (8 bytes a point) and rebuild time: past about 5,000 members each gets fewer than
// 100 points (about 50 at 10,000, shares within ±15 %, which bounded loads evens out under load), so
// a membership change of a 10,000-instance fleet still applies in well under 50 ms.
export const MAX_RING_POINTS = 1 << 19;
const SECOND_HASH_SEED = 0x9747b28c;

/** The points of one membership: sorted, each with its owner's position in `members`. */
export class HashRing {
  readonly members: readonly Instance[];
  readonly points: Uint32Array;
  readonly owners: Uint32Array;
  readonly bucketIndex: BucketIndex;
  /** How many points each member owns, by position. */
  readonly #pointCounts: Uint32Array;
  readonly #positionById: Map<string, number>;
  readonly #views = new InstanceSetCache<RingView>((instances) => this.#viewOf(instances));
  readonly #pointsPerInstance: number;

  constructor(members: readonly Instance[], pointsPerInstance: number) {
    this.members = members;
    this.#pointsPerInstance = pointsPerInstance;
    this.#positionById = new Map();
    members.forEach((member, position) => this.#positionById.set(member.id, position));
    this.#pointCounts = pointCounts(members, pointsPerInstance);
    const { points, owners } = layPoints(members, this.#pointCounts);
    this.points = points;
    this.owners = owners;
    this.bucketIndex = new BucketIndex(points);
  }

  /** Position of the member with this id in `members`, or -1. */
  positionOf(id: string): number {
    return this.#positionById.get(id) ?? -1;
  }

  /** The ring as seen from `instances` (drawn from `members`), derived once per array. */
  view(instances: readonly Instance[]): RingView {
    return this.#views.get(instances);
  }

  #viewOf(instances: readonly Instance[]): RingView {
    const members = this.members;
    const positionIn = new Int32Array(members.length).fill(-1);
    let availablePoints = 0;
    // Available arrays are nearly always the members filtered in order: walking both finds each
    // position without hashing an id, and an instance out of that order is looked up by id.
    let cursor = 0;
    for (let index = 0; index < instances.length; index += 1) {
      const instance = instances[index] as Instance;
      while (cursor < members.length && members[cursor] !== instance) cursor += 1;
      const position = cursor < members.length ? cursor++ : this.positionOf(instance.id);
      // Instances that are not members break the contract; the array given is then its own membership.
      if (position < 0) return new HashRing(instances, this.#pointsPerInstance).view(instances);
      positionIn[position] = index;
      availablePoints += this.#pointCounts[position] as number;
    }
    // While at least half the points are available a walk passes over one unavailable point per
    // pick at most on average, so the view shares the ring: deriving it costs one pass over the
    // instances, not over the points. Below that, the available points are copied out.
    if (2 * availablePoints >= this.points.length) return new RingView(this, instances, this.points, this.owners, this.bucketIndex, positionIn);
    const { points, owners } = keepPoints(this.points, this.owners, positionIn, availablePoints);
    return new RingView(this, instances, points, owners, new BucketIndex(points), positionIn);
  }
}

/** The points whose owner is available (`positionIn` ≥ 0), in ring order. */
function keepPoints(ringPoints: Uint32Array, ringOwners: Uint32Array, positionIn: Int32Array, kept: number): { points: Uint32Array; owners: Uint32Array } {
  const points = new Uint32Array(kept);
  const owners = new Uint32Array(kept);
  const length = ringOwners.length;
  let to = 0;
  for (let at = 0; at < length; at += 1) {
    const owner = ringOwners[at] as number;
    if ((positionIn[owner] as number) < 0) continue;
    points[to] = ringPoints[at] as number;
    owners[to] = owner;
    to += 1;
  }
  return { points, owners };
}

/**
 * `starts[b]` is the first point whose top bits are ≥ b (one more entry holds the length), so a
 * lookup binary-searches a handful of points instead of the whole ring and touches few cache lines.
 */
class BucketIndex {
  readonly starts: Uint32Array;
  readonly shift: number;

  constructor(points: Uint32Array) {
    // About four points a bucket, and at most 2^16 buckets (256 KiB).
    const bits = Math.max(1, Math.min(16, Math.floor(Math.log2(points.length)) - 2));
    const shift = 32 - bits;
    const starts = new Uint32Array((1 << bits) + 1);
    const length = points.length;
    let bucket = 0;
    for (let index = 0; index < length; index += 1) {
      const pointBucket = (points[index] as number) >>> shift;
      while (bucket <= pointBucket) starts[bucket++] = index;
    }
    while (bucket < starts.length) starts[bucket++] = length;
    this.starts = starts;
    this.shift = shift;
  }
}

/**
 * The ring as seen from one instances array: its points (the ring's own, or the available ones
 * copied out), and for each point's owner its position in `instances` (-1: not available). Plus what
 * bounded loads need: weights, and the requests in flight on these instances (kept by the picker that
 * owns the ring while the view is in use).
 */
export class RingView {
  readonly instances: readonly Instance[];
  readonly length: number;
  readonly weights: Float64Array;
  readonly totalWeight: number;
  /** Requests in flight on `instances`, while `counted` is true. */
  inFlight = 0;
  counted = false;
  readonly #ring: HashRing;
  readonly #points: Uint32Array;
  /** Owners as positions in the ring's members. */
  readonly #owners: Uint32Array;
  readonly #buckets: BucketIndex;
  /** For each member position, its position in `instances`, or -1. */
  readonly #positionIn: Int32Array;

  constructor(ring: HashRing, instances: readonly Instance[], points: Uint32Array, owners: Uint32Array, buckets: BucketIndex, positionIn: Int32Array) {
    this.instances = instances;
    this.length = points.length;
    this.#ring = ring;
    this.#points = points;
    this.#owners = owners;
    this.#buckets = buckets;
    this.#positionIn = positionIn;
    this.weights = new Float64Array(instances.length);
    let totalWeight = 0;
    for (let index = 0; index < instances.length; index += 1) {
      const weight = (instances[index] as Instance).weight;
      this.weights[index] = weight;
      totalWeight += weight;
    }
    this.totalWeight = totalWeight;
  }

  /** Position in `instances` of the owner of point `at`, or -1 when that owner is not available. */
  ownerAt(at: number): number {
    return this.#positionIn[this.#owners[at] as number] as number;
  }

  /** Position in `instances` of the instance with this id, or -1. */
  indexOf(id: string): number {
    const position = this.#ring.positionOf(id);
    return position < 0 ? -1 : (this.#positionIn[position] as number);
  }

  /** Index of the first point ≥ `hash`, wrapping to 0 past the last. */
  firstPointAtOrAfter(hash: number): number {
    const points = this.#points;
    const starts = this.#buckets.starts;
    const bucket = hash >>> this.#buckets.shift;
    let low = starts[bucket] as number;
    let high = starts[bucket + 1] as number;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((points[middle] as number) < hash) low = middle + 1;
      else high = middle;
    }
    return low === points.length ? 0 : low;
  }
}

/**
 * Each member gets `pointsPerInstance` points times its weight relative to the lightest member, so
 * weight 3 owns about three times the keys of weight 1, scaled down together past `MAX_RING_POINTS`.
 */
function pointCounts(members: readonly Instance[], pointsPerInstance: number): Uint32Array {
  const count = members.length;
  let lightest = Infinity;
  for (const member of members) lightest = Math.min(lightest, member.weight);
  const counts = new Uint32Array(count);
  let totalPoints = 0;
  for (let index = 0; index < count; index += 1) {
    const points = Math.max(1, Math.round((pointsPerInstance * (members[index] as Instance).weight) / lightest));
    counts[index] = points;
    totalPoints += points;
  }
  if (totalPoints > MAX_RING_POINTS) {
    const scale = MAX_RING_POINTS / totalPoints;
    for (let index = 0; index < count; index += 1) counts[index] = Math.max(1, Math.floor((counts[index] as number) * scale));
  }
  return counts;
}

/**
 * The points of every member, sorted. They depend on the member's id alone (and its count), so a
 * key's owner survives any churn that does not touch the owner (while the lightest weight stays the
 * same).
 */
function layPoints(members: readonly Instance[], counts: Uint32Array): { points: Uint32Array; owners: Uint32Array } {
  const count = members.length;
  const firstHashes = new Uint32Array(count);
  const steps = new Uint32Array(count);
  let totalPoints = 0;
  for (let index = 0; index < count; index += 1) {
    const member = members[index] as Instance;
    firstHashes[index] = murmur3(member.id);
    // Odd, so the points of one member never repeat before 2^32 steps.
    steps[index] = (murmur3(member.id, SECOND_HASH_SEED) | 1) >>> 0;
    totalPoints += counts[index] as number;
  }

  // Points are laid down in an order that depends on ids only, so that when two members hash to the
  // same point, the same one wins whatever order discovery listed them in.
  const order = Array.from({ length: count }, (_, index) => index);
  order.sort((a, b) => {
    const byHash = (firstHashes[a] as number) - (firstHashes[b] as number);
    if (byHash !== 0) return byHash;
    const idA = (members[a] as Instance).id;
    const idB = (members[b] as Instance).id;
    return idA < idB ? -1 : idA > idB ? 1 : 0;
  });

  const points = new Uint32Array(totalPoints);
  const owners = new Uint32Array(totalPoints);
  let at = 0;
  for (const index of order) {
    const first = firstHashes[index] as number;
    const step = steps[index] as number;
    const pointCount = counts[index] as number;
    for (let replica = 0; replica < pointCount; replica += 1) {
      points[at] = mix32(first + Math.imul(replica, step));
      owners[at] = index;
      at += 1;
    }
  }
  sortPointsWithOwners(points, owners);
  return { points, owners };
}

/**
 * LSD radix sort on 16-bit digits, stable, carrying owners along: linear time, where a comparison
 * sort of half a million points would take most of the time a 10,000-instance rebuild may use.
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
      const digit = ((fromPoints[index] as number) >>> shift) & 0xffff;
      counts[digit] = (counts[digit] as number) + 1;
    }
    let offset = 0;
    for (let digit = 0; digit < 65_536; digit += 1) {
      const digitCount = counts[digit] as number;
      counts[digit] = offset;
      offset += digitCount;
    }
    for (let index = 0; index < length; index += 1) {
      const point = fromPoints[index] as number;
      const digit = (point >>> shift) & 0xffff;
      const target = counts[digit] as number;
      counts[digit] = target + 1;
      toPoints[target] = point;
      toOwners[target] = fromOwners[index] as number;
    }
    [fromPoints, toPoints] = [toPoints, fromPoints];
    [fromOwners, toOwners] = [toOwners, fromOwners];
  }
  // Two passes leave the sorted result back in the caller's arrays.
}
