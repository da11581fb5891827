// Unit tests of the mapping from Consul health entries to Instances (pure functions, no Consul).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emptySnapshot, instanceFromHealthEntry, nextInstanceSnapshot } from '../../lib/discovery/consul-health-entries.js';

type Status = 'passing' | 'warning' | 'critical';

function entry(options: { id: string; node?: string; address?: string; nodeAddress?: string; port?: number; checks?: Status[]; weights?: { Passing: number; Warning: number }; tags?: string[] }) {
  return {
    Node: { Node: options.node ?? 'node-a', Address: options.nodeAddress ?? '10.0.0.1', Datacenter: 'dc1', Meta: { zone: 'z1' } },
    Service: {
      ID: options.id,
      Service: 'users',
      Address: options.address ?? '',
      Port: options.port ?? 8080,
      Tags: options.tags ?? [],
      Meta: { version: '2' },
      ...(options.weights ? { Weights: options.weights } : {}),
    },
    Checks: (options.checks ?? ['passing']).map((Status) => ({ Status })),
  };
}

const passingOnly = { includeWarning: false };
const withWarning = { includeWarning: true };

describe('Consul health entry to Instance', () => {
  test('the service address wins over the node address, and the node describes where it runs', () => {
    const instance = instanceFromHealthEntry('users', entry({ id: 'u1', address: '10.1.1.1' }), passingOnly)!;
    assert.equal(instance.host, '10.1.1.1');
    assert.equal(instance.origin, 'http://10.1.1.1:8080');
    assert.deepEqual(instance.node, { name: 'node-a', address: '10.0.0.1', datacenter: 'dc1', meta: { zone: 'z1' } });
    assert.deepEqual(instance.meta, { version: '2' });
  });

  test('an empty service address falls back to the node address', () => {
    assert.equal(instanceFromHealthEntry('users', entry({ id: 'u1' }), passingOnly)!.host, '10.0.0.1');
  });

  test('an IPv6 host is bracketed in the origin only', () => {
    const instance = instanceFromHealthEntry('users', entry({ id: 'u1', address: 'fd00::1' }), passingOnly)!;
    assert.equal(instance.host, 'fd00::1');
    assert.equal(instance.origin, 'http://[fd00::1]:8080');
  });

  test('weight is Weights.Passing, at least 1, and Weights.Warning while warning', () => {
    assert.equal(instanceFromHealthEntry('users', entry({ id: 'a' }), passingOnly)!.weight, 1);
    assert.equal(instanceFromHealthEntry('users', entry({ id: 'a', weights: { Passing: 5, Warning: 2 } }), passingOnly)!.weight, 5);
    assert.equal(instanceFromHealthEntry('users', entry({ id: 'a', weights: { Passing: 0, Warning: 0 } }), passingOnly)!.weight, 1);
    const warning = instanceFromHealthEntry('users', entry({ id: 'a', weights: { Passing: 5, Warning: 2 }, checks: ['passing', 'warning'] }), withWarning)!;
    assert.equal(warning.health, 'warning');
    assert.equal(warning.weight, 2);
  });

  test('the worst check decides: critical is never routable, warning only with includeWarning', () => {
    assert.equal(instanceFromHealthEntry('users', entry({ id: 'a', checks: ['passing', 'critical'] }), withWarning), undefined);
    assert.equal(instanceFromHealthEntry('users', entry({ id: 'a', checks: ['warning'] }), passingOnly), undefined);
    assert.equal(instanceFromHealthEntry('users', entry({ id: 'a', checks: ['warning'] }), withWarning)!.health, 'warning');
  });

  test('the same service ID on two nodes becomes two ids made unique with the node name', () => {
    const body = [entry({ id: 'web', node: 'node-a' }), entry({ id: 'web', node: 'node-b' }), entry({ id: 'api', node: 'node-a' })];
    const snapshot = nextInstanceSnapshot('users', body, emptySnapshot, passingOnly)!;
    assert.deepEqual(snapshot.instances.map((i) => i.id), ['api', 'web@node-a', 'web@node-b']);
  });

  test('an unchanged answer yields no new set, and unchanged instances keep their identity', () => {
    const first = nextInstanceSnapshot('users', [entry({ id: 'a' }), entry({ id: 'b' })], emptySnapshot, passingOnly)!;
    assert.equal(nextInstanceSnapshot('users', [entry({ id: 'b' }), entry({ id: 'a' })], first, passingOnly), undefined);
    const second = nextInstanceSnapshot('users', [entry({ id: 'a' }), entry({ id: 'b', tags: ['new'] })], first, passingOnly)!;
    assert.equal(second.instances[0], first.instances[0]);
    assert.notEqual(second.instances[1], first.instances[1]);
    assert.ok(Object.isFrozen(second.instances) && Object.isFrozen(second.instances[1]!.tags) && Object.isFrozen(second.instances[1]!.node.meta));
  });

  test('entries whose Consul indexes and health did not move keep their instances; a moved index is read again', () => {
    const indexed = (id: string, serviceIndex: number, nodeIndex: number, fields: Parameters<typeof entry>[0] = { id }) => {
      const raw = entry(fields);
      return { ...raw, Node: { ...raw.Node, ModifyIndex: nodeIndex }, Service: { ...raw.Service, ModifyIndex: serviceIndex } };
    };
    const first = nextInstanceSnapshot('users', [indexed('a', 10, 5), indexed('b', 11, 5)], emptySnapshot, passingOnly)!;
    assert.equal(nextInstanceSnapshot('users', [indexed('a', 10, 5), indexed('b', 11, 5)], first, passingOnly), undefined);
    // A new index with the same content is the same instance; a new index with new content is a change.
    assert.equal(nextInstanceSnapshot('users', [indexed('a', 12, 5), indexed('b', 11, 5)], first, passingOnly), undefined);
    const moved = nextInstanceSnapshot('users', [indexed('a', 10, 5), indexed('b', 13, 5, { id: 'b', port: 9090 })], first, passingOnly)!;
    assert.equal(moved.instances[0], first.instances[0]);
    assert.equal(moved.instances[1]!.port, 9090);
    // Health is read from the checks every time: a warning is a change even with the same indexes.
    const warning = nextInstanceSnapshot('users', [indexed('a', 10, 5, { id: 'a', checks: ['warning'] }), indexed('b', 11, 5)], first, withWarning)!;
    assert.equal(warning.instances[0]!.health, 'warning');
  });

  test('instances on one node share its node object', () => {
    const snapshot = nextInstanceSnapshot('users', [entry({ id: 'a' }), entry({ id: 'b' })].map((raw) => ({ ...raw, Node: { ...raw.Node, ModifyIndex: 3 } })), emptySnapshot, passingOnly)!;
    assert.equal(snapshot.instances[0]!.node, snapshot.instances[1]!.node);
  });

  test('an empty answer after a non-empty one is a change to the empty set', () => {
    const first = nextInstanceSnapshot('users', [entry({ id: 'a' })], emptySnapshot, passingOnly)!;
    assert.deepEqual(nextInstanceSnapshot('users', [], first, passingOnly)!.instances, []);
  });
});

test("an instance whose service meta says scheme: https is reached over HTTPS", () => {
  const entry = (meta: Record<string, string>) => ({
    Node: { Node: 'n1', Address: '10.0.0.1', Datacenter: 'dc1', Meta: {} },
    Service: { ID: 'users-1', Service: 'users', Address: '10.0.0.5', Port: 8443, Tags: [], Meta: meta, Weights: { Passing: 1, Warning: 1 } },
    Checks: [{ Status: 'passing' }],
  });
  assert.equal(instanceFromHealthEntry('users', entry({ scheme: 'https' }), { includeWarning: false })?.origin, 'https://10.0.0.5:8443');
  assert.equal(instanceFromHealthEntry('users', entry({}), { includeWarning: false })?.origin, 'http://10.0.0.5:8443');
});
