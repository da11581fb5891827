import { Readable } from 'node:stream';

/**
 * A request body: bytes, which may be sent as often as needed, or a stream, which can be sent once.
 *
 * "Sent once" is a fact the transport establishes, not a guess: a {@link OneShotBody} records whether
 * anything was ever read from its source, and a body that was never read may still go to another
 * instance after a connection failed.
 */
export type RequestBody = Uint8Array | OneShotBody | undefined;

/**
 * A body that can be read once: a Node stream, or a form that holds one. The transport calls `take()`
 * for a readable to send; `consumed` stays false until the first byte is pulled from the source.
 */
export class OneShotBody {
  readonly #source: NodeJS.ReadableStream;
  readonly #limit: BodyLimit | undefined;
  #taken: Readable | undefined;
  #consumed = false;

  /**
   * @param source a Node stream, or an old-style one such as the `form-data` package's forms
   * @param limit the most bytes the caller allows to be sent (axios's `maxBodyLength`); a longer stream
   *   fails with the limit's error as soon as it passes the bound, rather than sending it all
   */
  constructor(source: NodeJS.ReadableStream, limit?: BodyLimit) {
    this.#source = source;
    this.#limit = limit;
  }

  /** Whether any byte was read from the source: if so, sending it again would send a truncated body. */
  get consumed(): boolean {
    return this.#consumed;
  }

  /**
   * A readable that pulls from the source only when read. Taking it again before anything was read
   * gives a fresh one over the same, untouched source (for another instance after a refused connection).
   */
  take(): Readable {
    if (this.#consumed) throw new Error('a one-shot request body was already consumed and cannot be sent again');
    this.#taken?.destroy();
    const source = this.#source;
    let attached = false;
    const taken: Readable = new Readable({
      read: () => {
        if (attached) {
          source.resume();
          return;
        }
        attached = true;
        this.#consumed = true;
        // A source that failed or was destroyed before anyone read it will never say so again.
        const { errored, destroyed } = source as Partial<Readable>;
        if ((errored !== undefined && errored !== null) || destroyed === true) {
          taken.destroy(errored ?? new Error('the request body stream was destroyed before it was sent'));
          return;
        }
        const limit = this.#limit;
        let sent = 0;
        source.on('data', (chunk: Buffer | string) => {
          if (limit !== undefined) {
            sent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
            if (sent > limit.maxBytes) {
              source.pause();
              taken.destroy(limit.tooLarge());
              return;
            }
          }
          if (!taken.push(chunk)) source.pause();
        });
        source.once('end', () => taken.push(null));
        source.once('error', (error: Error) => taken.destroy(error));
        // Old-style streams (form-data's) start only when resumed; a 'data' listener is not enough.
        source.resume();
      },
      destroy: (error, callback) => {
        if (attached) source.pause();
        callback(error);
      },
    });
    this.#taken = taken;
    return taken;
  }
}

/** A bound on a streamed body's length, and the error the caller gets when a stream passes it. */
export interface BodyLimit {
  readonly maxBytes: number;
  readonly tooLarge: () => Error;
}

/** Whether a body may be sent to another instance now. */
export function isReplayable(body: RequestBody): boolean {
  return !(body instanceof OneShotBody) || !body.consumed;
}
