/**
 * Zone-aware routing: keep requests in the caller's zone (cheaper, faster, no cross-zone transfer
 * fees), and spill only as much traffic to other zones as keeps every instance evenly loaded.
 *
 * The split is Envoy's zone-aware routing (`source/common/upstream/load_balancer_impl.cc`): with
 * `local` the share of callers in this zone and `upstream` the share of instances in it, the zone keeps
 * all its traffic while upstream ≥ local; otherwise it keeps upstream / local of it and sends the rest
 * to the other zones in proportion to their surplus (their upstream share minus their local share).
 * proxyless cannot see the calling fleet, so it assumes callers are spread evenly over the zones that
 * hold instances (local = 1 / zones), scaled by `spillBelow` to tolerate small shortfalls.
 *
 * The zone's instances go to an inner picker (`picker`; default: uniformly random). Per-zone arrays are
 * derived once per instances array and reused, so the inner picker's own per-array caches stay valid.
 */
import type { Random } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { InstanceSetCache } from './instance-set-cache.js';
import type { PickContext, Picker, PickerBaseOptions, RequestResult } from './picker.js';
import { pickerRandom } from './picker-random.js';

export interface LocalityOptions extends PickerBaseOptions {
  /** The caller's zone (for example `eu-west-1a`). Required. */
  readonly zone: string;
  /**
   * An instance's zone: a function, or the meta key to read from the instance's node meta, then from
   * its service meta. Default `'zone'`. Instances without a zone count as a zone of their own.
   */
  readonly zoneOf?: string | ((instance: Instance) => string | undefined);
  /**
   * Below this many instances in the caller's zone, zone-aware routing is off and every request may go
   * to any instance (Envoy's `min_cluster_size` plays the same role). Default 1: only an empty zone.
   */
  readonly minLocal?: number;
  /**
   * The local zone keeps all its traffic while it holds at least this fraction of the instances an even
   * spread over the zones would give it; below, it keeps (its share ÷ this fraction of an even share)
   * and the rest spills. 1 (the default) is Envoy's rule; 0.8 tolerates a 20 % shortfall before any
   * traffic leaves the zone. From 0 (never spill) to 1.
   */
  readonly spillBelow?: number;
  /** Picks within the chosen zone's instances. Default: uniformly random among them. */
  readonly picker?: Picker;
}

export function locality(options: LocalityOptions): Picker {
  return new LocalityPicker(options);
}

/** How one instances array is split, derived once per array. */
interface ZonePlan {
  /** Zone-aware routing is off: pick from the whole array. */
  readonly everywhere: boolean;
  readonly local: readonly Instance[];
  /** Probability that a request stays in the local zone. */
  readonly localShare: number;
  /** Other zones with a surplus, and the cumulative probabilities (ending at 1) of spilling to each. */
  readonly spillZones: readonly (readonly Instance[])[];
  readonly spillCumulative: Float64Array;
}

class LocalityPicker implements Picker {
  readonly name = 'locality';
  readonly #inner: Picker;
  readonly #random: Random;
  readonly #plans: InstanceSetCache<ZonePlan>;

  constructor(options: LocalityOptions) {
    if (typeof options.zone !== 'string' || options.zone === '') {
      throw new InvalidOptionError('zone', "must be the caller's zone, a non-empty string such as 'eu-west-1a'");
    }
    const minLocal = options.minLocal ?? 1;
    if (!Number.isInteger(minLocal) || minLocal < 1) {
      throw new InvalidOptionError('minLocal', `must be a whole number of at least 1, not ${String(minLocal)}`);
    }
    const spillBelow = options.spillBelow ?? 1;
    if (!(spillBelow >= 0 && spillBelow <= 1)) {
      throw new InvalidOptionError('spillBelow', `must be a fraction from 0 to 1, not ${String(spillBelow)}`);
    }
    if (options.zoneOf === '') {
      throw new InvalidOptionError('zoneOf', 'must be a function or a non-empty meta key such as `zone`');
    }
    const zoneOf = typeof options.zoneOf === 'function' ? options.zoneOf : zoneFromMeta(options.zoneOf ?? 'zone');
    this.#random = options.random ?? pickerRandom();
    this.#inner = options.picker ?? uniformlyRandom(this.#random);
    const localZone = options.zone;
    this.#plans = new InstanceSetCache((instances) => planZones(instances, localZone, zoneOf, minLocal, spillBelow));
  }

  pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
    if (instances.length <= 1) return this.#inner.pick(instances, context);
    const plan = this.#plans.get(instances);
    if (plan.everywhere) return this.#inner.pick(instances, context);
    const draw = plan.localShare >= 1 ? 0 : this.#random();
    if (draw < plan.localShare) return this.#inner.pick(plan.local, context);
    const spillDraw = (draw - plan.localShare) / (1 - plan.localShare);
    const cumulative = plan.spillCumulative;
    let zone = 0;
    while (zone < cumulative.length - 1 && spillDraw >= (cumulative[zone] ?? 1)) zone += 1;
    return this.#inner.pick(plan.spillZones[zone] ?? instances, context);
  }

  onRequestStart(instance: Instance, context: PickContext): void {
    this.#inner.onRequestStart?.(instance, context);
  }

  onRequestEnd(instance: Instance, result: RequestResult, context: PickContext): void {
    this.#inner.onRequestEnd?.(instance, result, context);
  }
}

function zoneFromMeta(key: string): (instance: Instance) => string | undefined {
  return (instance) => instance.node.meta[key] ?? instance.meta[key];
}

function uniformlyRandom(random: Random): Picker {
  return {
    name: 'random',
    pick: (instances) => instances[Math.floor(random() * instances.length)],
  };
}

function planZones(
  instances: readonly Instance[],
  localZone: string,
  zoneOf: (instance: Instance) => string | undefined,
  minLocal: number,
  spillBelow: number,
): ZonePlan {
  const byZone = new Map<string, Instance[]>();
  for (const instance of instances) {
    const zone = zoneOf(instance) ?? '';
    let members = byZone.get(zone);
    if (members === undefined) {
      members = [];
      byZone.set(zone, members);
    }
    members.push(instance);
  }
  const local = byZone.get(localZone) ?? [];
  const everywhere: ZonePlan = {
    everywhere: true,
    local: instances,
    localShare: 1,
    spillZones: [],
    spillCumulative: new Float64Array(0),
  };
  if (local.length < minLocal) return everywhere;

  const total = instances.length;
  const evenShare = 1 / byZone.size;
  const localUpstreamShare = local.length / total;
  const localShare = spillBelow === 0 ? 1 : Math.min(1, localUpstreamShare / (spillBelow * evenShare));
  const localOnly: ZonePlan = {
    everywhere: false,
    local: Object.freeze(local),
    localShare: 1,
    spillZones: [],
    spillCumulative: new Float64Array(0),
  };
  if (localShare >= 1) return localOnly;

  const spillZones: (readonly Instance[])[] = [];
  const surpluses: number[] = [];
  for (const [zone, members] of byZone) {
    const surplus = members.length / total - evenShare;
    if (zone === localZone || surplus <= 0) continue;
    spillZones.push(Object.freeze(members));
    surpluses.push(surplus);
  }
  // The local shortfall equals the other zones' summed surplus, so one has some unless rounding ate it.
  if (spillZones.length === 0) return localOnly;
  const totalSurplus = surpluses.reduce((sum, surplus) => sum + surplus, 0);
  const spillCumulative = new Float64Array(surpluses.length);
  let running = 0;
  surpluses.forEach((surplus, index) => {
    running += surplus / totalSurplus;
    spillCumulative[index] = running;
  });
  spillCumulative[surpluses.length - 1] = 1;
  return { everywhere: false, local: localOnly.local, localShare, spillZones, spillCumulative };
}
