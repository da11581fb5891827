import type { Random } from '../clock.js';
import { RegistrationCanceledError } from '../errors/registration-canceled-error.js';
import { RegistrationError } from '../errors/registration-error.js';
import { RegistrationTimeoutError } from '../errors/registration-timeout-error.js';
import type { AgentEndpoint } from './agent-endpoint.js';
import { fullJitterBackoff } from '../call/backoff.js';
import type { HealthReport } from './health-report.js';
import type { ResolvedCheck } from './register-options.js';
import type { ServiceDefinition } from './service-definition.js';

export interface RegistrarOptions {
  readonly endpoint: AgentEndpoint;
  readonly definition: ServiceDefinition;
  readonly check: ResolvedCheck;
  /** The instance's health now, for a TTL check's reports. */
  readonly report: () => Promise<HealthReport>;
  readonly agentSyncIntervalMs: number;
  readonly random: Random;
  /** Called after each registration the agent accepted: `again` after the first. */
  readonly onRegistered: (again: boolean) => void;
  readonly onError: (error: RegistrationError) => void;
}

/** Retries start at 100 ms, as discovery's do, and never wait longer than 5 s or the steady-state period. */
const retryBaseMs = 100;
const retryCapMs = 5_000;

/**
 * Keeps one instance registered with its agent, from the first registration until it is stopped.
 *
 * It registers, retrying with full-jitter backoff while the agent is unreachable; then it keeps checking that
 * the agent still holds the instance — every `agentSyncIntervalMs` with an HTTP check, and with every report of
 * a TTL check (each third of the TTL), whose answer says when the agent no longer knows the check. An agent
 * that restarted empty has forgotten the instance: it is registered again at once. One step runs at a time,
 * so a stop never overtakes a registration still under way.
 */
export class Registrar {
  readonly #options: RegistrarOptions;
  #stopped = false;
  #registered = false;
  #everRegistered = false;
  #attempts = 0;
  #lastError: RegistrationError | undefined;
  #running: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #first: { resolve(): void; reject(error: Error): void } | undefined;

  constructor(options: RegistrarOptions) {
    this.#options = options;
  }

  /** Whether the agent accepted the instance at least once. */
  get everRegistered(): boolean {
    return this.#everRegistered;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /**
   * Resolves once the agent has accepted the instance. Rejects with {@link RegistrationTimeoutError} after
   * `timeoutMs`, or {@link RegistrationCanceledError} if the registrar is stopped first.
   */
  registered(timeoutMs: number): Promise<void> {
    if (this.#everRegistered) return Promise.resolve();
    const { ID, Name } = this.#options.definition;
    if (this.#stopped) return Promise.reject(new RegistrationCanceledError(Name, ID, 'it was stopped'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#first = undefined;
        const cause = this.#lastError;
        reject(new RegistrationTimeoutError(Name, ID, this.#options.endpoint.address, timeoutMs, this.#attempts, cause === undefined ? undefined : { cause }));
      }, timeoutMs);
      timer.unref();
      this.#first = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }

  /**
   * Stops, after the step under way (a registration, a sync, a report) has finished; nothing is called
   * afterwards. A registration that lands in that step still counts: the caller deregisters next.
   */
  async stop(reason: string): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
    if (this.#first !== undefined) {
      const { ID, Name } = this.#options.definition;
      this.#first.reject(new RegistrationCanceledError(Name, ID, reason));
      this.#first = undefined;
    }
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      let delayMs: number;
      try {
        delayMs = await this.#step();
        failures = 0;
      } catch (error) {
        failures += 1;
        const failure = error instanceof RegistrationError ? error : this.#unexpected(error);
        if (failure.operation === 'register') this.#lastError = failure;
        this.#options.onError(failure);
        delayMs = fullJitterBackoff(Math.max(failures, 1), { baseMs: retryBaseMs, maxMs: Math.min(retryCapMs, this.#steadyPeriodMs()) }, this.#options.random);
      }
      if (!this.#stopped && delayMs > 0) await this.#sleep(delayMs);
    }
  }

  /** One call's worth of work; resolves with how long to wait before the next. */
  async #step(): Promise<number> {
    const { endpoint, check } = this.#options;
    if (!this.#registered) {
      this.#attempts += 1;
      await endpoint.register(this.#options.definition);
      this.#registered = true;
      this.#attempts = 0;
      const again = this.#everRegistered;
      this.#everRegistered = true;
      this.#first?.resolve();
      this.#first = undefined;
      this.#options.onRegistered(again);
      // A TTL check starts critical: the first report goes at once.
      return check.kind === 'ttl' ? 0 : this.#steadyPeriodMs();
    }
    if (check.kind === 'http') {
      this.#registered = await endpoint.holdsService();
    } else {
      const { state, output } = await this.#options.report();
      if (this.#stopped) return 0;
      this.#registered = await endpoint.reportTtl(state, output);
    }
    return this.#registered ? this.#steadyPeriodMs() : 0;
  }

  #steadyPeriodMs(): number {
    const { check } = this.#options;
    // Three reports per TTL: one lost report does not let the check expire.
    return check.kind === 'ttl' ? Math.max(1, Math.floor(check.ttlMs / 3)) : this.#options.agentSyncIntervalMs;
  }

  #unexpected(error: unknown): RegistrationError {
    const { ID, Name } = this.#options.definition;
    const problem = error instanceof Error ? error.message : String(error);
    return new RegistrationError(this.#registered ? 'sync' : 'register', Name, ID, this.#options.endpoint.address, problem);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      timer.unref();
      this.#wake = () => {
        this.#wake = undefined;
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
