import { Agent as HttpAgent, type AgentOptions, type ClientRequest, type ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connectTimeoutError } from '../connect-timeout.js';
import { defaultIdleMs, idleMsForKeepAlive } from '../idle-sockets.js';

const established = Symbol('proxyless.established');

/**
 * Whether a socket ever became ready to carry a request (TCP connected, and the TLS handshake done for
 * HTTPS). A request whose socket never did cannot have reached the server: this is what makes "never
 * sent" a fact rather than a guess from an error code.
 */
export function wasEstablished(socket: unknown): boolean {
  return typeof socket === 'object' && socket !== null && (socket as { [established]?: boolean })[established] === true;
}

export interface InstancePoolOptions {
  readonly connectTimeoutMs: number;
  /** TLS options for `https:` instances (CA, client certificate, server name, …). */
  readonly tls?: HttpsAgentOptions;
}

/**
 * The keep-alive connection pool of one instance.
 *
 * - A connect timeout: axios's `timeout` covers a whole attempt and a connection to a host that drops
 *   packets would otherwise wait for the kernel's SYN retries, minutes. Failing the connect alone, early,
 *   is always safe to retry elsewhere.
 * - Idle sockets are closed a second before the server's advertised `Keep-Alive: timeout` (4 s without
 *   one), as undici does: a request written to a socket the server is closing at that instant is lost
 *   after it may have been read, and only an idempotent one could be retried.
 * - Sockets remember whether they were ever established, for the transport's classification.
 */
export interface InstancePool {
  readonly agent: HttpAgent;
  /** Lets requests under way finish, then closes their sockets instead of pooling them. */
  retire(): void;
  destroy(): void;
}

export function createInstancePool(secure: boolean, options: InstancePoolOptions): InstancePool {
  const settings: PoolSettings = { idleMs: defaultIdleMs, retired: false };
  const agentOptions: AgentOptions = { keepAlive: true, scheduling: 'lifo' };
  const agent = secure ? new HttpsAgent({ ...agentOptions, ...options.tls }) : new HttpAgent(agentOptions);
  watchSockets(agent, secure ? 'secureConnect' : 'connect', options.connectTimeoutMs, settings);
  return {
    agent,
    retire() {
      settings.retired = true;
      for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    },
    destroy() {
      agent.destroy();
    },
  };
}

interface PoolSettings {
  idleMs: number;
  retired: boolean;
}

/**
 * Gives one of Node's agents — http or https, which share no subclass of ours — the pool's ways with its
 * sockets, by wrapping the methods the agent calls on itself: the connect timeout and the "established"
 * mark on each new socket, the idle timeout on each freed one, none on a reused one.
 */
function watchSockets(agent: HttpAgent, readyEvent: 'connect' | 'secureConnect', connectTimeoutMs: number, settings: PoolSettings): void {
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (options: ClientRequestArgs, callback?: (error: Error | null, socket: Duplex) => void) => {
    const socket = createConnection(options, callback);
    // For HTTPS the handshake is part of connecting: a server that accepts TCP but never answers TLS is as dead.
    if (socket) watchConnect(socket as Socket, readyEvent, connectTimeoutMs, options);
    return socket;
  };
  const keepSocketAlive = agent.keepSocketAlive.bind(agent);
  agent.keepSocketAlive = (socket: Duplex) => keepIdle(settings, socket, () => keepSocketAlive(socket));
  const reuseSocket = agent.reuseSocket.bind(agent);
  agent.reuseSocket = (socket: Duplex, request: ClientRequest) => {
    (socket as Socket).setTimeout(0);
    reuseSocket(socket, request);
  };
}

function watchConnect(socket: Socket, readyEvent: 'connect' | 'secureConnect', timeoutMs: number, options: ClientRequestArgs): void {
  const timer = setTimeout(() => {
    socket.destroy(connectTimeoutError(options.host ?? 'localhost', String(options.port), timeoutMs));
  }, timeoutMs);
  socket.once(readyEvent, () => {
    clearTimeout(timer);
    (socket as Socket & { [established]?: boolean })[established] = true;
  });
  socket.once('close', () => clearTimeout(timer));
}

/**
 * Node's agent keeps a freed socket when `keepSocketAlive` returns true (its declared type says void);
 * an idle socket then times out on its own and the agent destroys it. The idle time follows the
 * `Keep-Alive` hint of the response that just freed the socket, so even the first sockets of a pool
 * close before the server closes them.
 */
function keepIdle(settings: PoolSettings, socket: Duplex, keep: () => unknown): void {
  const kept = !settings.retired && keep() === true;
  if (kept) {
    settings.idleMs = idleMsForKeepAlive(keepAliveHint(socket)) ?? settings.idleMs;
    (socket as Socket).setTimeout(settings.idleMs);
  }
  return kept as unknown as undefined;
}

/**
 * The `Keep-Alive` header of the response whose end freed `socket`. The socket is pooled before the
 * response reaches axios, so the header is read where Node's own agent reads it for the same purpose
 * (`socket._httpMessage.res`, `Agent.prototype.keepSocketAlive`).
 */
function keepAliveHint(socket: Duplex): unknown {
  return (socket as { _httpMessage?: { res?: { headers?: Record<string, unknown> } } | null })._httpMessage?.res?.headers?.['keep-alive'];
}
