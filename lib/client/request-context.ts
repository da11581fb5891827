import { AxiosHeaders, type AxiosRequestConfig, type HeadersDefaults, type RawAxiosRequestHeaders } from 'axios';
import type { Instance } from '../discovery/instance.js';
import type { PickContext } from '../pickers/picker.js';

type HeaderSource = AxiosRequestConfig['headers'] | HeadersDefaults | undefined;

/**
 * What a picker sees of one request. Headers are read on demand — most pickers never ask — from
 * the request's own headers first, then the axios instance's defaults for all methods and for this
 * method, as axios itself would merge them.
 */
export class RequestContext implements PickContext {
  attempt = 1;
  members: readonly Instance[] = [];
  /** Instances this request was sent to, in order; created on the first retry. */
  triedInstances: Instance[] | undefined;

  constructor(
    readonly service: string,
    readonly method: string,
    readonly url: string,
    private readonly requestHeaders: HeaderSource,
    private readonly defaultHeaders: HeadersDefaults | undefined,
  ) {}

  tried(instance: Instance): boolean {
    return this.triedInstances !== undefined && this.triedInstances.includes(instance);
  }

  header(name: string): string | undefined {
    const own = readHeader(this.requestHeaders, name);
    if (own !== undefined) return own;
    const defaults = this.defaultHeaders;
    if (defaults === undefined) return undefined;
    const byMethod = (defaults as unknown as Record<string, HeaderSource>)[this.method.toLowerCase()];
    return readHeader(byMethod, name) ?? readHeader(defaults.common, name) ?? readTopLevel(defaults, name);
  }
}

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (headers === undefined || headers === null) return undefined;
  if (headers instanceof AxiosHeaders) return asString(headers.get(name));
  return readTopLevel(headers as RawAxiosRequestHeaders, name);
}

/** Plain header objects are case-insensitive by convention only, so compare names folded. */
function readTopLevel(headers: object, name: string): string | undefined {
  const record = headers as Record<string, unknown>;
  const exact = record[name];
  if (exact !== undefined) return asString(exact);
  const wanted = name.toLowerCase();
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() === wanted) return asString(record[key]);
  }
  return undefined;
}

function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.join(', ');
  return undefined;
}
