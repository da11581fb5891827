import { ProxylessError } from './proxyless-error.js';

/**
 * The instance began draining (a signal, or `drain()` / `deregister()`) while `register()` was still
 * waiting for Consul to accept it, so `register()` gave up: the instance was never listed.
 */
export class RegistrationCanceledError extends ProxylessError {
  readonly code = 'ERR_PROXYLESS_REGISTRATION_CANCELED';

  constructor(
    readonly service: string,
    readonly instanceId: string,
    reason: string,
  ) {
    super(`proxyless: instance "${instanceId}" of service "${service}" stopped registering before Consul accepted it: ${reason}.`);
  }
}
