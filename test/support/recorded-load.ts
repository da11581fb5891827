// A closed-loop load for fault-injection tests that keeps every request's record — method, request id,
// when it started and ended, which instance answered or what error the caller got — so a test can say
// exactly what was lost, when, and why.

export interface LoadRequest {
  readonly method: string;
  /** Sends the request with this `x-request-id`; resolves with what the instance answered. */
  send(requestId: string): Promise<{ data: { id: string } }>;
}

export interface Sent {
  readonly worker: number;
  readonly method: string;
  readonly requestId: string;
  /** `performance.now()` when the caller made the request and when it settled. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The instance that answered, for a success. */
  readonly instance?: string;
  /** What the caller's promise rejected with. */
  readonly error?: unknown;
}

export interface RecordedLoad {
  /** Every request that settled so far, in the order they settled. */
  readonly sent: readonly Sent[];
  /** Settles once `limit` requests were sent and answered (never, without a limit, until stopped). */
  readonly done: Promise<readonly Sent[]>;
  /** Stops the workers and waits for their last requests. */
  stop(): Promise<readonly Sent[]>;
  /** Lets the load run `ms` longer, then stops it. */
  stopAfter(ms: number): Promise<readonly Sent[]>;
}

/**
 * Starts `workers` loops, each sending one request after another — `next(worker, sequence)` says which —
 * until stopped, or until `limit` requests were sent in all.
 */
export function recordLoad(
  workers: number,
  next: (worker: number, sequence: number) => LoadRequest,
  options: { prefix?: string; limit?: number } = {},
): RecordedLoad {
  const prefix = options.prefix ?? 'req';
  const limit = options.limit ?? Infinity;
  const sent: Sent[] = [];
  let running = true;
  let started = 0;
  const loop = async (worker: number): Promise<void> => {
    for (let sequence = 0; running && started < limit; sequence++) {
      started++;
      const request = next(worker, sequence);
      const requestId = `${prefix}-${worker}-${sequence}`;
      const startedAt = performance.now();
      try {
        const { data } = await request.send(requestId);
        sent.push({ worker, method: request.method, requestId, startedAt, endedAt: performance.now(), instance: data.id });
      } catch (error) {
        sent.push({ worker, method: request.method, requestId, startedAt, endedAt: performance.now(), error });
      }
    }
  };
  const loops = Promise.all(Array.from({ length: workers }, (_, worker) => loop(worker))).then(() => sent);
  const stop = (): Promise<readonly Sent[]> => {
    running = false;
    return loops;
  };
  return {
    sent,
    done: loops,
    stop,
    stopAfter: (ms) => new Promise((resolve) => setTimeout(resolve, ms)).then(stop),
  };
}

/** A short account of an error for an assertion message. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
}
