import type { Instance } from '../discovery/instance.js';
import type { AttemptOutcome } from './attempt-outcome.js';
import type { AttemptSignal } from './attempt-signal.js';
import type { OutgoingRequest } from './outgoing-request.js';

/**
 * Sends one attempt of a request to one chosen instance and says how it ended.
 *
 * The transport is the last stage of a request's route: discovery found the instances, the picker chose
 * one, the health layer admitted the attempt; the transport owns the connections to each instance and
 * nothing else — no retries, no choice of instance, no deadline of its own beyond `signal`. It speaks no
 * HTTP client's types, so the axios transport and the undici transport are two implementations of it.
 *
 * Promises of an implementation:
 * - `send` never rejects: every way an attempt can end is an {@link AttemptOutcome}, and the kind is
 *   honest — `never-sent` only when no byte of the request can have reached the server;
 * - a buffered response's body has been read in full before the outcome is `response`, so a connection
 *   cut mid-body is `connection-lost`, not a success;
 * - once `signal` aborts, the attempt ends promptly as `cancelled` and its connection is not reused;
 * - after `close()` no socket or timer of the transport is left.
 */
export interface Transport {
  /** Shown in errors and stats: `axios`, `undici`. */
  readonly name: string;
  send(instance: Instance, request: OutgoingRequest, signal: AttemptSignal): Promise<AttemptOutcome>;
  /** The set of instances changed: connections to instances no longer in it may be released. */
  instancesChanged(instances: readonly Instance[]): void;
  /** Releases every connection. No attempt is sent afterwards. */
  close(): void;
}
