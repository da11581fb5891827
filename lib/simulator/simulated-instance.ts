import { STATUS_CODES } from 'node:http';
import type { Random } from '../clock.js';
import type { AttemptOutcome, IncomingResponse } from '../transport/attempt-outcome.js';
import type { InstanceModel, InstancePhase } from './instance-model.js';
import type { SimulatedTime } from './simulated-time.js';

/** One attempt as its instance sees it; `answer` is how the instance replies to the transport. */
export class ServedAttempt {
  /** The caller gave up on it: whatever the instance does with it now, it answers no one. */
  abandoned = false;

  constructor(readonly answer: (outcome: AttemptOutcome) => void) {}
}

/** How long a refused connection takes to come back: one round trip in a data centre. */
const refusalMs = 1;

/**
 * An instance at work: it serves up to `concurrency` attempts at once, queues the rest first in, first
 * out, and ends each as its model — and the phase in force — says. A caller that gives up does not stop
 * the work: an attempt being served holds its slot until its service time ends (servers seldom notice a
 * caller went away), but one still waiting in the queue is dropped, as its connection closed.
 */
export class SimulatedInstance {
  readonly model: InstanceModel;
  /** Its place in the scenario's list. */
  readonly index: number;
  /** Attempts the instance failed: refused, hung, reset or answered with an error status. */
  failures = 0;
  readonly #time: SimulatedTime;
  readonly #random: Random;
  readonly #concurrency: number;
  readonly #waiting: ServedAttempt[] = [];
  #head = 0;
  #busy = 0;
  /** ∫ requests in flight dt, up to `#accountedAt`: their mean over the run, for the report. */
  #inFlightArea = 0;
  #accountedAt = 0;

  constructor(model: InstanceModel, index: number, time: SimulatedTime, random: Random) {
    this.model = model;
    this.index = index;
    this.#time = time;
    this.#random = random;
    this.#concurrency = model.concurrency ?? Infinity;
  }

  /** Requests in flight here: being served, or waiting for a slot. */
  get inFlight(): number {
    return this.#busy + this.#waiting.length - this.#head;
  }

  /** Requests in flight averaged over `[0, untilMs)`. */
  meanInFlight(untilMs: number): number {
    this.#account(Math.min(this.#time.now(), untilMs));
    return untilMs > 0 ? this.#inFlightArea / untilMs : 0;
  }

  /** An arrival from outside the simulated clients: it takes a slot like any request, and answers no one. */
  acceptOutside(): void {
    this.accept(new ServedAttempt(ignoreAnswer));
  }

  accept(attempt: ServedAttempt): void {
    const now = this.#time.now();
    this.#account(now);
    const refusalRate = phaseAt(this.model.phases, now)?.refusalRate ?? this.model.refusalRate ?? 0;
    // Drawn only when refusals are possible, so that adding them elsewhere leaves these draws unchanged.
    if (refusalRate > 0 && this.#random() < refusalRate) {
      this.failures++;
      this.#time.at(now + refusalMs, () => this.#end(attempt, refused(this.model)));
      return;
    }
    if (this.#busy < this.#concurrency) this.#serve(attempt, now);
    else this.#waiting.push(attempt);
  }

  #serve(attempt: ServedAttempt, now: number): void {
    const model = this.model;
    const phase = phaseAt(model.phases, now);
    const hangRate = phase?.hangRate ?? model.hangRate ?? 0;
    const resetRate = phase?.resetRate ?? model.resetRate ?? 0;
    const failureRate = phase?.failureRate ?? model.failureRate ?? 0;
    // One draw decides how the attempt ends and one (or a few, for a bell curve) its duration, whatever
    // the ending: an instance's draws stay in step when its failure rates change.
    const draw = this.#random();
    const fails = draw < hangRate + resetRate + failureRate;
    const latency = (fails ? model.failureLatency : undefined) ?? phase?.latency ?? model.latency;
    const durationMs = Math.max(0, latency(this.#random));
    if (fails) this.failures++;
    if (draw < hangRate) return;
    const outcome =
      draw < hangRate + resetRate
        ? reset(model)
        : fails
          ? responseOutcome(phase?.failureStatus ?? model.failureStatus ?? 503)
          : responseOutcome(200);
    this.#busy++;
    this.#time.at(now + durationMs, () => {
      // As proxyless/express reports it: measured as the response leaves, this request still counted.
      const answer = model.reportsLoad === true && outcome.kind === 'response' ? this.#withLoadReport(outcome.response) : outcome;
      this.#account(this.#time.now());
      this.#busy--;
      const answered = this.#end(attempt, answer);
      this.#next();
      return answered;
    });
  }

  /** Starts the next attempt in the queue whose caller is still waiting. */
  #next(): void {
    while (this.#busy < this.#concurrency && this.#head < this.#waiting.length) {
      const attempt = this.#waiting[this.#head] as ServedAttempt;
      this.#head++;
      if (!attempt.abandoned) this.#serve(attempt, this.#time.now());
    }
    // Drop the consumed head now and then, without Array.shift's linear cost per attempt.
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #account(now: number): void {
    if (now > this.#accountedAt) {
      this.#inFlightArea += this.inFlight * (now - this.#accountedAt);
      this.#accountedAt = now;
    }
  }

  #withLoadReport(response: IncomingResponse): AttemptOutcome {
    const utilization = Number.isFinite(this.#concurrency) ? Math.min(1, this.#busy / this.#concurrency) : 0;
    const headers = { 'endpoint-load-metrics': `TEXT cpu_utilization=${utilization}, named_metrics.rif=${this.inFlight}` };
    return { kind: 'response', response: { ...response, headers } };
  }

  /** Answers `attempt` unless its caller gave up; says whether it answered (settling a promise). */
  #end(attempt: ServedAttempt, outcome: AttemptOutcome): boolean {
    if (attempt.abandoned) return false;
    attempt.answer(outcome);
    return true;
  }
}

function ignoreAnswer(): void {}

function phaseAt(phases: readonly InstancePhase[] | undefined, now: number): InstancePhase | undefined {
  if (phases === undefined) return undefined;
  for (const phase of phases) {
    if (now >= phase.fromMs && now < (phase.toMs ?? Infinity)) return phase;
  }
  return undefined;
}

const emptyBody = new Uint8Array(0);
const noHeaders = Object.freeze({});
const responses = new Map<number, AttemptOutcome>();

/** The same frozen outcome for every answer of one status: an answer carries nothing of its own. */
function responseOutcome(status: number): AttemptOutcome {
  let outcome = responses.get(status);
  if (outcome === undefined) {
    const response: IncomingResponse = Object.freeze({ status, statusText: STATUS_CODES[status] ?? '', headers: noHeaders, body: emptyBody });
    outcome = Object.freeze({ kind: 'response', response });
    responses.set(status, outcome);
  }
  return outcome;
}

function refused(model: InstanceModel): AttemptOutcome {
  const { host, port } = model.instance;
  return { kind: 'never-sent', error: Object.assign(new Error(`connect ECONNREFUSED ${host}:${port}`), { code: 'ECONNREFUSED' }) };
}

function reset(model: InstanceModel): AttemptOutcome {
  return { kind: 'connection-lost', error: Object.assign(new Error(`socket hang up (${model.instance.origin})`), { code: 'ECONNRESET' }) };
}
