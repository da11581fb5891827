import type { Instance } from '../discovery/instance.js';
import type { PickContext, Picker, PickerBaseOptions } from './picker.js';
import { pickerRandom } from './picker-random.js';
import { untriedOr } from './untried.js';
import { checkPickerOptions } from './picker-options.js';

export type RandomOptions = PickerBaseOptions;

/**
 * Takes any instance with equal chance, independently on every request; keeps no state. A retry
 * takes any instance it has not tried yet, with equal chance while a few draws find one.
 */
export function random(options: RandomOptions = {}): Picker {
  checkPickerOptions('random', options, [], '{ random: seededRandom(1) }');
  const chance = options.random ?? pickerRandom();
  return {
    name: 'random',
    pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
      const count = instances.length;
      const drawn = Math.floor(chance() * count);
      return instances[count <= 1 ? drawn : untriedOr(instances, drawn, chance, context)];
    },
  };
}
