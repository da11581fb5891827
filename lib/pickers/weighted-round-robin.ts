import { systemRandom } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { InstanceSetCache } from './instance-set-cache.js';
import type { PickContext, Picker, PickerBaseOptions } from './picker.js';
import { checkPickerOptions } from './picker-options.js';

export interface WeightedRoundRobinOptions extends PickerBaseOptions {
  /**
   * Read each instance's weight from this service-meta key instead of `instance.weight` (Consul's
   * `Weights.Passing`, or `Weights.Warning` while the instance warns). Values are rounded to whole
   * numbers; a value that is not a number, or is below 1, counts as 1.
   */
  readonly weightMetaKey?: string;
}

/**
 * The schedule of one instances array.
 *
 * nginx's smooth weighted round-robin adds every weight to every instance's "current" on each pick,
 * takes the largest current and takes the total weight off it. Done literally that is O(instances)
 * per pick. Here instances of equal weight form a class: within a class every current grows by the
 * same amount, so only the one with the largest current (the head of a queue ordered by current,
 * then position) can win, and after winning it drops to the back. A pick compares one head per
 * class: O(distinct weights), and the sequence is nginx's, step for step.
 *
 * `stored[i]` is instance i's current minus `step × weight`, so that adding the weights to every
 * instance is just `step += 1`.
 */
interface Schedule {
  readonly instances: readonly Instance[];
  readonly total: number;
  readonly weightOf: Float64Array;
  /** Tie-break order: nginx scans the array from the start; here from a per-picker random offset. */
  readonly rank: Int32Array;
  readonly stored: Float64Array;
  readonly classWeight: Float64Array;
  readonly classStart: Int32Array;
  readonly classSize: Int32Array;
  readonly classHead: Int32Array;
  /** Instance indices, class after class, each class in queue order. */
  readonly queue: Int32Array;
  step: number;
  /** Re-based before `step × total` could lose precision in a double. */
  readonly rebaseAt: number;
}

/**
 * Smooth weighted round-robin (nginx, `ngx_http_upstream_get_peer`): over any Σweights consecutive
 * picks each instance is taken exactly `weight` times, and the heavy ones are interleaved with the
 * light ones rather than sent in bursts. When the set changes, each instance keeps its current
 * weight (by id), so a change does not restart everyone's turn.
 */
export function weightedRoundRobin(options: WeightedRoundRobinOptions = {}): Picker {
  checkPickerOptions('weighted-round-robin', options, ['weightMetaKey'], "{ weightMetaKey: 'weight' }");
  const { weightMetaKey } = options;
  if (weightMetaKey !== undefined && (typeof weightMetaKey !== 'string' || weightMetaKey === '')) {
    throw new InvalidOptionError(
      'picker.weightMetaKey',
      `must be a non-empty service-meta key such as 'weight' (got ${String(weightMetaKey)}); leave it out to use Consul's weights`,
    );
  }
  const rotation = (options.random ?? systemRandom)();
  let last: Schedule | undefined;
  const schedules = new InstanceSetCache<Schedule>((instances) =>
    buildSchedule(instances, weightMetaKey, rotation, last),
  );

  return {
    name: 'weighted-round-robin',
    pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
      if (instances.length === 0) return undefined;
      const s = schedules.get(instances);
      last = s;
      const step = s.step + 1;
      let best = -1;
      let bestClass = 0;
      let bestValue = -Infinity;
      let bestRank = 0;
      for (let c = 0; c < s.classWeight.length; c++) {
        const member = s.queue[(s.classStart[c] as number) + (s.classHead[c] as number)] as number;
        const value = (s.stored[member] as number) + step * (s.classWeight[c] as number);
        const rank = s.rank[member] as number;
        if (value > bestValue || (value === bestValue && rank < bestRank)) {
          best = member;
          bestClass = c;
          bestValue = value;
          bestRank = rank;
        }
      }
      if (context.tried(s.instances[best] as Instance)) {
        // As nginx's `tried` bitmap does, a retry passes over the instances it was sent to; here
        // without moving the schedule, so retries do not bend the shares of first attempts.
        const untried = bestUntried(s, step, context);
        if (untried >= 0) return s.instances[untried];
      }
      s.step = step;
      s.stored[best] = (s.stored[best] as number) - s.total;
      const head = (s.classHead[bestClass] as number) + 1;
      s.classHead[bestClass] = head === s.classSize[bestClass] ? 0 : head;
      if (step >= s.rebaseAt) rebase(s);
      return s.instances[best];
    },
  };
}

/**
 * The untried instance with the largest current at `step`, or -1. A class's queue runs from its head
 * in order of current, so its first untried member is its best; the request has tried only a few.
 */
function bestUntried(s: Schedule, step: number, context: PickContext): number {
  let best = -1;
  let bestValue = -Infinity;
  let bestRank = 0;
  for (let c = 0; c < s.classWeight.length; c++) {
    const start = s.classStart[c] as number;
    const size = s.classSize[c] as number;
    const head = s.classHead[c] as number;
    for (let offset = 0; offset < size; offset++) {
      const position = head + offset;
      const member = s.queue[start + (position >= size ? position - size : position)] as number;
      if (context.tried(s.instances[member] as Instance)) continue;
      const value = (s.stored[member] as number) + step * (s.classWeight[c] as number);
      const rank = s.rank[member] as number;
      if (value > bestValue || (value === bestValue && rank < bestRank)) {
        best = member;
        bestValue = value;
        bestRank = rank;
      }
      break;
    }
  }
  return best;
}

function weightOf(instance: Instance, metaKey: string | undefined): number {
  const raw = metaKey === undefined ? instance.weight : Number(instance.meta[metaKey]);
  const weight = Math.round(raw);
  return Number.isFinite(weight) && weight >= 1 ? weight : 1;
}

function currentOf(s: Schedule, index: number): number {
  return (s.stored[index] as number) + s.step * (s.weightOf[index] as number);
}

function buildSchedule(
  instances: readonly Instance[],
  metaKey: string | undefined,
  rotation: number,
  previous: Schedule | undefined,
): Schedule {
  const count = instances.length;
  const carried = new Map<string, number>();
  if (previous !== undefined) {
    for (let i = 0; i < previous.instances.length; i++) {
      carried.set((previous.instances[i] as Instance).id, currentOf(previous, i));
    }
  }
  const weights = new Float64Array(count);
  const rank = new Int32Array(count);
  const stored = new Float64Array(count);
  const offset = Math.floor(rotation * count);
  let total = 0;
  const classes = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const weight = weightOf(instances[i] as Instance, metaKey);
    weights[i] = weight;
    total += weight;
    rank[i] = (i - offset + count) % count;
    const members = classes.get(weight);
    if (members === undefined) classes.set(weight, [i]);
    else members.push(i);
  }
  // nginx keeps every current within (-total, total); clamping carried ones into a window narrower
  // than the new total keeps each class's queue order equal to nginx's order.
  const low = -Math.floor((total - 1) / 2);
  const high = Math.ceil((total - 1) / 2);
  for (let i = 0; i < count; i++) {
    const current = carried.get((instances[i] as Instance).id) ?? 0;
    stored[i] = Math.min(high, Math.max(low, current));
  }
  const classWeight = new Float64Array(classes.size);
  const classStart = new Int32Array(classes.size);
  const classSize = new Int32Array(classes.size);
  const queue = new Int32Array(count);
  let c = 0;
  let start = 0;
  for (const [weight, members] of classes) {
    members.sort((a, b) => (stored[b] as number) - (stored[a] as number) || (rank[a] as number) - (rank[b] as number));
    classWeight[c] = weight;
    classStart[c] = start;
    classSize[c] = members.length;
    queue.set(members, start);
    start += members.length;
    c++;
  }
  return {
    instances,
    total,
    weightOf: weights,
    rank,
    stored,
    classWeight,
    classStart,
    classSize,
    classHead: new Int32Array(classes.size),
    queue,
    step: 0,
    rebaseAt: Math.max(1, Math.floor(2 ** 48 / Math.max(1, total))),
  };
}

function rebase(s: Schedule): void {
  for (let i = 0; i < s.stored.length; i++) s.stored[i] = currentOf(s, i);
  s.step = 0;
}
