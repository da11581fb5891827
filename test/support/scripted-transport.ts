// A transport for unit tests of the call model: each attempt's outcome comes from a script keyed by
// instance, after a delay on a ManualClock, so deadlines, timeouts, backoff and hedges can be checked to
// the millisecond. Integration tests use the real transports instead.
import type { ManualClock } from '../../lib/clock.js';
import type { Instance } from '../../lib/discovery/instance.js';
import type { AttemptFailureKind, AttemptOutcome } from '../../lib/transport/attempt-outcome.js';
import type { OutgoingRequest } from '../../lib/transport/outgoing-request.js';
import type { AttemptSignal } from '../../lib/transport/attempt-signal.js';
import type { Transport } from '../../lib/transport/transport.js';

/** What an instance does with an attempt: answer a status, fail a way, or never answer — after `afterMs`. */
export type Behaviour =
  | { readonly status: number; readonly afterMs?: number; readonly headers?: Record<string, string> }
  | { readonly fail: Exclude<AttemptFailureKind, 'cancelled'>; readonly afterMs?: number }
  | { readonly hang: true };

export interface SentAttempt {
  readonly instance: Instance;
  readonly at: number;
  /** How it ended: a status, a failure kind, or `cancelled`. */
  ended?: number | AttemptFailureKind;
}

export class ScriptedTransport implements Transport {
  readonly name = 'scripted';
  readonly sent: SentAttempt[] = [];
  readonly #clock: ManualClock;
  readonly #behaviour: (instance: Instance, attempt: number) => Behaviour;

  constructor(clock: ManualClock, behaviour: (instance: Instance, attempt: number) => Behaviour) {
    this.#clock = clock;
    this.#behaviour = behaviour;
  }

  send(instance: Instance, _request: OutgoingRequest, signal: AttemptSignal): Promise<AttemptOutcome> {
    const record: SentAttempt = { instance, at: this.#clock.now() };
    this.sent.push(record);
    const behaviour = this.#behaviour(instance, this.sent.length);
    return new Promise<AttemptOutcome>((resolve) => {
      const end = (outcome: AttemptOutcome): void => {
        if (record.ended !== undefined) return;
        record.ended = outcome.kind === 'response' ? outcome.response.status : outcome.kind;
        resolve(outcome);
      };
      signal.listen({ attemptAborted: () => end({ kind: 'cancelled', error: new Error('aborted') }) });
      if ('hang' in behaviour) return;
      this.#clock.delay(() => {
        if ('status' in behaviour) {
          end({
            kind: 'response',
            response: { status: behaviour.status, statusText: '', headers: behaviour.headers ?? {}, body: new Uint8Array(0) },
          });
        } else {
          end({ kind: behaviour.fail, error: Object.assign(new Error(behaviour.fail), { code: behaviour.fail.toUpperCase() }) });
        }
      }, behaviour.afterMs ?? 0);
    });
  }

  instancesChanged(): void {}

  close(): void {}
}
