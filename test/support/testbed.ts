// What the fault-injection tests stand on: a real Consul agent and one fleet of real Express instances of
// one service, each in its own process and registered with the agent, recording the requests they apply
// in a shared ledger. Starting a process costs seconds on a busy machine, so the fleet is shared by the
// tests of a file: `restore()` before each test gives back every instance alive, passing its check, with
// no fault and no delay, and closes the clients of the test before.
import { createClient } from '../../lib/client/create-client.js';
import type { BalancedClient } from '../../lib/client/balanced-client.js';
import type { ClientOptions } from '../../lib/client/client-options.js';
import { startConsul, type ConsulAgent } from './consul-agent.js';
import { startInstance, type TestInstance } from './instance-process.js';
import { Ledger } from './ledger.js';
import { waitFor } from './load.js';

export interface Testbed {
  readonly consul: ConsulAgent;
  readonly service: string;
  /** The fleet, in a fixed order; an instance killed by a test is replaced in its place by `restore()`. */
  readonly instances: readonly TestInstance[];
  readonly ledger: Ledger;
  /** A client of the service, closed by the next `restore()` or by `stop()`. */
  client(options?: Omit<ClientOptions, 'consul' | 'service'>): BalancedClient;
  /** Resolves once `client` sees every instance of the fleet. */
  visible(client: BalancedClient): Promise<void>;
  /** Closes the clients, replaces dead instances, ends every fault, delay and suspension, and waits for all to pass their checks. */
  restore(): Promise<void>;
  /** Closes every client, stops every instance, then the agent. */
  stop(): Promise<void>;
}

export async function startTestbed(service: string, size: number): Promise<Testbed> {
  const consul = await startConsul();
  const ledger = new Ledger();
  let started = 0;
  // Consul's check waits 5 s for an answer (its default is 10 s): an instance hung for a shorter while
  // stays registered, and only the client's own breaker can take it out.
  const start = (): Promise<TestInstance> => startInstance({ consul, service, id: `${service}-${++started}`, ledger, checkTimeout: '5s' });
  const instances: TestInstance[] = [];
  try {
    // One after another: starting several at once on two busy cores is no faster, and times out sooner.
    for (let i = 0; i < size; i++) instances.push(await start());
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.stop()));
    await consul.stop();
    throw error;
  }
  let clients: BalancedClient[] = [];
  const closeClients = async (): Promise<void> => {
    const closing = clients;
    clients = [];
    await Promise.all(closing.map((client) => client.close({ timeoutMs: 1_000 })));
  };
  const passing = async (): Promise<void> => {
    const expected = instances.map((instance) => instance.id).sort().join(',');
    await waitFor(() => lastPassing === expected, 15_000, `every instance of ${service} passing its check`);
  };
  // What Consul says is passing, as a client's discovery would see it.
  let lastPassing = '';
  const watcher = createClient({ service, consul: { host: consul.host, port: consul.port } });
  watcher.on('instancesChanged', ({ instances: seen }) => {
    lastPassing = seen.map((instance) => instance.id).sort().join(',');
  });
  await watcher.ready({ timeoutMs: 10_000 });
  lastPassing = watcher.instances().map((instance) => instance.id).sort().join(',');
  await passing();

  return {
    consul,
    service,
    instances,
    ledger,
    client(options = {}) {
      const client = createClient({ ...options, service, consul: { host: consul.host, port: consul.port } });
      clients.push(client);
      return client;
    },
    async visible(client) {
      await client.ready({ timeoutMs: 10_000 });
      await waitFor(() => client.instances().length === instances.length, 15_000, `${instances.length} passing instances of ${service}`);
    },
    async restore() {
      await closeClients();
      for (const [index, instance] of instances.entries()) {
        if (instance.exited) {
          await instance.deregister();
          instances[index] = await start();
          continue;
        }
        instance.resume();
        await instance.setFault({ kind: 'none' });
        await instance.setDelay(0);
        await instance.setFailing(false);
      }
      await passing();
    },
    async stop() {
      await closeClients();
      await watcher.close({ timeoutMs: 1_000 });
      await Promise.all(instances.map((instance) => instance.stop()));
      await consul.stop();
    },
  };
}
