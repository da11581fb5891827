import type { Clock, Random } from '../clock.js';
import type { RegistrationError } from '../errors/registration-error.js';
import { TypedEmitter } from '../events/typed-emitter.js';
import type { AgentEndpoint } from './agent-endpoint.js';
import { reportHealth, type HealthReport } from './health-report.js';
import { healthRouteHandler, mountHealthRoute } from './health-route.js';
import type { InstanceAddress, ListeningServer } from './instance-address.js';
import type { ResolvedRegisterOptions } from './register-options.js';
import { Registrar } from './registrar.js';
import type { DrainResult, RegistrationEvents } from './registration-events.js';
import { ServerDrain } from './server-drain.js';
import { serviceDefinition } from './service-definition.js';
import { drainOnSignals } from './shutdown-signals.js';

/**
 * One instance of a service, registered with Consul by {@link register}: kept registered while it runs, its
 * health reported by the health function, and drained on a signal or when asked.
 */
export interface Registration {
  /** The instance's Consul service ID. */
  readonly id: string;
  readonly service: string;
  /** Where clients reach the instance, e.g. `http://10.0.3.17:3000`. */
  readonly origin: string;
  /**
   * Takes the instance out of service without failing a request — what a drain signal does, without the
   * exit: leaves Consul, keeps serving for `drain.propagationMs` while clients see it gone (every response
   * saying `Connection: close`), stops accepting connections, lets requests in flight finish within
   * `drain.timeoutMs`, then closes the connections left. Resolves once the server is closed; calling it again
   * returns the same promise.
   */
  drain(): Promise<DrainResult>;
  /**
   * Takes the instance out of Consul and lets go of it — no more checks, reports, or signal handling — while
   * the server keeps serving whoever still calls it. The health route answers critical from now on.
   */
  deregister(): Promise<void>;
  on<E extends keyof RegistrationEvents>(event: E, listener: (...args: RegistrationEvents[E]) => void): this;
  once<E extends keyof RegistrationEvents>(event: E, listener: (...args: RegistrationEvents[E]) => void): this;
  off<E extends keyof RegistrationEvents>(event: E, listener: (...args: RegistrationEvents[E]) => void): this;
}

export interface RegistrationParts {
  readonly endpoint: AgentEndpoint;
  readonly clock: Clock;
  readonly random: Random;
}

/** The share of the check's timeout the health function may take, so its answer reaches Consul before the check times out. */
const healthShareOfCheckTimeout = 0.8;

export class InstanceRegistration implements Registration {
  readonly id: string;
  readonly service: string;
  readonly origin: string;
  readonly #events = new TypedEmitter<RegistrationEvents>();
  readonly #options: ResolvedRegisterOptions;
  readonly #endpoint: AgentEndpoint;
  readonly #clock: Clock;
  readonly #registrar: Registrar;
  readonly #serverDrain: ServerDrain;
  readonly #healthTimeoutMs: number;
  #stopSignals: (() => void) | undefined;
  /** Why the health route answers critical whatever the health function says, once the instance is leaving. */
  #leaving: string | undefined;
  #leftConsul: Promise<boolean> | undefined;
  #leftConsulAt: number | undefined;
  #drained: Promise<DrainResult> | undefined;

  constructor(server: ListeningServer, options: ResolvedRegisterOptions, where: InstanceAddress, parts: RegistrationParts) {
    this.id = where.id;
    this.service = options.service;
    this.origin = where.origin;
    this.#options = options;
    this.#endpoint = parts.endpoint;
    this.#clock = parts.clock;
    const { check } = options;
    this.#healthTimeoutMs = Math.max(1, Math.floor(check.kind === 'http' ? check.timeoutMs * healthShareOfCheckTimeout : check.ttlMs / 3));
    this.#serverDrain = new ServerDrain(server);
    this.#registrar = new Registrar({
      endpoint: parts.endpoint,
      definition: serviceDefinition(options, where),
      check,
      report: () => this.#report(),
      agentSyncIntervalMs: options.agentSyncIntervalMs,
      random: parts.random,
      onRegistered: (again) => this.#events.emit('registered', { service: this.service, id: this.id, again }),
      onError: (error) => this.#emitError(error),
    });
  }

  /** Mounts the health route, starts listening for drain signals and starts registering. */
  start(): void {
    const { app, check, drain } = this.#options;
    if (app !== undefined) mountHealthRoute(app, check.path, healthRouteHandler(() => this.#report(), this.service, this.id));
    if (drain.signals.length > 0) {
      this.#stopSignals = drainOnSignals({ signals: drain.signals, exit: drain.exit, drain: (signal) => this.#drain(signal) });
    }
    this.#registrar.start();
  }

  /** Resolves once Consul first accepted the instance; see {@link Registrar.registered}. */
  registered(timeoutMs: number): Promise<void> {
    return this.#registrar.registered(timeoutMs);
  }

  /** After `register()` gave up: stops everything started, leaving the server serving, unregistered. */
  async abandon(): Promise<void> {
    // A drain that began before Consul accepted the instance (a signal at start-up) cleans up itself.
    if (this.#drained !== undefined) return;
    this.#leaving ??= 'not registered with Consul';
    this.#stopSignalHandling();
    // A registration still under way when the bound ran out may yet land: it is taken back.
    await this.#leaveConsul('register() gave up');
    this.#serverDrain.detach();
  }

  drain(): Promise<DrainResult> {
    return this.#drain(undefined);
  }

  async deregister(): Promise<void> {
    this.#leaving ??= 'deregistered';
    this.#stopSignalHandling();
    await this.#leaveConsul('deregister() was called');
  }

  on<E extends keyof RegistrationEvents>(event: E, listener: (...args: RegistrationEvents[E]) => void): this {
    this.#events.on(event, listener);
    return this;
  }

  once<E extends keyof RegistrationEvents>(event: E, listener: (...args: RegistrationEvents[E]) => void): this {
    this.#events.once(event, listener);
    return this;
  }

  off<E extends keyof RegistrationEvents>(event: E, listener: (...args: RegistrationEvents[E]) => void): this {
    this.#events.off(event, listener);
    return this;
  }

  #drain(signal: NodeJS.Signals | undefined): Promise<DrainResult> {
    this.#drained ??= this.#runDrain(signal);
    return this.#drained;
  }

  async #runDrain(signal: NodeJS.Signals | undefined): Promise<DrainResult> {
    const started = this.#clock.now();
    const { propagationMs, timeoutMs } = this.#options.drain;
    this.#leaving = 'draining';
    this.#events.emit('draining', { service: this.service, id: this.id, signal });
    this.#serverDrain.closeAfterResponses();
    const deregistered = await this.#leaveConsul(signal === undefined ? 'drain() was called' : `${signal} arrived`);
    // Clients learn of the deregistration from their blocking queries; until all have, some still pick this
    // instance, and must find it accepting. Time since an earlier deregister() counts towards the wait.
    if (this.#registrar.everRegistered && this.#leftConsulAt !== undefined) {
      const remaining = propagationMs - (this.#clock.now() - this.#leftConsulAt);
      if (remaining > 0) await sleep(remaining);
    }
    const requestsCutOff = await this.#serverDrain.close(timeoutMs);
    this.#stopSignalHandling();
    const result: DrainResult = { deregistered, requestsCutOff, durationMs: this.#clock.now() - started };
    this.#events.emit('drained', { service: this.service, id: this.id, signal, ...result });
    return result;
  }

  /** Stops the registrar, then deregisters; resolves with whether the agent confirmed it. Runs once. */
  #leaveConsul(reason: string): Promise<boolean> {
    this.#leftConsul ??= (async () => {
      await this.#registrar.stop(reason);
      let confirmed = true;
      if (this.#registrar.everRegistered) {
        try {
          await this.#endpoint.deregister();
        } catch (error) {
          confirmed = false;
          this.#emitError(error as RegistrationError);
        }
      }
      this.#leftConsulAt = this.#clock.now();
      this.#endpoint.close();
      return confirmed;
    })();
    return this.#leftConsul;
  }

  #report(): Promise<HealthReport> {
    if (this.#leaving !== undefined) return Promise.resolve({ state: 'critical', output: this.#leaving });
    return reportHealth(this.#options.health, this.#healthTimeoutMs);
  }

  #emitError(error: RegistrationError): void {
    this.#events.emit('registrationError', error);
  }

  #stopSignalHandling(): void {
    this.#stopSignals?.();
    this.#stopSignals = undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
