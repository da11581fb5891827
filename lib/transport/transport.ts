import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import type { Instance } from '../discovery/instance.js';

/**
 * Sends one attempt of a request to one chosen instance.
 *
 * The transport is the last stage of a request's route: discovery found the instances, the picker
 * chose one, its breaker allowed the attempt; the transport owns the connections to each instance
 * and nothing else — no retries, no choice of instance. It resolves and rejects exactly as axios does
 * for that one attempt, so the client can classify the outcome.
 */
export interface Transport {
  send<T, D>(instance: Instance, config: AxiosRequestConfig<D>): Promise<AxiosResponse<T, D>>;
  /** The set of instances changed: connections to instances no longer in it may be released. */
  instancesChanged(instances: readonly Instance[]): void;
  /** Releases every connection. No attempt is sent afterwards. */
  close(): void;
}
