import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HealthReport } from './health-report.js';
import type { ExpressApp, HealthState } from './register-options.js';

export type HealthRouteHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** Consul reads any 2xx as passing, 429 as warning and anything else as critical. */
const statusCodes: Readonly<Record<HealthState, number>> = { passing: 200, warning: 429, critical: 503 };

/**
 * The health route: `{ "status": "passing", "service": "users", "id": "users-1" }` with the status code Consul
 * maps to that state, and the reason beside a state that is not the health function's own answer.
 */
export function healthRouteHandler(report: () => Promise<HealthReport>, service: string, id: string): HealthRouteHandler {
  return (_request, response) => {
    void report().then(({ state, output }) => {
      if (response.headersSent || response.destroyed) return;
      response.statusCode = statusCodes[state];
      response.setHeader('content-type', 'application/json; charset=utf-8');
      response.setHeader('cache-control', 'no-store');
      response.end(JSON.stringify({ status: state, service, id, ...(output === state ? {} : { reason: output }) }));
    });
  };
}

interface RouterLayer {
  readonly route?: { readonly stack?: readonly { readonly handle?: unknown }[] };
}

/**
 * Adds the route with `app.get`, then moves it to the front of the app's router. Express runs routes and
 * middleware in the order they were added, and `register()` comes after the app is built and listening: a
 * catch-all 404, an authentication middleware or a rate limiter added before would otherwise answer the
 * check. The router is `app._router` in Express 4 (where reading `app.router` throws) and `app.router` in
 * Express 5; an app with neither keeps the route where `get` put it.
 */
export function mountHealthRoute(app: ExpressApp, path: string, handler: HealthRouteHandler): void {
  app.get(path, handler);
  const host = app as unknown as { _router?: unknown; router?: unknown };
  const router = '_router' in host ? host._router : 'router' in host ? host.router : undefined;
  const stack: unknown = typeof router === 'function' || typeof router === 'object' ? (router as { stack?: unknown } | null)?.stack : undefined;
  if (!Array.isArray(stack)) return;
  const layers = stack as RouterLayer[];
  const index = layers.findIndex((layer) => layer.route?.stack?.some((inner) => inner.handle === handler) === true);
  if (index > 0) layers.unshift(...layers.splice(index, 1));
}
