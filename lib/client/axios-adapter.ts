import type { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { Balancer } from './balancer.js';
import { toOutgoingRequest, type PathBuilder } from './axios-request.js';
import { toAxiosFailure, toAxiosResponse } from './axios-response.js';

export interface AdapterSettings {
  readonly service: string;
  /** Path prefix from a wrapped instance's relative `baseURL`, or ''. */
  readonly basePath: string;
  readonly pathBuilder: PathBuilder;
  /** The deadline of a request that sets no `timeout`, or `false` for none. */
  readonly defaultDeadlineMs: number | false;
}

/**
 * The axios adapter that carries the balancer. axios runs the caller's request interceptors and
 * transforms once, hands the config here, and runs the response transforms and interceptors once on
 * what comes back: to axios the whole call — every attempt, retry and hedge — is one adapter call, and the
 * balancer reads each attempt's raw response before any interceptor could reshape it.
 *
 * `timeout` (the request's, or the instance's default) is the call's deadline across attempts; the
 * caller's `signal` and `cancelToken` cancel the whole call.
 */
export function balancerAdapter(balancer: Balancer, settings: AdapterSettings): AxiosAdapter {
  // Read once, not per request.
  const { service, basePath, pathBuilder } = settings;
  const defaultDeadlineMs = settings.defaultDeadlineMs === false ? undefined : settings.defaultDeadlineMs;
  return async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    const built = toOutgoingRequest(config, service, basePath, pathBuilder);
    const request = built instanceof Promise ? await built : built;
    const timeoutMs = typeof config.timeout === 'number' && config.timeout > 0 ? config.timeout : undefined;
    const deadlineMs = timeoutMs ?? defaultDeadlineMs;
    const cancellation = callerCancellation(config);
    try {
      const result = await balancer.call({ request, url: config.url ?? '', deadlineMs, signal: cancellation?.signal });
      if (result.kind === 'response') return toAxiosResponse(result, config);
      // A cancel token's own reason (its message) is what axios itself would reject with.
      if (result.reason === 'cancelled' && config.cancelToken?.reason !== undefined) throw config.cancelToken.reason;
      throw toAxiosFailure(result, config, deadlineMs);
    } finally {
      cancellation?.release();
    }
  };
}

interface Cancellation {
  readonly signal: AbortSignal;
  release(): void;
}

/** One `AbortSignal` for the caller's `signal` and `cancelToken`, whichever it set. */
function callerCancellation(config: InternalAxiosRequestConfig): Cancellation | undefined {
  const signal = config.signal;
  const token = config.cancelToken;
  if (token === undefined && (signal === undefined || signal instanceof AbortSignal)) {
    return signal === undefined ? undefined : { signal, release: () => undefined };
  }
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  if (token !== undefined) token.promise.then(abort, () => undefined);
  if (signal !== undefined) {
    if (signal.aborted) abort();
    else if (typeof signal.addEventListener === 'function') signal.addEventListener('abort', abort);
    else signal.onabort = abort;
  }
  return {
    signal: controller.signal,
    release: () => {
      if (signal !== undefined && typeof signal.removeEventListener === 'function') signal.removeEventListener('abort', abort);
    },
  };
}
