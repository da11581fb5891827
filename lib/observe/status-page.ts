import type { BalancedClient } from '../client/balanced-client.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { ClientStats } from './client-stats.js';
import { statusPageHtml } from './status-page-html.js';

/** What the status page reads of a request: Express's, or Node's own `IncomingMessage`. */
export interface StatusPageRequest {
  readonly method?: string;
  /** The path below the mount point (Express strips the mount), with its query. */
  readonly url?: string;
}

/** What the status page needs of a response: Express's, or Node's own `ServerResponse`. */
export interface StatusPageResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/** An Express middleware (or a plain Node request listener, given no `next`). */
export type StatusPageHandler = (request: StatusPageRequest, response: StatusPageResponse, next?: (error?: unknown) => void) => void;

/** What `<mount>/status.json` answers. */
export interface StatusDocument {
  readonly generatedAt: string;
  /** One entry per client, as `client.stats()` gives it. */
  readonly services: readonly ClientStats[];
}

/**
 * The page may run its own inline script and style, and talk to nothing but the server it came from: it
 * is a page about infrastructure, and must work where nothing outside can be reached.
 */
const contentSecurityPolicy =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * A live page of what one or more clients see and do: `app.use('/lb', statusPage([users, orders]))` serves
 * the page at `/lb` and its data at `/lb/status.json` (each client's `stats()`). The page updates itself
 * every second; it loads nothing from anywhere else. Other paths below the mount go to `next()`.
 *
 * Mount it where only operators can reach it: it lists instance addresses.
 */
export function statusPage(clients: BalancedClient | readonly BalancedClient[]): StatusPageHandler {
  const list: readonly BalancedClient[] = Array.isArray(clients) ? clients : [clients as BalancedClient];
  list.forEach((client, index) => {
    if ((typeof client !== 'function' && typeof client !== 'object') || client === null || typeof client.stats !== 'function') {
      const where = Array.isArray(clients) ? `statusPage(clients)[${index}]` : 'statusPage(client)';
      throw new InvalidOptionError(where, 'must be a client made by createClient()');
    }
  });
  return (request, response, next) => {
    const method = request.method ?? 'GET';
    const path = (request.url ?? '/').split('?')[0];
    if ((method !== 'GET' && method !== 'HEAD') || (path !== '/' && path !== '' && path !== '/status.json')) {
      if (next !== undefined) {
        next();
        return;
      }
      response.statusCode = 404;
      response.setHeader('content-type', 'text/plain; charset=utf-8');
      response.end('not found\n');
      return;
    }
    const json = path === '/status.json';
    const body = json ? JSON.stringify(statusDocument(list)) : statusPageHtml;
    response.statusCode = 200;
    response.setHeader('content-type', json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8');
    response.setHeader('cache-control', 'no-store');
    response.setHeader('x-content-type-options', 'nosniff');
    if (!json) response.setHeader('content-security-policy', contentSecurityPolicy);
    response.end(method === 'HEAD' ? undefined : body);
  };
}

function statusDocument(clients: readonly BalancedClient[]): StatusDocument {
  return { generatedAt: new Date().toISOString(), services: clients.map((client) => client.stats()) };
}
