import { ProxylessError } from './proxyless-error.js';

/**
 * A request set an axios option the balancer cannot honour: one that would take the request around it
 * (`socketPath`, `proxy`, its own `httpAgent`, redirects to wherever a `Location` points), or one no
 * transport of proxyless supports. It is refused before anything is sent, never silently ignored.
 */
export class UnsupportedRequestOptionError extends ProxylessError {
  readonly code = 'ERR_PROXYLESS_UNSUPPORTED_REQUEST_OPTION';

  constructor(
    /** The axios option, e.g. `socketPath`. */
    readonly option: string,
    readonly service: string,
    /** Why it is refused and what to do instead. */
    remedy: string,
  ) {
    super(`proxyless: the request option \`${option}\` is refused for service "${service}": ${remedy}`);
  }
}
