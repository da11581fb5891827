import { ProxylessError } from './proxyless-error.js';

/** Which call to the Consul agent failed. */
export type RegistrationOperation =
  /** Registering the instance (at start, or again after the agent forgot it). */
  | 'register'
  /** Asking the agent whether it still holds the instance. */
  | 'sync'
  /** Reporting the instance's health to a TTL check. */
  | 'ttl'
  /** Taking the instance out of Consul. */
  | 'deregister';

const verbs: Record<RegistrationOperation, string> = {
  register: 'registering',
  sync: 'checking the registration of',
  ttl: 'reporting the health of',
  deregister: 'deregistering',
};

const consequences: Record<RegistrationOperation, string> = {
  register: 'retrying with backoff; the server keeps serving meanwhile',
  sync: 'asking again; the registration stands meanwhile',
  ttl: 'retrying; if no report reaches the agent within the TTL, Consul marks the instance critical',
  deregister: 'the instance stays listed until its check turns critical and Consul removes it after `deregisterCriticalServiceAfter`',
};

/**
 * A call to the Consul agent on behalf of an instance failed: Consul unreachable, an HTTP error, an ACL that
 * denies it. Emitted as the registration's `registrationError` event; proxyless retries by itself except
 * when deregistering. Never contains the ACL token.
 */
export class RegistrationError extends ProxylessError {
  readonly code = 'ERR_PROXYLESS_REGISTRATION';

  /**
   * @param operation the call that failed
   * @param service the Consul service name
   * @param instanceId the instance's Consul service ID
   * @param consul the agent's address, e.g. `127.0.0.1:8500`
   * @param problem what went wrong, e.g. `connect ECONNREFUSED 127.0.0.1:8500` or `HTTP 403: Permission denied`
   * @param statusCode the HTTP status Consul answered with, when it answered
   */
  constructor(
    readonly operation: RegistrationOperation,
    readonly service: string,
    readonly instanceId: string,
    readonly consul: string,
    readonly problem: string,
    readonly statusCode?: number,
  ) {
    super(
      `proxyless: ${verbs[operation]} instance "${instanceId}" of service "${service}" with Consul at ${consul} failed: ` +
        `${problem}; ${consequences[operation]}`,
    );
  }
}
