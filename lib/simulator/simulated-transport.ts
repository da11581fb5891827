import type { Instance } from '../discovery/instance.js';
import type { AttemptOutcome } from '../transport/attempt-outcome.js';
import type { AttemptSignal } from '../transport/attempt-signal.js';
import type { OutgoingRequest } from '../transport/outgoing-request.js';
import type { Transport } from '../transport/transport.js';
import { ServedAttempt, type SimulatedInstance } from './simulated-instance.js';

const aborted: AttemptOutcome = Object.freeze({
  kind: 'cancelled',
  error: Object.freeze(Object.assign(new Error('the attempt was aborted'), { name: 'AbortError', code: 'ABORT_ERR' })),
});

/** An attempt on its way: sent, not yet answered. */
class LiveAttempt extends ServedAttempt {
  constructor(
    readonly request: OutgoingRequest,
    readonly signal: AttemptSignal,
    answer: (outcome: AttemptOutcome) => void,
  ) {
    super(answer);
  }
}

/**
 * The client's `Transport`, with simulated instances where the network would be: an attempt goes to its
 * instance's queue and ends as the instance says, keeping every promise of the interface — `send` never
 * rejects, and an aborted attempt ends as `cancelled` at the same simulated instant.
 *
 * It does not listen to each attempt's signal: it ends aborted attempts at one defined point instead, and
 * the scenarios' recorded figures depend on that point (a listener would cost nothing now, but would end
 * them inside the call's own abort, a different order of events). A call aborts its attempts only from one of its own timers
 * (its deadline, an attempt's time limit) or when one of its attempts ends while another is under way
 * (a hedge that lost) — and when its client closes, at the end of a run, when nothing is measured any
 * more. So once the promises of an event have come to rest, `sweep` looks at the attempts such an event
 * may have aborted: every attempt under way after a call's timer fired, the attempts of the same request
 * after one of them was answered. Should the call model come to abort attempts on other occasions, this
 * is the place to follow it; the simulator's tests of deadlines and hedges would show the miss.
 */
export class SimulatedTransport implements Transport {
  readonly name = 'simulated';
  /** Attempts sent so far, across every client. */
  sent = 0;
  readonly #instances: ReadonlyMap<string, SimulatedInstance>;
  readonly #onSent: (instance: SimulatedInstance) => void;
  /** Attempts under way, by request: a call sends all its attempts with the same request object. */
  readonly #live = new Map<OutgoingRequest, LiveAttempt[]>();
  /** Requests one of whose attempts ended since the last sweep. */
  readonly #answered = new Set<OutgoingRequest>();
  #timerFired = false;

  constructor(instances: readonly SimulatedInstance[], onSent: (instance: SimulatedInstance) => void) {
    this.#instances = new Map(instances.map((instance) => [instance.model.instance.id, instance]));
    this.#onSent = onSent;
  }

  send(instance: Instance, request: OutgoingRequest, signal: AttemptSignal): Promise<AttemptOutcome> {
    const target = this.#instances.get(instance.id);
    if (target === undefined) {
      return Promise.resolve({ kind: 'failed', error: new Error(`the simulation has no instance \`${instance.id}\``) });
    }
    if (signal.aborted) return Promise.resolve(aborted);
    this.sent++;
    this.#onSent(target);
    return new Promise<AttemptOutcome>((resolve) => {
      const attempt: LiveAttempt = new LiveAttempt(request, signal, (outcome) => {
        this.#remove(attempt);
        resolve(outcome);
      });
      const siblings = this.#live.get(request);
      if (siblings === undefined) this.#live.set(request, [attempt]);
      else siblings.push(attempt);
      target.accept(attempt);
    });
  }

  /** A timer of some call fired: any attempt under way may have been aborted. */
  timerFired(): void {
    this.#timerFired = true;
  }

  /** Ends, as cancelled, the attempts the last event aborted; says whether there were any. */
  sweep(): boolean {
    const suspects: LiveAttempt[] = [];
    if (this.#timerFired) {
      for (const attempts of this.#live.values()) suspects.push(...attempts);
    } else {
      for (const request of this.#answered) suspects.push(...(this.#live.get(request) ?? []));
    }
    this.#timerFired = false;
    this.#answered.clear();
    let ended = false;
    for (const attempt of suspects) {
      if (!attempt.signal.aborted) continue;
      attempt.abandoned = true;
      attempt.answer(aborted);
      ended = true;
    }
    return ended;
  }

  instancesChanged(): void {}

  close(): void {}

  #remove(attempt: LiveAttempt): void {
    this.#answered.add(attempt.request);
    const siblings = this.#live.get(attempt.request);
    if (siblings === undefined) return;
    const index = siblings.indexOf(attempt);
    if (index !== -1) siblings.splice(index, 1);
    if (siblings.length === 0) this.#live.delete(attempt.request);
  }
}
