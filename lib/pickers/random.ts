import type { Instance } from '../discovery/instance.js';
import type { Picker, PickerBaseOptions } from './picker.js';
import { pickerRandom } from './picker-random.js';

export type RandomOptions = PickerBaseOptions;

/** Takes any instance with equal chance, independently on every request; keeps no state. */
export function random(options: RandomOptions = {}): Picker {
  const chance = options.random ?? pickerRandom();
  return {
    name: 'random',
    pick(instances: readonly Instance[]): Instance | undefined {
      const draw = chance();
      return instances[Math.floor(draw * instances.length)];
    },
  };
}
