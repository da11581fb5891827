import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { AttemptFailureKind } from './attempt-failure.js';

export interface RetryOptions {
  /** Tries in all, the first included: 1 disables retries. Default 3. */
  readonly attempts?: number;
  /** Response statuses that an idempotent request is retried on. Default 502, 503, 504. */
  readonly statuses?: readonly number[];
  /** Methods that are safe to send twice. Default GET, HEAD, OPTIONS, PUT, DELETE, TRACE (RFC 9110 §9.2.2). */
  readonly idempotentMethods?: readonly string[];
}

const defaultIdempotentMethods = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'];

/**
 * Decides whether a failed attempt is tried again on another instance.
 *
 * As gRPC's transparent retry does, a request that never reached a server is retried whatever its
 * method: no server saw it, so nothing can happen twice. Anything that may have reached one is
 * retried only when repeating it is harmless (an idempotent method) and the failure says the
 * instance, not the request, was at fault.
 */
export class RetryPolicy {
  readonly attempts: number;
  readonly #statuses: ReadonlySet<number>;
  readonly #idempotentMethods: ReadonlySet<string>;

  constructor(options: RetryOptions | false | undefined) {
    if (options === false) {
      this.attempts = 1;
      this.#statuses = new Set();
      this.#idempotentMethods = new Set();
      return;
    }
    const attempts = options?.attempts ?? 3;
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10) {
      throw new InvalidOptionError('retry.attempts', `must be a whole number from 1 to 10 (tries in all), got ${String(attempts)}`);
    }
    const statuses = options?.statuses ?? [502, 503, 504];
    for (const status of statuses) {
      if (!Number.isInteger(status) || status < 100 || status > 599) {
        throw new InvalidOptionError('retry.statuses', `must list HTTP statuses from 100 to 599, got ${String(status)}`);
      }
    }
    const methods = options?.idempotentMethods ?? defaultIdempotentMethods;
    for (const method of methods) {
      if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) {
        throw new InvalidOptionError('retry.idempotentMethods', `must list HTTP method names such as "GET", got ${String(method)}`);
      }
    }
    this.attempts = attempts;
    this.#statuses = new Set(statuses);
    this.#idempotentMethods = new Set(methods.map((m) => m.toUpperCase()));
  }

  /** @param method upper-case HTTP method */
  shouldRetry(kind: AttemptFailureKind, method: string, status: number | undefined): boolean {
    switch (kind) {
      case 'not-sent':
        return true;
      case 'connection-lost':
      case 'timeout':
        return this.#idempotentMethods.has(method);
      case 'server-error':
        return status !== undefined && this.#statuses.has(status) && this.#idempotentMethods.has(method);
      default:
        return false;
    }
  }
}
