import type { ListeningServer } from './instance-address.js';

/** Node's own defaults: a server still holding them was not configured by its user. */
const nodeKeepAliveTimeoutMs = 5_000;
const nodeHeadersTimeoutMs = 60_000;

/**
 * 65 s, longer than the idle timeout of any client that keeps connections to it. A keep-alive socket must be
 * closed by the client, never by the server: a server closing an idle socket races the client writing its
 * next request on it, and a POST caught by that reset cannot be retried. Node sends `Keep-Alive: timeout=65`;
 * proxyless's client closes an idle socket a second before the timeout it is told, other clients sooner
 * (AWS load balancers idle out at 60 s, which is where the usual 65 s comes from).
 */
export const keepAliveTimeoutMs = 65_000;

/**
 * Sets `keepAliveTimeout` to {@link keepAliveTimeoutMs}, and `headersTimeout` above it, unless the user set
 * them. `headersTimeout` must exceed `keepAliveTimeout`: a headers timer shorter than the keep-alive one can
 * close a socket a client is entitled to reuse (nodejs/node#27363).
 */
export function applyServerTimeouts(server: ListeningServer): void {
  if (server.keepAliveTimeout === nodeKeepAliveTimeoutMs) server.keepAliveTimeout = keepAliveTimeoutMs;
  if (server.headersTimeout === nodeHeadersTimeoutMs && server.headersTimeout <= server.keepAliveTimeout) {
    const above = server.keepAliveTimeout + 1_000;
    // Node requires headersTimeout ≤ requestTimeout when the latter is set (default 300 s).
    server.headersTimeout = server.requestTimeout > 0 ? Math.min(above, server.requestTimeout) : above;
  }
}
