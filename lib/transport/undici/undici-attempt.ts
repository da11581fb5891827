import type { IncomingHttpHeaders } from 'node:http';
import { pipeline, Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Instance } from '../../discovery/instance.js';
import type { AttemptOutcome, IncomingResponse } from '../attempt-outcome.js';
import type { AttemptAbortListener, AttemptSignal } from '../attempt-signal.js';
import type { OutgoingRequest } from '../outgoing-request.js';
import { OneShotBody } from '../request-body.js';
import { classifyUndiciFailure } from './classify-undici-failure.js';
import { acceptedCodings, contentCoding, decodeBody, decodingStream, type ContentCoding } from './response-decoding.js';

type Controller = Dispatcher.DispatchController;

const emptyBody: Buffer = Buffer.alloc(0);
const ignore = (): void => undefined;

type Phase =
  /** Queued for a socket, or written and waiting for the response head. */
  | 'waiting'
  /** Reading a buffered body. */
  | 'buffering'
  /** The outcome is out; the body streams to whoever reads it. */
  | 'streaming'
  /** Nothing undici says from now on matters. */
  | 'done';

/**
 * One attempt on one instance, as undici's dispatch handler: it follows the request through undici's
 * lifecycle and settles {@link outcome} exactly once. A dispatch handler rather than undici's `request`
 * API: a buffered body is gathered straight from the parser's chunks, with no stream built per request.
 */
export class UndiciAttempt implements Dispatcher.DispatchHandler, AttemptAbortListener {
  readonly outcome: Promise<AttemptOutcome>;
  readonly #request: OutgoingRequest;
  readonly #signal: AttemptSignal;
  readonly #instance: Instance;
  readonly #connectTimeoutMs: number;
  #resolve: (outcome: AttemptOutcome) => void = ignore;
  #phase: Phase = 'waiting';
  #settled = false;
  #controller: Controller | undefined;
  #dispatched = false;
  #bodyError: Error | undefined;
  /** The response head, once it arrived. */
  #status = 0;
  #statusText = '';
  #headers: IncomingHttpHeaders | undefined;
  #coding: ContentCoding | undefined;
  #chunks: Buffer[] | undefined;
  #received = 0;
  #stream: Readable | undefined;

  constructor(request: OutgoingRequest, signal: AttemptSignal, instance: Instance, connectTimeoutMs: number) {
    this.#request = request;
    this.#signal = signal;
    this.#instance = instance;
    this.#connectTimeoutMs = connectTimeoutMs;
    this.outcome = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    // The handler is its own abort listener: no closure per attempt.
    signal.listen(this);
  }

  /** What undici sends: the path, method, headers (asking for compressed bodies when they are decoded), body. */
  dispatchOptions(): Dispatcher.DispatchOptions {
    const request = this.#request;
    let headers = request.headers;
    if (request.decompress && headers['accept-encoding'] === undefined) headers = { ...headers, 'accept-encoding': acceptedCodings };
    const body = request.body;
    let sent: Uint8Array | Readable | undefined;
    if (body instanceof OneShotBody) {
      sent = body.take();
      sent.once('error', (error: Error) => {
        this.#bodyError = error;
      });
    } else {
      sent = body;
    }
    return { path: request.path, method: request.method as Dispatcher.HttpMethod, headers: headers as IncomingHttpHeaders, body: sent };
  }

  /** The attempt's signal aborted: the outcome is `cancelled` at once, wherever undici is with it. */
  attemptAborted(error: Error): void {
    if (!this.#settled) this.#settle({ kind: 'cancelled', error });
    this.#stream?.destroy(error);
    this.#controller?.abort(error);
  }

  // ---- undici's lifecycle -----------------------------------------------------------------------------

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    this.#dispatched = true;
    // Aborted while it waited for a socket: nothing is written.
    if (this.#settled) controller.abort(this.#signal.reason ?? new Error('the attempt was aborted'));
  }

  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    // An informational head (103 Early Hints) comes before the response's own; only the final one counts.
    if (this.#settled || statusCode < 200) return;
    const request = this.#request;
    let coding = request.decompress ? contentCoding(headers['content-encoding']) : undefined;
    if (coding !== undefined) {
      // As axios: a decoded body no longer has the coding; a HEAD, 204 or 304 has no body to decode.
      delete headers['content-encoding'];
      if (request.method === 'HEAD' || statusCode === 204 || statusCode === 304) coding = undefined;
    }
    this.#status = statusCode;
    this.#statusText = statusMessage ?? '';
    this.#headers = headers;
    this.#coding = coding;
    const length = headers['content-length'];
    if (typeof length === 'string' && Number(length) > request.maxResponseBytes) {
      this.#tooLarge(controller);
      return;
    }
    if (request.responseType === 'buffer') {
      this.#phase = 'buffering';
      return;
    }
    const raw = new Readable({
      read: () => controller.resume(),
      destroy: (error, callback) => {
        // The reader gave up on the body: the connection cannot be reused with a response half read.
        if (this.#phase === 'streaming') controller.abort(error ?? new Error('the response body was destroyed before its end'));
        this.#finishStreaming();
        callback(error);
      },
    });
    this.#stream = raw;
    this.#phase = 'streaming';
    this.#settle({ kind: 'response', response: this.#responseWith(coding === undefined ? raw : pipeline(raw, decodingStream(coding), ignore)) });
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    const phase = this.#phase;
    if (phase !== 'buffering' && phase !== 'streaming') return;
    this.#received += chunk.length;
    if (this.#received > this.#request.maxResponseBytes) {
      this.#tooLarge(controller);
      return;
    }
    if (phase === 'streaming') {
      if (!(this.#stream as Readable).push(chunk)) controller.pause();
      return;
    }
    if (this.#chunks === undefined) this.#chunks = [chunk];
    else this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    const phase = this.#phase;
    if (phase === 'streaming') {
      this.#phase = 'done';
      (this.#stream as Readable).push(null);
      this.#finishStreaming();
      return;
    }
    if (phase !== 'buffering') return;
    this.#phase = 'done';
    const chunks = this.#chunks;
    const body = chunks === undefined ? emptyBody : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#received);
    const coding = this.#coding;
    if (coding === undefined || body.length === 0) {
      this.#settle({ kind: 'response', response: this.#responseWith(body) });
      return;
    }
    decodeBody(body, coding, this.#request.maxResponseBytes).then(
      (decoded) => {
        if (!this.#settled) this.#settle({ kind: 'response', response: this.#responseWith(decoded) });
      },
      (error: Error & { code?: string }) => {
        if (this.#settled) return;
        const failure = error.code === 'ERR_BUFFER_TOO_LARGE' ? tooLargeError(this.#request.maxResponseBytes) : error;
        this.#settle({ kind: 'failed', error: failure, response: this.#responseWith(emptyBody) });
      },
    );
  }

  onResponseError(_controller: Controller, error: Error): void {
    if (this.#phase === 'streaming') {
      this.#phase = 'done';
      this.#stream?.destroy(error);
      return;
    }
    this.#phase = 'done';
    if (this.#settled) return;
    const point = { dispatched: this.#dispatched, response: this.#headers === undefined ? undefined : this.#responseWith(emptyBody), bodyError: this.#bodyError };
    this.#settle(classifyUndiciFailure(error, this.#signal, point, this.#instance, this.#connectTimeoutMs));
  }

  // ---- internals --------------------------------------------------------------------------------------

  #settle(outcome: AttemptOutcome): void {
    this.#settled = true;
    // A streamed body still listens: an abort while it is read must end it.
    if (this.#phase !== 'streaming') this.#signal.unlisten(this);
    this.#resolve(outcome);
  }

  #responseWith(body: IncomingResponse['body']): IncomingResponse {
    return { status: this.#status, statusText: this.#statusText, headers: this.#headers as IncomingHttpHeaders, body };
  }

  #finishStreaming(): void {
    this.#phase = 'done';
    this.#signal.unlisten(this);
  }

  /** This process refuses the rest of a body over `maxResponseBytes`; the connection is dropped with it. */
  #tooLarge(controller: Controller): void {
    const error = tooLargeError(this.#request.maxResponseBytes);
    if (this.#phase === 'streaming') this.#stream?.destroy(error);
    else if (!this.#settled) this.#settle({ kind: 'failed', error, response: this.#responseWith(emptyBody) });
    this.#phase = 'done';
    controller.abort(error);
  }
}

/** axios's own words and code for a body over `maxContentLength`, which is where the limit comes from. */
function tooLargeError(maxBytes: number): Error {
  return Object.assign(new Error(`maxContentLength size of ${maxBytes} exceeded`), { code: 'ERR_BAD_RESPONSE' });
}
