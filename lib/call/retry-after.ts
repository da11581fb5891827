/**
 * The wait a `Retry-After` header asks for, in ms (RFC 9110 §10.2.3): delay-seconds or an HTTP date.
 * `undefined` when absent or unreadable, so a malformed header falls back to the client's own backoff.
 */
export function retryAfterMs(header: string | readonly string[] | undefined, nowEpochMs: number = Date.now()): number | undefined {
  const value = typeof header === 'string' ? header.trim() : header?.[0]?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowEpochMs);
}
