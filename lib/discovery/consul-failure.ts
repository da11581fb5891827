import { ConsulAclError } from '../errors/consul-acl-error.js';
import { ConsulTlsError } from '../errors/consul-tls-error.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import type { ConsulAnswer } from './consul-reader.js';

/** A failed read of Consul, as the user is told of it, and whether another agent might do better. */
export interface ConsulFailure {
  readonly error: DiscoveryError;
  /**
   * True when the agent itself failed (no connection, no answer in time, TLS, a 5xx, rate limited): the
   * next agent may answer. False when any agent would answer the same (ACL, a query Consul refuses).
   */
  readonly agentAtFault: boolean;
}

/** What the messages need to know about the request that failed. */
export interface FailedRequest {
  /** `consul at 127.0.0.1:8500, service "users"`: the agent asked, never the token. */
  readonly source: string;
  /** `127.0.0.1:8500`, with `https://` when secure. */
  readonly address: string;
  readonly service: string;
  readonly hasToken: boolean;
}

const untrustedCertificate = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** A request that got no answer: a network or TLS error, a timeout. */
export function failureOfError(error: unknown, request: FailedRequest): ConsulFailure {
  if (!(error instanceof Error)) return { error: new DiscoveryError(request.source, String(error)), agentAtFault: true };
  const tls = tlsProblem(error, request);
  if (tls !== undefined) return { error: new ConsulTlsError(request.source, tls, { cause: error }), agentAtFault: true };
  const timeout = /request timed out \((\d+)ms\)/.exec(error.message);
  const problem = timeout ? `no answer from ${request.address} within ${timeout[1]} ms` : error.message;
  return { error: new DiscoveryError(request.source, problem, undefined, { cause: error }), agentAtFault: true };
}

/** An answer that is not a list of health entries: an HTTP error, or something that is not Consul. */
export function failureOfAnswer(answer: ConsulAnswer, request: FailedRequest): ConsulFailure {
  const text = bodyText(answer.body);
  if (answer.status === 400 && /HTTP request to an HTTPS server/i.test(text)) {
    return {
      error: new ConsulTlsError(
        request.source,
        `the agent at ${request.address} serves HTTPS on this port: set \`consul.secure\` (or CONSUL_HTTP_SSL=true, or an https:// CONSUL_HTTP_ADDR) and give the CA that signed its certificate (\`consul.ca\` or CONSUL_CACERT)`,
      ),
      agentAtFault: true,
    };
  }
  if (answer.status === 403) {
    return { error: new ConsulAclError(request.source, aclRefusal(text, request), 403), agentAtFault: false };
  }
  if (answer.status === 200) {
    return {
      error: new DiscoveryError(request.source, `${request.address} answered ${describeBody(answer.body)} instead of a list of health entries; is it a Consul agent?`, 200),
      agentAtFault: true,
    };
  }
  const detail = text === '' ? 'no explanation' : text.length > 500 ? `${text.slice(0, 500)}…` : text;
  const agentAtFault = answer.status >= 500 || answer.status === 429;
  return { error: new DiscoveryError(request.source, `HTTP ${answer.status}: ${detail}`, answer.status), agentAtFault };
}

function aclRefusal(text: string, request: FailedRequest): string {
  const where = 'check `consul.token`, `consul.tokenFile`, CONSUL_HTTP_TOKEN or CONSUL_HTTP_TOKEN_FILE';
  if (/ACL not found/i.test(text)) {
    return request.hasToken
      ? `Consul does not know the ACL token given (HTTP 403: ACL not found): it was deleted or has expired, or belongs to another cluster; ${where}`
      : `Consul refused the request without an ACL token (HTTP 403: ACL not found); ${where}`;
  }
  return `Consul refused the ACL token (HTTP 403: ${text || 'Permission denied'}): it may not read service "${request.service}" or its nodes; ${aclPolicyHint(request.service)}`;
}

/** The least a client's token needs to follow a service. */
export function aclPolicyHint(service: string): string {
  return `the least policy a client needs is service "${service}" { policy = "read" } plus node_prefix "" { policy = "read" }`;
}

function tlsProblem(error: Error, request: FailedRequest): string | undefined {
  const code = (error as { code?: unknown }).code;
  const text = typeof code === 'string' ? code : '';
  if (untrustedCertificate.has(text)) {
    return `the certificate of ${request.address} is not signed by a CA proxyless trusts (${text}: ${error.message}); give the CA that signed it as \`consul.ca\` or CONSUL_CACERT`;
  }
  if (text === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const why = (error as { reason?: unknown }).reason;
    return `the certificate of ${request.address} does not carry the name asked for (${typeof why === 'string' ? why : error.message}); set \`consul.servername\` (or CONSUL_TLS_SERVER_NAME) to a name it carries, such as server.dc1.consul`;
  }
  if (text === 'CERT_HAS_EXPIRED' || text === 'CERT_NOT_YET_VALID') {
    return `the certificate of ${request.address} is ${text === 'CERT_HAS_EXPIRED' ? 'expired' : 'not valid yet'} (${error.message}); renew it on the agent`;
  }
  if (/wrong version number|packet length too long|http request/i.test(error.message) && /^(ERR_SSL|EPROTO)/.test(text)) {
    return `the agent at ${request.address} does not speak TLS on this port (${text}); give its HTTPS port, or drop \`consul.secure\` if it serves plain HTTP`;
  }
  if (/ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|HANDSHAKE_FAILURE)/.test(text)) {
    return `the agent at ${request.address} refused the TLS handshake (${text}): it verifies clients (verify_incoming), so give a certificate signed by its CA as \`consul.cert\` and \`consul.key\`, or CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY`;
  }
  if (/^ERR_(SSL|TLS)_/.test(text)) return `${text}: ${error.message}`;
  return undefined;
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body.trim();
  if (Buffer.isBuffer(body)) return body.toString('utf8').trim();
  return '';
}

function describeBody(body: unknown): string {
  if (body === undefined) return 'nothing';
  if (Buffer.isBuffer(body)) return `${body.length} bytes that are not JSON`;
  if (Array.isArray(body)) return 'a list';
  return typeof body === 'object' && body !== null ? 'an object' : `a ${typeof body}`;
}
