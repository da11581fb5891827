/**
 * How one attempt on one instance ended. The kind is what the rest of the route decides on: whether the
 * instance is to blame (breaker, picker feedback) and whether the request may go to another instance.
 */
export type AttemptOutcome = ResponseOutcome | FailureOutcome;

export interface ResponseOutcome {
  readonly kind: 'response';
  readonly response: IncomingResponse;
}

export interface FailureOutcome {
  readonly kind: AttemptFailureKind;
  /** The underlying error, with its `code` (`ECONNREFUSED`, `ECONNRESET`, …) when it has one. */
  readonly error: Error;
  /** The response, when one had begun to arrive (a body cut mid-way). */
  readonly response?: IncomingResponse;
}

export type AttemptFailureKind =
  /** No byte of the request can have reached the server: refused, unreachable, DNS, connect or TLS handshake failed. */
  | 'never-sent'
  /** The connection broke after the request may have been sent: the server may have processed it. */
  | 'connection-lost'
  /** The transport's own time limit passed (the call's limits end an attempt as `cancelled`). */
  | 'timed-out'
  /** The attempt's signal aborted it. */
  | 'cancelled'
  /** This process refused to go on: a response over `maxResponseBytes`, a body that failed to decompress. */
  | 'failed';

/** A response as it came off the wire, before any of the caller's transforms. */
export interface IncomingResponse {
  readonly status: number;
  readonly statusText: string;
  /** Lower-case names; a repeated header (`set-cookie`) as a list. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The whole body for `responseType: 'buffer'`, else the unread stream. */
  readonly body: Uint8Array | NodeJS.ReadableStream;
  /** The transport's own request object (a `ClientRequest` for the axios transport), for axios's `response.request`. */
  readonly request?: unknown;
}

/**
 * Lets go of a response nobody will read — a retried status, a hedge that lost — so that an unread
 * stream does not hold its connection.
 */
export function discardBody(response: IncomingResponse): void {
  const body = response.body;
  if (body instanceof Uint8Array) return;
  const destroy = (body as { destroy?: unknown }).destroy;
  if (typeof destroy === 'function') destroy.call(body);
}
