import type { AttemptReport } from '../call/call-report.js';

/**
 * How one attempt ended, as metrics and traces label it: `success` for any answer below 500 but 429
 * (a 404 is the instance working), `throttled` for 429, `server-error` for 5xx, otherwise how it failed:
 * `never-sent`, `connection-lost`, `timed-out`, `cancelled`, `failed`.
 */
export type AttemptOutcomeLabel = 'success' | 'throttled' | 'server-error' | Exclude<AttemptReport['outcome'], 'response'>;

export function attemptOutcomeLabel(attempt: AttemptReport): AttemptOutcomeLabel {
  if (attempt.outcome !== 'response') return attempt.outcome;
  const status = attempt.status ?? 0;
  if (status === 429) return 'throttled';
  return status >= 500 ? 'server-error' : 'success';
}
