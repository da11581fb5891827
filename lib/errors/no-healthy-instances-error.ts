import { ProxylessError } from './proxyless-error.js';

/** No instance could take the request: none is known, or every one is excluded or its breaker open. */
export class NoHealthyInstancesError extends ProxylessError {
  readonly code = 'ERR_PROXYLESS_NO_HEALTHY_INSTANCES';

  constructor(
    readonly service: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`proxyless: no healthy instance of service "${service}": ${detail}`, options);
  }
}
