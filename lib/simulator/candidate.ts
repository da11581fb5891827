import type { HedgeOptions, ResolvedHedgeOptions, ResolvedRetryOptions, RetryOptions } from '../call/retry-options.js';
import { resolveHedgeOptions, resolveRetryOptions } from '../call/retry-options.js';
import type { Clock, Random } from '../clock.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { BreakerOptions, ResolvedBreakerOptions } from '../health/breaker-options.js';
import { resolveBreakerOptions } from '../health/breaker-options.js';
import { milliseconds, rejectUnknownKeys, requireOptionsObject } from '../options/option-checks.js';
import { didYouMean } from '../options/did-you-mean.js';
import { createPicker, pickerNames, type PickerName } from '../pickers/create-picker.js';
import type { Picker, PickerBaseOptions } from '../pickers/picker.js';
import { atOptionPath } from './option-path.js';

/**
 * Builds the picker of one simulated client from the simulation's clock and a seeded random source of
 * its own — the options every built-in picker takes, so `(base) => createPicker('p2c-ewma', base)` is one.
 * `client` numbers the clients from 0, for pickers that need something of the caller's own (a zone).
 */
export type PickerFactory = (base: { readonly clock: Clock; readonly random: Random }, client: number) => Picker;

/**
 * One set of client settings to try on a scenario: the options of `createClient` that decide what
 * becomes of a request. Each is checked as `createClient` checks it, and defaults as it does, so `{}`
 * is the client as it ships.
 */
export interface Candidate {
  /**
   * A built-in picker's name; a {@link PickerFactory}, called once per client; or one `Picker` object
   * shared by every client. Default `'p2c-ewma'`.
   */
  readonly picker?: PickerName | PickerFactory | Picker;
  /** Each instance's circuit breaker, ejection cap and panic threshold, or `false` for none. */
  readonly breaker?: BreakerOptions | false;
  /** Retries: attempts, statuses, attempt timeout, backoff, budget; or `false` for none. */
  readonly retry?: RetryOptions | false;
  /** Hedging, or `false` (the default) for none. */
  readonly hedge?: HedgeOptions | false;
  /**
   * Each request's deadline in ms (simulated requests set no timeout of their own, so the client's
   * default applies). Default 15,000, as `createClient`; `false` for none.
   */
  readonly defaultDeadlineMs?: number | false;
}

/** A candidate checked and resolved into the parts a client is assembled from. */
export interface ResolvedCandidate {
  readonly newPicker: PickerFactory;
  readonly breaker: ResolvedBreakerOptions | undefined;
  readonly retry: ResolvedRetryOptions;
  readonly hedge: ResolvedHedgeOptions | false;
  readonly deadlineMs: number | undefined;
}

const candidateKeys = ['picker', 'breaker', 'retry', 'hedge', 'defaultDeadlineMs'] as const;

/** Checks `candidate`, found at `path` (`candidates.linkerd`), as `createClient` checks its options. */
export function resolveCandidate(path: string, candidate: Candidate): ResolvedCandidate {
  requireOptionsObject(path, candidate, "{ picker: 'round-robin', retry: false }");
  rejectUnknownKeys(path, candidate, candidateKeys);
  const breaker = candidate.breaker;
  const deadline = milliseconds(`${path}.defaultDeadlineMs`, candidate.defaultDeadlineMs ?? 15_000, { allowFalse: true });
  return {
    newPicker: pickerFactory(`${path}.picker`, candidate.picker ?? 'p2c-ewma'),
    breaker: breaker === false ? undefined : atOptionPath(path, () => resolveBreakerOptions(breaker)),
    retry: atOptionPath(path, () => resolveRetryOptions(candidate.retry)),
    hedge: atOptionPath(path, () => resolveHedgeOptions(candidate.hedge)),
    deadlineMs: deadline === false ? undefined : deadline,
  };
}

function pickerFactory(path: string, picker: Candidate['picker']): PickerFactory {
  if (typeof picker === 'function') return picker;
  if (typeof picker === 'string') {
    if (!(pickerNames as readonly string[]).includes(picker)) {
      const suggestion = didYouMean(picker, pickerNames);
      const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
      throw new InvalidOptionError(path, `names no built-in picker${hint}; use one of ${pickerNames.map((name) => `'${name}'`).join(', ')}, or a factory (base) => Picker`);
    }
    const create = createPicker as (name: string, options: PickerBaseOptions) => Picker;
    return (base) => create(picker, base);
  }
  if (typeof picker === 'object' && picker !== null && typeof (picker as Partial<Picker>).pick === 'function') return () => picker;
  throw new InvalidOptionError(path, "must be a built-in picker's name, a factory (base) => Picker, or a Picker object");
}
