import type { CallRequest } from '../call/call.js';
import { seededRandom } from '../clock.js';
import type { Random, Scheduler } from '../clock.js';
import { Balancer } from '../client/balancer.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { mix32 } from '../pickers/hash.js';
import type { OutgoingRequest } from '../transport/outgoing-request.js';
import type { Candidate, ResolvedCandidate } from './candidate.js';
import { resolveCandidate } from './candidate.js';
import { fleetDiscovery } from './fleet-discovery.js';
import { Measurements } from './measurements.js';
import type { SimulationReport } from './report.js';
import type { PublishedReference, Scenario } from './scenario.js';
import { checkScenario } from './scenario.js';
import { SimulatedInstance } from './simulated-instance.js';
import { SimulatedTime } from './simulated-time.js';
import { SimulatedTransport } from './simulated-transport.js';
import { isClosedLoop, nextArrival } from './workload.js';
import type { ArrivalProcess, ClosedLoopLoad } from './workload.js';

/** The reports of several candidates on one scenario, in the order they were given. */
export interface Comparison {
  readonly scenario: string;
  readonly description?: string;
  readonly seed: number;
  readonly reports: readonly SimulationReport[];
  /** The scenario's published figures, when it reproduces an experiment. */
  readonly reference?: PublishedReference;
}

/**
 * Runs `scenario` once with one candidate's settings: a fleet of real clients — the `Call` and
 * `InstanceHealth` that `createClient` runs, with their deadlines, retries, budgets, backoff, breakers,
 * ejection cap, panic and hedging — sends the scenario's load to simulated instances on simulated time.
 * A run of simulated minutes takes about a second, and the same seed always gives the same report.
 *
 * @param name the candidate's name in the report
 */
export async function simulate(scenario: Scenario, candidate: Candidate = {}, name = 'candidate'): Promise<SimulationReport> {
  checkScenario(scenario);
  return new Simulation(scenario, resolveCandidate(`candidates.${name}`, candidate), name).run();
}

/**
 * Runs one scenario once per candidate — by default the scenario's own `candidates` — every candidate
 * facing the same arrivals, keys and instance behaviour.
 */
export async function compare(scenario: Scenario, candidates: Readonly<Record<string, Candidate>> | undefined = scenario.candidates): Promise<Comparison> {
  checkScenario(scenario);
  if (candidates === undefined || Object.keys(candidates).length === 0) {
    throw new InvalidOptionError('candidates', "must name at least one candidate to compare, such as { 'round-robin': { picker: 'round-robin' } }");
  }
  // Every candidate is checked before the first runs: a mistake in the last is reported at once.
  const resolved = Object.entries(candidates).map(([name, candidate]) => [name, resolveCandidate(`candidates.${name}`, candidate)] as const);
  const reports: SimulationReport[] = [];
  for (const [name, candidate] of resolved) reports.push(await new Simulation(scenario, candidate, name).run());
  return {
    scenario: scenario.name ?? 'unnamed',
    ...(scenario.description === undefined ? {} : { description: scenario.description }),
    seed: scenario.seed,
    reports,
    ...(scenario.reference === undefined ? {} : { reference: scenario.reference }),
  };
}

// Independent random streams, so that the load does not depend on the candidate's choices (every
// candidate faces the same requests) and no instance's draws depend on another's.
const ARRIVAL_STREAM = 1;
const CLIENT_STREAM = 2;
const KEY_STREAM = 3;
const WORKER_STREAM = 4;
const INSTANCE_STREAMS = 1_000;
const OUTSIDE_STREAMS = 500_000;
const PICKER_STREAMS = 1_000_000;
const CALL_STREAMS = 2_000_000;

/**
 * A request whose answer has not come yet, in a doubly linked list of them: adding and removing costs
 * two pointer writes, where a `Set` would hash every request.
 */
class Pending {
  previous: Pending | undefined;
  next: Pending | undefined;

  constructor(readonly sentAt: number) {}
}

class PendingList {
  #head: Pending | undefined;

  add(pending: Pending): void {
    pending.next = this.#head;
    if (this.#head !== undefined) this.#head.previous = pending;
    this.#head = pending;
  }

  remove(pending: Pending): void {
    if (pending.previous === undefined) this.#head = pending.next;
    else pending.previous.next = pending.next;
    if (pending.next !== undefined) pending.next.previous = pending.previous;
  }

  /** Oldest first. */
  toArray(): Pending[] {
    const all: Pending[] = [];
    for (let each = this.#head; each !== undefined; each = each.next) all.push(each);
    return all.reverse();
  }
}

class Simulation {
  readonly #scenario: Scenario;
  readonly #candidate: ResolvedCandidate;
  readonly #name: string;
  readonly #time = new SimulatedTime();
  readonly #instances: readonly SimulatedInstance[];
  readonly #measurements: Measurements;
  readonly #transport: SimulatedTransport;
  readonly #clients: readonly Balancer[];
  readonly #pickerName: string;
  readonly #pending = new PendingList();
  readonly #clientRandom: Random;
  readonly #keyRandom: Random;
  readonly #keyHeader: string;
  readonly #noHeaders = Object.freeze({});
  readonly #plainRequest: OutgoingRequest = Object.freeze({
    method: 'GET',
    path: '/',
    headers: this.#noHeaders,
    body: undefined,
    responseType: 'buffer',
    maxResponseBytes: Infinity,
    decompress: false,
  });
  #ended = false;

  constructor(scenario: Scenario, candidate: ResolvedCandidate, name: string) {
    this.#scenario = scenario;
    this.#candidate = candidate;
    this.#name = name;
    const { seed } = scenario;
    const time = this.#time;
    this.#instances = scenario.instances.map(
      (model, index) => new SimulatedInstance(model, index, time, seededRandom(streamSeed(seed, INSTANCE_STREAMS + index))),
    );
    this.#measurements = new Measurements(
      scenario.durationMs,
      scenario.instances.map((model) => model.instance.id),
    );
    this.#transport = new SimulatedTransport(this.#instances, (instance) => this.#measurements.attemptSent(instance.index, time.now()));
    const fleet = scenario.instances.map((model) => model.instance);
    const service = fleet[0]?.service ?? 'simulated';
    // The calls' timers: when one fires, the transport looks for the attempts it may have aborted.
    const callTimers: Scheduler = {
      now: () => time.now(),
      delay: (callback, ms) =>
        time.delay(() => {
          this.#transport.timerFired();
          callback();
        }, ms),
    };
    time.afterSettle = () => this.#transport.sweep();
    const pickers = Array.from({ length: scenario.clients ?? 1 }, (_, index) =>
      candidate.newPicker({ clock: time, random: seededRandom(streamSeed(seed, PICKER_STREAMS + index)) }, index),
    );
    this.#pickerName = pickers[0]?.name ?? 'custom';
    this.#clients = pickers.map((picker, index) => {
      const client = new Balancer({
        service,
        discovery: fleetDiscovery(fleet),
        picker,
        breaker: candidate.breaker,
        retry: candidate.retry,
        hedge: candidate.hedge,
        transport: this.#transport,
        discoveryTimeoutMs: 10_000,
        scheduler: callTimers,
        backgroundScheduler: time.background,
        clock: time,
        random: seededRandom(streamSeed(seed, CALL_STREAMS + index)),
      });
      client.events.on('breakerOpened', ({ instance }) => this.#measurements.breakerOpened(instance.id));
      return client;
    });
    this.#clientRandom = seededRandom(streamSeed(seed, CLIENT_STREAM));
    this.#keyRandom = seededRandom(streamSeed(seed, KEY_STREAM));
    this.#keyHeader = (scenario.keyHeader ?? 'x-hash-key').toLowerCase();
  }

  async run(): Promise<SimulationReport> {
    const load = this.#scenario.load;
    if (isClosedLoop(load)) this.#startWorkers(load);
    else this.#startArrivals(load);
    this.#startOutsideLoad();
    await this.#time.run();
    // Nothing left could answer the requests still waiting: their instance hung and no deadline is set.
    this.#ended = true;
    for (const pending of this.#pending.toArray()) this.#measurements.neverAnswered(pending.sentAt);
    await this.#close();
    return this.#measurements.report(
      { candidate: this.#name, picker: this.#pickerName, scenario: this.#scenario.name ?? 'unnamed', seed: this.#scenario.seed },
      this.#instances.map((instance) => instance.failures),
      this.#instances.map((instance) => instance.meanInFlight(this.#scenario.durationMs)),
    );
  }

  #startArrivals(arrivals: ArrivalProcess): void {
    const random = seededRandom(streamSeed(this.#scenario.seed, ARRIVAL_STREAM));
    const durationMs = this.#scenario.durationMs;
    const arrive = (): boolean => {
      const next = nextArrival(arrivals, this.#time.now(), random);
      if (next < durationMs) this.#time.at(next, arrive);
      return this.#send(undefined);
    };
    const first = nextArrival(arrivals, 0, random);
    if (first < durationMs) this.#time.at(first, arrive);
  }

  /** Arrivals at instances from callers outside the simulated clients (Poisson, at each model's rate). */
  #startOutsideLoad(): void {
    const durationMs = this.#scenario.durationMs;
    for (const instance of this.#instances) {
      const outside = instance.model.outsideLoad;
      if (outside === undefined || outside.ratePerSecond <= 0) continue;
      const random = seededRandom(streamSeed(this.#scenario.seed, OUTSIDE_STREAMS + instance.index));
      const endMs = Math.min(outside.toMs ?? durationMs, durationMs);
      const meanGapMs = 1000 / outside.ratePerSecond;
      const gap = (): number => -Math.log(1 - random()) * meanGapMs;
      const arrive = (): boolean => {
        const next = this.#time.now() + gap();
        if (next < endMs) this.#time.at(next, arrive);
        instance.acceptOutside();
        return false;
      };
      const first = (outside.fromMs ?? 0) + gap();
      if (first < endMs) this.#time.at(first, arrive);
    }
  }

  #startWorkers(load: ClosedLoopLoad): void {
    const random = seededRandom(streamSeed(this.#scenario.seed, WORKER_STREAM));
    const durationMs = this.#scenario.durationMs;
    const tickMs = 1000 / load.ratePerSecond;
    for (let index = 0; index < load.workers; index++) {
      const worker = { busy: false, missed: false };
      const done = (): void => {
        worker.busy = false;
        if (!worker.missed || this.#time.now() >= durationMs) return;
        worker.missed = false;
        worker.busy = true;
        this.#send(done);
      };
      const tick = (): boolean => {
        const next = this.#time.now() + tickMs;
        if (next < durationMs) this.#time.at(next, tick);
        if (worker.busy) {
          worker.missed = true;
          return false;
        }
        worker.busy = true;
        return this.#send(done);
      };
      this.#time.at(random() * tickMs, tick);
    }
  }

  /**
   * Sends one request through a client chosen at random; returns whether it may have settled a promise
   * already — when no attempt went out, the call ended at once.
   */
  #send(whenAnswered: (() => void) | undefined): boolean {
    const clients = this.#clients;
    const client = clients[Math.floor(this.#clientRandom() * clients.length)] as Balancer;
    const key = this.#scenario.keys?.(this.#keyRandom);
    // A request object of its own: the transport tells a call's attempts by it.
    const request = { ...this.#plainRequest, headers: key === undefined ? this.#noHeaders : { [this.#keyHeader]: key } };
    const call: CallRequest = { request, url: '/', deadlineMs: this.#candidate.deadlineMs, signal: undefined };
    const pending = new Pending(this.#time.now());
    const sentBefore = this.#transport.sent;
    this.#pending.add(pending);
    void client.call(call).then((result) => {
      if (this.#ended) return;
      this.#pending.remove(pending);
      this.#measurements.requestEnded(pending.sentAt, this.#time.now(), result);
      whenAnswered?.();
    });
    return this.#transport.sent === sentBefore;
  }

  /** Closes every client as an application would, cancelling what still waits, and lets them finish. */
  async #close(): Promise<void> {
    const closing = this.#clients.map((client) => client.close({ timeoutMs: 0 }));
    await this.#time.runDue();
    await Promise.all(closing);
  }
}

/** Mixes the scenario's seed with a stream number into a seed of its own. */
function streamSeed(seed: number, stream: number): number {
  return mix32(Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream, 0x85ebca6b));
}
