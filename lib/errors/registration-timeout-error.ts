import { ProxylessError } from './proxyless-error.js';
import { RegistrationError } from './registration-error.js';

/**
 * `register()` could not get the instance into Consul within `registerTimeoutMs`. Each failed attempt was a
 * {@link RegistrationError}; the last one is the `cause`. proxyless has stopped trying and let go of the
 * server, which keeps serving, unregistered.
 */
export class RegistrationTimeoutError extends ProxylessError {
  readonly code = 'ERR_PROXYLESS_REGISTRATION_TIMEOUT';

  constructor(
    readonly service: string,
    readonly instanceId: string,
    readonly consul: string,
    readonly timeoutMs: number,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    const cause = options?.cause;
    const last = cause instanceof RegistrationError ? cause.problem : cause instanceof Error ? cause.message : undefined;
    super(
      `proxyless: Consul at ${consul} did not accept instance "${instanceId}" of service "${service}" within ` +
        `${timeoutMs} ms (${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}${last === undefined ? '' : `; last error: ${last}`}). ` +
        `Check that Consul is running and reachable there (option \`consul\`, or CONSUL_HTTP_ADDR), or raise \`registerTimeoutMs\`.`,
      options,
    );
  }
}
