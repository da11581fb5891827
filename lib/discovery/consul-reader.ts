import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';

/** What Consul answered: any status, its headers, the body as papi decoded it (JSON, text or bytes). */
export interface ConsulAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** Cancels the requests it is given to; one per round of the watch loop. */
export type RequestCancel = EventEmitter;

/** The part of a `consul` client (papi underneath) proxyless reads with: a GET with our own middleware. */
export interface PapiClient {
  _get(request: PapiRequest, middleware: PapiMiddleware): Promise<unknown>;
}

interface PapiRequest {
  name: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  timeout: number;
  ctx?: EventEmitter;
}

type PapiMiddleware = (request: { err?: Error; res?: PapiResponse }, next: (stop: false, value: unknown) => void) => void;

interface PapiResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body?: unknown;
}

/**
 * Reads one Consul agent over a `consul` client: GET requests whose every answer comes back whatever its
 * status (with headers, which the `consul` package's methods drop), cancellable, bounded in time, carrying
 * the ACL token. The token stays inside this object.
 */
export class ConsulReader {
  readonly #client: PapiClient;
  readonly #token: string | undefined;
  readonly #release: () => void;

  constructor(client: PapiClient, token: string | undefined, release: () => void) {
    this.#client = client;
    this.#token = token;
    this.#release = release;
  }

  /** Whether requests carry an ACL token (never which). */
  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  /**
   * GET `/v1` + `path`, `{name}` in it replaced by `params` (URL-encoded). Rejects only when no answer came:
   * a network or TLS error, `timeoutMs` passed, or `cancel` emitted `'cancel'`.
   */
  get(
    path: string,
    params: Record<string, string>,
    query: Record<string, string | string[]>,
    options: { timeoutMs: number; cancel?: RequestCancel },
  ): Promise<ConsulAnswer> {
    const request: PapiRequest = {
      name: 'proxyless.discovery',
      path,
      params,
      query,
      headers: this.#token === undefined ? {} : { 'x-consul-token': this.#token },
      timeout: options.timeoutMs,
      ...(options.cancel === undefined ? {} : { ctx: options.cancel }),
    };
    return this.#client._get(request, (state, next) => {
      const response = state.res;
      if (response === undefined) return next(false, state.err ?? new Error('Consul gave no answer'));
      next(false, { status: response.statusCode, headers: response.headers, body: response.body } satisfies ConsulAnswer);
    }) as Promise<ConsulAnswer>;
  }

  /** Releases the client (closing its idle sockets) unless the caller gave it. */
  close(): void {
    this.#release();
  }
}

/** A fresh canceller for a round of requests. */
export function requestCancel(): RequestCancel {
  return new EventEmitter();
}
