import { EventEmitter } from 'node:events';
import type { Scheduler, Timer } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import type { ResolvedBreakerOptions } from './breaker-options.js';
import { InstanceBreaker, type Admission, type BreakerHost, type BreakerState } from './instance-breaker.js';
import { outliers, type ResolvedOutlierDetection } from './outlier-detection.js';

/** What the rest of the client hears from the health layer. */
export interface HealthListener {
  breakerChanged(instance: Instance, state: BreakerState): void;
  /** Outlier detection took `instance` out for `forMs` (`true`), or returned it (`false`). */
  ejectionChanged(instance: Instance, ejected: boolean, forMs: number): void;
  /** Panic began (`true`) or ended: too few instances were available, so all of them are routed to. */
  panicChanged(panicking: boolean, available: number, members: number): void;
}

/**
 * An instance as the health layer sees it: taking traffic, out by its breaker (`open`) or by outlier
 * detection (`ejected`), or taking its trials (`half-open`).
 */
export type InstanceState = 'healthy' | 'open' | 'half-open' | 'ejected';

/** What the health layer keeps of one instance, by id: it outlives the instance object and, for a while, its membership. */
class InstanceRecord {
  inFlight = 0;
  /** Attempts sent since the client started. */
  attempts = 0;
  /** Attempts that counted against the instance. */
  failures = 0;
  /** The breaker state last reported, so a state is reported once. */
  reported: BreakerState = 'closed';
  /** What it answered in the current outlier-detection interval. */
  successes = 0;
  intervalFailures = 0;
  /** Clock reading when outlier detection returns it; 0 while it is not ejected. */
  ejectedUntil = 0;
  /** Ejections in a row: the next lasts this many base times more; it decreases while the instance behaves. */
  ejections = 0;

  constructor(
    public instance: Instance,
    readonly breaker: InstanceBreaker | undefined,
  ) {}
}

/**
 * The health of every instance of one service, and from it the instances a picker may choose from.
 *
 * Membership comes from discovery; availability is membership less the instances whose breaker is not
 * routable (open, or half-open with its trial slots taken). Availability is handed out as the same frozen
 * array until it changes — the membership array itself while every instance is available — so pickers
 * can key derived state by identity. Two caps keep the layer from causing the outage it guards against:
 * a breaker may open only while fewer than `maxEjectionPercent` of the members are out, and when fewer
 * than `panicThresholdPercent` are available, all members are offered (Envoy's panic mode).
 *
 * Records are kept by id for a while after an instance leaves, so an instance whose health check flaps
 * keeps its breaker and counters; they are pruned once departed records outnumber the members.
 */
export class InstanceHealth implements BreakerHost {
  readonly scheduler: Scheduler;
  readonly windowRotation = new EventEmitter();
  readonly #options: ResolvedBreakerOptions | undefined;
  readonly #listener: HealthListener;
  readonly #records = new Map<string, InstanceRecord>();
  #members: readonly Instance[] = Object.freeze([]);
  #available: readonly Instance[] = this.#members;
  #panicking = false;
  #rotation: Timer | undefined;
  #outlierTimer: Timer | undefined;
  #closed = false;

  /**
   * @param options the breakers' options, or `undefined` for none (no breaker, no capacity limit)
   * @param scheduler timers that must not keep the process alive
   */
  constructor(options: ResolvedBreakerOptions | undefined, scheduler: Scheduler, listener: HealthListener) {
    this.#options = options;
    this.scheduler = scheduler;
    this.#listener = listener;
    // One listener per breaker window on one emitter: fleets of thousands are expected.
    this.windowRotation.setMaxListeners(0);
  }

  /** Every instance discovery reports: the same frozen array until membership changes. */
  get members(): readonly Instance[] {
    return this.#members;
  }

  /** The instances a picker may choose from now (in panic, every member). */
  get available(): readonly Instance[] {
    return this.#available;
  }

  get panicking(): boolean {
    return this.#panicking;
  }

  setMembers(members: readonly Instance[]): void {
    if (this.#closed) return;
    this.#members = members;
    for (const instance of members) {
      const record = this.#records.get(instance.id);
      if (record === undefined) this.#records.set(instance.id, this.#newRecord(instance));
      else record.instance = instance;
    }
    if (this.#records.size > 2 * members.length + 64) this.#pruneDeparted();
    this.#updateAvailability();
  }

  /**
   * Lets an attempt go to `instance`, or says it may not: its breaker is open or its trial slots are
   * taken, or it is at `capacity`. Not a failure of the instance either way — the caller picks another.
   */
  admit(instance: Instance): Admission | undefined {
    const record = this.#records.get(instance.id);
    if (record === undefined) return undefined;
    if (record.inFlight >= (this.#options?.capacity ?? Infinity)) return undefined;
    if (record.ejectedUntil !== 0 && !this.#panicking) return undefined;
    let admission: Admission | undefined = 'attempt';
    if (record.breaker !== undefined) {
      admission = record.breaker.admit();
      // In panic every member takes traffic, its breaker's verdict notwithstanding.
      if (admission === undefined && this.#panicking) admission = 'attempt';
    }
    if (admission === undefined) return undefined;
    record.inFlight++;
    record.attempts++;
    return admission;
  }

  /** How an admitted attempt ended: `true` failed, `false` succeeded, `undefined` neither (cancelled, excused). */
  settle(instance: Instance, admission: Admission, failed: boolean | undefined): void {
    const record = this.#records.get(instance.id);
    if (record === undefined) return;
    if (record.inFlight > 0) record.inFlight--;
    if (failed === true) {
      record.failures++;
      record.intervalFailures++;
    } else if (failed === false) {
      record.successes++;
    }
    record.breaker?.record(admission, failed);
  }

  state(id: string): InstanceState {
    const record = this.#records.get(id);
    const state = record?.breaker?.state ?? 'closed';
    if (state !== 'closed') return state;
    return record !== undefined && record.ejectedUntil !== 0 ? 'ejected' : 'healthy';
  }

  breakerState(id: string): BreakerState {
    return this.#records.get(id)?.breaker?.state ?? 'closed';
  }

  /** Attempts in flight, sent and failed, for `stats()`. */
  counters(id: string): { inFlight: number; attempts: number; failures: number } | undefined {
    const record = this.#records.get(id);
    return record === undefined ? undefined : { inFlight: record.inFlight, attempts: record.attempts, failures: record.failures };
  }

  /** Stops every breaker and timer. */
  close(): void {
    this.#closed = true;
    this.#rotation?.cancel();
    this.#rotation = undefined;
    this.#outlierTimer?.cancel();
    this.#outlierTimer = undefined;
    for (const record of this.#records.values()) record.breaker?.dispose();
    this.#records.clear();
    this.windowRotation.removeAllListeners();
  }

  // ---- BreakerHost ------------------------------------------------------------------------------------

  mayOpen(breaker: InstanceBreaker): boolean {
    return this.#mayTakeOut(breaker.id);
  }

  stateChanged(breaker: InstanceBreaker): void {
    if (this.#closed) return;
    this.#updateAvailability();
    const record = this.#records.get(breaker.id);
    if (record === undefined || record.reported === breaker.state) return;
    record.reported = breaker.state;
    if (this.#members.includes(record.instance)) this.#listener.breakerChanged(record.instance, breaker.state);
  }

  // ---- internals --------------------------------------------------------------------------------------

  /**
   * Whether the instance `id` may be taken out (by its breaker, or as an outlier) now. Envoy's and gRPC's
   * rule: while the share already out is below `maxEjectionPercent`, so one instance may always go.
   */
  #mayTakeOut(id: string): boolean {
    const options = this.#options;
    if (options === undefined || this.#closed) return false;
    let out = 0;
    for (const instance of this.#members) {
      if (instance.id === id) continue;
      const record = this.#records.get(instance.id);
      if (record !== undefined && (record.ejectedUntil !== 0 || (record.breaker !== undefined && record.breaker.state !== 'closed'))) out++;
    }
    return out * 100 < options.maxEjectionPercent * this.#members.length;
  }

  #newRecord(instance: Instance): InstanceRecord {
    const options = this.#options;
    if (options === undefined) return new InstanceRecord(instance, undefined);
    this.#startRotation(options);
    this.#startOutlierDetection(options);
    return new InstanceRecord(instance, new InstanceBreaker(instance.id, options, this));
  }

  #routable(record: InstanceRecord | undefined): boolean {
    return record === undefined || (record.ejectedUntil === 0 && (record.breaker?.routable ?? true));
  }

  #updateAvailability(): void {
    const members = this.#members;
    let available = members;
    for (let i = 0; i < members.length; i++) {
      if (!this.#routable(this.#records.get((members[i] as Instance).id))) {
        available = Object.freeze(members.filter((instance) => this.#routable(this.#records.get(instance.id))));
        break;
      }
    }
    const threshold = this.#options?.panicThresholdPercent ?? 0;
    const panicking = members.length > 0 && available.length * 100 < threshold * members.length;
    // Keep handing out the same array while nothing changed, so pickers keep what they derived.
    if (panicking) this.#available = members;
    else if (!sameInstances(available, this.#available)) this.#available = available;
    if (panicking !== this.#panicking) {
      this.#panicking = panicking;
      this.#listener.panicChanged(panicking, available.length, members.length);
    }
  }

  #pruneDeparted(): void {
    const present = new Set<string>();
    for (const instance of this.#members) present.add(instance.id);
    for (const [id, record] of this.#records) {
      if (present.has(id) || record.inFlight > 0) continue;
      record.breaker?.dispose();
      this.#records.delete(id);
    }
  }

  #startOutlierDetection(options: ResolvedBreakerOptions): void {
    const detection = options.outlierDetection;
    if (detection === false || this.#outlierTimer !== undefined || this.#closed) return;
    const tick = (): void => {
      this.#detectOutliers(detection);
      this.#outlierTimer = this.scheduler.delay(tick, detection.intervalMs);
    };
    this.#outlierTimer = this.scheduler.delay(tick, detection.intervalMs);
  }

  /**
   * One interval of outlier detection, in gRFC A50's order: eject the outliers among the instances taking
   * traffic, then return those whose time is served and let the others' multipliers decay — so an instance
   * ejected again right after it came back is ejected for longer.
   */
  #detectOutliers(detection: ResolvedOutlierDetection): void {
    const now = this.scheduler.now();
    let changed = false;
    const judged: { record: InstanceRecord; successes: number; failures: number }[] = [];
    for (const instance of this.#members) {
      const record = this.#records.get(instance.id);
      if (record === undefined || record.ejectedUntil !== 0) continue;
      if (record.breaker === undefined || record.breaker.state === 'closed') {
        judged.push({ record, successes: record.successes, failures: record.intervalFailures });
      }
    }
    for (const { record } of outliers(judged, detection)) {
      if (!this.#mayTakeOut(record.instance.id)) break;
      record.ejections++;
      const forMs = Math.min(detection.baseEjectionMs * record.ejections, detection.maxEjectionMs);
      record.ejectedUntil = now + forMs;
      changed = true;
      this.#listener.ejectionChanged(record.instance, true, forMs);
    }
    for (const record of this.#records.values()) {
      if (record.ejectedUntil !== 0 && now >= record.ejectedUntil) {
        record.ejectedUntil = 0;
        changed = true;
        if (this.#members.includes(record.instance)) this.#listener.ejectionChanged(record.instance, false, 0);
      } else if (record.ejectedUntil === 0 && record.ejections > 0) {
        record.ejections--;
      }
      record.successes = 0;
      record.intervalFailures = 0;
    }
    if (changed) this.#updateAvailability();
  }

  #startRotation(options: ResolvedBreakerOptions): void {
    if (this.#rotation !== undefined || this.#closed) return;
    const bucketMs = options.rollingCountTimeout / options.rollingCountBuckets;
    const tick = (): void => {
      this.windowRotation.emit('rotate');
      this.#rotation = this.scheduler.delay(tick, bucketMs);
    };
    this.#rotation = this.scheduler.delay(tick, bucketMs);
  }
}

function sameInstances(a: readonly Instance[], b: readonly Instance[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
