import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { didYouMean } from './did-you-mean.js';

/**
 * The checks every options object of proxyless goes through, at every depth: an object where one is
 * expected, no key that is not an option (a misspelt `consul.tokn` must not pass unnoticed while the
 * ACL token silently goes missing), and values of the right kind and range. Each check names the
 * option by its full path and says what would be right.
 */

/** The largest delay Node's timers hold; a longer one fires after 1 ms instead. */
export const maxTimerMs = 2 ** 31 - 1;

/** `value` must be a plain options object (not null, an array or a function). */
export function requireOptionsObject<T>(path: string, value: T, example: string): asserts value is T & Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(path, `must be an object such as ${example}; got ${describeValue(value)}`);
  }
}

/**
 * Refuses any own key of `options` that is not in `known`, naming the nearest known key when one is
 * close, and listing them all. `path` is the object's own path (`consul`), or '' at the top level.
 */
export function rejectUnknownKeys(path: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const suggestion = didYouMean(key, known);
    const where = path === '' ? 'an option' : `an option of \`${path}\``;
    const hint = suggestion === undefined ? '' : `did you mean \`${join(path, suggestion)}\`? `;
    throw new InvalidOptionError(join(path, key), `is not ${where}; ${hint}the options are ${known.join(', ')}`);
  }
}

export interface MillisecondsRule {
  /** Smallest value allowed. Default 1. */
  readonly min?: number;
  /** Accept `false` (meaning "none"), returned as is. */
  readonly allowFalse?: boolean;
}

/** A duration in milliseconds that Node's timers can hold: finite, at least `min`, at most 2^31 − 1. */
export function milliseconds(path: string, value: unknown, rule: MillisecondsRule & { allowFalse: true }): number | false;
export function milliseconds(path: string, value: unknown, rule?: MillisecondsRule): number;
export function milliseconds(path: string, value: unknown, rule: MillisecondsRule = {}): number | false {
  const min = rule.min ?? 1;
  if (value === false && rule.allowFalse === true) return false;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > maxTimerMs) {
    const none = rule.allowFalse === true ? ', or false for none' : '';
    const range = `a number of milliseconds from ${min} to ${maxTimerMs} (about 24.8 days, the longest a Node timer holds)${none}`;
    throw new InvalidOptionError(path, `must be ${range}; got ${describeValue(value)}`);
  }
  return value;
}

/** A whole number from `min` to `max`. */
export function wholeNumber(path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new InvalidOptionError(path, `must be a whole number ${range}; got ${describeValue(value)}`);
  }
  return value;
}

/** A finite number from `min` to `max`, described to the user as `what` (e.g. "a percentage"). */
export function numberInRange(path: string, value: unknown, min: number, max: number, what = 'a number'): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    throw new InvalidOptionError(path, `must be ${what} from ${min} to ${max}; got ${describeValue(value)}`);
  }
  return value;
}

export function booleanOption(path: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidOptionError(path, `must be true or false; got ${describeValue(value)}`);
  return value;
}

export function functionOption<F extends (...args: never[]) => unknown>(path: string, value: unknown, signature: string): F {
  if (typeof value !== 'function') throw new InvalidOptionError(path, `must be a function ${signature}; got ${describeValue(value)}`);
  return value as F;
}

export function nonEmptyString(path: string, value: unknown, example: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidOptionError(path, `must be a non-empty string such as ${example}; got ${describeValue(value)}`);
  }
  return value;
}

/** One of a fixed set of values. */
export function oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const suggestion = typeof value === 'string' ? didYouMean(value, allowed) : undefined;
    const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
    throw new InvalidOptionError(path, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}${hint}; got ${describeValue(value)}`);
  }
  return value as T;
}

/** A short, safe description of a value for an error message: never a secret's content. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value.length > 60 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'function') return 'a function';
  return 'an object';
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
