import type { AttemptReport } from '../call/call-report.js';
import type { NotRetriedReason } from '../call/retry-rule.js';
import type { ClientEvents } from '../client/client-events.js';
import type { TypedEmitter } from '../events/typed-emitter.js';

/**
 * Why a failed attempt was tried again: how it failed (`never-sent`, `connection-lost`, `timed-out`,
 * `failed`), or the status of a response in `retry.statuses` (`"503"`, `"429"`).
 */
export function retryReason(after: AttemptReport): string {
  return after.outcome === 'response' ? String(after.status) : after.outcome;
}

/**
 * The retry decisions of one client since it started, counted from its events: retries by reason, hedges,
 * and failures not retried by why not. Retries are rare by design (the budget caps them), so listening to
 * these events costs the request path nothing while requests succeed.
 */
export class RetryCounts {
  total = 0;
  hedges = 0;
  readonly byReason = new Map<string, number>();
  readonly notRetried = new Map<NotRetriedReason, number>();

  constructor(events: TypedEmitter<ClientEvents>) {
    events.on('retry', ({ after }) => {
      this.total++;
      const reason = retryReason(after);
      this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
    });
    events.on('hedge', () => {
      this.hedges++;
    });
    events.on('notRetried', ({ reason }) => {
      this.notRetried.set(reason, (this.notRetried.get(reason) ?? 0) + 1);
    });
  }
}
