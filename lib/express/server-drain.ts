import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ListeningServer } from './instance-address.js';
import { within } from './within.js';

/**
 * The server's side of a drain: which responses are still open, and closing without cutting one.
 *
 * A client that loses a connection after it may have sent a request can retry it only if the request is
 * idempotent; a POST caught by a reset fails. So nothing here closes a socket while a request is on it or may be
 * about to be written to it:
 * - once {@link closeAfterResponses} is called, every response says `Connection: close` — those already being
 *   handled too, unless their headers are out — so the client itself retires each socket after its answer;
 * - {@link close} stops accepting and closes idle sockets only when told to, after the drain has waited for
 *   clients to drop the instance, and leaves sockets with a request on them until it is answered or the bound
 *   runs out.
 */
const upgradedSocketGraceMs = 1_000;

export class ServerDrain {
  readonly #server: ListeningServer;
  readonly #open = new Set<ServerResponse>();
  #closingConnections = false;
  #idle: (() => void) | undefined;

  readonly #onRequest = (_request: IncomingMessage, response: ServerResponse): void => {
    if (this.#closingConnections) response.setHeader('connection', 'close');
    this.#open.add(response);
    response.on('close', this.#forget);
  };

  // One function for every response, called with the response as `this`: no closure per request.
  readonly #forget: (this: ServerResponse) => void;

  constructor(server: ListeningServer) {
    this.#server = server;
    const open = this.#open;
    const allAnswered = (): void => this.#idle?.();
    this.#forget = function forget(this: ServerResponse) {
      open.delete(this);
      if (open.size === 0) allAnswered();
    };
    // Ahead of the app's own listener, so the header is set before any handler can send a response.
    server.prependListener('request', this.#onRequest);
  }

  /** Stops watching the server's responses (when the instance was never registered, there is nothing to drain). */
  detach(): void {
    this.#server.off('request', this.#onRequest);
  }

  /** From now on every response says `Connection: close`, including those in flight whose headers are not sent. */
  closeAfterResponses(): void {
    this.#closingConnections = true;
    for (const response of this.#open) {
      if (!response.headersSent) response.setHeader('connection', 'close');
    }
  }

  /**
   * Stops accepting connections, waits up to `timeoutMs` for the requests in flight to be answered, then
   * closes every connection left. Resolves with how many requests were cut off by the bound.
   */
  async close(timeoutMs: number): Promise<number> {
    this.closeAfterResponses();
    const server = this.#server;
    // Node (19 on) closes the idle keep-alive sockets here as well; by now clients have dropped the instance.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const answered = await within(this.#allAnswered(), timeoutMs);
    this.#idle = undefined;
    const cutOff = answered ? 0 : this.#open.size;
    if (cutOff > 0) server.closeAllConnections();
    // A response that sent keep-alive headers before the drain began leaves an idle socket behind.
    server.closeIdleConnections();
    // Sockets the HTTP server no longer tracks (upgraded to WebSocket) keep it from closing; they are not waited for.
    await within(closed, upgradedSocketGraceMs);
    this.detach();
    return cutOff;
  }

  #allAnswered(): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle = resolve;
    });
  }
}
