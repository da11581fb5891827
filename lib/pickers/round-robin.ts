import { systemRandom } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import type { PickContext, Picker, PickerBaseOptions } from './picker.js';
import { untriedFrom } from './untried.js';
import { checkPickerOptions } from './picker-options.js';

export type RoundRobinOptions = PickerBaseOptions;

/**
 * Takes the instances in turn.
 *
 * Each picker starts at a random position, as grpc-js's round_robin does, so that a fleet of
 * clients started together does not send its first requests to the same instance in step. When the
 * set changes the turn carries on from the same counter, wrapped to the new length. A retry whose
 * turn falls on an instance it already tried takes the next one it has not.
 */
export function roundRobin(options: RoundRobinOptions = {}): Picker {
  checkPickerOptions('round-robin', options, [], '{ random: seededRandom(1) }');
  const random = options.random ?? systemRandom;
  // Drawn in a range far above any instance count, so the position is uniform for any length.
  let next = Math.floor(random() * 0x40000000);
  return {
    name: 'round-robin',
    pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
      const count = instances.length;
      if (count === 0) return undefined;
      let index = next;
      if (index >= count) index %= count;
      if (context.tried(instances[index] as Instance)) {
        const untried = untriedFrom(instances, index, context);
        if (untried >= 0) index = untried;
      }
      next = index + 1;
      return instances[index];
    },
  };
}
