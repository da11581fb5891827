import { InvalidOptionError } from '../errors/invalid-option-error.js';
import {
  describeValue,
  functionOption,
  milliseconds,
  nonEmptyString,
  numberInRange,
  rejectUnknownKeys,
  requireOptionsObject,
  wholeNumber,
} from '../options/option-checks.js';
import type { Candidate } from './candidate.js';
import { resolveCandidate } from './candidate.js';
import type { Claim } from './claim.js';
import type { InstanceModel, InstancePhase, OutsideLoad } from './instance-model.js';
import type { KeyDistribution, Load } from './workload.js';
import { isClosedLoop } from './workload.js';

/**
 * A fleet and a load to replay against it, and the client settings to compare on it. Plain data: spread
 * a shipped one to change it (`{ ...scenarios['one-slow'], seed: 7 }`).
 */
export interface Scenario {
  /** Shown in reports and chart titles. */
  readonly name?: string;
  readonly description?: string;
  /** Every random choice derives from it: the same seed gives the same report. */
  readonly seed: number;
  /** Requests are sent from 0 to this simulated time; those under way then still complete. */
  readonly durationMs: number;
  /** Open-loop arrivals (`poissonArrivals`, `burstyArrivals`) or closed-loop workers (`closedLoop`). */
  readonly load: Load;
  readonly instances: readonly InstanceModel[];
  /**
   * How many clients share the load, each a client of its own (its own picker, breakers, retry budget),
   * as a fleet of callers would; each request goes to one of them at random. Defaults to 1.
   */
  readonly clients?: number;
  /** The key each request carries in `keyHeader`, for consistent-hash pickers. None by default. */
  readonly keys?: KeyDistribution;
  /** Defaults to `x-hash-key`. */
  readonly keyHeader?: string;
  /** The settings `compare` tries when it is given none, by name. */
  readonly candidates?: Readonly<Record<string, Candidate>>;
  /** For a scenario that reproduces a published experiment: the figures it published. */
  readonly reference?: PublishedReference;
  /** What the scenario shows, checked on every comparison of its own candidates (see `checkClaims`). */
  readonly claims?: readonly Claim[];
}

/** Figures someone else published for the experiment a scenario reproduces. */
export interface PublishedReference {
  /** Who published what, and when: `Linkerd, "Beyond Round Robin: Load Balancing for Latency" (2016)`. */
  readonly source: string;
  readonly url: string;
  /** The published figures, by the name of the candidate that stands for each published setting. */
  readonly figures: Readonly<Record<string, PublishedFigures>>;
}

/** Latencies in ms; rates 0 to 1. */
export interface PublishedFigures {
  readonly successRate?: number;
  readonly p50?: number;
  readonly p95?: number;
  readonly p99?: number;
  readonly requestsPerSecond?: number;
}

const scenarioKeys = [
  'name',
  'description',
  'seed',
  'durationMs',
  'load',
  'instances',
  'clients',
  'keys',
  'keyHeader',
  'candidates',
  'reference',
  'claims',
] as const;
const modelKeys = [
  'instance',
  'latency',
  'concurrency',
  'failureRate',
  'failureStatus',
  'failureLatency',
  'resetRate',
  'refusalRate',
  'hangRate',
  'phases',
  'reportsLoad',
  'outsideLoad',
] as const;
/** The keys of a phase, in code and in scenario files alike. */
export const phaseKeys = ['fromMs', 'toMs', 'latency', 'failureRate', 'failureStatus', 'resetRate', 'refusalRate', 'hangRate'] as const;

/**
 * Checks a scenario as `createClient` checks its options: at every depth, unknown keys are refused with
 * their full path and the nearest valid key, and every value is checked for kind and range.
 */
export function checkScenario(scenario: Scenario): void {
  requireOptionsObject('scenario', scenario, '{ seed: 1, durationMs: 10000, load: poissonArrivals(500), instances: [...] }');
  rejectUnknownKeys('', scenario, scenarioKeys);
  if (scenario.name !== undefined) nonEmptyString('name', scenario.name, "'my-fleet'");
  wholeNumber('seed', scenario.seed, 0, 2 ** 32 - 1);
  milliseconds('durationMs', scenario.durationMs);
  checkLoad(scenario.load);
  if (!Array.isArray(scenario.instances) || scenario.instances.length === 0) {
    throw new InvalidOptionError('instances', `must be a non-empty array of instance models; got ${describeValue(scenario.instances)}`);
  }
  const ids = new Set<string>();
  scenario.instances.forEach((model, index) => {
    const path = `instances[${index}]`;
    checkModel(path, model);
    if (ids.has(model.instance.id)) throw new InvalidOptionError(`${path}.instance.id`, `must be unique; \`${model.instance.id}\` appears twice`);
    ids.add(model.instance.id);
  });
  if (scenario.clients !== undefined) wholeNumber('clients', scenario.clients, 1, 10_000);
  if (scenario.keys !== undefined) functionOption('keys', scenario.keys, '(random) => string, such as uniformKeys(1000)');
  if (scenario.keyHeader !== undefined) nonEmptyString('keyHeader', scenario.keyHeader, "'x-hash-key'");
  if (scenario.candidates !== undefined) {
    requireOptionsObject('candidates', scenario.candidates, "{ 'round-robin': { picker: 'round-robin' } }");
    for (const [name, candidate] of Object.entries(scenario.candidates)) resolveCandidate(`candidates.${name}`, candidate);
  }
  if (scenario.claims !== undefined && !Array.isArray(scenario.claims)) {
    throw new InvalidOptionError('claims', `must be an array of claims; got ${describeValue(scenario.claims)}`);
  }
}

function checkLoad(load: Load): void {
  requireOptionsObject('load', load, 'poissonArrivals(500) or closedLoop({ workers: 50, ratePerSecond: 10 })');
  if (isClosedLoop(load)) {
    wholeNumber('load.workers', load.workers, 1, 100_000);
    positiveRate('load.ratePerSecond', load.ratePerSecond);
    return;
  }
  positiveRate('load.peakRatePerSecond', load.peakRatePerSecond);
  functionOption('load.rateAt', load.rateAt, '(ms) => requests per second');
}

function checkModel(path: string, model: InstanceModel): void {
  requireOptionsObject(path, model, '{ instance: simulatedInstance({ id }), latency: lognormalLatency(10, 0.4) }');
  rejectUnknownKeys(path, model, modelKeys);
  requireOptionsObject(`${path}.instance`, model.instance, "simulatedInstance({ id: 'web-1' })");
  nonEmptyString(`${path}.instance.id`, model.instance.id, "'web-1'");
  functionOption(`${path}.latency`, model.latency, '(random) => milliseconds, such as lognormalLatency(10, 0.4)');
  if (model.failureLatency !== undefined) functionOption(`${path}.failureLatency`, model.failureLatency, '(random) => milliseconds');
  if (model.concurrency !== undefined) wholeNumber(`${path}.concurrency`, model.concurrency, 1);
  if (model.reportsLoad !== undefined && typeof model.reportsLoad !== 'boolean') {
    throw new InvalidOptionError(`${path}.reportsLoad`, `must be true or false; got ${describeValue(model.reportsLoad)}`);
  }
  if (model.outsideLoad !== undefined) checkOutsideLoad(`${path}.outsideLoad`, model.outsideLoad);
  checkBehaviour(path, model);
  if (model.phases === undefined) return;
  if (!Array.isArray(model.phases)) throw new InvalidOptionError(`${path}.phases`, `must be an array of phases; got ${describeValue(model.phases)}`);
  model.phases.forEach((phase: InstancePhase, index) => {
    const at = `${path}.phases[${index}]`;
    requireOptionsObject(at, phase, '{ fromMs: 10000, toMs: 40000, failureRate: 0.5 }');
    rejectUnknownKeys(at, phase, phaseKeys);
    numberInRange(`${at}.fromMs`, phase.fromMs, 0, Number.MAX_SAFE_INTEGER, 'a time in ms from the start of the run');
    if (phase.toMs !== undefined) numberInRange(`${at}.toMs`, phase.toMs, phase.fromMs, Number.MAX_SAFE_INTEGER, `a time in ms, at least fromMs (${phase.fromMs})`);
    if (phase.latency !== undefined) functionOption(`${at}.latency`, phase.latency, '(random) => milliseconds');
    checkBehaviour(at, {
      hangRate: phase.hangRate ?? model.hangRate,
      resetRate: phase.resetRate ?? model.resetRate,
      failureRate: phase.failureRate ?? model.failureRate,
      refusalRate: phase.refusalRate,
      failureStatus: phase.failureStatus,
    });
  });
}

export function checkOutsideLoad(path: string, load: OutsideLoad): void {
  requireOptionsObject(path, load, '{ ratePerSecond: 200, fromMs: 10000, toMs: 20000 }');
  rejectUnknownKeys(path, load, ['ratePerSecond', 'fromMs', 'toMs']);
  numberInRange(`${path}.ratePerSecond`, load.ratePerSecond, 0, 1e7, 'requests per second');
  const fromMs = load.fromMs ?? 0;
  if (load.fromMs !== undefined) numberInRange(`${path}.fromMs`, load.fromMs, 0, Number.MAX_SAFE_INTEGER, 'a time in ms from the start of the run');
  if (load.toMs !== undefined) numberInRange(`${path}.toMs`, load.toMs, fromMs, Number.MAX_SAFE_INTEGER, `a time in ms, at least fromMs (${fromMs})`);
}

type Behaviour = Pick<InstanceModel, 'failureRate' | 'failureStatus' | 'resetRate' | 'refusalRate' | 'hangRate'>;

/** Rates are shares of attempts; those drawn together (hang, reset, error status) cannot add up past 1. */
function checkBehaviour(path: string, behaviour: Behaviour): void {
  for (const rate of ['failureRate', 'resetRate', 'refusalRate', 'hangRate'] as const) {
    const value = behaviour[rate];
    if (value !== undefined) numberInRange(`${path}.${rate}`, value, 0, 1, 'a share of attempts');
  }
  if (behaviour.failureStatus !== undefined) wholeNumber(`${path}.failureStatus`, behaviour.failureStatus, 400, 599);
  const together = (behaviour.hangRate ?? 0) + (behaviour.resetRate ?? 0) + (behaviour.failureRate ?? 0);
  if (together > 1 + 1e-9) {
    throw new InvalidOptionError(`${path}.failureRate`, `with hangRate and resetRate adds up to ${together}; together they are shares of the same attempts and must not exceed 1`);
  }
}

function positiveRate(path: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(path, `must be a rate in requests per second above 0; got ${describeValue(value)}`);
  }
}
