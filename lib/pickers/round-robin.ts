import { systemRandom } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import type { Picker, PickerBaseOptions } from './picker.js';

export type RoundRobinOptions = PickerBaseOptions;

/**
 * Takes the instances in turn.
 *
 * Each picker starts at a random position, as grpc-js's round_robin does, so that a fleet of
 * clients started together does not send its first requests to the same instance in step. When the
 * set changes the turn carries on from the same counter, wrapped to the new length.
 */
export function roundRobin(options: RoundRobinOptions = {}): Picker {
  const random = options.random ?? systemRandom;
  // Drawn in a range far above any instance count, so the position is uniform for any length.
  let next = Math.floor(random() * 0x40000000);
  return {
    name: 'round-robin',
    pick(instances: readonly Instance[]): Instance | undefined {
      const count = instances.length;
      if (count === 0) return undefined;
      let index = next;
      if (index >= count) index %= count;
      next = index + 1;
      return instances[index];
    },
  };
}
