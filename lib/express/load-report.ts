import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { describeValue, milliseconds, rejectUnknownKeys, requireOptionsObject } from '../options/option-checks.js';

/** The response header Envoy and gRPC read server-reported load from (ORCA's per-request report). */
export const loadReportHeader = 'endpoint-load-metrics';

/** What an instance reports of its own load on every response. */
export interface LoadReportOptions {
  /**
   * Named metrics of the application's own, reported as `named_metrics.<name>`: each function is read once
   * per `windowMs`, not per request, and must return a finite number (a queue's depth, a pool's use).
   * Names are letters, digits and `_`; `rif` is the report's own.
   */
  readonly metrics?: Readonly<Record<string, () => number>>;
  /** Over how long utilization and requests per second are measured. Default 1 000 ms. */
  readonly windowMs?: number;
}

/** An Express middleware (also a plain `(req, res, next)` for other frameworks) that reports the load. */
export interface LoadReportMiddleware {
  (request: IncomingMessage, response: ServerResponse, next: () => void): void;
  /** Counts `response` and sets its load header: for use outside a middleware chain (a server's `request` listener). */
  track(response: ServerResponse): void;
}

const optionNames = ['metrics', 'windowMs'] as const;

/**
 * Reports this instance's load on every response, in the `TEXT` form of ORCA that Envoy reads:
 * `endpoint-load-metrics: TEXT cpu_utilization=0.42, rps_fractional=118, named_metrics.rif=3`.
 *
 * - `cpu_utilization` is the event loop's utilization (`performance.eventLoopUtilization()`) over the
 *   last window: for a Node process the loop is the CPU that requests queue for.
 * - `rps_fractional` is the requests that ended in the last window, per second.
 * - `named_metrics.rif` is the requests in flight here, this one included — what Prequal balances on, and
 *   what a client cannot see for itself when other clients call the same instance.
 *
 * The window's figures and the user's metrics are formatted once per window, so a request costs a
 * counter and the header string. The one timer runs only while requests arrive: a window without any
 * stops it, and it is unref'd, so an idle or closing server holds nothing.
 *
 * `register()` installs it on the server by default (`loadReport: false` turns it off); on its own:
 * `app.use(loadReport())`, before the routes.
 */
export function loadReport(options: LoadReportOptions = {}): LoadReportMiddleware {
  const reporter = new LoadReporter(resolveLoadReportOptions(options, 'loadReport'));
  const middleware = ((_request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    reporter.track(response);
    next();
  }) as LoadReportMiddleware;
  middleware.track = (response) => reporter.track(response);
  return middleware;
}

export interface ResolvedLoadReportOptions {
  readonly metrics: readonly (readonly [name: string, read: () => number])[];
  readonly windowMs: number;
}

/** Checks load report options; `where` names them in errors (`loadReport` or register's `loadReport`). */
export function resolveLoadReportOptions(options: unknown, where: string): ResolvedLoadReportOptions {
  requireOptionsObject(where, options, '{ metrics: { queueDepth: () => queue.length } }');
  rejectUnknownKeys(where, options, optionNames);
  const metrics: (readonly [string, () => number])[] = [];
  if (options.metrics !== undefined) {
    requireOptionsObject(`${where}.metrics`, options.metrics, '{ queueDepth: () => queue.length }');
    for (const [name, read] of Object.entries(options.metrics)) {
      if (!/^[A-Za-z0-9_]{1,64}$/.test(name) || name === 'rif') {
        throw new InvalidOptionError(
          `${where}.metrics.${name}`,
          "is not a metric name: letters, digits and '_' (at most 64), and not 'rif', which the report sets itself",
        );
      }
      if (typeof read !== 'function') {
        throw new InvalidOptionError(`${where}.metrics.${name}`, `must be a function returning a number, such as () => queue.length; got ${describeValue(read)}`);
      }
      metrics.push([name, read as () => number]);
    }
  }
  const windowMs = options.windowMs === undefined ? 1_000 : milliseconds(`${where}.windowMs`, options.windowMs, { min: 10 });
  return { metrics, windowMs };
}

/** The counting and formatting behind {@link loadReport}: one per server. */
export class LoadReporter {
  readonly #options: ResolvedLoadReportOptions;
  #inFlight = 0;
  #endedInWindow = 0;
  #arrivedInWindow = 0;
  /** `TEXT cpu_utilization=…, rps_fractional=…` and the user's metrics, then `, named_metrics.rif=`. */
  #prefix = '';
  #timer: NodeJS.Timeout | undefined;
  #lastUtilization: EventLoopUtilization | undefined;
  #lastSampleAt = 0;
  readonly #ended = (): void => {
    this.#inFlight--;
    this.#endedInWindow++;
  };

  constructor(options: ResolvedLoadReportOptions) {
    this.#options = options;
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  track(response: ServerResponse): void {
    if (this.#timer === undefined) this.#start();
    this.#arrivedInWindow++;
    this.#inFlight++;
    // 'close' fires once for every response, finished or cut off; `on` with the one bound handler allocates
    // nothing, where `once` would wrap it anew for each request.
    response.on('close', this.#ended);
    if (!response.headersSent) response.setHeader(loadReportHeader, this.#prefix + this.#inFlight);
  }

  #start(): void {
    this.#lastUtilization = performance.eventLoopUtilization();
    this.#lastSampleAt = performance.now();
    this.#endedInWindow = 0;
    // After an idle spell the last window's figures are stale: the loop was idle and nothing ended.
    this.#prefix = this.#format(0, 0);
    this.#timer = setInterval(() => this.#sample(), this.#options.windowMs);
    this.#timer.unref();
  }

  #sample(): void {
    const now = performance.now();
    const utilization = performance.eventLoopUtilization(this.#lastUtilization);
    this.#lastUtilization = performance.eventLoopUtilization();
    const seconds = Math.max(now - this.#lastSampleAt, 1) / 1_000;
    this.#lastSampleAt = now;
    const rps = this.#endedInWindow / seconds;
    const idle = this.#arrivedInWindow === 0 && this.#inFlight === 0;
    this.#endedInWindow = 0;
    this.#arrivedInWindow = 0;
    this.#prefix = this.#format(utilization.utilization, rps);
    if (idle) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #format(utilization: number, rps: number): string {
    let prefix = `TEXT cpu_utilization=${round(utilization)}, rps_fractional=${round(rps)}`;
    for (const [name, read] of this.#options.metrics) {
      const value = readMetric(read);
      if (value !== undefined) prefix += `, named_metrics.${name}=${round(value)}`;
    }
    return `${prefix}, named_metrics.rif=`;
  }
}

/** A user's metric that throws or returns something other than a finite number is left out, not fatal. */
function readMetric(read: () => number): number | undefined {
  try {
    const value = read();
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function round(value: number): number {
  return Math.round(value * 1_000) / 1_000;
}
