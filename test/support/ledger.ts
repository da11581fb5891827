// Where a fleet of test instances records the requests it applied, by `x-request-id`: the stand-in for a
// database outside the instances, which a kill -9 cannot roll back. A test of "never applied twice" reads
// it after `flush()`ing the instances.
import type { AppliedMessage } from './instance-faults.js';

export interface Application {
  readonly instance: string;
  readonly method: string;
  readonly reused: boolean;
}

export class Ledger {
  readonly #applications = new Map<string, Application[]>();

  record(message: AppliedMessage): void {
    const list = this.#applications.get(message.requestId);
    const application: Application = { instance: message.instance, method: message.method, reused: message.reused };
    if (list === undefined) this.#applications.set(message.requestId, [application]);
    else list.push(application);
  }

  /** How many times the request was applied, across the fleet. */
  count(requestId: string): number {
    return this.#applications.get(requestId)?.length ?? 0;
  }

  /** Request ids applied more than once, with where. */
  duplicates(): Map<string, readonly Application[]> {
    const found = new Map<string, readonly Application[]>();
    for (const [requestId, list] of this.#applications) if (list.length > 1) found.set(requestId, list);
    return found;
  }

  /** Distinct requests applied. */
  get size(): number {
    return this.#applications.size;
  }
}
