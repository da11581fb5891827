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
 * The split follows availability, as Envoy's follows healthy hosts: a zone that loses instances to open
 * breakers keeps less of its traffic. The zone's available instances go to an inner picker (`picker`;
 * default: uniformly random), derived once per instances array; while every member of a zone is
 * available the inner picker is handed that zone's members array itself, derived once per membership,
 * so a breaker opening in one zone changes no array of another and the inner picker's caches hold.
 * The inner picker sees the whole membership as `context.members` (the split is per request, like a
 * canary's). A retry that has tried every available instance of the zone drawn may go to any zone.
 */
import type { Random } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { InstanceSetCache } from './instance-set-cache.js';
import type { PickContext, Picker, PickerBaseOptions, RequestResult } from './picker.js';
import { pickerRandom } from './picker-random.js';
import { random } from './random.js';
import { hasUntried } from './untried.js';
import { checkPickerOptions } from './picker-options.js';

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
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('zone', "is required: locality({ zone: 'eu-west-1a' }) names the caller's zone");
  }
  checkPickerOptions('locality', options, ['zone', 'zoneOf', 'minLocal', 'spillBelow', 'picker'], "{ zone: 'eu-west-1a' }");
  return new LocalityPicker(options);
}

/** The options that decide a split. */
interface ZoneRule {
  readonly localZone: string;
  readonly zoneOf: (instance: Instance) => string | undefined;
  readonly minLocal: number;
  readonly spillBelow: number;
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
  readonly #zones: InstanceSetCache<MemberZones>;

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
    this.#inner = options.picker ?? random({ random: this.#random });
    const rule: ZoneRule = { localZone: options.zone, zoneOf, minLocal, spillBelow };
    this.#zones = new InstanceSetCache((members) => new MemberZones(members, rule));
  }

  pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
    if (instances.length <= 1) return this.#inner.pick(instances, context);
    const plan = this.#zones.get(context.members).plan(instances);
    if (plan.everywhere) return this.#inner.pick(instances, context);
    const draw = plan.localShare >= 1 ? 0 : this.#random();
    let chosen: readonly Instance[];
    if (draw < plan.localShare) {
      chosen = plan.local;
    } else {
      const spillDraw = (draw - plan.localShare) / (1 - plan.localShare);
      const cumulative = plan.spillCumulative;
      let zone = 0;
      while (zone < cumulative.length - 1 && spillDraw >= (cumulative[zone] ?? 1)) zone += 1;
      chosen = plan.spillZones[zone] ?? instances;
    }
    return this.#inner.pick(hasUntried(chosen, context) ? chosen : instances, context);
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

/** One membership's members by zone, and the plan for each instances array drawn from it. */
class MemberZones {
  readonly #byZone = new Map<string, readonly Instance[]>();
  readonly #ids = new Set<string>();
  readonly #plans: InstanceSetCache<ZonePlan>;

  constructor(members: readonly Instance[], rule: ZoneRule) {
    for (const [zone, zoneMembers] of groupByZone(members, rule.zoneOf)) this.#byZone.set(zone, Object.freeze(zoneMembers));
    for (const member of members) this.#ids.add(member.id);
    this.#plans = new InstanceSetCache((instances) => planZones(instances, this, rule));
  }

  plan(instances: readonly Instance[]): ZonePlan {
    return this.#plans.get(instances);
  }

  /** The zone's members array when `available` holds every member of `zone`; `available` frozen otherwise. */
  stable(zone: string, available: Instance[]): readonly Instance[] {
    const members = this.#byZone.get(zone);
    if (members !== undefined && members.length === available.length && available.every((instance) => this.#ids.has(instance.id))) {
      return members;
    }
    return Object.freeze(available);
  }
}

function groupByZone(instances: readonly Instance[], zoneOf: (instance: Instance) => string | undefined): Map<string, Instance[]> {
  const byZone = new Map<string, Instance[]>();
  for (const instance of instances) {
    const zone = zoneOf(instance) ?? '';
    let zoneInstances = byZone.get(zone);
    if (zoneInstances === undefined) {
      zoneInstances = [];
      byZone.set(zone, zoneInstances);
    }
    zoneInstances.push(instance);
  }
  return byZone;
}

function planZones(instances: readonly Instance[], zones: MemberZones, rule: ZoneRule): ZonePlan {
  const { localZone, minLocal, spillBelow } = rule;
  const byZone = groupByZone(instances, rule.zoneOf);
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
    local: zones.stable(localZone, local),
    localShare: 1,
    spillZones: [],
    spillCumulative: new Float64Array(0),
  };
  if (localShare >= 1) return localOnly;

  const spillZones: (readonly Instance[])[] = [];
  const surpluses: number[] = [];
  for (const [zone, zoneInstances] of byZone) {
    const surplus = zoneInstances.length / total - evenShare;
    if (zone === localZone || surplus <= 0) continue;
    spillZones.push(zones.stable(zone, zoneInstances));
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
