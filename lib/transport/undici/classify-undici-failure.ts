import type { Instance } from '../../discovery/instance.js';
import type { FailureOutcome, IncomingResponse } from '../attempt-outcome.js';
import type { AttemptSignal } from '../attempt-signal.js';
import { connectTimeoutError } from '../connect-timeout.js';

/** undici's refusals of the request itself, before it reached a socket: it would be refused anywhere. */
const refusedHereCodes = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH']);

/** What an attempt had reached when it failed. */
export interface FailurePoint {
  /** undici handed the request to a connected socket (`onRequestStart`): from then on, bytes may have left. */
  readonly dispatched: boolean;
  /** The response head, when it had arrived. */
  readonly response: IncomingResponse | undefined;
  /** The request body's own stream failed, here. */
  readonly bodyError: Error | undefined;
}

/**
 * How an attempt sent with undici failed. The test for "never sent" is undici's own lifecycle: it calls
 * `onRequestStart` when it hands a request to a socket that finished connecting (TCP and, for HTTPS,
 * TLS), just before writing it. An error before that — refused, unreachable, the connect timeout, a
 * failed handshake — cannot have let a byte reach the server; any error after it may have, a reused
 * keep-alive socket closed by the server included.
 */
export function classifyUndiciFailure(error: Error, signal: AttemptSignal, point: FailurePoint, instance: Instance, connectTimeoutMs: number): FailureOutcome {
  if (signal.aborted) return { kind: 'cancelled', error };
  if (point.bodyError !== undefined) return { kind: 'failed', error: point.bodyError };
  const code = (error as { code?: unknown }).code;
  // The head arrived and the body did not: the server went away mid-body.
  if (point.response !== undefined) return { kind: 'connection-lost', error: hangUp(error, code), response: point.response };
  if (point.dispatched) return { kind: 'connection-lost', error: hangUp(error, code) };
  if (typeof code === 'string' && refusedHereCodes.has(code)) return { kind: 'failed', error };
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { kind: 'never-sent', error: connectTimeoutError(instance.host, String(instance.port), connectTimeoutMs, error) };
  }
  return { kind: 'never-sent', error };
}

/**
 * undici's "other side closed" as Node's http client words it — `socket hang up`, `ECONNRESET` — so that
 * handlers matching axios's codes see the same code whichever transport sent the request.
 */
function hangUp(error: Error, code: unknown): Error {
  if (code !== 'UND_ERR_SOCKET') return error;
  return Object.assign(new Error('socket hang up', { cause: error }), { code: 'ECONNRESET' });
}
