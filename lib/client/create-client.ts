import type { AgentOptions as HttpsAgentOptions } from 'node:https';
import axios, { type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import { resolveHedgeOptions, resolveRetryOptions } from '../call/retry-options.js';
import { systemClock, systemRandom, systemScheduler, type Clock } from '../clock.js';
import { ConsulDiscovery } from '../discovery/consul-discovery.js';
import type { Discovery } from '../discovery/discovery.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { resolveBreakerOptions } from '../health/breaker-options.js';
import { checkLogger, logEvents } from '../observe/event-logger.js';
import { milliseconds, nonEmptyString, oneOf, rejectUnknownKeys, requireOptionsObject } from '../options/option-checks.js';
import { createPicker, pickerNames } from '../pickers/create-picker.js';
import type { Picker } from '../pickers/picker.js';
import { AxiosTransport } from '../transport/axios/axios-transport.js';
import { resolveInstanceTls } from '../transport/instance-tls.js';
import type { Transport } from '../transport/transport.js';
import { UndiciTransport } from '../transport/undici/undici-transport.js';
import { isAbsoluteUrl } from './absolute-url.js';
import { balancerAdapter } from './axios-adapter.js';
import { refusedOption } from './axios-request.js';
import { attachBalancer, type BalancedClient } from './balanced-client.js';
import { Balancer } from './balancer.js';
import { createFetch } from './fetch.js';
import { createSend } from './send.js';
import type { ClientOptions } from './client-options.js';

const transportNames = ['axios', 'undici'] as const;

const optionNames = [
  'service',
  'consul',
  'discovery',
  'picker',
  'breaker',
  'retry',
  'hedge',
  'axios',
  'transport',
  'tls',
  'connectTimeoutMs',
  'discoveryTimeoutMs',
  'defaultDeadlineMs',
  'clock',
  'logger',
] as const;

/**
 * Creates an axios instance whose requests go to healthy instances of one service.
 *
 * Every option is checked here, at every depth, before anything starts: a mistake — a misspelt key
 * included — is reported at once with the option's path and what would be right, not on the first
 * request.
 *
 * @example
 * const users = createClient({ service: 'users' });
 * const { data } = await users.get('/users/42');
 */
export function createClient(options: ClientOptions): BalancedClient {
  requireOptionsObject('options', options, "{ service: 'users' }");
  rejectUnknownKeys('', options, optionNames);
  const service = validateService(options.service);
  const picker = resolvePicker(options.picker);
  const breaker = options.breaker === false ? undefined : resolveBreakerOptions(options.breaker);
  const retry = resolveRetryOptions(options.retry);
  const hedge = resolveHedgeOptions(options.hedge);
  const discoveryTimeoutMs = milliseconds('discoveryTimeoutMs', options.discoveryTimeoutMs ?? 10_000);
  const connectTimeoutMs = milliseconds('connectTimeoutMs', options.connectTimeoutMs ?? 1_000);
  const defaultDeadlineMs = milliseconds('defaultDeadlineMs', options.defaultDeadlineMs ?? 15_000, { allowFalse: true });
  const clock = resolveClock(options.clock);
  const tls = resolveInstanceTls(options.tls);
  const logger = options.logger === undefined ? undefined : checkLogger(options.logger);
  const transportName = options.transport === undefined ? 'axios' : oneOf('transport', options.transport, transportNames);
  const base = resolveAxios(options.axios);
  checkAxiosDefaults(base);
  // Discovery last: it is the one part that starts work (a Consul watch) as soon as it is subscribed.
  const discovery = resolveDiscovery(service, options);

  const balancer = new Balancer({
    service,
    discovery,
    picker,
    breaker,
    retry,
    hedge,
    transport: createTransport(transportName, { connectTimeoutMs, ...(tls === undefined ? {} : { tls }) }),
    discoveryTimeoutMs,
    scheduler: systemScheduler(),
    backgroundScheduler: systemScheduler({ background: true }),
    clock,
    random: systemRandom,
  });
  const adapter = balancerAdapter(balancer, { service, basePath: '', pathBuilder: axios.create(), defaultDeadlineMs });
  const instance = typeof base.create === 'function' ? base.create({ adapter }) : axios.create({ ...(base.defaults as CreateAxiosDefaults), adapter });
  if (options.axios !== undefined && isAxiosInstance(options.axios)) {
    // The interceptors object is shared between an axios instance and its request context: handing it the
    // caller's managers makes every interceptor they add, now or later, run on this client's calls too.
    const interceptors = instance.interceptors as { request: AxiosInstance['interceptors']['request']; response: AxiosInstance['interceptors']['response'] };
    interceptors.request = base.interceptors.request;
    interceptors.response = base.interceptors.response;
  }
  if (logger !== undefined) logEvents(balancer.events, logger);
  return attachBalancer(instance, balancer, createFetch(balancer, { service, defaultDeadlineMs }), createSend(balancer, { service, defaultDeadlineMs }));
}

function createTransport(name: (typeof transportNames)[number], options: { connectTimeoutMs: number; tls?: HttpsAgentOptions }): Transport {
  return name === 'undici' ? new UndiciTransport(options) : new AxiosTransport(axios, options);
}

function validateService(service: unknown): string {
  if (service === undefined) {
    throw new InvalidOptionError('service', "is required: the Consul service name to send requests to, e.g. { service: 'users' }");
  }
  const name = nonEmptyString('service', service, "'users', a Consul service name");
  if (/[/?#\s]/.test(name)) {
    throw new InvalidOptionError('service', `must be a Consul service name (no '/', '?', '#' or spaces); got "${name}"`);
  }
  return name;
}

function resolveClock(clock: Clock | undefined): Clock {
  if (clock === undefined) return systemClock;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function') {
    throw new InvalidOptionError('clock', 'must be an object with a now() method returning milliseconds');
  }
  return clock;
}

function resolvePicker(picker: ClientOptions['picker']): Picker {
  if (picker === undefined) return createPicker('p2c-ewma');
  if (typeof picker === 'string') {
    // The type leaves 'locality' out, but JavaScript callers and loose casts can still pass it.
    if ((picker as string) === 'locality') {
      throw new InvalidOptionError('picker', "'locality' needs the caller's zone: picker: createPicker('locality', { zone: 'eu-west-1a' })");
    }
    if (!(pickerNames as readonly string[]).includes(picker)) {
      const names = pickerNames.filter((name) => name !== 'locality').map((name) => `'${name}'`);
      throw new InvalidOptionError('picker', `names no built-in picker (got ${JSON.stringify(picker)}); use one of ${names.join(', ')}, or pass a Picker object`);
    }
    return createPicker(picker);
  }
  if (typeof picker !== 'object' || picker === null || typeof (picker as Partial<Picker>).pick !== 'function') {
    throw new InvalidOptionError('picker', 'must be a built-in picker name or an object with a pick(instances, context) method');
  }
  for (const hook of ['onRequestStart', 'onRequestEnd', 'estimate'] as const) {
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
  requireOptionsObject('axios', option, '{ timeout: 5000 } or an axios instance');
  return axios.create(option);
}

function isAxiosInstance(value: unknown): value is AxiosInstance {
  return (
    typeof value === 'function' &&
    typeof (value as Partial<AxiosInstance>).request === 'function' &&
    typeof (value as Partial<AxiosInstance>).defaults === 'object'
  );
}

/** The instance the client builds on must not carry anything that would take requests around the balancer. */
function checkAxiosDefaults(instance: AxiosInstance): void {
  const baseURL = instance.defaults.baseURL;
  if (baseURL !== undefined && baseURL !== '' && isAbsoluteUrl(baseURL)) {
    throw new InvalidOptionError(
      'axios.baseURL',
      `is "${baseURL}", an absolute URL that would bypass the balancer; give only a path prefix such as "/api/v1", or none`,
    );
  }
  const refused = refusedOption(instance.defaults);
  if (refused !== undefined) throw new InvalidOptionError(`axios.${refused[0]}`, `is refused: ${refused[1]}`);
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
    throw new InvalidOptionError('discovery', `must be Consul query options ({ tags, datacenter, nodeMeta, filter }) or a Discovery object, got ${String(discovery)}`);
  }
  return new ConsulDiscovery({ ...discovery, service, ...(options.consul === undefined ? {} : { consul: options.consul }) });
}

function isDiscovery(value: unknown): value is Discovery {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Discovery>).subscribe === 'function';
}
