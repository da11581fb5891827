/** Told when the attempt it follows is to stop. */
export interface AttemptAbortListener {
  attemptAborted(reason: Error): void;
}

/**
 * How a call tells the transport to stop an attempt: its time limit passed, a hedge won, the caller
 * cancelled, the client closed. The call aborts it; the transport listens.
 *
 * Not an `AbortSignal`: one of those is an `EventTarget` with its own listener map, about 1.4 KB and a
 * few microseconds for every call, though nearly every attempt ends without being aborted. This is a few
 * fields; a transport that hands the attempt to a library wanting a real `AbortSignal` (axios) gets one
 * from {@link toAbortSignal}, made on that first use and aborted with this.
 */
export class AttemptSignal {
  #reason: Error | undefined;
  /** The usual single listener (the attempt under way), and any beyond it (a body still streaming). */
  #listener: AttemptAbortListener | undefined;
  #more: AttemptAbortListener[] | undefined;
  #controller: AbortController | undefined;

  get aborted(): boolean {
    return this.#reason !== undefined;
  }

  /** Why it was aborted; `undefined` until it is. */
  get reason(): Error | undefined {
    return this.#reason;
  }

  /** `listener` is told once, when this aborts (not if it already has: check {@link aborted} first). */
  listen(listener: AttemptAbortListener): void {
    if (this.#listener === undefined) this.#listener = listener;
    else (this.#more ??= []).push(listener);
  }

  unlisten(listener: AttemptAbortListener): void {
    if (this.#listener === listener) {
      this.#listener = this.#more?.shift();
      return;
    }
    const more = this.#more;
    const at = more === undefined ? -1 : more.indexOf(listener);
    if (at >= 0) more?.splice(at, 1);
  }

  /** A standard `AbortSignal` that aborts with this, with the same reason. */
  toAbortSignal(): AbortSignal {
    if (this.#reason !== undefined) return AbortSignal.abort(this.#reason);
    return (this.#controller ??= new AbortController()).signal;
  }

  /** Stops the attempt: every listener is told, once. The reason is an `AbortError` unless given. */
  abort(reason: Error = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    const first = this.#listener;
    const more = this.#more;
    this.#listener = this.#more = undefined;
    first?.attemptAborted(reason);
    if (more !== undefined) for (const listener of more) listener.attemptAborted(reason);
    this.#controller?.abort(reason);
  }
}
