import type { ServerLoad } from '../pickers/picker.js';

/**
 * Reads the load an instance reported on its response, in ORCA's `endpoint-load-metrics` header as Envoy
 * reads it (`source/common/orca/orca_parser`): `TEXT key=value, key=value` or `JSON {…}`. Keys read:
 * `cpu_utilization`, `rps_fractional`, `named_metrics.<name>` (`named_metrics.rif`: requests in flight).
 * The `BIN` form (a base64 protobuf) is not read: no proxyless server sends it, and decoding it would
 * need a protobuf reader in the request path.
 *
 * Returns `undefined` for a missing or malformed header: a report is advice, and a server that is not
 * ours must never fail a request by what it puts in a header. A TEXT report costs one pass over the
 * string and one small object.
 */
export function parseServerLoad(header: string | readonly string[] | undefined): ServerLoad | undefined {
  if (header === undefined) return undefined;
  const value = typeof header === 'string' ? header : header[0];
  if (value === undefined) return undefined;
  if (value.startsWith('TEXT ')) return parseText(value);
  if (value.startsWith('JSON ')) return parseJson(value.slice(5));
  return undefined;
}

function parseText(value: string): ServerLoad | undefined {
  let cpuUtilization: number | undefined;
  let requestsPerSecond: number | undefined;
  let requestsInFlight: number | undefined;
  let named: Record<string, number> | undefined;
  let start = 5;
  const end = value.length;
  while (start < end) {
    let comma = value.indexOf(',', start);
    if (comma < 0) comma = end;
    const equals = value.indexOf('=', start);
    if (equals < 0 || equals > comma) return undefined;
    const number = Number(value.slice(equals + 1, comma));
    if (!Number.isFinite(number) || number < 0) return undefined;
    while (value.charCodeAt(start) === 32) start++;
    let keyEnd = equals;
    while (keyEnd > start && value.charCodeAt(keyEnd - 1) === 32) keyEnd--;
    // The keys proxyless reads are compared in place: no string is cut out for them.
    if (isKey(value, start, keyEnd, 'named_metrics.rif')) requestsInFlight = number;
    else if (isKey(value, start, keyEnd, 'cpu_utilization')) cpuUtilization = number;
    else if (isKey(value, start, keyEnd, 'rps_fractional')) requestsPerSecond = number;
    else if (keyEnd - start > 14 && value.startsWith('named_metrics.', start)) (named ??= {})[value.slice(start + 14, keyEnd)] = number;
    // Other ORCA keys (mem_utilization, eps, utilization.*, request_cost.*) are valid and not used.
    start = comma + 1;
  }
  return { cpuUtilization, requestsPerSecond, requestsInFlight, named };
}

function isKey(value: string, start: number, end: number, key: string): boolean {
  return end - start === key.length && value.startsWith(key, start);
}

function parseJson(text: string): ServerLoad | undefined {
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof report !== 'object' || report === null) return undefined;
  const fields = report as Record<string, unknown>;
  const metrics = fields.named_metrics ?? fields.namedMetrics;
  let named: Record<string, number> | undefined;
  let requestsInFlight: number | undefined;
  if (typeof metrics === 'object' && metrics !== null) {
    for (const [name, item] of Object.entries(metrics)) {
      if (!isLoadFigure(item)) continue;
      if (name === 'rif') requestsInFlight = item;
      else (named ??= {})[name] = item;
    }
  }
  const cpu = fields.cpu_utilization ?? fields.cpuUtilization;
  const rps = fields.rps_fractional ?? fields.rpsFractional;
  return {
    cpuUtilization: isLoadFigure(cpu) ? cpu : undefined,
    requestsPerSecond: isLoadFigure(rps) ? rps : undefined,
    requestsInFlight,
    named,
  };
}

function isLoadFigure(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
