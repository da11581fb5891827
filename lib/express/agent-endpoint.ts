import type Consul from 'consul';
import type { ConsulConnection } from '../discovery/consul-connection.js';
import { RegistrationError, type RegistrationOperation } from '../errors/registration-error.js';
import type { HealthState } from './register-options.js';
import { checkIdOf, type ServiceDefinition } from './service-definition.js';

/**
 * The calls of the Consul agent's API that keep one instance registered. Every failure is a
 * {@link RegistrationError} naming the call, the agent's address and the cause, never the ACL token.
 */
export interface AgentEndpoint {
  /** The agent's address, for messages. */
  readonly address: string;
  register(definition: ServiceDefinition): Promise<void>;
  deregister(): Promise<void>;
  /** Whether the agent still holds the instance (an agent restarted empty does not). */
  holdsService(): Promise<boolean>;
  /** Sets the TTL check's state; `false` when the agent does not know the check (it forgot the instance). */
  reportTtl(state: HealthState, output: string): Promise<boolean>;
  /** Lets go of the connection; no call is made afterwards. */
  close(): void;
}

/**
 * A local agent answers in milliseconds; this bounds a call to one that hangs (a stopped VM, a dropped
 * packet), so a drain is never held up by it for long.
 */
const callTimeoutMs = 5_000;

interface PapiRequest {
  readonly path: string;
  readonly params: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly timeout: number;
  readonly type?: 'json';
  readonly body?: unknown;
}

/**
 * The request methods of papi, the HTTP layer the `consul` package is built on; its own endpoints call
 * them the same way. They are used directly because the package's `agent.service.register` drops
 * `Weights`, and it has no call for `/v1/agent/service/<id>` or `/v1/agent/check/update/<id>`.
 */
interface PapiClient {
  _get(request: PapiRequest): Promise<unknown>;
  _put(request: PapiRequest): Promise<unknown>;
  /** The package's request defaults, where a token given at construction lives. */
  _defaults?: { token?: unknown };
}

export function consulAgentEndpoint(connection: ConsulConnection, service: string, instanceId: string): AgentEndpoint {
  const client: Consul = connection.createClient();
  const papi = client as unknown as PapiClient;
  const token = papi._defaults?.token;
  const request = (path: string, body?: unknown): PapiRequest => ({
    path,
    params: { id: instanceId, check: checkIdOf(instanceId) },
    headers: typeof token === 'string' && token !== '' ? { 'x-consul-token': token } : {},
    timeout: callTimeoutMs,
    ...(body === undefined ? {} : { type: 'json' as const, body }),
  });
  const failure = (operation: RegistrationOperation, error: unknown): RegistrationError => {
    const { problem, statusCode } = describeFailure(error);
    return new RegistrationError(operation, service, instanceId, connection.address, problem, statusCode);
  };
  let closed = false;

  return {
    address: connection.address,
    async register(definition) {
      await papi._put(request('/agent/service/register', definition)).catch((error: unknown) => {
        throw failure('register', error);
      });
    },
    async deregister() {
      await papi._put(request('/agent/service/deregister/{id}')).catch((error: unknown) => {
        throw failure('deregister', error);
      });
    },
    async holdsService() {
      try {
        await papi._get(request('/agent/service/{id}'));
        return true;
      } catch (error) {
        if (statusOf(error) === 404) return false;
        throw failure('sync', error);
      }
    },
    async reportTtl(state, output) {
      try {
        await papi._put(request('/agent/check/update/{check}', { Status: state, Output: output }));
        return true;
      } catch (error) {
        if (forgotCheck(error)) return false;
        throw failure('ttl', error);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      connection.releaseClient(client);
    },
  };
}

/**
 * An agent that does not know a TTL check answers 404 "Unknown check ID" (Consul 1.11 on) or 500
 * "CheckID … does not have associated TTL" (before).
 */
function forgotCheck(error: unknown): boolean {
  const status = statusOf(error);
  if (status === 404) return true;
  return status === 500 && /unknown check|does not have associated TTL/i.test(describeFailure(error).problem);
}

function statusOf(error: unknown): number | undefined {
  const response = typeof error === 'object' && error !== null ? (error as { response?: unknown }).response : undefined;
  const status = typeof response === 'object' && response !== null ? (response as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === 'number' ? status : undefined;
}

/** The cause in words, from the agent's own answer when there is one; the request (and its token header) stays out. */
function describeFailure(error: unknown): { problem: string; statusCode?: number } {
  const statusCode = statusOf(error);
  // papi prefixes the client's name to every message it passes on.
  if (statusCode === undefined) return { problem: (error instanceof Error ? error.message : String(error)).replace(/^consul: /, '') };
  const raw: unknown = (error as { response: { body?: unknown } }).response.body;
  const text = (Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '').trim();
  const detail = text === '' ? (error instanceof Error ? error.message : 'no body') : text.length > 300 ? `${text.slice(0, 300)}…` : text;
  return { problem: `HTTP ${statusCode}: ${detail}`, statusCode };
}
