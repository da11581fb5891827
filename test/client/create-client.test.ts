import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import axios from 'axios';
import { createClient } from '../../lib/client/create-client.js';
import type { ClientOptions } from '../../lib/client/client-options.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { FakeDiscovery } from '../support/fake-discovery.js';

/** Asserts that createClient throws an InvalidOptionError for `option` whose message matches `says`. */
function rejectsOption(options: unknown, option: string, says: RegExp): void {
  assert.throws(
    () => createClient(options as ClientOptions),
    (error: unknown) => {
      assert.ok(error instanceof InvalidOptionError, `expected InvalidOptionError, got ${String(error)}`);
      assert.equal(error.code, 'ERR_PROXYLESS_INVALID_OPTION');
      assert.equal(error.option, option);
      assert.match(error.message, says);
      return true;
    },
  );
}

describe('createClient validates its options at construction', () => {
  const discovery = new FakeDiscovery([]);

  test('a missing service is named, with an example', () => {
    rejectsOption({}, 'service', /required.*service: 'users'/);
    rejectsOption({ service: '' }, 'service', /non-empty string/);
    rejectsOption({ service: 'users/v1', discovery }, 'service', /no '\/'/);
    rejectsOption(undefined, 'options', /must be an object/);
  });

  test('an unknown picker name lists the valid ones', () => {
    rejectsOption({ service: 'users', discovery, picker: 'fastest' }, 'picker', /"fastest".*'round-robin'.*'p2c-ewma'/);
    rejectsOption({ service: 'users', discovery, picker: 'locality' }, 'picker', /zone.*createPicker\('locality'/);
    rejectsOption({ service: 'users', discovery, picker: { choose: () => undefined } }, 'picker', /pick\(instances, context\)/);
  });

  test('an unknown option is named with the valid ones', () => {
    rejectsOption({ service: 'users', discovery, retries: 3 }, 'retries', /not an option.*retry/);
  });

  test('a misspelt key is refused at every depth, with the path, the valid keys and the likely intent', () => {
    rejectsOption({ service: 'users', discovery, retry: { attemptTimeoutMS: 500 } }, 'retry.attemptTimeoutMS', /did you mean `retry\.attemptTimeoutMs`\?/);
    rejectsOption({ service: 'users', discovery, breaker: { foo: 1 } }, 'breaker.foo', /not an option of `breaker`.*consecutiveFailures/);
    rejectsOption({ service: 'users', discovery, retry: { budget: { ration: 0.1 } } }, 'retry.budget.ration', /did you mean `retry\.budget\.ratio`/);
    rejectsOption({ service: 'users', discovery, retry: { backoff: { maxMS: 10 } } }, 'retry.backoff.maxMS', /did you mean `retry\.backoff\.maxMs`/);
    rejectsOption({ service: 'users', discovery, hedge: { delay: 50 } }, 'hedge.delay', /did you mean `hedge\.delayMs`/);
    rejectsOption({ service: 'users', discovery, tls: { servrname: 'x' } }, 'tls.servrname', /did you mean `tls\.servername`/);
    rejectsOption({ service: 'users', discovery, retyr: {} }, 'retyr', /did you mean `retry`/);
  });

  test("a time longer than Node's timers hold is refused rather than turned into 1 ms", () => {
    rejectsOption({ service: 'users', discovery, defaultDeadlineMs: 2 ** 31 }, 'defaultDeadlineMs', /2147483647/);
    rejectsOption({ service: 'users', discovery, retry: { attemptTimeoutMs: 3e9 } }, 'retry.attemptTimeoutMs', /2147483647/);
    rejectsOption({ service: 'users', discovery, breaker: { resetTimeout: 2 ** 32 } }, 'breaker.resetTimeout', /24\.8 days/);
  });

  test('an axios instance that would route around the balancer is refused', () => {
    rejectsOption({ service: 'users', discovery, axios: axios.create({ proxy: { host: 'proxy', port: 3128 } }) }, 'axios.proxy', /connects to instances directly/);
    rejectsOption({ service: 'users', discovery, axios: { socketPath: '/run/users.sock' } }, 'axios.socketPath', /Unix socket/);
    rejectsOption({ service: 'users', discovery, axios: { maxRedirects: 5 } }, 'axios.maxRedirects', /Location/);
  });

  test('hedging needs a delay', () => {
    rejectsOption({ service: 'users', discovery, hedge: {} }, 'hedge.delayMs', /required/);
    rejectsOption({ service: 'users', discovery, hedge: { delayMs: 'p99' } }, 'hedge.delayMs', /milliseconds/);
  });

  test('retry and breaker numbers are checked', () => {
    rejectsOption({ service: 'users', discovery, retry: { attempts: 0 } }, 'retry.attempts', /1 to 10/);
    rejectsOption({ service: 'users', discovery, retry: { statuses: [503, 700] } }, 'retry.statuses[1]', /100 to 599/);
    rejectsOption({ service: 'users', discovery, breaker: { errorThresholdPercentage: 150 } }, 'breaker.errorThresholdPercentage', /1 to 100/);
    rejectsOption({ service: 'users', discovery, breaker: { resetTimeout: -1 } }, 'breaker.resetTimeout', /from 1/);
    rejectsOption({ service: 'users', discovery, breaker: { consecutiveFailures: 0 } }, 'breaker.consecutiveFailures', /at least 1/);
    rejectsOption({ service: 'users', discovery, discoveryTimeoutMs: 0 }, 'discoveryTimeoutMs', /from 1/);
    rejectsOption({ service: 'users', discovery, connectTimeoutMs: Number.NaN }, 'connectTimeoutMs', /got NaN/);
  });

  test('an absolute baseURL on a wrapped axios instance is refused', () => {
    rejectsOption({ service: 'users', discovery, axios: axios.create({ baseURL: 'http://users.internal' }) }, 'axios.baseURL', /bypass the balancer.*\/api\/v1/);
    rejectsOption({ service: 'users', discovery, axios: { baseURL: '//users.internal' } }, 'axios.baseURL', /path prefix/);
  });

  test('a Consul address beside a custom discovery is refused as ambiguous', () => {
    rejectsOption({ service: 'users', discovery, consul: { host: '127.0.0.1' } }, 'consul', /custom discovery/);
  });

  test('valid options build a client without starting anything that outlives close()', async () => {
    const client = createClient({ service: 'users', discovery, picker: 'least-request', retry: { attempts: 2 }, breaker: false });
    assert.equal(client.service, 'users');
    await client.close();
  });
});
