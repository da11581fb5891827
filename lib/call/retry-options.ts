import { InvalidOptionError } from '../errors/invalid-option-error.js';
import {
  milliseconds,
  numberInRange,
  rejectUnknownKeys,
  requireOptionsObject,
  wholeNumber,
} from '../options/option-checks.js';
import type { BackoffOptions } from './backoff.js';
import type { RetryBudgetOptions } from './retry-budget.js';

/** When a failed attempt is tried again on another instance. */
export interface RetryOptions {
  /** Tries in all, the first included: 1 turns retries off (a never-sent request still goes elsewhere). Default 3. */
  readonly attempts?: number;
  /**
   * Response statuses a request is retried on, when repeating it is harmless (see `idempotentMethods`).
   * Any status may be listed, 429 included. Default 502, 503, 504.
   */
  readonly statuses?: readonly number[];
  /**
   * Methods that are safe to send twice. Default GET, HEAD, OPTIONS, PUT, DELETE, TRACE (RFC 9110 §9.2.2).
   * A request of another method is treated as idempotent when it carries an `Idempotency-Key` header.
   */
  readonly idempotentMethods?: readonly string[];
  /**
   * One attempt's time limit in ms, or `false`: an attempt still unanswered is aborted, counts against its
   * instance, and an idempotent request goes to another instance within its deadline. Default `false`.
   */
  readonly attemptTimeoutMs?: number | false;
  /** The wait before a retry of a request that may have reached a server, or `false` for none. */
  readonly backoff?: BackoffOptions | false;
  /**
   * Caps retries (and hedges) to a share of requests, so a failing fleet is not met with more load.
   * Default `{ ratio: 0.2, minPerSecond: 10, windowMs: 10_000 }` (Finagle's); `false` for no cap.
   */
  readonly budget?: RetryBudgetOptions | false;
}

/** Opt-in hedging for idempotent requests: a second attempt to another instance while the first is slow. */
export interface HedgeOptions {
  /** Send the next attempt after this many ms without an answer, or `'p95'`: after the client's observed 95th percentile. */
  readonly delayMs: number | 'p95';
  /** Attempts in all, the first included. Default 2. */
  readonly maxAttempts?: number;
}

export interface ResolvedRetryOptions {
  readonly attempts: number;
  readonly statuses: ReadonlySet<number>;
  readonly idempotentMethods: ReadonlySet<string>;
  readonly attemptTimeoutMs: number | false;
  readonly backoff: Required<BackoffOptions> | false;
  readonly budget: Required<RetryBudgetOptions> | false;
}

export interface ResolvedHedgeOptions {
  readonly delayMs: number | 'p95';
  readonly maxAttempts: number;
}

const retryKeys = ['attempts', 'statuses', 'idempotentMethods', 'attemptTimeoutMs', 'backoff', 'budget'] as const;
const defaultIdempotentMethods = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'];

export function resolveRetryOptions(options: RetryOptions | false | undefined): ResolvedRetryOptions {
  if (options === false) {
    return {
      attempts: 1,
      statuses: new Set(),
      idempotentMethods: new Set(defaultIdempotentMethods),
      attemptTimeoutMs: false,
      backoff: false,
      budget: false,
    };
  }
  const given: RetryOptions = options ?? {};
  requireOptionsObject('retry', given, '{ attempts: 3 }, or false for no retries');
  rejectUnknownKeys('retry', given, retryKeys);
  const statuses = given.statuses ?? [502, 503, 504];
  if (!Array.isArray(statuses)) {
    throw new InvalidOptionError('retry.statuses', 'must be an array of HTTP statuses such as [502, 503, 504]');
  }
  statuses.forEach((status, i) => wholeNumber(`retry.statuses[${i}]`, status, 100, 599));
  const methods = given.idempotentMethods ?? defaultIdempotentMethods;
  if (!Array.isArray(methods)) {
    throw new InvalidOptionError('retry.idempotentMethods', 'must be an array of HTTP method names such as ["GET", "PUT"]');
  }
  methods.forEach((method: unknown, i) => {
    if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) {
      throw new InvalidOptionError(`retry.idempotentMethods[${i}]`, `must be an HTTP method name such as "GET"; got ${JSON.stringify(method)}`);
    }
  });
  const attemptTimeoutMs = given.attemptTimeoutMs ?? false;
  return {
    attempts: wholeNumber('retry.attempts', given.attempts ?? 3, 1, 10),
    statuses: new Set(statuses),
    idempotentMethods: new Set(methods.map((method) => method.toUpperCase())),
    attemptTimeoutMs: attemptTimeoutMs === false ? false : milliseconds('retry.attemptTimeoutMs', attemptTimeoutMs),
    backoff: resolveBackoff(given.backoff),
    budget: resolveBudget(given.budget),
  };
}

function resolveBackoff(backoff: BackoffOptions | false | undefined): Required<BackoffOptions> | false {
  if (backoff === false) return false;
  const given: BackoffOptions = backoff ?? {};
  requireOptionsObject('retry.backoff', given, '{ baseMs: 25, maxMs: 250 }, or false');
  rejectUnknownKeys('retry.backoff', given, ['baseMs', 'maxMs']);
  const baseMs = milliseconds('retry.backoff.baseMs', given.baseMs ?? 25);
  const maxMs = milliseconds('retry.backoff.maxMs', given.maxMs ?? Math.max(250, baseMs));
  if (maxMs < baseMs) throw new InvalidOptionError('retry.backoff.maxMs', `must be at least retry.backoff.baseMs (${baseMs}); got ${maxMs}`);
  return { baseMs, maxMs };
}

function resolveBudget(budget: RetryBudgetOptions | false | undefined): Required<RetryBudgetOptions> | false {
  if (budget === false) return false;
  const given: RetryBudgetOptions = budget ?? {};
  requireOptionsObject('retry.budget', given, '{ ratio: 0.2, minPerSecond: 10 }, or false');
  rejectUnknownKeys('retry.budget', given, ['ratio', 'minPerSecond', 'windowMs']);
  const windowMs = milliseconds('retry.budget.windowMs', given.windowMs ?? 10_000, { min: 10 });
  return {
    ratio: numberInRange('retry.budget.ratio', given.ratio ?? 0.2, 0, 10, 'a number of retries per request'),
    minPerSecond: numberInRange('retry.budget.minPerSecond', given.minPerSecond ?? 10, 0, 1e6, 'a number of retries per second'),
    windowMs,
  };
}

export function resolveHedgeOptions(options: HedgeOptions | false | undefined): ResolvedHedgeOptions | false {
  if (options === undefined || options === false) return false;
  requireOptionsObject('hedge', options, "{ delayMs: 50 } or { delayMs: 'p95' }");
  rejectUnknownKeys('hedge', options, ['delayMs', 'maxAttempts']);
  if (options.delayMs === undefined) {
    throw new InvalidOptionError('hedge.delayMs', "is required: milliseconds before the next attempt, or 'p95' for the observed 95th percentile");
  }
  const delayMs = options.delayMs === 'p95' ? 'p95' : milliseconds('hedge.delayMs', options.delayMs);
  return { delayMs, maxAttempts: wholeNumber('hedge.maxAttempts', options.maxAttempts ?? 2, 2, 10) };
}
