import { ProxylessError } from './proxyless-error.js';

/** A request was made on, or was still waiting in, a client after `close()`. */
export class ClientClosedError extends ProxylessError {
  readonly code = 'ERR_PROXYLESS_CLIENT_CLOSED';

  constructor(readonly service: string) {
    super(`proxyless: the client for service "${service}" is closed; create a new one with createClient().`);
  }
}
