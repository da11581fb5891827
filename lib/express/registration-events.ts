import type { RegistrationError } from '../errors/registration-error.js';

/** The events of a {@link Registration}, by name, with their payloads. */
export interface RegistrationEvents {
  /** Consul's agent accepted the instance: at start, and `again` after an agent that forgot it (it restarted empty). */
  registered: [RegisteredEvent];
  /** A call to the agent failed; proxyless retries by itself (except a failed deregistration, which it reports only). */
  registrationError: [RegistrationError];
  /** The drain began: the instance is leaving Consul, and every response now says `Connection: close`. */
  draining: [DrainingEvent];
  /** The drain is done: the server is closed. After a signal, the process exits next unless `drain.exit` is false. */
  drained: [DrainedEvent];
}

export interface RegisteredEvent {
  readonly service: string;
  readonly id: string;
  /** True when the agent had forgotten the instance and it was registered again. */
  readonly again: boolean;
}

export interface DrainingEvent {
  readonly service: string;
  readonly id: string;
  /** The signal that started the drain; undefined when `drain()` was called. */
  readonly signal: NodeJS.Signals | undefined;
}

/** What a drain did. */
export interface DrainResult {
  /** Whether the agent confirmed the deregistration. If not, the instance leaves once its check turns critical. */
  readonly deregistered: boolean;
  /** Requests still unanswered when `drain.timeoutMs` ran out; their connections were closed. */
  readonly requestsCutOff: number;
  /** From the start of the drain to the server closed. */
  readonly durationMs: number;
}

export interface DrainedEvent extends DrainingEvent, DrainResult {}
