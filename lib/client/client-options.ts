import type { AxiosInstance, CreateAxiosDefaults } from 'axios';
import type { HedgeOptions, RetryOptions } from '../call/retry-options.js';
import type { Clock } from '../clock.js';
import type { ConsulOption } from '../discovery/consul-connection.js';
import type { ConsulQueryOptions } from '../discovery/consul-health-query.js';
import type { Discovery } from '../discovery/discovery.js';
import type { BreakerOptions } from '../health/breaker-options.js';
import type { Logger } from '../observe/event-logger.js';
import type { PickerName } from '../pickers/create-picker.js';
import type { Picker } from '../pickers/picker.js';
import type { InstanceTlsOptions } from '../transport/instance-tls.js';

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
   * How an instance is chosen for each attempt: a built-in name, or a {@link Picker} such as
   * `createPicker('locality', { zone: 'eu-west-1a' })`. Default `'p2c-ewma'`.
   */
  readonly picker?: Exclude<PickerName, 'locality'> | Picker;
  /** Each instance's circuit breaker and the caps on taking instances out, or `false` for none. */
  readonly breaker?: BreakerOptions | false;
  /** When a failed attempt is tried again on another instance, or `false` for never (a request that never left still goes elsewhere). */
  readonly retry?: RetryOptions | false;
  /** Hedging for idempotent requests: `{ delayMs: 50 }` or `{ delayMs: 'p95' }`. Default off. */
  readonly hedge?: HedgeOptions | false;
  /**
   * The axios instance to build on — the client takes a copy of its defaults and shares its interceptors —
   * or the config for a new one. A `baseURL`, if any, must be a path (`/api/v1`): proxyless supplies the host.
   */
  readonly axios?: AxiosInstance | CreateAxiosDefaults;
  /**
   * What sends each attempt: `'axios'` (default), axios's own Node http adapter, or `'undici'`, undici's
   * connection pools, about twice the throughput per core. Either way the client is the same axios
   * instance — interceptors, transforms, errors — and `client.fetch` goes through the same one.
   */
  readonly transport?: 'axios' | 'undici';
  /** TLS for `https:` instances: a private CA, a client certificate, the server name to verify. */
  readonly tls?: InstanceTlsOptions;
  /**
   * How long to wait for a new connection to an instance before trying another one (safe for any
   * method: nothing was sent). Default 1,000 ms, Finagle's connect timeout.
   */
  readonly connectTimeoutMs?: number;
  /** How long a request made before the first instance list arrived waits for it. Default 10,000 ms. */
  readonly discoveryTimeoutMs?: number;
  /**
   * The deadline of a request that sets no `timeout` of its own (nor the axios defaults): a call never
   * waits for ever on a hung instance. Default 15,000 ms, Envoy's route timeout; `false` for none.
   */
  readonly defaultDeadlineMs?: number | false;
  /** Measures attempt latency for the picker's feedback. Default `performance.now()`. */
  readonly clock?: Clock;
  /**
   * Where to write the client's decisions (instances changed, breakers, retries, panic, discovery trouble):
   * a pino logger, or any object with `debug`, `info`, `warn` and `error` taking `(fields, message)`, such
   * as `console`. Default none: the client says nothing.
   */
  readonly logger?: Logger;
}
