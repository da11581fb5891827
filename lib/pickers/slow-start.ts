/**
 * Slow start: an instance that has just joined gets a growing share of traffic instead of its full
 * share at once, so cold caches, JIT warm-up and lazy connection pools do not meet a full load.
 *
 * The ramp is Envoy's slow start (`slow_start_config`): during `windowMs` after an instance is first
 * seen its weight is scaled by max(minWeight, (t / windowMs)^(1 / aggression)). It works around any
 * picker by rejection: when the inner picker chooses a warming instance, the choice is kept with
 * probability equal to that factor, otherwise the inner picker is asked again (up to
 * `MAX_REJECTIONS` times). With unbounded retries this is exactly the share of an instance whose
 * weight is scaled by the factor; the bound only matters when nearly every instance is warming.
 * Pickers that always answer the same for a request (consistent hashing) cannot be ramped this way.
 *
 * Warming belongs to membership: an instance starts warming when it first appears in
 * `context.members`, and its clock, kept by id, runs whatever arrays the picker is handed to choose
 * from — behind a canary split, inside `locality`, on a retry. Members present the first time the
 * picker sees a non-empty membership are not ramped: a client that restarts should not treat its
 * whole fleet as new. A member that leaves (deregistered, or failing its Consul checks) and comes back
 * is ramped again, as Envoy does for hosts that turn healthy; one taken out for a while by its breaker
 * or by ejection is not, since it never left the membership.
 */
import type { Clock, Random } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { PickContext, Picker, PickerBaseOptions, RequestResult } from './picker.js';
import { pickerRandom } from './picker-random.js';
import { checkPickerOptions } from './picker-options.js';

export interface SlowStartOptions extends PickerBaseOptions {
  /** How long a new instance ramps up, in milliseconds. Default 30,000 (Envoy's example value). */
  readonly windowMs?: number;
  /** The smallest share factor during the ramp, from 0 to 1. Default 0.1 (Envoy's 10 %). */
  readonly minWeight?: number;
  /** Shape of the ramp: 1 is linear; above 1 ramps faster early on. Default 1. Must be above 0. */
  readonly aggression?: number;
}

// Eight rejections in a row leave a warming instance at most (1 - factor)^8 more than its share.
const MAX_REJECTIONS = 8;

export function slowStart(picker: Picker, options: SlowStartOptions = {}): Picker {
  checkPickerOptions('slowStart', options, ['windowMs', 'minWeight', 'aggression'], '{ windowMs: 30_000 }');
  return new SlowStartPicker(picker, options);
}

class SlowStartPicker implements Picker {
  readonly name: string;
  readonly #inner: Picker;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #windowMs: number;
  readonly #minWeight: number;
  readonly #exponent: number;
  #seenMembers: readonly Instance[] | undefined;
  #known = new Set<string>();
  /** When each still-warming instance was first seen, by id. */
  readonly #warmingSince = new Map<string, number>();

  constructor(inner: Picker, options: SlowStartOptions) {
    const windowMs = options.windowMs ?? 30_000;
    if (!(windowMs > 0 && Number.isFinite(windowMs))) {
      throw new InvalidOptionError('windowMs', `must be a positive number of milliseconds, not ${String(windowMs)}`);
    }
    const minWeight = options.minWeight ?? 0.1;
    if (!(minWeight >= 0 && minWeight <= 1)) {
      throw new InvalidOptionError('minWeight', `must be a fraction from 0 to 1, not ${String(minWeight)}`);
    }
    const aggression = options.aggression ?? 1;
    if (!(aggression > 0 && Number.isFinite(aggression))) {
      throw new InvalidOptionError('aggression', `must be a positive number (1 ramps linearly), not ${String(aggression)}`);
    }
    this.name = `slow-start(${inner.name ?? 'custom'})`;
    this.#inner = inner;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? pickerRandom();
    this.#windowMs = windowMs;
    this.#minWeight = minWeight;
    this.#exponent = 1 / aggression;
  }

  pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
    if (context.members !== this.#seenMembers) this.#notice(context.members);
    let chosen = this.#inner.pick(instances, context);
    if (this.#warmingSince.size === 0) return chosen;
    const now = this.#clock.now();
    for (let rejections = 0; rejections < MAX_REJECTIONS && chosen !== undefined; rejections += 1) {
      const since = this.#warmingSince.get(chosen.id);
      if (since === undefined) return chosen;
      const elapsed = now - since;
      if (elapsed >= this.#windowMs) {
        this.#warmingSince.delete(chosen.id);
        return chosen;
      }
      const factor = Math.max(this.#minWeight, Math.pow(Math.max(0, elapsed) / this.#windowMs, this.#exponent));
      if (this.#random() < factor) return chosen;
      chosen = this.#inner.pick(instances, context);
    }
    return chosen;
  }

  onRequestStart(instance: Instance, context: PickContext): void {
    this.#inner.onRequestStart?.(instance, context);
  }

  onRequestEnd(instance: Instance, result: RequestResult, context: PickContext): void {
    this.#inner.onRequestEnd?.(instance, result, context);
  }

  /** Runs when membership changes: members new to it start warming, those gone are forgotten. */
  #notice(members: readonly Instance[]): void {
    // After an empty membership everything would ramp together, which changes no share: nothing ramps.
    const firstSet = this.#known.size === 0;
    this.#seenMembers = members;
    const now = this.#clock.now();
    const present = new Set<string>();
    for (const member of members) {
      present.add(member.id);
      if (!firstSet && !this.#known.has(member.id)) this.#warmingSince.set(member.id, now);
    }
    for (const id of this.#warmingSince.keys()) {
      if (!present.has(id)) this.#warmingSince.delete(id);
    }
    this.#known = present;
  }
}
