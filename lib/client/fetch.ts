import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { attachCallReport } from '../call/call-report.js';
import type { CallFailure, CallResponse } from '../call/call.js';
import { AbsoluteUrlError } from '../errors/absolute-url-error.js';
import { UnsupportedRequestOptionError } from '../errors/unsupported-request-option-error.js';
import { milliseconds } from '../options/option-checks.js';
import { discardBody } from '../transport/attempt-outcome.js';
import type { OutgoingRequest } from '../transport/outgoing-request.js';
import { OneShotBody, type RequestBody } from '../transport/request-body.js';
import { isAbsoluteUrl } from './absolute-url.js';
import type { Balancer } from './balancer.js';

/** `fetch`'s `RequestInit`, with the balancer's deadline. */
export interface BalancedRequestInit extends RequestInit {
  /**
   * The deadline of the whole call — every attempt, retry and backoff — in ms, or `false` for none; the
   * client's `defaultDeadlineMs` when absent. When it passes, the promise rejects with a `TimeoutError`
   * `DOMException`, as with `AbortSignal.timeout`; unlike that signal, an attempt that outlives it counts
   * against its instance, and a retry may still answer within it.
   */
  readonly deadlineMs?: number | false;
}

/** `fetch(path, init)`, through the balancer. */
export type BalancedFetch = (path: string, init?: BalancedRequestInit) => Promise<Response>;

export interface FetchSettings {
  readonly service: string;
  /** The deadline of a request that sets no `deadlineMs`, or `false` for none. */
  readonly defaultDeadlineMs: number | false;
}

/** Methods `fetch` itself refuses. */
const forbiddenMethods = new Set(['CONNECT', 'TRACE', 'TRACK']);
/** Statuses whose response has no body: `Response` refuses one. */
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
/** A base for parsing a path as `fetch` parses a URL (percent-encoding, dot segments); never sent. */
const pathBase = 'http://instance';

/**
 * The WHATWG `fetch` for a service: the same balancer as the axios side — picker, breakers, retries,
 * hedging, deadline — with `fetch`'s own shape. It resolves with a `Response` for every status, streaming
 * its body; it rejects as `fetch` does — a `TypeError` whose `cause` is the network error, the signal's
 * reason when `init.signal` aborts, a `TimeoutError` `DOMException` when the deadline passes — and with
 * proxyless's own errors when no instance could take the request or the client is closed. Every rejection
 * for a request that was sent carries a `CallReport` (`callReportOf(error)`).
 *
 * What differs from `fetch`, and why: the first argument is a path (an absolute URL would bypass the
 * balancer and is refused, as on the axios side); redirects are never followed — a `Location` may lead
 * off the service — so a 3xx comes back as it is (`redirect: 'follow'` is refused; `'error'` rejects on
 * one). Browser-only options (`credentials`, `mode`, `cache`, `referrer`, …) are ignored, as Node's
 * `fetch` ignores them.
 */
export function createFetch(balancer: Balancer, settings: FetchSettings): BalancedFetch {
  const service = settings.service;
  return async (path: string, init: BalancedRequestInit = {}): Promise<Response> => {
    const request = await outgoingRequest(path, init, service);
    const signal = init.signal ?? undefined;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError("Failed to execute 'fetch': member signal is not of type AbortSignal.");
    const deadline = init.deadlineMs === undefined ? settings.defaultDeadlineMs : milliseconds('init.deadlineMs', init.deadlineMs, { allowFalse: true });
    const result = await balancer.call({ request, url: path, deadlineMs: deadline === false ? undefined : deadline, signal });
    if (result.kind === 'response') return toResponse(result, request, init.redirect);
    throw fetchFailure(result, signal);
  };
}

async function outgoingRequest(path: unknown, init: BalancedRequestInit, service: string): Promise<OutgoingRequest> {
  if (typeof path !== 'string') {
    const url = path instanceof URL ? path.href : typeof Request !== 'undefined' && path instanceof Request ? path.url : undefined;
    if (url !== undefined) throw new AbsoluteUrlError(url, service);
    throw new TypeError(`fetch through the balancer takes a path such as "/users/42"; got ${typeof path}`);
  }
  if (isAbsoluteUrl(path)) throw new AbsoluteUrlError(path, service);
  const dispatcher = (init as { dispatcher?: unknown }).dispatcher;
  if (dispatcher !== undefined) throw new UnsupportedRequestOptionError('dispatcher', service, 'the balancer keeps a connection pool per instance; remove it');
  if (init.redirect === 'follow') {
    throw new UnsupportedRequestOptionError('redirect', service, "a redirect's Location may leave the balancer; leave `redirect` unset (or 'manual') and read the Location header");
  }
  if (init.integrity !== undefined && init.integrity !== '') {
    throw new UnsupportedRequestOptionError('integrity', service, 'the balancer does not check subresource integrity; hash the body yourself');
  }
  const duplex = (init as { duplex?: unknown }).duplex;
  if (duplex !== undefined && duplex !== 'half') throw new TypeError("RequestInit: duplex must be 'half'");

  const method = (init.method ?? 'GET').toUpperCase();
  if (forbiddenMethods.has(method)) throw new TypeError(`'${init.method ?? method}' HTTP method is unsupported.`);
  const headers: Record<string, string> = {};
  if (init.headers !== undefined) new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  const parsed = new URL(path.startsWith('/') ? path : `/${path}`, pathBase);
  const body = init.body === undefined || init.body === null ? undefined : await requestBody(init.body, headers, duplex);
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) throw new TypeError('Request with GET/HEAD method cannot have body.');
  return {
    method,
    path: parsed.pathname + parsed.search,
    headers,
    body,
    responseType: 'stream',
    maxResponseBytes: Infinity,
    decompress: true,
  };
}

/**
 * A body as `fetch` extracts it: bytes copied at the call (replayable), with `fetch`'s content types;
 * a `ReadableStream`, a Node stream or an async iterable is one-shot.
 */
async function requestBody(
  body: NonNullable<BalancedRequestInit['body']> | AsyncIterable<Uint8Array>,
  headers: Record<string, string>,
  duplex: unknown,
): Promise<RequestBody> {
  const typed = (type: string): void => {
    if (headers['content-type'] === undefined) headers['content-type'] = type;
  };
  if (typeof body === 'string') {
    typed('text/plain;charset=UTF-8');
    return Buffer.from(body, 'utf8');
  }
  if (body instanceof URLSearchParams) {
    typed('application/x-www-form-urlencoded;charset=UTF-8');
    return Buffer.from(body.toString(), 'utf8');
  }
  if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  if (body instanceof Blob) {
    if (body.type !== '') typed(body.type);
    return new Uint8Array(await body.arrayBuffer());
  }
  if (body instanceof FormData) {
    const encoded = new Response(body);
    typed(encoded.headers.get('content-type') as string);
    return new Uint8Array(await encoded.arrayBuffer());
  }
  // fetch sends a stream only when the caller says it knows the response may start before the body ends.
  const stream = body instanceof ReadableStream || body instanceof Readable || typeof (body as Partial<AsyncIterable<Uint8Array>>)[Symbol.asyncIterator] === 'function';
  if (stream && duplex !== 'half') throw new TypeError('RequestInit: duplex option is required when sending a body.');
  if (body instanceof ReadableStream) return new OneShotBody(Readable.fromWeb(body as WebReadableStream<Uint8Array>));
  if (body instanceof Readable) return new OneShotBody(body);
  if (stream) return new OneShotBody(Readable.from(body as AsyncIterable<Uint8Array>));
  // WebIDL's conversion of anything else: its string.
  typed('text/plain;charset=UTF-8');
  return Buffer.from(String(body), 'utf8');
}

function toResponse(result: CallResponse, request: OutgoingRequest, redirect: BalancedRequestInit['redirect']): Response {
  const incoming = result.response;
  const status = incoming.status;
  if (redirect === 'error' && redirectStatuses.has(status)) {
    discardBody(incoming);
    throw new TypeError('fetch failed', { cause: new Error(`unexpected redirect: the instance answered ${status}`) });
  }
  const headers = new Headers();
  for (const name of Object.keys(incoming.headers)) {
    const value = incoming.headers[name];
    if (typeof value === 'string') headers.append(name, value);
    else if (value !== undefined) for (const item of value) headers.append(name, item);
  }
  let body: ReadableStream<Uint8Array> | Uint8Array | null = null;
  if (incoming.body instanceof Uint8Array) {
    // A transport that read the body already (a custom one may, whatever `responseType` asked).
    if (!nullBodyStatuses.has(status) && request.method !== 'HEAD') body = incoming.body;
  } else {
    const stream = incoming.body as Readable;
    // Read to its (empty) end rather than destroyed, so the connection stays reusable.
    if (nullBodyStatuses.has(status) || request.method === 'HEAD') stream.resume();
    else body = webStream(stream);
  }
  let response: Response;
  try {
    response = new Response(body, { status, statusText: incoming.statusText, headers });
  } catch (error) {
    discardBody(incoming);
    throw new TypeError('fetch failed', { cause: error });
  }
  // Which instance answered, as `fetch` tells the URL it fetched.
  Object.defineProperty(response, 'url', { value: result.instance.origin + request.path, enumerable: true });
  return response;
}

/**
 * The body as a web stream, by the shortest road: `Response` given a Node stream would read it through
 * an async iterator, at about twice the cost per response. Chunks are copied, as Node's own `toWeb`
 * copies them, so that no reader sees the rest of a pooled buffer.
 */
function webStream(node: Readable): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      node.on('data', (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 0) <= 0) node.pause();
      });
      let ended = false;
      node.once('end', () => {
        ended = true;
        controller.close();
      });
      node.once('error', (error) => controller.error(error));
      // Destroyed without an error and without its end: the reader must not wait for ever.
      node.once('close', () => {
        if (!ended && !node.errored) controller.error(new TypeError('terminated'));
      });
    },
    pull() {
      node.resume();
    },
    cancel(reason) {
      node.destroy(reason instanceof Error ? reason : undefined);
    },
  });
}

function fetchFailure(failure: CallFailure, signal: AbortSignal | undefined): unknown {
  switch (failure.reason) {
    case 'cancelled':
      // `fetch` rejects with the signal's own reason, whatever it is: it is the caller's, left untouched.
      return signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
    case 'deadline':
      return attachCallReport(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), failure.report);
    case 'unavailable':
      return attachCallReport(failure.error ?? new Error('no instance could take the request'), failure.report);
    case 'attempt':
      return attachCallReport(new TypeError('fetch failed', { cause: failure.outcome?.error }), failure.report);
  }
}
