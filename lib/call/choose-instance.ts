import type { Random } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import type { Admission } from '../health/instance-breaker.js';
import type { InstanceHealth } from '../health/instance-health.js';
import type { Picker, PickContext } from '../pickers/picker.js';

/** The instance an attempt goes to, with how the health layer admitted it. */
export interface ChosenInstance {
  readonly instance: Instance;
  readonly admission: Admission;
}

/** Why no instance could take an attempt. */
export type NoInstance =
  /** Discovery reports none. */
  | 'no-members'
  /** Every instance is taken out (panic mode is off). */
  | 'all-unavailable'
  /** The picker (a filter in it) chose none of those available. */
  | 'declined'
  /** Every instance that could take it is at `breaker.capacity`. */
  | 'at-capacity'
  /** Every instance was already tried by this request. */
  | 'all-tried';

/** The picker gets a few chances; after that the choice is made by a scan, which always ends. */
const pickerChances = 3;

/**
 * Chooses the instance for the next attempt: the picker decides, the health layer admits.
 *
 * A retry or hedge should reach an instance the request has not been to: built-in pickers honour
 * `context.tried`, and for a picker that does not, an untried instance is found by a scan from a random
 * place; when every instance was tried, any but the one just tried will do. An instance at capacity, or
 * half-open with its trial slots just taken, is passed over without blame. With `untriedOnly` (resending
 * a request that never left) an instance already tried is never chosen.
 *
 * @param last the instance the previous attempt went to
 */
export function chooseInstance(
  picker: Picker,
  health: InstanceHealth,
  context: PickContext,
  random: Random,
  untriedOnly: boolean,
  last: Instance | undefined,
): ChosenInstance | NoInstance {
  const available = health.available;
  if (available.length === 0) return health.members.length === 0 ? 'no-members' : 'all-unavailable';
  for (let chance = 0; chance < pickerChances; chance++) {
    const instance = picker.pick(available, context);
    if (instance === undefined) return 'declined';
    if (context.tried(instance)) break;
    const admission = health.admit(instance);
    if (admission !== undefined) return { instance, admission };
  }
  return scan(available, health, context, random, untriedOnly, last);
}

function scan(
  available: readonly Instance[],
  health: InstanceHealth,
  context: PickContext,
  random: Random,
  untriedOnly: boolean,
  last: Instance | undefined,
): ChosenInstance | NoInstance {
  const count = available.length;
  const start = Math.floor(random() * count);
  let anyUntried = false;
  for (let i = 0; i < count; i++) {
    const instance = available[(start + i) % count] as Instance;
    if (context.tried(instance)) continue;
    anyUntried = true;
    const admission = health.admit(instance);
    if (admission !== undefined) return { instance, admission };
  }
  if (untriedOnly) return anyUntried ? 'at-capacity' : 'all-tried';
  // Every instance was tried: any will do but the one just tried, unless it is the only one.
  for (let i = 0; i < count; i++) {
    const instance = available[(start + i) % count] as Instance;
    if (count > 1 && instance.id === last?.id) continue;
    const admission = health.admit(instance);
    if (admission !== undefined) return { instance, admission };
  }
  return 'at-capacity';
}
