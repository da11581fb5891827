import { AxiosError, AxiosHeaders, CanceledError, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { attachCallReport } from '../call/call-report.js';
import type { CallFailure, CallResponse } from '../call/call.js';
import { asBuffer } from '../transport/as-buffer.js';
import type { IncomingResponse } from '../transport/attempt-outcome.js';

/**
 * The response axios itself would have made of this one: the body decoded as `responseType` and
 * `responseEncoding` ask, before the caller's response transforms and interceptors, and settled by
 * `validateStatus` into a resolution or axios's own rejection.
 */
export function toAxiosResponse(result: CallResponse, config: InternalAxiosRequestConfig): AxiosResponse {
  const response = axiosResponse(result.response, config);
  const validateStatus = config.validateStatus;
  if (validateStatus === undefined || validateStatus === null || validateStatus(response.status)) return response;
  // axios's `settle`, word for word, so handlers that match on message or code keep working.
  const error = new AxiosError(
    `Request failed with status code ${response.status}`,
    response.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST,
    config,
    response.request,
    response,
  );
  throw attachCallReport(error, result.report);
}

/** The error a failed call rejects with: axios's own kinds where axios has one, proxyless's otherwise. */
export function toAxiosFailure(failure: CallFailure, config: InternalAxiosRequestConfig, timeoutMs: number | undefined): Error {
  const report = failure.report;
  switch (failure.reason) {
    case 'cancelled':
      return attachCallReport(new CanceledError(undefined, config), report);
    case 'deadline': {
      // axios's own timeout error, so `code === 'ECONNABORTED'` handlers keep working across retries.
      const message = config.timeoutErrorMessage ?? (timeoutMs === undefined ? 'timeout exceeded' : `timeout of ${timeoutMs}ms exceeded`);
      const code = config.transitional?.clarifyTimeoutError === true ? AxiosError.ETIMEDOUT : AxiosError.ECONNABORTED;
      return attachCallReport(new AxiosError(message, code, config), report);
    }
    case 'unavailable':
      return attachCallReport(failure.error ?? new Error('no instance could take the request'), report);
    case 'attempt': {
      const outcome = failure.outcome;
      const cause = outcome?.error ?? new Error('the attempt failed');
      const response = outcome?.response === undefined ? undefined : axiosResponse(outcome.response, config);
      const code = (cause as { code?: unknown }).code;
      const error = AxiosError.from(cause, typeof code === 'string' ? code : undefined, config, outcome?.response?.request, response);
      return attachCallReport(error, report);
    }
  }
}

function axiosResponse(incoming: IncomingResponse, config: InternalAxiosRequestConfig): AxiosResponse {
  return {
    data: decodeBody(incoming.body, config),
    status: incoming.status,
    statusText: incoming.statusText,
    headers: wireHeaders(incoming.headers),
    config,
    request: incoming.request,
  };
}

/**
 * The headers as an `AxiosHeaders`, each an own property as axios's Node adapter leaves them. They come
 * off an HTTP parser with lower-case names and values it already checked, so axios's per-header
 * normalisation (a trim, a search for the same name in another case, a control-character scrub) would
 * change nothing and is skipped.
 */
function wireHeaders(headers: IncomingResponse['headers']): AxiosHeaders {
  return Object.assign(new AxiosHeaders(), headers);
}

/** As axios's Node adapter decodes: a Buffer for `arraybuffer`, the stream for `stream`, else text. */
function decodeBody(body: IncomingResponse['body'], config: InternalAxiosRequestConfig): unknown {
  if (!(body instanceof Uint8Array)) return body;
  const buffer = asBuffer(body);
  if (config.responseType === 'arraybuffer') return buffer;
  const encoding = (config.responseEncoding ?? 'utf8') as BufferEncoding;
  const text = buffer.toString(encoding);
  return encoding === 'utf8' && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
