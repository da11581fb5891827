/** The error code of a connection attempt that took longer than the connect timeout, whichever transport made it. */
export const connectTimeoutCode = 'ERR_PROXYLESS_CONNECT_TIMEOUT';

/**
 * The error of a connect that timed out: TCP and, for HTTPS, the TLS handshake. Nothing was sent, so the
 * request may go to another instance whatever its method.
 */
export function connectTimeoutError(host: string, port: string, timeoutMs: number, cause?: Error): Error {
  const error = new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`, cause === undefined ? undefined : { cause });
  return Object.assign(error, { code: connectTimeoutCode });
}
