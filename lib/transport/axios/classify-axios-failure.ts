import type { ClientRequest } from 'node:http';
import { isAxiosError } from 'axios';
import type { FailureOutcome, IncomingResponse } from '../attempt-outcome.js';
import type { AttemptSignal } from '../attempt-signal.js';
import { connectTimeoutCode } from '../connect-timeout.js';
import { wasEstablished } from './instance-pool.js';

/** Failures of the connect phase: with no socket to look at, these codes alone prove nothing was sent. */
const connectPhaseCodes = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  connectTimeoutCode,
]);

const emptyBody = new Uint8Array(0);

/**
 * How an attempt sent with axios failed. The test for "never sent" is the socket's own history: a
 * request whose socket never finished connecting (TCP and, for HTTPS, TLS) cannot have reached the
 * server, whatever the error code says. A reset on a socket that was established — a reused keep-alive
 * one included — is a lost connection: the server may have read and processed the request.
 */
export function classifyAxiosFailure(error: unknown, signal: AttemptSignal): FailureOutcome {
  const failure = error instanceof Error ? error : new Error(String(error));
  if (signal.aborted) return { kind: 'cancelled', error: failure };
  if (!isAxiosError(error)) return { kind: 'failed', error: failure };
  if (error.code === 'ERR_CANCELED') return { kind: 'cancelled', error: failure };

  // This process refused the body (too large, or not decodable): no other instance would fare better. axios
  // refuses a too-large body before reading it when its Content-Length says so, with no response attached.
  const refusedHere = error.message.startsWith('maxContentLength') || isDecompressionFailure(error);
  const response = error.response;
  if (response !== undefined) {
    // The head arrived and the body did not: either this process refused it, or the server went away mid-body.
    const partial: IncomingResponse = {
      status: response.status,
      statusText: response.statusText,
      headers: plainHeaders(response.headers),
      body: emptyBody,
      request: response.request,
    };
    return { kind: refusedHere ? 'failed' : 'connection-lost', error: failure, response: partial };
  }
  if (refusedHere) return { kind: 'failed', error: failure };

  const socket = (error.request as ClientRequest | undefined)?.socket;
  if (wasEstablished(socket)) return { kind: 'connection-lost', error: failure };
  const code = error.code ?? codeOf(error.cause);
  if ((socket !== undefined && socket !== null) || (code !== undefined && connectPhaseCodes.has(code))) {
    return { kind: 'never-sent', error: failure };
  }
  // No socket was ever made: the request was refused here (a bad header value, say) and would be refused anywhere.
  return { kind: 'failed', error: failure };
}

/** Response headers as a plain object with lower-case names. */
export function plainHeaders(headers: unknown): Record<string, string | readonly string[] | undefined> {
  const source =
    typeof headers === 'object' && headers !== null && typeof (headers as { toJSON?: unknown }).toJSON === 'function'
      ? ((headers as { toJSON(): unknown }).toJSON() as Record<string, unknown>)
      : ((headers ?? {}) as Record<string, unknown>);
  const result: Record<string, string | readonly string[] | undefined> = {};
  for (const name of Object.keys(source)) {
    const value = source[name];
    if (typeof value === 'string') result[name.toLowerCase()] = value;
    else if (Array.isArray(value)) result[name.toLowerCase()] = value.map(String);
    else if (typeof value === 'number' || typeof value === 'boolean') result[name.toLowerCase()] = String(value);
  }
  return result;
}

function isDecompressionFailure(error: { code?: string; cause?: unknown }): boolean {
  const code = error.code ?? codeOf(error.cause);
  return code !== undefined && code.startsWith('Z_');
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
