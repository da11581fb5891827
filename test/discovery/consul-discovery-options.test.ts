// The options of Consul discovery, checked when a client is created: every key at every depth, with the
// nearest valid key named, before anything starts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../../lib/client/create-client.js';
import { ConsulDiscovery } from '../../lib/discovery/consul-discovery.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';

function refused(make: () => unknown, option: string, message: RegExp): void {
  assert.throws(make, (error: unknown) => {
    assert.ok(error instanceof InvalidOptionError, String(error));
    assert.equal(error.option, option);
    assert.match(error.message, message);
    return true;
  });
}

describe('Consul discovery options', () => {
  test('a misspelt key anywhere is refused with the nearest valid one, its full path named', () => {
    refused(() => createClient({ service: 'users', discovery: { snapshotPth: '/tmp/x.json' } as never }), 'discovery.snapshotPth', /did you mean `discovery\.snapshotPath`\?/);
    refused(() => createClient({ service: 'users', consul: { host: 'a', tokn: 'secret' } as never }), 'consul.tokn', /did you mean `consul\.token`\?/);
    refused(() => createClient({ service: 'users', consul: [{ host: 'a' }, { host: 'b', prot: 8501 } as never] }), 'consul[1].prot', /did you mean `consul\[1\]\.port`\?/);
    refused(() => new ConsulDiscovery({ service: 'users', chached: true } as never), 'discovery.chached', /did you mean `discovery\.cached`\?/);
  });

  test('values are checked: consistency, the cache with it, the grace period, the snapshot path', () => {
    refused(() => createClient({ service: 'users', discovery: { consistency: 'stael' as never } }), 'discovery.consistency', /did you mean 'stale'/);
    refused(() => createClient({ service: 'users', discovery: { cached: true, consistency: 'consistent' } }), 'discovery.consistency', /agent cache cannot give/);
    refused(() => createClient({ service: 'users', discovery: { cached: 'yes' as never } }), 'discovery.cached', /true or false/);
    refused(() => createClient({ service: 'users', discovery: { emptyGraceMs: -1 } }), 'discovery.emptyGraceMs', /or false for none/);
    refused(() => createClient({ service: 'users', discovery: { snapshotPath: '' } }), 'discovery.snapshotPath', /non-empty string/);
  });

  test('valid options are accepted, and the description names every agent in order', () => {
    const discovery = new ConsulDiscovery({
      service: 'users',
      consul: [{ host: '127.0.0.1', port: 8500 }, { host: '10.0.0.2', port: 8500, token: 'secret-token' }],
      cached: true,
      consistency: 'stale',
      snapshotPath: '/var/lib/app/users.json',
      emptyGraceMs: false,
    });
    assert.equal(discovery.description, 'consul at 127.0.0.1:8500 or 10.0.0.2:8500, service "users"');
    assert.ok(!discovery.description.includes('secret'));
  });
});
