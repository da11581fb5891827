import { rejectUnknownKeys, requireOptionsObject } from '../options/option-checks.js';

/** Options every built-in picker takes, beside its own. */
const baseKeys = ['clock', 'random'] as const;

/**
 * Checks a picker's options object before the picker is built: an object, and no key that is not one of
 * its options (a misspelt `decayMS` must not leave the default silently in place). Errors name the
 * picker, e.g. `p2c-ewma.decayMS`.
 */
export function checkPickerOptions(picker: string, options: unknown, keys: readonly string[], example: string, base = true): void {
  requireOptionsObject(picker, options, example);
  rejectUnknownKeys(picker, options, base ? [...baseKeys, ...keys] : keys);
}
