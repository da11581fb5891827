import { readFileSync } from 'node:fs';
import type { HedgeOptions, RetryOptions } from '../call/retry-options.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { BreakerOptions } from '../health/breaker-options.js';
import {
  describeValue,
  milliseconds,
  nonEmptyString,
  numberInRange,
  oneOf,
  rejectUnknownKeys,
  requireOptionsObject,
  wholeNumber,
} from '../options/option-checks.js';
import type { PickerName } from '../pickers/create-picker.js';
import type { Candidate } from './candidate.js';
import type { InstanceModel, InstancePhase, OutsideLoad } from './instance-model.js';
import { simulatedInstance } from './instance-model.js';
import type { LatencyDistribution } from './latency.js';
import { fixedLatency, lognormalLatency, normalLatency, scaledLatency, uniformLatency } from './latency.js';
import type { Scenario } from './scenario.js';
import { checkOutsideLoad, checkScenario, phaseKeys } from './scenario.js';
import type { KeyDistribution, Load } from './workload.js';
import { burstyArrivals, closedLoop, poissonArrivals, uniformKeys, zipfKeys } from './workload.js';

/**
 * Reads a scenario from a JSON file: a fleet, its load and the candidates to compare, as
 * `npm run simulate -- --scenario my-fleet.json` takes it. See {@link scenarioFromJson} for the format.
 */
export function readScenarioFile(path: string): Scenario {
  const text = readFileSync(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidOptionError('scenario', `file ${path} is not JSON: ${(error as Error).message}`);
  }
  return scenarioFromJson(json);
}

/**
 * A scenario from its JSON form, checked as strictly as `createClient` checks options: an unknown key
 * at any depth is refused with its full path (`instances[2].phases[0].latncy`), the valid keys and the
 * nearest one.
 *
 * ```json
 * {
 *   "name": "orders", "seed": 7, "durationMs": 60000,
 *   "load": { "kind": "poisson", "ratePerSecond": 800 },
 *   "clients": 20,
 *   "instances": [
 *     { "id": "orders", "count": 7, "latency": { "kind": "lognormal", "medianMs": 40, "sigma": 0.6 }, "concurrency": 16 },
 *     { "id": "orders-gc", "latency": { "kind": "lognormal", "medianMs": 40, "sigma": 0.6 }, "concurrency": 16,
 *       "phases": [{ "fromMs": 20000, "toMs": 40000, "latency": { "kind": "scaled", "factor": 5 } }] }
 *   ],
 *   "candidates": {
 *     "round-robin": { "picker": "round-robin" },
 *     "defaults": {},
 *     "hedged": { "hedge": { "delayMs": "p95" } }
 *   }
 * }
 * ```
 *
 * Latencies are `{ "kind": "fixed", "ms" }`, `{ "kind": "uniform", "minMs", "maxMs" }`,
 * `{ "kind": "normal", "meanMs", "stdDevMs" }` or `{ "kind": "lognormal", "medianMs", "sigma" }`, or a
 * bare number of ms; in a phase, `{ "kind": "scaled", "factor" }` scales the instance's own. Loads are
 * `{ "kind": "poisson", "ratePerSecond" }`, `{ "kind": "bursty", "baseRatePerSecond",
 * "burstRatePerSecond", "everyMs", "lengthMs" }` or `{ "kind": "closed-loop", "workers",
 * "ratePerSecond" }`. An instance with `"count": n` stands for n alike, `id-1` … `id-n`. A candidate's
 * `picker` is a built-in picker's name; its `breaker`, `retry`, `hedge` and `defaultDeadlineMs` are
 * `createClient`'s options.
 */
export function scenarioFromJson(json: unknown): Scenario {
  requireOptionsObject('scenario', json, '{ "durationMs": 10000, "load": {...}, "instances": [...], "candidates": {...} }');
  rejectUnknownKeys('', json, fileKeys);
  const file = json as Record<string, unknown>;
  const instances = instancesFrom(file.instances);
  const scenario: Scenario = {
    ...(file.name === undefined ? {} : { name: nonEmptyString('name', file.name, '"my-fleet"') }),
    ...(file.description === undefined ? {} : { description: nonEmptyString('description', file.description, '"one slow instance of ten"') }),
    seed: file.seed === undefined ? 1 : wholeNumber('seed', file.seed, 0, 2 ** 32 - 1),
    durationMs: milliseconds('durationMs', file.durationMs),
    load: loadFrom(file.load),
    instances,
    ...(file.clients === undefined ? {} : { clients: wholeNumber('clients', file.clients, 1, 10_000) }),
    ...(file.keys === undefined ? {} : { keys: keysFrom(file.keys) }),
    ...(file.keyHeader === undefined ? {} : { keyHeader: nonEmptyString('keyHeader', file.keyHeader, '"x-user-id"') }),
    candidates: candidatesFrom(file.candidates),
  };
  checkScenario(scenario);
  return scenario;
}

const fileKeys = ['name', 'description', 'seed', 'durationMs', 'load', 'clients', 'keys', 'keyHeader', 'instances', 'candidates'] as const;
const instanceKeys = [
  'id',
  'count',
  'service',
  'weight',
  'zone',
  'tags',
  'meta',
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
const candidateKeys = ['picker', 'breaker', 'retry', 'hedge', 'defaultDeadlineMs'] as const;
const pickerNamesInFiles = ['round-robin', 'random', 'weighted-round-robin', 'least-request', 'p2c-ewma', 'server-load', 'consistent-hash'] as const;

function loadFrom(value: unknown): Load {
  const spec = kindOf('load', value, ['poisson', 'bursty', 'closed-loop'], '{ "kind": "poisson", "ratePerSecond": 500 }');
  switch (spec.kind) {
    case 'poisson':
      rejectUnknownKeys('load', spec.object, ['kind', 'ratePerSecond']);
      return poissonArrivals(rate('load.ratePerSecond', spec.object.ratePerSecond));
    case 'bursty':
      rejectUnknownKeys('load', spec.object, ['kind', 'baseRatePerSecond', 'burstRatePerSecond', 'everyMs', 'lengthMs']);
      return burstyArrivals({
        baseRatePerSecond: rate('load.baseRatePerSecond', spec.object.baseRatePerSecond),
        burstRatePerSecond: rate('load.burstRatePerSecond', spec.object.burstRatePerSecond),
        everyMs: milliseconds('load.everyMs', spec.object.everyMs),
        lengthMs: milliseconds('load.lengthMs', spec.object.lengthMs),
      });
    default:
      rejectUnknownKeys('load', spec.object, ['kind', 'workers', 'ratePerSecond']);
      return closedLoop({
        workers: wholeNumber('load.workers', spec.object.workers, 1, 100_000),
        ratePerSecond: rate('load.ratePerSecond', spec.object.ratePerSecond),
      });
  }
}

function booleanOption(path: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidOptionError(path, `must be true or false; got ${describeValue(value)}`);
  return value;
}

function outsideLoadFrom(path: string, value: unknown): OutsideLoad {
  checkOutsideLoad(path, value as OutsideLoad);
  return value as OutsideLoad;
}

function keysFrom(value: unknown): KeyDistribution {
  const spec = kindOf('keys', value, ['uniform', 'zipf'], '{ "kind": "zipf", "count": 1000, "exponent": 1 }');
  if (spec.kind === 'uniform') {
    rejectUnknownKeys('keys', spec.object, ['kind', 'count']);
    return uniformKeys(wholeNumber('keys.count', spec.object.count, 1));
  }
  rejectUnknownKeys('keys', spec.object, ['kind', 'count', 'exponent']);
  const exponent = spec.object.exponent === undefined ? 1 : numberInRange('keys.exponent', spec.object.exponent, Number.EPSILON, 10, 'an exponent');
  return zipfKeys(wholeNumber('keys.count', spec.object.count, 1), exponent);
}

function instancesFrom(value: unknown): InstanceModel[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidOptionError('instances', `must be a non-empty array of instances such as [{ "id": "web", "count": 3, "latency": 20 }]; got ${describeValue(value)}`);
  }
  const models: InstanceModel[] = [];
  value.forEach((entry: unknown, position) => {
    const path = `instances[${position}]`;
    requireOptionsObject(path, entry, '{ "id": "web", "latency": { "kind": "lognormal", "medianMs": 20, "sigma": 0.5 } }');
    rejectUnknownKeys(path, entry, instanceKeys);
    const spec = entry as Record<string, unknown>;
    const id = nonEmptyString(`${path}.id`, spec.id, '"web"');
    const count = spec.count === undefined ? undefined : wholeNumber(`${path}.count`, spec.count, 1, 10_000);
    const latency = latencyFrom(`${path}.latency`, spec.latency, undefined);
    const behaviour = {
      latency,
      ...(spec.concurrency === undefined ? {} : { concurrency: wholeNumber(`${path}.concurrency`, spec.concurrency, 1) }),
      ...(spec.failureLatency === undefined ? {} : { failureLatency: latencyFrom(`${path}.failureLatency`, spec.failureLatency, undefined) }),
      ...rates(path, spec),
      ...(spec.phases === undefined ? {} : { phases: phasesFrom(`${path}.phases`, spec.phases, latency) }),
      ...(spec.reportsLoad === undefined ? {} : { reportsLoad: booleanOption(`${path}.reportsLoad`, spec.reportsLoad) }),
      ...(spec.outsideLoad === undefined ? {} : { outsideLoad: outsideLoadFrom(`${path}.outsideLoad`, spec.outsideLoad) }),
    };
    const options = {
      ...(spec.service === undefined ? {} : { service: nonEmptyString(`${path}.service`, spec.service, '"orders"') }),
      ...(spec.weight === undefined ? {} : { weight: numberInRange(`${path}.weight`, spec.weight, 0, 1e6, 'a weight') }),
      ...(spec.zone === undefined ? {} : { zone: nonEmptyString(`${path}.zone`, spec.zone, '"eu-west-1a"') }),
      ...(spec.tags === undefined ? {} : { tags: stringList(`${path}.tags`, spec.tags) }),
      ...(spec.meta === undefined ? {} : { meta: stringRecord(`${path}.meta`, spec.meta) }),
    };
    const ids = count === undefined ? [id] : Array.from({ length: count }, (_, n) => `${id}-${n + 1}`);
    for (const each of ids) models.push({ instance: simulatedInstance({ id: each, ...options }, models.length), ...behaviour });
  });
  return models;
}

function phasesFrom(path: string, value: unknown, base: LatencyDistribution): InstancePhase[] {
  if (!Array.isArray(value)) throw new InvalidOptionError(path, `must be an array of phases such as [{ "fromMs": 10000, "toMs": 20000, "failureRate": 0.5 }]; got ${describeValue(value)}`);
  return value.map((entry: unknown, index) => {
    const at = `${path}[${index}]`;
    requireOptionsObject(at, entry, '{ "fromMs": 10000, "toMs": 20000, "hangRate": 1 }');
    rejectUnknownKeys(at, entry, phaseKeys);
    const spec = entry as Record<string, unknown>;
    return {
      fromMs: numberInRange(`${at}.fromMs`, spec.fromMs, 0, Number.MAX_SAFE_INTEGER, 'a time in ms from the start of the run'),
      ...(spec.toMs === undefined ? {} : { toMs: numberInRange(`${at}.toMs`, spec.toMs, 0, Number.MAX_SAFE_INTEGER, 'a time in ms from the start of the run') }),
      ...(spec.latency === undefined ? {} : { latency: latencyFrom(`${at}.latency`, spec.latency, base) }),
      ...rates(at, spec),
    };
  });
}

function rates(path: string, spec: Record<string, unknown>): Partial<InstancePhase> {
  const shares: Partial<Record<'failureRate' | 'resetRate' | 'refusalRate' | 'hangRate', number>> = {};
  for (const key of ['failureRate', 'resetRate', 'refusalRate', 'hangRate'] as const) {
    if (spec[key] !== undefined) shares[key] = numberInRange(`${path}.${key}`, spec[key], 0, 1, 'a share of attempts');
  }
  return {
    ...shares,
    ...(spec.failureStatus === undefined ? {} : { failureStatus: wholeNumber(`${path}.failureStatus`, spec.failureStatus, 400, 599) }),
  };
}

/** @param base the instance's own latency, which a phase may scale; `undefined` outside phases */
function latencyFrom(path: string, value: unknown, base: LatencyDistribution | undefined): LatencyDistribution {
  if (typeof value === 'number') return fixedLatency(numberInRange(path, value, 0, Number.MAX_SAFE_INTEGER, 'a latency in ms'));
  const kinds = base === undefined ? (['fixed', 'uniform', 'normal', 'lognormal'] as const) : (['fixed', 'uniform', 'normal', 'lognormal', 'scaled'] as const);
  const spec = kindOf(path, value, kinds, '{ "kind": "lognormal", "medianMs": 20, "sigma": 0.5 }');
  const field = (key: string, min = 0): number => numberInRange(`${path}.${key}`, spec.object[key], min, Number.MAX_SAFE_INTEGER, 'a number');
  switch (spec.kind) {
    case 'fixed':
      rejectUnknownKeys(path, spec.object, ['kind', 'ms']);
      return fixedLatency(field('ms'));
    case 'uniform':
      rejectUnknownKeys(path, spec.object, ['kind', 'minMs', 'maxMs']);
      return atPath(path, () => uniformLatency(field('minMs'), field('maxMs')));
    case 'normal':
      rejectUnknownKeys(path, spec.object, ['kind', 'meanMs', 'stdDevMs']);
      return normalLatency(field('meanMs'), field('stdDevMs'));
    case 'lognormal':
      rejectUnknownKeys(path, spec.object, ['kind', 'medianMs', 'sigma']);
      return lognormalLatency(field('medianMs', Number.MIN_VALUE), field('sigma'));
    default:
      rejectUnknownKeys(path, spec.object, ['kind', 'factor']);
      return scaledLatency(base as LatencyDistribution, field('factor'));
  }
}

function candidatesFrom(value: unknown): Record<string, Candidate> {
  requireOptionsObject('candidates', value, '{ "round-robin": { "picker": "round-robin" }, "defaults": {} }');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) throw new InvalidOptionError('candidates', 'must name at least one candidate, such as { "defaults": {} }');
  return Object.fromEntries(
    entries.map(([name, entry]) => {
      const path = `candidates.${name}`;
      requireOptionsObject(path, entry, '{ "picker": "round-robin", "retry": false }');
      rejectUnknownKeys(path, entry, candidateKeys);
      const spec = entry as Record<string, unknown>;
      const candidate: Candidate = {
        ...(spec.picker === undefined ? {} : { picker: pickerFrom(`${path}.picker`, spec.picker) }),
        ...(spec.breaker === undefined ? {} : { breaker: spec.breaker as BreakerOptions | false }),
        ...(spec.retry === undefined ? {} : { retry: spec.retry as RetryOptions | false }),
        ...(spec.hedge === undefined ? {} : { hedge: spec.hedge as HedgeOptions | false }),
        ...(spec.defaultDeadlineMs === undefined ? {} : { defaultDeadlineMs: spec.defaultDeadlineMs as number | false }),
      };
      return [name, candidate];
    }),
  );
}

/** Built-in pickers by name; `locality` needs the caller's zone, which only code can give per client. */
function pickerFrom(path: string, value: unknown): PickerName {
  if (value === 'locality') {
    throw new InvalidOptionError(path, "'locality' needs each client's zone: describe this candidate in code, with a factory (base, client) => locality({ ...base, zone })");
  }
  return oneOf(path, value, pickerNamesInFiles);
}

/** An object with a `kind` among `kinds`, checked with did-you-mean. */
function kindOf<K extends string>(path: string, value: unknown, kinds: readonly K[], example: string): { kind: K; object: Record<string, unknown> } {
  requireOptionsObject(path, value, example);
  const object = value as Record<string, unknown>;
  if (object.kind === undefined) throw new InvalidOptionError(`${path}.kind`, `is required: one of ${kinds.map((kind) => `'${kind}'`).join(', ')}`);
  return { kind: oneOf(`${path}.kind`, object.kind, kinds), object };
}

function rate(path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(path, `must be a rate in requests per second above 0; got ${describeValue(value)}`);
  }
  return value;
}

function stringList(path: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new InvalidOptionError(path, `must be an array of strings such as ["canary"]; got ${describeValue(value)}`);
  }
  return value as string[];
}

function stringRecord(path: string, value: unknown): Record<string, string> {
  requireOptionsObject(path, value, '{ "version": "2.1" }');
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (typeof item !== 'string') throw new InvalidOptionError(`${path}.${key}`, `must be a string; got ${describeValue(item)}`);
  }
  return value as Record<string, string>;
}

/** The latency helpers name their own arguments (`uniformLatency(maxMs)`); in a file the path says more. */
function atPath<T>(path: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof InvalidOptionError)) throw error;
    const lead = `proxyless: option \`${error.option}\` `;
    throw new InvalidOptionError(path, error.message.startsWith(lead) ? error.message.slice(lead.length) : error.message);
  }
}
