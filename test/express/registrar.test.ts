// The registrar's rules on an agent the test controls: retries, re-registration when the agent forgets, and a
// stop that never lets a registration land after it. The same rules against a real agent are in
// agent-restart.test.ts and consul-unreachable.test.ts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RegistrationCanceledError } from '../../lib/errors/registration-canceled-error.js';
import { RegistrationError } from '../../lib/errors/registration-error.js';
import type { AgentEndpoint } from '../../lib/express/agent-endpoint.js';
import { Registrar } from '../../lib/express/registrar.js';
import type { ResolvedCheck } from '../../lib/express/register-options.js';
import type { ServiceDefinition } from '../../lib/express/service-definition.js';
import { sleep, waitFor } from '../support/load.js';

const definition: ServiceDefinition = {
  ID: 'users-1',
  Name: 'users',
  Address: '127.0.0.1',
  Port: 3000,
  Tags: [],
  Meta: {},
  Check: { CheckID: 'service:users-1', Name: 'users health', DeregisterCriticalServiceAfter: '60000ms', TTL: '3000ms' },
};
const ttlCheck: ResolvedCheck = { kind: 'ttl', path: '/health', ttlMs: 300, deregisterAfterMs: 60_000 };
const httpCheck: ResolvedCheck = { kind: 'http', path: '/health', intervalMs: 1_000, timeoutMs: 1_000, deregisterAfterMs: 60_000 };

// The registrar's timers are unref'd: they must not keep a process alive by themselves. A real instance's
// server holds its process; this stands in for it.
let server: NodeJS.Timeout;
before(() => {
  server = setInterval(() => undefined, 1_000);
});
after(() => {
  clearInterval(server);
});

/** An agent whose answers the test decides; it records every call. */
class ScriptedAgent implements AgentEndpoint {
  readonly address = '127.0.0.1:8500';
  readonly calls: string[] = [];
  down = false;
  holds = true;
  knowsCheck = true;
  registerDelayMs = 0;

  async register(): Promise<void> {
    this.calls.push('register');
    if (this.registerDelayMs > 0) await sleep(this.registerDelayMs);
    this.#fail('register');
    this.holds = true;
    this.knowsCheck = true;
  }

  async deregister(): Promise<void> {
    this.calls.push('deregister');
  }

  async holdsService(): Promise<boolean> {
    this.calls.push('sync');
    this.#fail('sync');
    return this.holds;
  }

  async reportTtl(state: string): Promise<boolean> {
    this.calls.push(`report ${state}`);
    this.#fail('ttl');
    return this.knowsCheck;
  }

  close(): void {
    this.calls.push('close');
  }

  #fail(operation: 'register' | 'sync' | 'ttl'): void {
    if (this.down) throw new RegistrationError(operation, 'users', 'users-1', this.address, 'connect ECONNREFUSED 127.0.0.1:8500');
  }
}

function registrar(agent: ScriptedAgent, check: ResolvedCheck, overrides: { random?: () => number } = {}) {
  const registered: boolean[] = [];
  const errors: RegistrationError[] = [];
  const instance = new Registrar({
    endpoint: agent,
    definition,
    check,
    report: async () => ({ state: 'passing', output: 'passing' }),
    agentSyncIntervalMs: 200,
    random: overrides.random ?? (() => 0.5),
    onRegistered: (again) => registered.push(again),
    onError: (error) => errors.push(error),
  });
  return { instance, registered, errors };
}

test('while the agent is down, each failed attempt is reported and retried; the first success resolves registered()', { timeout: 10_000 }, async () => {
  const agent = new ScriptedAgent();
  agent.down = true;
  const { instance, registered, errors } = registrar(agent, httpCheck);
  instance.start();
  const first = instance.registered(5_000);
  await waitFor(() => errors.length >= 3, 5_000, 'three failed attempts');
  agent.down = false;
  await first;
  assert.deepEqual(registered, [false]);
  assert.ok(errors.every((error) => error.operation === 'register'));
  await instance.stop('test over');
});

test('an HTTP-checked instance the agent no longer holds is registered again at once', { timeout: 10_000 }, async () => {
  const agent = new ScriptedAgent();
  const { instance, registered } = registrar(agent, httpCheck);
  instance.start();
  await instance.registered(1_000);
  agent.holds = false;
  await waitFor(() => registered.length === 2, 2_000, 'a second registration');
  assert.deepEqual(registered, [false, true]);
  await instance.stop('test over');
  assert.deepEqual(agent.calls.slice(-2), ['sync', 'register'], 'the sync that found it gone was followed by a registration, with no wait');
});

test('a TTL report the agent refuses as an unknown check leads to a registration and a report at once', { timeout: 10_000 }, async () => {
  const agent = new ScriptedAgent();
  const { instance, registered } = registrar(agent, ttlCheck);
  instance.start();
  await instance.registered(1_000);
  await waitFor(() => agent.calls.includes('report passing'), 1_000, 'the first report');
  assert.deepEqual(agent.calls.slice(0, 2), ['register', 'report passing'], 'a TTL check is reported right after registering');
  agent.knowsCheck = false;
  await waitFor(() => registered.length === 2, 2_000, 'a second registration');
  await waitFor(() => agent.calls.filter((call) => call === 'report passing').length >= 3, 2_000, 'reports after it');
  await instance.stop('test over');
});

test('stop() waits for a registration under way, and nothing reaches the agent after it', { timeout: 10_000 }, async () => {
  const agent = new ScriptedAgent();
  agent.registerDelayMs = 300;
  const { instance } = registrar(agent, httpCheck);
  instance.start();
  const first = instance.registered(5_000);
  await sleep(50);
  await instance.stop('draining');
  const callsAtStop = agent.calls.length;
  assert.deepEqual(agent.calls, ['register'], 'the registration under way finished before stop() resolved');
  assert.equal(instance.everRegistered, true, 'and counts: the caller deregisters next');
  await first;
  await sleep(500);
  assert.equal(agent.calls.length, callsAtStop);
});

test('registered() rejects with RegistrationCanceledError when stopped before the agent accepted', { timeout: 10_000 }, async () => {
  const agent = new ScriptedAgent();
  agent.down = true;
  const { instance } = registrar(agent, httpCheck);
  instance.start();
  const first = instance.registered(5_000);
  await sleep(50);
  const canceled = assert.rejects(first, (error: unknown) => {
    assert.ok(error instanceof RegistrationCanceledError);
    assert.equal(error.code, 'ERR_PROXYLESS_REGISTRATION_CANCELED');
    assert.match(error.message, /"users-1" of service "users" stopped registering before Consul accepted it: SIGTERM arrived/);
    return true;
  });
  await instance.stop('SIGTERM arrived');
  await canceled;
});
