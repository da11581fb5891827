import type { AttemptFailureKind } from '../transport/attempt-outcome.js';
import {
  functionOption,
  milliseconds,
  numberInRange,
  rejectUnknownKeys,
  requireOptionsObject,
  wholeNumber,
} from '../options/option-checks.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { resolveOutlierDetection, type OutlierDetectionOptions, type ResolvedOutlierDetection } from './outlier-detection.js';

/**
 * How each instance's circuit breaker trips and recovers, and the limits on taking instances out.
 *
 * A breaker counts the attempts its instance failed (connection errors, timeouts, 5xx). It opens — the
 * instance is taken out of picking — after `consecutiveFailures` failures in a row or when failures are
 * more than `errorThresholdPercentage` of at least `volumeThreshold` attempts in the rolling window. After
 * `resetTimeout` it half-opens: exactly `halfOpenRequests` trial attempts go to the instance, and it is
 * otherwise not routable. A trial that succeeds closes it with a fresh window; one that fails opens it
 * again for longer (`resetTimeout` × the times it opened in a row, up to `maxResetTimeout`), as Envoy's
 * outlier detection grows ejection time.
 *
 * Two caps keep breakers from making an outage of their own: at most `maxEjectionPercent` of the fleet is
 * ever taken out (at least one instance may always be), and when fewer than `panicThresholdPercent` of
 * the instances are available the client routes across all of them, as Envoy's panic threshold does.
 */
export interface BreakerOptions {
  /** Opens the breaker after this many failures in a row, or `false`. Default 5 (Finagle's failure accrual, Envoy's consecutive 5xx). */
  readonly consecutiveFailures?: number | false;
  /** Share of failed attempts in the rolling window that opens the breaker, 1–100. Default 50. */
  readonly errorThresholdPercentage?: number;
  /** Attempts in the window before the share rule applies at all. Default 5. */
  readonly volumeThreshold?: number;
  /** The rolling window in ms. Default 10,000. */
  readonly rollingCountTimeout?: number;
  /** Buckets in the window; must divide it evenly. Default 10. */
  readonly rollingCountBuckets?: number;
  /** How long the breaker stays open the first time, in ms. Default 10,000. */
  readonly resetTimeout?: number;
  /** The longest it stays open however often it reopens, in ms. Default 300,000 (Envoy's max ejection time). */
  readonly maxResetTimeout?: number;
  /** Trial attempts a half-open instance takes. Default 1. */
  readonly halfOpenRequests?: number;
  /**
   * An attempt still unanswered after this many ms is aborted and counts against its instance (a hung
   * server is a failing one), or `false`. Default `false`. It acts as `retry.attemptTimeoutMs` does — the
   * shorter of the two applies, and an idempotent request goes to another instance within its deadline.
   */
  readonly timeout?: number | false;
  /** At most this many attempts in flight to one instance; a full instance is skipped, never counted as failing. Default unlimited. */
  readonly capacity?: number;
  /** Never take out more than this share of the instances (at least one may always be). Default 10, as Envoy and gRPC. */
  readonly maxEjectionPercent?: number;
  /** Below this share of available instances, route across all of them. Default 50, as Envoy. 0 turns panic off. */
  readonly panicThresholdPercent?: number;
  /** Return true for a failure that must not count against its instance (4xx and cancellations never do). */
  readonly errorFilter?: (failure: FailureInfo) => boolean;
  /**
   * Outlier ejection: instances compared with each other every interval, one failing far more than its
   * peers taken out for a while, within the same cap. On by default with Envoy's and gRPC's defaults; `false`
   * to turn it off. See {@link OutlierDetectionOptions}.
   */
  readonly outlierDetection?: OutlierDetectionOptions | false;
}

/** What `errorFilter` is asked about: how an attempt failed. */
export interface FailureInfo {
  /** `response` for a 5xx; otherwise how the attempt failed. */
  readonly kind: AttemptFailureKind | 'response';
  readonly status?: number;
  readonly error?: Error;
}

export type ResolvedBreakerOptions = Required<Omit<BreakerOptions, 'capacity' | 'errorFilter' | 'outlierDetection'>> & {
  readonly capacity: number;
  readonly errorFilter: ((failure: FailureInfo) => boolean) | undefined;
  readonly outlierDetection: ResolvedOutlierDetection | false;
};

const optionNames = [
  'consecutiveFailures',
  'errorThresholdPercentage',
  'volumeThreshold',
  'rollingCountTimeout',
  'rollingCountBuckets',
  'resetTimeout',
  'maxResetTimeout',
  'halfOpenRequests',
  'timeout',
  'capacity',
  'maxEjectionPercent',
  'panicThresholdPercent',
  'errorFilter',
  'outlierDetection',
] as const;

export function resolveBreakerOptions(options: BreakerOptions = {}): ResolvedBreakerOptions {
  requireOptionsObject('breaker', options, '{ consecutiveFailures: 5 }, or false for no breakers');
  rejectUnknownKeys('breaker', options, optionNames);
  const rollingCountTimeout = milliseconds('breaker.rollingCountTimeout', options.rollingCountTimeout ?? 10_000);
  const rollingCountBuckets = wholeNumber('breaker.rollingCountBuckets', options.rollingCountBuckets ?? 10, 1, 1000);
  if (rollingCountTimeout % rollingCountBuckets !== 0) {
    throw new InvalidOptionError(
      'breaker.rollingCountBuckets',
      `must divide breaker.rollingCountTimeout (${rollingCountTimeout} ms) evenly; got ${rollingCountBuckets}`,
    );
  }
  const resetTimeout = milliseconds('breaker.resetTimeout', options.resetTimeout ?? 10_000);
  const maxResetTimeout = milliseconds('breaker.maxResetTimeout', options.maxResetTimeout ?? Math.max(300_000, resetTimeout));
  if (maxResetTimeout < resetTimeout) {
    throw new InvalidOptionError('breaker.maxResetTimeout', `must be at least breaker.resetTimeout (${resetTimeout} ms); got ${maxResetTimeout}`);
  }
  const consecutive = options.consecutiveFailures ?? 5;
  const timeout = options.timeout ?? false;
  return {
    consecutiveFailures: consecutive === false ? false : wholeNumber('breaker.consecutiveFailures', consecutive, 1),
    errorThresholdPercentage: numberInRange('breaker.errorThresholdPercentage', options.errorThresholdPercentage ?? 50, 1, 100, 'a percentage'),
    volumeThreshold: wholeNumber('breaker.volumeThreshold', options.volumeThreshold ?? 5, 0),
    rollingCountTimeout,
    rollingCountBuckets,
    resetTimeout,
    maxResetTimeout,
    halfOpenRequests: wholeNumber('breaker.halfOpenRequests', options.halfOpenRequests ?? 1, 1, 1000),
    timeout: timeout === false ? false : milliseconds('breaker.timeout', timeout),
    capacity: options.capacity === undefined ? Infinity : wholeNumber('breaker.capacity', options.capacity, 1),
    maxEjectionPercent: numberInRange('breaker.maxEjectionPercent', options.maxEjectionPercent ?? 10, 0, 100, 'a percentage'),
    panicThresholdPercent: numberInRange('breaker.panicThresholdPercent', options.panicThresholdPercent ?? 50, 0, 100, 'a percentage'),
    errorFilter:
      options.errorFilter === undefined
        ? undefined
        : functionOption<(failure: FailureInfo) => boolean>('breaker.errorFilter', options.errorFilter, '(failure) => boolean'),
    outlierDetection: resolveOutlierDetection(options.outlierDetection),
  };
}
