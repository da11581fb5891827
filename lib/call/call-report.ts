import type { Instance } from '../discovery/instance.js';
import type { AttemptFailureKind } from '../transport/attempt-outcome.js';
import type { NotRetriedReason } from './retry-rule.js';

/**
 * What happened to one request, attempt by attempt: attached to every error the client raises for a
 * request that was sent, and read with {@link callReportOf}.
 */
export interface CallReport {
  readonly service: string;
  readonly attempts: readonly AttemptReport[];
  /** Why the last failure was not tried again on another instance, when a retry might have repaired it. */
  readonly notRetried?: NotRetriedReason;
}

export interface AttemptReport {
  readonly instance: Instance;
  /** `response` for an answer (see `status`), otherwise how the attempt failed. */
  readonly outcome: AttemptFailureKind | 'response';
  readonly status?: number;
  readonly durationMs: number;
  /** Sent as a hedge, while an earlier attempt was still waiting for its answer. */
  readonly hedge: boolean;
}

const reportKey = Symbol.for('proxyless.callReport');

/** The report of the request an error came from, or `undefined` for an error proxyless did not raise for a request. */
export function callReportOf(error: unknown): CallReport | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as { [reportKey]?: CallReport })[reportKey];
}

/** Attaches `report` to `error`, out of the way of enumeration and serialisation. */
export function attachCallReport<E extends object>(error: E, report: CallReport): E {
  Object.defineProperty(error, reportKey, { value: report, enumerable: false, configurable: true });
  return error;
}
