import type { AxiosInstance, CreateAxiosDefaults } from 'axios';
import type { BreakerOptions } from '../breakers/breaker-options.js';
import type { Clock } from '../clock.js';
import type { ConsulOption } from '../discovery/consul-connection.js';
import type { ConsulQueryOptions } from '../discovery/consul-health-query.js';
import type { Discovery } from '../discovery/discovery.js';
import type { PickerName } from '../pickers/create-picker.js';
import type { Picker } from '../pickers/picker.js';
import type { RetryOptions } from '../retry/retry-policy.js';

/** Options of {@link createClient}. Only `service` is required. */
export interface ClientOptions {
  /** The Consul service name to send requests to. */
  readonly service: string;
  /**
   * Where Consul is: `{ host, port, secure, token, ca }` or an existing `Consul` client. Defaults to
   * `CONSUL_HTTP_ADDR` / `CONSUL_HTTP_TOKEN` as Consul's own CLI reads them, else `127.0.0.1:8500`.
   */
  readonly consul?: ConsulOption;
  /**
   * Which instances of the service to use: Consul query options (`tags`, `datacenter`, `nodeMeta`,
   * `filter`, `includeWarning`), or a whole {@link Discovery} of your own, such as
   * `staticDiscovery(['http://127.0.0.1:3000'])` for local development.
   */
  readonly discovery?: ConsulQueryOptions | Discovery;
  /**
   * How an instance is chosen for each request: a built-in name, or a {@link Picker} such as
   * `createPicker('locality', { zone: 'eu-west-1a' })`. Default `'p2c-ewma'`.
   */
  readonly picker?: Exclude<PickerName, 'locality'> | Picker;
  /** Each instance's circuit breaker, or `false` for none. */
  readonly breaker?: BreakerOptions | false;
  /** When a failed attempt is tried again on another instance, or `false` for never. */
  readonly retry?: RetryOptions | false;
  /**
   * An axios instance to send with — its defaults and interceptors apply to every attempt — or the
   * config for a new one. Its `baseURL`, if any, must be a path (`/api/v1`): proxyless supplies the host.
   */
  readonly axios?: AxiosInstance | CreateAxiosDefaults;
  /**
   * How long to wait for a new connection to an instance before trying another one (safe for any
   * method: nothing was sent). Default 1 000 ms, Finagle's connect timeout.
   */
  readonly connectTimeoutMs?: number;
  /** How long a request made before the first instance list arrived waits for it. Default 10 000 ms. */
  readonly discoveryTimeoutMs?: number;
  /** Measures attempt latency for the picker's feedback. Default `performance.now()`. */
  readonly clock?: Clock;
}
