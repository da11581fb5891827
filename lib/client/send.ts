import { Readable } from 'node:stream';
import { attachCallReport } from '../call/call-report.js';
import type { CallFailure } from '../call/call.js';
import type { Instance } from '../discovery/instance.js';
import { AbsoluteUrlError } from '../errors/absolute-url-error.js';
import { DeadlineExceededError } from '../errors/deadline-exceeded-error.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { RequestFailedError } from '../errors/request-failed-error.js';
import { describeValue, milliseconds, rejectUnknownKeys } from '../options/option-checks.js';
import { asBuffer } from '../transport/as-buffer.js';
import type { OutgoingRequest } from '../transport/outgoing-request.js';
import { OneShotBody, type RequestBody } from '../transport/request-body.js';
import { isAbsoluteUrl } from './absolute-url.js';
import type { Balancer } from './balancer.js';

/** A request for `client.send`, in the balancer's own terms: nothing is converted on the way. */
export interface SendRequest {
  /**
   * Path and query as sent, percent-encoded, e.g. `/users/42?fields=name` (`encodeURI` encodes one). An absolute
   * URL is refused: it would bypass the balancer.
   */
  readonly path: string;
  /** Default `GET`. */
  readonly method?: string;
  /** Names in any case; a repeated header as a list of values. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * Text or bytes are sent again as they are when a retry is harmless. A Node stream is read once: a
   * request with one goes to another instance only when it provably never left.
   */
  readonly body?: string | Uint8Array | Readable;
  /** The deadline of the whole call — every attempt, retry and backoff — in ms, or `false` for none; default the client's `defaultDeadlineMs`. */
  readonly deadlineMs?: number | false;
  /** Cancels the whole call; the promise then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** The largest response body accepted, in bytes (a larger one fails the call, `RequestFailedError` of kind `failed`). Default: no limit. */
  readonly maxResponseBytes?: number;
}

/** What `client.send` resolves with, for every status: the response as it came off the wire, its body read in full. */
export interface SendResponse {
  readonly status: number;
  readonly statusText: string;
  /** Lower-case names; a repeated header (`set-cookie`) as a list. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The whole body, decoded when it came compressed (gzip, deflate, br). */
  readonly body: Buffer;
  /** The instance that answered. */
  readonly instance: Instance;
}

/** `send(request)`, through the balancer. */
export type BalancedSend = (request: SendRequest) => Promise<SendResponse>;

export interface SendSettings {
  readonly service: string;
  /** The deadline of a request that sets no `deadlineMs`, or `false` for none. */
  readonly defaultDeadlineMs: number | false;
}

const requestKeys: ReadonlySet<string> = new Set(['path', 'method', 'headers', 'body', 'deadlineMs', 'signal', 'maxResponseBytes']);
const emptyHeaders: Readonly<Record<string, string>> = Object.freeze({});
/** What may stand in a request line unencoded: printable ASCII, no space. */
const unencodedPath = /^[\x21-\x7e]*$/;

/**
 * The balancer with the least between the caller and the wire: no axios config merge, no `Response` and
 * web stream — a request in, the raw response out. The same route as the other facades (picker,
 * breakers, retries, hedging, deadline); for callers where the client's own CPU per request matters.
 *
 * It resolves for every status; it rejects with proxyless's own errors, each carrying the call's report
 * (`callReportOf(error)`): `RequestFailedError` when the last attempt failed, `DeadlineExceededError`
 * when the deadline passed, `NoHealthyInstancesError` and its kin when no instance could take the
 * request, `ClientClosedError` after `close()` — and with the signal's own reason when the caller's signal
 * aborts it. A request it cannot send (a misspelt key, a body of another kind) throws `InvalidOptionError`
 * before anything is sent.
 */
export function createSend(balancer: Balancer, settings: SendSettings): BalancedSend {
  const { service, defaultDeadlineMs } = settings;
  return async (request: SendRequest): Promise<SendResponse> => {
    const outgoing = outgoingRequest(request, service);
    const deadline = request.deadlineMs === undefined ? defaultDeadlineMs : milliseconds('send.deadlineMs', request.deadlineMs, { allowFalse: true });
    const signal = request.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidOptionError('send.signal', `must be an AbortSignal; got ${describeValue(signal)}`);
    const deadlineMs = deadline === false ? undefined : deadline;
    const result = await balancer.call({ request: outgoing, url: outgoing.path, deadlineMs, signal });
    if (result.kind === 'failure') throw sendFailure(result, service, deadlineMs, signal);
    const incoming = result.response;
    const body = incoming.body;
    return {
      status: incoming.status,
      statusText: incoming.statusText,
      headers: incoming.headers,
      // A custom transport may hand on a stream whatever `responseType` asked.
      body: body instanceof Uint8Array ? asBuffer(body) : await readAll(body),
      instance: result.instance,
    };
  };
}

function outgoingRequest(request: SendRequest, service: string): OutgoingRequest {
  if (typeof request !== 'object' || request === null) {
    throw new InvalidOptionError('send', `takes a request such as { path: '/users/42' }; got ${describeValue(request)}`);
  }
  // A loop that allocates nothing while every key is known; the options' own check words the refusal.
  for (const key in request) if (!requestKeys.has(key)) rejectUnknownKeys('send', request, [...requestKeys]);
  const path = request.path;
  if (typeof path !== 'string') throw new InvalidOptionError('send.path', `must be a path such as '/users/42'; got ${describeValue(path)}`);
  if (isAbsoluteUrl(path)) throw new AbsoluteUrlError(path, service);
  // Sent as it is, so it must be encoded already: each transport would otherwise fail it, or encode it, its own way.
  if (!unencodedPath.test(path)) {
    throw new InvalidOptionError('send.path', `must be percent-encoded (no spaces, control or non-ASCII characters; encodeURI does it); got ${JSON.stringify(path)}`);
  }
  const method = request.method === undefined ? 'GET' : methodOf(request.method);
  const maxBytes = request.maxResponseBytes;
  if (maxBytes !== undefined && (typeof maxBytes !== 'number' || !(maxBytes >= 0))) {
    throw new InvalidOptionError('send.maxResponseBytes', `must be a number of bytes, 0 or more; got ${describeValue(maxBytes)}`);
  }
  return {
    method,
    path: path.startsWith('/') ? path : `/${path}`,
    headers: request.headers === undefined ? emptyHeaders : lowerCaseHeaders(request.headers),
    body: requestBody(request.body),
    responseType: 'buffer',
    maxResponseBytes: maxBytes ?? Infinity,
    decompress: true,
  };
}

function methodOf(method: unknown): string {
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) {
    throw new InvalidOptionError('send.method', `must be an HTTP method such as 'GET' or 'POST'; got ${describeValue(method)}`);
  }
  return method.toUpperCase();
}

/**
 * The headers with lower-case names, which the route reads (`idempotency-key`, a picker's hash header):
 * the caller's own object when its names are lower-case already, as they usually are.
 */
function lowerCaseHeaders(headers: SendRequest['headers']): Readonly<Record<string, string | readonly string[]>> {
  if (typeof headers !== 'object' || headers === null) {
    throw new InvalidOptionError('send.headers', `must be an object of header names and values; got ${describeValue(headers)}`);
  }
  let lower = true;
  for (const name in headers) {
    const value = headers[name];
    if (typeof value !== 'string' && !Array.isArray(value)) {
      throw new InvalidOptionError(`send.headers.${name}`, `must be a string, or a list of strings for a repeated header; got ${describeValue(value)}`);
    }
    if (lower && name !== name.toLowerCase()) lower = false;
  }
  if (lower) return headers;
  const copy: Record<string, string | readonly string[]> = {};
  for (const name in headers) copy[name.toLowerCase()] = headers[name] as string | readonly string[];
  return copy;
}

function requestBody(body: unknown): RequestBody {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return body;
  if (body instanceof Readable) return new OneShotBody(body);
  throw new InvalidOptionError('send.body', `must be a string, a Uint8Array (a Buffer) or a Node Readable; got ${describeValue(body)}`);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

function sendFailure(failure: CallFailure, service: string, deadlineMs: number | undefined, signal: AbortSignal | undefined): unknown {
  switch (failure.reason) {
    case 'cancelled':
      // The caller's own reason, untouched, as `fetch` rejects.
      return signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
    case 'deadline':
      return attachCallReport(new DeadlineExceededError(service, deadlineMs ?? 0), failure.report);
    case 'unavailable':
      return attachCallReport(failure.error ?? new RequestFailedError(service, 'never-sent', undefined, undefined), failure.report);
    case 'attempt': {
      const outcome = failure.outcome;
      return attachCallReport(new RequestFailedError(service, outcome?.kind ?? 'failed', failure.instance, outcome?.error), failure.report);
    }
  }
}
