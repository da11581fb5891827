import type { HealthFunction, HealthState } from './register-options.js';

/** What the instance tells Consul: a check state and the text Consul shows beside it. */
export interface HealthReport {
  readonly state: HealthState;
  readonly output: string;
}

const states: readonly unknown[] = ['passing', 'warning', 'critical'];
const timedOut = Symbol('timed out');

/**
 * Asks the user's health function, bounded by `timeoutMs`. Whatever goes wrong — it throws, rejects, hangs,
 * or returns something else — is `critical`, with the reason as the output, so an operator reading Consul
 * sees why.
 */
export async function reportHealth(health: HealthFunction, timeoutMs: number): Promise<HealthReport> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = health();
    const state = isPromiseLike(answer)
      ? await Promise.race([
          answer,
          new Promise<typeof timedOut>((resolve) => {
            // Held, not unref'd: a check under way is work, and its bound is never longer than the check's timeout.
            timer = setTimeout(() => resolve(timedOut), timeoutMs);
          }),
        ])
      : answer;
    if (state === timedOut) return { state: 'critical', output: `health() did not answer within ${timeoutMs} ms` };
    if (!states.includes(state)) {
      return { state: 'critical', output: `health() returned ${describe(state)}; it must return 'passing', 'warning' or 'critical'` };
    }
    return { state, output: state };
  } catch (error) {
    return { state: 'critical', output: `health() failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<HealthState> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'undefined' : typeof value;
}
