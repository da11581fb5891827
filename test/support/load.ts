// A closed-loop load generator for integration tests: `concurrency` workers send one request after
// another until told to stop, counting what succeeded, what failed, and which instance answered.

export interface LoadResult {
  readonly ok: number;
  readonly failed: number;
  /** The first few failures, for the assertion message. */
  readonly errors: readonly string[];
  /** Responses per instance id (as the instance reported it in its body). */
  readonly byInstance: ReadonlyMap<string, number>;
}

export interface Load {
  /** Counts so far; the load keeps running. */
  snapshot(): LoadResult;
  /** Resets the counts (e.g. after a warm-up). */
  reset(): void;
  /** Stops the workers and waits for their last requests. */
  stop(): Promise<LoadResult>;
}

export function startLoad(concurrency: number, send: () => Promise<{ data: { id: string } }>): Load {
  let running = true;
  let ok = 0;
  let failed = 0;
  let errors: string[] = [];
  let byInstance = new Map<string, number>();
  const worker = async (): Promise<void> => {
    while (running) {
      try {
        const { data } = await send();
        ok++;
        byInstance.set(data.id, (byInstance.get(data.id) ?? 0) + 1);
      } catch (error) {
        failed++;
        if (errors.length < 5) errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
    }
  };
  const workers = Array.from({ length: concurrency }, () => worker());
  const snapshot = (): LoadResult => ({ ok, failed, errors: [...errors], byInstance: new Map(byInstance) });
  return {
    snapshot,
    reset() {
      ok = 0;
      failed = 0;
      errors = [];
      byInstance = new Map();
    },
    async stop() {
      running = false;
      await Promise.all(workers);
      return snapshot();
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 10 ms until it holds; rejects after `timeoutMs`. Returns the ms it took. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
  return performance.now() - started;
}
