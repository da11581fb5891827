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

  test('retry and breaker numbers are checked', () => {
    rejectsOption({ service: 'users', discovery, retry: { attempts: 0 } }, 'retry.attempts', /1 to 10/);
    rejectsOption({ service: 'users', discovery, retry: { statuses: [700] } }, 'retry.statuses', /100 to 599/);
    rejectsOption({ service: 'users', discovery, breaker: { errorThresholdPercentage: 150 } }, 'breaker.errorThresholdPercentage', /1 to 100/);
    rejectsOption({ service: 'users', discovery, breaker: { resetTimeout: -1 } }, 'breaker.resetTimeout', /> 0/);
    rejectsOption({ service: 'users', discovery, breaker: { consecutiveFailures: 0 } }, 'breaker.consecutiveFailures', /≥ 1, or false/);
    rejectsOption({ service: 'users', discovery, discoveryTimeoutMs: 0 }, 'discoveryTimeoutMs', /> 0/);
    rejectsOption({ service: 'users', discovery, connectTimeoutMs: Number.NaN }, 'connectTimeoutMs', /> 0/);
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
