import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AxiosError, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { AbsoluteUrlError } from '../errors/absolute-url-error.js';
import { UnsupportedRequestOptionError } from '../errors/unsupported-request-option-error.js';
import type { OutgoingRequest } from '../transport/outgoing-request.js';
import { type BodyLimit, OneShotBody, type RequestBody } from '../transport/request-body.js';
import { isAbsoluteUrl } from './absolute-url.js';

/**
 * Request options of axios the balancer refuses, and why: each would take the request around the
 * balancer or is something no transport of proxyless does. Refusing is better than ignoring — a caller
 * who set `socketPath` expects the request to go there.
 */
const refusedOptions: readonly (readonly [option: string, refused: (value: unknown) => boolean, remedy: string])[] = [
  ['socketPath', truthy, 'it would send the request to a Unix socket instead of an instance; remove it'],
  ['proxy', truthy, 'the balancer connects to instances directly; remove it, or put the proxy in Consul as an instance'],
  ['httpAgent', truthy, "the balancer keeps a connection pool per instance; set TLS through createClient's `tls` option"],
  ['httpsAgent', truthy, "the balancer keeps a connection pool per instance; set TLS through createClient's `tls` option"],
  ['maxRedirects', (value) => typeof value === 'number' && value > 0, "a redirect's Location may leave the balancer; read `response.headers.location` and request that path"],
  ['beforeRedirect', truthy, 'redirects are not followed by the balancer'],
  ['lookup', truthy, 'instances come from discovery, already resolved'],
  ['onUploadProgress', truthy, 'progress events are not reported by the balancer; time the request instead'],
  ['onDownloadProgress', truthy, "progress events are not reported by the balancer; use responseType: 'stream' and count the bytes"],
  ['maxRate', truthy, 'rate limiting per request is not supported by the balancer'],
  ['http2', truthy, 'the balancer speaks HTTP/1.1 to instances'],
  ['httpVersion', (value) => value !== undefined && value !== null && value !== 1, 'the balancer speaks HTTP/1.1 to instances'],
  ['transport', truthy, "the balancer sends through its own transport; choose it with createClient's `transport` option ('axios' or 'undici')"],
  ['insecureHTTPParser', truthy, 'the balancer parses responses strictly'],
];

/** The first option of `config` the balancer refuses, with why, or `undefined`. */
export function refusedOption(config: object): readonly [option: string, remedy: string] | undefined {
  const options = config as Record<string, unknown>;
  for (const [option, refused, remedy] of refusedOptions) if (refused(options[option])) return [option, remedy];
  return undefined;
}

function truthy(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false;
}

/** What turns a path with `params` into a URL as axios would (its serializer, its encoding). */
export type PathBuilder = Pick<AxiosInstance, 'getUri'>;

/**
 * The transport-neutral request for an axios config, after the caller's interceptors and request
 * transforms: the path joined to the base path and serialised with `params`, the headers flattened, the
 * body as bytes or a one-shot stream. Throws, before anything is sent, for a config that would leave the
 * balancer or that the balancer cannot honour. A promise only for a body that must be read first (a
 * `Blob`, a spec `FormData`): the usual request costs no turn of the event loop here.
 */
export function toOutgoingRequest(
  config: InternalAxiosRequestConfig,
  service: string,
  defaultBasePath: string,
  pathBuilder: PathBuilder,
): OutgoingRequest | Promise<OutgoingRequest> {
  const refused = refusedOption(config);
  if (refused !== undefined) throw new UnsupportedRequestOptionError(refused[0], service, refused[1]);
  const url = config.url ?? '';
  if (isAbsoluteUrl(url)) throw new AbsoluteUrlError(url, service);
  const basePath = config.baseURL ?? defaultBasePath;
  if (isAbsoluteUrl(basePath)) throw new AbsoluteUrlError(basePath, service);

  const joined = joinPath(basePath, url);
  const path = config.params === undefined && config.paramsSerializer === undefined
    ? joined
    : pathBuilder.getUri({ url: joined, params: config.params, paramsSerializer: config.paramsSerializer });

  const headers = flatHeaders(config);
  const body = requestBody(config, headers);
  return body instanceof Promise ? body.then((read) => outgoing(config, path, headers, read)) : outgoing(config, path, headers, body);
}

/** axios's `maxBodyLength` for a streamed body: its length is known only as it is sent. */
function bodyLimit(config: InternalAxiosRequestConfig): BodyLimit | undefined {
  const maxBytes = config.maxBodyLength;
  if (typeof maxBytes !== 'number' || maxBytes < 0) return undefined;
  return { maxBytes, tooLarge: () => new AxiosError('Request body larger than maxBodyLength limit', AxiosError.ERR_BAD_REQUEST, config) };
}

function outgoing(config: InternalAxiosRequestConfig, path: string, headers: Record<string, string | string[]>, body: RequestBody): OutgoingRequest {
  if (body instanceof Uint8Array && typeof config.maxBodyLength === 'number' && config.maxBodyLength > -1 && body.byteLength > config.maxBodyLength) {
    throw new AxiosError('Request body larger than maxBodyLength limit', AxiosError.ERR_BAD_REQUEST, config);
  }
  return {
    method: (config.method ?? 'get').toUpperCase(),
    path,
    headers,
    body,
    responseType: config.responseType === 'stream' ? 'stream' : 'buffer',
    maxResponseBytes: typeof config.maxContentLength === 'number' && config.maxContentLength > -1 ? config.maxContentLength : Infinity,
    decompress: config.decompress !== false,
  };
}

/** `/api` + `users/42` → `/api/users/42`: always a path from the root, whatever the slashes given. */
export function joinPath(base: string, url: string): string {
  if (base === '') return url.startsWith('/') ? url : `/${url}`;
  const head = base.startsWith('/') ? base : `/${base}`;
  if (url === '') return head;
  return `${head.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`;
}

function flatHeaders(config: InternalAxiosRequestConfig): Record<string, string | string[]> {
  // An AxiosHeaders holds each header as an own property: read them in place rather than through a
  // toJSON() copy. `false` and `null` are axios's "leave it out".
  const source = config.headers as unknown as Record<string, unknown>;
  const headers: Record<string, string | string[]> = {};
  for (const name of Object.keys(source)) {
    const value = source[name];
    if (Array.isArray(value)) headers[name.toLowerCase()] = value.map(String);
    else if (value !== undefined && value !== null && value !== false) headers[name.toLowerCase()] = String(value);
  }
  // axios's Node adapter turns `auth` into Basic credentials; so does the balancer, once for all attempts.
  const auth = config.auth;
  if (auth !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`, 'utf8').toString('base64')}`;
  }
  return headers;
}

/**
 * The body, after axios's request transforms: strings and binary data become bytes that can be sent
 * again; a spec `FormData` or `Blob` is read into bytes (its parts are immutable); a Node stream — the
 * `form-data` package's forms included — is one-shot.
 */
function requestBody(config: InternalAxiosRequestConfig, headers: Record<string, string | string[]>): RequestBody | Promise<RequestBody> {
  const data: unknown = config.data;
  if (data === undefined || data === null) return undefined;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (data instanceof URLSearchParams) return Buffer.from(data.toString(), 'utf8');
  if (isNodeStream(data)) {
    const getHeaders = (data as { getHeaders?: unknown }).getHeaders;
    if (typeof getHeaders === 'function') {
      const formHeaders = getHeaders.call(data) as Record<string, string>;
      for (const name of Object.keys(formHeaders)) headers[name.toLowerCase()] = String(formHeaders[name]);
      const bytes = bufferedForm(data);
      if (bytes !== undefined) return bytes;
    }
    return new OneShotBody(data, bodyLimit(config));
  }
  if (typeof Blob !== 'undefined' && data instanceof Blob) {
    if (headers['content-type'] === undefined && data.type !== '') headers['content-type'] = data.type;
    return data.arrayBuffer().then((bytes) => new Uint8Array(bytes));
  }
  if (typeof FormData !== 'undefined' && data instanceof FormData) {
    const encoded = new Response(data);
    const type = encoded.headers.get('content-type');
    if (type !== null) headers['content-type'] = type;
    return encoded.arrayBuffer().then((bytes) => new Uint8Array(bytes));
  }
  if (typeof ReadableStream !== 'undefined' && data instanceof ReadableStream) {
    return new OneShotBody(Readable.fromWeb(data as WebReadableStream), bodyLimit(config));
  }
  // axios's Node adapter refuses the same, with the same words.
  throw new AxiosError('Data after transformation must be a string, an ArrayBuffer, a Buffer, or a Stream', AxiosError.ERR_BAD_REQUEST, config);
}

/**
 * A `form-data` form (what axios builds for `postForm` in Node) as bytes, when every part is a string or a
 * Buffer: such a form can be sent again, while one holding a stream cannot. `undefined` otherwise.
 */
function bufferedForm(form: object): Uint8Array | undefined {
  const parts = (form as { _streams?: unknown })._streams;
  const getBuffer = (form as { getBuffer?: unknown }).getBuffer;
  if (!Array.isArray(parts) || typeof getBuffer !== 'function') return undefined;
  if (!parts.every((part) => typeof part === 'string' || Buffer.isBuffer(part))) return undefined;
  const bytes: unknown = getBuffer.call(form);
  return Buffer.isBuffer(bytes) ? bytes : undefined;
}

function isNodeStream(value: unknown): value is NodeJS.ReadableStream {
  return typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function' && typeof (value as { on?: unknown }).on === 'function';
}
