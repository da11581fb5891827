import type { ConnectionOptions } from 'node:tls';
import type { Pool } from 'undici';
import type { Instance } from '../../discovery/instance.js';
import type { AttemptOutcome } from '../attempt-outcome.js';
import type { AttemptSignal } from '../attempt-signal.js';
import type { OutgoingRequest } from '../outgoing-request.js';
import type { Transport } from '../transport.js';
import { PoolsByOrigin } from '../pools-by-origin.js';
import { createInstancePool } from './instance-pool.js';
import { UndiciAttempt } from './undici-attempt.js';

export interface UndiciTransportOptions {
  readonly connectTimeoutMs: number;
  /** TLS options for `https:` instances. */
  readonly tls?: ConnectionOptions;
}

const ignore = (): void => undefined;

/**
 * Sends attempts with undici over a keep-alive `Pool` per instance: the fastest HTTP/1.1 client Node
 * has, without axios's Node adapter (its streams, its redirect layer, its per-request option merging).
 * The facade above — axios's interceptors and transforms, or `fetch` — is unchanged; this transport sees
 * only the neutral request and answers with the raw response.
 */
export class UndiciTransport implements Transport {
  readonly name = 'undici';
  readonly #options: UndiciTransportOptions;
  readonly #pools: PoolsByOrigin<Pool>;
  #closed = false;

  constructor(options: UndiciTransportOptions) {
    this.#options = options;
    this.#pools = new PoolsByOrigin<Pool>({
      open: (origin) => createInstancePool(origin, options),
      // Requests under way finish; idle sockets close now, busy ones when their response ends.
      retire: (pool) => void pool.close().catch(ignore),
      destroy: (pool) => void pool.destroy().catch(ignore),
    });
  }

  send(instance: Instance, request: OutgoingRequest, signal: AttemptSignal): Promise<AttemptOutcome> {
    if (signal.reason !== undefined || this.#closed) {
      const error = signal.reason ?? new Error('the undici transport is closed');
      return Promise.resolve({ kind: signal.aborted ? 'cancelled' : 'never-sent', error });
    }
    const pool = this.#pools.for(instance.origin);
    const attempt = new UndiciAttempt(request, signal, instance, this.#options.connectTimeoutMs);
    pool.dispatch(attempt.dispatchOptions(), attempt);
    return attempt.outcome;
  }

  instancesChanged(instances: readonly Instance[]): void {
    this.#pools.instancesChanged(instances);
  }

  close(): void {
    this.#closed = true;
    this.#pools.close();
  }
}
