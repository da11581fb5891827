// Unit tests of the `consul` option: defaults from Consul's CLI environment variables and validation.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Consul from 'consul';
import { consulConnection } from '../../lib/discovery/consul-connection.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';

describe('consul option', () => {
  test('defaults to 127.0.0.1:8500 without environment', () => {
    assert.equal(consulConnection(undefined, 'consul', {}).address, '127.0.0.1:8500');
  });

  test('reads CONSUL_HTTP_ADDR in each of the forms Consul CLI accepts', () => {
    assert.equal(consulConnection(undefined, 'consul', { CONSUL_HTTP_ADDR: 'consul.local:8501' }).address, 'consul.local:8501');
    assert.equal(consulConnection(undefined, 'consul', { CONSUL_HTTP_ADDR: 'http://10.0.0.2:8500' }).address, '10.0.0.2:8500');
    assert.equal(consulConnection(undefined, 'consul', { CONSUL_HTTP_ADDR: 'https://10.0.0.2:8501' }).address, 'https://10.0.0.2:8501');
    assert.equal(consulConnection(undefined, 'consul', { CONSUL_HTTP_ADDR: '[::1]:8500' }).address, '[::1]:8500');
    assert.equal(consulConnection(undefined, 'consul', { CONSUL_HTTP_ADDR: '10.0.0.2:8500', CONSUL_HTTP_SSL: 'true' }).address, 'https://10.0.0.2:8500');
  });

  test('explicit fields win over the environment', () => {
    const connection = consulConnection({ host: 'a.example', port: 9500 }, 'consul', { CONSUL_HTTP_ADDR: 'b.example:8500' });
    assert.equal(connection.address, 'a.example:9500');
  });

  test('the token changes the sharing key but never appears in the address', () => {
    const a = consulConnection({ token: 'secret-token-1' }, 'consul', {});
    const b = consulConnection(undefined, 'consul', { CONSUL_HTTP_TOKEN: 'secret-token-2' });
    assert.notEqual(a.key, b.key);
    assert.ok(!a.address.includes('secret') && !b.address.includes('secret'));
  });

  test('invalid values are refused with the option named', () => {
    const cases: [unknown, string][] = [
      [{ port: 0 }, 'consul.port'],
      [{ port: 70000 }, 'consul.port'],
      [{ port: 8.5 }, 'consul.port'],
      [{ host: 'http://x:8500' }, 'consul.host'],
      [{ secure: 'yes' }, 'consul.secure'],
      [{ ca: 42 }, 'consul.ca'],
      [{ ca: 'PEM', secure: false }, 'consul.ca'],
      ['127.0.0.1:8500', 'consul'],
    ];
    for (const [option, name] of cases) {
      assert.throws(
        () => consulConnection(option as never, 'consul', {}),
        (error: unknown) => error instanceof InvalidOptionError && error.option === name,
        JSON.stringify(option),
      );
    }
    assert.throws(() => consulConnection(undefined, 'consul', { CONSUL_HTTP_ADDR: 'ftp://x:1' }), InvalidOptionError);
    assert.throws(() => consulConnection(undefined, 'consul', { CONSUL_HTTP_SSL: 'maybe' }), InvalidOptionError);
  });

  test('a given Consul client is used as is and shared by identity', () => {
    const client = new Consul({ host: '10.9.8.7', port: 8600 });
    const a = consulConnection(client, 'consul', {});
    assert.equal(a.address, '10.9.8.7:8600');
    assert.equal(a.createClient(), client);
    assert.equal(consulConnection(client, 'consul', {}).key, a.key);
    assert.notEqual(consulConnection(new Consul(), 'consul', {}).key, a.key);
    client.destroy();
  });
});
