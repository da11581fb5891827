import { ProxylessError } from './proxyless-error.js';

/**
 * A request named an absolute URL. axios would send it to that host and bypass the balancer, so it
 * is refused before anything is sent.
 */
export class AbsoluteUrlError extends ProxylessError {
  readonly code = 'ERR_PROXYLESS_ABSOLUTE_URL';

  constructor(
    readonly url: string,
    readonly service: string,
  ) {
    super(
      `proxyless: refused absolute URL "${url}" for service "${service}": it would bypass the balancer. ` +
        `Give a path such as "/users/42"; proxyless chooses the instance.`,
    );
  }
}
