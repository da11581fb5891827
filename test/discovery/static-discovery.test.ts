// Unit tests of staticDiscovery: a fixed list of instances for local development.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { staticDiscovery } from '../../lib/discovery/static-discovery.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { DiscoveryRecorder } from '../support/discovery-recorder.js';

describe('staticDiscovery', () => {
  test('delivers one frozen instance per origin, with the origin as id', async () => {
    const recorder = new DiscoveryRecorder();
    const discovery = staticDiscovery(['http://127.0.0.1:3000', 'https://api.local', 'http://[::1]:3001'], { service: 'users' });
    const subscription = discovery.subscribe(recorder);
    await recorder.until((r) => r.sets.length === 1);
    subscription.close();
    const [a, b, c] = recorder.latest!;
    assert.deepEqual([a!.id, a!.host, a!.port, a!.service], ['http://127.0.0.1:3000', '127.0.0.1', 3000, 'users']);
    assert.deepEqual([b!.origin, b!.port], ['https://api.local', 443]);
    assert.deepEqual([c!.host, c!.origin], ['::1', 'http://[::1]:3001']);
    assert.ok(Object.isFrozen(recorder.latest) && Object.isFrozen(a));
    assert.match(discovery.description, /static list of 3 instances/);
  });

  test('refuses what is not an origin, and duplicates', () => {
    for (const urls of [[], ['not a url'], ['http://127.0.0.1:3000/api'], ['ftp://x:21'], ['http://a:1', 'http://a:1/']]) {
      assert.throws(() => staticDiscovery(urls), InvalidOptionError, JSON.stringify(urls));
    }
  });

  test('a subscription closed at once receives nothing', async () => {
    const recorder = new DiscoveryRecorder();
    staticDiscovery(['http://127.0.0.1:3000']).subscribe(recorder).close();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(recorder.sets.length, 0);
  });
});
