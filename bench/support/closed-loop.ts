/**
 * The most a caller gets through: `concurrency` workers, each sending its next request as soon as the last
 * is answered, for `durationMs`. Answers per second; errors are counted and not in the rate.
 */
export async function closedLoop(concurrency: number, durationMs: number, send: () => Promise<unknown>): Promise<{ throughput: number; errors: number }> {
  const endAt = performance.now() + durationMs;
  let answered = 0;
  let errors = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < endAt) {
      try {
        await send();
        answered++;
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { throughput: answered / ((performance.now() - started) / 1000), errors };
}
