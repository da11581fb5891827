import axios, { type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import { resolveBreakerOptions } from '../breakers/breaker-options.js';
import { systemClock } from '../clock.js';
import { ConsulDiscovery } from '../discovery/consul-discovery.js';
import type { Discovery } from '../discovery/discovery.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { createPicker, pickerNames } from '../pickers/create-picker.js';
import type { Picker } from '../pickers/picker.js';
import { RetryPolicy } from '../retry/retry-policy.js';
import { AxiosTransport } from '../transport/axios-transport.js';
import { isAbsoluteUrl } from './absolute-url.js';
import { BalancedClient } from './balanced-client.js';
import type { ClientOptions } from './client-options.js';

const clientOptionNames: ReadonlySet<string> = new Set([
  'service',
  'consul',
  'discovery',
  'picker',
  'breaker',
  'retry',
  'axios',
  'connectTimeoutMs',
  'discoveryTimeoutMs',
  'clock',
]);

/**
 * Creates an axios-shaped client whose requests go to healthy instances of one service.
 *
 * Every option is checked here, before anything starts: a mistake is reported at once, with the
 * option's name and what would be right, not on the first request.
 *
 * @example
 * const users = createClient({ service: 'users' });
 * const { data } = await users.get('/users/42');
 */
export function createClient(options: ClientOptions): BalancedClient {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', `must be an object such as { service: 'users' }, got ${String(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!clientOptionNames.has(name)) {
      throw new InvalidOptionError(name, `is not an option of createClient; the options are ${[...clientOptionNames].join(', ')}`);
    }
  }
  const service = validateService(options.service);
  const picker = resolvePicker(options.picker);
  const breaker = options.breaker === false ? undefined : resolveBreakerOptions(options.breaker);
  const retry = new RetryPolicy(options.retry);
  const discoveryTimeoutMs = milliseconds('discoveryTimeoutMs', options.discoveryTimeoutMs, 10_000);
  const connectTimeoutMs = milliseconds('connectTimeoutMs', options.connectTimeoutMs, 1_000);
  const clock = options.clock ?? systemClock;
  if (typeof clock?.now !== 'function') {
    throw new InvalidOptionError('clock', 'must be an object with a now() method returning milliseconds');
  }
  const axiosInstance = resolveAxios(options.axios);
  const basePath = basePathOf(axiosInstance);
  // Discovery last: it is the one part that starts work (a Consul watch) as soon as it is subscribed.
  const discovery = resolveDiscovery(service, options);

  return new BalancedClient({
    service,
    discovery,
    picker,
    breaker,
    retry,
    transport: new AxiosTransport(axiosInstance, basePath, connectTimeoutMs),
    axios: axiosInstance,
    discoveryTimeoutMs,
    clock,
  });
}

function milliseconds(option: string, value: number | undefined, fallback: number): number {
  const ms = value ?? fallback;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
    throw new InvalidOptionError(option, `must be a number of milliseconds > 0, got ${String(ms)}`);
  }
  return ms;
}

function validateService(service: unknown): string {
  if (service === undefined) {
    throw new InvalidOptionError('service', "is required: the Consul service name to send requests to, e.g. { service: 'users' }");
  }
  if (typeof service !== 'string' || service.trim() === '') {
    throw new InvalidOptionError('service', `must be a non-empty string naming a Consul service, got ${JSON.stringify(service)}`);
  }
  if (/[/?#\s]/.test(service)) {
    throw new InvalidOptionError('service', `must be a Consul service name (no '/', '?', '#' or spaces), got "${service}"`);
  }
  return service;
}

function resolvePicker(picker: ClientOptions['picker']): Picker {
  if (picker === undefined) return createPicker('p2c-ewma');
  if (typeof picker === 'string') {
    // The type leaves 'locality' out, but JavaScript callers and loose casts can still pass it.
    if ((picker as string) === 'locality') {
      throw new InvalidOptionError('picker', `'locality' needs the caller's zone: picker: createPicker('locality', { zone: 'eu-west-1a' })`);
    }
    return createPicker(picker);
  }
  if (typeof picker !== 'object' || picker === null || typeof (picker as Partial<Picker>).pick !== 'function') {
    throw new InvalidOptionError(
      'picker',
      `must be a built-in picker name (${pickerNames.filter((n) => n !== 'locality').map((n) => `'${n}'`).join(', ')}), ` +
        `a picker from createPicker(), such as createPicker('locality', { zone: 'eu-west-1a' }), or an object with a pick(instances, context) method`,
    );
  }
  for (const hook of ['onRequestStart', 'onRequestEnd'] as const) {
    const value = (picker as Partial<Picker>)[hook];
    if (value !== undefined && typeof value !== 'function') {
      throw new InvalidOptionError(`picker.${hook}`, `must be a function when given, got ${typeof value}`);
    }
  }
  return picker;
}

function resolveAxios(option: ClientOptions['axios']): AxiosInstance {
  if (option === undefined) return axios.create();
  if (isAxiosInstance(option)) return option;
  if (typeof option !== 'object' || option === null) {
    throw new InvalidOptionError('axios', `must be an axios instance or axios config, got ${String(option)}`);
  }
  return axios.create(option as CreateAxiosDefaults);
}

function isAxiosInstance(value: unknown): value is AxiosInstance {
  return typeof value === 'function' && typeof (value as Partial<AxiosInstance>).request === 'function' && typeof (value as Partial<AxiosInstance>).defaults === 'object';
}

/** The wrapped instance's `baseURL` may only be a path: the balancer supplies scheme and host. */
function basePathOf(instance: AxiosInstance): string {
  const baseURL = instance.defaults.baseURL;
  if (baseURL === undefined || baseURL === '') return '';
  if (isAbsoluteUrl(baseURL)) {
    throw new InvalidOptionError(
      'axios.baseURL',
      `is "${baseURL}", an absolute URL that would bypass the balancer; give only a path prefix such as "/api/v1", or none`,
    );
  }
  return baseURL;
}

function resolveDiscovery(service: string, options: ClientOptions): Discovery {
  const discovery = options.discovery;
  if (isDiscovery(discovery)) {
    if (options.consul !== undefined) {
      throw new InvalidOptionError('consul', 'has no effect with a custom discovery; give the Consul address to the discovery itself, or drop one of them');
    }
    return discovery;
  }
  if (discovery !== undefined && (typeof discovery !== 'object' || discovery === null)) {
    throw new InvalidOptionError('discovery', `must be Consul query options ({ tags, datacenter, nodeMeta, filter, includeWarning }) or a Discovery object, got ${String(discovery)}`);
  }
  return new ConsulDiscovery({ ...discovery, service, ...(options.consul === undefined ? {} : { consul: options.consul }) });
}

function isDiscovery(value: unknown): value is Discovery {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Discovery>).subscribe === 'function';
}
