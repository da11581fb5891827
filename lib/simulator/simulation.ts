import { ManualClock, seededRandom } from '../clock.js';
import type { Clock, Random } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { mix32 } from '../pickers/hash.js';
import type { PickContext, Picker, RequestResult } from '../pickers/picker.js';
import { EventQueue } from './event-queue.js';
import type { InstanceModel, InstancePhase } from './instance-model.js';
import { imbalance, latencyQuantiles, summarizeLatency } from './report.js';
import type { SimulationReport } from './report.js';
import { nextArrival } from './workload.js';
import type { ArrivalProcess, KeyDistribution } from './workload.js';

/**
 * Builds the picker of one simulated client from the simulation's clock and a seeded random
 * source of its own — the same options every built-in picker takes, so
 * `(base) => createPicker('p2c-ewma', base)` is a factory.
 */
export type PickerFactory = (base: { readonly clock: Clock; readonly random: Random }) => Picker;

/** A fleet and a workload to replay against it; the same scenario can be run with many pickers. */
export interface Scenario {
  /** Shown in reports and chart titles. */
  readonly name?: string;
  readonly description?: string;
  /** Every random choice derives from it: the same seed gives the same report. */
  readonly seed: number;
  /** Requests arrive from 0 to this simulated time; those in flight at the end still complete. */
  readonly durationMs: number;
  readonly arrivals: ArrivalProcess;
  readonly instances: readonly InstanceModel[];
  /**
   * How many clients share the load, each with its own picker, as a fleet of callers would;
   * each request goes to one of them at random. Defaults to 1.
   */
  readonly clients?: number;
  /** The key each request carries in `keyHeader`, for consistent-hash pickers. None by default. */
  readonly keys?: KeyDistribution;
  /** Defaults to `x-hash-key`. */
  readonly keyHeader?: string;
  /** Retry a failed attempt on another instance, as the client's retry would. Off by default. */
  readonly retry?: { readonly attempts: number };
}

/** What a simulation runs with: a picker shared by every client, or a factory for one per client. */
export type PickerChoice = Picker | PickerFactory;

export interface SimulationOptions extends Scenario {
  readonly picker: PickerChoice;
  /** The name in the report; defaults to the picker's own `name`. */
  readonly pickerName?: string;
}

/** The reports of several pickers on one scenario, in the order they were given. */
export interface Comparison {
  readonly scenario: string;
  readonly seed: number;
  readonly reports: readonly SimulationReport[];
}

/**
 * Replays `scenario` against its modelled instances through `picker`, on a simulated clock:
 * a run of simulated minutes takes a fraction of a second, and the same seed always yields the
 * same report. Pickers see exactly what the real client shows them — the same frozen instance
 * array, `onRequestStart` and `onRequestEnd` with the latency the caller waited and the outcome.
 */
export function simulate(options: SimulationOptions): SimulationReport {
  return new Simulation(options).run();
}

/** Runs one scenario once per picker, every picker facing the same arrivals and keys. */
export function compare(scenario: Scenario, pickers: Readonly<Record<string, PickerChoice>>): Comparison {
  const reports = Object.entries(pickers).map(([pickerName, picker]) =>
    simulate({ ...scenario, picker, pickerName }),
  );
  return { scenario: scenario.name ?? 'unnamed', seed: scenario.seed, reports };
}

// Independent random streams, so that the arrivals and keys do not depend on the picker's
// choices (every picker faces the same workload) and one instance's draws not on another's.
const ARRIVAL_STREAM = 1;
const CLIENT_STREAM = 2;
const KEY_STREAM = 3;
const INSTANCE_STREAMS = 1_000;
const PICKER_STREAMS = 1_000_000;

class Simulation {
  readonly #options: SimulationOptions;
  readonly #clock = new ManualClock(0);
  readonly #events = new EventQueue<Attempt>();
  readonly #instances: readonly Instance[];
  readonly #states = new Map<string, InstanceState>();
  readonly #clients: ClientState[];
  readonly #arrivalRandom: Random;
  readonly #clientRandom: Random;
  readonly #keyRandom: Random;
  readonly #service: string;
  readonly #keyHeader: string;
  readonly #maxAttempts: number;
  readonly #latencies: number[] = [];
  #succeeded = 0;
  #attempts = 0;

  constructor(options: SimulationOptions) {
    validate(options);
    this.#options = options;
    const { seed } = options;
    this.#instances = Object.freeze(options.instances.map((model) => model.instance));
    options.instances.forEach((model, index) => {
      this.#states.set(model.instance.id, new InstanceState(model, seededRandom(streamSeed(seed, INSTANCE_STREAMS + index))));
    });
    const clientCount = options.clients ?? 1;
    const shared = typeof options.picker === 'function' ? undefined : options.picker;
    this.#clients = Array.from({ length: clientCount }, (_, index) => {
      const random = seededRandom(streamSeed(seed, PICKER_STREAMS + index));
      const picker = shared ?? (options.picker as PickerFactory)({ clock: this.#clock, random });
      return { picker };
    });
    this.#arrivalRandom = seededRandom(streamSeed(seed, ARRIVAL_STREAM));
    this.#clientRandom = seededRandom(streamSeed(seed, CLIENT_STREAM));
    this.#keyRandom = seededRandom(streamSeed(seed, KEY_STREAM));
    this.#service = options.instances[0]?.instance.service ?? 'simulated';
    this.#keyHeader = (options.keyHeader ?? 'x-hash-key').toLowerCase();
    this.#maxAttempts = options.retry?.attempts ?? 1;
  }

  run(): SimulationReport {
    const { arrivals, durationMs } = this.#options;
    let arrivalAt = nextArrival(arrivals, 0, this.#arrivalRandom);
    while (true) {
      const completionAt = this.#events.peekTime();
      if (arrivalAt < durationMs && arrivalAt < completionAt) {
        this.#arrive(arrivalAt);
        arrivalAt = nextArrival(arrivals, arrivalAt, this.#arrivalRandom);
      } else {
        const attempt = this.#events.pop();
        if (attempt === undefined) break;
        this.#complete(attempt, completionAt);
      }
    }
    return this.#report();
  }

  #arrive(now: number): void {
    this.#clock.set(now);
    const client = this.#clients[Math.floor(this.#clientRandom() * this.#clients.length)] ?? this.#clients[0];
    if (client === undefined) return;
    const key = this.#options.keys?.(this.#keyRandom);
    this.#startAttempt({ arrivedAt: now, client, key, tried: undefined }, 1, now);
  }

  #startAttempt(request: RequestState, attemptNumber: number, now: number): void {
    const candidates =
      request.tried === undefined ? this.#instances : this.#instances.filter((instance) => !request.tried?.has(instance.id));
    const context = new SimulatedContext(this.#service, this.#keyHeader, request.key, attemptNumber, this.#instances);
    const { picker } = request.client;
    const instance = candidates.length === 0 ? undefined : picker.pick(candidates, context);
    if (instance === undefined) {
      this.#finish(request, false, now);
      return;
    }
    const state = this.#states.get(instance.id);
    if (state === undefined) {
      throw new InvalidOptionError('picker', `returned instance \`${instance.id}\`, which is not one of the instances it was given`);
    }
    picker.onRequestStart?.(instance, context);
    this.#attempts++;
    state.attempts++;
    const attempt: Attempt = { request, state, context, startedAt: now, fails: false };
    if (state.inFlight < state.concurrency) this.#serve(attempt, now);
    else state.queue.push(attempt);
  }

  #serve(attempt: Attempt, now: number): void {
    const { state } = attempt;
    const { model, random } = state;
    state.inFlight++;
    const phase = phaseAt(model.phases, now);
    const failureRate = phase?.failureRate ?? model.failureRate ?? 0;
    // Always draw, so an instance's latencies do not shift when its failure rate changes.
    attempt.fails = random() < failureRate;
    const latency = (attempt.fails ? model.failureLatency : undefined) ?? phase?.latency ?? model.latency;
    this.#events.push(now + Math.max(0, latency(random)), attempt);
  }

  #complete(attempt: Attempt, now: number): void {
    this.#clock.set(now);
    const { state, request, context } = attempt;
    state.inFlight--;
    if (attempt.fails) state.failures++;
    const result: RequestResult = {
      latencyMs: elapsed(attempt.startedAt, now),
      outcome: attempt.fails ? 'failure' : 'success',
      status: attempt.fails ? 503 : 200,
    };
    request.client.picker.onRequestEnd?.(state.model.instance, result, context);
    const waiting = state.queue.shift();
    if (waiting !== undefined) this.#serve(waiting, now);
    if (attempt.fails && context.attempt < this.#maxAttempts) {
      (request.tried ??= new Set()).add(state.model.instance.id);
      this.#startAttempt(request, context.attempt + 1, now);
    } else {
      this.#finish(request, !attempt.fails, now);
    }
  }

  #finish(request: RequestState, succeeded: boolean, now: number): void {
    this.#latencies.push(elapsed(request.arrivedAt, now));
    if (succeeded) this.#succeeded++;
  }

  #report(): SimulationReport {
    const sorted = Float64Array.from(this.#latencies).sort();
    const states = [...this.#states.values()];
    const requests = this.#latencies.length;
    const attempts = this.#attempts;
    const { picker, pickerName } = this.#options;
    return {
      picker: pickerName ?? (typeof picker === 'function' ? this.#clients[0]?.picker.name : picker.name) ?? 'custom',
      scenario: this.#options.name ?? 'unnamed',
      seed: this.#options.seed,
      requests,
      succeeded: this.#succeeded,
      successRate: requests === 0 ? 1 : this.#succeeded / requests,
      attempts,
      latency: summarizeLatency(sorted),
      latencyQuantiles: latencyQuantiles(sorted),
      instances: states.map((state) => ({
        id: state.model.instance.id,
        attempts: state.attempts,
        share: attempts === 0 ? 0 : state.attempts / attempts,
        failures: state.failures,
      })),
      imbalance: imbalance(states.map((state) => state.attempts)),
    };
  }
}

interface ClientState {
  readonly picker: Picker;
}

interface RequestState {
  readonly arrivedAt: number;
  readonly client: ClientState;
  readonly key: string | undefined;
  /** Instances this request already failed on; created on its first retry. */
  tried: Set<string> | undefined;
}

interface Attempt {
  readonly request: RequestState;
  readonly state: InstanceState;
  readonly context: SimulatedContext;
  readonly startedAt: number;
  fails: boolean;
}

class InstanceState {
  readonly concurrency: number;
  readonly queue = new AttemptQueue();
  inFlight = 0;
  attempts = 0;
  failures = 0;

  constructor(
    readonly model: InstanceModel,
    readonly random: Random,
  ) {
    this.concurrency = model.concurrency ?? Infinity;
  }
}

/** First in, first out, without `Array.shift`'s linear cost when an overloaded instance queues thousands. */
class AttemptQueue {
  #items: Attempt[] = [];
  #head = 0;

  push(attempt: Attempt): void {
    this.#items.push(attempt);
  }

  shift(): Attempt | undefined {
    const attempt = this.#items[this.#head];
    if (attempt === undefined) return undefined;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return attempt;
  }
}

class SimulatedContext implements PickContext {
  readonly method = 'GET';
  readonly url = '/simulated';

  constructor(
    readonly service: string,
    private readonly keyHeader: string,
    private readonly key: string | undefined,
    readonly attempt: number,
    /** The simulated fleet: it has no breakers, so its members are the instances a first attempt picks from. */
    readonly members: readonly Instance[],
  ) {}

  tried(): boolean {
    return false;
  }

  header(name: string): string | undefined {
    return name.toLowerCase() === this.keyHeader ? this.key : undefined;
  }
}

/**
 * Milliseconds between two simulated instants, to the nanosecond: event times are sums of
 * floating-point draws, and without rounding a fixed 7 ms would read 7.000000000000114.
 */
function elapsed(from: number, to: number): number {
  return Math.round((to - from) * 1e6) / 1e6;
}

function phaseAt(phases: readonly InstancePhase[] | undefined, now: number): InstancePhase | undefined {
  if (phases === undefined) return undefined;
  for (const phase of phases) {
    if (now >= phase.fromMs && now < phase.toMs) return phase;
  }
  return undefined;
}

/** Mixes the scenario's seed with a stream number into a seed of its own. */
function streamSeed(seed: number, stream: number): number {
  return mix32(Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream, 0x85ebca6b));
}

function validate(options: SimulationOptions): void {
  if (!Number.isInteger(options.seed)) {
    throw new InvalidOptionError('seed', `must be a whole number, got ${options.seed}`);
  }
  if (!(options.durationMs > 0) || !Number.isFinite(options.durationMs)) {
    throw new InvalidOptionError('durationMs', `must be a finite number of milliseconds above 0, got ${options.durationMs}`);
  }
  if (options.instances.length === 0) {
    throw new InvalidOptionError('instances', 'must list at least one instance model');
  }
  const ids = new Set<string>();
  for (const model of options.instances) {
    if (ids.has(model.instance.id)) {
      throw new InvalidOptionError('instances', `must have distinct ids; \`${model.instance.id}\` appears twice`);
    }
    ids.add(model.instance.id);
    const { concurrency, failureRate } = model;
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
      throw new InvalidOptionError(`instances[${model.instance.id}].concurrency`, `must be a whole number of at least 1, got ${concurrency}`);
    }
    if (failureRate !== undefined && !(failureRate >= 0 && failureRate <= 1)) {
      throw new InvalidOptionError(`instances[${model.instance.id}].failureRate`, `must be between 0 and 1, got ${failureRate}`);
    }
  }
  const clients = options.clients ?? 1;
  if (!Number.isInteger(clients) || clients < 1) {
    throw new InvalidOptionError('clients', `must be a whole number of at least 1, got ${clients}`);
  }
  const attempts = options.retry?.attempts ?? 1;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new InvalidOptionError('retry.attempts', `must be a whole number of at least 1 (1 means no retry), got ${attempts}`);
  }
}
