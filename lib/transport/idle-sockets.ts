/**
 * How long an idle keep-alive socket to an instance is kept: a second less than the server said it keeps
 * it (`Keep-Alive: timeout=N`, which Node's servers send), as undici does. A request written to a socket
 * the server is closing at that instant is lost after it may have been read — and only an idempotent one
 * could be retried — so the client must always be the one to close first.
 */

/** Closed this long before the server would close them. */
export const idleMarginMs = 1_000;
/** Without a hint: Node's servers close idle sockets after 5 s. */
export const defaultIdleMs = 4_000;
/** However long the server would keep them. */
export const maxIdleMs = 60_000;

/** The idle time for a server's `Keep-Alive` header; `undefined` when it gives no timeout. */
export function idleMsForKeepAlive(header: unknown): number | undefined {
  const match = typeof header === 'string' ? /timeout=(\d+)/i.exec(header) : null;
  if (match === null) return undefined;
  const serverMs = Number(match[1]) * 1000;
  return Math.min(maxIdleMs, serverMs > 2 * idleMarginMs ? serverMs - idleMarginMs : serverMs / 2);
}
