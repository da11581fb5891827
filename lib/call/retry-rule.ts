import type { AttemptFailureKind, IncomingResponse } from '../transport/attempt-outcome.js';
import type { ResolvedRetryOptions } from './retry-options.js';

/** Why a failure that retries might have repaired was handed to the caller as it was. */
export type NotRetriedReason =
  /** The retry budget was spent: retries would have added to the load of a failing fleet. */
  | 'budget'
  /** The request may have reached a server and is not idempotent (no `Idempotency-Key`). */
  | 'not-idempotent'
  /** The body was a stream already read: it cannot be sent again. */
  | 'body-not-replayable'
  /** The deadline would pass before another attempt could answer (or before `Retry-After`). */
  | 'deadline'
  /** `retry.attempts` (or `hedge.maxAttempts`) were used up. */
  | 'attempts'
  /** No other instance could take the request. */
  | 'no-other-instance';

/** What the retry rule says of one attempt's outcome. */
export type RetryVerdict =
  /** Not a failure a retry can repair (a 4xx, a response not in `retry.statuses`, a local failure). */
  | 'final'
  /** Nothing reached a server: another instance may take it whatever the method (gRPC's transparent retry). */
  | 'resend'
  /** A failure that may have reached a server; repeating the request is harmless. */
  | 'retry'
  /** Such a failure, for a request that must not be repeated. */
  | 'not-idempotent';

/**
 * Whether an attempt's outcome may be repaired by sending the request to another instance. The method
 * and `Idempotency-Key` decide for anything that may have reached a server: a request is repeated only
 * when repeating it is harmless. Cancellation is never retried.
 */
export function retryVerdict(
  outcome: AttemptFailureKind | 'response',
  response: IncomingResponse | undefined,
  idempotent: boolean,
  options: ResolvedRetryOptions,
): RetryVerdict {
  switch (outcome) {
    case 'never-sent':
      return 'resend';
    case 'connection-lost':
    case 'timed-out':
      return idempotent ? 'retry' : 'not-idempotent';
    case 'response':
      if (response === undefined || !options.statuses.has(response.status)) return 'final';
      return idempotent ? 'retry' : 'not-idempotent';
    default:
      return 'final';
  }
}

/** A request may be repeated if its method is idempotent or it says it is, with an `Idempotency-Key`. */
export function isIdempotent(method: string, headers: Readonly<Record<string, unknown>>, options: ResolvedRetryOptions): boolean {
  return options.idempotentMethods.has(method) || headers['idempotency-key'] !== undefined;
}
