import type { Random } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { InstanceSetCache } from './instance-set-cache.js';
import type { PickContext } from './picker.js';
import { pickerRandom } from './picker-random.js';
import { hasUntried } from './untried.js';
import { checkPickerOptions } from './picker-options.js';

/**
 * Narrows the instances a picker chooses from (see `compose`).
 *
 * `select` must return one of its input's subsets without changing the input, and the SAME array
 * object every time it is given the same input array (and, for a filter that depends on the
 * request, the same object for each of its outcomes): pickers behind it key what they derive by
 * array identity, so a fresh array per call would make them rebuild on every request. The filters
 * here cache by identity and allocate nothing per call once an input has been seen.
 */
export interface InstanceFilter {
  /** Shown in the composed picker's name, e.g. `byTag(v2)`. */
  readonly name: string;
  /**
   * True when `select` keeps or drops each instance on that instance alone — not on the request nor
   * on the other instances — as `byInstance`, `byTag` and `byMeta` do. `compose` then narrows the
   * membership it hands the picker behind in the same way, so that what the picker derives from
   * membership (a ring, a subset, warming clocks) covers only instances it can be given. Leave it
   * out for a filter that depends on the request: the membership then passes through whole.
   */
  readonly perInstance?: boolean;
  select(instances: readonly Instance[], context: PickContext): readonly Instance[];
}

/** The instances for which `keep` holds; `keep` runs once per instance per distinct input array. */
export function byInstance(keep: (instance: Instance) => boolean, name = 'byInstance'): InstanceFilter {
  if (typeof keep !== 'function') {
    throw new InvalidOptionError(name, `needs a function (instance) => boolean (got ${typeof keep})`);
  }
  const subsets = new InstanceSetCache<readonly Instance[]>((instances) => {
    const kept = instances.filter((instance) => keep(instance));
    // Handing the input on when nothing was removed keeps the picker behind on the client's array.
    return kept.length === instances.length ? instances : Object.freeze(kept);
  });
  return { name, perInstance: true, select: (instances) => subsets.get(instances) };
}

/** The instances that carry every one of `tags` (Consul service tags, compared exactly). */
export function byTag(...tags: string[]): InstanceFilter {
  if (tags.length === 0 || tags.some((tag) => typeof tag !== 'string')) {
    throw new InvalidOptionError('byTag', "needs at least one tag, e.g. byTag('v2')");
  }
  return byInstance(
    (instance) => tags.every((tag) => instance.tags.includes(tag)),
    `byTag(${tags.join(', ')})`,
  );
}

/**
 * The instances whose service meta matches: `byMeta('version', '2')` keeps those whose meta
 * `version` is exactly `'2'`; `byMeta((meta) => Number(meta.shard) < 4)` those for which the
 * predicate holds.
 */
export function byMeta(key: string, value: string): InstanceFilter;
export function byMeta(matches: (meta: Readonly<Record<string, string>>) => boolean): InstanceFilter;
export function byMeta(
  keyOrMatches: string | ((meta: Readonly<Record<string, string>>) => boolean),
  value?: string,
): InstanceFilter {
  if (typeof keyOrMatches === 'function') {
    return byInstance((instance) => keyOrMatches(instance.meta), 'byMeta');
  }
  if (typeof keyOrMatches !== 'string' || typeof value !== 'string') {
    throw new InvalidOptionError(
      'byMeta',
      "needs a meta key and the value to match, byMeta('version', '2'), or a predicate, byMeta((meta) => meta.version === '2')",
    );
  }
  return byInstance((instance) => instance.meta[keyOrMatches] === value, `byMeta(${keyOrMatches}=${value})`);
}

export interface CanaryOptions {
  /** The fraction of requests, from 0 to 1, sent to the instances `select` chooses. */
  readonly share: number;
  /** Which instances are the canaries, e.g. `byTag('canary')`. */
  readonly select: InstanceFilter;
  /** Defaults to a generator seeded from `Math.random` (see `pickerRandom`). */
  readonly random?: Random;
}

interface CanarySplit {
  readonly canaries: readonly Instance[];
  readonly others: readonly Instance[];
}

/**
 * Sends `share` of the requests to the instances `select` chooses and the rest to the other
 * instances, deciding per request (so per attempt: a retry draws again).
 *
 * Unlike a narrowing filter, a split never leaves a request without instances while some exist: if
 * no instance is a canary, every request goes to the others, and if every instance is a canary,
 * every request goes to them; a retry that has tried every instance of the side drawn goes to the
 * other side. The picker behind sees two arrays in turn, one per side, and the whole membership: a
 * per-request split does not narrow it, so the picker's ring or warming clocks are the same for
 * both sides.
 */
export function canary(options: CanaryOptions): InstanceFilter {
  checkPickerOptions('canary', options, ['share', 'select', 'random'], "{ share: 0.05, select: byTag('canary') }", false);
  const { share, select } = options;
  if (typeof share !== 'number' || !(share >= 0 && share <= 1)) {
    throw new InvalidOptionError(
      'canary.share',
      `must be a fraction from 0 to 1, e.g. 0.05 for 5 % of requests (got ${String(share)})`,
    );
  }
  if (select === undefined || typeof select.select !== 'function') {
    throw new InvalidOptionError('canary.select', "needs an instance filter choosing the canaries, e.g. byTag('canary')");
  }
  const random = options.random ?? pickerRandom();
  const splits = new InstanceSetCache<{ split: CanarySplit | undefined }>(() => ({ split: undefined }));
  return {
    name: `canary(${share * 100}% ${select.name})`,
    select(instances: readonly Instance[], context: PickContext): readonly Instance[] {
      const canaries = select.select(instances, context);
      const entry = splits.get(instances);
      let split = entry.split;
      if (split === undefined || split.canaries !== canaries) {
        split = { canaries, others: others(instances, canaries) };
        entry.split = split;
      }
      if (split.canaries.length === 0) return split.others;
      if (split.others.length === 0) return split.canaries;
      const drawn = random() < share ? split.canaries : split.others;
      if (hasUntried(drawn, context)) return drawn;
      const other = drawn === split.canaries ? split.others : split.canaries;
      return hasUntried(other, context) ? other : drawn;
    },
  };
}

function others(instances: readonly Instance[], canaries: readonly Instance[]): readonly Instance[] {
  if (canaries.length === 0) return instances;
  const canaryIds = new Set(canaries.map((instance) => instance.id));
  return Object.freeze(instances.filter((instance) => !canaryIds.has(instance.id)));
}
