import { isAxiosError } from 'axios';
import { connectTimeoutCode } from '../transport/instance-agent.js';

/**
 * Why one attempt on one instance did not produce a usable response. The kind decides two things:
 * whether the instance is to blame (breaker, picker feedback) and whether another instance may be
 * tried.
 */
export type AttemptFailureKind =
  /** The request never reached a server: refused, unreachable, no connection in time, a breaker that would not let it pass. */
  | 'not-sent'
  /** The connection broke after the request may have been sent. */
  | 'connection-lost'
  | 'timeout'
  /** A 5xx response. */
  | 'server-error'
  /** A 4xx or other response the caller's `validateStatus` rejected: the request's fault, not the instance's. */
  | 'rejected-status'
  /** The caller aborted the request. */
  | 'canceled'
  /** Anything else, such as an interceptor that threw: passed to the caller untouched. */
  | 'other';

const notSentCodes = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  connectTimeoutCode,
  // opossum's fast rejections: the breaker, not the server, turned the attempt away.
  'EOPENBREAKER',
  'ESEMLOCKED',
  'ESHUTDOWN',
]);

const connectionLostCodes = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);

const timeoutCodes = new Set(['ECONNABORTED', 'ETIMEDOUT']);

export function classifyFailure(error: unknown): AttemptFailureKind {
  if (error instanceof ServerErrorResponse) return 'server-error';
  if (isAxiosError(error)) {
    if (error.code === 'ERR_CANCELED') return 'canceled';
    const status = error.response?.status;
    if (status !== undefined) return status >= 500 ? 'server-error' : 'rejected-status';
    const code = error.code ?? errorCode(error.cause);
    if (code === undefined) return 'other';
    if (notSentCodes.has(code)) return 'not-sent';
    if (connectionLostCodes.has(code)) {
      // Node's own advice: a reset on a reused keep-alive socket, before any response, means the
      // server closed that idle socket as we wrote to it; the request was not processed.
      return reusedSocket(error.request) ? 'not-sent' : 'connection-lost';
    }
    if (timeoutCodes.has(code)) return 'timeout';
    return 'other';
  }
  const code = errorCode(error);
  return code !== undefined && notSentCodes.has(code) ? 'not-sent' : 'other';
}

/** Whether a failure of this kind counts against the instance (breaker statistics, picker feedback). */
export function blamesInstance(kind: AttemptFailureKind): boolean {
  return kind === 'connection-lost' || kind === 'timeout' || kind === 'server-error' || kind === 'not-sent';
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function reusedSocket(request: unknown): boolean {
  return typeof request === 'object' && request !== null && (request as { reusedSocket?: unknown }).reusedSocket === true;
}

/**
 * A 5xx response that the caller's `validateStatus` accepts. It still counts against the instance,
 * so the breaker sees it as a failure; the client hands the response back if no retry takes its place.
 */
export class ServerErrorResponse<R extends { readonly status: number }> extends Error {
  readonly code = 'ERR_PROXYLESS_SERVER_ERROR_RESPONSE';

  constructor(readonly response: R) {
    super(`instance answered ${response.status}`);
  }
}
