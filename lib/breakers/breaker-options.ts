import { InvalidOptionError } from '../errors/invalid-option-error.js';

/**
 * How each instance's circuit breaker (an opossum `CircuitBreaker`) trips and recovers. Every field is
 * opossum's option of the same name; the defaults differ from opossum's where a per-instance breaker
 * behind a balancer wants something else, as noted.
 */
export interface BreakerOptions {
  /** Share of failed attempts in the rolling window that opens the breaker. Default 50. */
  readonly errorThresholdPercentage?: number;
  /** Attempts in the window before the breaker may open at all. Default 5 (opossum: 0, so one failure trips it). */
  readonly volumeThreshold?: number;
  /** How long an open breaker keeps its instance out before one trial attempt. Default 10 000 ms (opossum: 30 000). */
  readonly resetTimeout?: number;
  /** The rolling window. Default 10 000 ms. */
  readonly rollingCountTimeout?: number;
  /** Buckets in the window. Default 10. */
  readonly rollingCountBuckets?: number;
  /**
   * Fails an attempt that takes longer than this, in ms, or `false`. Default `false` (opossum: 10 000):
   * use axios's `timeout`, which also aborts the request; opossum's timer only stops waiting for it.
   */
  readonly timeout?: number | false;
  /** At most this many attempts in flight to one instance; the rest go elsewhere. Default unlimited. */
  readonly capacity?: number;
  /**
   * Opens the breaker after this many failures in a row, whatever the rolling window says, or `false`.
   * Default 5, Finagle's failure accrual and Envoy's consecutive-5xx ejection: a busy instance that dies
   * has thousands of successes in its window, and a share-based trigger alone would wait for them to
   * age out while every request to it needs a retry. (Not an opossum option; proxyless adds it.)
   */
  readonly consecutiveFailures?: number | false;
  /** Return true for an error that must not count against the instance (in addition to 4xx and cancellations). */
  readonly errorFilter?: (error: unknown) => boolean;
}

export interface ResolvedBreakerOptions {
  readonly errorThresholdPercentage: number;
  readonly volumeThreshold: number;
  readonly resetTimeout: number;
  readonly rollingCountTimeout: number;
  readonly rollingCountBuckets: number;
  readonly timeout: number | false;
  readonly capacity: number | undefined;
  readonly consecutiveFailures: number | false;
  readonly errorFilter: ((error: unknown) => boolean) | undefined;
}

export function resolveBreakerOptions(options: BreakerOptions = {}): ResolvedBreakerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('breaker', `must be an object of breaker options or false, got ${typeof options}`);
  }
  const resolved = {
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    volumeThreshold: options.volumeThreshold ?? 5,
    resetTimeout: options.resetTimeout ?? 10_000,
    rollingCountTimeout: options.rollingCountTimeout ?? 10_000,
    rollingCountBuckets: options.rollingCountBuckets ?? 10,
    timeout: options.timeout ?? false,
    capacity: options.capacity,
    consecutiveFailures: options.consecutiveFailures ?? 5,
    errorFilter: options.errorFilter,
  };
  requireNumber('breaker.errorThresholdPercentage', resolved.errorThresholdPercentage, 1, 100, 'a percentage from 1 to 100');
  requireNumber('breaker.volumeThreshold', resolved.volumeThreshold, 0, Number.MAX_SAFE_INTEGER, 'a whole number ≥ 0', true);
  requireNumber('breaker.resetTimeout', resolved.resetTimeout, 1, Number.MAX_SAFE_INTEGER, 'milliseconds > 0');
  requireNumber('breaker.rollingCountTimeout', resolved.rollingCountTimeout, 1, Number.MAX_SAFE_INTEGER, 'milliseconds > 0');
  requireNumber('breaker.rollingCountBuckets', resolved.rollingCountBuckets, 1, 1000, 'a whole number from 1 to 1000', true);
  if (resolved.rollingCountTimeout % resolved.rollingCountBuckets !== 0) {
    throw new InvalidOptionError(
      'breaker.rollingCountBuckets',
      `must divide breaker.rollingCountTimeout (${resolved.rollingCountTimeout} ms) evenly, got ${resolved.rollingCountBuckets}`,
    );
  }
  if (resolved.timeout !== false) {
    requireNumber('breaker.timeout', resolved.timeout, 1, Number.MAX_SAFE_INTEGER, 'milliseconds > 0, or false');
  }
  if (resolved.capacity !== undefined) {
    requireNumber('breaker.capacity', resolved.capacity, 1, Number.MAX_SAFE_INTEGER, 'a whole number ≥ 1', true);
  }
  if (resolved.consecutiveFailures !== false) {
    requireNumber('breaker.consecutiveFailures', resolved.consecutiveFailures, 1, Number.MAX_SAFE_INTEGER, 'a whole number ≥ 1, or false', true);
  }
  if (resolved.errorFilter !== undefined && typeof resolved.errorFilter !== 'function') {
    throw new InvalidOptionError('breaker.errorFilter', `must be a function (error) => boolean, got ${typeof resolved.errorFilter}`);
  }
  return resolved;
}

function requireNumber(option: string, value: unknown, min: number, max: number, expected: string, integer = false): void {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) throw new InvalidOptionError(option, `must be ${expected}, got ${String(value)}`);
}
