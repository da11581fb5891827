import { ProxylessError } from './proxyless-error.js';

/**
 * A request's deadline passed before any attempt answered. Attempts still under way were stopped, and
 * count against their instances as timed out. Raised by `client.send`; the axios side raises axios's
 * own timeout error and `fetch` a `TimeoutError` `DOMException`.
 */
export class DeadlineExceededError extends ProxylessError {
  readonly code = 'ERR_PROXYLESS_DEADLINE_EXCEEDED';

  constructor(
    readonly service: string,
    readonly deadlineMs: number,
  ) {
    super(`proxyless: a request to service "${service}" had no answer within its deadline of ${deadlineMs} ms`);
  }
}
