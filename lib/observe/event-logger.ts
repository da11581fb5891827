import type { ClientEvents } from '../client/client-events.js';
import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { TypedEmitter } from '../events/typed-emitter.js';

/**
 * Where a client writes what it decides: a pino logger as it is, or anything with pino's four methods
 * taking `(fields, message)` — `console` included. A client has none by default and says nothing.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

const levels = ['debug', 'info', 'warn', 'error'] as const;

/** The `logger` option, checked: an object with the four methods. */
export function checkLogger(value: unknown): Logger {
  const logger = value as Partial<Record<(typeof levels)[number], unknown>> | null;
  const missing = typeof logger === 'object' && logger !== null ? levels.filter((level) => typeof logger[level] !== 'function') : levels;
  if (missing.length > 0) {
    throw new InvalidOptionError(
      'logger',
      `must have the methods debug, info, warn and error (a pino logger, or console); ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`,
    );
  }
  return value as Logger;
}

/**
 * Writes every event of a client to `logger`, one line each: routine decisions (a failed attempt, a retry,
 * a hedge) at `debug`, changes of the instance set and recoveries at `info`, an instance taken out, a failure
 * not retried and discovery trouble at `warn`, panic at `error`. Errors are written as their type, code and
 * message only — never the error object, whose causes may carry a request's options.
 */
export function logEvents(events: TypedEmitter<ClientEvents>, logger: Logger): void {
  events.on('instancesChanged', ({ service, instances, added, removed }) => {
    logger.info(
      { service, instances: instances.length, added: ids(added), removed: ids(removed) },
      `${service}: ${instances.length} instance${instances.length === 1 ? '' : 's'}${change(added, removed)}`,
    );
  });
  events.on('attemptFailed', ({ service, method, url, attempt, error }) => {
    logger.debug(
      { service, method, url, instance: attempt.instance.id, outcome: attempt.outcome, status: attempt.status, durationMs: attempt.durationMs, error: describeError(error) },
      `${service}: ${method} ${url} on ${attempt.instance.id} failed: ${attempt.status ?? attempt.outcome}`,
    );
  });
  events.on('retry', ({ service, method, url, after, delayMs }) => {
    logger.debug(
      { service, method, url, instance: after.instance.id, outcome: after.outcome, status: after.status, delayMs },
      `${service}: retrying ${method} ${url} after ${after.status ?? after.outcome} on ${after.instance.id}, in ${Math.round(delayMs)} ms`,
    );
  });
  events.on('notRetried', ({ service, method, url, after, reason }) => {
    logger.warn(
      { service, method, url, instance: after.instance.id, outcome: after.outcome, status: after.status, reason },
      `${service}: ${method} ${url} failed on ${after.instance.id} (${after.status ?? after.outcome}) and was not retried: ${reason}`,
    );
  });
  events.on('hedge', ({ service, method, url, instance, afterMs }) => {
    logger.debug({ service, method, url, instance: instance.id, afterMs }, `${service}: hedged ${method} ${url} to ${instance.id} after ${Math.round(afterMs)} ms`);
  });
  events.on('breakerOpened', ({ service, instance }) => {
    logger.warn({ service, instance: instance.id, address: address(instance), state: 'open' }, `${service}: ${instance.id} (${address(instance)}) taken out: its breaker opened`);
  });
  events.on('breakerHalfOpened', ({ service, instance }) => {
    logger.info({ service, instance: instance.id, address: address(instance), state: 'half-open' }, `${service}: ${instance.id} half-open: taking trial requests`);
  });
  events.on('breakerClosed', ({ service, instance }) => {
    logger.info({ service, instance: instance.id, address: address(instance), state: 'closed' }, `${service}: ${instance.id} back: its breaker closed`);
  });
  events.on('instanceEjected', ({ service, instance, forMs }) => {
    logger.warn(
      { service, instance: instance.id, address: address(instance), state: 'ejected', forMs },
      `${service}: ${instance.id} (${address(instance)}) ejected for ${Math.round(forMs / 1000)} s: it failed far more than its peers`,
    );
  });
  events.on('instanceReturned', ({ service, instance }) => {
    logger.info({ service, instance: instance.id, address: address(instance), state: 'healthy' }, `${service}: ${instance.id} back after its ejection`);
  });
  events.on('panicEntered', ({ service, available, instances }) => {
    logger.error(
      { service, available, instances },
      `${service}: panic: only ${available} of ${instances} instances available, so every instance takes traffic, breakers notwithstanding`,
    );
  });
  events.on('panicLeft', ({ service, available, instances }) => {
    logger.info({ service, available, instances }, `${service}: panic over: ${available} of ${instances} instances available`);
  });
  events.on('discoveryError', ({ service, error, instancesKept }) => {
    logger.warn({ service, instancesKept, error: describeError(error) }, `${service}: ${error.message}`);
  });
  events.on('discoveryStale', ({ service, reason, detail, instancesKept }) => {
    logger.warn({ service, reason, instancesKept }, `${service}: the instance list in use is stale (${reason}): ${detail}`);
  });
  events.on('discoveryRecovered', ({ service, instances }) => {
    logger.info({ service, instances }, `${service}: discovery answers normally again`);
  });
}

function ids(instances: readonly Instance[]): string[] {
  return instances.map((instance) => instance.id);
}

function change(added: readonly Instance[], removed: readonly Instance[]): string {
  const parts: string[] = [];
  if (added.length > 0) parts.push(`added ${ids(added).join(', ')}`);
  if (removed.length > 0) parts.push(`removed ${ids(removed).join(', ')}`);
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}

function address(instance: Instance): string {
  return instance.origin.replace(/^https?:\/\//, '');
}

function describeError(error: Error | undefined): Record<string, unknown> | undefined {
  if (error === undefined) return undefined;
  const code = (error as { code?: unknown }).code;
  return { type: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}
