import type { Instance } from '../discovery/instance.js';
import type { AttemptFailureKind } from '../transport/attempt-outcome.js';
import { ProxylessError } from './proxyless-error.js';

/**
 * A request's last attempt failed and was not tried again (`callReportOf(error).notRetried` says why):
 * `kind` is how it failed, `cause` the transport's own error with its `code` (`ECONNREFUSED`, …).
 * Raised by `client.send`; the axios side raises axios's own errors and `fetch` a `TypeError`.
 */
export class RequestFailedError extends ProxylessError {
  readonly code = 'ERR_PROXYLESS_REQUEST_FAILED';

  constructor(
    readonly service: string,
    readonly kind: AttemptFailureKind,
    readonly instance: Instance | undefined,
    cause: Error | undefined,
  ) {
    const where = instance === undefined ? '' : ` on ${instance.origin}`;
    const why = cause === undefined ? '' : `: ${cause.message}`;
    super(`proxyless: a request to service "${service}" failed${where} (${kind})${why}`, { cause });
  }
}
