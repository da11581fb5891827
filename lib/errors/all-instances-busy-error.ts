import { ProxylessError } from './proxyless-error.js';

/** Every instance that could take a request already has `breaker.capacity` attempts in flight. */
export class AllInstancesBusyError extends ProxylessError {
  readonly code = 'ERR_PROXYLESS_ALL_INSTANCES_BUSY';

  constructor(
    readonly service: string,
    readonly capacity: number,
    readonly instances: number,
  ) {
    super(
      `proxyless: every available instance of service "${service}" (${instances}) already has ${capacity} ` +
        `request${capacity === 1 ? '' : 's'} in flight (breaker.capacity); try again later, or raise breaker.capacity.`,
    );
  }
}
