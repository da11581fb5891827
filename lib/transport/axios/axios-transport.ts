import type { AxiosInstance, AxiosStatic, RawAxiosRequestHeaders } from 'axios';
import type { AgentOptions as HttpsAgentOptions } from 'node:https';
import type { Instance } from '../../discovery/instance.js';
import { asBuffer } from '../as-buffer.js';
import type { AttemptOutcome } from '../attempt-outcome.js';
import type { AttemptSignal } from '../attempt-signal.js';
import type { OutgoingRequest } from '../outgoing-request.js';
import { OneShotBody } from '../request-body.js';
import type { Transport } from '../transport.js';
import { classifyAxiosFailure, plainHeaders } from './classify-axios-failure.js';
import { PoolsByOrigin } from '../pools-by-origin.js';
import { createInstancePool, type InstancePool } from './instance-pool.js';

/**
 * axios's core gives a POST, PUT or PATCH without a content type `application/x-www-form-urlencoded`; the
 * facade has settled the request's headers already (the axios facade through the same rule), so the
 * transport adds none: `false` is axios's "leave it out".
 */
const bodyMethods = new Set(['POST', 'PUT', 'PATCH']);

export interface AxiosTransportOptions {
  readonly connectTimeoutMs: number;
  /** TLS options for `https:` instances. */
  readonly tls?: HttpsAgentOptions;
}

/**
 * Sends attempts with axios's own Node http adapter — the one the caller's requests would have used —
 * over a keep-alive pool per instance. The caller's interceptors and transforms have already run once for
 * the whole call; each attempt goes through a private axios instance with none of them, no redirects
 * followed, no proxy and no status check, so the call sees the raw response.
 */
export class AxiosTransport implements Transport {
  readonly name = 'axios';
  readonly #axios: AxiosInstance;
  readonly #pools: PoolsByOrigin<InstancePool>;

  constructor(axios: AxiosStatic, options: AxiosTransportOptions) {
    this.#pools = new PoolsByOrigin({
      open: (origin) => createInstancePool(origin.startsWith('https:'), options),
      retire: (pool) => pool.retire(),
      destroy: (pool) => pool.destroy(),
    });
    this.#axios = axios.create({
      adapter: 'http',
      transformRequest: [],
      transformResponse: [],
      validateStatus: null,
      maxRedirects: 0,
      proxy: false,
      timeout: 0,
      maxBodyLength: -1,
    });
  }

  async send(instance: Instance, request: OutgoingRequest, signal: AttemptSignal): Promise<AttemptOutcome> {
    const pool = this.#pools.for(instance.origin);
    const body = request.body;
    try {
      const response = await this.#axios.request<Buffer | NodeJS.ReadableStream>({
        url: instance.origin + request.path,
        method: request.method,
        headers: (request.headers['content-type'] === undefined && bodyMethods.has(request.method)
          ? { ...request.headers, 'content-type': false }
          : request.headers) as RawAxiosRequestHeaders,
        data: body instanceof OneShotBody ? body.take() : body === undefined ? undefined : asBuffer(body),
        responseType: request.responseType === 'stream' ? 'stream' : 'arraybuffer',
        maxContentLength: Number.isFinite(request.maxResponseBytes) ? request.maxResponseBytes : -1,
        decompress: request.decompress,
        httpAgent: pool.agent,
        httpsAgent: pool.agent,
        signal: signal.toAbortSignal(),
      });
      const headers = plainHeaders(response.headers);
      return {
        kind: 'response',
        response: { status: response.status, statusText: response.statusText, headers, body: response.data, request: response.request },
      };
    } catch (error) {
      return classifyAxiosFailure(error, signal);
    }
  }

  instancesChanged(instances: readonly Instance[]): void {
    this.#pools.instancesChanged(instances);
  }

  close(): void {
    this.#pools.close();
  }
}
