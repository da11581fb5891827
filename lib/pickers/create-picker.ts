import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { didYouMean } from '../options/did-you-mean.js';
import { describeValue } from '../options/option-checks.js';
import { consistentHash } from './consistent-hash.js';
import type { ConsistentHashOptions } from './consistent-hash.js';
import { leastRequest } from './least-request.js';
import type { LeastRequestOptions } from './least-request.js';
import { locality } from './locality.js';
import type { LocalityOptions } from './locality.js';
import { p2cEwma } from './p2c-ewma.js';
import type { P2cEwmaOptions } from './p2c-ewma.js';
import type { Picker } from './picker.js';
import { random } from './random.js';
import type { RandomOptions } from './random.js';
import { roundRobin } from './round-robin.js';
import { serverLoad } from './server-load.js';
import type { ServerLoadOptions } from './server-load.js';
import type { RoundRobinOptions } from './round-robin.js';
import { weightedRoundRobin } from './weighted-round-robin.js';
import type { WeightedRoundRobinOptions } from './weighted-round-robin.js';

/** The options each built-in picker takes, by its name. */
export interface PickerOptionsByName {
  'round-robin': RoundRobinOptions;
  random: RandomOptions;
  'weighted-round-robin': WeightedRoundRobinOptions;
  'least-request': LeastRequestOptions;
  'p2c-ewma': P2cEwmaOptions;
  'server-load': ServerLoadOptions;
  'consistent-hash': ConsistentHashOptions;
  locality: LocalityOptions;
}

export type PickerName = keyof PickerOptionsByName;

type PickerFactories = { readonly [N in PickerName]: (options: PickerOptionsByName[N]) => Picker };

const factories: PickerFactories = {
  'round-robin': roundRobin,
  random,
  'weighted-round-robin': weightedRoundRobin,
  'least-request': leastRequest,
  'p2c-ewma': p2cEwma,
  'server-load': serverLoad,
  'consistent-hash': consistentHash,
  locality,
};

/** The names `createPicker` accepts. */
export const pickerNames: readonly PickerName[] = Object.freeze(Object.keys(factories) as PickerName[]);

/** Options are optional for the pickers whose every option has a default. */
export type PickerOptionsArgument<N extends PickerName> =
  Record<string, never> extends PickerOptionsByName[N]
    ? [options?: PickerOptionsByName[N]]
    : [options: PickerOptionsByName[N]];

/**
 * A built-in picker by name: `createPicker('least-request')`, `createPicker('p2c-ewma', { decayMs: 5_000 })`.
 * Throws `InvalidOptionError` for an unknown name or an option value out of range.
 */
export function createPicker<N extends PickerName>(name: N, ...options: PickerOptionsArgument<N>): Picker {
  if (typeof name !== 'string' || !Object.hasOwn(factories, name)) {
    const suggestion = typeof name === 'string' ? didYouMean(name, pickerNames) : undefined;
    const hint = suggestion === undefined ? '' : `did you mean '${suggestion}'? `;
    const plain = pickerNames.filter((known) => known !== 'locality').map((known) => `'${known}'`);
    throw new InvalidOptionError(
      'picker',
      `names no built-in picker (got ${describeValue(name)}); ${hint}createPicker takes ${plain.join(', ')}, ` +
        `or 'locality' with the caller's zone: createPicker('locality', { zone: 'eu-west-1a' })`,
    );
  }
  const create = factories[name] as (options: PickerOptionsByName[N] | undefined) => Picker;
  return create(options[0]);
}
