import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { AttemptReport } from '../call/call-report.js';
import type { CallScope } from '../call/call-scope.js';
import type { CallRequest, CallResult } from '../call/call.js';
import type { NotRetriedReason } from '../call/retry-rule.js';
import type { BalancedClient } from '../client/balanced-client.js';
import { balancerOf } from '../client/balanced-client.js';
import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { rejectUnknownKeys, requireOptionsObject } from '../options/option-checks.js';
import { attemptOutcomeLabel } from './attempt-outcome-label.js';
import { retryReason } from './retry-counts.js';

export interface OpenTelemetryTracingOptions {
  /** Where the tracer comes from. Default the global one (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider;
}

/** HTTP methods the semantic conventions name; any other is reported as `_OTHER`. */
const knownMethods = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY']);

/**
 * Traces every request of `client` through `@opentelemetry/api`: one CLIENT span per call, named and
 * attributed after the HTTP client semantic conventions (`http.request.method`, `server.address`,
 * `server.port`, `url.full`, `http.response.status_code`, `error.type`, `http.request.resend_count`), child
 * of the span active where the request was made. Its context goes out in the request's headers through
 * the global propagator (W3C `traceparent` once the SDK is set up), so the instance's own spans join the
 * trace. Each attempt is an `attempt` event on the span (instance, outcome, status, duration, hedge), each
 * retry a `retry` event with its reason, and a failure left unrepaired a `not retried` event saying why.
 *
 * @example
 * import { openTelemetryTracing } from 'proxyless/opentelemetry';
 * openTelemetryTracing(users); // after the OpenTelemetry SDK has started
 */
export function openTelemetryTracing(client: BalancedClient, options: OpenTelemetryTracingOptions = {}): void {
  const balancer = balancerOf(client);
  if (balancer === undefined) throw new InvalidOptionError('openTelemetryTracing(client)', 'must be a client made by createClient()');
  requireOptionsObject('openTelemetryTracing options', options, '{ tracerProvider }');
  rejectUnknownKeys('', options, ['tracerProvider']);
  const provider = options.tracerProvider ?? trace.getTracerProvider();
  if (typeof provider !== 'object' || provider === null || typeof provider.getTracer !== 'function') {
    throw new InvalidOptionError('tracerProvider', 'must be an OpenTelemetry TracerProvider (with getTracer)');
  }
  const tracer = provider.getTracer('proxyless');
  balancer.instrument({ callStarted: (request, service) => new CallSpan(tracer, request, service) });
}

/** The span of one call: ended once the call has ended and every attempt it started has too. */
class CallSpan implements CallScope {
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly #span: Span;
  readonly #path: string;
  #attempts = 0;
  #inFlight = 0;
  #callEnded = false;

  constructor(tracer: Tracer, call: CallRequest, service: string) {
    const method = call.request.method;
    const known = knownMethods.has(method);
    const parent = context.active();
    this.#path = call.request.path;
    this.#span = tracer.startSpan(
      known ? method : 'HTTP',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': known ? method : '_OTHER',
          ...(known ? {} : { 'http.request.method_original': method }),
          'proxyless.service': service,
        },
      },
      parent,
    );
    const headers: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, this.#span), headers);
    this.headers = Object.keys(headers).length === 0 ? undefined : headers;
  }

  attemptStarted(instance: Instance, hedge: boolean): void {
    this.#attempts++;
    this.#inFlight++;
    if (this.#callEnded) return;
    this.#span.setAttributes(this.#target(instance));
    if (hedge) this.#span.addEvent('hedge', { 'proxyless.instance.id': instance.id });
  }

  attemptEnded(attempt: AttemptReport): void {
    this.#inFlight--;
    const attributes: Attributes = {
      'proxyless.instance.id': attempt.instance.id,
      'server.address': attempt.instance.host,
      'server.port': attempt.instance.port,
      'proxyless.attempt.outcome': attemptOutcomeLabel(attempt),
      'proxyless.attempt.duration_ms': attempt.durationMs,
      'proxyless.attempt.hedge': attempt.hedge,
    };
    if (attempt.status !== undefined) attributes['http.response.status_code'] = attempt.status;
    this.#span.addEvent('attempt', attributes);
    if (this.#callEnded && this.#inFlight === 0) this.#span.end();
  }

  retrying(after: AttemptReport, delayMs: number): void {
    this.#span.addEvent('retry', { 'proxyless.retry.reason': retryReason(after), 'proxyless.retry.delay_ms': delayMs, 'proxyless.instance.id': after.instance.id });
  }

  notRetried(after: AttemptReport, reason: NotRetriedReason): void {
    this.#span.addEvent('not retried', { 'proxyless.not_retried.reason': reason, 'proxyless.instance.id': after.instance.id });
  }

  ended(result: CallResult): void {
    const span = this.#span;
    this.#callEnded = true;
    if (this.#attempts > 1) span.setAttribute('http.request.resend_count', this.#attempts - 1);
    if (result.kind === 'response') {
      const status = result.response.status;
      span.setAttributes({ ...this.#target(result.instance), 'http.response.status_code': status });
      // The conventions make 4xx and 5xx errors for a client span.
      if (status >= 400) {
        span.setAttribute('error.type', String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    } else {
      if (result.instance !== undefined) span.setAttributes(this.#target(result.instance));
      const error = result.error ?? result.outcome?.error;
      const code = (error as { code?: unknown } | undefined)?.code;
      span.setAttribute('error.type', typeof code === 'string' ? code : (result.outcome?.kind ?? result.reason));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message ?? result.reason });
    }
    if (this.#inFlight === 0) span.end();
  }

  #target(instance: Instance): Attributes {
    return { 'server.address': instance.host, 'server.port': instance.port, 'url.full': `${instance.origin}${this.#path}`, 'proxyless.instance.id': instance.id };
  }
}
