import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AxiosError, AxiosHeaders, type AxiosResponse } from 'axios';
import fc from 'fast-check';
import { blamesInstance, classifyFailure, ServerErrorResponse, type AttemptFailureKind } from '../../lib/retry/attempt-failure.js';
import { RetryPolicy } from '../../lib/retry/retry-policy.js';
import { connectTimeoutCode } from '../../lib/transport/instance-agent.js';

function networkError(code: string, request: object = {}): AxiosError {
  return new AxiosError(`boom ${code}`, code, undefined, request);
}

function statusError(status: number): AxiosError {
  const response = { status, statusText: '', data: null, headers: {}, config: { headers: new AxiosHeaders() } } as AxiosResponse;
  return new AxiosError(`status ${status}`, status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST', undefined, {}, response);
}

describe('classifyFailure', () => {
  test('errors before any byte was sent are not-sent', () => {
    for (const code of ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', connectTimeoutCode, 'EOPENBREAKER']) {
      assert.equal(classifyFailure(networkError(code)), 'not-sent', code);
    }
    const breakerOpen = Object.assign(new Error('Breaker is open'), { code: 'EOPENBREAKER' });
    assert.equal(classifyFailure(breakerOpen), 'not-sent');
  });

  test('a reset on a reused keep-alive socket is not-sent; on a fresh one, connection-lost', () => {
    assert.equal(classifyFailure(networkError('ECONNRESET', { reusedSocket: true })), 'not-sent');
    assert.equal(classifyFailure(networkError('ECONNRESET', { reusedSocket: false })), 'connection-lost');
    assert.equal(classifyFailure(networkError('EPIPE')), 'connection-lost');
  });

  test('responses are server-error from 500 up, rejected-status below', () => {
    assert.equal(classifyFailure(statusError(503)), 'server-error');
    assert.equal(classifyFailure(statusError(404)), 'rejected-status');
    const accepted = { status: 502 };
    assert.equal(classifyFailure(new ServerErrorResponse(accepted)), 'server-error');
  });

  test('timeouts, cancellations and anything unknown', () => {
    assert.equal(classifyFailure(networkError('ECONNABORTED')), 'timeout');
    assert.equal(classifyFailure(networkError('ETIMEDOUT')), 'timeout');
    assert.equal(classifyFailure(new AxiosError('canceled', 'ERR_CANCELED')), 'canceled');
    assert.equal(classifyFailure(new TypeError('interceptor bug')), 'other');
    assert.equal(classifyFailure('a string'), 'other');
  });

  test('only failures of the instance count against it', () => {
    const blamed: AttemptFailureKind[] = ['not-sent', 'connection-lost', 'timeout', 'server-error'];
    for (const kind of ['not-sent', 'connection-lost', 'timeout', 'server-error', 'rejected-status', 'canceled', 'other'] as const) {
      assert.equal(blamesInstance(kind), blamed.includes(kind), kind);
    }
  });
});

describe('RetryPolicy', () => {
  const kinds = ['not-sent', 'connection-lost', 'timeout', 'server-error', 'rejected-status', 'canceled', 'other'] as const;
  const methods = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE', 'POST', 'PATCH', 'CONNECT'] as const;
  const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

  test('retries exactly what the documented table says, for every kind, method and status', () => {
    const policy = new RetryPolicy(undefined);
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.constantFrom(...methods), fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }), (kind, method, status) => {
        const expected =
          kind === 'not-sent' ||
          ((kind === 'connection-lost' || kind === 'timeout') && idempotent.has(method)) ||
          (kind === 'server-error' && status !== undefined && [502, 503, 504].includes(status) && idempotent.has(method));
        assert.equal(policy.shouldRetry(kind, method, status), expected);
      }),
      { numRuns: 2_000 },
    );
  });

  test('retry: false tries once; custom statuses and methods replace the defaults', () => {
    assert.equal(new RetryPolicy(false).attempts, 1);
    const policy = new RetryPolicy({ attempts: 2, statuses: [500], idempotentMethods: ['post'] });
    assert.equal(policy.attempts, 2);
    assert.equal(policy.shouldRetry('server-error', 'POST', 500), true);
    assert.equal(policy.shouldRetry('server-error', 'GET', 503), false);
  });
});
