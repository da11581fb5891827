import type { RequestBody } from './request-body.js';

/**
 * One request as every transport understands it: what the facade (axios's shape, or `fetch`) has made
 * of the caller's call after its own transforms, and before any instance is chosen.
 */
export interface OutgoingRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Path and query, starting with `/`: the instance supplies scheme, host and port. */
  readonly path: string;
  /** Header names as given; a value is a string or, for a repeated header, a list of them. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: RequestBody;
  /** `buffer`: the transport reads the whole body before answering. `stream`: it hands the body on unread. */
  readonly responseType: 'buffer' | 'stream';
  /** Largest response body accepted, in bytes; `Infinity` for no limit. */
  readonly maxResponseBytes: number;
  /** Decompress `gzip`, `deflate` and `br` response bodies (and ask for them). */
  readonly decompress: boolean;
}
